/* run.c - `axon run SPEC [-o out.h5] [--force] [-t T] [--progress]`.
 *
 * Rank 0 reads the spec, every rank validates the same bytes and the ranks
 * agree (so a bad spec fails on all ranks alike, before anything is
 * allocated or written, and a failure on one rank ends every rank), creates the
 * output collectively as <out>.partial, builds, simulates, writes metadata
 * and renames the file. Rank 0 prints the summary. Any failure removes the
 * partial file and exits 2 on every rank.
 */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "axon/agree.h"
#include "axon/engine.h"
#include "axon/export.h"
#include "axon/model.h"
#include "axon/outfile.h"
#include "axon/record.h"
#include "axon/spec.h"
#include "axon/steps.h"
#include "cli_impl.h"

typedef struct {
    const char *spec;
    const char *output;
    int force;
    int threads;
    int progress; /* -1 auto (terminal), 0 off, 1 on */
    int quiet;
    const char *stats_json; /* rank 0 writes the measured figures as JSON */
    double ckpt_every;      /* ms of model time, 0: no periodic checkpoints */
    const char *ckpt_dir;
    const char *restart;    /* checkpoint to continue from */
    ax_nir_opts nir;        /* --nir-*: how a NIR graph is read */
    const char *nir_opt;    /* the first --nir-* option given (refused with a YAML spec) */
} run_opts;

/* Set by SIGTERM/SIGUSR1 (what SLURM sends before the time limit): every
 * rank finishes the slice, writes a checkpoint and stops (exit 3). */
static volatile int stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: [mpirun -np R] axon run SPEC [options]\n"
            "  Simulate the network of SPEC (YAML or JSON, docs/spec.md; or a NIR graph,\n"
            "  file.nir, docs/export.md) on R MPI ranks x T\n"
            "  OpenMP threads, writing recorded spikes and traces to one HDF5 file.\n\n"
            "options:\n"
            "  -o, --output FILE   HDF5 output (overrides simulation.output)\n"
            "  -f, --force         overwrite an existing output file\n"
            "  -t, --threads T     threads per rank (default: simulation.threads, else OMP_NUM_THREADS)\n"
            "      --progress      print a progress line (default: when stderr is a terminal)\n"
            "      --no-progress   never print progress\n"
            "  -q, --quiet         no summary\n"
            "      --stats-json F  write the measured figures (timings, RTF, spikes, memory) as JSON\n"
            "      --checkpoint-every T   write a checkpoint every T of model time (500ms, 2s, 500)\n"
            "      --checkpoint-dir DIR   where checkpoints go (default: .; created if missing,\n"
            "                             its parent must exist); SIGTERM or SIGUSR1\n"
            "                             make every rank write one and stop (exit 3)\n"
            "      --restart FILE  continue from a checkpoint of the same spec, on any ranks x\n"
            "                      threads; the output then holds the whole run\n"
            "  -h, --help          this help\n\n"
            "NIR graphs (file.nir; docs/export.md \"NIR\"):\n"
            "      --nir-t-sim MS        simulated time (default: the axon spec in the graph's\n"
            "                            metadata, else 1000 ms)\n"
            "      --nir-dt MS           resolution (default 0.1 ms); Delay values must be multiples\n"
            "      --nir-time-unit s|ms  the graph's time unit (default: its metadata time_unit, else s,\n"
            "                            as snnTorch, Norse and Rockpool write)\n"
            "      --nir-spike-area A    integral of one spike in graph time units (default 1: NIR's\n"
            "                            Dirac pulse); a graph trained with spikes of height 1 per\n"
            "                            step dt (snnTorch, Norse, Rockpool) needs A = dt\n"
            "      --nir-reset absolute|subtract  reset to v_reset (default) or by subtraction\n"
            "      --nir-input NAME=spikes:FILE     drive top-level Input NAME with spikes: lines\n"
            "                            'channel time_ms' ('#' comments), times on the grid, >= 2 dt\n"
            "      --nir-input NAME=poisson:HZ[,HZ...]  an independent Poisson train per channel\n"
            "      --nir-input NAME=const:V[,V...]      a constant value per channel from t = 0\n"
            "                            (one value: all channels); undriven Inputs are silent\n"
            "      --nir-seed N          seed of the run and of Poisson inputs (default 12345)\n"
            "      --nir-record outputs|all  record the neuron nodes that feed top-level Output nodes\n"
            "                            (default; all of them when there is none), or every neuron\n"
            "                            node and spike input\n"
            "      --nir-from-graph      read a graph axon wrote from its nodes, not from the axon\n"
            "                            spec in its metadata\n"
            "  Top-level Output nodes are recorded (/spikes/<population>; every neuron node when\n"
            "  the graph has none); population = node path, '.' and other characters outside\n"
            "  [A-Za-z0-9_-] turned into '_'.\n");
}

