/* nir_read.c - ax_nir_load: a NIR graph into a validated axon spec.
 *
 * Semantics (docs/export.md "NIR"): the graph alone defines the network;
 * NIR's continuous-time equations with spikes as Dirac pulses of integral
 * `spike_area` (graph time units; 1 by default) are integrated exactly on
 * axon's grid; graph times are in `time_unit` (metadata, option, else s).
 *
 * Node roles: LIF / IF / CubaLIF (and a CubaIF, should a future nir write
 * one) are populations; Affine, Linear, Scale, Delay, Flatten and the
 * Input/Output nodes inside subgraphs are linear maps, composed along every
 * path from a spike source (a neuron node, or a top-level Input driven by
 * spikes) to a neuron node into explicit connections (rule from_list, per
 * connection weight and delay); Affine biases and constant-driven Inputs
 * are pushed along the same paths into constant drives (I_e); a Threshold
 * right after a spike source passes or blocks its 0/1 events. Top-level
 * Output nodes say which populations are recorded. Anything else is refused
 * naming the node.
 *
 * Mapping, per neuron (U = ms per graph time unit, A = spike area, C_m = 1 pF
 * so that a drive needs no capacitance of the graph):
 *   LIF     -> iaf_psc_delta tau_m = U tau, E_L = v_leak, V_th, V_reset,
 *              weight = r W A / tau (mV), I_e = r u / tau_m
 *   IF      -> iaf_psc_delta tau_m = inf, E_L = 0, weight = r W A, I_e = r u / U
 *   CubaLIF -> iaf_psc_exp tau_m = U tau_mem, tau_syn_ex = tau_syn_in = U tau_syn,
 *              axon's current = (r / tau_m) x NIR's current, so
 *              weight = (r / tau_m) w_in W A / tau_syn (pA), I_e = (r / tau_m) w_in u,
 *              initial I_syn_ex = -I_e (NIR's current starts at 0 and rises
 *              with tau_syn towards w_in u: exact)
 *   t_ref = 0; initial v = v_leak (IF: 0), currents 0.
 * Delays: U d ms on the grid; a neuron-to-neuron path without a Delay takes
 * one step; an Input spike at t is emitted by its source at t - h and
 * arrives at t (+ the path's delay).
 *
 * A graph axon wrote (metadata axon_spec) is exported again from that spec
 * into a temporary file; if its nodes and edges are what the graph holds,
 * the spec is returned as is (exact round trip: rules, devices, t_ref, seed).
 */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axon/free_all.h"
#include "axon/rng.h"
#include "axon/sbuf.h"
#include "export_impl.h"

#define NIR_MAX_ENTRIES (1LL << 27) /* composed connections of one graph */

enum { K_LIF = 0, K_IF, K_CUBALIF, K_CUBAIF };
enum { R_BAD = 0, R_NEURON, R_LINEAR, R_IN, R_OUT };

/* A neuron node as a population; per-neuron values in axon units. */
typedef struct npop {
    int node, kind;
    char name[AX_NAME_MAX];
    int64_t n;
    double *tau_m, *tau_s, *v_leak, *v_th, *v_reset; /* ms, mV-like units of the graph */
    double *wf;      /* axon weight = wf * NIR weight (A included) */
    double *df;      /* I_e = df * constant drive u */
    double *u;       /* constant drive (sum of biases and const inputs reaching it) */
    int recorded;
} npop;

/* A top-level Input node driven by spikes (a spike_source_array). */
typedef struct nsrc {
    int node, input;       /* graph node, index into o->inputs */
    char name[AX_NAME_MAX];
    int64_t n;
    int64_t *off;          /* [n + 1] */
    double *t;             /* stamps (ms) = input time - h */
    int recorded;
} nsrc;

/* One composed connection: target row, source channel, weight, delay (graph units). */
typedef struct ent {
    int64_t row, col;
    double w, d;
    int dn;          /* the last Delay node on its path (for messages), -1: none */
} ent;

/* The signal of one source after some linear nodes: entries, row count,
 * whether nothing but identities was applied yet, the last Delay passed. */
typedef struct tr {
    ent *e;
    int64_t n, cap, rows;
    int pristine, dnode;
} tr;

typedef struct conns {
    ent *e;
    int64_t n, cap;
} conns;

typedef struct ctx {
    ax_nir_graph *g;
    const ax_nir_opts *o;
    double U, A, h;
    int *role;
    int **succ, *n_succ;
    int *on_stack;
    npop *pop;
    int np;
    int *pop_of;           /* node -> population index or -1 */
    nsrc *src;
    int ns;
    int *src_of;           /* node -> spike source index or -1 */
    conns *cn;             /* [(np + ns) * np]: source s -> population p */
    int64_t total;
    ax_sbuf notes;
    ax_error *err;
} ctx;

/* ---- small helpers ----------------------------------------------------------- */

static int role_of(const ax_nir_node *nd)
{
    const char *t = nd->type;
    if (!strcmp(t, "LIF") || !strcmp(t, "IF") || !strcmp(t, "CubaLIF") || !strcmp(t, "CubaIF")) return R_NEURON;
    if (!strcmp(t, "Input")) return nd->top ? R_IN : R_LINEAR;
    if (!strcmp(t, "Output")) return nd->top ? R_OUT : R_LINEAR;
    if (!strcmp(t, "Affine") || !strcmp(t, "Linear") || !strcmp(t, "Scale") || !strcmp(t, "Delay") ||
        !strcmp(t, "Flatten") || !strcmp(t, "Identity") || !strcmp(t, "Threshold"))
        return R_LINEAR;
    return R_BAD;
}

/* An axon population name from a node path: characters outside
 * [A-Za-z0-9_-] become '_', and '_' goes first unless it starts with a
 * letter or '_'. */
static int sanitize(const char *path, char *out, size_t cap)
{
    size_t k = 0;
    int letter = (path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z') || path[0] == '_';
    if (!letter && k + 1 < cap) out[k++] = '_';
    for (const char *p = path; *p && k + 1 < cap; p++) {
        int ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                 *p == '_' || *p == '-';
        out[k++] = ok ? *p : '_';
    }
    out[k] = 0;
    return strlen(path) + !letter < cap ? 0 : -1;
}

static hid_t open_node(const ctx *c, int node)
{
    return H5Gopen2(c->g->f, c->g->node[node].h5, H5P_DEFAULT);
}

/* A parameter of n values (or one, broadcast); *have = 0 when absent and
 * def is used. */
static ax_status param(ctx *c, hid_t grp, int node, const char *name, int64_t n, double def, int required,
                       double **out)
{
    ax_nir_array a;
    int rc = ax_nir_arr(grp, name, &a);
    const char *nn = c->g->node[node].name;
    *out = malloc((size_t)(n ? n : 1) * sizeof **out);
    if (!*out) {
        ax_nir_arr_free(&a);
        return AX_FAIL(c->err, AX_ENOMEM, "out of memory reading NIR node '%s'", nn);
    }
    if (rc == 0 && required)
        return AX_FAIL(c->err, AX_EINPUT, "NIR node '%s' (%s): parameter %s is missing", nn, c->g->node[node].type, name);
    if (rc < 0)
        return AX_FAIL(c->err, AX_EINPUT, "NIR node '%s' (%s): parameter %s is not numeric", nn,
                       c->g->node[node].type, name);
    if (rc > 0 && a.n != n && a.n != 1) {
        int64_t m = a.n;
        ax_nir_arr_free(&a);
        return AX_FAIL(c->err, AX_EINPUT, "NIR node '%s' (%s): %s has %lld values, v_threshold %lld (one per "
                       "neuron)", nn, c->g->node[node].type, name, (long long)m, (long long)n);
    }
    for (int64_t i = 0; i < n; i++) {
        double v = rc == 0 ? def : a.v[a.n == 1 ? 0 : i];
        if (isnan(v)) {
            ax_nir_arr_free(&a);
            return AX_FAIL(c->err, AX_EINPUT, "NIR node '%s': %s[%lld] is NaN", nn, name, (long long)i);
        }
        (*out)[i] = v;
    }
    ax_nir_arr_free(&a);
    return AX_OK;
}

static void pop_free(npop *p)
{
    AX_FREE_ALL(p->tau_m, p->tau_s, p->v_leak, p->v_th, p->v_reset, p->wf, p->df, p->u);
}

/* ---- neuron nodes -------------------------------------------------------------- */

/* Check one time constant (graph units) and convert it to ms. */
static ax_status tau_ms(ctx *c, int node, const char *name, double *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        if (!(x[i] > 0) || !isfinite(x[i]))
            return AX_FAIL(c->err, AX_EINPUT, "NIR node '%s' (%s): %s[%lld] = %g must be a positive finite time",
                           c->g->node[node].name, c->g->node[node].type, name, (long long)i, x[i]);
        x[i] *= c->U;
    }
    return AX_OK;
}

