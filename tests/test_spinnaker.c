/* test_spinnaker.c - sPyNNaker's arithmetic as axon models it
 * (partition/hw_spinn.c, axon/hw_spinn.h):
 * - what the board makes of a written weight is the NEST weight it was
 *   written for (delta, IFTruncDelta, exp: up to s16.15 rounding), on
 *   random parameters;
 * - the ring-buffer and delay rules of sPyNNaker 7 (values from scipy's
 *   poisson.ppf and abstract_population_vertex.py's formulas);
 * - --simulate's board model turns a unit slip into a rate change:
 *   examples/brunel_small.yaml simulated as the board runs today's export
 *   fires like the original, simulated as the board runs the numbers the
 *   export wrote before issue 14 (cm = C_m/1000 = 0.001 nF, w = J: every
 *   0.1 mV PSP ~100 mV) fires at a very different rate;
 * - the --simulate variant of plastic projections (tests/data/spinnaker_stdp.yaml)
 *   keeps each mapped stdp_synapse with NEST's lambda, alpha, mu, tau_plus,
 *   the target's tau_minus, Kplus 0 and Wmax in the units of the variant's
 *   weights (the board's w_max), and simulates.
 */
#include <CUnit/Basic.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "axon/engine.h"
#include "axon/export.h"
#include "axon/hw_spinn.h"
#include "axon/spec_emit.h"

static double urand(double lo, double hi) { return lo + (hi - lo) * (double)rand() / RAND_MAX; }

static void test_board_inverts_weights(void)
{
    srand(11);
    for (int trial = 0; trial < 300; trial++) {
        double h = trial % 3 == 0 ? 1.0 : 0.1;
        ax_spinn_nest n = {.C_m = urand(1, 500), .tau_m = urand(3, 60), .E_L = urand(-80, -50), .V_th = -40,
                           .V_reset = -70, .t_ref = 2.0, .I_e = urand(0, 200), .V_min = NAN,
                           .tau_syn = {urand(0.3, 8), urand(0.3, 8)}, .E_rev = {0, -80}};
        ax_spinn_kind kinds[] = {AX_SPINN_CURR_DELTA, AX_SPINN_CURR_EXP, AX_SPINN_TRUNC_DELTA};
        ax_spinn_kind k = kinds[trial % 3];
        if (k == AX_SPINN_TRUNC_DELTA) n.tau_m = INFINITY;
        ax_spinn_cell c;
        ax_spinn_cell_from_nest(k, &n, h, &c);
        /* the s16.15 constants move the gain by at most a few 1e-3 here */
        double tol = fabs(ax_spinn_gain_error(&c, h)) + 1e-3;
        for (int r = 0; r < 2; r++) {
            double J = (r ? -1 : 1) * urand(0.1, 100);
            double w = ax_spinn_weight(&c, r, J, h), back = ax_spinn_board_weight(&c, r, w, h);
            CU_ASSERT(fabs(back - J) <= tol * fabs(J) + 1e-3 * 1e-3);
            CU_ASSERT((w < 0) == (J < 0));
        }
        ax_spinn_nest b;
        ax_spinn_board_neuron(&c, h, &b);
        /* the board neuron integrates I_e as NEST does: same drive per step */
        double drive_nest = k == AX_SPINN_TRUNC_DELTA ? h * n.I_e / n.C_m : n.I_e * n.tau_m / n.C_m * -expm1(-h / n.tau_m);
        double drive_board = k == AX_SPINN_TRUNC_DELTA ? h * b.I_e / b.C_m : b.I_e * b.tau_m / b.C_m * -expm1(-h / b.tau_m);
        CU_ASSERT(fabs(drive_board - drive_nest) <= tol * fabs(drive_nest) + 1e-4);
    }
}

/* The board's refractory count: T_refract = lif_ceil_accum(kdivk(tau_refrac,
 * h)) on s16.15 values (sPyNNaker neural_modelling/src/neuron/models/
 * neuron_model_lif_impl.h, neuron_model_initialise): h = 0.1 is stored as
 * 3277/32768 = 0.1000061, so 2 ms / h = 19.9988 and any fraction rounds up
 * to 20 steps (a floor would give 19, 1.9 ms). */
