/* test_models.c - the neuron models against NEST 3.10 reference traces
 * (tests/data/nest), closed-form solutions, and their parameter checks.
 *
 * Reference cases drive the model API directly with a 1-neuron block: a
 * generator spike stamped s with delay d goes into in[] of the step ending
 * at s+d (step k covers ((k-1)h, kh]); the state after update() of step k
 * is the multimeter row t = kh. Needs env top_srcdir.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <libfyaml.h>

#include "axon/model.h"
#include "models_impl.h"

/* ---------------------------------------------------------------- helpers */

static const char *srcdir(void)
{
    const char *s = getenv("top_srcdir");
    return s ? s : ".";
}

/* Parameter vector of `model` with its defaults and the given overrides
 * ("name", value, ..., NULL). Fails the test on an unknown name. */
static void params_with(const ax_model_ops *m, double *p, ...)
{
    ax_model_defaults(m, p);
    va_list ap;
    va_start(ap, p);
    for (const char *name; (name = va_arg(ap, const char *)) != NULL;) {
        double v = va_arg(ap, double);
        int k = ax_model_param_index(m, name);
        CU_ASSERT_FATAL(k >= 0);
        p[k] = v;
    }
    va_end(ap);
}

/* A block of n neurons; fails the test if create() fails. */
static ax_neurons *make(const ax_model_ops *m, const double *p, double h, int64_t n)
{
    ax_neurons *nr = NULL;
    ax_error err;
    ax_error_clear(&err);
    ax_status s = m->create(p, h, n, &nr, &err);
    if (s != AX_OK) fprintf(stderr, "create failed: %s\n", err.msg);
    CU_ASSERT_FATAL(s == AX_OK && nr != NULL);
    return nr;
}

static double *st(const ax_model_ops *m, ax_neurons *nr, const char *name)
{
    int k = ax_model_state_index(m, name);
    CU_ASSERT_FATAL(k >= 0);
    return m->state(nr, k);
}

/* One step of a 1-neuron block with inputs w0 (receptor 0), w1, current
 * ie_ext (NaN: pass NULL). Returns the number of spikes. */
static int64_t step1(const ax_model_ops *m, ax_neurons *nr, double w0, double w1, double iext)
{
    double a = w0, b = w1, c = iext;
    const double *in[AX_MAX_RECEPTORS] = {&a, &b};
    int64_t spk[1];
    return m->update(nr, in, isnan(iext) ? NULL : &c, spk);
}

/* --------------------------------------------------------- JSON and CSV */

static struct fy_node *jget(struct fy_node *n, const char *path)
{
    return fy_node_by_path(n, path, FY_NT, FYNWF_DONT_FOLLOW);
}

/* Number from a scalar node: also "inf"/"-inf"/"true"/"false". */
static double jnum(struct fy_node *n)
{
    const char *s = fy_node_get_scalar0(n);
    CU_ASSERT_FATAL(s != NULL);
    if (!strcmp(s, "true") || !strcmp(s, "True")) return 1.0;
    if (!strcmp(s, "false") || !strcmp(s, "False")) return 0.0;
    return strtod(s, NULL); /* strtod reads "inf" and "-inf" */
}

/* Column `col` (0-based) of a CSV with a header line; returns row count. */
static int read_csv(const char *path, int col, double **out)
{
    FILE *f = fopen(path, "r");
    if (!f) fprintf(stderr, "cannot open %s\n", path);
    CU_ASSERT_FATAL(f != NULL);
    char line[512];
    int n = 0, cap = 1024;
    double *v = malloc((size_t)cap * sizeof *v);
    CU_ASSERT_FATAL(fgets(line, sizeof line, f) != NULL); /* header */
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        for (int c = 0; c < col && p; c++) {
            p = strchr(p, ',');
            if (p) p++;
        }
        CU_ASSERT_FATAL(p != NULL);
        if (n == cap) v = realloc(v, (size_t)(cap *= 2) * sizeof *v);
        v[n++] = strtod(p, NULL);
    }
    fclose(f);
    *out = v;
    return n;
}

/* Runs reference case `id` and compares V_m (and I_syn where recorded)
 * at every step and the spike steps. */