static ax_status read_neuron(ctx *c, int node, npop *p)
{
    const ax_nir_node *nd = &c->g->node[node];
    p->node = node;
    p->kind = !strcmp(nd->type, "LIF") ? K_LIF : !strcmp(nd->type, "IF") ? K_IF
              : !strcmp(nd->type, "CubaLIF") ? K_CUBALIF : K_CUBAIF;
    AX_CHECK(!sanitize(nd->name, p->name, sizeof p->name), c->err, AX_EINPUT,
             "NIR node '%s': name longer than %d characters", nd->name, AX_NAME_MAX - 2);
    hid_t g = open_node(c, node);
    AX_CHECK(g >= 0, c->err, AX_EINPUT, "NIR node '%s': cannot open", nd->name);
    ax_nir_array th;
    int rc = ax_nir_arr(g, "v_threshold", &th);
    p->n = th.n;
    ax_nir_arr_free(&th);
    ax_status st = rc > 0 && p->n > 0 ? AX_OK
                   : AX_FAIL(c->err, AX_EINPUT, "NIR node '%s' (%s): needs a numeric v_threshold with at least "
                             "one value", nd->name, nd->type);
    int64_t n = p->n;
    double *r = NULL, *w_in = NULL, *tm = NULL, *ts = NULL;
    int cuba = p->kind == K_CUBALIF || p->kind == K_CUBAIF, leak = p->kind == K_LIF || p->kind == K_CUBALIF;
    if (st == AX_OK) st = param(c, g, node, "v_threshold", n, 0, 1, &p->v_th);
    if (st == AX_OK) st = param(c, g, node, "v_reset", n, 0.0, 0, &p->v_reset);
    if (st == AX_OK) st = param(c, g, node, "r", n, 1.0, 1, &r);
    if (st == AX_OK) st = param(c, g, node, "v_leak", n, 0.0, leak, &p->v_leak);
    if (st == AX_OK && leak) st = param(c, g, node, p->kind == K_LIF ? "tau" : "tau_mem", n, 0, 1, &tm);
    if (st == AX_OK && cuba) st = param(c, g, node, "tau_syn", n, 0, 1, &ts);
    if (st == AX_OK && cuba) st = param(c, g, node, "w_in", n, 1.0, 0, &w_in);
    H5Gclose(g);
    if (st == AX_OK && leak) { /* keep tau in graph units in tm, ms in p->tau_m */
        p->tau_m = malloc((size_t)n * sizeof *p->tau_m);
        if (!p->tau_m) st = AX_FAIL(c->err, AX_ENOMEM, "out of memory");
        else memcpy(p->tau_m, tm, (size_t)n * sizeof *tm);
        if (st == AX_OK) st = tau_ms(c, node, p->kind == K_LIF ? "tau" : "tau_mem", p->tau_m, n);
    }
    if (st == AX_OK && cuba) {
        p->tau_s = malloc((size_t)n * sizeof *p->tau_s);
        if (!p->tau_s) st = AX_FAIL(c->err, AX_ENOMEM, "out of memory");
        else memcpy(p->tau_s, ts, (size_t)n * sizeof *ts);
        if (st == AX_OK) st = tau_ms(c, node, "tau_syn", p->tau_s, n);
    }
    p->wf = malloc((size_t)n * sizeof *p->wf);
    p->df = malloc((size_t)n * sizeof *p->df);
    p->u = calloc((size_t)n, sizeof *p->u);
    if (st == AX_OK && (!p->wf || !p->df || !p->u)) st = AX_FAIL(c->err, AX_ENOMEM, "out of memory");
    for (int64_t i = 0; st == AX_OK && i < n; i++) {
        if (!isfinite(r[i]) || !isfinite(p->v_th[i]) || !isfinite(p->v_reset[i]) || !isfinite(p->v_leak[i]) ||
            (w_in && !isfinite(w_in[i])))
            st = AX_FAIL(c->err, AX_EINPUT, "NIR node '%s' (%s): neuron %lld has a non-finite parameter",
                         nd->name, nd->type, (long long)i);
        else if (!(p->v_reset[i] < p->v_th[i]))
            st = AX_FAIL(c->err, AX_EINPUT, "NIR node '%s' (%s): neuron %lld has v_reset = %g >= v_threshold = "
                         "%g; a neuron reset at or above its threshold would fire forever (nir's own tests pass "
                         "them positionally swapped: give them by name)", nd->name, nd->type, (long long)i,
                         p->v_reset[i], p->v_th[i]);
        if (st != AX_OK) break;
        double win = w_in ? w_in[i] : 1.0;
        switch (p->kind) {
        case K_LIF:
            p->wf[i] = r[i] * c->A / tm[i];
            p->df[i] = r[i] / p->tau_m[i];
            break;
        case K_IF:
            p->wf[i] = r[i] * c->A;
            p->df[i] = r[i] / c->U;
            break;
        case K_CUBALIF:
            p->wf[i] = r[i] / p->tau_m[i] * win * c->A / ts[i];
            p->df[i] = r[i] / p->tau_m[i] * win;
            break;
        default: /* CubaIF: no leak, dv/dt = r I */
            p->wf[i] = r[i] / c->U * win * c->A / ts[i];
            p->df[i] = r[i] / c->U * win;
            break;
        }
    }
    AX_FREE_ALL(r, w_in, tm, ts);
    return st;
}

/* ---- composing linear paths ------------------------------------------------- */

static int ent_cmp(const void *pa, const void *pb)
{
    const ent *a = pa, *b = pb;
    if (a->row != b->row) return a->row < b->row ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    if (a->d != b->d) return a->d < b->d ? -1 : 1;
    return 0;
}

/* Sort and sum entries with the same (row, col, delay); drop zeros. */
static void ent_merge(ent *e, int64_t *n)
{
    if (*n == 0) return;
    qsort(e, (size_t)*n, sizeof *e, ent_cmp);
    int64_t k = 0;
    for (int64_t i = 0; i < *n; i++) {
        if (k && e[k - 1].row == e[i].row && e[k - 1].col == e[i].col && e[k - 1].d == e[i].d) e[k - 1].w += e[i].w;
        else e[k++] = e[i];
    }
    int64_t m = 0;
    for (int64_t i = 0; i < k; i++)
        if (e[i].w != 0) e[m++] = e[i];
    *n = m;
}

static int ent_push(ent **e, int64_t *n, int64_t *cap, ent x)
{
    if (*n == *cap) {
        int64_t nc = *cap ? 2 * *cap : 256;
        ent *y = realloc(*e, (size_t)nc * sizeof *y);
        if (!y) return -1;
        *e = y;
        *cap = nc;
    }
    (*e)[(*n)++] = x;
    return 0;
}

static ax_status shape_err(ctx *c, int from, int node, int64_t have, int64_t want)
{
    return AX_FAIL(c->err, AX_EINPUT, "NIR node '%s' (%s) gets %lld channels from '%s' but takes %lld",
                   c->g->node[node].name, c->g->node[node].type, (long long)have, c->g->node[from].name,
                   (long long)want);
}

