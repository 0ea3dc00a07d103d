/* test_dynapse.c - Dynap-SE2 export: DynapSim current conversions against
 * the reference defaults, the dpi_neuron model (validation, silence at
 * rest, firing and refractoriness, monotone f-I, checkpoints), the limit
 * checker on hand-made specs (each limit caught), placement limits on
 * random networks, fan-in violations naming the neurons, and an export
 * whose spec passes the checker.
 */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axon/export.h"
#include "axon/model.h"
#include "axon/hw_place.h"

static void test_conversions(void)
{
    ax_dynap_consts c;
    ax_dynap_consts_default(&c);
    CU_ASSERT_DOUBLE_EQUAL(ax_dynap_kappa(&c), 0.705, 1e-15);
    /* reference §3.2 derived defaults */
    CU_ASSERT_DOUBLE_EQUAL(ax_dynap_tau_to_itau(&c, 3e-12, 20e-3), 5.32e-12, 0.005e-12);
    CU_ASSERT_DOUBLE_EQUAL(ax_dynap_tau_to_itau(&c, 24.5e-12, 10e-3), 8.69e-11, 0.005e-11); /* C_ampa */
    CU_ASSERT_DOUBLE_EQUAL(4 * ax_dynap_tau_to_itau(&c, 3e-12, 20e-3), 2.13e-11, 0.005e-11);
    CU_ASSERT_DOUBLE_EQUAL(ax_dynap_pw_to_i(&c, c.C_pulse, 10e-6), 3.5e-8, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ax_dynap_pw_to_i(&c, c.C_ref, 1e-3), 1.05e-9, 1e-18);
    CU_ASSERT_DOUBLE_EQUAL(ax_dynap_tau_to_itau(&c, 40e-12, 50e-3), 2.84e-11, 0.005e-11); /* AHP */
    /* round trip tau -> Itau -> tau */
    for (double tau = 1e-4; tau < 5.0; tau *= 1.9) {
        double it = ax_dynap_tau_to_itau(&c, c.C_mem, tau);
        CU_ASSERT_DOUBLE_EQUAL(ax_dynap_itau_to_tau(&c, c.C_mem, it), tau, 1e-14 * tau);
    }
    /* the model's defaults are the same numbers in pA */
    const ax_model_ops *m = ax_model_find("dpi_neuron");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    double p[32];
    ax_model_defaults(m, p);
    CU_ASSERT_DOUBLE_EQUAL(p[ax_model_param_index(m, "Itau_mem")], ax_dynap_tau_to_itau(&c, 3e-12, 20e-3) * 1e12, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(p[ax_model_param_index(m, "Iref")], 1050.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(p[ax_model_param_index(m, "Itau_syn")], ax_dynap_tau_to_itau(&c, 25e-12, 10e-3) * 1e12, 1e-9);
}

static ax_neurons *make(const double *p, double h, int64_t n)
{
    const ax_model_ops *m = ax_model_find("dpi_neuron");
    ax_neurons *nr = NULL;
    ax_error e;
    if (m->create(p, h, n, &nr, &e) != AX_OK) fprintf(stderr, "%s\n", e.msg);
    return nr;
}

/* Steps with weight w (Iscale units) into receptor r every `every` steps;
 * returns spikes; records the spike steps into t (room for cap). */
static int drive(ax_neurons *nr, int steps, double w, int r, int every, int *t, int cap)
{
    const ax_model_ops *m = ax_model_find("dpi_neuron");
    int n = 0;
    for (int k = 0; k < steps; k++) {
        double x[2] = {0, 0};
        if (every && k % every == 0) x[r] = w;
        const double *in[2] = {&x[0], &x[1]};
        int64_t sp;
        if (m->update(nr, in, NULL, &sp)) {
            if (n < cap) t[n] = k;
            n++;
        }
    }
    return n;
}

static void test_dpi_model(void)
{
    const ax_model_ops *m = ax_model_find("dpi_neuron");
    double p[32];
    ax_model_defaults(m, p);
    ax_error e;
    CU_ASSERT_EQUAL(m->validate(p, &e), AX_OK);
    CU_ASSERT_EQUAL(ax_model_state_index(m, "I_mem"), 0);
    p[ax_model_param_index(m, "Itau_mem")] = -1;
    CU_ASSERT_EQUAL(m->validate(p, &e), AX_EINPUT);
    CU_ASSERT(strstr(e.msg, "Itau_mem must be > 0") != NULL);
    ax_model_defaults(m, p);
    p[ax_model_param_index(m, "Ispkthr")] = 0.1;
    CU_ASSERT_EQUAL(m->validate(p, &e), AX_EINPUT);
    ax_model_defaults(m, p);
    p[ax_model_param_index(m, "Ispkthr")] = 1e4; /* Rockpool's LIF mapping: Iscale */
    /* rest: silent, I_mem stays at Io */
    ax_neurons *a = make(p, 0.1, 1);
    int t[64];
    CU_ASSERT_EQUAL(drive(a, 20000, 0, 0, 0, t, 64), 0);
    CU_ASSERT_DOUBLE_EQUAL(m->state(a, 0)[0], 0.5, 1e-12);
    /* inhibition alone: still silent, I_syn_in charged */
    CU_ASSERT_EQUAL(drive(a, 1000, -5.0, 1, 10, t, 64), 0);
    CU_ASSERT(m->state(a, 2)[0] > 0);
    m->destroy(a);
    /* strong excitation fires; ISIs respect t_ref = Vth C_ref / Iref = 1 ms */
    a = make(p, 0.1, 1);
    int n = drive(a, 20000, 1.0, 0, 5, t, 64);
    CU_ASSERT(n > 5);
    for (int k = 1; k < n && k < 64; k++) CU_ASSERT(t[k] - t[k - 1] > 10);
    m->destroy(a);
    /* excitation + equal inhibition fires less than excitation alone */
    a = make(p, 0.1, 1);
    ax_neurons *b = make(p, 0.1, 1);
    int ne = 0, nb = 0;
    for (int k = 0; k < 20000; k++) {
        double xa[2] = {k % 5 == 0 ? 0.1 : 0, 0}, xb[2] = {xa[0], k % 5 == 0 ? -0.05 : 0};
        const double *ia[2] = {&xa[0], &xa[1]}, *ib[2] = {&xb[0], &xb[1]};
        int64_t sp;
        ne += (int)m->update(a, ia, NULL, &sp);
        nb += (int)m->update(b, ib, NULL, &sp);
    }
    CU_ASSERT(ne > 0);
    CU_ASSERT(nb < ne);
    m->destroy(a);
    m->destroy(b);
    /* f-I: the ISI falls as the current grows; below rheobase no spikes */
    ax_dynap_consts c;
    ax_dynap_consts_default(&c);
    double rh = ax_dynap_rheobase(&c, 5.319148936170213e-12, 4 * 5.319148936170213e-12, 1e-8) * 1e12;
    CU_ASSERT(rh > 5 && rh < 30);
    CU_ASSERT(isinf(ax_dynap_isi(p, 0.1, 0.8 * rh)));
    double prev = INFINITY;
    for (double i = 1.2 * rh; i < 5000; i *= 2) {
        double isi = ax_dynap_isi(p, 0.1, i);
        CU_ASSERT(isi < prev);
        prev = isi;
    }
    double want = 15.86;
    double cur = ax_dynap_current_for_isi(p, 0.1, want, rh, 1e4);
    CU_ASSERT(fabs(ax_dynap_isi(p, 0.1, cur) - want) < 0.3);
}

/* Save mid-run, continue two copies: bitwise identical. */
static void test_dpi_ckpt(void)
{
    const ax_model_ops *m = ax_model_find("dpi_neuron");
    double p[32];
    ax_model_defaults(m, p);
    p[ax_model_param_index(m, "Ispkthr")] = 1e4;
    ax_neurons *a = make(p, 0.1, 3), *b = make(p, 0.1, 3);
    double x[3] = {0.5, 0.2, 0.0}, z[3] = {0}, buf[5 * 3];
    double iext[3] = {0, 30.0, 0};
    const double *in[2] = {x, z};
    int64_t sp[3];
    for (int k = 0; k < 777; k++) m->update(a, in, iext, sp);
    m->ckpt_save(a, buf);
    m->ckpt_load(b, buf);
    int same = 1;
    for (int k = 0; k < 3000; k++) {
        int64_t na = m->update(a, in, k % 3 ? iext : NULL, sp), nb = m->update(b, in, k % 3 ? iext : NULL, sp);
        same &= na == nb;
    }
    for (int v = 0; v < 3; v++)
        for (int i = 0; i < 3; i++) same &= m->state(a, v)[i] == m->state(b, v)[i];
    CU_ASSERT(same);
    m->destroy(a);
    m->destroy(b);
}

/* A valid 2-core spec by hand, then one broken limit at a time. */
static void small_spec(ax_dynap_spec *d, int n_in, int n)
{
    *d = (ax_dynap_spec){.n_in = n_in, .n_neuron = n, .n_cores = 2, .n_chips = 1, .n_boards = 1,
                         .neurons_per_core = 256, .Iscale = 1e-8, .dt = 1e-4};
    d->core_of = calloc((size_t)n, sizeof(int));
    d->cores = calloc(2, sizeof *d->cores);
    d->w_in = calloc((size_t)(n_in * n) + 1, sizeof(double));
    d->w_rec = calloc((size_t)(n * n), sizeof(double));
    d->m_in = calloc((size_t)(n_in * n) + 1, 1);
    d->m_rec = calloc((size_t)(n * n), 1);
    d->s_in = calloc((size_t)(n_in * n) + 1, 1);
    d->s_rec = calloc((size_t)(n * n), 1);
    for (int j = 0; j < n; j++) d->core_of[j] = j >= n / 2;
    for (int c = 0; c < 2; c++) {
        d->cores[c] = (ax_dynap_core){.pop = c, .chip = 0, .board = 0, .first = 0, .count = n / 2};
        ax_dynap_base_currents(1.5, d->cores[c].iw);
    }
}

static void set_w(ax_dynap_spec *d, int rec, int64_t i, int64_t j, double w)
{
    int64_t k = i * d->n_neuron + j;
    (rec ? d->w_rec : d->w_in)[k] = w;
    (rec ? d->m_rec : d->m_in)[k] = (uint8_t)ax_dynap_mask(w, d->cores[d->core_of[j]].iw);
    (rec ? d->s_rec : d->s_in)[k] = (int8_t)(w > 0 ? 1 : w < 0 ? -1 : 0);
}

static int check_has(ax_dynap_spec *d, const char *what)
{
    ax_sbuf v = {0};
    int n = ax_dynap_spec_check(d, &v);
    int ok = n > 0 && v.s && strstr(v.s, what);
    if (!ok) fprintf(stderr, "want '%s', got %d: %s\n", what, n, v.s ? v.s : "");
    ax_sbuf_free(&v);
    return ok;
}

static void test_checker(void)
{
    ax_dynap_spec d;
    small_spec(&d, 4, 100);
    for (int i = 0; i < 100; i += 3) set_w(&d, 1, i, (i * 7) % 100, i % 2 ? 0.3 : -1.2);
    set_w(&d, 0, 2, 5, 0.7);
    ax_sbuf v = {0};
    CU_ASSERT_EQUAL(ax_dynap_spec_check(&d, &v), 0);
    ax_sbuf_free(&v);
    /* fan-in: neuron 42 gets 65 sources, named with its count */
    for (int i = 0; i < 65; i++) set_w(&d, 1, i, 42, 0.5);
    CU_ASSERT(check_has(&d, "42 (65)"));
    for (int i = 0; i < 65; i++) set_w(&d, 1, i, 42, 0.0);
    CU_ASSERT_EQUAL(ax_dynap_spec_check(&d, &v), 0);
    /* a mask that does not encode its weight */
    d.m_rec[3 * 100 + 21] = 0;
    CU_ASSERT(check_has(&d, "do not encode"));
    set_w(&d, 1, 3, 21, 0.3);
    /* a wrong sign */
    d.s_in[2 * 100 + 5] = -1;
    CU_ASSERT(check_has(&d, "w_in[2, 5]"));
    d.s_in[2 * 100 + 5] = 1;
    /* base currents not binary */
    d.cores[1].iw[2] *= 1.1;
    CU_ASSERT(check_has(&d, "Iw_2"));
    ax_dynap_base_currents(1.5, d.cores[1].iw);
    d.neurons_per_core = 300;
    CU_ASSERT(check_has(&d, "neurons per core"));
    d.neurons_per_core = 256;
    d.cores[0].count = 257;
    CU_ASSERT(check_has(&d, "core 0 holds 257"));
    d.cores[0].count = 50;
    d.cores[1].chip = 3;
    CU_ASSERT(check_has(&d, "out of range"));
    d.cores[1].chip = 0;
    CU_ASSERT_EQUAL(ax_dynap_spec_check(&d, &v), 0);
    ax_dynap_spec_free(&d);
    /* tags: 2 x 1000 neurons + 100 inputs > 2048 */
    small_spec(&d, 100, 1000);
    d.cores[0].count = d.cores[1].count = 500;
    d.neurons_per_core = 256;
    CU_ASSERT(check_has(&d, "tags"));
    ax_dynap_spec_free(&d);
    /* fan-out: neuron 0 sends to 4 chips */
    small_spec(&d, 0, 8);
    d.n_cores = 2;
    d.n_chips = 4;
    free(d.cores);
    d.cores = calloc(4, sizeof *d.cores);
    d.n_cores = 4;
    for (int c = 0; c < 4; c++) {
        d.cores[c] = (ax_dynap_core){.pop = 0, .chip = c, .board = 0, .count = 2};
        ax_dynap_base_currents(1.0, d.cores[c].iw);
    }
    for (int j = 0; j < 8; j++) d.core_of[j] = j / 2;
    for (int j = 0; j < 8; j += 2) set_w(&d, 1, 0, j, 1.0);
    CU_ASSERT(check_has(&d, "fan-out: 1 neuron(s) (first: 0)"));
    ax_dynap_spec_free(&d);
    ax_sbuf_free(&v);
}

static ax_spec *parse(const char *text)
{
    ax_spec *s = NULL;
    ax_error e;
    if (ax_spec_parse(text, strlen(text), "test", &s, &e) != AX_OK) fprintf(stderr, "%s\n", e.msg);
    return s;
}

/* Random networks: every placed core holds one population, <= npc neurons,
 * <= 4 cores per chip, 4 chips per board; every neuron on exactly one core. */
static void test_place_property(void)
{
    srand(11);
    for (int trial = 0; trial < 25; trial++) {
        char txt[4096];
        int np = 1 + rand() % 5;
        int off = snprintf(txt, sizeof txt, "simulation: {resolution: 0.1, t_sim: 10, seed: %d}\npopulations:\n", trial);
        for (int i = 0; i < np; i++)
            off += snprintf(txt + off, sizeof txt - (size_t)off, "  P%d: {model: iaf_psc_exp, n: %d}\n", i, 1 + rand() % 900);
        off += snprintf(txt + off, sizeof txt - (size_t)off, "projections:\n");
        for (int k = 0; k < np; k++)
            off += snprintf(txt + off, sizeof txt - (size_t)off, "  - {source: P%d, target: P%d, rule: fixed_indegree, "
                            "indegree: %d, weight: 5.0, delay: 1.0}\n", rand() % np, rand() % np, 1 + rand() % 10);
        ax_spec *s = parse(txt);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        ax_hw_net *net = NULL;
        ax_error e;
        CU_ASSERT_EQUAL_FATAL(ax_hw_net_build(s, &net, &e), AX_OK);
        int npc = 1 + rand() % 256;
        ax_dynap_spec d = {0};
        CU_ASSERT_EQUAL_FATAL(ax_dynap_place(net, npc, &d, &e), AX_OK);
        int *per_chip = calloc((size_t)d.n_chips, sizeof *per_chip);
        int64_t *seen = calloc((size_t)s->n_total, sizeof *seen);
        for (int c = 0; c < d.n_cores; c++) {
            const ax_dynap_core *k = &d.cores[c];
            CU_ASSERT(k->count >= 1 && k->count <= npc && k->count <= AX_DYNAP_NEURONS_PER_CORE);
            CU_ASSERT_EQUAL(k->board, k->chip / AX_DYNAP_CHIPS_PER_BOARD);
            /* Rockpool's config_from_specification puts cluster c on chip
             * chip_map[c] = c // 4 as local core c % 4: cores numbered by slot */
            CU_ASSERT_EQUAL(k->chip, c / AX_DYNAP_CORES_PER_CHIP);
            per_chip[k->chip]++;
            for (int64_t i = 0; i < k->count; i++) {
                int64_t g = s->pops[k->pop].first_gid + k->first + i;
                seen[g]++;
                CU_ASSERT_EQUAL(d.core_of[g], c);
            }
        }
        for (int c = 0; c < d.n_chips; c++) CU_ASSERT(per_chip[c] >= 1 && per_chip[c] <= AX_DYNAP_CORES_PER_CHIP);
        for (int64_t g = 0; g < s->n_total; g++) CU_ASSERT_EQUAL(seen[g], 1);
        free(per_chip);
        free(seen);
        ax_dynap_spec_free(&d);
        ax_hw_net_free(&net);
        ax_spec_destroy(&s);
    }
}

static int export_to(const char *text, int allow, char *dir, ax_export_result *res, ax_error *e)
{
    ax_spec *s = parse(text);
    if (!s) return -1;
    strcpy(dir, "/tmp/axon_dynap_XXXXXX");
    if (!mkdtemp(dir)) return -1;
    ax_export_opts o;
    ax_export_defaults(&o, AX_HW_DYNAPSE);
    o.allow_approx = allow;
    int st = ax_export(s, &o, dir, res, e);
    ax_spec_destroy(&s);
    return st;
}

static void rm_dir(const char *dir)
{
    const char *f[] = {"spec.json", "weights.h5", "load_dynapse.py", "report.txt"};
    char p[512];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, f[i]);
        unlink(p);
    }
    rmdir(dir);
}