static void run_reference(const char *id)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/nest/case_%s.json", srcdir(), id);
    struct fy_document *doc = fy_document_build_from_file(NULL, path);
    if (!doc) fprintf(stderr, "cannot parse %s\n", path);
    CU_ASSERT_FATAL(doc != NULL);
    struct fy_node *root = fy_document_root(doc);
    const ax_model_ops *m = ax_model_find(fy_node_get_scalar0(jget(root, "/model")));
    CU_ASSERT_FATAL(m != NULL);
    struct fy_node *ns = jget(root, "/neuron_status");
    double p[64];
    ax_model_defaults(m, p);
    for (int k = 0; k < m->n_params; k++) {
        struct fy_node *v = fy_node_mapping_lookup_by_string(ns, m->params[k].name, FY_NT);
        if (v) p[k] = jnum(v);
    }
    double h = jnum(jget(root, "/resolution_ms"));
    double T = jnum(jget(root, "/simtime_ms"));
    int64_t N = llround(T / h);

    /* Arrivals per step (index k = step ending at k h). */
    double *arr[2] = {calloc((size_t)N + 2, sizeof(double)), calloc((size_t)N + 2, sizeof(double))};
    struct fy_node *inputs = jget(root, "/inputs");
    for (int g = 0; g < fy_node_sequence_item_count(inputs); g++) {
        struct fy_node *gen = fy_node_sequence_get_by_index(inputs, g);
        double d = jnum(jget(gen, "/delay")), w = jnum(jget(gen, "/weight"));
        struct fy_node *times = jget(gen, "/spike_times");
        for (int s = 0; s < fy_node_sequence_item_count(times); s++) {
            int64_t k = llround((jnum(fy_node_sequence_get_by_index(times, s)) + d) / h);
            int rec = (m->n_receptors == 1 || w >= 0) ? 0 : 1;
            if (k <= N) arr[rec][k] += w;
        }
    }

    ax_neurons *nr = make(m, p, h, 1);
    double *V = st(m, nr, "V_m");
    V[0] = jnum(jget(ns, "/V_m"));
    double *vref, *tref_spk, *iex_ref = NULL, *iin_ref = NULL;
    snprintf(path, sizeof path, "%s/tests/data/nest/case_%s_vm.csv", srcdir(), id);
    int nrows = read_csv(path, 1, &vref);
    CU_ASSERT_EQUAL_FATAL(nrows, N);
    snprintf(path, sizeof path, "%s/tests/data/nest/case_%s_spikes.csv", srcdir(), id);
    int nspk_ref = read_csv(path, 0, &tref_spk);
    int has_isyn = ax_model_state_index(m, "I_syn_ex") >= 0;
    if (has_isyn) {
        snprintf(path, sizeof path, "%s/tests/data/nest/case_%s_isyn.csv", srcdir(), id);
        CU_ASSERT_EQUAL_FATAL(read_csv(path, 1, &iex_ref), N);
        read_csv(path, 2, &iin_ref);
    }

    double max_dv = 0, max_di = 0;
    int nspk = 0, spikes_match = 1;
    for (int64_t k = 1; k <= N; k++) {
        if (step1(m, nr, arr[0][k], arr[1][k], NAN)) {
            if (nspk >= nspk_ref || llround(tref_spk[nspk] / h) != k) spikes_match = 0;
            nspk++;
        }
        max_dv = fmax(max_dv, fabs(V[0] - vref[k - 1]));
        if (has_isyn) {
            max_di = fmax(max_di, fabs(st(m, nr, "I_syn_ex")[0] - iex_ref[k - 1]));
            max_di = fmax(max_di, fabs(st(m, nr, "I_syn_in")[0] - iin_ref[k - 1]));
        }
    }
    fprintf(stderr, "case %s: max|dV| = %g mV, max|dI| = %g pA, spikes %d vs %d, match %d\n",
                id, max_dv, max_di, nspk, nspk_ref, spikes_match);
    CU_ASSERT(max_dv <= 1e-9);
    CU_ASSERT(max_di <= 1e-9);
    CU_ASSERT(spikes_match);
    CU_ASSERT_EQUAL(nspk, nspk_ref);
    CU_ASSERT(nspk_ref > 0);
    m->destroy(nr);
    free(arr[0]);
    free(arr[1]);
    free(vref);
    free(tref_spk);
    free(iex_ref);
    free(iin_ref);
    fy_document_destroy(doc);
}

static void test_ref_a(void) { run_reference("a"); }
static void test_ref_a2(void) { run_reference("a2"); }
static void test_ref_b1(void) { run_reference("b1"); }
static void test_ref_b2(void) { run_reference("b2"); }
static void test_ref_b3(void) { run_reference("b3"); }
static void test_ref_c1(void) { run_reference("c1"); }
static void test_ref_c2(void) { run_reference("c2"); }

/* ------------------------------------------------------- closed forms */

/* V(t) = E_L + R I (1 - e^{-t/tau_m}) at every step, for I_e (acts from
 * step 1) and for i_ext (arrives in step 1, acts from step 2). */
static void check_dc(const char *model)
{
    const ax_model_ops *m = ax_model_find(model);
    double p[32];
    const double I = 300.0, h = 0.1, tau = 10.0, C = 250.0, E_L = -68.0;
    params_with(m, p, "I_e", I, "E_L", E_L, "V_reset", -70.0, NULL);
    ax_neurons *a = make(m, p, h, 1);
    params_with(m, p, "E_L", E_L, "V_reset", -70.0, NULL);
    ax_neurons *b = make(m, p, h, 1);
    double err_a = 0, err_b = 0;
    for (int k = 1; k <= 1000; k++) {
        CU_ASSERT_EQUAL(step1(m, a, 0, 0, NAN), 0);
        CU_ASSERT_EQUAL(step1(m, b, 0, 0, I), 0);
        double va = E_L + tau / C * I * -expm1(-k * h / tau);
        double vb = E_L + tau / C * I * -expm1(-(k - 1) * h / tau);
        err_a = fmax(err_a, fabs(st(m, a, "V_m")[0] - va));
        err_b = fmax(err_b, fabs(st(m, b, "V_m")[0] - vb));
    }
    CU_ASSERT(err_a < 1e-11);
    CU_ASSERT(err_b < 1e-11);
    m->destroy(a);
    m->destroy(b);
}

/* First spike in the first step whose end passes
 * t* = -tau ln(1 - (V_th - E_L) / (R I)). */
static void check_first_spike(const char *model, double I)
{
    const ax_model_ops *m = ax_model_find(model);
    double p[32];
    const double h = 0.1, tau = 10.0, C = 250.0;
    params_with(m, p, "I_e", I, NULL);
    ax_neurons *a = make(m, p, h, 1);
    double tstar = -tau * log(1.0 - 15.0 / (tau / C * I));
    int64_t expect = (int64_t)ceil(tstar / h - 1e-9), got = -1;
    for (int64_t k = 1; k <= 5000 && got < 0; k++)
        if (step1(m, a, 0, 0, NAN)) got = k;
    CU_ASSERT_EQUAL(got, expect);
    CU_ASSERT_DOUBLE_EQUAL(st(m, a, "V_m")[0], -70.0, 0.0);
    m->destroy(a);
}

static void test_dc(void)
{
    check_dc("iaf_psc_delta");
    check_dc("iaf_psc_exp");
    check_dc("iaf_psc_alpha");
    const double currents[] = {376.0, 400.0, 520.0, 1000.0};
    for (int i = 0; i < 4; i++) {
        check_first_spike("iaf_psc_delta", currents[i]);
        check_first_spike("iaf_psc_exp", currents[i]);
        check_first_spike("iaf_psc_alpha", currents[i]);
    }
}