/* Apply a linear node to a source's signal: *out is new (t kept). */
static ax_status apply(ctx *c, int from, int node, const tr *t, tr *out)
{
    const char *ty = c->g->node[node].type;
    *out = (tr){.rows = t->rows, .pristine = t->pristine, .dnode = t->dnode};
    hid_t g = open_node(c, node);
    AX_CHECK(g >= 0, c->err, AX_EINPUT, "NIR node '%s': cannot open", c->g->node[node].name);
    ax_nir_array a = {0};
    ax_status st = AX_OK;
    int aff = !strcmp(ty, "Affine") || !strcmp(ty, "Linear");
    const char *key = aff ? "weight" : !strcmp(ty, "Scale") ? "scale" : !strcmp(ty, "Delay") ? "delay"
                      : !strcmp(ty, "Threshold") ? "threshold" : NULL;
    if (key && ax_nir_arr(g, key, &a) <= 0)
        st = AX_FAIL(c->err, AX_EINPUT, "NIR node '%s' (%s): numeric '%s' missing", c->g->node[node].name, ty, key);
    H5Gclose(g);
    if (st != AX_OK) return st;
    if (aff) {
        int64_t o = a.rank == 2 ? a.dim[0] : -1, in = a.rank == 2 ? a.dim[1] : -1;
        if (a.rank != 2) st = AX_FAIL(c->err, AX_EINPUT, "NIR node '%s' (%s): weight must be a matrix (out, in)",
                                      c->g->node[node].name, ty);
        else if (in != t->rows) st = shape_err(c, from, node, t->rows, in);
        out->rows = o;
        out->pristine = 0;
        for (int64_t k = 0; st == AX_OK && k < t->n; k++) {
            const ent *x = &t->e[k];
            for (int64_t i = 0; i < o; i++) {
                double w = a.v[i * in + x->row];
                if (w == 0) continue;
                if (ent_push(&out->e, &out->n, &out->cap, (ent){i, x->col, w * x->w, x->d, x->dn})) {
                    st = AX_FAIL(c->err, AX_ENOMEM, "out of memory composing NIR node '%s'", c->g->node[node].name);
                    break;
                }
            }
            if (out->n > NIR_MAX_ENTRIES)
                st = AX_FAIL(c->err, AX_EINPUT, "NIR graph: more than %lld connections from composing node '%s'",
                             (long long)NIR_MAX_ENTRIES, c->g->node[node].name);
        }
        if (st == AX_OK) ent_merge(out->e, &out->n);
        ax_nir_arr_free(&a);
        return st;
    }
    if (key && a.n != t->rows && a.n != 1) {
        ax_nir_arr_free(&a);
        return shape_err(c, from, node, t->rows, a.n);
    }
    if (!strcmp(ty, "Threshold")) {
        for (int64_t i = 0; st == AX_OK && i < a.n; i++)
            if (!t->pristine || !(a.v[i] >= 0))
                st = AX_FAIL(c->err, AX_EINPUT, "NIR node '%s' (Threshold): supported only right after a "
                             "neuron node or a spike input, with thresholds >= 0 (it then passes each 0/1 "
                             "spike when the threshold is < 1 and blocks it otherwise); here its output is a "
                             "level, not spikes", c->g->node[node].name);
    }
    out->cap = t->n ? t->n : 1;
    out->e = malloc((size_t)out->cap * sizeof *out->e);
    if (!out->e) st = AX_FAIL(c->err, AX_ENOMEM, "out of memory");
    for (int64_t k = 0; st == AX_OK && k < t->n; k++) {
        ent x = t->e[k];
        double v = key ? a.v[a.n == 1 ? 0 : x.row] : 0;
        if (!strcmp(ty, "Scale")) x.w *= v;
        else if (!strcmp(ty, "Delay")) {
            if (!(v >= 0) || !isfinite(v)) {
                st = AX_FAIL(c->err, AX_EINPUT, "NIR node '%s' (Delay): delay %g must be >= 0 and finite",
                             c->g->node[node].name, v);
                break;
            }
            x.d += v;
            x.dn = node;
        } else if (!strcmp(ty, "Threshold") && v >= 1.0) continue; /* a 0/1 spike never exceeds it */
        out->e[out->n++] = x;
    }
    if (!strcmp(ty, "Scale")) out->pristine = 0;
    if (!strcmp(ty, "Delay")) {
        out->pristine = 0;
        out->dnode = node;
    }
    ax_nir_arr_free(&a);
    return st;
}

static void tr_free(tr *t) { free(t->e); }

static ax_status walk(ctx *c, int src, int node, const tr *t, int depth);

/* Where a signal arrives: a population (connections), an Output port
 * (record the source), or a linear node (compose and go on). */
static ax_status arrive(ctx *c, int src, int from, int m, const tr *t, int depth)
{
    switch (c->role[m]) {
    case R_NEURON: {
        int p = c->pop_of[m];
        if (t->rows != c->pop[p].n) return shape_err(c, from, m, t->rows, c->pop[p].n);
        conns *cn = &c->cn[(int64_t)src * c->np + p];
        for (int64_t k = 0; k < t->n; k++)
            if (ent_push(&cn->e, &cn->n, &cn->cap, t->e[k]))
                return AX_FAIL(c->err, AX_ENOMEM, "out of memory for NIR connections");
        c->total += t->n;
        AX_CHECK(c->total <= NIR_MAX_ENTRIES, c->err, AX_EINPUT, "NIR graph: more than %lld connections",
                 (long long)NIR_MAX_ENTRIES);
        return AX_OK;
    }
    case R_OUT:
        if (src < c->np) c->pop[src].recorded = 1;
        else c->src[src - c->np].recorded = 1;
        return AX_OK;
    case R_IN:
        return AX_FAIL(c->err, AX_EINPUT, "NIR node '%s' (a top-level Input) has an incoming edge from '%s'",
                       c->g->node[m].name, c->g->node[from].name);
    default: {
        AX_CHECK(!c->on_stack[m], c->err, AX_EINPUT, "NIR node '%s' (%s) is on a cycle through linear nodes "
                 "only (no neuron on it): such a loop has no defined output", c->g->node[m].name,
                 c->g->node[m].type);
        tr t2;
        ax_status st = apply(c, from, m, t, &t2);
        if (st == AX_OK) {
            c->on_stack[m] = 1;
            st = walk(c, src, m, &t2, depth + 1);
            c->on_stack[m] = 0;
        }
        tr_free(&t2);
        return st;
    }
    }
}

static ax_status walk(ctx *c, int src, int node, const tr *t, int depth)
{
    for (int k = 0; k < c->n_succ[node]; k++)
        AX_TRY(arrive(c, src, node, c->succ[node][k], t, depth));
    return AX_OK;
}

/* A constant signal (bias or const input) from `node` on: summed into the
 * drive of every population it reaches through linear nodes. */
