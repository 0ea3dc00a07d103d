/* calibrate.c - `axon calibrate SAMPLER.yaml -o cal.json [options]`.
 *
 * Rank 0 reads the sampler file, every rank parses its bytes; the sweeps run on all ranks x threads
 * (one engine run per sweep); rank 0 writes the sbs-compatible JSON and an
 * HDF5 copy with the raw samples, and prints the fit. Exit 2 on bad input.
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axon/agree.h"
#include "axon/outfile.h"
#include "axon/sampling.h"
#include "axon/steps.h"
#include "cli_impl.h"

typedef struct cal_opts {
    const char *file, *out, *h5;
    int threads, quiet, progress;
    double duration, burn_in;
    int samples, no_prescan, have_range;  /* no_prescan: --no-prescan */
    double v_min, v_max;
    long long seed;
    const char *fit;
} cal_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: [mpirun -np R] axon calibrate SAMPLER.yaml|SBS.json -o cal.json [options]\n"
            "  Calibrate a LIF sampler (docs/sampling.md): pre-scan of v_rest for the sloped\n"
            "  window, final sweep of independent samplers in one run, logistic and erf fits.\n"
            "  The input is a sampler file or a calibration JSON (sbs's or axon's), which is\n"
            "  re-calibrated as sbs's LIFsampler.calibrate() does with its settings.\n\n"
            "options:\n"
            "  -o, --output FILE   calibration JSON in sbs's layout (required); axon's extras\n"
            "                      go to FILE.axon.json beside it\n"
            "      --h5 FILE       HDF5 copy with the raw samples (default: FILE with .h5)\n"
            "  -t, --threads T     threads per rank (default OMP_NUM_THREADS)\n"
            "      --duration MS   override calibration.duration\n"
            "      --burn-in MS    override calibration.burn_in\n"
            "      --samples N     override calibration.num_samples\n"
            "      --seed S        override calibration.seed\n"
            "      --fit KIND      logistic (default, as sbs) or erf\n"
            "      --range LO HI   skip the pre-scan, sweep v_rest over [LO, HI] mV\n"
            "      --no-prescan    skip the pre-scan, sweep the input's v_rest window\n"
            "                      (v_rest_min/v_rest_max, or an sbs file's V_rest_min/max)\n"
            AX_CLI_HELP_COMMON);
}

static const ax_cli_valued kValued[] = {
    AX_CLI_VALUED_OUTPUT("cal.json"),
    {"--h5", "a file name", 1}, {"--burn-in", "a time in ms", 1},
    {"--samples", "a number of points (>= 3)", 1},
    {"--fit", "logistic or erf", 1}, {"--range", "two potentials in mV (--range -55 -45)", 2},
    {NULL, NULL, 0}};

/* One of calibrate's own options at arg[0], `left` words after it: how many
 * words it takes (ax_cli_options), 0 if none of them. */
static int own(char **arg, int left, void *opts)
{
    cal_opts *o = opts;
    const char *a = arg[0];
    double v;
    if (!strcmp(a, "--no-prescan")) return o->no_prescan = 1;
    if (!strcmp(a, "--range") && left >= 2 && ax_cli_number(arg[1], &o->v_min) &&
        ax_cli_number(arg[2], &o->v_max) && o->v_max > o->v_min)
        return o->have_range = 1, 3;
    if (!left) return 0;
    if (!strcmp(a, "--h5")) o->h5 = arg[1];
    else if (!strcmp(a, "--fit")) o->fit = arg[1];
    else if (!strcmp(a, "--burn-in") && ax_cli_number(arg[1], &v) && v >= 0) o->burn_in = v;
    else if (!strcmp(a, "--samples") && ax_cli_number(arg[1], &v) && v >= 3 && v == floor(v)) o->samples = (int)v;
    else return 0;
    return 2;
}

static int parse(int argc, char **argv, void *opts, ax_error *err)
{
    cal_opts *o = opts;
    *o = (cal_opts){.progress = -1, .seed = -1, .burn_in = -1};
    const ax_cli_loop l = {"calibrate", "sampler file", kValued, &o->file, &o->out, &o->threads,
                           &o->progress, &o->quiet, &o->duration, &o->seed};
    int r = ax_cli_options(argc, argv, &l, own, o, err);
    if (r) return r;
    if (!o->file || !o->out) {
        AX_FAIL(err, AX_EINPUT, "need a sampler file and -o cal.json (usage: axon calibrate "
                                "SAMPLER.yaml -o cal.json)");
        return -1;
    }
    if (o->fit && strcmp(o->fit, "logistic") && strcmp(o->fit, "erf")) {
        AX_FAIL(err, AX_EINPUT, "--fit must be logistic or erf (got '%s')", o->fit);
        return -1;
    }
    return 0;
}