/* Exponential PSC: V - E_L = w/C tau_s tau_m/(tau_m - tau_s)
 * (e^{-t/tau_m} - e^{-t/tau_s}), t from the arrival step's end; peak at
 * t_max = tau_s tau_m/(tau_m - tau_s) ln(tau_m/tau_s). */
static void test_psp_exp(void)
{
    const ax_model_ops *m = ax_model_find("iaf_psc_exp");
    double p[32];
    const double h = 0.01, tm = 10.0, ts = 2.0, C = 250.0, w = 100.0, E_L = -70.0;
    params_with(m, p, "tau_syn_ex", ts, "tau_syn_in", 3.0, NULL);
    ax_neurons *a = make(m, p, h, 1);
    double *V = st(m, a, "V_m");
    const int k0 = 7;
    double vmax = -1e9, err = 0;
    int kmax = 0;
    for (int k = 1; k <= 4000; k++) {
        step1(m, a, k == k0 ? w : 0, 0, NAN);
        double t = (k - k0) * h;
        double ref = t < 0 ? 0 : w / C * ts * tm / (tm - ts) * (exp(-t / tm) - exp(-t / ts));
        err = fmax(err, fabs(V[0] - E_L - ref));
        if (V[0] > vmax) vmax = V[0], kmax = k;
    }
    double tmax = ts * tm / (tm - ts) * log(tm / ts);
    double amp = w / C * ts * tm / (tm - ts) * (exp(-tmax / tm) - exp(-tmax / ts));
    CU_ASSERT(err < 1e-10); /* V is absolute: ulp(70 mV)/(1-P22) ~ 1e-11 of rounding */
    CU_ASSERT(fabs((kmax - k0) * h - tmax) <= h);
    CU_ASSERT(fabs(vmax - E_L - amp) < 1e-5 * amp); /* sampled peak within h of t_max */
    CU_ASSERT(vmax - E_L <= amp);
    /* An inhibitory weight on receptor 1 mirrors it with tau_syn_in. */
    m->destroy(a);
    a = make(m, p, h, 1);
    V = st(m, a, "V_m");
    err = 0;
    for (int k = 1; k <= 2000; k++) {
        step1(m, a, 0, k == 1 ? -w : 0, NAN);
        double t = (k - 1) * h;
        double ref = -w / C * 3.0 * tm / (tm - 3.0) * (exp(-t / tm) - exp(-t / 3.0));
        err = fmax(err, fabs(V[0] - E_L - ref));
    }
    CU_ASSERT(err < 1e-10);
    CU_ASSERT(st(m, a, "I_syn_ex")[0] == 0.0);
    m->destroy(a);
}

/* Alpha PSC w (t/tau_s) e^{1-t/tau_s} peaks at w at t = tau_s; its PSP is
 * (w e/(tau_s C)) e^{-t/tau_m} (1 - e^{-a t}(1 + a t))/a^2, a = 1/tau_s -
 * 1/tau_m, evaluated in long double; peak where dV/dt = 0, by bisection. */
static long double alpha_psp(long double t, long double w, long double ts, long double tm,
                             long double C)
{
    long double a = 1.0L / ts - 1.0L / tm;
    return w * expl(1.0L) / (ts * C) * expl(-t / tm) * (1.0L - expl(-a * t) * (1.0L + a * t)) /
           (a * a);
}

static void test_psp_alpha(void)
{
    const ax_model_ops *m = ax_model_find("iaf_psc_alpha");
    double p[32];
    const double h = 0.01, tm = 10.0, ts = 2.0, C = 250.0, w = 100.0, E_L = -70.0;
    params_with(m, p, "tau_syn_ex", ts, NULL);
    ax_neurons *a = make(m, p, h, 1);
    double *V = st(m, a, "V_m"), *I = st(m, a, "I_syn_ex");
    const int k0 = 3;
    double vmax = -1e9, imax = -1e9, err = 0;
    int kmax = 0, kimax = 0;
    for (int k = 1; k <= 4000; k++) {
        step1(m, a, k == k0 ? w : 0, 0, NAN);
        double t = (k - k0) * h;
        double ref = t <= 0 ? 0 : (double)alpha_psp(t, w, ts, tm, C);
        err = fmax(err, fabs(V[0] - E_L - ref));
        if (V[0] > vmax) vmax = V[0], kmax = k;
        if (I[0] > imax) imax = I[0], kimax = k;
    }
    CU_ASSERT(err < 1e-10);
    CU_ASSERT_EQUAL(kimax - k0, llround(ts / h));
    CU_ASSERT(fabs(imax - w) < 1e-12 * w);
    /* dV/dt = -(V-E_L)/tau_m + I/C = 0 at the PSP peak. */
    long double lo = ts, hi = 5 * tm;
    for (int it = 0; it < 200; it++) {
        long double mid = 0.5L * (lo + hi);
        long double I_t = w * mid / ts * expl(1.0L - mid / ts);
        long double dv = -alpha_psp(mid, w, ts, tm, C) / tm + I_t / C;
        if (dv > 0) lo = mid; else hi = mid;
    }
    double tpk = (double)lo, amp = (double)alpha_psp(lo, w, ts, tm, C);
    CU_ASSERT(fabs((kmax - k0) * h - tpk) <= h);
    CU_ASSERT(fabs(vmax - E_L - amp) < 1e-5 * amp);
    m->destroy(a);
}

/* tau_m = inf: a perfect integrator, V = E_L + k h I / C exactly, and
 * reset = subtract keeps every overshoot, so spike count = floor(charge / 15 mV). */
