/* check.c - `axon check [--np R] FILE`: validate any input axon takes with
 * the loader the command that takes it uses, so check and the command agree
 * (same message, file:line:col, exit 2), and print what the file holds.
 * Creates no file.
 *   network spec (axon run, export) / NIR graph *.nir (axon run): ax_spec_load /
 *     ax_nir_load; size, synapse counts, delay range, memory per rank;
 *   sampler file (axon calibrate): ax_sampler_load;
 *   calibration JSON, sbs's layout (axon calibrate, and a BM's calibration:
 *     for axon sample): ax_calib_read_config, then ax_calib_read_json;
 *   Boltzmann-machine file (axon sample): ax_bm_load (its calibrations too);
 *   sweep file (axon sweep): ax_sweep_load, as `axon sweep check`.
 * The kind comes from the top-level keys (ax_cli_input_kind).
 * Exit status: 0 valid, 2 invalid (message on stderr), 1 internal error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/export.h"
#include "axon/sampling.h"
#include "axon/spec.h"
#include "axon/sweep.h"
#include "axon/threads.h"
#include "cli_impl.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: axon check [--np R] FILE\n\n"
            "Validate an input file exactly as the command that reads it does and print\n"
            "what it holds. The kind is taken from its top-level keys:\n"
            "  network spec (axon run/export; or a NIR graph, *.nir): neurons per population,\n"
            "    expected synapses per projection and in all, the delay range in steps and ms,\n"
            "    and the estimated memory per rank\n"
            "  sampler file, `sampler:` (axon calibrate): the sampler in NEST units and the\n"
            "    calibration options\n"
            "  calibration JSON, sbs's layout (axon calibrate; a BM's calibration for axon\n"
            "    sample): the sampler, its fit and sbs settings\n"
            "  Boltzmann machine, `boltzmann_machine:` (axon sample): units, synapses, run,\n"
            "    each unit's calibration\n"
            "  sweep, `sweep:` (axon sweep): tasks and cost, as `axon sweep check`\n\n"
            "options:\n"
            "  --np R      network specs: estimate memory for R MPI ranks (default 1); the\n"
            "              memory guard then checks R ranks too\n"
            "  -h, --help  this help\n\n"
            "exit status: 0 valid, 2 invalid (file:line:col: message on stderr)\n"
            "references: docs/spec.md, docs/sampling.md, docs/sweeps.md\n");
}

/* Parse "--np R" / "--np=R"; returns 0 on success. */
static int parse_np(const char *s, int *np)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > 10000000) return -1;
    *np = (int)v;
    return 0;
}

/* Every file check reads goes through one input (axon/input.h), so the
 * kind check and the load read the file once (a pipe, /dev/stdin, works). */
static ax_input *g_in;

static int check_network(const char *path, int nir, int np, ax_error *err)
{
    ax_spec *spec = NULL;
    ax_status st = nir ? ax_nir_load(path, &spec, err) : ax_spec_load_in(g_in, path, &spec, err);
    int env_t; /* run refuses a bad OMP_NUM_THREADS when the spec leaves threads to it: so does check */
    if (st == AX_OK && spec->sim.threads == 0) st = ax_threads_env(&env_t, err);
    if (st != AX_OK) {
        ax_spec_destroy(&spec);
        return ax_cli_report("check", err);
    }
    ax_spec_print_summary(spec, np, stdout);
    printf("ok: %s is a valid %s\n", path, nir ? "NIR graph" : "network spec");
    ax_spec_destroy(&spec);
    return 0;
}

static void print_sampler(const ax_sampler *s)
{
    printf("  sampler: %s (%s), C_m %g pF, g_L %g nS, E_L %g, V_th %g, V_reset %g mV, t_ref %g ms",
           s->kind == AX_SAMPLER_COND ? "IF_cond_exp" : "IF_curr_exp", ax_sampler_model(s), s->C_m,
           s->g_L, s->E_L, s->V_th, s->V_reset, s->t_ref);
    if (s->t_ref_virtual > 0) printf(" (on-time tau_refrac_virtual %g ms)", s->t_ref_virtual);
    printf("\n           tau_syn %g/%g ms", s->tau_syn_ex, s->tau_syn_in);
    if (s->kind == AX_SAMPLER_COND) printf(", E_ex %g, E_in %g mV", s->E_ex, s->E_in);
    printf(", I_e %g pA\n  background: excitatory %g Hz x %g %s, inhibitory %g Hz x %g %s\n",
           s->I_e, s->rate_ex, s->w_ex, s->kind == AX_SAMPLER_COND ? "nS" : "pA", s->rate_in,
           s->w_in, s->kind == AX_SAMPLER_COND ? "nS" : "pA");
}

static void print_opts(const ax_calib_opts *o)
{
    printf("  calibration: %d points x %g ms (+%g ms burn-in) at dt %g ms, seed %llu, fit %s;",
           o->num_samples, o->duration, o->burn_in, o->dt, (unsigned long long)o->seed,
           o->fit == AX_FIT_ERF ? "erf" : "logistic");
    if (o->prescan)
        printf(" pre-scan from [%g, %g] mV step %g, %g ms per scan\n", o->v_min, o->v_max, o->dv,
               o->pre_duration);
    else printf(" no pre-scan, window [%g, %g] mV\n", o->v_min, o->v_max);
}

static int check_sampler(const char *path, ax_error *err)
{
    ax_sampler s;
    ax_calib_opts o;
    if (ax_sampler_load_in(g_in, path, &s, &o, err) != AX_OK) return ax_cli_report("check", err);
    printf("sampler file: %s\n", path);
    print_sampler(&s);
    print_opts(&o);
    printf("ok: %s is a valid sampler file (axon calibrate)\n", path);
    return 0;
}