static ax_status cwalk(ctx *c, int node, const double *v, int64_t n)
{
    for (int k = 0; k < c->n_succ[node]; k++) {
        int m = c->succ[node][k];
        if (c->role[m] == R_NEURON) {
            npop *p = &c->pop[c->pop_of[m]];
            if (n != p->n) return shape_err(c, node, m, n, p->n);
            for (int64_t i = 0; i < n; i++) p->u[i] += v[i];
            continue;
        }
        if (c->role[m] != R_LINEAR) continue;
        AX_CHECK(!c->on_stack[m], c->err, AX_EINPUT, "NIR node '%s' (%s) is on a cycle through linear nodes "
                 "only (no neuron on it): such a loop has no defined output", c->g->node[m].name,
                 c->g->node[m].type);
        const char *ty = c->g->node[m].type;
        AX_CHECK(strcmp(ty, "Threshold"), c->err, AX_EINPUT, "NIR node '%s' (Threshold) gets a constant "
                 "signal (a bias or a constant input): its output is a level, not spikes", c->g->node[m].name);
        int aff = !strcmp(ty, "Affine") || !strcmp(ty, "Linear");
        ax_nir_array a = {0};
        hid_t g = open_node(c, m);
        int rc = aff ? ax_nir_arr(g, "weight", &a) : !strcmp(ty, "Scale") ? ax_nir_arr(g, "scale", &a) : 0;
        H5Gclose(g);
        AX_CHECK(rc >= 0, c->err, AX_EINPUT, "NIR node '%s': numeric parameters expected", c->g->node[m].name);
        int64_t o = aff ? (a.rank == 2 ? a.dim[0] : -1) : n;
        double *w = malloc((size_t)(o > 0 ? o : 1) * sizeof *w);
        ax_status st = w ? AX_OK : AX_FAIL(c->err, AX_ENOMEM, "out of memory");
        if (st == AX_OK && aff && (a.rank != 2 || a.dim[1] != n)) st = shape_err(c, node, m, n, a.rank == 2 ? a.dim[1] : -1);
        if (st == AX_OK && !aff && rc > 0 && a.n != n && a.n != 1) st = shape_err(c, node, m, n, a.n);
        for (int64_t i = 0; st == AX_OK && i < o; i++) {
            if (aff) {
                w[i] = 0;
                for (int64_t j = 0; j < n; j++) w[i] += a.v[i * n + j] * v[j];
            } else {
                w[i] = v[i] * (rc > 0 ? a.v[a.n == 1 ? 0 : i] : 1.0);
            }
        }
        if (st == AX_OK) {
            c->on_stack[m] = 1;
            st = cwalk(c, m, w, o);
            c->on_stack[m] = 0;
        }
        free(w);
        ax_nir_arr_free(&a);
        AX_TRY(st);
    }
    return AX_OK;
}

/* ---- inputs ----------------------------------------------------------------------- */

static int64_t input_size(ctx *c, int node)
{
    hid_t g = open_node(c, node);
    ax_nir_array a;
    int rc = g >= 0 ? ax_nir_arr(g, "shape", &a) : -1;
    if (g >= 0) H5Gclose(g);
    int64_t n = rc > 0 ? 1 : -1;
    for (int64_t i = 0; rc > 0 && i < a.n; i++) n *= (int64_t)a.v[i];
    if (rc > 0) ax_nir_arr_free(&a);
    return n;
}

/* Time t (ms) of a spike file or a Poisson draw -> the source's stamp t - h,
 * checked on the grid and >= 2h. */
static ax_status on_grid_stamp(ctx *c, const char *what, double t, double *stamp)
{
    double k = nearbyint(t / c->h);
    AX_CHECK(fabs(t / c->h - k) <= 1e-9 * fmax(1.0, k), c->err, AX_EINPUT,
             "%s: time %g ms is not a multiple of the resolution %g ms", what, t, c->h);
    AX_CHECK(k >= 2, c->err, AX_EINPUT, "%s: time %g ms; input spikes must be at >= 2 x the resolution (%g ms): "
             "the source emits one step earlier so that the spike arrives at its time", what, t, 2 * c->h);
    *stamp = (k - 1) * c->h;
    return AX_OK;
}

typedef struct { int64_t ch; double t; } chspike;

static int chspike_cmp(const void *pa, const void *pb)
{
    const chspike *a = pa, *b = pb;
    if (a->ch != b->ch) return a->ch < b->ch ? -1 : 1;
    return (a->t > b->t) - (a->t < b->t);
}

/* Spikes of a source as CSR by channel, from (channel, stamp) pairs. */
static ax_status to_csr(ctx *c, nsrc *s, chspike *sp, int64_t m)
{
    qsort(sp, (size_t)m, sizeof *sp, chspike_cmp);
    s->off = calloc((size_t)s->n + 1, sizeof *s->off);
    s->t = malloc((size_t)(m ? m : 1) * sizeof *s->t);
    AX_CHECK(s->off && s->t, c->err, AX_ENOMEM, "out of memory for input spikes");
    for (int64_t k = 0; k < m; k++) {
        s->off[sp[k].ch + 1]++;
        s->t[k] = sp[k].t;
    }
    for (int64_t j = 0; j < s->n; j++) s->off[j + 1] += s->off[j];
    return AX_OK;
}

static ax_status read_spike_file(ctx *c, nsrc *s, const ax_nir_input *in)
{
    FILE *f = fopen(in->file, "r");
    AX_CHECK(f, c->err, AX_EIO, "--nir-input %s=spikes:%s: cannot open the file", in->name, in->file);
    chspike *sp = NULL;
    int64_t m = 0, cap = 0, line = 0;
    char buf[512];
    ax_status st = AX_OK;
    while (st == AX_OK && fgets(buf, sizeof buf, f)) {
        line++;
        char *h = strchr(buf, '#');
        if (h) *h = 0;
        char *p = buf;
        while (*p == ' ' || *p == '\t') p++;
        if (!*p || *p == '\n' || *p == '\r') continue;
        long long ch;
        double t;
        char what[4400], extra[2];
        snprintf(what, sizeof what, "%s line %lld", in->file, (long long)line);
        if (sscanf(p, "%lld %lf %1s", &ch, &t, extra) != 2) {
            st = AX_FAIL(c->err, AX_EINPUT, "%s: expected 'channel time_ms'", what);
            break;
        }
        if (ch < 0 || ch >= s->n) {
            st = AX_FAIL(c->err, AX_EINPUT, "%s: channel %lld outside Input node '%s' (channels 0..%lld)", what, ch,
                         in->name, (long long)s->n - 1);
            break;
        }
        double stamp = 0;
        st = on_grid_stamp(c, what, t, &stamp);
        if (st == AX_OK && m == cap) {
            cap = cap ? 2 * cap : 1024;
            chspike *x = realloc(sp, (size_t)cap * sizeof *x);
            if (!x) st = AX_FAIL(c->err, AX_ENOMEM, "out of memory for input spikes");
            else sp = x;
        }
        if (st == AX_OK) sp[m++] = (chspike){ch, stamp};
    }
    fclose(f);
    if (st == AX_OK) st = to_csr(c, s, sp, m);
    free(sp);
    return st;
}

/* Independent Poisson counts per channel and step (ax_rng_poisson, stream
 * AX_RNG_SOURCE (seed, input, channel)): a count k is k spikes in that step. */
static ax_status poisson_spikes(ctx *c, nsrc *s, const ax_nir_input *in, int idx, uint64_t seed, double t_sim)
{
    int64_t steps = (int64_t)nearbyint(t_sim / c->h), m = 0, cap = 1024;
    chspike *sp = malloc((size_t)cap * sizeof *sp);
    AX_CHECK(sp, c->err, AX_ENOMEM, "out of memory for Poisson input");
    ax_status st = AX_OK;
    for (int64_t j = 0; st == AX_OK && j < s->n; j++) {
        double rate = in->values[in->n_values == 1 ? 0 : j], mu = rate * c->h / 1000.0;
        ax_rng r;
        ax_rng_open(&r, seed, AX_RNG_SOURCE, (uint32_t)idx, (uint64_t)j);
        for (int64_t k = 2; mu > 0 && k <= steps && st == AX_OK; k++) {
            uint64_t cnt = ax_rng_poisson(&r, mu);
            for (uint64_t q = 0; q < cnt; q++) {
                if (m == cap) {
                    cap *= 2;
                    chspike *x = realloc(sp, (size_t)cap * sizeof *x);
                    if (!x) {
                        st = AX_FAIL(c->err, AX_ENOMEM, "out of memory for Poisson input");
                        break;
                    }
                    sp = x;
                }
                sp[m++] = (chspike){j, (double)(k - 1) * c->h};
            }
        }
    }
    if (st == AX_OK) st = to_csr(c, s, sp, m);
    free(sp);
    return st;
}

/* ---- the spec text ------------------------------------------------------------- */

static int uniform(const double *v, int64_t n)
{
    for (int64_t i = 1; i < n; i++)
        if (v[i] != v[0]) return 0;
    return 1;
}

static void put_num(ax_sbuf *b, double v)
{
    if (isinf(v)) ax_sbuf_printf(b, v > 0 ? ".inf" : "-.inf");
    else ax_sbuf_printf(b, "%.17g", v);
}

