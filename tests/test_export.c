/* test_export.c - unit and property tests of the export module: the
 * documented fixed-point / mask formats, hardware placement limits on
 * random networks, and the NIR round trip (export, read back, identical
 * synapses and parameters).
 */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axon/export.h"
#include "axon/hw_place.h"
#include "axon/spec_emit.h"

static void test_spinn_scale(void)
{
    /* sPyNNaker 7 get_ring_buffer_shifts (abstract_population_vertex.py):
     * p = ceil(max(0, log2 M)), +1 if 2^p <= M; scale = 2^(16-(p+1)) * global */
    CU_ASSERT_DOUBLE_EQUAL(ax_spinn_weight_scale(1.1, 1.0), 16384.0, 0);  /* p = 1 */
    CU_ASSERT_DOUBLE_EQUAL(ax_spinn_weight_scale(2.0, 1.0), 8192.0, 0);   /* p = 1 -> 2 */
    CU_ASSERT_DOUBLE_EQUAL(ax_spinn_weight_scale(0.3, 1.0), 32768.0, 0);  /* p never negative */
    CU_ASSERT_DOUBLE_EQUAL(ax_spinn_weight_scale(0.3, 1024.0), 32768.0 * 1024, 0);
    CU_ASSERT_DOUBLE_EQUAL(ax_spinn_weight_scale(0.0, 1.0), 32768.0, 0);  /* M = 0: p = 0 */
    CU_ASSERT_EQUAL(ax_spinn_weight_word(0.1, 16384.0), 1638u);          /* 1638.4 */
    CU_ASSERT_EQUAL(ax_spinn_weight_word(-0.5, 16384.0), 8192u);
    CU_ASSERT_EQUAL(ax_spinn_weight_word(100.0, 16384.0), 65535u);       /* saturates */
    /* the largest summed input still fits 16 bits */
    for (double m = 0.01; m < 1000; m *= 1.37) {
        double sc = ax_spinn_weight_scale(m, 1.0);
        CU_ASSERT(m * sc < 65536.0);
        if (m >= 1) {
            CU_ASSERT(m * sc >= 16384.0); /* and uses at least 14 of them */
        } else {
            CU_ASSERT_EQUAL(sc, 32768.0); /* below 1: absolute resolution 2^-15 */
        }
    }
}

