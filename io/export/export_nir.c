/* export_nir.c - `axon export --target nir`: the network as a NIR graph
 * (neuromorphs/NIR 1.0.7, nir/serialization.py layout) that nir.read loads
 * with its default type checks, plus inputs.json (how to drive each Input
 * node) and report.txt.
 *
 * Graph (docs/export.md "NIR"), times in seconds (metadata time_unit "s",
 * as snnTorch, Norse and Rockpool write), all arrays per neuron:
 * - population P -> node P: iaf_psc_delta -> LIF (tau = tau_m, r = tau, so a
 *   spike of NIR weight W moves v by r W / tau = W mV) or IF (tau_m = inf,
 *   r = 1); iaf_psc_exp -> CubaLIF (w_in = tau_syn, r = tau_m / C_m GOhm, so
 *   W moves the current by W pA); v_leak = E_L + I_e tau_m / C_m (I_e folded
 *   in, exact; an IF's I_e is an Affine bias). A spike source population
 *   (spike_source_array) is an Input node P.
 * - projection i -> Affine proj<i> (n_target x n_source float32, multapses
 *   summed, zero bias) -> Delay proj<i>_delay -> target; k distinct delays
 *   make k pairs proj<i>_d<k>, so every delay is exact.
 * - poisson_generator D on P -> Input D_P (one channel per target neuron:
 *   independent trains) -> Scale (or an Affine for part of P) -> Delay -> P;
 *   spike_generator -> Input D_P (1 channel, the same spikes to all) ->
 *   Affine -> Delay -> P; dc_generator -> Input D_P (constant 1) -> Affine
 *   (the drive) -> P. What drives each Input is in inputs.json.
 * - spike_recorder R on P -> Output R_P (P's shape).
 * Without any Input (or Output) node, each population gets a silent Input
 * P_in (an Output P_out), so nir's type inference has a start and an end.
 * What NIR cannot hold (t_ref, refractory input, reset by subtraction, an
 * initial state other than v_leak, alpha synapses, two synaptic time
 * constants, device windows) is refused, or with --allow-approx exported
 * without it and listed; conductance models are refused. The original spec
 * is kept in the graph's metadata (axon_spec): ax_nir_load restores it
 * exactly while the graph is unchanged.
 */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "axon/model.h"
#include "axon/spec_emit.h"
#include "export_impl.h"

#define NIR_MAX_DENSE (1LL << 28)  /* entries of one Affine matrix (1 GiB of float32) */
#define NIR_MAX_CLASSES 64         /* distinct delays of one projection */

typedef struct nirw {
    hid_t f, nodes;
    int bad;
    char (*names)[AX_NAME_MAX + 24];
    int n_names, cap_names;
    char (*edges)[2][AX_NAME_MAX + 24];
    int ne, cap_e;
    const ax_spec *s;
    const ax_export_opts *o;
    ax_sbuf *approx, *viol, *report, json;
    int n_json;
} nirw;

/* ---- HDF5 writers (the encodings nir.write uses) ---------------------------- */

static void put_str(nirw *w, hid_t loc, const char *name, const char *v)
{
    if (w->bad) return;
    hid_t t = H5Tcopy(H5T_C_S1), s = H5Screate(H5S_SCALAR), d = -1;
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    d = H5Dcreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0) w->bad = 1;
    if (d >= 0) H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
}

/* float64 dataset, scalar (n == 0) or (n,). */
static void put_f64(nirw *w, hid_t loc, const char *name, const double *v, hsize_t n)
{
    if (w->bad) return;
    hid_t s = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) w->bad = 1;
    if (d >= 0) H5Dclose(d);
    H5Sclose(s);
}

static void put_fill(nirw *w, hid_t loc, const char *name, double v, int64_t n)
{
    double *a = malloc((size_t)(n ? n : 1) * sizeof *a);
    if (!a) { w->bad = 1; return; }
    for (int64_t i = 0; i < n; i++) a[i] = v;
    put_f64(w, loc, name, a, (hsize_t)n);
    free(a);
}

static void put_shape(nirw *w, hid_t loc, int64_t n)
{
    if (w->bad) return;
    hsize_t one = 1;
    hid_t s = H5Screate_simple(1, &one, NULL);
    hid_t d = H5Dcreate2(loc, "shape", H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &n) < 0) w->bad = 1;
    if (d >= 0) H5Dclose(d);
    H5Sclose(s);
}

/* A node name not used yet (base, base_2, base_3, ...), recorded. */
static const char *unique(nirw *w, const char *base)
{
    static _Thread_local char buf[AX_NAME_MAX + 24];
    snprintf(buf, sizeof buf, "%s", base);
    for (int k = 2;; k++) {
        int used = 0;
        for (int i = 0; i < w->n_names && !used; i++) used = !strcmp(w->names[i], buf);
        if (!used) break;
        snprintf(buf, sizeof buf, "%.*s_%d", AX_NAME_MAX + 10, base, k);
    }
    if (w->n_names == w->cap_names) {
        int cap = w->cap_names ? 2 * w->cap_names : 64;
        void *x = realloc(w->names, (size_t)cap * sizeof *w->names);
        if (!x) { w->bad = 1; return buf; }
        w->names = x;
        w->cap_names = cap;
    }
    snprintf(w->names[w->n_names++], sizeof w->names[0], "%s", buf);
    return buf;
}

