/* test_stdp.c - NEST's STDP rules (axon/stdp.h, src/synapses/stdp.c) at the
 * boundaries the shared reference traces (../shared/reference/nest_stdp,
 * tests/test_stdp_reference.py) cannot tell apart: which post spikes a
 * window holds at its edges, division by tau_plus (stdp_synapse) against
 * multiplication by its inverse (stdp_pl_synapse_hom), the K_minus read,
 * multiplicity as separate updates, updates with zero traces, clamping, the
 * history's K_minus recursion and pruning, and NEST's time base.
 *
 * The expected values are computed here from NEST's formulas as written in
 * models/stdp_synapse.h, models/stdp_pl_synapse_hom.h and
 * nestkernel/archiving_node.cpp (NEST 3.10; team notes stdp.md), in
 * milliseconds as NEST does, with explicit lists of the post spikes each
 * update must use; where two readings of the rule differ, the test first
 * checks that the case does tell them apart.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "axon/stdp.h"

static ax_stdp_time tb01; /* h = 0.1 ms */

/* NEST's time of a stamp (steps at 100 tics) and of a delay, in ms. */
static double t_ms(int64_t steps) { return 0.001 * (double)(steps * 100); }
static double d_ms(int64_t steps) { return (double)steps * (100 / 1000.0); }

/* stdp_synapse's facilitate_ / depress_ (stdp_synapse.h), parenthesised as C++ evaluates them. */
static double pair_fac(const ax_stdp_params *p, double w, double k)
{
    double n = (w / p->Wmax) + ((p->lambda * pow(1.0 - (w / p->Wmax), p->mu_plus)) * k);
    return n < 1.0 ? n * p->Wmax : p->Wmax;
}
static double pair_dep(const ax_stdp_params *p, double w, double k)
{
    double n = (w / p->Wmax) - (((p->alpha * p->lambda) * pow(w / p->Wmax, p->mu_minus)) * k);
    return n > 0.0 ? n * p->Wmax : 0.0;
}

/* A history with spikes at the given stamps (K_minus by NEST's recursion). */
static ax_stdp_hist hist_of(const int64_t *t, int n, double tau_minus)
{
    ax_stdp_hist h = {0};
    for (int i = 0; i < n; i++) CU_ASSERT_EQUAL(ax_stdp_hist_push(&h, t[i], &tb01, 1. / tau_minus), 0);
    return h;
}

/* ArchivingNode::set_spiketime: Kminus = Kminus e^{(last - t)/tau_minus} + 1, first 1. */
static void test_history_kminus(void)
{
    const int64_t t[4] = {105, 230, 230, 1000};
    ax_stdp_hist h = hist_of(t, 4, 30.0);
    CU_ASSERT_EQUAL(ax_stdp_hist_len(&h), 4);
    double k = 0.0, last = -1.0, inv = 1. / 30.0;
    for (int i = 0; i < 4; i++) {
        k = k * exp((last - t_ms(t[i])) * inv) + 1.0;
        last = t_ms(t[i]);
        CU_ASSERT_EQUAL(h.e[h.first + i].t, t[i]);
        CU_ASSERT(h.e[h.first + i].k == k); /* bitwise */
    }
    CU_ASSERT(h.e[0].k == 1.0);
    CU_ASSERT(h.e[2].k == h.e[1].k * exp(0.0) + 1.0); /* a parrot's multiplicity: two entries */
    ax_stdp_hist_free(&h);
}

/* get_K_value(t): the newest entry strictly before t (t = t_spike - d), times
 * e^{(t_i - t) * 1/tau_minus}; a post spike exactly at t_spike - d is not in it. */