static void test_dynap_masks(void)
{
    double iw[4];
    ax_dynap_base_currents(1.5, iw);
    CU_ASSERT_DOUBLE_EQUAL(iw[0], 0.1, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(iw[3], 0.8, 1e-15);
    CU_ASSERT_EQUAL(ax_dynap_mask(1.5, iw), 15);
    CU_ASSERT_EQUAL(ax_dynap_mask(-0.5, iw), 5);      /* 0.1 + 0.4 */
    CU_ASSERT_EQUAL(ax_dynap_mask(0.0, iw), 0);
    CU_ASSERT_EQUAL(ax_dynap_mask(0.01, iw), 1);      /* nonzero never vanishes */
    CU_ASSERT_DOUBLE_EQUAL(ax_dynap_mask_value(9, iw), 0.9, 1e-15);
    for (int m = 0; m < 16; m++) CU_ASSERT_EQUAL(ax_dynap_mask(ax_dynap_mask_value(m, iw), iw), m);
}

static ax_spec *parse(const char *text)
{
    ax_spec *s = NULL;
    ax_error e;
    if (ax_spec_parse(text, strlen(text), "test", &s, &e) != AX_OK) fprintf(stderr, "%s\n", e.msg);
    return s;
}

/* Random networks: every neuron on exactly one core, cores within limits. */
static void test_placement_property(void)
{
    srand(7);
    for (int trial = 0; trial < 30; trial++) {
        char txt[4096];
        int np = 1 + rand() % 4;
        int off = snprintf(txt, sizeof txt, "simulation: {resolution: 0.1, t_sim: 10, seed: %d}\npopulations:\n", trial);
        for (int i = 0; i < np; i++)
            off += snprintf(txt + off, sizeof txt - (size_t)off, "  P%d: {model: iaf_psc_exp, n: %d}\n", i,
                            1 + rand() % 700);
        off += snprintf(txt + off, sizeof txt - (size_t)off, "projections:\n");
        for (int k = 0; k < np; k++)
            off += snprintf(txt + off, sizeof txt - (size_t)off,
                            "  - {source: P%d, target: P%d, rule: fixed_indegree, indegree: %d, weight: 5.0, delay: 1.0}\n",
                            rand() % np, rand() % np, 1 + rand() % 20);
        ax_spec *s = parse(txt);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        ax_hw_net *net = NULL;
        ax_error e;
        CU_ASSERT_EQUAL_FATAL(ax_hw_net_build(s, &net, &e), AX_OK);
        ax_hw_limits lim = {.neurons_per_core = 1 + rand() % 256, .cores_per_chip = trial % 2 ? 16 : 4,
                            .chips_per_board = trial % 2 ? 48 : 4};
        ax_hw_place pl;
        CU_ASSERT_EQUAL_FATAL(ax_hw_place_build(net, &lim, &pl, &e), AX_OK);
        int *per_chip = calloc((size_t)pl.n_chips, sizeof *per_chip);
        int64_t *seen = calloc((size_t)s->n_total, sizeof *seen);
        int64_t syn = 0, syn_total = 0;
        for (int c = 0; c < pl.n_cores; c++) {
            const ax_hw_core *k = &pl.cores[c];
            CU_ASSERT(k->count >= 1 && k->count <= lim.neurons_per_core);
            CU_ASSERT(k->chip >= 0 && k->chip < pl.n_chips);
            CU_ASSERT_EQUAL(k->board, k->chip / lim.chips_per_board);
            per_chip[k->chip]++;
            syn += k->syn_in;
            for (int64_t i = 0; i < k->count; i++) {
                int64_t g = s->pops[k->pop].first_gid + k->first + i;
                seen[g]++;
                CU_ASSERT_EQUAL(ax_hw_core_of(s, &pl, g), c);
            }
        }
        for (int c = 0; c < pl.n_chips; c++) CU_ASSERT(per_chip[c] >= 1 && per_chip[c] <= lim.cores_per_chip);
        for (int64_t g = 0; g < s->n_total; g++) CU_ASSERT_EQUAL(seen[g], 1);
        for (int p = 0; p < s->n_proj; p++) syn_total += net->proj[p].n;
        CU_ASSERT_EQUAL(syn, syn_total);
        CU_ASSERT(pl.cross_chip <= pl.cross_core);
        free(per_chip);
        free(seen);
        ax_hw_place_free(&pl);
        ax_hw_net_free(&net);
        ax_spec_destroy(&s);
    }
}

static const char *kNet =
    "simulation: {resolution: 0.1, t_sim: 100, seed: 99}\n"
    "populations:\n"
    "  A: {model: iaf_psc_exp, n: 60, params: {tau_m: 15.0, C_m: 200.0, E_L: -65.0, V_th: -50.0, V_reset: -70.0,"
    " t_ref: 1.5, tau_syn_ex: 3.0, tau_syn_in: 3.0, I_e: 120.0}, initial: {V_m: {distribution: uniform, low: -70, high: -55}}}\n"
    "  B: {model: iaf_psc_delta, n: 40, params: {tau_m: 20.0, V_th: 20.0, E_L: 0.0, V_reset: 10.0, t_ref: 2.0}}\n"
    "projections:\n"
    "  - {source: A, target: B, rule: fixed_indegree, indegree: 7, weight: 0.3, delay: 1.2}\n"
    "  - {source: B, target: A, rule: pairwise_bernoulli, p: 0.2, weight: -40.0, delay: 0.5}\n"
    "  - {source: A, target: A, rule: fixed_total_number, N: 500, weight: {distribution: normal, mean: 30.0, std: 5.0}, delay: 2.0}\n"
    "devices:\n"
    "  noise: {model: poisson_generator, rate: 5000.0, weight: 20.0, targets: [A]}\n"
    "  rec: {model: spike_recorder, sources: [A, B]}\n";

static int same_edges(const ax_hw_net *a, const ax_hw_net *b, int np)
{
    for (int p = 0; p < np; p++) {
        const ax_hw_edges *x = &a->proj[p], *y = &b->proj[p];
        if (x->n != y->n) return 0;
        for (int64_t k = 0; k < x->n; k++)
            if (x->src[k] != y->src[k] || x->tgt[k] != y->tgt[k] || x->d[k] != y->d[k] ||
                fabs(x->w[k] - y->w[k]) > 1e-12 * fabs(x->w[k]) || x->r[k] != y->r[k])
                return 0;
    }
    return 1;
}

static void test_nir_roundtrip(void)
{
    ax_spec *s = parse(kNet);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    char dir[] = "tests/export_nirXXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    ax_export_opts o;
    ax_export_defaults(&o, AX_HW_NIR);
    ax_export_result res;
    ax_error e;
    /* t_ref and a random initial V_m have no NIR counterpart: refused, named */
    ax_status st = ax_export(s, &o, dir, &res, &e);
    CU_ASSERT_EQUAL(st, AX_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "population A: t_ref = 1.5 ms"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "population A: initial V_m"));
    o.allow_approx = 1;
    st = ax_export(s, &o, dir, &res, &e);
    if (st) fprintf(stderr, "%s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(st, AX_OK);
    CU_ASSERT_EQUAL(res.n_approx, 3); /* t_ref of A and B, initial V_m of A */
    char path[256];
    snprintf(path, sizeof path, "%s/network.nir", dir);
    ax_spec *r = NULL;
    st = ax_nir_load(path, &r, &e);
    if (st) fprintf(stderr, "%s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(st, AX_OK);
    CU_ASSERT_EQUAL(r->n_pops, 2);
    CU_ASSERT_EQUAL(r->n_dev, 2);
    const char *names[] = {"tau_m", "C_m", "E_L", "V_th", "V_reset", "t_ref", "I_e"};
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_STRING_EQUAL(r->pops[i].model, s->pops[i].model);
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            double a, b;
            ax_spec_param(s, i, names[k], &a, &e);
            ax_spec_param(r, i, names[k], &b, &e);
            if (i == 1 && !strcmp(names[k], "C_m")) continue; /* irrelevant for psc_delta without I_e */
            CU_ASSERT_DOUBLE_EQUAL(a, b, 1e-9 * fabs(a) + 1e-12);
        }
    }
    ax_hw_net *na = NULL, *nb = NULL;
    CU_ASSERT_EQUAL_FATAL(ax_hw_net_build(s, &na, &e), AX_OK);
    CU_ASSERT_EQUAL_FATAL(ax_hw_net_build(r, &nb, &e), AX_OK);
    CU_ASSERT_EQUAL_FATAL(r->n_proj, s->n_proj);
    CU_ASSERT(same_edges(na, nb, s->n_proj));
    ax_hw_net_free(&na);
    ax_hw_net_free(&nb);
    ax_spec_destroy(&r);
    ax_export_result_free(&res);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    CU_ASSERT_EQUAL(system(path), 0);
    ax_spec_destroy(&s);
}