static const char *kFanIn =
    "simulation: {resolution: 0.1, t_sim: 50, seed: 3}\n"
    "populations:\n"
    "  A: {model: iaf_psc_exp, n: 80}\n"
    "  B: {model: iaf_psc_exp, n: 10}\n"
    "projections:\n"
    "  - {source: A, target: B, rule: all_to_all, weight: 20.0, delay: 1.0}\n"
    "  - {source: B, target: B, rule: one_to_one, weight: 50.0, delay: 1.0}\n";

/* Fan-in 81 > 64 for every B neuron: refused, naming the neuron ids
 * (gids 80..89); with allow_approx the written spec passes the checker. */
static void test_fan_in(void)
{
    char dir[64];
    ax_export_result res = {0};
    ax_error e = {0};
    CU_ASSERT_EQUAL(export_to(kFanIn, 0, dir, &res, &e), AX_EINPUT);
    CU_ASSERT(strstr(e.msg, "fan-in: 10 neuron(s)") != NULL);
    CU_ASSERT(strstr(e.msg, "80 (81), 81 (81)") != NULL);
    CU_ASSERT(strstr(e.msg, "89 (81)") != NULL);
    rm_dir(dir);
    ax_export_result_free(&res);
    CU_ASSERT_EQUAL(export_to(kFanIn, 1, dir, &res, &e), AX_OK);
    CU_ASSERT_EQUAL(res.n_approx, 1);
    CU_ASSERT(res.report && strstr(res.report, "limit check of the written spec: passed"));
    CU_ASSERT(res.report && strstr(res.report, "170 connections dropped")); /* 10 x (81 - 64) */
    rm_dir(dir);
    ax_export_result_free(&res);
}