static void apply(const cal_opts *o, ax_calib_opts *c)
{
    if (o->duration > 0) c->duration = o->duration;
    if (o->burn_in >= 0) c->burn_in = o->burn_in;
    if (o->samples) c->num_samples = o->samples;
    if (o->seed >= 0) c->seed = (uint64_t)o->seed;
    if (o->fit) c->fit = strcmp(o->fit, "erf") ? AX_FIT_LOGISTIC : AX_FIT_ERF;
    if (o->no_prescan) c->prescan = 0;
    if (o->have_range) c->prescan = 0, c->v_min = o->v_min, c->v_max = o->v_max;
}

/* The input: a sampler file, or a calibration JSON (sbs's layout) to
 * re-calibrate with its settings, as sbs's calibrate() on a loaded
 * SamplerConfiguration (sbs/samplers.py): pre-calibration from -80..-20 mV
 * unless --no-prescan (then its V_rest_min..V_rest_max) or --range. *in
 * keeps what the output carries over (top-level source_config,
 * tso_parameters). */
static ax_status load_input(ax_input *inp, const cal_opts *o, ax_sampler *s, ax_calib_opts *co,
                            ax_calibration *in, ax_error *err)
{
    memset(in, 0, sizeof *in);
    if (ax_cli_input_kind_in(inp, o->file) != AX_CLI_CALIB)
        return ax_sampler_load_in(inp, o->file, s, co, err);
    AX_TRY(ax_calib_read_config_in(inp, o->file, in, err));
    *s = in->s;
    *co = in->o; /* axon's defaults (pre-scan -80..-20 mV as sbs's PreCalibration) and the
                  * file's dt, duration, burn_in_time, num_samples */
    int window = in->v_rest_max > in->v_rest_min;
    AX_CHECK(!o->no_prescan || o->have_range || window, err, AX_EINPUT,
             "%s: --no-prescan sweeps the file's calibration.V_rest_min..V_rest_max, which it "
             "does not give; use --range LO HI or the pre-scan", o->file);
    if (o->no_prescan && window) co->v_min = in->v_rest_min, co->v_max = in->v_rest_max;
    return AX_OK;
}

typedef struct {
    const cal_opts *o;
    ax_sampler *s;
    ax_calib_opts *co;
    ax_calibration *in;
} load_arg;

static ax_status load_fn(ax_input *inp, void *arg, ax_error *err)
{
    load_arg *a = arg;
    return load_input(inp, a->o, a->s, a->co, a->in, err);
}

static void summary(const ax_calibration *c, const char *json, const char *h5)
{
    double u, sd, g, te;
    ax_free_membrane(&c->s, c->v_p05, &u, &sd, &g, &te);
    double scale = c->s.kind == AX_SAMPLER_COND ? c->s.g_L / g : 1.0;
    printf("calibration of %s: %d points in [%.4f, %.4f] mV, %g ms each (+%g ms burn-in), dt %g ms\n",
           c->s.kind == AX_SAMPLER_COND ? "IF_cond_exp" : "IF_curr_exp", c->n, c->v_rest_min,
           c->v_rest_max, c->o.duration, c->o.burn_in, c->o.dt);
    printf("  logistic  alpha = %.4f +- %.4f mV  v_p05 = %.4f +- %.4f mV  RMS residual %.5f (%d points)\n",
           c->logistic.alpha, c->logistic.alpha_se, c->logistic.v_p05, c->logistic.v_p05_se,
           c->logistic.rms, c->logistic.n_points);
    printf("  erf       sigma = %.4f mV (alpha equiv %.4f)  v_p05 = %.4f +- %.4f mV  RMS residual %.5f\n",
           c->erf.sigma, c->erf.alpha, c->erf.v_p05, c->erf.v_p05_se, c->erf.rms);
    printf("  used      %s: alpha = %.4f mV, v_p05 = %.4f mV\n",
           c->o.fit == AX_FIT_ERF ? "erf" : "logistic", c->alpha, c->v_p05);
    printf("  theory    free-membrane std %.4f mV, alpha_theo %.4f mV (membrane space); fitted alpha "
           "x g_L/g_tot = %.4f mV\n", sd, 0.25 * sqrt(2 * M_PI) * sd, c->alpha * scale);
    double cores = (double)c->ranks * c->threads, tot = c->wall_prescan + c->wall_final;
    printf("  time      pre-scan %.2f s (%d rounds), final sweep %.2f s on %d x %d; %.2f "
           "calibrations per hour per core\n", c->wall_prescan, c->prescan_rounds, c->wall_final,
           c->ranks, c->threads, tot > 0 ? 3600.0 / (tot * cores) : 0.0);
    printf("  output    %s, %s\n", json, h5);
}