static hid_t node(nirw *w, const char *name, const char *type)
{
    if (w->bad) return -1;
    hid_t g = H5Gcreate2(w->nodes, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) { w->bad = 1; return -1; }
    put_str(w, g, "type", type);
    return g;
}

/* An Input or Output node of n channels: a type and a shape, nothing else. */
static void io_node(nirw *w, const char *name, const char *type, int64_t n)
{
    hid_t g = node(w, name, type);
    put_shape(w, g, n);
    if (g >= 0) H5Gclose(g);
}

static void edge(nirw *w, const char *a, const char *b)
{
    if (w->ne == w->cap_e) {
        int cap = w->cap_e ? 2 * w->cap_e : 64;
        void *x = realloc(w->edges, (size_t)cap * sizeof *w->edges);
        if (!x) { w->bad = 1; return; }
        w->edges = x;
        w->cap_e = cap;
    }
    snprintf(w->edges[w->ne][0], sizeof w->edges[0][0], "%s", a);
    snprintf(w->edges[w->ne][1], sizeof w->edges[0][0], "%s", b);
    w->ne++;
}

static void put_edges(nirw *w, hid_t g)
{
    if (w->bad) return;
    hsize_t dims[2] = {(hsize_t)w->ne, 2};
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t s = H5Screate_simple(2, dims, NULL);
    const char **p = malloc((size_t)(2 * w->ne + 1) * sizeof *p);
    for (int e = 0; p && e < w->ne; e++) {
        p[2 * e] = w->edges[e][0];
        p[2 * e + 1] = w->edges[e][1];
    }
    hid_t d = p ? H5Dcreate2(g, "edges", t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    if (d < 0 || (w->ne && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, p) < 0)) w->bad = 1;
    if (d >= 0) H5Dclose(d);
    free(p);
    H5Sclose(s);
    H5Tclose(t);
}

/* float32 weight matrix (rows x cols), written in row blocks (chunked, gzip)
 * so that no more than one block is ever in memory. fill(ctx, r0, r1, buf)
 * writes rows r0..r1-1 into the zeroed buf. */
typedef void (*row_fill)(void *ctx, int64_t r0, int64_t r1, float *buf);

static void put_matrix(nirw *w, hid_t loc, int64_t rows, int64_t cols, row_fill fill, void *ctx)
{
    if (w->bad) return;
    hsize_t dims[2] = {(hsize_t)rows, (hsize_t)cols};
    int64_t blk = cols > 0 ? 262144 / cols : rows;
    if (blk < 1) blk = 1;
    if (blk > rows) blk = rows;
    hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
    if (rows > 0 && cols > 0 && rows * cols > 4096 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
        hsize_t ch[2] = {(hsize_t)blk, (hsize_t)cols};
        H5Pset_chunk(pl, 2, ch);
        H5Pset_deflate(pl, 4);
    }
    hid_t s = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(loc, "weight", H5T_IEEE_F32LE, s, H5P_DEFAULT, pl, H5P_DEFAULT);
    float *buf = calloc((size_t)(blk > 0 ? blk : 1) * (size_t)(cols > 0 ? cols : 1), sizeof *buf);
    if (d < 0 || !buf) w->bad = 1;
    for (int64_t r0 = 0; !w->bad && r0 < rows; r0 += blk) {
        int64_t r1 = r0 + blk < rows ? r0 + blk : rows;
        memset(buf, 0, (size_t)((r1 - r0) * cols) * sizeof *buf);
        fill(ctx, r0, r1, buf);
        hsize_t off[2] = {(hsize_t)r0, 0}, cnt[2] = {(hsize_t)(r1 - r0), (hsize_t)cols};
        hid_t ms = H5Screate_simple(2, cnt, NULL);
        H5Sselect_hyperslab(s, H5S_SELECT_SET, off, NULL, cnt, NULL);
        if (H5Dwrite(d, H5T_NATIVE_FLOAT, ms, s, H5P_DEFAULT, buf) < 0) w->bad = 1;
        H5Sclose(ms);
    }
    free(buf);
    if (d >= 0) H5Dclose(d);
    H5Sclose(s);
    H5Pclose(pl);
}

/* ---- parameters ------------------------------------------------------------------- */

static double par_at(const ax_spec *s, int pop, const char *name, int64_t i)
{
    double v = NAN;
    ax_error e;
    if (ax_spec_param_at(s, pop, name, i, &v, &e) != AX_OK) return NAN;
    return v;
}

