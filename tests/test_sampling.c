/* test_sampling.c - the sampling module, mostly without MPI runs: sampler files,
 * free-membrane statistics (closed forms vs a simulated iaf_cond_exp with
 * its threshold disabled, driven through the model API), translation
 * round trips and the PSP-integral property, fits on known curves, the
 * event-driven state accumulator, the Boltzmann enumeration and DKL; sbs's
 * settings: tau_refrac_virtual in the translation, i_offset out of the
 * mean, the BM network with tso_parameters / weight_rescale and a network
 * background apart from the calibration's (white box: ax_bm_build_net);
 * one short single-rank BM run (samplers sharing one population vs one
 * population each, bitwise).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <mpi.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "axon/model.h"
#include "axon/sampling.h"
#include "sampling_impl.h"

static const char *kTutorial =
    "sampler:\n"
    "  model: IF_cond_exp\n"
    "  params: {cm: 0.2, tau_m: 1.0, e_rev_E: 0.0, e_rev_I: -100.0, v_thresh: -50.0,\n"
    "           tau_syn_E: 10.0, tau_syn_I: 10.0, v_rest: -50.0, v_reset: -50.001,\n"
    "           tau_refrac: 10.0, i_offset: 0.0}\n"
    "  background:\n"
    "    excitatory: {rate: 3000.0, weight: 0.001}\n"
    "    inhibitory: {rate: 3000.0, weight: -0.001}\n";

static void tutorial(ax_sampler *s)
{
    ax_error err = {0};
    ax_status st = ax_sampler_parse(kTutorial, strlen(kTutorial), "tut.yaml", s, NULL, &err);
    if (st) fprintf(stderr, "%s\n", err.msg);
    CU_ASSERT_FATAL(st == AX_OK);
}

static void test_config(void)
{
    ax_sampler s;
    tutorial(&s);
    CU_ASSERT(s.kind == AX_SAMPLER_COND);
    CU_ASSERT_DOUBLE_EQUAL(s.C_m, 200.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(s.g_L, 200.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(s.w_ex, 1.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(s.w_in, -1.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(s.E_in, -100.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(s.t_ref, 10.0, 0);
    /* NEST names give the same sampler */
    const char *nest = "sampler:\n  model: iaf_cond_exp\n  params: {C_m: 200, g_L: 200, E_L: -50,"
                       " V_th: -50, V_reset: -50.001, t_ref: 10, tau_syn_ex: 10, tau_syn_in: 10,"
                       " E_ex: 0, E_in: -100}\n  background:\n    excitatory: {rate: 3000, weight: 1}\n"
                       "    inhibitory: {rate: 3000, weight: -1}\n";
    ax_sampler t;
    ax_error err = {0};
    CU_ASSERT_FATAL(ax_sampler_parse(nest, strlen(nest), "n.yaml", &t, NULL, &err) == AX_OK);
    CU_ASSERT(memcmp(&s, &t, sizeof s) == 0);
    /* errors name file:line:col */
    const char *bad = "sampler:\n  model: IF_cond_exp\n  params: {cm: 0.2, tau_mm: 1}\n"
                      "  background: {excitatory: {rate: 10, weight: 0.001}}\n";
    CU_ASSERT(ax_sampler_parse(bad, strlen(bad), "b.yaml", &t, NULL, &err) == AX_EINPUT);
    CU_ASSERT(strstr(err.msg, "b.yaml:3:") != NULL && strstr(err.msg, "tau_mm") != NULL);
    const char *bad2 = "sampler:\n  model: IF_cond_exp\n  params: {v_reset: -40}\n"
                       "  background: {excitatory: {rate: 10, weight: 0.001}}\n";
    CU_ASSERT(ax_sampler_parse(bad2, strlen(bad2), "c.yaml", &t, NULL, &err) == AX_EINPUT);
    CU_ASSERT(strstr(err.msg, "V_reset must be < V_th") != NULL);
    const char *bad3 = "sampler:\n  model: IF_cond_exp\n  background:\n"
                       "    inhibitory: {rate: 10, weight: 0.001}\n";
    CU_ASSERT(ax_sampler_parse(bad3, strlen(bad3), "d.yaml", &t, NULL, &err) == AX_EINPUT);
    CU_ASSERT(strstr(err.msg, "d.yaml:4:") != NULL);
}