static ax_status run(void *opts, int rank, ax_error *err)
{
    const cal_opts *o = opts;
    ax_sampler s;
    ax_calib_opts co;
    ax_calibration in = {0};
    s = (ax_sampler){0};
    /* rank 0 reads the file (and decides its kind), every rank parses its bytes */
    load_arg la = {o, &s, &co, &in};
    ax_status ls = ax_input_load(MPI_COMM_WORLD, load_fn, &la, err);
    ax_calibration_free(&in);
    AX_TRY(ls);
    apply(o, &co);
    if (o->duration > 0) AX_TRY(ax_cli_on_grid("--duration", co.duration, co.dt, err));
    if (o->burn_in >= 0) AX_TRY(ax_cli_on_grid("--burn-in", co.burn_in, co.dt, err));
    int64_t steps;
    if (o->duration > 0 || o->burn_in >= 0)
        AX_TRY(ax_time_steps_err(co.burn_in + co.duration, co.dt, "--duration + --burn-in",
                                 &steps, err));
    int threads = 1;
    int show = o->progress == 1 || (o->progress == -1 && isatty(2));
    FILE *prog = show && rank == 0 ? stderr : NULL;
    /* the final sweep's samplers are the work (the pre-scan has fewer) */
    ax_status st = ax_cli_threads(o->threads, 0, co.num_samples, &threads, err);
    char h5[4096];
    if (o->h5) snprintf(h5, sizeof h5, "%s", o->h5);
    else {
        snprintf(h5, sizeof h5, "%s", o->out);
        char *dot = strrchr(h5, '.');
        if (dot && !strchr(dot, '/')) *dot = '\0';
        strncat(h5, ".h5", sizeof h5 - strlen(h5) - 1);
    }
    /* The outputs (JSON, its sidecar, HDF5) are checked and their
     * temporaries reserved before the calibration runs. calibrate replaces
     * existing files (it has no --force), but never a FIFO, device or
     * directory (axon/outfile.h). */
    char side[4200];
    ax_calib_sidecar_path(o->out, side, sizeof side);
    const char *path[3] = {o->out, side, h5}, *what[3] = {"-o", "the sidecar of -o", "--h5"};
    char *tmp[3] = {NULL, NULL, NULL}; /* rank 0 */
    for (int k = 0; k < 3 && st == AX_OK; k++)
        st = ax_cli_out_begin(rank, path[k], 1, what[k], &tmp[k], err);
    ax_calibration cal;
    memset(&cal, 0, sizeof cal);
    if (st == AX_OK) st = ax_calibrate(&s, &co, MPI_COMM_WORLD, threads, prog, &cal, err);
    if (st == AX_OK) { /* carried over from an sbs input, as sbs's write_config does */
        cal.has_net_bg = in.has_net_bg, cal.net_rate_ex = in.net_rate_ex;
        cal.net_w_ex = in.net_w_ex, cal.net_rate_in = in.net_rate_in, cal.net_w_in = in.net_w_in;
        cal.has_tso = in.has_tso, cal.tso = in.tso;
    }
    if (st == AX_OK && rank == 0) st = ax_calib_write_json_as(&cal, o->out, tmp[0], tmp[1], err);
    if (st == AX_OK && rank == 0) st = ax_calib_write_h5(&cal, tmp[2], err);
    for (int k = 0; k < 3 && st == AX_OK && rank == 0; k++) { /* keeps or removes tmp[k] */
        st = ax_out_publish(tmp[k], path[k], 1, err);
        free(tmp[k]);
        tmp[k] = NULL;
    }
    if (st == AX_OK && rank == 0 && !o->quiet) summary(&cal, o->out, h5);
    for (int k = 0; k < 3; k++) {
        if (tmp[k]) unlink(tmp[k]);
        free(tmp[k]);
    }
    ax_calibration_free(&cal);
    return st;
}

int ax_cmd_calibrate(int argc, char **argv)
{
    cal_opts o;
    return ax_cli_main("calibrate", argc, argv, MPI_THREAD_FUNNELED, parse, usage, run, &o);
}