/* One --nir-* option at argv[*i]; 0 if a is not one, 1 if taken, -1 on error. */
static int nir_option(run_opts *o, int argc, char **argv, int *i, ax_error *err)
{
    const char *a = argv[*i];
    if (strncmp(a, "--nir-", 6)) return 0;
    if (!o->nir_opt) o->nir_opt = a;
    if (!strcmp(a, "--nir-from-graph")) {
        o->nir.from_graph = 1;
        return 1;
    }
    if (*i + 1 >= argc) {
        AX_FAIL(err, AX_EINPUT, "%s needs a value (see axon run --help)", a);
        return -1;
    }
    const char *v = argv[++*i];
    char *end;
    double x = strtod(v, &end);
    int num_ok = end != v && !*end && isfinite(x) && x > 0;
    if (!strcmp(a, "--nir-input")) return ax_nir_opts_add_input(&o->nir, v, err) == AX_OK ? 1 : -1;
    if (!strcmp(a, "--nir-t-sim") && num_ok) o->nir.t_sim = x;
    else if (!strcmp(a, "--nir-dt") && num_ok) o->nir.dt = x;
    else if (!strcmp(a, "--nir-spike-area") && num_ok) o->nir.spike_area = x;
    else if (!strcmp(a, "--nir-time-unit") && (!strcmp(v, "s") || !strcmp(v, "ms")))
        o->nir.time_unit = !strcmp(v, "s") ? 1000.0 : 1.0;
    else if (!strcmp(a, "--nir-reset") && (!strcmp(v, "subtract") || !strcmp(v, "absolute")))
        o->nir.reset_subtract = !strcmp(v, "subtract");
    else if (!strcmp(a, "--nir-record") && (!strcmp(v, "outputs") || !strcmp(v, "all")))
        o->nir.record_all = !strcmp(v, "all");
    else if (!strcmp(a, "--nir-seed") && end != v && !*end && x >= 0 && x == floor(x) && x < 1.8e19) {
        o->nir.seed = strtoull(v, NULL, 10);
        o->nir.have_seed = 1;
    } else {
        int known = !strcmp(a, "--nir-t-sim") || !strcmp(a, "--nir-dt") || !strcmp(a, "--nir-spike-area") ||
                    !strcmp(a, "--nir-time-unit") || !strcmp(a, "--nir-reset") || !strcmp(a, "--nir-seed") ||
                    !strcmp(a, "--nir-record");
        if (known) AX_FAIL(err, AX_EINPUT, "%s '%s': expected %s", a, v,
                           !strcmp(a, "--nir-time-unit") ? "s or ms" : !strcmp(a, "--nir-reset") ? "absolute or subtract"
                           : !strcmp(a, "--nir-record") ? "outputs or all"
                           : !strcmp(a, "--nir-seed") ? "an integer >= 0" : "a positive number");
        else AX_FAIL(err, AX_EINPUT, "unknown option '%s' (see axon run --help)", a);
        return -1;
    }
    return 1;
}