static void test_no_leak(void)
{
    const char *models[] = {"iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha"};
    for (int i = 0; i < 3; i++) {
        const ax_model_ops *m = ax_model_find(models[i]);
        double p[32];
        params_with(m, p, "tau_m", INFINITY, "I_e", 100.0, NULL);
        ax_neurons *a = make(m, p, 0.1, 1);
        double *V = st(m, a, "V_m");
        for (int k = 1; k <= 300; k++) {
            CU_ASSERT_EQUAL(step1(m, a, 0, 0, NAN), 0);
            CU_ASSERT_DOUBLE_EQUAL(V[0], -70.0 + k * 0.1 * 100.0 / 250.0, 1e-11);
        }
        m->destroy(a);
        /* 0.4 mV per step, 15 mV per spike, no refractoriness: 10000 steps
         * carry 4000 mV -> 266 spikes and 10 mV left above V_reset. */
        params_with(m, p, "tau_m", INFINITY, "I_e", 1000.0, "t_ref", 0.0, "reset", 1.0, NULL);
        a = make(m, p, 0.1, 1);
        V = st(m, a, "V_m");
        int64_t n = 0;
        for (int k = 1; k <= 10000; k++) n += step1(m, a, 0, 0, NAN);
        CU_ASSERT_EQUAL(n, 266);
        CU_ASSERT_DOUBLE_EQUAL(V[0], -70.0 + 4000.0 - 266 * 15.0, 1e-8);
        m->destroy(a);
    }
    /* iaf_psc_exp, tau_m = inf: one PSC w gives w tau_s/C (1 - e^{-t/tau_s}). */
    const ax_model_ops *m = ax_model_find("iaf_psc_exp");
    double p[32];
    params_with(m, p, "tau_m", INFINITY, NULL);
    ax_neurons *a = make(m, p, 0.1, 1);
    double err = 0;
    for (int k = 1; k <= 500; k++) {
        step1(m, a, k == 1 ? 200.0 : 0, 0, NAN);
        double t = (k - 1) * 0.1;
        err = fmax(err, fabs(st(m, a, "V_m")[0] + 70.0 - 200.0 * 2.0 / 250.0 * -expm1(-t / 2.0)));
    }
    CU_ASSERT(err < 1e-12);
    m->destroy(a);
}

/* A 20 mV jump from rest to -50 mV: absolute reset -> V_reset; subtract
 * -> -50 - (V_th - V_reset) = -65, held through t_ref. */