static void test_kminus_read(void)
{
    const int64_t t[3] = {100, 150, 190};
    const double tau = 20.0, inv = 1. / tau;
    ax_stdp_hist h = hist_of(t, 3, tau);
    const int64_t d = 10, s = 200; /* s - d = 190: the spike at 190 is excluded */
    double q = t_ms(s) - d_ms(d);
    double want = h.e[1].k * exp((t_ms(150) - q) * inv);
    double with_190 = h.e[2].k * exp((t_ms(190) - q) * inv);
    CU_ASSERT(want != with_190);
    CU_ASSERT(ax_stdp_kminus(&tb01, &h, d, s, inv) == want);
    CU_ASSERT(ax_stdp_kminus(&tb01, &h, d, 201, inv) == h.e[2].k * exp((t_ms(190) - (t_ms(201) - d_ms(d))) * inv));
    CU_ASSERT(ax_stdp_kminus(&tb01, &h, d, 110, inv) == 0.0); /* nothing before 100 */
    ax_stdp_hist e = {0};
    CU_ASSERT(ax_stdp_kminus(&tb01, &e, d, 110, inv) == 0.0);
    /* (t_i - t) * inverse, not / tau_minus: find arguments where the two differ */
    int found = 0;
    for (int64_t ss = 200; ss < 3000 && !found; ss++) {
        double qq = t_ms(ss) - d_ms(d);
        double mul = exp((t_ms(190) - qq) * inv), div = exp((t_ms(190) - qq) / tau);
        if (mul == div) continue;
        found = 1;
        CU_ASSERT(ax_stdp_kminus(&tb01, &h, d, ss, inv) == h.e[2].k * mul);
    }
    CU_ASSERT(found);
    ax_stdp_hist_free(&h);
}

/* The window (t_last - d, t_spike - d]: a post spike arriving exactly with
 * the pre spike (t_post + d == t_spike) potentiates this update (and is not in
 * its K_minus); one arriving exactly at t_last belonged to the previous one. */
static void test_window_edges(void)
{
    ax_stdp_params p = ax_stdp_defaults(AX_STDP_PAIR);
    p.lambda = 0.05;
    const int64_t d = 15, t_last = 300, s = 500;
    const int64_t post[4] = {285 /* + d == t_last */, 300, 420, 485 /* + d == s */};
    ax_stdp_hist h = hist_of(post, 4, 20.0);
    const double kplus = 1.7, w0 = 40.0;
    double w = w0;
    const int64_t used[3] = {300, 420, 485};
    for (int i = 0; i < 3; i++)
        w = pair_fac(&p, w, kplus * exp((t_ms(t_last) - (t_ms(used[i]) + d_ms(d))) / p.tau_plus));
    /* K_minus at s - d = 485 from the spike at 420 */
    double kminus = h.e[2].k * exp((t_ms(420) - (t_ms(s) - d_ms(d))) * (1. / 20.0));
    double want = pair_dep(&p, w, kminus);
    double got = ax_stdp_send(&p, &tb01, &h, 1. / 20.0, w0, d, s, t_last, t_last, kplus);
    CU_ASSERT(got == want);
    /* the readings NEST does not have give other weights here */
    double w_excl = w0, w_incl = w0;
    for (int i = 0; i < 2; i++)
        w_excl = pair_fac(&p, w_excl, kplus * exp((t_ms(t_last) - (t_ms(used[i]) + d_ms(d))) / p.tau_plus));
    const int64_t with_first[4] = {285, 300, 420, 485};
    for (int i = 0; i < 4; i++)
        w_incl = pair_fac(&p, w_incl, kplus * exp((t_ms(t_last) - (t_ms(with_first[i]) + d_ms(d))) / p.tau_plus));
    CU_ASSERT(pair_dep(&p, w_excl, kminus) != want);
    CU_ASSERT(pair_dep(&p, w_incl, kminus) != want);
    ax_stdp_hist_free(&h);
}

/* stdp_synapse divides by tau_plus, stdp_pl_synapse_hom multiplies by the
 * inverse it stores: both for the facilitation factor and for Kplus. */