static const ax_cli_valued kValued[] = {
    AX_CLI_VALUED_OUTPUT("out.h5"),
    {"--stats-json", "a file name", 1}, {"--checkpoint-dir", "a directory", 1},
    {"--restart", "a checkpoint file", 1},
    {"--checkpoint-every", "a model time such as 500ms or 2s", 1}, {NULL, NULL, 0}};

static int parse(int argc, char **argv, void *opts, ax_error *err)
{
    run_opts *o = opts;
    *o = (run_opts){.progress = -1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (ax_cli_is_help(a)) return 1;
        if (ax_cli_lacks_value(argc, argv, i, "run", kValued, err)) return -1;
        int nr = nir_option(o, argc, argv, &i, err);
        if (nr < 0) return -1;
        if (nr) continue;
        if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) o->output = argv[++i];
        else if (!strcmp(a, "-f") || !strcmp(a, "--force")) o->force = 1;
        else if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && i + 1 < argc) {
            char *end;
            long t = strtol(argv[++i], &end, 10);
            if (*end || t < 1 || t > 4096) {
                AX_FAIL(err, AX_EINPUT, "--threads '%s': expected an integer from 1 to 4096", argv[i]);
                return -1;
            }
            o->threads = (int)t;
        } else if (!strcmp(a, "--progress")) o->progress = 1;
        else if (!strcmp(a, "--no-progress")) o->progress = 0;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) o->quiet = 1;
        else if (!strcmp(a, "--stats-json") && i + 1 < argc) o->stats_json = argv[++i];
        else if (!strcmp(a, "--checkpoint-dir") && i + 1 < argc) o->ckpt_dir = argv[++i];
        else if (!strcmp(a, "--restart") && i + 1 < argc) o->restart = argv[++i];
        else if (!strcmp(a, "--checkpoint-every") && i + 1 < argc) {
            char *end;
            double v = strtod(argv[++i], &end);
            double scale = !strcmp(end, "s") ? 1000.0 : (!*end || !strcmp(end, "ms")) ? 1.0 : -1.0;
            if (scale < 0 || !(v > 0) || !isfinite(v)) {
                AX_FAIL(err, AX_EINPUT, "--checkpoint-every '%s': expected a positive model time "
                        "such as 500ms or 2s", argv[i]);
                return -1;
            }
            o->ckpt_every = v * scale;
        }
        else if (ax_cli_positional(a, "run", "unknown option", "spec file", &o->spec, err))
            return -1;
    }
    if (!o->spec) {
        AX_FAIL(err, AX_EINPUT, "no spec file given (usage: axon run SPEC [-o out.h5])");
        return -1;
    }
    size_t pl = strlen(o->spec);
    if (o->nir_opt && !(pl > 4 && !strcmp(o->spec + pl - 4, ".nir"))) {
        AX_FAIL(err, AX_EINPUT, "%s applies to NIR graphs (file.nir) only; %s is a spec", o->nir_opt, o->spec);
        return -1;
    }
    return 0;
}