static void test_nir_refuses_cond(void)
{
    ax_spec *s = parse("simulation: {resolution: 0.1, t_sim: 10}\npopulations:\n  C: {model: iaf_cond_exp, n: 3}\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    char dir[] = "tests/export_nirXXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    ax_export_opts o;
    ax_export_defaults(&o, AX_HW_NIR);
    o.allow_approx = 1; /* not approximable */
    ax_export_result res;
    ax_error e;
    CU_ASSERT_EQUAL(ax_export(s, &o, dir, &res, &e), AX_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "iaf_cond_exp"));
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    ax_spec_destroy(&s);
}

/* The emitter writes what the parser reads back to the same synapses. */
static void test_emit_roundtrip(void)
{
    ax_spec *s = parse(kNet);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    char *y = NULL;
    ax_error e;
    CU_ASSERT_EQUAL_FATAL(ax_spec_to_yaml(s, &y, &e), AX_OK);
    ax_spec *r = parse(y);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    ax_hw_net *na = NULL, *nb = NULL;
    CU_ASSERT_EQUAL_FATAL(ax_hw_net_build(s, &na, &e), AX_OK);
    CU_ASSERT_EQUAL_FATAL(ax_hw_net_build(r, &nb, &e), AX_OK);
    CU_ASSERT(same_edges(na, nb, s->n_proj));
    CU_ASSERT_EQUAL(r->dev[0].rate, s->dev[0].rate);
    ax_hw_net_free(&na);
    ax_hw_net_free(&nb);
    ax_spec_destroy(&r);
    ax_spec_destroy(&s);
    free(y);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite su = CU_add_suite("export", NULL, NULL);
    CU_add_test(su, "spinnaker 16-bit weight scale", test_spinn_scale);
    CU_add_test(su, "dynap 4-bit masks", test_dynap_masks);
    CU_add_test(su, "placement limits on random networks", test_placement_property);
    CU_add_test(su, "spec emitter round trip", test_emit_roundtrip);
    CU_add_test(su, "NIR round trip", test_nir_roundtrip);
    CU_add_test(su, "NIR refuses iaf_cond_exp", test_nir_refuses_cond);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