static void test_divide_vs_multiply(void)
{
    ax_stdp_params pair = ax_stdp_defaults(AX_STDP_PAIR), pl = ax_stdp_defaults(AX_STDP_PL_HOM);
    pair.tau_plus = pl.tau_plus = 15.0;
    pair.tau_plus_inv = pl.tau_plus_inv = 1. / 15.0;
    int found = 0;
    for (int64_t k = 1; k < 20000 && found < 2; k++) {
        double dt = t_ms(0) - t_ms(k);
        double div = exp(dt / 15.0), mul = exp(dt * (1. / 15.0));
        if (div == mul) continue;
        found++;
        CU_ASSERT(ax_stdp_decay(&pair, dt) == div);
        CU_ASSERT(ax_stdp_decay(&pl, dt) == mul);
        CU_ASSERT(ax_stdp_kplus_after(&pair, &tb01, 0.5, 0, k) == 0.5 * div + 1.0);
        CU_ASSERT(ax_stdp_kplus_after(&pl, &tb01, 0.5, 0, k) == 0.5 * mul + 1.0);
    }
    CU_ASSERT(found == 2);
}

/* A spike of multiplicity 2 is two updates with the same stamp: the second
 * sees an empty window (t_last == t_spike), depresses again with the same
 * K_minus, and Kplus becomes Kplus e^0 + 1 twice. */
static void test_multiplicity(void)
{
    ax_stdp_params p = ax_stdp_defaults(AX_STDP_PL_HOM);
    const int64_t post[2] = {250, 390};
    ax_stdp_hist h = hist_of(post, 2, 20.0);
    const int64_t d = 10, s = 400;
    double kplus = 0.8, w = 45.61;
    double w1 = ax_stdp_send(&p, &tb01, &h, 1. / 20.0, w, d, s, 200, 200, kplus);
    double k1 = ax_stdp_kplus_after(&p, &tb01, kplus, 200, s);
    double w2 = ax_stdp_send(&p, &tb01, &h, 1. / 20.0, w1, d, s, s, s, k1);
    double k2 = ax_stdp_kplus_after(&p, &tb01, k1, s, s);
    double kminus = h.e[0].k * exp((t_ms(250) - (t_ms(s) - d_ms(d))) * (1. / 20.0));
    /* window (200 - d, 400 - d]: both post spikes; K_minus from 250 (390 is at s - d) */
    double f = w;
    for (int i = 0; i < 2; i++)
        f = f + ((p.lambda * pow(f, p.mu_plus)) *
                 (kplus * exp((t_ms(200) - (t_ms(post[i]) + d_ms(d))) * p.tau_plus_inv)));
    double want1 = f - (((p.lambda * p.alpha) * f) * kminus);
    CU_ASSERT(w1 == want1);
    CU_ASSERT(w2 == w1 - (((p.lambda * p.alpha) * w1) * kminus));
    CU_ASSERT(w2 < w1);
    CU_ASSERT(k2 == k1 * exp(0.0) + 1.0);
    ax_stdp_hist_free(&h);
}

/* Updates with a zero trace still run (NEST does not skip them): for
 * stdp_synapse each is the round trip (w / Wmax) * Wmax, which is not always
 * w; for stdp_pl_synapse_hom it is exactly w. */
static void test_zero_traces_not_skipped(void)
{
    ax_stdp_params p = ax_stdp_defaults(AX_STDP_PAIR);
    p.Wmax = 3.0;
    ax_stdp_hist empty = {0};
    int found = 0;
    for (int i = 1; i < 1000 && !found; i++) {
        double w = 0.001 * i + 1e-7;
        double once = (w / p.Wmax) * p.Wmax;
        if (once == w) continue;
        found = 1;
        /* first pre spike: no post spike, Kplus = 0, K_minus = 0: depression
         * alone is the round trip */
        CU_ASSERT(ax_stdp_send(&p, &tb01, &empty, 1. / 20.0, w, 10, 100, 0, 0, 0.0) == once);
        /* one post spike in the window with Kplus = 0: two round trips */
        const int64_t post[1] = {50};
        ax_stdp_hist h = hist_of(post, 1, 20.0);
        double twice = pair_dep(&p, pair_fac(&p, w, 0.0), 0.0);
        double kminus = h.e[0].k * exp((t_ms(50) - (t_ms(100) - d_ms(10))) * (1. / 20.0));
        CU_ASSERT(ax_stdp_send(&p, &tb01, &h, 1. / 20.0, w, 10, 100, 0, 0, 0.0) ==
                  pair_dep(&p, pair_fac(&p, w, 0.0), kminus));
        CU_ASSERT(pair_fac(&p, w, 0.0) == once);
        (void)twice;
        ax_stdp_hist_free(&h);
    }
    CU_ASSERT(found);
    ax_stdp_params pl = ax_stdp_defaults(AX_STDP_PL_HOM);
    CU_ASSERT(ax_stdp_send(&pl, &tb01, &empty, 1. / 20.0, 45.61, 10, 100, 0, 0, 0.0) == 45.61);
}