static void test_board_refractory_steps(void)
{
    const struct { double t_ref, h, want; } c[] = {
        {2.0, 0.1, 2.0}, {1.5, 0.1, 1.5}, {1.55, 0.1, 1.6}, {0.1, 0.1, 0.1}, {2.0, 1.0, 2.0}, {0.0, 0.1, 0.0}};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        ax_spinn_nest n = {.C_m = 250, .tau_m = 10, .E_L = -65, .V_th = -50, .V_reset = -65, .t_ref = c[i].t_ref,
                           .I_e = 0, .V_min = NAN, .tau_syn = {2, 2}, .E_rev = {0, -80}};
        ax_spinn_cell cell;
        ax_spinn_nest b;
        ax_spinn_cell_from_nest(AX_SPINN_CURR_EXP, &n, c[i].h, &cell);
        ax_spinn_board_neuron(&cell, c[i].h, &b);
        CU_ASSERT_DOUBLE_EQUAL(b.t_ref, c[i].want, 1e-12);
    }
}

static void test_ring_buffer_rules(void)
{
    /* scipy.stats.poisson.ppf(0.999, lam) + 1, lam = rate h / 1000 */
    CU_ASSERT_EQUAL(ax_spinn_spikes_per_tick(20000, 0.1), 9.0);  /* lam 2: ppf 8 */
    CU_ASSERT_EQUAL(ax_spinn_spikes_per_tick(8000, 0.1), 6.0);   /* lam 0.8: ppf 5 */
    CU_ASSERT_EQUAL(ax_spinn_spikes_per_tick(500, 0.1), 3.0);    /* lam 0.05: ppf 2 */
    CU_ASSERT_EQUAL(ax_spinn_spikes_per_tick(30000, 1.0), 49.0); /* lam 30: ppf 48 */
    CU_ASSERT_EQUAL(ax_spinn_spikes_per_tick(50, 0.1), 1.0);     /* below 0.01 per tick */
    CU_ASSERT_EQUAL(ax_spinn_spikes_per_tick(0, 0.1), 1.0);      /* a neuron: max(1, 30 Hz h) */
    int64_t D;
    CU_ASSERT_EQUAL(ax_spinn_max_delay(1000, 256, &D), 288); /* 256/core: D 32, 9 D */
    CU_ASSERT_EQUAL(D, 32);
    CU_ASSERT_EQUAL(ax_spinn_max_delay(100, 256, &D), 9 * 64); /* 100 atoms: 7 bits */
    CU_ASSERT_EQUAL(ax_spinn_max_delay(1, 256, &D), 9 * 4096); /* get_n_bits(1) = 1 */
}

static ax_spec *brunel(void)
{
    const char *src = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/examples/brunel_small.yaml", src ? src : ".");
    ax_spec *s = NULL;
    ax_error e;
    if (ax_spec_load(path, &s, &e) != AX_OK) fprintf(stderr, "%s\n", e.msg);
    if (s) s->sim.t_sim = 300.0;
    return s;
}

/* Rates (Hz) of the spec as the board runs cells c[] with weights the
 * written PyNN weights w (per projection, then the Poisson generator). */
