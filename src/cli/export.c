/* export.c - `axon export --target spinnaker|dynapse|nir SPEC -o DIR
 * [--allow-approx] [--neurons-per-core N] [--spinn-version 3|5] [--simulate]
 * [--force] [-t T]`.
 *
 * Rank 0 exports into a directory of its own, DIR.partial.<pid>.<random>, and
 * renames it to DIR only when everything was written (nothing half-written
 * on error; two exports to one DIR never mix); an existing non-empty DIR is
 * refused unless --force. --simulate (collective over all ranks) runs the
 * original network and the variant the hardware runs (quantised weights,
 * the target's time step; for NIR the network read back from the NIR file)
 * and reports the firing rate per population of both.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "axon/agree.h"
#include "axon/engine.h"
#include "axon/export.h"
#include "axon/spec.h"
#include "axon/mpi_start.h"
#include "cli_impl.h"

typedef struct {
    const char *spec, *dir;
    ax_export_opts o;
    int force, simulate, threads, have_target;
} exp_opts;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: axon export --target spinnaker|dynapse|nir SPEC -o DIR [options]\n"
            "  Export the network of SPEC (YAML/JSON, or a .nir file) for neuromorphic hardware,\n"
            "  checking the target's limits (docs/export.md). A violated limit is an error (exit 2)\n"
            "  naming the limit, what breaks it and the fix.\n\n"
            "options:\n"
            "  --target T            spinnaker (pyNN.spiNNaker script + connection files),\n"
            "                        dynapse (Rockpool-style Dynap-SE2 spec: spec.json, weights.h5,\n"
            "                        load_dynapse.py), nir (NIR HDF5 graph)\n"
            "  -o, --output DIR      output directory (written as DIR.partial.*, then renamed)\n"
            "  -f, --force           replace an existing non-empty DIR\n"
            "  --allow-approx        accept approximations instead of failing; each is listed\n"
            "  --neurons-per-core N  SpiNNaker/Dynap-SE2 neurons per core (default 256)\n"
            "  --spinn-version V     3 (SpiNN-3, 4 chips) or 5 (SpiNN-5, 48 chips/board; default)\n"
            "  --max-rel-error E     SpiNNaker: largest accepted weight quantisation error (default 0.01)\n"
            "  --simulate            simulate the original and the exported (quantised) network in\n"
            "                        axon and report the firing rate per population of both\n"
            "                        (dynapse: the DPI neuron model dpi_neuron with the exported currents)\n"
            "  -t, --threads T       threads for --simulate\n"
            "  -h, --help            this help\n");
}

static int parse_int(const char *s, int lo, int hi, int *v)
{
    char *end;
    long x = strtol(s, &end, 10);
    if (*end || x < lo || x > hi) return -1;
    *v = (int)x;
    return 0;
}

static const ax_cli_valued kValued[] = {
    {"--target", "spinnaker, dynapse or nir", 1}, {"-o", "a directory (-o DIR)", 1},
    {"--output", "a directory", 1}, {"--neurons-per-core", "a positive integer", 1},
    {"--spinn-version", "3 or 5", 1}, {"--max-rel-error", "a number >= 0", 1}, {NULL, NULL, 0}};

static int parse(int argc, char **argv, exp_opts *o, ax_error *err)
{
    *o = (exp_opts){0};
    ax_export_defaults(&o->o, AX_HW_NIR);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (ax_cli_is_help(a)) return 1;
        if (ax_cli_lacks_value(argc, argv, i, "export", kValued, err)) return -1;
        if (!strcmp(a, "--target") && more) {
            const char *t = argv[++i];
            if (!strcmp(t, "spinnaker")) o->o.target = AX_HW_SPINNAKER;
            else if (!strcmp(t, "dynapse")) o->o.target = AX_HW_DYNAPSE;
            else if (!strcmp(t, "nir")) o->o.target = AX_HW_NIR;
            else return AX_FAIL(err, AX_EINPUT, "--target '%s': expected spinnaker, dynapse or nir", t), -1;
            o->have_target = 1;
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && more) o->dir = argv[++i];
        else if (!strcmp(a, "-f") || !strcmp(a, "--force")) o->force = 1;
        else if (!strcmp(a, "--allow-approx")) o->o.allow_approx = 1;
        else if (!strcmp(a, "--simulate")) o->simulate = 1;
        else if (!strcmp(a, "--neurons-per-core") && more) {
            if (parse_int(argv[++i], 1, 1 << 20, &o->o.neurons_per_core))
                return AX_FAIL(err, AX_EINPUT, "--neurons-per-core '%s': expected a positive integer", argv[i]), -1;
        } else if (!strcmp(a, "--spinn-version") && more) {
            if (parse_int(argv[++i], 3, 5, &o->o.spinn_version) || o->o.spinn_version == 4)
                return AX_FAIL(err, AX_EINPUT, "--spinn-version '%s': expected 3 or 5", argv[i]), -1;
        } else if (!strcmp(a, "--max-rel-error") && more) {
            char *end;
            o->o.max_rel_error = strtod(argv[++i], &end);
            if (*end || !(o->o.max_rel_error >= 0))
                return AX_FAIL(err, AX_EINPUT, "--max-rel-error '%s': expected a number >= 0", argv[i]), -1;
        } else if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && more) {
            if (parse_int(argv[++i], 1, 4096, &o->threads))
                return AX_FAIL(err, AX_EINPUT, "--threads '%s': expected an integer from 1 to 4096", argv[i]), -1;
        } else if (a[0] == '-' && a[1])
            return AX_FAIL(err, AX_EINPUT, "unknown option or missing value '%s' (see axon export --help)", a), -1;
        else if (!o->spec) o->spec = a;
        else return AX_FAIL(err, AX_EINPUT, "more than one spec file ('%s' and '%s')", o->spec, a), -1;
    }
    if (!o->have_target) return AX_FAIL(err, AX_EINPUT, "--target is required (spinnaker, dynapse or nir)"), -1;
    if (!o->spec) return AX_FAIL(err, AX_EINPUT, "no spec file given (usage: axon export --target T SPEC -o DIR)"), -1;
    if (!o->dir) return AX_FAIL(err, AX_EINPUT, "no output directory given (-o DIR)"), -1;
    return 0;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

static int rm_tree(const char *p) { return nftw(p, rm_cb, 16, FTW_DEPTH | FTW_PHYS); }

/* The process's umask (mkdtemp creates 0700; the export should get the
 * usual 0777 & ~umask). */