/* reference §1.3 worked numbers for the COBA tutorial sampler */
static void test_free_membrane_closed_form(void)
{
    ax_sampler s;
    tutorial(&s);
    double u, sd, g, te;
    ax_free_membrane(&s, -50.0, &u, &sd, &g, &te);
    CU_ASSERT_DOUBLE_EQUAL(g, 260.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(te, 200.0 / 260.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(u, -50.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(sd, 1.015, 0.001);
    CU_ASSERT_DOUBLE_EQUAL(0.25 * sqrt(2 * M_PI) * sd, 0.636, 0.001);
}

/* Simulated free membrane (threshold disabled) against §1.4. */
static void test_free_membrane_simulated(void)
{
    ax_sampler s;
    tutorial(&s);
    const ax_model_ops *m = ax_model_find("iaf_cond_exp");
    double p[32];
    ax_model_defaults(m, p);
    const char *names[] = {"C_m", "g_L", "E_L", "V_th", "V_reset", "t_ref", "E_ex", "E_in",
                           "tau_syn_ex", "tau_syn_in"};
    double vals[] = {200, 200, -55, 1000, -60, 10, 0, -100, 10, 10};
    for (int k = 0; k < 10; k++) p[ax_model_param_index(m, names[k])] = vals[k];
    const int n = 8;
    const double h = 0.1;
    ax_neurons *nr = NULL;
    ax_error err = {0};
    CU_ASSERT_FATAL(m->create(p, h, n, &nr, &err) == AX_OK);
    double *V = m->state(nr, ax_model_state_index(m, "V_m"));
    double ex[8], in[8];
    const double *inp[2] = {ex, in};
    int64_t spk[8];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    double sum = 0, sum2 = 0;
    long cnt = 0;
    for (long step = 0; step < 250000; step++) {
        for (int i = 0; i < n; i++) {
            ex[i] = gsl_ran_poisson(r, 3000 * h * 1e-3) * 1.0;
            in[i] = -(double)gsl_ran_poisson(r, 3000 * h * 1e-3);
        }
        m->update(nr, inp, NULL, spk);
        if (step >= 5000 && step % 10 == 0)
            for (int i = 0; i < n; i++) sum += V[i], sum2 += V[i] * V[i], cnt++;
    }
    gsl_rng_free(r);
    m->destroy(nr);
    s.E_L = -55;
    double u, sd;
    ax_free_membrane(&s, -55.0, &u, &sd, NULL, NULL);
    double mean = sum / cnt, std = sqrt(sum2 / cnt - mean * mean);
    printf("\n  free membrane: mean %.4f (theory %.4f) std %.4f (theory %.4f) mV\n", mean, u, std, sd);
    CU_ASSERT_DOUBLE_EQUAL(u, -700.0 / 13.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(mean, u, 0.05);
    CU_ASSERT(fabs(std / sd - 1) < 0.05);
}

static ax_calibration cal_of(const ax_sampler *s, double alpha, double v_p05)
{
    ax_calibration c;
    memset(&c, 0, sizeof c);
    c.s = *s;
    c.alpha = alpha;
    c.v_p05 = v_p05;
    return c;
}

/* Mean over the on-time (t_ref, or tau_refrac_virtual) of the HCS PSP of
 * weight w, integrated numerically. */
static double mean_psp(const ax_calibration *c, double b, double w)
{
    double u, sd, g, te;
    ax_free_membrane(&c->s, ax_bias_to_v_rest(c, b), &u, &sd, &g, &te);
    double tau = w >= 0 ? c->s.tau_syn_ex : c->s.tau_syn_in;
    double dE = w >= 0 ? c->s.E_ex - u : c->s.E_in - u;
    double sum = 0, T = c->s.t_ref_virtual > 0 ? c->s.t_ref_virtual : c->s.t_ref;
    int N = 200000;
    for (int k = 0; k < N; k++) {
        double t = (k + 0.5) * T / N;
        sum += fabs(w) * dE / g * tau / (tau - te) * (exp(-t / tau) - exp(-t / te));
    }
    return sum / N;
}

static void test_translation(void)
{
    ax_sampler s;
    tutorial(&s);
    ax_calibration c = cal_of(&s, 0.795, -50.623);
    for (double b = -2; b <= 2; b += 0.37) {
        double v = ax_bias_to_v_rest(&c, b);
        CU_ASSERT_DOUBLE_EQUAL(ax_v_rest_to_bias(&c, v), b, 1e-12);
        for (double W = -1.5; W <= 1.5; W += 0.3) {
            double w = ax_weight_theo_to_bio(&c, b, W);
            CU_ASSERT(W == 0 || (w > 0) == (W > 0));
            CU_ASSERT_DOUBLE_EQUAL(ax_weight_bio_to_theo(&c, b, w), W, 1e-12 * (1 + fabs(W)));
        }
    }
    /* PSP-integral matching: mean PSP over t_ref = alpha g_L/g_tot * W */
    for (double W = -1.0; W <= 1.0; W += 0.5) {
        if (W == 0) continue;
        double b = 0.3, w = ax_weight_theo_to_bio(&c, b, W);
        double u, sd, g, te;
        ax_free_membrane(&s, ax_bias_to_v_rest(&c, b), &u, &sd, &g, &te);
        CU_ASSERT_DOUBLE_EQUAL(mean_psp(&c, b, w), 0.795 * s.g_L / g * W, 1e-6);
    }
    /* reference §1.3: factor/alpha = 6.65e-3 uS per mV at u = -50 mV (v_rest = -50) */
    ax_calibration c0 = cal_of(&s, 0.795, -50.0);
    CU_ASSERT_DOUBLE_EQUAL(ax_weight_theo_to_bio(&c0, 0.0, 1.0) / 0.795, 6.65, 0.01);
    CU_ASSERT_DOUBLE_EQUAL(ax_weight_theo_to_bio(&c0, 0.0, -1.0) / 0.795, -6.65, 0.01);
    /* tau_eff == tau_syn (removable singularity) stays finite and continuous */
    ax_sampler t = s;
    t.tau_syn_ex = t.tau_syn_in = 200.0 / 260.0;
    t.w_ex = 30.0 / (3.0 * t.tau_syn_ex), t.w_in = -t.w_ex;
    ax_calibration c2 = cal_of(&t, 0.8, -50.0);
    double w0 = ax_weight_theo_to_bio(&c2, 0, 1.0);
    t.tau_syn_ex *= 1 + 1e-7;
    ax_calibration c3 = cal_of(&t, 0.8, -50.0);
    CU_ASSERT(isfinite(w0) && fabs(ax_weight_theo_to_bio(&c3, 0, 1.0) / w0 - 1) < 1e-5);
}

/* sbs's tau_refrac_virtual (sbs/samplers.py _calc_factor_weights_theo_to_bio:
 * tau_r = tau_refrac_calibration) and i_offset (sbs/utils.py: not in the
 * free-membrane mean). */
static void test_sbs_settings(void)
{
    ax_sampler s;
    tutorial(&s);
    ax_calibration c = cal_of(&s, 0.795, -50.623);
    double w10 = ax_weight_theo_to_bio(&c, 0.2, 1.0);
    c.s.t_ref_virtual = 10.5;
    double w105 = ax_weight_theo_to_bio(&c, 0.2, 1.0);
    CU_ASSERT(fabs(w105 / w10 - 1) > 0.01); /* it matters (~1.7 %) */
    for (double W = -1.0; W <= 1.0; W += 0.5) { /* mean PSP over 10.5 ms = alpha_u W */
        if (W == 0) continue;
        double b = 0.2, w = ax_weight_theo_to_bio(&c, b, W), u, sd, g, te;
        ax_free_membrane(&c.s, ax_bias_to_v_rest(&c, b), &u, &sd, &g, &te);
        CU_ASSERT_DOUBLE_EQUAL(mean_psp(&c, b, w), 0.795 * s.g_L / g * W, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(ax_weight_bio_to_theo(&c, b, w), W, 1e-12);
    }
    double u0, u1, sd0, sd1;
    ax_free_membrane(&s, -52.0, &u0, &sd0, NULL, NULL);
    s.I_e = 150.0;
    ax_free_membrane(&s, -52.0, &u1, &sd1, NULL, NULL);
    CU_ASSERT(u0 == u1 && sd0 == sd1);
    /* the sampler file takes it as a parameter; nonsense is refused */
    const char *y = "sampler:\n  model: IF_cond_exp\n  params: {tau_refrac: 10.0, "
                    "tau_refrac_virtual: 10.5}\n  background: {excitatory: {rate: 10, "
                    "weight: 0.001}}\n";
    ax_sampler t;
    ax_error err = {0};
    CU_ASSERT_FATAL(ax_sampler_parse(y, strlen(y), "v.yaml", &t, NULL, &err) == AX_OK);
    CU_ASSERT(t.t_ref_virtual == 10.5 && ax_sampler_t_on(&t) == 10.5 && t.t_ref == 10.0);
    const char *bad = "sampler:\n  model: IF_cond_exp\n  params: {tau_refrac_virtual: -1}\n"
                      "  background: {excitatory: {rate: 10, weight: 0.001}}\n";
    CU_ASSERT(ax_sampler_parse(bad, strlen(bad), "w.yaml", &t, NULL, &err) == AX_EINPUT);
    CU_ASSERT(strstr(err.msg, "tau_refrac_virtual") != NULL);
}

/* The BM network: renewing synapses take the calibrations' tso_parameters
 * and weight_rescale (sbs/network.py create_connectivity), populations the
 * top-level (network) background; static synapses refuse non-default tso. */
static void test_bm_net(void)
{
    ax_sampler s;
    tutorial(&s);
    ax_calibration cal[2] = {cal_of(&s, 0.795, -50.6), cal_of(&s, 0.8, -50.5)};
    double W[4] = {0, 0.5, 0.5, 0}, b[2] = {0.1, -0.2}, w_bio[4], v_rest[2];
    cal[1].s.tau_syn_ex = 7.0;
    for (int i = 0; i < 2; i++) {
        cal[i].has_net_bg = 1;
        cal[i].net_rate_ex = 4000, cal[i].net_w_ex = 1.2, cal[i].net_rate_in = 2000;
        cal[i].net_w_in = -1.5;
    }
    ax_bm bm = {.n = 2, .W = W, .b = b, .cal = cal, .duration = 10, .burn_in = 0, .dt = 0.1,
                .delay = 0.1, .seed = 1, .renewing = 1};
    bm.tso = (ax_calib_tso){.U = 0.5, .u = 0.4, .x = 0.9, .tau_fac = 20, .weight_rescale = 1.5};
    ax_samp_net net;
    ax_error err = {0};
    CU_ASSERT_FATAL(ax_bm_build_net(&bm, &net, w_bio, v_rest, &err) == AX_OK);
    CU_ASSERT_FATAL(net.spec.n_proj == 2);
    for (int k = 0; k < 2; k++) {
        const ax_proj_spec *p = &net.spec.proj[k];
        int j = p->tgt;
        CU_ASSERT(p->syn_model == AX_SYN_TSODYKS2);
        CU_ASSERT_DOUBLE_EQUAL(p->weight.value, 1.5 * w_bio[p->src * 2 + j], 1e-12);
        CU_ASSERT_DOUBLE_EQUAL(w_bio[p->src * 2 + j], ax_weight_theo_to_bio(&cal[j], b[j], 0.5),
                               1e-12); /* the translation uses the calibration's background */
        CU_ASSERT(p->tso.U == 0.5 && p->tso.u == 0.4 && p->tso.x == 0.9 && p->tso.tau_fac == 20);
        CU_ASSERT(p->tso.tau_rec == cal[j].s.tau_syn_ex); /* unset: the target's tau_syn */
    }
    for (int i = 0; i < 2; i++) {
        CU_ASSERT(net.bg[i].rate_ex == 4000 && net.bg[i].w_ex == 1.2);
        CU_ASSERT(net.bg[i].rate_in == 2000 && net.bg[i].w_in == -1.5);
        CU_ASSERT_DOUBLE_EQUAL(v_rest[i], cal[i].v_p05 + cal[i].alpha * b[i], 1e-12);
    }
    ax_samp_net_free(&net);
    bm.tso.tau_rec = 3.0;
    CU_ASSERT_FATAL(ax_bm_build_net(&bm, &net, w_bio, v_rest, &err) == AX_OK);
    CU_ASSERT(net.spec.proj[0].tso.tau_rec == 3.0 && net.spec.proj[1].tso.tau_rec == 3.0);
    ax_samp_net_free(&net);
    CU_ASSERT(ax_bm_check_tso(&bm, &err) == AX_OK);
    bm.renewing = 0; /* static synapses would ignore them: refused */
    CU_ASSERT(ax_bm_check_tso(&bm, &err) == AX_EINPUT && strstr(err.msg, "tso_parameters"));
    CU_ASSERT_FATAL(ax_bm_build_net(&bm, &net, w_bio, v_rest, &err) == AX_OK);
    CU_ASSERT(net.spec.proj[0].syn_model == AX_SYN_STATIC);
    CU_ASSERT_DOUBLE_EQUAL(net.spec.proj[0].weight.value, w_bio[1], 1e-12); /* no rescale */
    ax_samp_net_free(&net);
    ax_calib_tso_default(&bm.tso);
    CU_ASSERT(ax_bm_check_tso(&bm, &err) == AX_OK);
}

/* Samplers that differ only in their bias share one population (one
 * kernel call per step for all of them, bm_run.c one_pop): the network has
 * one population and one from_list projection, and the samples are bitwise
 * those of one population per sampler (gids, Poisson trains and the order
 * of every sum are the same). Delay = h: every step is a slice. */
static void test_bm_one_pop(void)
{
    ax_sampler s;
    tutorial(&s);
    ax_calibration cal[3] = {cal_of(&s, 0.795, -50.6), cal_of(&s, 0.795, -50.6),
                             cal_of(&s, 0.795, -50.6)};
    double W[9] = {0, 0.8, -0.6, 0.8, 0, 0.3, -0.6, 0.3, 0}, b[3] = {0.2, -0.4, 0.1};
    double w_bio[9], v_rest[3], check[1] = {2000.0};
    ax_bm bm = {.n = 3, .W = W, .b = b, .cal = cal, .duration = 2000, .burn_in = 100,
                .dt = 0.1, .delay = 0.1, .seed = 7, .n_checkpoints = 1, .checkpoints = check};
    ax_calib_tso_default(&bm.tso);
    ax_samp_net net;
    ax_error err = {0};
    CU_ASSERT_FATAL(ax_bm_build_net(&bm, &net, w_bio, v_rest, &err) == AX_OK);
    CU_ASSERT(net.spec.n_pops == 1 && net.spec.pops[0].n == 3);
    CU_ASSERT_FATAL(net.spec.n_proj == 1 && net.spec.proj[0].rule == AX_RULE_FROM_LIST);
    CU_ASSERT(net.spec.proj[0].n_list == 6 && net.spec.proj[0].list_w[0] == w_bio[1 * 3 + 0]);
    ax_samp_net_free(&net);
    ax_bm_result one, sep;
    CU_ASSERT_FATAL(ax_bm_run(&bm, MPI_COMM_WORLD, 1, NULL, &one, &err) == AX_OK);
    bm.separate = 1;
    CU_ASSERT_FATAL(ax_bm_build_net(&bm, &net, w_bio, v_rest, &err) == AX_OK);
    CU_ASSERT(net.spec.n_pops == 3 && net.spec.n_proj == 6);
    ax_samp_net_free(&net);
    CU_ASSERT_FATAL(ax_bm_run(&bm, MPI_COMM_WORLD, 1, NULL, &sep, &err) == AX_OK);
    CU_ASSERT(one.n_spikes_total > 100 && one.n_spikes_total == sep.n_spikes_total);
    CU_ASSERT(one.n_spk_rec == sep.n_spk_rec);
    if (one.n_spk_rec == sep.n_spk_rec) {
        size_t k = (size_t)one.n_spk_rec;
        CU_ASSERT(!memcmp(one.spk_unit, sep.spk_unit, k * sizeof *one.spk_unit));
        CU_ASSERT(!memcmp(one.spk_time, sep.spk_time, k * sizeof *one.spk_time));
    }
    CU_ASSERT(!memcmp(one.joint_sim, sep.joint_sim, 8 * sizeof(double)));
    CU_ASSERT(!memcmp(one.zz_sim, sep.zz_sim, 9 * sizeof(double)));
    ax_bm_result_free(&one);
    ax_bm_result_free(&sep);
}

/* A known activation curve for the pre-calibration: logistic (center c,
 * width a), or nothing above p_max when a <= 0. Counts the scans. */
typedef struct curve {
    double c, a;
    int scans;
} curve;

static ax_status curve_scan(void *ctx, const double *v, int n, double *p, ax_error *err)
{
    (void)err;
    curve *k = ctx;
    for (int i = 0; i < n; i++) p[i] = k->a > 0 ? 1 / (1 + exp(-(v[i] - k->c) / k->a)) : 0.01;
    k->scans++;
    return AX_OK;
}

/* sbs's pre-calibration (sbs/samplers.py _do_pre_calibration,
 * pre_calib_adjust_v_rest): the window found holds the slope wherever it is,
 * also at a window edge (-20 mV: the old axon search went up and down
 * between [-80, -20] and [-20, 40] forever) and two windows below. */
static void test_prescan(void)
{
    ax_calib_opts o;
    ax_calib_opts_default(&o);
    const double c[] = {-50.6, -20.0, -80.0, -140.0, -10.0, 100.0, -50.0};
    const double a[] = {0.8, 1.0, 1.0, 1.0, 3.0, 0.8, 0.001};
    for (int k = 0; k < 7; k++) {
        curve cv = {c[k], a[k], 0};
        double lo, hi;
        int rounds;
        ax_error err = {0};
        ax_status st = ax_prescan_window(&o, curve_scan, &cv, NULL, &lo, &hi, &rounds, &err);
        if (st) fprintf(stderr, "c %g: %s\n", c[k], err.msg);
        CU_ASSERT_FATAL(st == AX_OK);
        CU_ASSERT(rounds == cv.scans && lo < c[k] && c[k] < hi);
        int valid = 0; /* the final sweep (20 points) can be fitted */
        for (int i = 0; i < 20; i++) {
            double v = lo + (hi - lo) * i / 19.0, p = 1 / (1 + exp(-(v - c[k]) / a[k]));
            valid += p > o.p_min && p < o.p_max;
        }
        CU_ASSERT(valid >= 10);
        CU_ASSERT(hi - lo < 12 * a[k] + 0.5);
    }
    /* sbs's narrowing on pooled samples */
    double v[6] = {-3, -2, -1, 0, 1, 2}, p[6] = {0.0, 0.01, 0.2, 0.7, 0.97, 1.0}, lo = -9, hi = 9;
    CU_ASSERT(ax_prescan_narrow(v, p, 6, 0.05, 0.95, &lo, &hi) == 2 && lo == -2 && hi == 1);
    double q[6] = {0.0, 0.0, 0.0, 0.99, 1.0, 1.0};
    CU_ASSERT(ax_prescan_narrow(v, q, 6, 0.05, 0.95, &lo, &hi) == 0 && lo == -1 && hi == 0);
    double r[6] = {0.0, 0.0, 0.0, 0.0, 0.01, 0.02};
    CU_ASSERT(ax_prescan_narrow(v, r, 6, 0.05, 0.95, &lo, &hi) == -1);
    /* nothing ever rises: a message, not a loop */
    curve flat = {0, 0, 0};
    ax_error err = {0};
    int rounds;
    CU_ASSERT(ax_prescan_window(&o, curve_scan, &flat, NULL, &lo, &hi, &rounds, &err) == AX_EINPUT);
    CU_ASSERT(strstr(err.msg, "pre-scan") != NULL && rounds == o.max_search_steps);
}

static void test_fit(void)
{
    double v[100], p[100];
    for (int i = 0; i < 100; i++) {
        v[i] = -55 + 0.1 * i;
        p[i] = 1 / (1 + exp(-(v[i] + 50.6) / 0.8));
    }
    ax_fit f;
    ax_error err = {0};
    CU_ASSERT_FATAL(ax_calib_fit(AX_FIT_LOGISTIC, v, p, 100, 0.05, 0.95, &f, &err) == AX_OK);
    CU_ASSERT_DOUBLE_EQUAL(f.alpha, 0.8, 1e-7);
    CU_ASSERT_DOUBLE_EQUAL(f.v_p05, -50.6, 1e-7);
    CU_ASSERT(f.rms < 1e-8 && f.n_points > 30 && f.n_points < 100);
    for (int i = 0; i < 100; i++) p[i] = 0.5 * erfc(-(v[i] + 50.0) / (M_SQRT2 * 1.2));
    CU_ASSERT_FATAL(ax_calib_fit(AX_FIT_ERF, v, p, 100, 0.05, 0.95, &f, &err) == AX_OK);
    CU_ASSERT_DOUBLE_EQUAL(f.sigma, 1.2, 1e-7);
    CU_ASSERT_DOUBLE_EQUAL(f.alpha, 1.2 * sqrt(2 * M_PI) / 4, 1e-7);
    CU_ASSERT_DOUBLE_EQUAL(f.v_p05, -50.0, 1e-7);
    /* a logistic fit of an erf curve leaves systematic residuals */
    ax_fit g;
    CU_ASSERT_FATAL(ax_calib_fit(AX_FIT_LOGISTIC, v, p, 100, 0.05, 0.95, &g, &err) == AX_OK);
    CU_ASSERT(g.rms > 1e-3);
    CU_ASSERT(ax_calib_fit(AX_FIT_LOGISTIC, v, p, 2, 0.05, 0.95, &g, &err) == AX_EINPUT);
}

static void test_accumulator(void)
{
    int64_t R[2] = {10, 10};
    ax_bm_acc *a = NULL;
    ax_error err = {0};
    CU_ASSERT_FATAL(ax_bm_acc_create(2, R, 5, 8, &a, &err) == AX_OK);
    ax_bm_acc_spike(a, 0, 0);   /* on (0,10]: counts from 5 -> 5 steps */
    ax_bm_acc_spike(a, 1, 8);   /* on (8,18] */
    ax_bm_acc_spike(a, 0, 30);  /* on (30,40] */
    ax_bm_acc_advance(a, 45);
    double j[4], m[2], zz[4];
    CU_ASSERT_FATAL(ax_bm_acc_joint(a, j, &err) == AX_OK);
    /* [5,8): 10 -> 3; [8,10): 11 -> 2; [10,18): 01 -> 8; [18,30): 00 -> 12; [30,40): 10; [40,45): 00 */
    CU_ASSERT_EQUAL(ax_bm_acc_steps(a), 40);
    CU_ASSERT_DOUBLE_EQUAL(j[0], 17 / 40.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(j[1], 8 / 40.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(j[2], 13 / 40.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(j[3], 2 / 40.0, 1e-15);
    ax_bm_acc_marginals(a, m);
    CU_ASSERT_DOUBLE_EQUAL(m[0], 15 / 40.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(m[1], 10 / 40.0, 1e-15);
    CU_ASSERT_FATAL(ax_bm_acc_pairwise(a, zz, &err) == AX_OK);
    CU_ASSERT_DOUBLE_EQUAL(zz[1], 2 / 40.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(zz[2], 2 / 40.0, 1e-15);
    CU_ASSERT_EQUAL(ax_bm_acc_spikes(a, 0), 1); /* the spike at 0 is before t0 */
    ax_bm_acc_destroy(&a);
    CU_ASSERT(a == NULL);
}

static void test_theory_dkl(void)
{
    double W[4] = {0, 0.7, 0.7, 0}, b[2] = {-0.2, 0.4}, j[4], m[2], zz[4];
    ax_error err = {0};
    CU_ASSERT_FATAL(ax_bm_theory(2, W, b, j, m, zz, &err) == AX_OK);
    double e[4] = {1, exp(0.4), exp(-0.2), exp(0.9)}, Z = e[0] + e[1] + e[2] + e[3];
    for (int s = 0; s < 4; s++) CU_ASSERT_DOUBLE_EQUAL(j[s], e[s] / Z, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(m[0], (e[2] + e[3]) / Z, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(m[1], (e[1] + e[3]) / Z, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(zz[1], e[3] / Z, 1e-15);
    double p[3] = {0.5, 0.5, 0}, q[3] = {0.25, 0, 0.75}, miss;
    CU_ASSERT_DOUBLE_EQUAL(ax_dkl(p, q, 3, &miss), 0.5 * log(2), 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(miss, 0.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(ax_dkl(j, j, 4, NULL), 0.0, 0);
    double pm[1] = {0.3}, qm[1] = {0.6};
    CU_ASSERT_DOUBLE_EQUAL(ax_dkl_marginals(pm, qm, 1), 0.3 * log(0.5) + 0.7 * log(0.7 / 0.4), 1e-15);
    /* a 12-unit enumeration is normalised and its marginals agree with the joint */
    enum { N = 12 };
    double W2[N * N], b2[N], *jj = malloc(sizeof(double) << N), m2[N];
    for (int i = 0; i < N; i++) {
        b2[i] = 0.1 * i - 0.5;
        for (int k = 0; k < N; k++) W2[i * N + k] = i == k ? 0 : 0.05 * ((i + k) % 5) - 0.1;
    }
    CU_ASSERT_FATAL(ax_bm_theory(N, W2, b2, jj, m2, NULL, &err) == AX_OK);
    double tot = 0, m0 = 0;
    for (int s = 0; s < 1 << N; s++) tot += jj[s], m0 += (s >> (N - 1)) & 1 ? jj[s] : 0;
    CU_ASSERT_DOUBLE_EQUAL(tot, 1.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(m2[0], m0, 1e-12);
    free(jj);
}

static void test_bm_file(void)
{
    const char *path = "tests/sampling_renewing.yaml";
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f, "boltzmann_machine:\n  weights: [[0, 1], [1, 0]]\n  biases: [0, 0]\n"
               "  synapses: renewing\n  calibration: {sampler: {model: IF_cond_exp, background: "
               "{excitatory: {rate: 10, weight: 0.001}}}, alpha: 1, v_p05: -50}\n"
               "simulation: {duration: 100}\n");
    fclose(f);
    ax_bm bm;
    ax_error err = {0};
    CU_ASSERT_FATAL(ax_bm_load(path, &bm, &err) == AX_OK);
    CU_ASSERT(bm.renewing == 1);
    ax_bm_free(&bm);
    f = fopen(path, "w");
    fprintf(f, "boltzmann_machine:\n  weights: [[0, 1], [1, 0]]\n  biases: [0, 0]\n"
               "  synapses: plastic\n  calibration: {sampler: {model: IF_cond_exp, background: "
               "{excitatory: {rate: 10, weight: 0.001}}}, alpha: 1, v_p05: -50}\n"
               "simulation: {duration: 100}\n");
    fclose(f);
    CU_ASSERT(ax_bm_load(path, &bm, &err) == AX_EINPUT);
    CU_ASSERT(strstr(err.msg, "static or renewing") != NULL);
    f = fopen(path, "w");
    fprintf(f, "boltzmann_machine:\n  weights: [[1, 0.5], [0.3, 0]]\n  biases: [0, 0.2]\n"
               "  calibration: {sampler: {model: IF_cond_exp, background: "
               "{excitatory: {rate: 10, weight: 0.001}}}, alpha: 1, v_p05: -50}\n"
               "simulation: {duration: 1000, checkpoints: [10, 100]}\n");
    fclose(f);
    CU_ASSERT_FATAL(ax_bm_load(path, &bm, &err) == AX_OK);
    CU_ASSERT(bm.diag_warning && bm.asym_warning && bm.renewing == 0);
    CU_ASSERT(bm.W[0] == 0 && bm.W[1] == 0.4 && bm.W[2] == 0.4);
    CU_ASSERT(bm.n_checkpoints == 3 && bm.checkpoints[2] == 1000);
    CU_ASSERT(bm.cal[1].alpha == 1 && bm.cal[1].s.g_L == 50.0);
    ax_bm_free(&bm);
    remove(path);
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("sampling", NULL, NULL);
    CU_add_test(s, "sampler file (PyNN and NEST names, errors)", test_config);
    CU_add_test(s, "free membrane closed forms (reference 1.3)", test_free_membrane_closed_form);
    CU_add_test(s, "free membrane simulated vs closed forms", test_free_membrane_simulated);
    CU_add_test(s, "translation round trip and PSP integral", test_translation);
    CU_add_test(s, "sbs's tau_refrac_virtual and i_offset", test_sbs_settings);
    CU_add_test(s, "BM network: tso_parameters, weight_rescale, network background", test_bm_net);
    CU_add_test(s, "BM samplers in one population: bitwise as one population each",
                test_bm_one_pop);
    CU_add_test(s, "pre-calibration window (sbs's search, narrowing, refinement)", test_prescan);
    CU_add_test(s, "logistic and erf fits", test_fit);
    CU_add_test(s, "event-driven state accumulator", test_accumulator);
    CU_add_test(s, "Boltzmann enumeration and DKL", test_theory_dkl);
    CU_add_test(s, "BM file (renewing, bad synapses, warnings)", test_bm_file);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
    CU_cleanup_registry();
    MPI_Finalize();
    return failed ? 1 : 0;
}