/* Clamping: stdp_synapse at Wmax (potentiation) and 0 (depression);
 * stdp_pl_synapse_hom at 0, where it stays (0^mu = 0). */
static void test_clamping(void)
{
    ax_stdp_params p = ax_stdp_defaults(AX_STDP_PAIR);
    p.lambda = 0.5;
    CU_ASSERT(ax_stdp_facilitate(&p, 90.0, 10.0) == p.Wmax);
    CU_ASSERT(ax_stdp_facilitate(&p, 150.0, 0.0) == p.Wmax); /* above Wmax: clamped at once (NEST) */
    CU_ASSERT(ax_stdp_depress(&p, 10.0, 100.0) == 0.0);
    ax_stdp_params neg = p;
    neg.Wmax = -100.0; /* inhibitory: w / Wmax > 0 */
    CU_ASSERT(ax_stdp_facilitate(&neg, -90.0, 10.0) == -100.0);
    CU_ASSERT(ax_stdp_depress(&neg, -10.0, 100.0) == 0.0);
    ax_stdp_params pl = ax_stdp_defaults(AX_STDP_PL_HOM);
    pl.alpha = 50.0;
    double w0 = ax_stdp_depress(&pl, 20.0, 1.0);
    CU_ASSERT(w0 == 0.0);
    CU_ASSERT(ax_stdp_facilitate(&pl, w0, 5.0) == 0.0);
    CU_ASSERT(ax_stdp_facilitate(&pl, 20.0, 1.0) > 20.0); /* no upper bound */
    CU_ASSERT(ax_stdp_facilitate(&pl, 1e6, 1.0) > 1e6);
}

/* The sweep's catch-up: potentiating with the post spikes up to m first and
 * with the rest at the next pre spike gives NEST's weight bitwise. */
static void test_catch_up_same_bits(void)
{
    ax_stdp_params p = ax_stdp_defaults(AX_STDP_PAIR);
    p.mu_plus = 0.4;
    p.lambda = 0.03;
    int64_t post[12];
    for (int i = 0; i < 12; i++) post[i] = 120 + 97 * i + (i * i) % 7;
    ax_stdp_hist h = hist_of(post, 12, 25.0);
    const int64_t d = 17, t_last = 100, s = 1400;
    const double kplus = 2.3, w0 = 37.5, inv = 1. / 25.0;
    double direct = ax_stdp_send(&p, &tb01, &h, inv, w0, d, s, t_last, t_last, kplus);
    for (int64_t m = t_last; m <= s; m += 53) {
        double w = ax_stdp_facilitate_window(&p, &tb01, &h, w0, d, t_last, kplus, t_last, m);
        w = ax_stdp_send(&p, &tb01, &h, inv, w, d, s, t_last, m, kplus);
        CU_ASSERT(w == direct);
    }
    ax_stdp_hist_free(&h);
}

/* Pruning keeps every entry a later update can read: those after fac_bound,
 * the newest before k_bound, and always the last. */