static mode_t current_umask(void)
{
    mode_t m = umask(022);
    umask(m);
    return m;
}

/* 1 if dir exists and holds entries. */
static int non_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n > 0;
}

/* Rank 0: export into a new DIR.partial.<pid>.<random>; returns its path in buf. */
static ax_status do_export(const exp_opts *o, const ax_spec *spec, char *partial, size_t cap,
                           ax_export_result *res, ax_error *err)
{
    struct stat st;
    AX_CHECK(o->force || !non_empty(o->dir) , err, AX_EINPUT,
             "%s exists and is not empty; use --force to replace it", o->dir);
    AX_CHECK(stat(o->dir, &st) != 0 || S_ISDIR(st.st_mode), err, AX_EINPUT, "%s exists and is not a directory",
             o->dir);
    /* a directory of this run's own: two exports to one DIR never share it */
    snprintf(partial, cap, "%s.partial.%ld.XXXXXX", o->dir, (long)getpid());
    AX_CHECK(mkdtemp(partial), err, AX_EIO, "%s: cannot create (%s)", partial, strerror(errno));
    chmod(partial, 0777 & ~current_umask());
    ax_status s = ax_export(spec, &o->o, partial, res, err);
    if (s != AX_OK) rm_tree(partial);
    return s;
}

static ax_status run_rates(const ax_spec *s, int threads, double *rates, ax_error *err)
{
    ax_engine e = NULL;
    AX_TRY(ax_engine_build(s, MPI_COMM_WORLD, threads, &e, err));
    ax_status st = ax_engine_simulate(e, NULL, NULL, err);
    if (st == AX_OK) {
        const ax_engine_stats *x = ax_engine_get_stats(e);
        for (int i = 0; i < s->n_pops; i++)
            rates[i] = s->sim.t_sim > 0 ? (double)x->pop_spikes[i] / ((double)s->pops[i].n * s->sim.t_sim * 1e-3) : 0;
    }
    ax_engine_destroy(&e);
    return st;
}