static void board_rates(const ax_spec *s, const ax_spinn_cell *c, const double *w_proj, double w_dev,
                        double *rates)
{
    double h = s->sim.resolution, wsim[4], dsim[2];
    char *params[2] = {NULL, NULL};
    const char *models[2] = {"iaf_psc_delta", "iaf_psc_delta"};
    for (int p = 0; p < 4; p++) {
        int t = s->proj[p].tgt;
        wsim[p] = ax_spinn_board_weight(&c[t], w_proj[p] < 0, w_proj[p], h);
    }
    dsim[0] = ax_spinn_board_weight(&c[0], 0, w_dev, h);
    dsim[1] = NAN;
    for (int i = 0; i < 2; i++) {
        ax_spinn_nest n;
        ax_spinn_board_neuron(&c[i], h, &n);
        ax_sbuf b = {0};
        ax_sbuf_printf(&b, "{C_m: %.17g, tau_m: %.17g, E_L: %.17g, V_reset: %.17g, V_th: %.17g, t_ref: %.17g, "
                           "I_e: %.17g}", n.C_m, n.tau_m, n.E_L, n.V_reset, n.V_th, n.t_ref, n.I_e);
        params[i] = ax_sbuf_take(&b);
    }
    ax_spec_override ov = {.proj_weight = wsim, .dev_weight = dsim, .pop_model = models,
                           .pop_params = (const char *const *)params, .no_output = 1};
    ax_sbuf y = {0};
    ax_error e;
    ax_spec *v = NULL;
    ax_engine eng = NULL;
    CU_ASSERT_EQUAL_FATAL(ax_spec_emit(s, &ov, &y, &e), AX_OK);
    CU_ASSERT_EQUAL_FATAL(ax_spec_parse(y.s, y.len, "variant", &v, &e), AX_OK);
    CU_ASSERT_EQUAL_FATAL(ax_engine_build(v, MPI_COMM_WORLD, 1, &eng, &e), AX_OK);
    CU_ASSERT_EQUAL_FATAL(ax_engine_simulate(eng, NULL, NULL, &e), AX_OK);
    const ax_engine_stats *st = ax_engine_get_stats(eng);
    for (int i = 0; i < 2; i++) rates[i] = (double)st->pop_spikes[i] / ((double)v->pops[i].n * v->sim.t_sim * 1e-3);
    ax_engine_destroy(&eng);
    ax_spec_destroy(&v);
    ax_sbuf_free(&y);
    free(params[0]);
    free(params[1]);
}

static void test_unit_slip_changes_rate(void)
{
    ax_spec *s = brunel();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    ax_error e;
    double h = s->sim.resolution, r0[2], r1[2], r2[2];
    ax_engine eng = NULL;
    CU_ASSERT_EQUAL_FATAL(ax_engine_build(s, MPI_COMM_WORLD, 1, &eng, &e), AX_OK);
    CU_ASSERT_EQUAL_FATAL(ax_engine_simulate(eng, NULL, NULL, &e), AX_OK);
    for (int i = 0; i < 2; i++)
        r0[i] = (double)ax_engine_get_stats(eng)->pop_spikes[i] / ((double)s->pops[i].n * s->sim.t_sim * 1e-3);
    ax_engine_destroy(&eng);
    ax_spinn_cell c[2];
    double J[4], w[4], J_dev = s->dev[0].weight;
    for (int i = 0; i < 2; i++) {
        ax_spinn_nest n = {.C_m = 1.0, .tau_m = 20.0, .E_L = 0, .V_reset = 0, .V_th = 20, .t_ref = 2, .I_e = 0,
                           .V_min = NAN};
        ax_spinn_cell_from_nest(AX_SPINN_CURR_DELTA, &n, h, &c[i]);
    }
    for (int p = 0; p < 4; p++) {
        J[p] = s->proj[p].weight.value;
        w[p] = ax_spinn_weight(&c[s->proj[p].tgt], J[p] < 0, J[p], h);
    }
    board_rates(s, c, w, ax_spinn_weight(&c[0], 0, J_dev, h), r1);
    /* the numbers of the export before issue 14: cm = C_m/1000, w = J "mV" */
    for (int i = 0; i < 2; i++) c[i].cm = 1.0 * 1e-3, c[i].k = 1e-3;
    board_rates(s, c, J, J_dev, r2);
    for (int i = 0; i < 2; i++) {
        printf("\n  population %d: original %.2f Hz, board (export) %.2f Hz, board (old numbers) %.2f Hz", i,
               r0[i], r1[i], r2[i]);
        CU_ASSERT(fabs(r1[i] - r0[i]) <= 0.05 * r0[i]);
        CU_ASSERT(r2[i] > 4.0 * r0[i]);
    }
    ax_spec_destroy(&s);
}

static double param(const ax_spec *s, int pop, const char *name)
{
    double v = NAN;
    ax_error e;
    return ax_spec_param(s, pop, name, &v, &e) == AX_OK ? v : NAN;
}