static void test_reset_subtract(void)
{
    const ax_model_ops *m = ax_model_find("iaf_psc_delta");
    double p[32];
    params_with(m, p, "reset", 1.0, NULL);
    ax_neurons *s = make(m, p, 0.1, 1);
    params_with(m, p, NULL);
    ax_neurons *a = make(m, p, 0.1, 1);
    CU_ASSERT_EQUAL(step1(m, s, 20.0, 0, NAN), 1);
    CU_ASSERT_EQUAL(step1(m, a, 20.0, 0, NAN), 1);
    CU_ASSERT_DOUBLE_EQUAL(st(m, s, "V_m")[0], -65.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(st(m, a, "V_m")[0], -70.0, 0.0);
    for (int k = 0; k < 20; k++) step1(m, s, 5.0, 0, NAN); /* dropped: refractory */
    CU_ASSERT_DOUBLE_EQUAL(st(m, s, "V_m")[0], -65.0, 1e-12);
    step1(m, s, 0, 0, NAN);
    CU_ASSERT_DOUBLE_EQUAL(st(m, s, "V_m")[0], -70.0 + 5.0 * exp(-0.01), 1e-12); /* leaks again */
    m->destroy(s);
    m->destroy(a);
}

/* ------------------------------------------------ singular propagators */

/* Long-double series of the propagators: with d = 1/tau_s - 1/tau_m,
 * exp: e^{-h/tau_m}/C sum_k (-d)^k h^{k+1}/(k+1)!,
 * alpha: e^{-h/tau_m}/C sum_k (-d)^k h^{k+2}/(k! (k+2)). */
static void series_ref(double h, double tm, double ts, double C, long double *pe,
                       long double *pa)
{
    long double d = 1.0L / ts - (isinf(tm) ? 0.0L : 1.0L / tm);
    long double term = h, se = 0, sa = 0, fact = 1; /* term = (-d)^k h^{k+1}/(k+1)! */
    for (int k = 0; k < 60; k++) {
        se += term;
        sa += fact * powl(h, k + 2) / (k + 2); /* fact = (-d)^k / k! */
        term *= -d * h / (k + 2);
        fact *= -d / (k + 1);
    }
    long double e = isinf(tm) ? 1.0L : expl(-(long double)h / tm);
    *pe = e * se / C;
    *pa = e * sa / C;
}

static void test_singular_propagators(void)
{
    const double h = 0.1, C = 250.0, tm = 10.0;
    const double rel[] = {0.0, 1e-15, -1e-15, 1e-12, 1e-9, -1e-9, 1e-7, -1e-7, 1e-6, -1e-6,
                          1e-3, -1e-3, 0.05, -0.05};
    for (int i = 0; i < (int)(sizeof rel / sizeof rel[0]); i++) {
        double ts = tm * (1.0 + rel[i]);
        long double pe, pa;
        series_ref(h, tm, ts, C, &pe, &pa);
        double ge = ax_prop_exp_to_v(h, tm, ts, C), ga = ax_prop_alpha_to_v(h, tm, ts, C);
        CU_ASSERT(isfinite(ge) && isfinite(ga));
        CU_ASSERT(fabsl((ge - pe) / pe) < 1e-13);
        CU_ASSERT(fabsl((ga - pa) / pa) < 1e-13);
    }
    /* Away from the singularity and with no leak: the closed form in long double. */
    const double taus[] = {0.1, 0.5, 2.0, 5.0, 30.0, 200.0};
    for (int i = 0; i < 6; i++) {
        long double ts = taus[i], T = tm, H = h;
        long double cf = ts * T / (C * (T - ts)) * (expl(-H / T) - expl(-H / ts));
        CU_ASSERT(fabsl((ax_prop_exp_to_v(h, tm, taus[i], C) - cf) / cf) < 1e-13);
        long double pe, pa;
        series_ref(h, INFINITY, taus[i], C, &pe, &pa);
        CU_ASSERT(fabsl((ax_prop_exp_to_v(h, INFINITY, taus[i], C) - pe) / pe) < 1e-13);
        CU_ASSERT(fabsl((ax_prop_alpha_to_v(h, INFINITY, taus[i], C) - pa) / pa) < 1e-13);
    }
    /* phi1/phi2 across the series/closed-form switch. */
    for (double x = -3; x <= 3; x += 0.0625) {
        long double X = x;
        long double p1 = x == 0 ? 1.0L : -expm1l(-X) / X;
        long double p2 = x == 0 ? 0.5L : (1.0L - expl(-X) * (1.0L + X)) / (X * X);
        if (fabs(x) > 0.2) {
            CU_ASSERT(fabsl((ax_prop_phi1(x) - p1) / p1) < 1e-14);
            CU_ASSERT(fabsl((ax_prop_phi2(x) - p2) / p2) < 1e-13);
        }
    }
}

/* iaf_psc_exp with tau_syn_ex == tau_m: the PSP is w t/C e^{-t/tau}. */
static void test_psp_at_singularity(void)
{
    const ax_model_ops *m = ax_model_find("iaf_psc_exp");
    double p[32];
    params_with(m, p, "tau_syn_ex", 10.0, NULL);
    ax_neurons *a = make(m, p, 0.1, 1);
    double err = 0;
    for (int k = 1; k <= 1000; k++) {
        step1(m, a, k == 1 ? 50.0 : 0, 0, NAN);
        double t = (k - 1) * 0.1;
        err = fmax(err, fabs(st(m, a, "V_m")[0] + 70.0 - 50.0 * t / 250.0 * exp(-t / 10.0)));
    }
    CU_ASSERT(err < 1e-12);
    m->destroy(a);
}

/* ------------------------------------------------------- iaf_cond_exp */

/* A fixed conductance (tau_syn huge, so g barely decays) pulls V to
 * (g_L E_L + g E_ex + I_e)/(g_L + g). */
static void test_cond_equilibrium(void)
{
    const ax_model_ops *m = ax_model_find("iaf_cond_exp");
    double p[32];
    params_with(m, p, "tau_syn_ex", 1e12, "tau_syn_in", 1e12, "I_e", 20.0, NULL);
    ax_neurons *a = make(m, p, 0.1, 1);
    st(m, a, "g_ex")[0] = 3.0;
    st(m, a, "g_in")[0] = 2.0;
    for (int k = 0; k < 3000; k++) CU_ASSERT_EQUAL(step1(m, a, 0, 0, NAN), 0);
    double gL = 16.6667;
    double veq = (gL * -70.0 + 3.0 * 0.0 + 2.0 * -85.0 + 20.0) / (gL + 5.0);
    CU_ASSERT_DOUBLE_EQUAL(st(m, a, "V_m")[0], veq, 1e-6);
    m->destroy(a);
}

/* The right-hand side of iaf_cond_exp for the RK4 reference. */
static void cond_rhs(const double *p, const double *y, double I, double *f)
{
    f[0] = (-p[0] * (y[0] - p[1]) - y[1] * (y[0] - 0.0) - y[2] * (y[0] + 85.0) + I) / 250.0;
    f[1] = -y[1] / 0.2;
    f[2] = -y[2] / 2.0;
}

/* Under DC and spike input the model follows a fine-step RK4 reference
 * (1000 substeps per step, same event rules) and spikes in the same steps. */
static void test_cond_vs_rk4(void)
{
    const ax_model_ops *m = ax_model_find("iaf_cond_exp");
    double p[32];
    const double h = 0.1, I = 400.0;
    params_with(m, p, "I_e", I, NULL);
    ax_neurons *a = make(m, p, h, 1);
    double *V = st(m, a, "V_m"), *ge = st(m, a, "g_ex"), *gi = st(m, a, "g_in");
    double y[3] = {-70.0, 0, 0}, rp[2] = {16.6667, -70.0};
    int r = 0, nspk = 0, mismatch = 0;
    double err = 0;
    const int sub = 1000;
    for (int k = 1; k <= 3000; k++) {
        double wex = (k % 97 == 0) ? 6.0 : 0.0, win = (k % 131 == 0) ? -8.0 : 0.0;
        for (int s = 0; s < sub; s++) {
            double k1[3], k2[3], k3[3], k4[3], t[3], dt = h / sub;
            cond_rhs(rp, y, I, k1);
            for (int j = 0; j < 3; j++) t[j] = y[j] + 0.5 * dt * k1[j];
            cond_rhs(rp, t, I, k2);
            for (int j = 0; j < 3; j++) t[j] = y[j] + 0.5 * dt * k2[j];
            cond_rhs(rp, t, I, k3);
            for (int j = 0; j < 3; j++) t[j] = y[j] + dt * k3[j];
            cond_rhs(rp, t, I, k4);
            for (int j = 0; j < 3; j++) y[j] += dt / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
        }
        y[1] += wex;
        y[2] += -win;
        int ref_spike = 0;
        if (r > 0) {
            r--;
            y[0] = -60.0;
        } else if (y[0] >= -55.0) {
            r = 20;
            y[0] = -60.0;
            ref_spike = 1;
        }
        int got = (int)step1(m, a, wex, win, NAN);
        nspk += got;
        mismatch += got != ref_spike;
        err = fmax(err, fabs(V[0] - y[0]));
        CU_ASSERT_DOUBLE_EQUAL(ge[0], y[1], 1e-3);
        CU_ASSERT_DOUBLE_EQUAL(gi[0], y[2], 1e-3);
    }
    if (err > 1e-3 || mismatch) fprintf(stderr, "cond vs RK4: max|dV| %g, mismatches %d\n", err, mismatch);
    CU_ASSERT(nspk > 10);
    CU_ASSERT_EQUAL(mismatch, 0);
    CU_ASSERT(err < 1e-3);
    m->destroy(a);
}

/* ------------------------------------------------- validation, registry */

/* validate() and create() reject p with `name` = v with a message holding `want`. */
static void expect_reject(const char *model, const char *name, double v, const char *want)
{
    const ax_model_ops *m = ax_model_find(model);
    double p[32];
    params_with(m, p, name, v, NULL);
    ax_error err;
    ax_error_clear(&err);
    CU_ASSERT_EQUAL(m->validate(p, &err), AX_EINPUT);
    if (!strstr(err.msg, want)) fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, want);
    CU_ASSERT(strstr(err.msg, want) != NULL);
    ax_neurons *nr = NULL;
    CU_ASSERT_EQUAL(m->create(p, 0.1, 4, &nr, &err), AX_EINPUT);
    CU_ASSERT(nr == NULL);
}

