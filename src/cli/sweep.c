/* sweep.c - `axon sweep`: run a sweep (calibrations or Boltzmann-machine
 * runs) as an MPI task farm, `axon sweep check` (task count, cost
 * estimate) and `axon sweep export` (one calibration row as an sbs
 * calibration JSON). docs/sweeps.md.
 * Exit 2 on bad input (spec errors print file:line:col and write nothing).
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axon/sweep.h"
#include "axon/threads.h"
#include "cli_impl.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: [mpirun -np R] axon sweep SWEEP.yaml -o OUT.h5 [options]\n"
            "       axon sweep check SWEEP.yaml\n"
            "       axon sweep export OUT.h5 --task N -o cal.json\n"
            "  Calibrate many samplers (task: calibrate) or sample many Boltzmann machines\n"
            "  (task: sample) over grid axes and/or a table of parameter sets, as an MPI task\n"
            "  farm with dynamic load balancing; one HDF5 table of results (docs/sweeps.md).\n\n"
            "options:\n"
            "  -o, --output FILE     results file (HDF5; required)\n"
            "  -t, --threads T       tasks run in parallel per rank (default OMP_NUM_THREADS)\n"
            "      --resume          finish a killed sweep: run only tasks without a result\n"
            "      --force           overwrite an existing result file and journal\n"
            "      --checkpoint SEC  rewrite the result file every SEC seconds (default 60)\n"
            "      --max-chunk N     most tasks a rank takes at once (default 64)\n"
            "      --progress        progress lines on stderr (default when it is a terminal)\n"
            "  -q, --quiet           no summary\n"
            "  -h, --help            this help\n");
}

void ax_cli_sweep_summary(const ax_sweep sw, const char *path, FILE *out)
{
    int64_t bad = 0;
    double cs = ax_sweep_estimate(sw, &bad);
    ax_sweep_kind kind = ax_sweep_task_kind(sw);
    fprintf(out, "%s: %lld tasks (%s), %d swept parameters", path, (long long)ax_sweep_n_tasks(sw),
            ax_sweep_kind_name(kind), ax_sweep_n_params(sw));
    for (int k = 0; k < ax_sweep_n_params(sw); k++)
        fprintf(out, "%s%s", k ? ", " : ": ", ax_sweep_param_name(sw, k));
    fprintf(out, "\n  estimate: %.3g core-hours (%.3g core-s; ~%s ns per sampler-step, rough)\n",
            cs / 3600.0, cs, kind == AX_SWEEP_SAMPLE ? "140" : "40");
    if (bad) fprintf(out, "  %lld tasks have invalid parameters: they will be recorded as failed\n",
                     (long long)bad);
}

static int cmd_check(int argc, char **argv)
{
    ax_error err = {0};
    if (argc != 3) {
        AX_FAIL(&err, AX_EINPUT, "usage: axon sweep check SWEEP.yaml");
        return ax_cli_report("sweep", &err);
    }
    ax_sweep sw;
    if (ax_sweep_load(argv[2], &sw, &err) != AX_OK) return ax_cli_report("sweep", &err);
    ax_cli_sweep_summary(sw, argv[2], stdout);
    ax_sweep_destroy(&sw);
    return 0;
}

static int cmd_export(int argc, char **argv)
{
    ax_error err = {0};
    const char *h5 = NULL, *out = NULL;
    double task = -1;
    for (int i = 2; i < argc; i++) {
        if (ax_cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
        static const ax_cli_valued valued[] = {{"-o", "a file name (-o cal.json)", 1},
                                               {"--output", "a file name", 1},
                                               {"--task", "a task number", 1}, {NULL, NULL, 0}};
        if (ax_cli_lacks_value(argc, argv, i, "sweep", valued, &err)) return ax_cli_report("sweep", &err);
        if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--task") && i + 1 < argc && ax_cli_number(argv[i + 1], &task) && task >= 0 &&
                 task == floor(task)) i++;
        else if (argv[i][0] != '-' && !h5) h5 = argv[i];
        else {
            AX_FAIL(&err, AX_EINPUT, "bad argument '%s' (usage: axon sweep export OUT.h5 --task N "
                                     "-o cal.json)", argv[i]);
            return ax_cli_report("sweep", &err);
        }
    }
    if (!h5 || !out || task < 0) {
        AX_FAIL(&err, AX_EINPUT, "usage: axon sweep export OUT.h5 --task N -o cal.json");
        return ax_cli_report("sweep", &err);
    }
    if (ax_sweep_export(h5, (int64_t)task, out, &err) != AX_OK) return ax_cli_report("sweep", &err);
    return 0;
}

typedef struct run_args {
    const char *file;
    ax_sweep_run_opts o;
    int quiet, progress;
} run_args;

static const ax_cli_valued kValued[] = {
    AX_CLI_VALUED_OUTPUT("OUT.h5"),
    {"--checkpoint", "a number of seconds", 1}, {"--max-chunk", "a number of tasks", 1},
    {NULL, NULL, 0}};

/* One of sweep's own options at arg[0], `left` words after it: how many
 * words it takes (ax_cli_options), 0 if none of them. */