static void summary(const ax_spec *s, const ax_engine_stats *st, const char *out_path,
                    FILE *out)
{
    double t_model = s->sim.t_sim / 1000.0;
    fprintf(out, "axon %s: %s on %d rank%s x %d thread%s\n", PACKAGE_VERSION, s->path, st->ranks,
            st->ranks == 1 ? "" : "s", st->threads, st->threads == 1 ? "" : "s");
    fprintf(out, "  network     %lld neurons, %lld synapses, delays %lld..%lld steps (h = %g ms)\n",
            (long long)st->n_neurons, (long long)st->n_synapses, (long long)st->min_delay,
            (long long)st->max_delay, s->sim.resolution);
    fprintf(out, "  build       %.3f s (blocks %.3f, count %.3f, place %.3f, sort %.3f, index %.3f",
            st->t_build, st->tb_blocks, st->tb_count, st->tb_place, st->tb_sort, st->tb_index);
    if (st->tb_draw >= 0) fprintf(out, "; draw %.3f of pass B [AXON_BUILD_PROFILE]", st->tb_draw);
    fprintf(out, ")\n");
    fprintf(out, "  simulate    %.3f s for %g ms: RTF %.3f (update %.3f, deliver %.3f, devices %.3f, "
                 "communicate %.3f, record %.3f s)\n",
            st->t_simulate, s->sim.t_sim, t_model > 0 ? st->t_simulate / t_model : 0.0,
            st->t_update, st->t_deliver, st->t_devices, st->t_communicate, st->t_record);
    fprintf(out, "  events      %lld synaptic events delivered (%s): %.3g per second of simulate, "
                 "%.2f ns each incl. everything\n",
            (long long)st->n_events, st->threads_deferred ? "deferred" : "direct",
            st->t_simulate > 0 ? st->n_events / st->t_simulate : 0.0,
            st->n_events ? st->t_simulate * 1e9 / st->n_events : 0.0);
    if (st->ranks > 1)
        fprintf(out, "  exchange    %.3g keys to %.3g other ranks per slice per rank (mean)\n",
                st->keys_per_slice, st->dest_per_slice);
    fprintf(out, "  spikes      %lld", (long long)st->n_spikes);
    for (int p = 0; p < s->n_pops; p++)
        fprintf(out, "%s %s %.2f Hz", p ? "," : ";", s->pops[p].name,
                t_model > 0 ? st->pop_spikes[p] / (double)s->pops[p].n / t_model : 0.0);
    fprintf(out, "\n");
    fprintf(out, "  memory      synapse store %.2f B/synapse; peak RSS %.1f MiB per rank (max), "
                 "%.1f MiB total = %.2f B/synapse\n",
            st->n_synapses ? st->syn_bytes / st->n_synapses : 0.0, st->peak_rss_max / 1048576,
            st->peak_rss_sum / 1048576, st->n_synapses ? st->peak_rss_sum / st->n_synapses : 0.0);
    if (st->n_plastic)
        fprintf(out, "  plastic     %lld STDP synapses, %.2f B/synapse (weight, target, rows, "
                     "traces); spike histories %.1f KiB at the end\n",
                (long long)st->n_plastic, st->plastic_bytes / st->n_plastic,
                st->hist_bytes_end / 1024);
    fprintf(out, "  output      %s\n", out_path && *out_path ? out_path : "(none)");
}

static ax_status write_meta(const ax_spec *s, const ax_engine_stats *st, ax_recorder rec,
                            ax_error *err)
{
    const char **names = calloc((size_t)s->n_pops, sizeof *names);
    const char **models = calloc((size_t)s->n_pops, sizeof *models);
    int64_t *sizes = calloc((size_t)s->n_pops, sizeof *sizes);
    ax_status rc = AX_OK;
    if (!names || !models || !sizes) rc = AX_FAIL(err, AX_ENOMEM, "out of memory for metadata");
    for (int p = 0; rc == AX_OK && p < s->n_pops; p++) {
        names[p] = s->pops[p].name;
        models[p] = s->pops[p].model;
        sizes[p] = s->pops[p].n;
    }
    ax_run_meta m = {
        .version = PACKAGE_VERSION, .spec_path = s->path, .spec_text = s->text,
        .seed = s->sim.seed, .ranks = st->ranks, .threads = st->threads,
        .resolution = s->sim.resolution, .t_sim = s->sim.t_sim, .t_build = st->t_build,
        .t_simulate = st->t_simulate, .t_update = st->t_update, .t_deliver = st->t_deliver,
        .t_communicate = st->t_communicate, .n_pops = s->n_pops, .pop_names = names,
        .pop_models = models, .pop_sizes = sizes, .pop_spikes = st->pop_spikes,
        .n_synapses = st->n_synapses};
    /* collective: every rank calls even if its allocation failed (status is reduced) */
    ax_status w = ax_rec_write_meta(rec, &m, err);
    if (rc == AX_OK) rc = w;
    free(names);
    free(models);
    free(sizes);
    return rc;
}