/* name: value, or name: [n values] when they differ. */
static void put_param(ax_sbuf *b, const char *name, const double *v, int64_t n, int first)
{
    ax_sbuf_printf(b, "%s%s: ", first ? "" : ", ", name);
    if (uniform(v, n)) {
        put_num(b, v[0]);
        return;
    }
    ax_sbuf_printf(b, "[");
    for (int64_t i = 0; i < n; i++) {
        if (i) ax_sbuf_printf(b, ", ");
        put_num(b, v[i]);
    }
    ax_sbuf_printf(b, "]");
}

static void emit_pop(ctx *c, ax_sbuf *b, const npop *p)
{
    int64_t n = p->n;
    int cuba = p->kind == K_CUBALIF || p->kind == K_CUBAIF;
    double *ie = malloc((size_t)n * sizeof *ie), *neg = malloc((size_t)n * sizeof *neg);
    double *el = malloc((size_t)n * sizeof *el), *inf = malloc((size_t)n * sizeof *inf);
    if (!ie || !neg || !el || !inf) {
        b->oom = 1;
        free(ie), free(neg), free(el), free(inf);
        return;
    }
    int any_ie = 0;
    for (int64_t i = 0; i < n; i++) {
        ie[i] = p->df[i] * p->u[i];
        neg[i] = -ie[i];
        any_ie |= ie[i] != 0;
        el[i] = p->kind == K_IF || p->kind == K_CUBAIF ? 0.0 : p->v_leak[i];
        inf[i] = INFINITY;
    }
    ax_sbuf_printf(b, "  %s:\n    model: %s\n    n: %lld\n    params: {C_m: 1.0, t_ref: 0.0%s", p->name,
                   cuba ? "iaf_psc_exp" : "iaf_psc_delta", (long long)n,
                   c->o->reset_subtract ? ", reset: subtract" : "");
    put_param(b, "tau_m", p->tau_m ? p->tau_m : inf, n, 0);
    if (cuba) {
        put_param(b, "tau_syn_ex", p->tau_s, n, 0);
        put_param(b, "tau_syn_in", p->tau_s, n, 0);
    }
    put_param(b, "E_L", el, n, 0);
    put_param(b, "V_th", p->v_th, n, 0);
    put_param(b, "V_reset", p->v_reset, n, 0);
    put_param(b, "I_e", ie, n, 0);
    ax_sbuf_printf(b, "}\n");
    if (cuba && any_ie) { /* NIR's current starts at 0: I_syn + I_e rises from 0 with tau_syn */
        ax_sbuf_printf(b, "    initial: {");
        put_param(b, "I_syn_ex", neg, n, 1);
        ax_sbuf_printf(b, "}\n");
    }
    free(ie), free(neg), free(el), free(inf);
}

static void emit_src(ax_sbuf *b, const nsrc *s)
{
    ax_sbuf_printf(b, "  %s:\n    model: spike_source_array\n    n: %lld\n    params: {spike_times: [", s->name,
                   (long long)s->n);
    for (int64_t j = 0; j < s->n; j++) {
        ax_sbuf_printf(b, "%s[", j ? ", " : "");
        for (int64_t k = s->off[j]; k < s->off[j + 1]; k++) {
            ax_sbuf_printf(b, "%s", k > s->off[j] ? ", " : "");
            put_num(b, s->t[k]);
        }
        ax_sbuf_printf(b, "]");
    }
    ax_sbuf_printf(b, "]}\n");
}

/* Connections of source s into population p as a from_list projection;
 * delays to ms on the grid (neurons: no Delay = one step; inputs: + h). */
static ax_status emit_conns(ctx *c, ax_sbuf *b, int s, int p, int *any)
{
    conns *cn = &c->cn[(int64_t)s * c->np + p];
    ent_merge(cn->e, &cn->n);
    if (cn->n == 0) return AX_OK;
    const npop *tp = &c->pop[p];
    int from_input = s >= c->np;
    const char *sname = from_input ? c->src[s - c->np].name : c->pop[s].name;
    if (!*any) ax_sbuf_printf(b, "projections:\n");
    *any = 1;
    ax_sbuf_printf(b, "  - {source: %s, target: %s, rule: from_list, sources: [", sname, tp->name);
    for (int64_t k = 0; k < cn->n; k++) ax_sbuf_printf(b, "%s%lld", k ? ", " : "", (long long)cn->e[k].col);
    ax_sbuf_printf(b, "], targets: [");
    for (int64_t k = 0; k < cn->n; k++) ax_sbuf_printf(b, "%s%lld", k ? ", " : "", (long long)cn->e[k].row);
    ax_sbuf_printf(b, "], weights: [");
    for (int64_t k = 0; k < cn->n; k++) {
        ax_sbuf_printf(b, "%s", k ? ", " : "");
        put_num(b, cn->e[k].w * tp->wf[cn->e[k].row]);
    }
    ax_sbuf_printf(b, "], delays: [");
    for (int64_t k = 0; k < cn->n; k++) {
        double ms = cn->e[k].d * c->U, steps = nearbyint(ms / c->h);
        if (fabs(ms / c->h - steps) > 1e-6 * fmax(1.0, steps)) {
            int dn = cn->e[k].dn; /* the last Delay node on the path */
            return AX_FAIL(c->err, AX_EINPUT, "NIR %s%s%s: a path from '%s' to '%s' is delayed by %g ms, not a "
                           "multiple of the resolution %g ms (choose --nir-dt to divide the Delay values)",
                           dn >= 0 ? "node '" : "graph", dn >= 0 ? c->g->node[dn].name : "", dn >= 0 ? "' (Delay)" : "",
                           sname, c->g->node[tp->node].name, ms, c->h);
        }
        if (!from_input && steps == 0) steps = 1; /* no Delay: one step, axon's shortest */
        if (from_input) steps += 1;
        ax_sbuf_printf(b, "%s", k ? ", " : "");
        put_num(b, steps * c->h);
    }
    ax_sbuf_printf(b, "]}\n");
    return AX_OK;
}

/* ---- the foreign path ----------------------------------------------------------- */

static ax_status linear_cycles(ctx *c);

static ax_status setup(ctx *c)
{
    ax_nir_graph *g = c->g;
    c->role = calloc((size_t)g->n + 1, sizeof *c->role);
    c->n_succ = calloc((size_t)g->n + 1, sizeof *c->n_succ);
    c->succ = calloc((size_t)g->n + 1, sizeof *c->succ);
    c->on_stack = calloc((size_t)g->n + 1, sizeof *c->on_stack);
    c->pop_of = malloc(((size_t)g->n + 1) * sizeof *c->pop_of);
    c->src_of = malloc(((size_t)g->n + 1) * sizeof *c->src_of);
    c->pop = calloc((size_t)g->n + 1, sizeof *c->pop);
    c->src = calloc((size_t)c->o->n_inputs + 1, sizeof *c->src);
    AX_CHECK(c->role && c->n_succ && c->succ && c->on_stack && c->pop_of && c->src_of && c->pop && c->src, c->err,
             AX_ENOMEM, "out of memory reading NIR");
    for (int i = 0; i < g->n; i++) {
        c->role[i] = role_of(&g->node[i]);
        c->pop_of[i] = c->src_of[i] = -1;
        AX_CHECK(c->role[i] != R_BAD, c->err, AX_EINPUT,
                 "NIR node '%s' (type %s) is not supported by axon (supported: LIF, CubaLIF, IF, Affine, Linear, "
                 "Scale, Delay, Flatten, Threshold after a spike source, Input, Output, NIRGraph; docs/export.md)",
                 g->node[i].name, g->node[i].type);
    }
    for (int e = 0; e < g->ne; e++) c->n_succ[g->edge[e][0]]++;
    for (int i = 0; i < g->n; i++) {
        c->succ[i] = malloc((size_t)(c->n_succ[i] + 1) * sizeof **c->succ);
        AX_CHECK_ALLOC(c->succ[i], c->err, "NIR edges");
        c->n_succ[i] = 0;
    }
    for (int e = 0; e < g->ne; e++) c->succ[g->edge[e][0]][c->n_succ[g->edge[e][0]]++] = g->edge[e][1];
    AX_TRY(linear_cycles(c));
    for (int i = 0; i < g->n; i++) {
        if (c->role[i] != R_NEURON) continue;
        c->pop_of[i] = c->np;
        AX_TRY(read_neuron(c, i, &c->pop[c->np++]));
    }
    AX_CHECK(c->np > 0, c->err, AX_EINPUT, "NIR graph has no neuron node (LIF, CubaLIF, IF): a graph of linear "
             "maps only has nothing for axon to simulate (docs/export.md)");
    for (int a = 0; a < c->np; a++)
        for (int b = a + 1; b < c->np; b++)
            AX_CHECK(strcmp(c->pop[a].name, c->pop[b].name), c->err, AX_EINPUT, "NIR nodes '%s' and '%s' both "
                     "become population '%s'; rename one", g->node[c->pop[a].node].name,
                     g->node[c->pop[b].node].name, c->pop[a].name);
    return AX_OK;
}