/* Collective: both networks, rates per population; rank 0 writes the table. */
static ax_status simulate(const exp_opts *o, const ax_spec *orig, const char *variant_yaml, const char *partial,
                          const char *notes, ax_error *err)
{
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int threads = 1;
    AX_TRY(ax_cli_threads(o->threads, orig->sim.threads, orig->n_total, &threads, err));
    ax_spec *var = NULL;
    char nir[4200];
    snprintf(nir, sizeof nir, "%s/network.nir", partial);
    /* every rank reads the variant; a failure on one must end all (agree) */
    ax_status ls = variant_yaml ? ax_spec_parse(variant_yaml, strlen(variant_yaml), "exported variant", &var, err)
                                : ax_nir_load(nir, &var, err);
    if ((ls = ax_agree(MPI_COMM_WORLD, ls, err)) != AX_OK) {
        ax_spec_destroy(&var);
        return ls;
    }
    double *r0 = calloc((size_t)orig->n_pops, sizeof *r0), *r1 = calloc((size_t)var->n_pops, sizeof *r1);
    ax_status st = r0 && r1 ? AX_OK : AX_FAIL(err, AX_ENOMEM, "out of memory");
    if (st == AX_OK) st = run_rates(orig, threads, r0, err);
    if (st == AX_OK) st = run_rates(var, threads, r1, err);
    if (st == AX_OK && rank == 0) {
        char path[4300];
        snprintf(path, sizeof path, "%s/simulate.txt", partial);
        FILE *f = fopen(path, "w");
        FILE *outs[2] = {stdout, f};
        for (int k = 0; k < 2; k++) {
            if (!outs[k]) continue;
            fprintf(outs[k], "simulate: %g ms, rates in Hz (original vs exported: %s)\n", orig->sim.t_sim,
                    variant_yaml ? "quantised variant" : "network read back from network.nir");
            fprintf(outs[k], "%-16s %12s %12s %12s\n", "population", "original", "exported", "difference");
            for (int i = 0; i < orig->n_pops && i < var->n_pops; i++)
                fprintf(outs[k], "%-16s %12.4f %12.4f %+12.4f\n", orig->pops[i].name, r0[i], r1[i], r1[i] - r0[i]);
            if (notes) fprintf(outs[k], "%s", notes);
        }
        if (!f || fclose(f) != 0) st = AX_FAIL(err, AX_EIO, "%s: cannot write", path);
    }
    free(r0);
    free(r1);
    ax_spec_destroy(&var);
    return st;
}

static int export_main(int argc, char **argv)
{
    exp_opts o;
    ax_error err = {0};
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int pr = parse(argc, argv, &o, &err);
    if (pr == 1) {
        if (rank == 0) usage(stdout);
        return 0;
    }
    if (pr < 0) return rank == 0 ? ax_cli_report("export", &err) : ax_status_exit_code(err.code);
    ax_spec *spec = NULL;
    ax_status s = ax_cli_load_network(o.spec, MPI_COMM_WORLD, &spec, &err);
    if (s != AX_OK) return rank == 0 ? ax_cli_report("export", &err) : ax_status_exit_code(s);
    char partial[4200] = "";
    ax_export_result res = {0};
    int code = AX_OK;
    if (rank == 0) {
        s = do_export(&o, spec, partial, sizeof partial, &res, &err);
        code = s;
    }
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Bcast(partial, sizeof partial, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (code == AX_OK && rank == 0) {
        fputs(res.report, stdout);
        printf("written: %s\n", o.dir);
    }
    if (code == AX_OK && o.simulate) {
        int len = res.sim_spec_yaml ? (int)strlen(res.sim_spec_yaml) + 1 : 0;
        MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
        char *y = len ? (rank == 0 ? res.sim_spec_yaml : malloc((size_t)len)) : NULL;
        if (len && y) MPI_Bcast(y, len, MPI_CHAR, 0, MPI_COMM_WORLD);
        s = simulate(&o, spec, y, partial, res.sim_notes, &err);
        if (y && y != res.sim_spec_yaml) free(y);
        int c = s, all;
        MPI_Allreduce(&c, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        code = all;
        if (rank == 0 && s == AX_OK && all != AX_OK) AX_FAIL(&err, (ax_status)all, "another rank failed");
        if (rank == 0 && code != AX_OK) rm_tree(partial);
    }
    if (rank == 0 && code == AX_OK) {
        if (o.force && non_empty(o.dir)) rm_tree(o.dir);
        else rmdir(o.dir);
        if (rename(partial, o.dir) != 0)
            code = AX_FAIL(&err, AX_EIO, "cannot rename %s to %s (%s; another export to %s?); "
                           "results left in %s", partial, o.dir, strerror(errno), o.dir, partial);
    }
    int ret = 0;
    if (code != AX_OK) ret = rank == 0 ? ax_cli_report("export", &err) : ax_status_exit_code((ax_status)code);
    ax_export_result_free(&res);
    ax_spec_destroy(&spec);
    return ret;
}

int ax_cmd_export(int argc, char **argv)
{
    int provided;
    ax_mpi_singleton_defaults();
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    int ret = export_main(argc, argv);
    MPI_Finalize();
    return ret;
}