/* Any neuron's value of a parameter matches pred. */
static int any_neuron(const ax_spec *s, int pop, const char *name, int (*pred)(double, double), double x)
{
    for (int64_t i = 0; i < s->pops[pop].n; i++)
        if (pred(par_at(s, pop, name, i), x)) return 1;
    return 0;
}
static int gt(double a, double b) { return a > b; }
static int ne(double a, double b) { return a != b; }
static int finite_p(double a, double b) { (void)b; return isfinite(a); }

static int is_source(const ax_spec *s, int pop)
{
    const ax_model_ops *m = ax_model_find(s->pops[pop].model);
    return ax_model_is_source(m);
}

static int is_cuba(const ax_spec *s, int pop)
{
    return !strcmp(s->pops[pop].model, "iaf_psc_exp") || !strcmp(s->pops[pop].model, "iaf_psc_alpha");
}

/* v_leak of neuron i: E_L + I_e tau_m / C_m (the resting potential). */
static double v_leak(const ax_spec *s, int pop, int64_t i)
{
    double tau = par_at(s, pop, "tau_m", i);
    return par_at(s, pop, "E_L", i) + (isinf(tau) ? 0 : par_at(s, pop, "I_e", i) * tau / par_at(s, pop, "C_m", i));
}

/* What NIR cannot hold of population i: refused, or listed with --allow-approx. */
static void check_pop(nirw *w, int i)
{
    const ax_spec *s = w->s;
    const ax_pop_spec *p = &s->pops[i];
    int allow = w->o->allow_approx;
    if (is_source(s, i)) return;
    if (strcmp(p->model, "iaf_psc_delta") && !is_cuba(s, i)) {
        ax_hw_violation(0, w->approx, w->viol, "population %s: NIR has no counterpart of %s (%s); fix: "
                        "iaf_psc_delta or iaf_psc_exp, or --target spinnaker", p->name, p->model,
                        !strcmp(p->model, "iaf_cond_exp") ? "no conductance-based neuron" : "no such neuron");
        return;
    }
    if (any_neuron(s, i, "t_ref", gt, 0.0))
        ax_hw_violation(allow, w->approx, w->viol, "population %s: t_ref = %g ms has no NIR counterpart (NIR "
                        "neurons have no refractory period); exported without it (fix: t_ref: 0, or "
                        "--allow-approx)", p->name, par_at(s, i, "t_ref", 0));
    if (any_neuron(s, i, "reset", ne, 0.0))
        ax_hw_violation(allow, w->approx, w->viol, "population %s: reset: subtract; NIR neurons reset to "
                        "v_reset (fix: reset: absolute; axon run --nir-reset subtract reads it back)", p->name);
    if (ax_model_param_index(ax_model_find(p->model), "V_min") >= 0 && any_neuron(s, i, "V_min", finite_p, 0))
        ax_hw_violation(allow, w->approx, w->viol, "population %s: NIR has no lower bound V_min; exported "
                        "without it", p->name);
    if (!strcmp(p->model, "iaf_psc_delta") && any_neuron(s, i, "refractory_input", ne, 0.0))
        ax_hw_violation(allow, w->approx, w->viol, "population %s: refractory_input has no NIR counterpart",
                        p->name);
    if (!strcmp(p->model, "iaf_psc_alpha"))
        ax_hw_violation(allow, w->approx, w->viol, "population %s: NIR has no alpha-shaped synapse; exported "
                        "as CubaLIF with an exponential current of the same tau (fix: iaf_psc_exp)", p->name);
    for (int64_t j = 0; is_cuba(s, i) && j < p->n; j++)
        if (par_at(s, i, "tau_syn_in", j) != par_at(s, i, "tau_syn_ex", j)) {
            ax_hw_violation(allow, w->approx, w->viol, "population %s: NIR CubaLIF has one synaptic time "
                            "constant; tau_syn_in %g ms != tau_syn_ex %g ms (tau_syn_ex used)", p->name,
                            par_at(s, i, "tau_syn_in", j), par_at(s, i, "tau_syn_ex", j));
            break;
        }
    for (int k = 0; k < p->n_init; k++) { /* NIR has no initial state: importers start at v_leak */
        const ax_init_value *iv = &p->init[k];
        int rest = !strcmp(iv->name, "V_m") && !iv->values && iv->dist.kind == AX_DIST_CONST;
        for (int64_t j = 0; rest && j < p->n; j++) rest = iv->dist.value == v_leak(s, i, j);
        if (!strcmp(iv->name, "V_m") && iv->values) {
            rest = 1;
            for (int64_t j = 0; rest && j < p->n; j++) rest = iv->values[j] == v_leak(s, i, j);
        }
        if (!rest)
            ax_hw_violation(allow, w->approx, w->viol, "population %s: initial %s has no NIR counterpart (NIR "
                            "has no initial state; readers start at v_leak, currents at 0)", p->name, iv->name);
    }
}