int ax_cli_calib_summary(const char *path, const char *cmd)
{
    ax_error e = {0}, *err = &e;
    ax_calibration k;
    if (ax_calib_read_config(path, &k, err) != AX_OK) return ax_cli_report(cmd, err);
    printf("calibration (sbs SamplerConfiguration): %s\n", path);
    print_sampler(&k.s);
    if (k.has_net_bg)
        printf("  network background (top-level source_config): excitatory %g Hz x %g, "
               "inhibitory %g Hz x %g\n", k.net_rate_ex, k.net_w_ex, k.net_rate_in, k.net_w_in);
    if (k.has_tso)
        printf("  tso_parameters: U %g, u %g, x %g, tau_rec %g, tau_fac %g (0 = unset), "
               "weight_rescale %g (with synapses: renewing)\n", k.tso.U, k.tso.u, k.tso.x,
               k.tso.tau_rec, k.tso.tau_fac, k.tso.weight_rescale);
    ax_calibration_free(&k);
    ax_error e2 = {0};
    int fitted = ax_calib_read_json(path, &k, &e2) == AX_OK;
    if (fitted) {
        printf("  fit: alpha %g mV, v_p05 %g mV; %d samples in [%g, %g] mV\n", k.alpha, k.v_p05,
               k.n, k.v_rest_min, k.v_rest_max);
        ax_calibration_free(&k);
    } else {
        printf("  not calibrated: axon sample refuses it until it is (%s)\n", e2.msg);
    }
    char side[4200];
    ax_calib_sidecar_path(path, side, sizeof side);
    FILE *sf = fopen(side, "r");
    if (sf) printf("  axon's extras (both fits, samples' v_rest and spike counts): %s\n", side);
    if (sf) fclose(sf);
    printf("ok: %s is a valid calibration (axon calibrate%s)\n", path,
           fitted ? "; axon sample as a BM's calibration" : "");
    return 0;
}

static int check_bm(const char *path, ax_error *err)
{
    ax_bm bm;
    if (ax_bm_load_in(g_in, path, &bm, err) != AX_OK) return ax_cli_report("check", err);
    printf("Boltzmann machine: %s\n  %d units, %s synapses, delay %g ms; %g ms (+%g ms burn-in) at dt %g ms, seed %llu, "
           "%d checkpoints\n", path, bm.n, bm.renewing ? "renewing" : "static", bm.delay, bm.duration,
           bm.burn_in, bm.dt, (unsigned long long)bm.seed, bm.n_checkpoints);
    for (int i = 0; i < bm.n && i < 8; i++)
        printf("  unit %d: b %g -> v_rest %g mV (alpha %g, v_p05 %g)\n", i, bm.b[i],
               ax_bias_to_v_rest(&bm.cal[i], bm.b[i]), bm.cal[i].alpha, bm.cal[i].v_p05);
    if (bm.n > 8) printf("  ... (%d more units)\n", bm.n - 8);
    if (bm.diag_warning) printf("  warning: nonzero diagonal of W will be set to 0\n");
    if (bm.asym_warning) printf("  warning: W is not symmetric; axon sample uses (W + W^T)/2\n");
    printf("ok: %s is a valid Boltzmann machine (axon sample)\n", path);
    ax_bm_free(&bm);
    return 0;
}

static int check_sweep(const char *path, ax_error *err)
{
    ax_sweep sw;
    if (ax_sweep_load_in(g_in, path, &sw, err) != AX_OK) return ax_cli_report("check", err);
    ax_cli_sweep_summary(sw, path, stdout);
    printf("ok: %s is a valid sweep (axon sweep)\n", path);
    ax_sweep_destroy(&sw);
    return 0;
}

int ax_cmd_check(int argc, char **argv)
{
    int np = 1;
    const char *path = NULL, *nparg = NULL;
    for (int i = 1; i < argc; i++) {
        if (ax_cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--np") && i + 1 == argc) {
            fprintf(stderr, "axon check: --np needs a number of ranks (see axon check --help)\n");
            return 2;
        }
        if (!strcmp(argv[i], "--np") && i + 1 < argc) nparg = argv[++i];
        else if (!strncmp(argv[i], "--np=", 5)) nparg = argv[i] + 5;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "axon check: unknown option '%s' (see axon check --help)\n",
                    argv[i]);
            return 2;
        } else if (path) {
            fprintf(stderr, "axon check: one file at a time (got '%s' and '%s')\n", path, argv[i]);
            return 2;
        } else path = argv[i];
    }
    if (nparg && parse_np(nparg, &np)) {
        fprintf(stderr, "axon check: --np needs a number of ranks >= 1 (got '%s')\n", nparg);
        return 2;
    }
    if (!path) {
        usage(stderr);
        return 2;
    }
    if (nparg) setenv("AXON_NP", nparg, 1); /* the memory guard in ax_spec_load */
    ax_error err;
    ax_error_clear(&err);
    g_in = ax_input_new(0);
    int rc;
    switch (g_in ? ax_cli_input_kind_in(g_in, path) : ax_cli_input_kind(path)) {
    case AX_CLI_SAMPLER: rc = check_sampler(path, &err); break;
    case AX_CLI_CALIB: rc = ax_cli_calib_summary(path, "check"); break;
    case AX_CLI_BM: rc = check_bm(path, &err); break;
    case AX_CLI_SWEEP: rc = check_sweep(path, &err); break;
    case AX_CLI_NIR: rc = check_network(path, 1, np, &err); break;
    default: rc = check_network(path, 0, np, &err); break;
    }
    ax_input_free(g_in);
    return rc;
}