/* A loop through linear nodes only (nir's test_simple: an Affine fed back
 * into itself) has no defined output: refused naming a node on it. Depth
 * first over linear nodes, colour 1 = on the stack. */
static int cyc_visit(ctx *c, int i, int *col)
{
    col[i] = 1;
    for (int k = 0; k < c->n_succ[i]; k++) {
        int m = c->succ[i][k];
        if (c->role[m] != R_LINEAR) continue;
        if (col[m] == 1) return m;
        if (col[m] == 0) {
            int r = cyc_visit(c, m, col);
            if (r >= 0) return r;
        }
    }
    col[i] = 2;
    return -1;
}

static ax_status linear_cycles(ctx *c)
{
    int *col = calloc((size_t)c->g->n + 1, sizeof *col);
    AX_CHECK_ALLOC(col, c->err, "NIR cycle check");
    int bad = -1;
    for (int i = 0; i < c->g->n && bad < 0; i++)
        if (c->role[i] == R_LINEAR && col[i] == 0) bad = cyc_visit(c, i, col);
    free(col);
    AX_CHECK(bad < 0, c->err, AX_EINPUT, "NIR node '%s' (%s) is on a cycle through linear nodes only (no neuron "
             "on it): such a loop has no defined output", c->g->node[bad].name, c->g->node[bad].type);
    return AX_OK;
}

/* The top-level Input nodes the options drive. */
static ax_status setup_inputs(ctx *c, uint64_t seed, double t_sim)
{
    ax_nir_graph *g = c->g;
    for (int k = 0; k < c->o->n_inputs; k++) {
        const ax_nir_input *in = &c->o->inputs[k];
        int node = ax_nir_find(g, in->name);
        if (node < 0 || c->role[node] != R_IN) {
            ax_sbuf l = {0};
            for (int i = 0; i < g->n; i++)
                if (c->role[i] == R_IN) ax_sbuf_printf(&l, "%s%s", l.len ? ", " : "", g->node[i].name);
            ax_status st = AX_FAIL(c->err, AX_EINPUT, "--nir-input %s: the graph has no top-level Input node of "
                                   "that name (its Input nodes: %s)", in->name, l.len ? l.s : "none");
            ax_sbuf_free(&l);
            return st;
        }
        for (int j = 0; j < k; j++)
            AX_CHECK(strcmp(c->o->inputs[j].name, in->name), c->err, AX_EINPUT, "--nir-input %s given twice",
                     in->name);
        int64_t n = input_size(c, node);
        AX_CHECK(n > 0, c->err, AX_EINPUT, "NIR node '%s' (Input): no valid shape", in->name);
        AX_CHECK(in->kind == AX_NIR_SPIKES || in->n_values == 1 || in->n_values == n, c->err, AX_EINPUT,
                 "--nir-input %s: %d values for %lld channels; give one (for all) or one per channel", in->name,
                 in->n_values, (long long)n);
        for (int j = 0; in->kind == AX_NIR_POISSON && j < in->n_values; j++)
            AX_CHECK(in->values[j] >= 0 && isfinite(in->values[j]), c->err, AX_EINPUT,
                     "--nir-input %s: rate %g Hz must be >= 0", in->name, in->values[j]);
        if (in->kind == AX_NIR_CONST) {
            double *v = malloc((size_t)n * sizeof *v);
            AX_CHECK_ALLOC(v, c->err, "constant input");
            for (int64_t j = 0; j < n; j++) v[j] = in->values[in->n_values == 1 ? 0 : j];
            ax_status st = cwalk(c, node, v, n);
            free(v);
            AX_TRY(st);
            continue;
        }
        nsrc *s = &c->src[c->ns];
        *s = (nsrc){.node = node, .input = k, .n = n};
        AX_CHECK(!sanitize(in->name, s->name, sizeof s->name), c->err, AX_EINPUT, "NIR node '%s': name too long",
                 in->name);
        for (int p = 0; p < c->np; p++)
            AX_CHECK(strcmp(c->pop[p].name, s->name), c->err, AX_EINPUT, "NIR nodes '%s' and '%s' both become "
                     "population '%s'; rename one", in->name, g->node[c->pop[p].node].name, s->name);
        c->src_of[node] = c->ns++;
        AX_TRY(in->kind == AX_NIR_SPIKES ? read_spike_file(c, s, in) : poisson_spikes(c, s, in, k, seed, t_sim));
    }
    for (int i = 0; i < g->n; i++)
        if (c->role[i] == R_IN && c->src_of[i] < 0) {
            int driven = 0;
            for (int k = 0; k < c->o->n_inputs; k++) driven |= !strcmp(c->o->inputs[k].name, g->node[i].name);
            if (!driven) ax_sbuf_printf(&c->notes, "NIR Input '%s' is not driven (silent); drive it with "
                                        "--nir-input %s=spikes:FILE|poisson:HZ|const:V\n", g->node[i].name,
                                        g->node[i].name);
        }
    return AX_OK;
}

/* Every source's paths, every bias. */
static ax_status compose(ctx *c)
{
    c->cn = calloc((size_t)(c->np + c->ns) * (size_t)c->np + 1, sizeof *c->cn);
    AX_CHECK_ALLOC(c->cn, c->err, "NIR connections");
    for (int s = 0; s < c->np + c->ns; s++) {
        int node = s < c->np ? c->pop[s].node : c->src[s - c->np].node;
        int64_t n = s < c->np ? c->pop[s].n : c->src[s - c->np].n;
        tr t = {.rows = n, .pristine = 1, .dnode = -1, .n = n, .cap = n};
        t.e = malloc((size_t)(n ? n : 1) * sizeof *t.e);
        AX_CHECK_ALLOC(t.e, c->err, "NIR composition");
        for (int64_t i = 0; i < n; i++) t.e[i] = (ent){i, i, 1.0, 0.0, -1};
        ax_status st = walk(c, s, node, &t, 0);
        tr_free(&t);
        AX_TRY(st);
    }
    for (int i = 0; i < c->g->n; i++) { /* Affine biases */
        if (strcmp(c->g->node[i].type, "Affine")) continue;
        hid_t g = open_node(c, i);
        ax_nir_array b;
        int rc = ax_nir_arr(g, "bias", &b);
        H5Gclose(g);
        AX_CHECK(rc >= 0, c->err, AX_EINPUT, "NIR node '%s' (Affine): bias is not numeric", c->g->node[i].name);
        int nz = 0;
        for (int64_t k = 0; rc > 0 && k < b.n; k++) nz |= b.v[k] != 0;
        ax_status st = nz ? cwalk(c, i, b.v, b.n) : AX_OK;
        if (rc > 0) ax_nir_arr_free(&b);
        AX_TRY(st);
    }
    return AX_OK;
}