/* Do a and b name one file? By device and inode when both exist, else by
 * their canonical directory and base name. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char *ra = ax_out_canonical(a), *rb = ax_out_canonical(b);
    int same = ra && rb && !strcmp(ra, rb);
    free(ra);
    free(rb);
    return same;
}

/* Rank 0: --stats-json may not name a file the run reads or writes, and is
 * checked like -o (axon/outfile.h); its temporary is reserved now, so a bad
 * target fails before the simulation and nothing is published. */
static ax_status stats_begin(const run_opts *o, const char *out, char **tmp, ax_error *err)
{
    const char *p = o->stats_json;
    AX_CHECK(!(out && *out && same_file(p, out)), err, AX_EINPUT,
             "--stats-json %s is the output file; choose another name", p);
    AX_CHECK(!same_file(p, o->spec), err, AX_EINPUT,
             "--stats-json %s is the spec; choose another name", p);
    AX_CHECK(!(o->restart && same_file(p, o->restart)), err, AX_EINPUT,
             "--stats-json %s is the checkpoint to restart from; choose another name", p);
    return ax_out_begin(p, o->force, "--stats-json", tmp, err);
}

/* The run's figures as one JSON object (benchmarks/run reads it). */
static ax_status stats_json(const ax_spec *s, const ax_engine_stats *st, const char *extra,
                            const char *path, ax_error *err)
{
    FILE *f = fopen(path, "w");
    AX_CHECK(f, err, AX_EIO, "%s: cannot write stats (%m)", path);
    double tm = s->sim.t_sim / 1000.0;
    fprintf(f, "{\"spec\": \"%s\", \"ranks\": %d, \"threads\": %d, \"min_delay\": %lld, "
               "\"max_delay\": %lld, \"neurons\": %lld, "
               "\"synapses\": %lld, \"t_model_s\": %g, \"build_s\": %.6f, \"simulate_s\": %.6f, "
               "\"rtf\": %.6f, \"update_s\": %.6f, \"deliver_s\": %.6f, \"devices_s\": %.6f, \"communicate_s\": %.6f, "
               "\"record_s\": %.6f, \"spikes\": %lld, \"events\": %lld, \"syn_store_bytes_per_synapse\": %.4f, "
               "\"peak_rss_max_bytes\": %.0f, \"peak_rss_sum_bytes\": %.0f, "
               "\"plastic_synapses\": %lld, \"plastic_bytes_per_synapse\": %.4f, "
               "\"history_bytes\": %.0f, \"rates_hz\": {",
            s->path, st->ranks, st->threads, (long long)st->min_delay, (long long)st->max_delay,
            (long long)st->n_neurons, (long long)st->n_synapses,
            tm, st->t_build, st->t_simulate, tm > 0 ? st->t_simulate / tm : 0.0, st->t_update,
            st->t_deliver, st->t_devices, st->t_communicate, st->t_record, (long long)st->n_spikes,
            (long long)st->n_events,
            st->n_synapses ? st->syn_bytes / st->n_synapses : 0.0, st->peak_rss_max,
            st->peak_rss_sum, (long long)st->n_plastic,
            st->n_plastic ? st->plastic_bytes / st->n_plastic : 0.0, st->hist_bytes_end);
    for (int p = 0; p < s->n_pops; p++)
        fprintf(f, "%s\"%s\": %.6f", p ? ", " : "", s->pops[p].name,
                tm > 0 ? st->pop_spikes[p] / (double)s->pops[p].n / tm : 0.0);
    fprintf(f, "}%s%s}\n", extra ? ", " : "", extra ? extra : "");
    AX_CHECK(fclose(f) == 0, err, AX_EIO, "%s: write failed", path);
    return AX_OK;
}