/* The node of population i. */
static void write_pop(nirw *w, int i)
{
    const ax_spec *s = w->s;
    const ax_pop_spec *p = &s->pops[i];
    int64_t n = p->n;
    unique(w, p->name);
    if (is_source(s, i)) {
        hid_t g = node(w, p->name, "Input");
        put_shape(w, g, n);
        if (g >= 0) H5Gclose(g);
        ax_sbuf_printf(w->report, "  %s: Input (spike_source_array, %lld channels; spike times in inputs.json)\n",
                       p->name, (long long)n);
        return;
    }
    int cuba = is_cuba(s, i), inf = !cuba && isinf(par_at(s, i, "tau_m", 0));
    for (int64_t j = 1; !cuba && j < n; j++)
        if (isinf(par_at(s, i, "tau_m", j)) != inf) {
            ax_hw_violation(0, w->approx, w->viol, "population %s: tau_m is inf for some neurons only; NIR node "
                            "types are per node (IF vs LIF); fix: split the population", p->name);
            return;
        }
    const char *type = cuba ? "CubaLIF" : inf ? "IF" : "LIF";
    double *a[7];
    for (int k = 0; k < 7; k++) a[k] = malloc((size_t)n * sizeof *a[k]);
    for (int k = 0; k < 7; k++)
        if (!a[k]) w->bad = 1;
    for (int64_t j = 0; !w->bad && j < n; j++) {
        double tau = par_at(s, i, "tau_m", j) / 1000.0, cm = par_at(s, i, "C_m", j);
        double ts = cuba ? par_at(s, i, "tau_syn_ex", j) / 1000.0 : 0;
        a[0][j] = tau;                                           /* tau / tau_mem (s) */
        a[1][j] = cuba ? 1000.0 * tau / cm : inf ? 1.0 : tau;    /* r */
        a[2][j] = v_leak(s, i, j);
        a[3][j] = par_at(s, i, "V_th", j);
        a[4][j] = par_at(s, i, "V_reset", j);
        a[5][j] = ts;                                            /* tau_syn (s) */
        a[6][j] = ts;                                            /* w_in = tau_syn */
    }
    hid_t g = node(w, p->name, type);
    if (!inf) put_f64(w, g, cuba ? "tau_mem" : "tau", a[0], (hsize_t)n);
    put_f64(w, g, "r", a[1], (hsize_t)n);
    if (!inf) put_f64(w, g, "v_leak", a[2], (hsize_t)n);
    put_f64(w, g, "v_threshold", a[3], (hsize_t)n);
    put_f64(w, g, "v_reset", a[4], (hsize_t)n);
    if (cuba) {
        put_f64(w, g, "tau_syn", a[5], (hsize_t)n);
        put_f64(w, g, "w_in", a[6], (hsize_t)n);
    }
    if (g >= 0) H5Gclose(g);
    for (int k = 0; k < 7; k++) free(a[k]);
    ax_sbuf_printf(w->report, "  %s: %s (%s, %lld neurons)\n", p->name, type, p->model, (long long)n);
    if (!inf) return;
    /* an IF node has no leak term to fold I_e into: a bias on a silent input */
    int ie = 0;
    for (int64_t j = 0; j < n; j++) ie |= par_at(s, i, "I_e", j) != 0;
    if (!ie) return;
    char base[AX_NAME_MAX + 8];
    snprintf(base, sizeof base, "%s_bias", p->name);
    char in[AX_NAME_MAX + 24], aff[AX_NAME_MAX + 24];
    snprintf(in, sizeof in, "%s", unique(w, base));
    snprintf(base, sizeof base, "%s_bias_fc", p->name);
    snprintf(aff, sizeof aff, "%s", unique(w, base));
    io_node(w, in, "Input", 1);
    g = node(w, aff, "Affine");
    double *b = malloc((size_t)n * sizeof *b);
    if (!b) w->bad = 1;
    for (int64_t j = 0; b && j < n; j++) b[j] = 1000.0 * par_at(s, i, "I_e", j) / par_at(s, i, "C_m", j);
    if (b) put_f64(w, g, "bias", b, (hsize_t)n);
    free(b);
    hsize_t dims[2] = {(hsize_t)n, 1};
    if (!w->bad) {
        double *z = calloc((size_t)n, sizeof *z);
        hid_t sp = H5Screate_simple(2, dims, NULL);
        hid_t d = z ? H5Dcreate2(g, "weight", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
        if (d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, z) < 0) w->bad = 1;
        if (d >= 0) H5Dclose(d);
        H5Sclose(sp);
        free(z);
    }
    if (g >= 0) H5Gclose(g);
    edge(w, in, aff);
    edge(w, aff, p->name);
    ax_sbuf_printf(&w->json, "%s\n    \"%s\": {\"model\": \"none\", \"population\": \"%s\", \"note\": \"carries "
                   "I_e as the bias of %s; needs no drive\"}", w->n_json++ ? "," : "", in, p->name, aff);
}

/* ---- projections ------------------------------------------------------------------- */