static void test_validation(void)
{
    for (int i = 0; i < ax_model_count(); i++) {
        const ax_model_ops *m = ax_model_at(i);
        double p[32];
        ax_model_defaults(m, p);
        ax_error err;
        ax_error_clear(&err);
        CU_ASSERT_EQUAL(m->validate(p, &err), AX_OK);
        /* NEST's ArchivingNode: every model that can be a plastic target */
        if (ax_model_param_index(m, "tau_minus") >= 0) {
            expect_reject(m->name, "tau_minus", 0.0, "tau_minus must be > 0 (got 0)");
            expect_reject(m->name, "tau_minus", -30.0, "tau_minus must be > 0 (got -30)");
        }
        if (ax_model_param_index(m, "V_reset") < 0) continue; /* dpi_neuron: currents, tests/test_dynapse.c; parrot_neuron */
        expect_reject(m->name, "V_reset", -50.0, "V_reset must be < V_th (got -50 >= -55)");
        expect_reject(m->name, "V_reset", -55.0, "V_reset must be < V_th (got -55 >= -55)");
        expect_reject(m->name, "C_m", 0.0, "C_m must be > 0 (got 0)");
        expect_reject(m->name, "C_m", -1.0, "C_m must be > 0 (got -1)");
        expect_reject(m->name, "t_ref", -0.1, "t_ref must be >= 0 (got -0.1)");
        expect_reject(m->name, "C_m", NAN, "C_m must be a number");
        expect_reject(m->name, "C_m", INFINITY, "C_m must be finite (got inf)");
        expect_reject(m->name, "I_e", -INFINITY, "I_e must be finite");
        if (m->n_receptors == 1) continue;
        expect_reject(m->name, "tau_syn_ex", 0.0, "tau_syn_ex must be > 0 (got 0)");
        expect_reject(m->name, "tau_syn_in", -2.0, "tau_syn_in must be > 0 (got -2)");
    }
    expect_reject("iaf_psc_delta", "tau_m", 0.0, "tau_m must be > 0 (got 0)");
    expect_reject("iaf_psc_exp", "tau_m", -10.0, "tau_m must be > 0 (got -10)");
    expect_reject("iaf_psc_delta", "refractory_input", 0.5, "refractory_input must be true or false");
    expect_reject("iaf_psc_delta", "reset", 2.0, "reset must be one of absolute|subtract");
    expect_reject("iaf_cond_exp", "g_L", -1.0, "g_L must be >= 0 (got -1)");
    /* A bad resolution is refused too. */
    const ax_model_ops *m = ax_model_find("iaf_psc_exp");
    double p[32];
    ax_model_defaults(m, p);
    ax_neurons *nr = NULL;
    ax_error err;
    CU_ASSERT_EQUAL(m->create(p, 0.0, 1, &nr, &err), AX_EINPUT);
}

/* spike_source_poisson: mean count per step rate h / 1000 (within 4 sigma
 * over 2e5 source-steps), multiplicity kept, nothing outside (start, stop],
 * a train that depends on (seed, gid, step) only (another block with the
 * same gid replays it), and a checkpoint mid-run continues it exactly. */
static void test_poisson_source(void)
{
    const ax_model_ops *m = ax_model_find("spike_source_poisson");
    CU_ASSERT_FATAL(m != NULL && m->bind && ax_model_is_source(m));
    double p[3] = {2000.0, 1.0, 9000.0}; /* Hz, ms, ms: mean 0.2 per step at h = 0.1 */
    ax_error err;
    ax_neurons *a = NULL, *b = NULL, *c = NULL;
    CU_ASSERT_EQUAL_FATAL(m->create(p, 0.1, 2, &a, &err), AX_OK);
    CU_ASSERT_EQUAL_FATAL(m->create(p, 0.1, 1, &b, &err), AX_OK);
    CU_ASSERT_EQUAL_FATAL(m->create(p, 0.1, 2, &c, &err), AX_OK);
    m->bind(a, 0, 17, 99), m->bind(a, 1, 18, 99);
    m->bind(b, 0, 18, 99);                       /* source 18 alone in its block */
    m->bind(c, 0, 17, 99), m->bind(c, 1, 18, 99); /* continues a from a checkpoint */
    int64_t *spk = malloc((size_t)m->max_spikes(a) * sizeof *spk);
    int64_t *spk2 = malloc((size_t)m->max_spikes(c) * sizeof *spk2);
    int64_t *kb = malloc((size_t)m->max_spikes(b) * sizeof *kb);
    CU_ASSERT_FATAL(spk && spk2 && kb && m->max_spikes(a) > 2);
    int64_t total = 0, multi = 0, early = 0, late = 0, same = 1, cont = 1;
    double ck[2];
    const int64_t steps = 100000;
    for (int64_t n = 0; n < steps; n++) {
        int64_t k = m->update(a, NULL, NULL, spk), k18 = 0, kb_n = m->update(b, NULL, NULL, kb);
        for (int64_t q = 0; q < k; q++) k18 += spk[q] == 1;
        same &= k18 == kb_n;
        for (int64_t q = 1; q < k; q++) multi += spk[q] == spk[q - 1];
        if (n < 10) early += k;   /* stamps 0.1 .. 1.0 ms: not after start */
        if (n >= 90000) late += k; /* stamps > 9000 ms */
        total += k;
        if (n == 50000) {
            m->ckpt_save(a, ck);
            m->ckpt_load(c, ck);
        }
        if (n > 50000) {
            int64_t kc = m->update(c, NULL, NULL, spk2);
            cont &= kc == k && !memcmp(spk, spk2, (size_t)k * sizeof *spk);
        }
    }
    double mean = (double)total / (2.0 * (89990)), expect = 0.2;
    CU_ASSERT(fabs(mean - expect) < 4.0 * sqrt(expect / (2.0 * 89990)));
    CU_ASSERT(multi > 0);
    CU_ASSERT_EQUAL(early, 0);
    CU_ASSERT_EQUAL(late, 0);
    CU_ASSERT(same);
    CU_ASSERT(cont);
    double bad[3] = {-1.0, 0.0, 1.0};
    ax_neurons *x = NULL;
    CU_ASSERT_EQUAL(m->create(bad, 0.1, 1, &x, &err), AX_EINPUT);
    m->destroy(a), m->destroy(b), m->destroy(c);
    free(spk), free(spk2), free(kb);
}