static void test_prune(void)
{
    int64_t t[8] = {10, 20, 30, 40, 50, 60, 70, 80};
    ax_stdp_hist h = hist_of(t, 8, 20.0);
    ax_stdp_hist_prune(&h, 35, 100);   /* facilitation needs > 35: keep 40.. and... */
    CU_ASSERT_EQUAL(h.e[h.first].t, 40);
    ax_stdp_hist_prune(&h, 1000, 65);  /* K_minus queries at >= 65 need 60 */
    CU_ASSERT_EQUAL(h.e[h.first].t, 60);
    ax_stdp_hist_prune(&h, 1000, 1000);
    CU_ASSERT_EQUAL(ax_stdp_hist_len(&h), 1);
    CU_ASSERT_EQUAL(h.e[h.first].t, 80);
    /* K_minus continues from the kept entry as if nothing was dropped */
    double k80 = h.e[h.first].k;
    CU_ASSERT_EQUAL(ax_stdp_hist_push(&h, 95, &tb01, 1. / 20.0), 0);
    CU_ASSERT(h.e[h.end - 1].k == k80 * exp((t_ms(80) - t_ms(95)) * (1. / 20.0)) + 1.0);
    /* growth after many drops keeps order */
    for (int64_t k = 100; k < 400; k++) {
        CU_ASSERT_EQUAL(ax_stdp_hist_push(&h, k, &tb01, 1. / 20.0), 0);
        ax_stdp_hist_prune(&h, k - 5, k - 5);
    }
    for (uint32_t i = h.first + 1; i < h.end; i++) CU_ASSERT(h.e[i].t > h.e[i - 1].t);
    CU_ASSERT(ax_stdp_hist_len(&h) <= 8);
    ax_stdp_hist_free(&h);
}

/* NEST's time base: 0.001 * tics, not steps * h; delays steps * 0.1. */
static void test_time_base(void)
{
    ax_error err;
    CU_ASSERT(ax_stdp_ms(&tb01, 3) == 0.3);
    CU_ASSERT(3 * 0.1 != 0.3); /* the difference the tic arithmetic avoids */
    CU_ASSERT(ax_stdp_ms(&tb01, 538) == 53.800000000000004); /* NEST's weight_recorder time */
    CU_ASSERT(tb01.ms_per_step == 0.1);
    ax_stdp_time tb;
    CU_ASSERT_EQUAL(ax_stdp_time_init(&tb, 0.125, &err), AX_OK);
    CU_ASSERT_EQUAL(tb.tics_per_step, 125);
    CU_ASSERT_EQUAL(ax_stdp_time_init(&tb, 0.0125, &err), AX_EINPUT);
    CU_ASSERT(strstr(err.msg, "microseconds") != NULL);
}

static void test_names(void)
{
    CU_ASSERT_EQUAL(ax_stdp_kind_of("stdp_synapse"), AX_STDP_PAIR);
    CU_ASSERT_EQUAL(ax_stdp_kind_of("stdp_pl_synapse_hom"), AX_STDP_PL_HOM);
    CU_ASSERT_EQUAL(ax_stdp_kind_of("static_synapse"), 0);
    ax_stdp_params a = ax_stdp_defaults(AX_STDP_PAIR), b = ax_stdp_defaults(AX_STDP_PL_HOM);
    CU_ASSERT(a.tau_plus == 20.0 && a.lambda == 0.01 && a.alpha == 1.0 && a.mu_plus == 1.0 &&
              a.mu_minus == 1.0 && a.Wmax == 100.0 && a.Kplus == 0.0);
    CU_ASSERT(b.tau_plus == 20.0 && b.lambda == 0.1 && b.alpha == 1.0 && b.mu_plus == 0.4);
    CU_ASSERT_STRING_EQUAL(ax_stdp_name(AX_STDP_PL_HOM), "stdp_pl_synapse_hom");
}

int main(void)
{
    ax_error err;
    if (ax_stdp_time_init(&tb01, 0.1, &err) != AX_OK) return 2;
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("stdp", NULL, NULL);
    CU_add_test(s, "history K_minus recursion", test_history_kminus);
    CU_add_test(s, "K_minus read strictly before t - d", test_kminus_read);
    CU_add_test(s, "facilitation window edges", test_window_edges);
    CU_add_test(s, "divide (stdp) vs multiply (pl)", test_divide_vs_multiply);
    CU_add_test(s, "multiplicity as separate updates", test_multiplicity);
    CU_add_test(s, "zero-trace updates not skipped", test_zero_traces_not_skipped);
    CU_add_test(s, "clamping", test_clamping);
    CU_add_test(s, "catch-up gives the same bits", test_catch_up_same_bits);
    CU_add_test(s, "pruning", test_prune);
    CU_add_test(s, "NEST time base", test_time_base);
    CU_add_test(s, "names and defaults", test_names);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