static void test_simulate_keeps_stdp(void)
{
    const char *src = getenv("top_srcdir");
    char path[4096], dir[64] = "/tmp/axon_spinn_stdp_XXXXXX", sub[128];
    snprintf(path, sizeof path, "%s/tests/data/spinnaker_stdp.yaml", src ? src : ".");
    ax_spec *s = NULL, *v = NULL;
    ax_error e;
    CU_ASSERT_EQUAL_FATAL(ax_spec_load(path, &s, &e), AX_OK);
    /* Kplus 0.5 on projection 1: exported (listed) with the board's trace start 0 */
    s->proj[1].stdp.Kplus = 0.5;
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/out", dir);
    ax_export_opts o;
    ax_export_defaults(&o, AX_HW_SPINNAKER);
    o.allow_approx = 1;
    ax_export_result res = {0};
    CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);
    CU_ASSERT_EQUAL_FATAL(ax_export(s, &o, sub, &res, &e), AX_OK);
    CU_ASSERT_EQUAL(res.n_approx, 1);
    CU_ASSERT_EQUAL_FATAL(ax_spec_parse(res.sim_spec_yaml, strlen(res.sim_spec_yaml), "variant", &v, &e), AX_OK);
    int plastic = 0;
    for (int p = 0; p < s->n_proj; p++) {
        const ax_proj_spec *a = &s->proj[p], *b = &v->proj[p];
        CU_ASSERT_EQUAL(a->syn_model, b->syn_model);
        if (a->syn_model != AX_SYN_STDP || b->syn_model != AX_SYN_STDP) continue;
        plastic++;
        CU_ASSERT_EQUAL(b->stdp.kind, a->stdp.kind);
        CU_ASSERT_EQUAL(b->stdp.lambda, a->stdp.lambda);
        CU_ASSERT_EQUAL(b->stdp.alpha, a->stdp.alpha);
        CU_ASSERT_EQUAL(b->stdp.mu_plus, a->stdp.mu_plus);
        CU_ASSERT_EQUAL(b->stdp.mu_minus, a->stdp.mu_minus);
        CU_ASSERT_EQUAL(b->stdp.tau_plus, a->stdp.tau_plus);
        CU_ASSERT_EQUAL(b->stdp.Kplus, 0.0);
        /* Wmax scales with the weights (the board's NEST weight per NEST
         * weight; the constant ones also carry their 16-bit rounding) */
        double rw = a->weight.kind == AX_DIST_CONST ? b->weight.value / a->weight.value
                                                    : b->weight.high / a->weight.high;
        double rW = b->stdp.Wmax / a->stdp.Wmax;
        printf("\n  projection %d: weight x %.9f, Wmax x %.9f", p, rw, rW);
        CU_ASSERT(rW > 0.99 && rW < 1.01);
        CU_ASSERT(fabs(rW - rw) < 2e-3 * rw);
    }
    CU_ASSERT_EQUAL(plastic, 4);
    for (int i = 0; i < s->n_pops; i++) CU_ASSERT_EQUAL(param(v, i, "tau_minus"), param(s, i, "tau_minus"));
    ax_engine eng = NULL;
    CU_ASSERT_EQUAL_FATAL(ax_engine_build(v, MPI_COMM_WORLD, 1, &eng, &e), AX_OK);
    CU_ASSERT_EQUAL(ax_engine_simulate(eng, NULL, NULL, &e), AX_OK);
    ax_engine_destroy(&eng);
    ax_spec_destroy(&v);
    ax_export_result_free(&res);
    ax_spec_destroy(&s);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite su = CU_add_suite("spinnaker", NULL, NULL);
    CU_add_test(su, "board arithmetic inverts the exported weights", test_board_inverts_weights);
    CU_add_test(su, "board refractory steps: s16.15 quotient rounded up", test_board_refractory_steps);
    CU_add_test(su, "ring buffer and delay rules of sPyNNaker 7", test_ring_buffer_rules);
    CU_add_test(su, "a unit slip shows up as a rate change", test_unit_slip_changes_rate);
    CU_add_test(su, "--simulate keeps the mapped STDP rule", test_simulate_keeps_stdp);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
    CU_cleanup_registry();
    MPI_Finalize();
    return failed ? 1 : 0;
}