/* parrot_neuron (NEST models/parrot_neuron.cpp): k spikes arriving in a
 * step come out at its end as one spike of multiplicity k; nothing else. */
static void test_parrot(void)
{
    const ax_model_ops *m = ax_model_find("parrot_neuron");
    CU_ASSERT_FATAL(m != NULL);
    CU_ASSERT(m->counts_spikes && m->multiplicity && m->n_receptors == 1 && m->n_state == 0);
    CU_ASSERT(ax_model_param_index(m, "tau_minus") == 0);
    double p[4];
    ax_model_defaults(m, p);
    CU_ASSERT(p[0] == 20.0);
    ax_neurons *nr = NULL;
    ax_error err;
    CU_ASSERT_EQUAL_FATAL(m->create(p, 0.1, 4, &nr, &err), AX_OK);
    double x[4] = {0, 1, 3, 0}, zero[4] = {0};
    const double *in[2] = {x, x};
    int64_t sp[4];
    CU_ASSERT_EQUAL(m->update(nr, in, NULL, sp), 2);
    CU_ASSERT(sp[0] == 1 && sp[1] == 2);
    CU_ASSERT(m->multiplicity(nr, 1) == 1 && m->multiplicity(nr, 2) == 3);
    in[0] = zero;
    CU_ASSERT_EQUAL(m->update(nr, in, NULL, sp), 0); /* no memory, no refractoriness */
    x[0] = 2;
    in[0] = x;
    CU_ASSERT_EQUAL(m->update(nr, in, NULL, sp), 3);
    CU_ASSERT(m->multiplicity(nr, 0) == 2);
    m->destroy(nr);
}

static void test_registry(void)
{
    /* + dpi_neuron (tests/test_dynapse.c), spike_source_array (tests/test_explicit.py),
     * spike_source_poisson (below) and parrot_neuron (test_parrot) */
    CU_ASSERT_EQUAL(ax_model_count(), 8);
    CU_ASSERT(ax_model_find("nope") == NULL);
    CU_ASSERT(ax_model_find(NULL) == NULL);
    CU_ASSERT(ax_model_at(-1) == NULL && ax_model_at(8) == NULL);
    const char *names[] = {"iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha", "iaf_cond_exp"};
    const char *wunit[] = {"mV", "pA", "pA", "nS"};
    for (int i = 0; i < 4; i++) {
        const ax_model_ops *m = ax_model_find(names[i]);
        CU_ASSERT_FATAL(m != NULL);
        CU_ASSERT(ax_model_at(i) == m);
        CU_ASSERT_STRING_EQUAL(m->weight_unit, wunit[i]);
        CU_ASSERT(strstr(ax_model_names(), names[i]) != NULL);
        CU_ASSERT(m->n_receptors >= 1 && m->n_receptors <= AX_MAX_RECEPTORS);
        CU_ASSERT(m->n_params <= 32);
        CU_ASSERT_EQUAL(ax_model_state_index(m, "V_m"), 0);
        CU_ASSERT(ax_model_param_index(m, "E_L") >= 0 && ax_model_param_index(m, "I_e") >= 0);
        for (int k = 0; k < m->n_params; k++) {
            CU_ASSERT(m->params[k].doc && m->params[k].doc[0]);
            CU_ASSERT(m->params[k].unit != NULL);
            CU_ASSERT_EQUAL(ax_model_param_index(m, m->params[k].name), k);
            CU_ASSERT((m->params[k].kind == AX_PARAM_CHOICE) == (m->params[k].choices != NULL));
        }
        for (int k = 0; k < m->n_state; k++)
            CU_ASSERT_EQUAL(ax_model_state_index(m, m->state_names[k]), k);
        CU_ASSERT_EQUAL(ax_model_state_index(m, "W"), -1);
        CU_ASSERT_STRING_EQUAL(ax_model_suggest_param(m, "tau_n") ? ax_model_suggest_param(m, "tau_n") : "", i == 3 ? "" : "tau_m");
        CU_ASSERT_STRING_EQUAL(ax_model_suggest_param(m, "V_rest"), "V_reset");
        CU_ASSERT_STRING_EQUAL(ax_model_suggest_param(m, "e_l"), "E_L");
        CU_ASSERT(ax_model_suggest_param(m, "xyz") == NULL);
        CU_ASSERT(ax_model_suggest_param(m, "completely_unrelated") == NULL);
    }
    const ax_model_ops *d = ax_model_find("iaf_psc_delta");
    double p[32];
    ax_model_defaults(d, p);
    CU_ASSERT_EQUAL(p[ax_model_param_index(d, "C_m")], 250.0);
    CU_ASSERT_EQUAL(p[ax_model_param_index(d, "V_th")], -55.0);
    CU_ASSERT(isinf(p[ax_model_param_index(d, "V_min")]) && p[ax_model_param_index(d, "V_min")] < 0);
    const ax_model_ops *c = ax_model_find("iaf_cond_exp");
    ax_model_defaults(c, p);
    CU_ASSERT_EQUAL(p[ax_model_param_index(c, "V_reset")], -60.0);
    CU_ASSERT_EQUAL(p[ax_model_param_index(c, "tau_syn_ex")], 0.2);
    CU_ASSERT_EQUAL(p[ax_model_param_index(c, "g_L")], 16.6667);
}