static int own(char **arg, int left, void *opts)
{
    ax_sweep_run_opts *o = &((run_args *)opts)->o;
    double v;
    if (!strcmp(arg[0], "--resume")) return o->resume = 1;
    if (!strcmp(arg[0], "--force")) return o->force = 1;
    if (!left || !ax_cli_number(arg[1], &v)) return 0;
    if (!strcmp(arg[0], "--checkpoint") && v >= 0) o->checkpoint_s = v;
    else if (!strcmp(arg[0], "--max-chunk") && v >= 1 && v == floor(v) && v < 1e9) o->max_chunk = (int)v;
    else return 0;
    return 2;
}

static int parse(int argc, char **argv, void *opts, ax_error *err)
{
    run_args *a = opts;
    *a = (run_args){.progress = -1, .o = {.checkpoint_s = 60, .max_chunk = 64}};
    const ax_cli_loop l = {"sweep", "sweep file", kValued, &a->file, &a->o.out, &a->o.threads,
                           &a->progress, &a->quiet, NULL, NULL};
    int r = ax_cli_options(argc, argv, &l, own, a, err);
    if (r) return r;
    if (!a->file || !a->o.out) {
        AX_FAIL(err, AX_EINPUT, "need a sweep file and -o OUT.h5 (usage: axon sweep SWEEP.yaml -o OUT.h5)");
        return -1;
    }
    if (a->o.resume && a->o.force) {
        AX_FAIL(err, AX_EINPUT, "--resume and --force exclude each other");
        return -1;
    }
    return 0;
}

static void summary(const run_args *a, const ax_sweep_stats *s)
{
    double busy = s->t_tasks + s->t_sched + s->t_io, slots = (double)s->ranks * s->slots;
    printf("sweep %s -> %s: %lld tasks (%lld ok, %lld failed), %lld run now, %lld already done\n",
           a->file, a->o.out, (long long)s->n_tasks, (long long)s->n_ok, (long long)s->n_failed,
           (long long)s->n_run, (long long)s->n_skipped);
    printf("  %.2f s on %d ranks x %d slots: %.1f tasks/s; in tasks %.1f%% of slot time, "
           "scheduler %.3g ms per task (%lld chunk fetches), journal+checkpoints %.3g ms per task\n",
           s->wall, s->ranks, s->slots, s->wall > 0 ? (double)s->n_run / s->wall : 0,
           slots * s->wall > 0 ? 100.0 * s->t_tasks / (slots * s->wall) : 0,
           s->n_run ? 1e3 * s->t_sched / (double)s->n_run : 0, (long long)s->n_fetch,
           s->n_run ? 1e3 * s->t_io / (double)s->n_run : 0);
    (void)busy;
}

static ax_status run(void *opts, int rank, ax_error *err)
{
    run_args *a = opts;
    ax_sweep sw;
    AX_TRY(ax_sweep_load_comm(a->file, MPI_COMM_WORLD, &sw, err));
    /* a task is a thread's worth of work: slots up to the tasks */
    ax_status s = ax_cli_threads(a->o.threads, 0, ax_sweep_n_tasks(sw) * AX_THREADS_WORK,
                                 &a->o.threads, err);
    int show = a->progress == 1 || (a->progress == -1 && isatty(2));
    a->o.progress = show && rank == 0 ? stderr : NULL;
    ax_sweep_stats st;
    if (s == AX_OK) s = ax_sweep_run(sw, &a->o, MPI_COMM_WORLD, &st, err);
    if (s == AX_OK && rank == 0 && !a->quiet) summary(a, &st);
    ax_sweep_destroy(&sw);
    return s;
}

int ax_cmd_sweep(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "check")) return cmd_check(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "export")) return cmd_export(argc, argv);
    run_args a;
    return ax_cli_main("sweep", argc, argv, MPI_THREAD_MULTIPLE, parse, usage, run, &a);
}
