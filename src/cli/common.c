/* common.c - helpers shared by the subcommands: the MPI main, error
 * reporting, --help, numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "axon/agree.h"
#include "axon/export.h"
#include "axon/file.h"
#include "axon/outfile.h"
#include "axon/record.h"
#include "axon/spec.h"
#include "axon/yaml.h"
#include "axon/threads.h"
#include "axon/mpi_start.h"
#include "cli_impl.h"

int ax_cli_report(const char *cmd, const ax_error *err)
{
    fprintf(stderr, "axon %s: %s: %s\n", cmd, ax_status_name(err->code), err->msg);
    return ax_status_exit_code(err->code);
}

/* MPI_Init .. MPI_Finalize around run (see ax_cli_main). */
static int mpi_main(const char *cmd, int argc, char **argv, int level, ax_cli_run_fn run,
                    void *opts)
{
    ax_error err = {0};
    int provided, rank = 0;
    ax_mpi_singleton_defaults();
    MPI_Init_thread(&argc, &argv, level, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    ax_status st = provided < MPI_THREAD_FUNNELED
                       ? AX_FAIL(&err, AX_EMPI, "MPI does not provide MPI_THREAD_FUNNELED")
                       : run(opts, rank, &err);
    int rc = 0;
    if (st != AX_OK) rc = rank == 0 ? ax_cli_report(cmd, &err) : ax_status_exit_code(st);
    if (ax_rec_needs_abort()) { /* the partial file is already removed */
        fflush(NULL);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Abort(MPI_COMM_WORLD, rc ? rc : 2);
    }
    MPI_Finalize();
    return rc;
}

int ax_cli_main(const char *cmd, int argc, char **argv, int level, ax_cli_parse_fn parse,
                void (*usage)(FILE *), ax_cli_run_fn run, void *opts)
{
    ax_error err = {0};
    int p = parse(argc, argv, opts, &err);
    if (p == 1) {
        usage(stdout);
        return 0;
    }
    if (p < 0) return ax_cli_report(cmd, &err);
    return mpi_main(cmd, argc, argv, level, run, opts);
}

int ax_cli_common_opt(int argc, char **argv, int *i, int *threads, int *progress, int *quiet)
{
    const char *a = argv[*i];
    double v;
    if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && *i + 1 < argc &&
        ax_cli_number(argv[*i + 1], &v) && v >= 1 && v <= 4096 && v == floor(v)) {
        *threads = (int)v;
        ++*i;
        return 1;
    }
    if (!strcmp(a, "--progress")) return *progress = 1;
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) return *quiet = 1;
    return 0;
}

int ax_cli_lacks_value(int argc, char **argv, int i, const char *cmd,
                       const ax_cli_valued *valued, ax_error *err)
{
    static const ax_cli_valued common[] = {{"-t", "a thread count (1 to 4096)", 1},
                                           {"--threads", "a thread count (1 to 4096)", 1},
                                           {NULL, NULL, 0}};
    const ax_cli_valued *lists[2] = {valued, common};
    for (int l = 0; l < 2; l++)
        for (const ax_cli_valued *v = lists[l]; v && v->opt; v++) {
            if (strcmp(argv[i], v->opt)) continue;
            int n = v->n ? v->n : 1;
            if (i + n < argc) return 0;
            AX_FAIL(err, AX_EINPUT, "%s needs %s (see axon %s --help)", v->opt, v->what, cmd);
            return 1;
        }
    return 0;
}

int ax_cli_positional(const char *a, const char *cmd, const char *bad, const char *what,
                      const char **file, ax_error *err)
{
    if (a[0] == '-' && a[1]) {
        AX_FAIL(err, AX_EINPUT, "%s '%s' (see axon %s --help)", bad, a, cmd);
        return -1;
    }
    if (*file) {
        AX_FAIL(err, AX_EINPUT, "more than one %s ('%s' and '%s')", what, *file, a);
        return -1;
    }
    *file = a;
    return 0;
}

static const ax_cli_valued kDuration[] = {{"--duration", "a time in ms", 1}, {NULL, NULL, 0}};
static const ax_cli_valued kSeed[] = {{"--seed", "a seed (a whole number >= 0)", 1}, {NULL, NULL, 0}};

int ax_cli_options(int argc, char **argv, const ax_cli_loop *l, ax_cli_own_fn own, void *opts,
                   ax_error *err)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double v;
        int more = i + 1 < argc, took;
        if (ax_cli_is_help(a)) return 1;
        if (ax_cli_lacks_value(argc, argv, i, l->cmd, l->valued, err) ||
            (l->duration && ax_cli_lacks_value(argc, argv, i, l->cmd, kDuration, err)) ||
            (l->seed && ax_cli_lacks_value(argc, argv, i, l->cmd, kSeed, err)))
            return -1;
        if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && more) *l->out = argv[++i];
        else if (l->duration && !strcmp(a, "--duration") && more && ax_cli_number(argv[i + 1], &v) && v > 0)
            *l->duration = v, i++;
        else if (l->seed && !strcmp(a, "--seed") && more && ax_cli_number(argv[i + 1], &v) && v >= 0 &&
                 v == floor(v))
            *l->seed = (long long)v, i++;
        else if ((took = own(argv + i, argc - i - 1, opts)) > 0) i += took - 1;
        else if (ax_cli_common_opt(argc, argv, &i, l->threads, l->progress, l->quiet)) continue;
        else if (ax_cli_positional(a, l->cmd, "bad option or value", l->what, l->file, err))
            return -1;
    }
    return 0;
}