/* An export of a two-population network: the translated currents follow
 * the conversions, the variant parses with dpi_neuron populations. */
static void test_export_ok(void)
{
    const char *net =
        "simulation: {resolution: 0.1, t_sim: 50, seed: 3}\n"
        "populations:\n"
        "  A: {model: iaf_psc_exp, n: 30, params: {tau_m: 20.0, t_ref: 1.0, tau_syn_ex: 5.0, tau_syn_in: 5.0}}\n"
        "projections:\n"
        "  - {source: A, target: A, rule: fixed_indegree, indegree: 10, weight: 30.0, delay: 1.0}\n"
        "devices:\n"
        "  n: {model: poisson_generator, rate: 100.0, weight: 40.0, targets: [A]}\n";
    char dir[64];
    ax_export_result res = {0};
    ax_error e = {0};
    CU_ASSERT_EQUAL_FATAL(export_to(net, 0, dir, &res, &e), AX_OK);
    CU_ASSERT(strstr(res.report, "Itau_mem 5.32e-12") != NULL);
    CU_ASSERT(strstr(res.report, "Iref 1.05e-09") != NULL);
    CU_ASSERT(strstr(res.report, "projection 0 A -> A: 300 synapses") != NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res.sim_spec_yaml);
    ax_spec *v = parse(res.sim_spec_yaml);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_STRING_EQUAL(v->pops[0].model, "dpi_neuron");
    ax_spec_destroy(&v);
    rm_dir(dir);
    ax_export_result_free(&res);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite su = CU_add_suite("dynapse", NULL, NULL);
    CU_add_test(su, "DynapSim conversions", test_conversions);
    CU_add_test(su, "dpi_neuron dynamics", test_dpi_model);
    CU_add_test(su, "dpi_neuron checkpoint", test_dpi_ckpt);
    CU_add_test(su, "limit checker catches each limit", test_checker);
    CU_add_test(su, "placement limits on random networks", test_place_property);
    CU_add_test(su, "impossible fan-in names neurons", test_fan_in);
    CU_add_test(su, "export of a small network", test_export_ok);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    int failed = (int)CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