static ax_status build_text(ctx *c, double t_sim, uint64_t seed, ax_sbuf *b)
{
    ax_sbuf_printf(b, "# generated by axon from a NIR graph (docs/export.md); time unit %g ms, spike area %g\n",
                   c->U, c->A);
    ax_sbuf_printf(b, "simulation: {resolution: %.17g, t_sim: %.17g, seed: %llu}\npopulations:\n", c->h, t_sim,
                   (unsigned long long)seed);
    for (int p = 0; p < c->np; p++) emit_pop(c, b, &c->pop[p]);
    for (int s = 0; s < c->ns; s++) emit_src(b, &c->src[s]);
    int any = 0;
    for (int s = 0; s < c->np + c->ns; s++)
        for (int p = 0; p < c->np; p++) AX_TRY(emit_conns(c, b, s, p, &any));
    int n_out = 0, n_rec = 0;
    for (int i = 0; i < c->g->n; i++) n_out += c->role[i] == R_OUT;
    int all = !n_out || c->o->record_all; /* no Output: record every neuron node */
    for (int p = 0; p < c->np; p++) n_rec += c->pop[p].recorded |= all;
    for (int s = 0; s < c->ns; s++) n_rec += c->src[s].recorded |= c->o->record_all;
    if (!n_rec) {
        ax_sbuf_printf(&c->notes, "no neuron node feeds a top-level Output node: nothing is recorded\n");
        return AX_OK;
    }
    char dev[AX_NAME_MAX] = "nir_outputs";
    for (int k = 2, clash = 1; clash; k++) {
        clash = 0;
        for (int p = 0; p < c->np; p++) clash |= !strcmp(c->pop[p].name, dev);
        for (int s = 0; s < c->ns; s++) clash |= !strcmp(c->src[s].name, dev);
        if (clash) snprintf(dev, sizeof dev, "nir_outputs_%d", k);
    }
    ax_sbuf_printf(b, "devices:\n  %s: {model: spike_recorder, sources: [", dev);
    int k = 0;
    for (int p = 0; p < c->np; p++)
        if (c->pop[p].recorded) ax_sbuf_printf(b, "%s%s", k++ ? ", " : "", c->pop[p].name);
    for (int s = 0; s < c->ns; s++)
        if (c->src[s].recorded) ax_sbuf_printf(b, "%s%s", k++ ? ", " : "", c->src[s].name);
    ax_sbuf_printf(b, "]}\n");
    return AX_OK;
}

static void ctx_free(ctx *c)
{
    for (int i = 0; c->succ && i < c->g->n; i++) free(c->succ[i]);
    AX_FREE_ALL(c->succ, c->n_succ, c->role, c->on_stack, c->pop_of, c->src_of);
    for (int p = 0; c->pop && p < c->np; p++) pop_free(&c->pop[p]);
    free(c->pop);
    for (int s = 0; c->src && s < c->ns; s++) {
        free(c->src[s].off);
        free(c->src[s].t);
    }
    free(c->src);
    for (int64_t k = 0; c->cn && k < (int64_t)(c->np + c->ns) * c->np; k++) free(c->cn[k].e);
    free(c->cn);
}

/* Time unit: metadata's (s or ms), unless the option says otherwise (a
 * conflict is refused), else seconds. */
static ax_status time_unit(const ax_nir_graph *g, const ax_nir_opts *o, double *U, ax_error *err)
{
    double meta = 0;
    if (g->time_unit) {
        if (!strcmp(g->time_unit, "s")) meta = 1000.0;
        else if (!strcmp(g->time_unit, "ms")) meta = 1.0;
        else return AX_FAIL(err, AX_EINPUT, "NIR graph metadata time_unit '%s': axon reads 's' or 'ms'", g->time_unit);
    }
    AX_CHECK(!(meta && o->time_unit && meta != o->time_unit), err, AX_EINPUT, "the graph's metadata says time_unit "
             "'%s' but --nir-time-unit %s was given; drop the option", g->time_unit, o->time_unit == 1 ? "ms" : "s");
    *U = o->time_unit ? o->time_unit : meta ? meta : 1000.0;
    return AX_OK;
}

static ax_status from_graph(ax_nir_graph *g, const char *path, const ax_nir_opts *o, ax_sbuf *text, ax_sbuf *notes,
                            ax_error *err)
{
    ctx c = {.g = g, .o = o, .err = err};
    AX_TRY(time_unit(g, o, &c.U, err));
    c.A = o->spike_area > 0 ? o->spike_area : 1.0;
    c.h = o->dt > 0 ? o->dt : 0.1;
    double t_sim = o->t_sim > 0 ? o->t_sim : 1000.0;
    uint64_t seed = o->have_seed ? o->seed : 12345;
    ax_status st = setup(&c);
    if (st == AX_OK) st = setup_inputs(&c, seed, t_sim);
    if (st == AX_OK) st = compose(&c);
    if (st == AX_OK) st = build_text(&c, t_sim, seed, text);
    if (c.notes.len) ax_sbuf_printf(notes, "%s", c.notes.s);
    ax_sbuf_free(&c.notes);
    ctx_free(&c);
    if (st != AX_OK) ax_error_prefix(err, "%s: ", path);
    return st;
}

/* ---- graphs axon wrote ------------------------------------------------------------- */

/* Every dataset of node group a equal to b's (numbers by value, strings by text). */
static int same_group(hid_t ga, hid_t gb)
{
    H5G_info_t ia, ib;
    if (H5Gget_info(ga, &ia) < 0 || H5Gget_info(gb, &ib) < 0 || ia.nlinks != ib.nlinks) return 0;
    int same = 1;
    for (hsize_t k = 0; same && k < ia.nlinks; k++) {
        char name[256];
        if (H5Lget_name_by_idx(ga, ".", H5_INDEX_NAME, H5_ITER_INC, k, name, sizeof name, H5P_DEFAULT) < 0) return 0;
        if (!strcmp(name, "metadata")) continue;
        H5O_info_t oa;
        if (H5Lexists(gb, name, H5P_DEFAULT) <= 0 || H5Oget_info_by_name(ga, name, &oa, H5P_DEFAULT) < 0) return 0;
        if (oa.type != H5O_TYPE_DATASET) continue; /* subgroups: axon writes none in nodes */
        char *sa = ax_nir_str(ga, name), *sb = ax_nir_str(gb, name);
        if (sa || sb) {
            same = sa && sb && !strcmp(sa, sb);
        } else {
            ax_nir_array a, b;
            int ra = ax_nir_arr(ga, name, &a), rb = ax_nir_arr(gb, name, &b);
            same = ra > 0 && rb > 0 && a.n == b.n;
            for (int64_t i = 0; same && i < a.n; i++) same = a.v[i] == b.v[i];
            if (ra > 0) ax_nir_arr_free(&a);
            if (rb > 0) ax_nir_arr_free(&b);
        }
        free(sa);
        free(sb);
    }
    return same;
}

/* 1 if graphs a and b have the same nodes (types, datasets) and edges. */
static int same_graph(const ax_nir_graph *a, const ax_nir_graph *b)
{
    if (a->n != b->n || a->ne != b->ne) return 0;
    for (int i = 0; i < a->n; i++) {
        int j = ax_nir_find(b, a->node[i].name);
        if (j < 0 || strcmp(a->node[i].type, b->node[j].type)) return 0;
        hid_t ga = H5Gopen2(a->f, a->node[i].h5, H5P_DEFAULT), gb = H5Gopen2(b->f, b->node[j].h5, H5P_DEFAULT);
        int same = ga >= 0 && gb >= 0 && same_group(ga, gb);
        if (ga >= 0) H5Gclose(ga);
        if (gb >= 0) H5Gclose(gb);
        if (!same) return 0;
    }
    for (int e = 0; e < a->ne; e++) {
        const char *x = a->node[a->edge[e][0]].name, *y = a->node[a->edge[e][1]].name;
        int found = 0;
        for (int f = 0; f < b->ne && !found; f++)
            found = !strcmp(b->node[b->edge[f][0]].name, x) && !strcmp(b->node[b->edge[f][1]].name, y);
        if (!found) return 0;
    }
    return 1;
}

static int rm_dir(const char *dir)
{
    const char *files[] = {"network.nir", "inputs.json", "report.txt"};
    char p[4200];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    return rmdir(dir);
}