static ax_status spec_in(ax_input *in, const char *path, void *out, ax_error *err)
{
    return ax_spec_load_in(in, path, out, err);
}

static void spec_drop(void *out)
{
    ax_spec_destroy(out);
}

ax_status ax_cli_load_network(const char *path, MPI_Comm comm, ax_spec **out, ax_error *err)
{
    *out = NULL; /* ranks that do not load when rank 0 failed */
    size_t n = strlen(path);
    if (n < 4 || strcmp(path + n - 4, ".nir") != 0)
        return ax_input_load_into(comm, path, spec_in, out, spec_drop, err);
    /* a NIR graph (docs/export.md): HDF5, read by every rank, then agreed */
    ax_status st = ax_agree(comm, ax_nir_load(path, out, err), err);
    if (st != AX_OK) ax_spec_destroy(out);
    return st;
}

ax_status ax_cli_on_grid(const char *opt, double t, double dt, ax_error *err)
{
    double q = t / dt, r = nearbyint(q);
    AX_CHECK(fabs(q - r) <= 1e-9 * fmax(1.0, fabs(q)), err, AX_EINPUT,
             "%s %g ms is not a multiple of dt %g ms (%.6g steps); use e.g. %g or %g", opt, t, dt,
             q, floor(q) * dt, ceil(q) * dt);
    return AX_OK;
}

int ax_cli_is_help(const char *arg)
{
    return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int ax_cli_number(const char *s, double *v)
{
    char *e;
    *v = strtod(s, &e);
    return *s && !*e && isfinite(*v);
}

ax_cli_kind ax_cli_input_kind(const char *path)
{
    return ax_cli_input_kind_in(NULL, path);
}

ax_cli_kind ax_cli_input_kind_in(ax_input *in, const char *path)
{
    size_t pl = strlen(path);
    if (pl > 4 && !strcmp(path + pl - 4, ".nir")) return AX_CLI_NIR;
    char *text;
    size_t len;
    ax_error err = {0};
    if (ax_input_read(in, path, "input", 0, &text, &len, &err) != AX_OK) return AX_CLI_SPEC;
    ax_ydoc doc = {0};
    ax_cli_kind k = AX_CLI_SPEC;
    if (ax_ydoc_read(text, len, path, &doc, &err) == AX_OK && doc.root &&
        doc.root->kind == AX_YN_MAP) {
        const ax_yn *r = doc.root;
        if (ax_yn_get(r, "sweep")) k = AX_CLI_SWEEP;
        else if (ax_yn_get(r, "boltzmann_machine")) k = AX_CLI_BM;
        else if (ax_yn_get(r, "sampler")) k = AX_CLI_SAMPLER;
        else if (ax_yn_get(r, "neuron_parameters") || ax_yn_get(r, "_type")) k = AX_CLI_CALIB;
    }
    ax_ydoc_free(&doc);
    free(text);
    return k;
}

ax_status ax_cli_out_begin(int rank, const char *path, int force, const char *what, char **tmp,
                           ax_error *err)
{
    *tmp = NULL;
    ax_status st = rank == 0 ? ax_out_begin(path, force, what, tmp, err) : AX_OK;
    return ax_agree(MPI_COMM_WORLD, st, err);
}

ax_status ax_cli_threads(int opt_t, int spec_t, int64_t work, int *threads, ax_error *err)
{
    int t = opt_t > 0 ? opt_t : spec_t, env = 0;
    ax_status st = t > 0 ? AX_OK : ax_threads_env(&env, err);
    if (t <= 0) t = env;
    int explicit = t > 0;
    int ranks, lr = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    MPI_Comm node; /* every rank, whatever its branch: collective */
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &lr);
    MPI_Comm_free(&node);
    if (st == AX_OK && !explicit) t = ax_threads_default((work + ranks - 1) / ranks, lr);
    int mine[3] = {st != AX_OK, st == AX_OK ? -t : INT32_MIN, st == AX_OK ? t : INT32_MIN}, all[3];
    MPI_Allreduce(mine, all, 3, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (all[0]) /* a rank's OMP_NUM_THREADS is invalid: all fail, its message where it is */
        return st != AX_OK ? st : AX_FAIL(err, AX_EINPUT, "OMP_NUM_THREADS is invalid on another rank");
    if (-all[1] != all[2] && explicit) /* ranks must agree: the partition is R x T */
        return AX_FAIL(err, AX_EINPUT, "the ranks were given different thread counts (%d to %d, "
                       "from OMP_NUM_THREADS or -t); give every rank the same", -all[1], all[2]);
    *threads = -all[1]; /* the default: the smallest any rank can use */
    return AX_OK;
}