/* Rank 0: --checkpoint-dir exists as a directory, or is created when its
 * parent exists (as `mkdir DIR` would); writing in it is proved by creating
 * a file (access() says yes to root on a read-only mount). */
static ax_status make_dir(const char *dir, ax_error *err)
{
    struct stat st;
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
        return AX_FAIL(err, AX_EIO, "--checkpoint-dir %s: is not a directory (a file of that name "
                       "exists); give a directory", dir);
    if (stat(dir, &st) != 0 && mkdir(dir, 0777) != 0) {
        int e = errno;
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", dir);
        const char *parent = dirname(copy);
        if (e == ENOENT)
            return AX_FAIL(err, AX_EIO, "--checkpoint-dir %s: its parent directory %s does not "
                           "exist; create it (mkdir -p %s) or choose another", dir, parent, dir);
        return AX_FAIL(err, AX_EIO, "--checkpoint-dir %s: cannot create it: %s", dir, strerror(e));
    }
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/.axon-probe-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0)
        return AX_FAIL(err, AX_EIO, "--checkpoint-dir %s: cannot write in it (%s); choose "
                       "another", dir, strerror(errno));
    close(fd);
    unlink(probe);
    return AX_OK;
}

/* --checkpoint-dir usable on every rank (collective): rank 0 makes it, then
 * every rank must see a directory (checkpoints are written collectively). */
static ax_status checkpoint_dir(const char *dir, int rank, MPI_Comm comm, ax_error *err)
{
    AX_TRY(ax_share(comm, 0, rank == 0 ? make_dir(dir, err) : AX_OK, err));
    struct stat st;
    ax_status s = AX_OK;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        s = AX_FAIL(err, AX_EIO, "--checkpoint-dir %s: not a directory on this node; it must be "
                    "on a file system every rank shares", dir);
    return ax_agree(comm, s, err);
}