/* The spec of an axon-written graph if the graph is still its export; *t
 * NULL otherwise (a note says why). */
static ax_status axon_spec_of(ax_nir_graph *g, const char *path, ax_spec **t, ax_sbuf *notes, ax_error *err)
{
    *t = NULL;
    ax_error e2;
    ax_error_clear(&e2);
    ax_spec *s = NULL;
    if (ax_spec_parse(g->axon_spec, strlen(g->axon_spec), path, &s, &e2) != AX_OK) {
        ax_sbuf_printf(notes, "the axon_spec in the graph's metadata does not load (%s); the graph is read from "
                       "its nodes\n", e2.msg);
        return AX_OK;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/axon_nir.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    AX_CHECK(mkdtemp(dir), err, AX_EIO, "cannot create a temporary folder in %s to check the NIR graph against its "
             "axon_spec (set TMPDIR, or use --nir-from-graph)", tmp && *tmp ? tmp : "/tmp");
    ax_export_opts eo;
    ax_export_defaults(&eo, AX_HW_NIR);
    eo.allow_approx = 1;
    ax_export_result res;
    ax_status st = ax_export(s, &eo, dir, &res, &e2);
    if (st == AX_OK) {
        ax_export_result_free(&res);
        char p[4200];
        snprintf(p, sizeof p, "%s/network.nir", dir);
        ax_nir_graph r;
        if (ax_nir_graph_open(p, &r, &e2) == AX_OK && same_graph(g, &r)) {
            *t = s;
            s = NULL;
        } else {
            ax_sbuf_printf(notes, "the graph's nodes differ from what its axon_spec (metadata) exports to, so it "
                           "was changed after axon wrote it: it is read from its nodes (the spec's t_ref, devices "
                           "and seed are not used)\n");
        }
        ax_nir_graph_close(&r);
    } else {
        ax_sbuf_printf(notes, "the graph's axon_spec does not export (%s); the graph is read from its nodes\n",
                       e2.msg);
    }
    rm_dir(dir);
    ax_spec_destroy(&s);
    return AX_OK;
}

/* Options that only a graph read from its nodes can honour. */
static ax_status axon_path_opts(const ax_nir_opts *o, ax_spec *t, const char *path, ax_error *err)
{
    const char *bad = o->n_inputs ? "--nir-input" : o->dt > 0 ? "--nir-dt" : o->time_unit ? "--nir-time-unit"
                      : o->spike_area ? "--nir-spike-area" : o->reset_subtract ? "--nir-reset" : o->have_seed ? "--nir-seed"
                      : o->record_all ? "--nir-record" : NULL;
    AX_CHECK(!bad, err, AX_EINPUT, "%s: axon wrote this graph and it is unchanged, so it is read as the axon spec "
             "in its metadata (exact: rules, devices, t_ref, seed), where %s does not apply; add --nir-from-graph "
             "to read its nodes instead", path, bad);
    if (o->t_sim > 0) {
        double k = nearbyint(o->t_sim / t->sim.resolution);
        AX_CHECK(fabs(o->t_sim / t->sim.resolution - k) <= 1e-9 * fmax(1, k), err, AX_EINPUT,
                 "--nir-t-sim %g ms is not a multiple of the resolution %g ms", o->t_sim, t->sim.resolution);
        t->sim.t_sim = o->t_sim;
    }
    return AX_OK;
}

ax_status ax_nir_load_opts(const char *path, const ax_nir_opts *o, ax_spec **out, char **notes, ax_error *err)
{
    *out = NULL;
    if (notes) *notes = NULL;
    ax_nir_opts none = {0};
    if (!o) o = &none;
    ax_nir_graph g;
    ax_sbuf text = {0}, nb = {0};
    ax_spec *t = NULL;
    ax_status st = ax_nir_graph_open(path, &g, err);
    if (st == AX_OK && g.axon_spec && !o->from_graph) st = axon_spec_of(&g, path, &t, &nb, err);
    if (st == AX_OK && t) {
        st = axon_path_opts(o, t, path, err);
        ax_sbuf_printf(&nb, "graph written by axon and unchanged: read as the axon spec in its metadata (exact)\n");
    } else if (st == AX_OK) {
        st = from_graph(&g, path, o, &text, &nb, err);
    }
    ax_nir_graph_close(&g);
    if (st == AX_OK && (text.oom || nb.oom)) st = AX_FAIL(err, AX_ENOMEM, "out of memory reading %s", path);
    if (st == AX_OK && t) {
        *out = t;
        t = NULL;
    } else if (st == AX_OK) {
        st = ax_spec_parse(text.s, text.len, path, out, err);
        if (st != AX_OK) ax_error_prefix(err, "%s (NIR graph, as a spec): ", path);
    }
    if (st == AX_OK && notes && nb.len) *notes = ax_sbuf_take(&nb);
    ax_spec_destroy(&t);
    ax_sbuf_free(&text);
    ax_sbuf_free(&nb);
    return st;
}

ax_status ax_nir_load(const char *path, ax_spec **out, ax_error *err)
{
    return ax_nir_load_opts(path, NULL, out, NULL, err);
}

/* ---- options -------------------------------------------------------------------- */

ax_status ax_nir_opts_add_input(ax_nir_opts *o, const char *arg, ax_error *err)
{
    const char *eq = strchr(arg, '='), *colon = eq ? strchr(eq, ':') : NULL;
    AX_CHECK(eq && colon && eq > arg, err, AX_EINPUT, "--nir-input '%s': expected NAME=spikes:FILE, "
             "NAME=poisson:HZ[,HZ...] or NAME=const:V[,V...]", arg);
    ax_nir_input in = {0};
    AX_CHECK((size_t)(eq - arg) < sizeof in.name, err, AX_EINPUT, "--nir-input '%s': name too long", arg);
    memcpy(in.name, arg, (size_t)(eq - arg));
    size_t kl = (size_t)(colon - eq - 1);
    const char *val = colon + 1;
    if (kl == 6 && !strncmp(eq + 1, "spikes", 6)) {
        in.kind = AX_NIR_SPIKES;
        AX_CHECK(*val && strlen(val) < sizeof in.file, err, AX_EINPUT, "--nir-input '%s': give a spike file", arg);
        snprintf(in.file, sizeof in.file, "%s", val);
    } else if ((kl == 7 && !strncmp(eq + 1, "poisson", 7)) || (kl == 5 && !strncmp(eq + 1, "const", 5))) {
        in.kind = kl == 7 ? AX_NIR_POISSON : AX_NIR_CONST;
        int cnt = 1;
        for (const char *p = val; *p; p++) cnt += *p == ',';
        in.values = malloc((size_t)cnt * sizeof *in.values);
        AX_CHECK_ALLOC(in.values, err, "--nir-input values");
        const char *p = val;
        for (int k = 0; k < cnt; k++) {
            char *end;
            in.values[k] = strtod(p, &end);
            if (end == p || (*end && *end != ',') || !isfinite(in.values[k])) {
                free(in.values);
                return AX_FAIL(err, AX_EINPUT, "--nir-input '%s': value %d is not a finite number", arg, k);
            }
            p = end + (*end == ',');
        }
        in.n_values = cnt;
    } else {
        return AX_FAIL(err, AX_EINPUT, "--nir-input '%s': unknown drive '%.*s' (spikes, poisson, const)", arg,
                       (int)kl, eq + 1);
    }
    ax_nir_input *x = realloc(o->inputs, (size_t)(o->n_inputs + 1) * sizeof *x);
    if (!x) {
        free(in.values);
        return AX_FAIL(err, AX_ENOMEM, "out of memory");
    }
    o->inputs = x;
    o->inputs[o->n_inputs++] = in;
    return AX_OK;
}

void ax_nir_opts_free(ax_nir_opts *o)
{
    for (int k = 0; o->inputs && k < o->n_inputs; k++) free(o->inputs[k].values);
    free(o->inputs);
    o->inputs = NULL;
    o->n_inputs = 0;
}