/* ---------------------------------------------- blocks of many neurons */

/* Per-neuron E_L and I_e through param_array + sync give the same traces
 * as separate 1-neuron blocks with those parameters, and spiked[] lists
 * the right local indices. */
static void test_per_neuron_params(void)
{
    for (int mi = 0; mi < ax_model_count(); mi++) {
        const ax_model_ops *m = ax_model_at(mi);
        if (ax_model_param_index(m, "E_L") < 0) continue; /* dpi_neuron has no E_L: tests/test_dynapse.c */
        const int n = 5;
        const double EL[5] = {-70, -65, -60, -72, -68}, IE[5] = {0, 380, 500, 900, 200};
        double p[32];
        ax_model_defaults(m, p);
        ax_neurons *blk = make(m, p, 0.1, n);
        double *el = m->param_array(blk, ax_model_param_index(m, "E_L"));
        double *ie = m->param_array(blk, ax_model_param_index(m, "I_e"));
        CU_ASSERT_FATAL(el && ie);
        CU_ASSERT(m->param_array(blk, ax_model_param_index(m, "C_m")) == NULL);
        CU_ASSERT(m->state(blk, m->n_state) == NULL);
        ax_neurons *one[5];
        for (int i = 0; i < n; i++) {
            el[i] = EL[i];
            ie[i] = IE[i];
            st(m, blk, "V_m")[i] = EL[i];
            double q[32];
            params_with(m, q, "E_L", EL[i], "I_e", IE[i], NULL);
            one[i] = make(m, q, 0.1, 1);
        }
        m->sync(blk);
        double zeros[5] = {0}, w[5];
        int64_t spk[5];
        double maxd = 0;
        int total = 0, bad = 0;
        for (int k = 1; k <= 2000; k++) {
            for (int i = 0; i < n; i++) w[i] = (k % 50 == i) ? 30.0 / (m->n_receptors == 1 ? 20 : 1) : 0;
            const double *in[2] = {w, zeros};
            double iext[5] = {k > 1000 ? 100.0 : 0, 0, 0, 0, 0};
            int64_t ns = m->update(blk, in, k > 1000 ? iext : NULL, spk);
            int seen[5] = {0};
            for (int64_t s = 0; s < ns; s++) seen[spk[s]] = 1;
            for (int i = 0; i < n; i++) {
                int got = (int)step1(m, one[i], w[i], 0, (k > 1000 && i == 0) ? 100.0 : NAN);
                bad += got != seen[i];
                total += got;
                maxd = fmax(maxd, fabs(st(m, blk, "V_m")[i] - st(m, one[i], "V_m")[0]));
            }
        }
        CU_ASSERT_EQUAL(bad, 0);
        CU_ASSERT(total > 20);
        CU_ASSERT(maxd < 1e-12);
        for (int i = 0; i < n; i++) m->destroy(one[i]);
        m->destroy(blk);
        m->destroy(NULL);
    }
}

/* i_ext acts from the step after it arrives and stops when NULL is passed. */
static void test_current_timing(void)
{
    const ax_model_ops *m = ax_model_find("iaf_psc_delta");
    double p[32];
    ax_model_defaults(m, p);
    ax_neurons *a = make(m, p, 0.1, 1);
    double *V = st(m, a, "V_m");
    step1(m, a, 0, 0, 250.0);
    CU_ASSERT_EQUAL(V[0], -70.0); /* arrived, not yet acting */
    step1(m, a, 0, 0, NAN);
    double v1 = -70.0 + 10.0 * -expm1(-0.01); /* R I = 10 mV over one step */
    CU_ASSERT_DOUBLE_EQUAL(V[0], v1, 1e-12);
    step1(m, a, 0, 0, NAN);
    CU_ASSERT_DOUBLE_EQUAL(V[0], -70.0 + (v1 + 70.0) * exp(-0.01), 1e-12); /* decays freely */
    m->destroy(a);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("models", NULL, NULL);
    struct { const char *name; void (*fn)(void); } tests[] = {
        {"registry", test_registry},
        {"validation", test_validation},
        {"NEST case a (psc_delta, DC)", test_ref_a},
        {"NEST case a2 (psc_delta, DC)", test_ref_a2},
        {"NEST case b1 (psc_delta, spikes)", test_ref_b1},
        {"NEST case b2 (psc_delta, refractory drop)", test_ref_b2},
        {"NEST case b3 (psc_delta, refractory_input)", test_ref_b3},
        {"NEST case c1 (psc_exp)", test_ref_c1},
        {"NEST case c2 (psc_exp)", test_ref_c2},
        {"DC response and first spike", test_dc},
        {"exp PSP closed form", test_psp_exp},
        {"alpha PSP closed form", test_psp_alpha},
        {"tau_m = inf and reset subtract", test_no_leak},
        {"reset subtract keeps overshoot", test_reset_subtract},
        {"singular propagators", test_singular_propagators},
        {"PSP at tau_syn == tau_m", test_psp_at_singularity},
        {"cond_exp equilibrium", test_cond_equilibrium},
        {"cond_exp vs RK4", test_cond_vs_rk4},
        {"per-neuron E_L and I_e", test_per_neuron_params},
        {"parrot_neuron", test_parrot},
        {"current timing", test_current_timing},
        {"spike_source_poisson", test_poisson_source},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (!CU_add_test(s, tests[i].name, tests[i].fn)) return 1;
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