/* Load, build, simulate, record. Collective over MPI_COMM_WORLD. */
static ax_status run(void *opts, int rank, ax_error *err)
{
    const run_opts *o = opts;
    ax_spec *spec = NULL;
    ax_engine eng = NULL;
    ax_recorder rec = NULL;
    /* SIGTERM/SIGUSR1: checkpoint into --checkpoint-dir (or .) and stop. Caught
     * from the start, so a signal during load or build is not fatal: the run
     * stops with a checkpoint at its first slice (the ranks agree on it). */
    signal(SIGTERM, on_stop_signal);
    signal(SIGUSR1, on_stop_signal);
    size_t pl = strlen(o->spec);
    if (pl > 4 && !strcmp(o->spec + pl - 4, ".nir")) {
        /* a NIR graph (docs/export.md): HDF5, read by every rank; then the ranks agree */
        char *notes = NULL;
        ax_status ls = ax_nir_load_opts(o->spec, &o->nir, &spec, &notes, err);
        ls = ax_agree(MPI_COMM_WORLD, ls, err);
        if (ls == AX_OK && notes && rank == 0 && !o->quiet) {
            for (char *l = strtok(notes, "\n"); l; l = strtok(NULL, "\n")) printf("note: %s\n", l);
            fflush(stdout);
        }
        free(notes);
        if (ls != AX_OK) {
            ax_spec_destroy(&spec);
            return ls;
        }
    } else {
        AX_TRY(ax_cli_load_network(o->spec, MPI_COMM_WORLD, &spec, err));
    }
    const char *out = o->output ? o->output : spec->sim.output;
    int threads = 1;
    ax_status st = ax_cli_threads(o->threads, spec->sim.threads, spec->n_total, &threads, err);
    void *image = NULL;
    uint64_t image_len = 0;
    int64_t every_steps;
    if (st == AX_OK && o->ckpt_every > 0) /* the same on every rank */
        st = ax_time_steps_err(o->ckpt_every, spec->sim.resolution, "--checkpoint-every",
                               &every_steps, err);
    if (st == AX_OK && o->ckpt_dir) st = checkpoint_dir(o->ckpt_dir, rank, MPI_COMM_WORLD, err);
    char *stats_tmp = NULL; /* rank 0 */
    if (o->stats_json) /* on every rank, whatever failed before (agrees that too) */
        st = ax_agree(MPI_COMM_WORLD, st != AX_OK ? st
                                      : rank == 0 ? stats_begin(o, out, &stats_tmp, err) : AX_OK,
                      err);
    if (st == AX_OK && out && *out) st = ax_rec_create(out, o->force, MPI_COMM_WORLD, &rec, err);
    if (st == AX_OK) st = ax_engine_build(spec, MPI_COMM_WORLD, threads, &eng, err);
    if (st == AX_OK && o->restart) st = ax_engine_restore(eng, o->restart, &image, &image_len, err);
    if (st == AX_OK && o->restart && rec && !image_len) /* no output could hold the whole run */
        st = AX_FAIL(err, AX_EINPUT, "%s holds no recorded output (the run that wrote it had no "
                     "output file), so %s could not hold the whole run; restart without -o, or "
                     "run from the beginning", o->restart, out);
    if (st == AX_OK && o->restart && rec) st = ax_rec_set_prefix(rec, image, image_len, err);
    if (st == AX_OK) ax_engine_set_checkpoints(eng, o->ckpt_every, o->ckpt_dir, &stop_requested);
    int show = o->progress == 1 || (o->progress == -1 && isatty(2));
    if (st == AX_OK) st = ax_engine_simulate(eng, rec, show && rank == 0 ? stderr : NULL, err);
    /* per-rank figures: collective, so before anything that may fail on one rank */
    char *extra = st == AX_OK && o->stats_json ? ax_engine_stats_json(eng) : NULL;
    if (st == AX_OK && rec) st = write_meta(spec, ax_engine_get_stats(eng), rec, err);
    /* the stats are written before the output is published: if they fail,
     * nothing is published (stats_tmp is rank 0's) */
    if (st == AX_OK && o->stats_json)
        st = ax_agree(MPI_COMM_WORLD, stats_tmp ? stats_json(spec, ax_engine_get_stats(eng),
                                                             extra, stats_tmp, err) : AX_OK, err);
    if (st == AX_OK && rec) st = ax_rec_close(&rec, err);
    /* st is agreed here; publishing fails only if the name was taken meanwhile */
    if (st == AX_OK && o->stats_json) {
        ax_status p = stats_tmp ? ax_out_publish(stats_tmp, o->stats_json, o->force, err) : AX_OK;
        if (p != AX_OK)
            ax_error_prefix(err, "%s was published, but ", out && *out ? out : "nothing");
        free(stats_tmp);
        stats_tmp = NULL;
        st = ax_agree(MPI_COMM_WORLD, p, err);
    }
    if (st == AX_OK && rank == 0 && !o->quiet) summary(spec, ax_engine_get_stats(eng), out, stdout);
    if (stats_tmp) unlink(stats_tmp); /* not published: the run failed */
    free(stats_tmp);
    free(extra);
    if (st == AX_ESTOPPED && rec) ax_rec_abort(&rec); /* the checkpoint holds the output so far */
    if (st != AX_OK) ax_rec_abort(&rec);
    free(image);
    ax_engine_destroy(&eng);
    ax_spec_destroy(&spec);
    return st;
}

int ax_cmd_run(int argc, char **argv)
{
    run_opts o = {0};
    int rc = ax_cli_main("run", argc, argv, MPI_THREAD_FUNNELED, parse, usage, run, &o);
    ax_nir_opts_free(&o.nir);
    return rc;
}