typedef struct pfill {
    const ax_hw_edges *e;
    const int64_t *by_tgt;  /* synapse indices sorted by target (fixed_outdegree makes them by source) */
    int64_t s_first, t_first, ns;
    int32_t d;              /* the delay class (steps) */
    int64_t k;              /* next in by_tgt */
    int bad;
} pfill;

static void fill_proj(void *ctx, int64_t r0, int64_t r1, float *buf)
{
    pfill *f = ctx;
    double *acc = calloc((size_t)((r1 - r0) * f->ns), sizeof *acc); /* sum multapses in double */
    if (!acc) {
        f->bad = 1;
        return;
    }
    for (; f->k < f->e->n && f->e->tgt[f->by_tgt[f->k]] - f->t_first < r1; f->k++) {
        int64_t q = f->by_tgt[f->k];
        if (f->e->d[q] == f->d)
            acc[(f->e->tgt[q] - f->t_first - r0) * f->ns + (f->e->src[q] - f->s_first)] += f->e->w[q];
    }
    for (int64_t q = 0; q < (r1 - r0) * f->ns; q++) buf[q] = (float)acc[q];
    free(acc);
}

/* Synapse indices sorted by target, stably (counting sort); NULL on ENOMEM. */
static int64_t *sort_by_target(const ax_hw_edges *e, int64_t t_first, int64_t nt)
{
    int64_t *cnt = calloc((size_t)nt + 1, sizeof *cnt), *idx = malloc((size_t)(e->n ? e->n : 1) * sizeof *idx);
    if (!cnt || !idx) {
        free(cnt);
        free(idx);
        return NULL;
    }
    for (int64_t k = 0; k < e->n; k++) cnt[e->tgt[k] - t_first + 1]++;
    for (int64_t t = 0; t < nt; t++) cnt[t + 1] += cnt[t];
    for (int64_t k = 0; k < e->n; k++) idx[cnt[e->tgt[k] - t_first]++] = k;
    free(cnt);
    return idx;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The distinct delays (steps) of a synapse list, sorted; -1 if more than max. */
static int delay_classes(const ax_hw_edges *e, int32_t *cls, int max)
{
    int n = 0;
    for (int64_t k = 0; k < e->n; k++) {
        int found = 0;
        for (int q = 0; q < n && !found; q++) found = cls[q] == e->d[k];
        if (found) continue;
        if (n == max) return -1;
        cls[n++] = e->d[k];
    }
    qsort(cls, (size_t)n, sizeof *cls, cmp_i32);
    return n;
}

static void delay_node(nirw *w, const char *name, double sec, int64_t n)
{
    hid_t g = node(w, name, "Delay");
    put_fill(w, g, "delay", sec, n);
    if (g >= 0) H5Gclose(g);
}

static void write_proj(nirw *w, const ax_hw_net *net, int i)
{
    const ax_spec *s = w->s;
    const ax_proj_spec *p = &s->proj[i];
    const ax_hw_edges *e = &net->proj[i];
    int64_t ns = s->pops[p->src].n, nt = s->pops[p->tgt].n;
    const char *src = s->pops[p->src].name, *tgt = s->pops[p->tgt].name;
    if (ns * nt > NIR_MAX_DENSE) {
        ax_hw_violation(0, w->approx, w->viol, "projection %d (%s -> %s): NIR 1.0.7 has no sparse connectivity, "
                        "and a dense Affine matrix of %lld x %lld = %.3g entries (%.0f MiB of float32) exceeds the "
                        "%lld entries axon writes; fix: export a smaller network", i, src, tgt, (long long)nt,
                        (long long)ns, (double)ns * (double)nt, (double)ns * (double)nt * 4.0 / 1048576.0,
                        (long long)NIR_MAX_DENSE);
        return;
    }
    int32_t cls[NIR_MAX_CLASSES];
    int nc = delay_classes(e, cls, NIR_MAX_CLASSES);
    if (nc < 0) {
        ax_hw_violation(0, w->approx, w->viol, "projection %d (%s -> %s): more than %d distinct delays; NIR "
                        "delays are per channel, so axon writes one Affine + Delay pair per delay; fix: fewer "
                        "distinct delays", i, src, tgt, NIR_MAX_CLASSES);
        return;
    }
    int64_t *by_tgt = sort_by_target(e, s->pops[p->tgt].first_gid, nt);
    if (!by_tgt) w->bad = 1;
    for (int q = 0; q < nc && !w->bad; q++) {
        char base[64], aff[AX_NAME_MAX + 24], dl[AX_NAME_MAX + 24];
        if (nc == 1) snprintf(base, sizeof base, "proj%d", i);
        else snprintf(base, sizeof base, "proj%d_d%d", i, q);
        snprintf(aff, sizeof aff, "%s", unique(w, base));
        snprintf(base + strlen(base), sizeof base - strlen(base), "_delay");
        snprintf(dl, sizeof dl, "%s", unique(w, base));
        hid_t g = node(w, aff, "Affine");
        pfill f = {e, by_tgt, s->pops[p->src].first_gid, s->pops[p->tgt].first_gid, ns, cls[q], 0, 0};
        put_matrix(w, g, nt, ns, fill_proj, &f);
        if (f.bad) w->bad = 1;
        put_fill(w, g, "bias", 0.0, nt);
        if (g >= 0) H5Gclose(g);
        delay_node(w, dl, cls[q] * s->sim.resolution / 1000.0, nt);
        edge(w, src, aff);
        edge(w, aff, dl);
        edge(w, dl, tgt);
    }
    free(by_tgt);
    ax_sbuf_printf(w->report, "  projection %d (%s -> %s): %lld synapses in %d Affine + Delay pair%s\n", i, src, tgt,
                   (long long)e->n, nc, nc == 1 ? "" : "s");
}

/* ---- devices ------------------------------------------------------------------------- */

/* NIR value of a constant drive of a pA into population pop's neuron j
 * (the Affine weight from a unit Input), see the header. */
static double dc_value(const ax_spec *s, int pop, int64_t j, double a)
{
    if (is_cuba(s, pop)) return a / (par_at(s, pop, "tau_syn_ex", j) / 1000.0); /* I -> w_in u = a */
    return 1000.0 * a / par_at(s, pop, "C_m", j);                             /* r u / tau = a / C_m */
}

typedef struct colfill {
    const ax_spec *s;
    int pop;
    int64_t first, count, cols;
    int diag;           /* 1: entry (first + c, c); 0: column 0 on rows first.. */
    double w, amp;      /* weight, or dc amplitude (amp != 0: per-row dc value) */
} colfill;

static void fill_col(void *ctx, int64_t r0, int64_t r1, float *buf)
{
    const colfill *f = ctx;
    for (int64_t r = r0; r < r1; r++) {
        if (r < f->first || r >= f->first + f->count) continue;
        double v = f->amp != 0 ? dc_value(f->s, f->pop, r, f->amp) : f->w;
        buf[(r - r0) * f->cols + (f->diag ? r - f->first : 0)] = (float)v;
    }
}

static void json_common(nirw *w, const char *name, const ax_dev_spec *d, const ax_dev_target *t)
{
    const ax_spec *s = w->s;
    ax_sbuf_printf(&w->json, "%s\n    \"%s\": {\"device\": \"%s\", \"population\": \"%s\", \"neurons\": [%lld, "
                   "%lld], \"start_ms\": %.17g, \"stop_ms\": ", w->n_json++ ? "," : "", name, d->name,
                   s->pops[t->pop].name, (long long)t->first, (long long)t->count, d->start);
    if (isinf(d->stop)) ax_sbuf_printf(&w->json, "null");
    else ax_sbuf_printf(&w->json, "%.17g", d->stop);
}

static void write_dev_target(nirw *w, int dv, int ti)
{
    const ax_spec *s = w->s;
    const ax_dev_spec *d = &s->dev[dv];
    const ax_dev_target *t = &d->targets[ti];
    const char *pname = s->pops[t->pop].name;
    int64_t n = s->pops[t->pop].n;
    int allow = w->o->allow_approx;
    char base[2 * AX_NAME_MAX + 8], in[AX_NAME_MAX + 24], mid[AX_NAME_MAX + 24], dl[AX_NAME_MAX + 24];
    snprintf(base, sizeof base, "%s_%s", d->name, pname);
    snprintf(in, sizeof in, "%s", unique(w, base));
    int whole = t->first == 0 && t->count == n;
    int64_t chans = d->kind == AX_DEV_POISSON ? t->count : 1;
    io_node(w, in, "Input", chans);
    snprintf(base, sizeof base, "%s_%s_%s", d->name, pname, d->kind == AX_DEV_POISSON && whole ? "w" : "fc");
    snprintf(mid, sizeof mid, "%s", unique(w, base));
    hid_t g;
    if (d->kind == AX_DEV_POISSON && whole) { /* channel j drives neuron j: a Scale stays O(n) */
        g = node(w, mid, "Scale");
        put_fill(w, g, "scale", d->weight, n);
    } else {
        g = node(w, mid, "Affine");
        colfill f = {s, t->pop, t->first, t->count, chans, d->kind == AX_DEV_POISSON, d->weight,
                     d->kind == AX_DEV_DC ? d->amplitude : 0};
        if (d->kind == AX_DEV_DC && d->amplitude == 0) f.w = 0;
        put_matrix(w, g, n, chans, fill_col, &f);
        put_fill(w, g, "bias", 0.0, n);
    }
    if (g >= 0) H5Gclose(g);
    edge(w, in, mid);
    if (d->kind == AX_DEV_DC) {
        edge(w, mid, pname);
        if (d->start > 0 || isfinite(d->stop))
            ax_hw_violation(allow, w->approx, w->viol, "dc_generator %s: NIR has no time window; inputs.json gives "
                            "start_ms/stop_ms, the graph drives it as a constant from t = 0", d->name);
        if (is_cuba(s, t->pop))
            ax_hw_violation(allow, w->approx, w->viol, "dc_generator %s: a CubaLIF (%s) takes input only through "
                            "its synapse, so the constant current is filtered by tau_syn", d->name, pname);
        json_common(w, in, d, t);
        ax_sbuf_printf(&w->json, ", \"model\": \"dc_generator\", \"amplitude_pA\": %.17g, \"value\": 1.0, "
                       "\"axon_run\": \"--nir-input %s=const:1\"}", d->amplitude, in);
        return;
    }
    snprintf(base, sizeof base, "%s_%s_delay", d->name, pname);
    snprintf(dl, sizeof dl, "%s", unique(w, base));
    delay_node(w, dl, d->delay / 1000.0, n);
    edge(w, mid, dl);
    edge(w, dl, pname);
    json_common(w, in, d, t);
    if (d->kind == AX_DEV_POISSON) {
        if (d->start > 0 || isfinite(d->stop))
            ax_hw_violation(allow, w->approx, w->viol, "poisson_generator %s: NIR has no time window; inputs.json "
                            "gives start_ms/stop_ms", d->name);
        ax_sbuf_printf(&w->json, ", \"model\": \"poisson_generator\", \"rate_hz\": %.17g, \"channels\": \"one "
                       "independent train per target neuron\", \"axon_run\": \"--nir-input %s=poisson:%.17g\"}",
                       d->rate, in, d->rate);
        return;
    }
    ax_sbuf_printf(&w->json, ", \"model\": \"spike_generator\", \"spike_times_ms\": [");
    for (int64_t k = 0; k < d->n_times; k++)
        ax_sbuf_printf(&w->json, "%s%.17g", k ? ", " : "", d->spike_times[k]);
    ax_sbuf_printf(&w->json, "]}");
}

static void write_devices(nirw *w)
{
    const ax_spec *s = w->s;
    for (int dv = 0; dv < s->n_dev; dv++) {
        const ax_dev_spec *d = &s->dev[dv];
        for (int t = 0; t < d->n_targets && !w->bad; t++) {
            const ax_pop_spec *p = &s->pops[d->targets[t].pop];
            if (d->kind <= AX_DEV_SPIKE_GEN) {
                write_dev_target(w, dv, t);
            } else if (d->kind == AX_DEV_SPIKE_REC) {
                char base[2 * AX_NAME_MAX + 8], out[AX_NAME_MAX + 24];
                snprintf(base, sizeof base, "%s_%s", d->name, p->name);
                snprintf(out, sizeof out, "%s", unique(w, base));
                io_node(w, out, "Output", p->n);
                edge(w, p->name, out);
                ax_sbuf_printf(w->report, "  spike_recorder %s: Output %s (%s%s)\n", d->name, out, p->name,
                               d->targets[t].count < p->n ? "; the recorder covers part of it, the Output all" : "");
            } else {
                ax_sbuf_printf(w->report, "  multimeter %s on %s: not exported (NIR Outputs carry a node's output, "
                               "spikes; a neuron's state cannot be read out)\n", d->name, p->name);
            }
        }
    }
}

/* Silent ports so that nir's type inference has a start and an end. */
static void ports(nirw *w)
{
    const ax_spec *s = w->s;
    int any_in = 0, any_out = 0;
    for (int i = 0; i < w->n_names; i++) {
        hid_t g = H5Gopen2(w->nodes, w->names[i], H5P_DEFAULT);
        char *t = g >= 0 ? ax_nir_str(g, "type") : NULL;
        any_in |= t && !strcmp(t, "Input");
        any_out |= t && !strcmp(t, "Output");
        free(t);
        if (g >= 0) H5Gclose(g);
    }
    for (int p = 0; p < s->n_pops && !w->bad; p++) {
        if (is_source(s, p)) continue;
        char base[AX_NAME_MAX + 8], nm[AX_NAME_MAX + 24];
        if (!any_in) {
            snprintf(base, sizeof base, "%s_in", s->pops[p].name);
            snprintf(nm, sizeof nm, "%s", unique(w, base));
            io_node(w, nm, "Input", s->pops[p].n);
            edge(w, nm, s->pops[p].name);
            ax_sbuf_printf(&w->json, "%s\n    \"%s\": {\"model\": \"none\", \"population\": \"%s\", \"note\": "
                           "\"a silent port (the network has no input)\"}", w->n_json++ ? "," : "", nm,
                           s->pops[p].name);
        }
        if (!any_out) {
            snprintf(base, sizeof base, "%s_out", s->pops[p].name);
            snprintf(nm, sizeof nm, "%s", unique(w, base));
            io_node(w, nm, "Output", s->pops[p].n);
            edge(w, s->pops[p].name, nm);
        }
    }
}

static void write_sources_json(nirw *w)
{
    const ax_spec *s = w->s;
    for (int i = 0; i < s->n_pops; i++) {
        const ax_pop_spec *p = &s->pops[i];
        if (!is_source(s, i)) continue;
        ax_sbuf_printf(&w->json, "%s\n    \"%s\": {\"model\": \"spike_source_array\", \"population\": \"%s\", "
                       "\"spike_times_ms\": [", w->n_json++ ? "," : "", p->name, p->name);
        for (int64_t j = 0; j < p->n; j++) {
            ax_sbuf_printf(&w->json, "%s[", j ? ", " : "");
            for (int64_t k = p->times_off[j]; k < p->times_off[j + 1]; k++)
                ax_sbuf_printf(&w->json, "%s%.17g", k > p->times_off[j] ? ", " : "", p->times[k]);
            ax_sbuf_printf(&w->json, "]");
        }
        ax_sbuf_printf(&w->json, "]}");
    }
}

static void write_meta(nirw *w, hid_t top, const char *yaml)
{
    hid_t m = H5Gcreate2(top, "metadata", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (m < 0) { w->bad = 1; return; }
    double dt = w->s->sim.resolution / 1000.0;
    put_str(w, m, "time_unit", "s");
    put_f64(w, m, "dt", &dt, 0);
    put_str(w, m, "voltage_unit", "mV");
    put_str(w, m, "current_unit", "pA");
    put_str(w, m, "spikes", "Dirac pulses of integral 1 s (NIR's definition); weights in mV (LIF, IF) or pA "
            "(CubaLIF) per spike");
    put_str(w, m, "inputs", "inputs.json: what drives each Input node");
    put_str(w, m, "producer", "axon " PACKAGE_VERSION);
    put_str(w, m, "axon_spec", yaml);
    H5Gclose(m);
}

static ax_status write_json(nirw *w, const char *dir, ax_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/inputs.json", dir);
    FILE *f = fopen(path, "w");
    AX_CHECK(f, err, AX_EIO, "%s: cannot write", path);
    fprintf(f, "{\"format\": \"axon-nir-inputs 1\", \"time_unit\": \"ms\",\n \"note\": \"what drives each Input node "
            "of network.nir; 'axon_run' is the matching axon run option (the graph's times are in s)\",\n "
            "\"inputs\": {%s\n }}\n", w->json.s ? w->json.s : "");
    AX_CHECK(fclose(f) == 0 && !w->json.oom, err, AX_EIO, "%s: write failed", path);
    return AX_OK;
}

ax_status ax_export_nir(const ax_spec *spec, const ax_hw_net *net, const ax_export_opts *o, const char *dir,
                        ax_sbuf *report, ax_sbuf *approx, ax_error *err)
{
    ax_sbuf viol = {0};
    nirw w = {.s = spec, .o = o, .approx = approx, .viol = &viol, .report = report};
    char *yaml = NULL;
    ax_status st = ax_spec_to_yaml(spec, &yaml, err);
    for (int i = 0; st == AX_OK && i < spec->n_pops; i++) check_pop(&w, i);
    char path[4200];
    snprintf(path, sizeof path, "%s/network.nir", dir);
    if (st == AX_OK && !viol.len) {
        ax_sbuf_printf(report, "NIR graph network.nir (nir 1.0.7 layout; times in s, dt = %g ms); nodes:\n",
                       spec->sim.resolution);
        w.f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        if (w.f < 0) st = AX_FAIL(err, AX_EIO, "%s: cannot create the NIR file", path);
    }
    if (st == AX_OK && w.f > 0) {
        put_str(&w, w.f, "version", "1.0.7");
        hid_t top = H5Gcreate2(w.f, "node", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        w.nodes = top >= 0 ? H5Gcreate2(top, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
        if (w.nodes < 0) w.bad = 1;
        put_str(&w, top, "type", "NIRGraph");
        for (int i = 0; i < spec->n_pops && !w.bad; i++) write_pop(&w, i);
        for (int i = 0; i < spec->n_proj && !w.bad && !viol.len; i++) write_proj(&w, net, i);
        write_sources_json(&w);
        if (!viol.len) write_devices(&w);
        if (!viol.len) ports(&w);
        put_edges(&w, top);
        if (top >= 0) write_meta(&w, top, yaml);
        if (w.nodes >= 0) H5Gclose(w.nodes);
        if (top >= 0) H5Gclose(top);
        if (H5Fclose(w.f) < 0) w.bad = 1;
    }
    if (st == AX_OK && viol.len)
        st = AX_FAIL(err, AX_EINPUT, "NIR export: what NIR cannot hold (--allow-approx exports what can be "
                     "approximated and lists it):\n%s", viol.s);
    else if (st == AX_OK && w.bad) st = AX_FAIL(err, AX_EIO, "%s: HDF5 write failed", path);
    if (st == AX_OK) st = write_json(&w, dir, err);
    if (st == AX_OK)
        ax_sbuf_printf(report, "  inputs.json: how to drive each of the %d Input node(s)\n", w.n_json);
    ax_sbuf_free(&viol);
    ax_sbuf_free(&w.json);
    free(w.names);
    free(w.edges);
    free(yaml);
    return st;
}
