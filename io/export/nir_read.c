/* nir_read.c - ax_nir_load: a NIR graph (HDF5) back into a validated spec.
 *
 * Two paths. (1) Files axon wrote carry the original spec in
 * /node/metadata/axon_spec: it supplies what NIR cannot hold (rules, seed,
 * devices, t_ref); the neuron parameters come from the NIR nodes and every
 * Affine matrix is checked against the synapses its stored rule regenerates
 * (a matrix that is a constant multiple of them rescales a constant weight;
 * anything else is refused, since a spec cannot hold explicit weights).
 * (2) Foreign files: LIF/IF/CubaLIF nodes become populations, Affine
 * matrices that are constant and dense (all_to_all) or constant diagonal
 * (one_to_one) become projections; other matrices are refused (AX_ENOTIMPL).
 * Units: metadata time_unit "s" is converted to ms; otherwise ms/mV/pA.
 */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/export.h"
#include "axon/spec_emit.h"
#include "export_impl.h"

#define NIR_MAX_NODES 4096

typedef struct nir_node {
    char name[AX_NAME_MAX];
    char type[32];
} nir_node;

typedef struct { nir_node *v; int n; } node_list;

static herr_t collect(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
    (void)info;
    node_list *l = ctx;
    if (l->n >= NIR_MAX_NODES || strlen(name) >= AX_NAME_MAX) return -1;
    hid_t t = H5Gopen2(g, name, H5P_DEFAULT);
    if (t < 0) return -1;
    snprintf(l->v[l->n].name, AX_NAME_MAX, "%s", name);
    l->v[l->n].type[0] = 0;
    H5Gclose(t);
    l->n++;
    return 0;
}

/* Read a scalar string dataset (fixed or variable length) into buf. */
static int read_str(hid_t loc, const char *name, char *buf, size_t cap)
{
    buf[0] = 0;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return -1;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t ft = H5Dget_type(d);
    int rc = -1;
    if (H5Tget_class(ft) == H5T_STRING) {
        if (H5Tis_variable_str(ft) > 0) {
            char *p = NULL;
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) >= 0 && p) {
                snprintf(buf, cap, "%s", p);
                H5free_memory(p);
                rc = 0;
            }
            H5Tclose(mt);
        } else {
            size_t sz = H5Tget_size(ft);
            char *tmp = calloc(sz + 1, 1);
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, sz);
            if (tmp && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) >= 0) {
                snprintf(buf, cap, "%s", tmp);
                rc = 0;
            }
            H5Tclose(mt);
            free(tmp);
        }
    }
    H5Tclose(ft);
    H5Dclose(d);
    return rc;
}

/* Read a float dataset of rank <= 2 (malloc'd); dims (0 for absent). */
static double *read_f64(hid_t loc, const char *name, hsize_t *n0, hsize_t *n1)
{
    *n0 = *n1 = 0;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return NULL;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return NULL;
    hid_t s = H5Dget_space(d);
    int rank = H5Sget_simple_extent_ndims(s);
    hsize_t dims[2] = {1, 1};
    double *v = NULL;
    if (rank >= 0 && rank <= 2) {
        if (rank) H5Sget_simple_extent_dims(s, dims, NULL);
        hsize_t n = rank == 0 ? 1 : rank == 1 ? dims[0] : dims[0] * dims[1];
        v = malloc((size_t)(n ? n : 1) * sizeof *v);
        if (v && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
            free(v);
            v = NULL;
        }
        *n0 = rank == 0 ? 1 : dims[0];
        *n1 = rank == 2 ? dims[1] : 0;
    }
    H5Sclose(s);
    H5Dclose(d);
    return v;
}

/* One value of a per-neuron array that must be uniform; NAN if absent or
 * heterogeneous (*hetero set). */
static double uniform(hid_t g, const char *name, int64_t *n, int *hetero)
{
    hsize_t n0, n1;
    double *v = read_f64(g, name, &n0, &n1);
    if (!v) return NAN;
    double x = v[0];
    hsize_t tot = n0 * (n1 ? n1 : 1);
    for (hsize_t i = 1; i < tot; i++)
        if (v[i] != x) *hetero = 1;
    if (n && *n == 0) *n = (int64_t)tot;
    free(v);
    return x;
}

static double meta_num(hid_t g, const char *name, double def)
{
    if (H5Lexists(g, "metadata", H5P_DEFAULT) <= 0) return def;
    hid_t m = H5Gopen2(g, "metadata", H5P_DEFAULT);
    hsize_t a, b;
    double *v = H5Lexists(m, name, H5P_DEFAULT) > 0 ? read_f64(m, name, &a, &b) : NULL;
    H5Gclose(m);
    double x = v ? v[0] : def;
    free(v);
    return x;
}

static void meta_str(hid_t g, const char *name, char *buf, size_t cap)
{
    buf[0] = 0;
    if (H5Lexists(g, "metadata", H5P_DEFAULT) <= 0) return;
    hid_t m = H5Gopen2(g, "metadata", H5P_DEFAULT);
    read_str(m, name, buf, cap);
    H5Gclose(m);
}

/* A population read from a neuron node. */
typedef struct nir_pop {
    int node;
    char model[32];
    int64_t n;
    char params[1024];
    double wscale;   /* axon weight = NIR weight * wscale */
} nir_pop;

static ax_status read_pop(hid_t nodes, const nir_node *nd, double tsc, nir_pop *p, ax_error *err)
{
    hid_t g = H5Gopen2(nodes, nd->name, H5P_DEFAULT);
    AX_CHECK(g >= 0, err, AX_EIO, "NIR node %s: cannot open", nd->name);
    int het = 0;
    p->n = 0;
    double vth = uniform(g, "v_threshold", &p->n, &het);
    double vre = uniform(g, "v_reset", &p->n, &het);
    if (isnan(vre)) vre = 0; /* NIR default */
    double r = uniform(g, "r", &p->n, &het);
    char model[32];
    meta_str(g, "axon_model", model, sizeof model);
    double tref = meta_num(g, "axon_t_ref", 0.0);
    double cm_meta = meta_num(g, "axon_C_m", NAN), ie = meta_num(g, "axon_I_e", 0.0);
    ax_status st = AX_OK;
    if (!strcmp(nd->type, "LIF") || !strcmp(nd->type, "IF")) {
        int lif = !strcmp(nd->type, "LIF");
        double tau = lif ? uniform(g, "tau", &p->n, &het) * tsc : INFINITY;
        double vl = lif ? uniform(g, "v_leak", &p->n, &het) : meta_num(g, "axon_E_L", 0.0);
        double cm = isnan(cm_meta) ? 250.0 : cm_meta;
        double el = lif ? vl - ie * tau / cm : vl;
        snprintf(p->model, sizeof p->model, "iaf_psc_delta");
        snprintf(p->params, sizeof p->params,
                 "{C_m: %.17g, tau_m: %s%.17g, t_ref: %.17g, E_L: %.17g, V_reset: %.17g, V_th: %.17g, I_e: %.17g}",
                 cm, "", lif ? tau : 0.0, tref, el, vre, vth, ie);
        if (!lif) {
            char *t = strstr(p->params, "tau_m: ");
            char *e = strchr(t, ',');
            memmove(t + 11, e, strlen(e) + 1);
            memcpy(t, "tau_m: .inf", 11);
        }
        p->wscale = lif ? r * tsc / tau : r;
        if (isnan(p->wscale)) p->wscale = 1.0;
    } else {
        double tm = uniform(g, "tau_mem", &p->n, &het) * tsc, ts = uniform(g, "tau_syn", &p->n, &het) * tsc;
        double vl = uniform(g, "v_leak", &p->n, &het), win = uniform(g, "w_in", &p->n, &het);
        if (isnan(win)) win = 1.0;
        double cm = tm / r;
        double el = vl - ie * tm / cm;
        snprintf(p->model, sizeof p->model, "%s", !strcmp(model, "iaf_psc_alpha") ? model : "iaf_psc_exp");
        snprintf(p->params, sizeof p->params,
                 "{C_m: %.17g, tau_m: %.17g, t_ref: %.17g, E_L: %.17g, V_reset: %.17g, V_th: %.17g, "
                 "I_e: %.17g, tau_syn_ex: %.17g, tau_syn_in: %.17g}",
                 cm, tm, tref, el, vre, vth, ie, ts, ts);
        p->wscale = win * tsc / ts;
    }
    H5Gclose(g);
    if (het) st = AX_FAIL(err, AX_ENOTIMPL, "NIR node %s: per-neuron parameters differ; an axon population "
                          "has one parameter set (split the node into homogeneous nodes)", nd->name);
    else if (isnan(vth) || p->n <= 0)
        st = AX_FAIL(err, AX_EINPUT, "NIR node %s (%s): missing v_threshold or neuron count", nd->name, nd->type);
    return st;
}

typedef struct nir_graph {
    hid_t f, node, nodes;
    node_list nl;
    char (*edges)[2][AX_NAME_MAX];
    int ne;
    double dt, tsc;
    char *spec_text;
} nir_graph;

static int find_node(const nir_graph *g, const char *name)
{
    for (int i = 0; i < g->nl.n; i++)
        if (!strcmp(g->nl.v[i].name, name)) return i;
    return -1;
}

/* Successor of node `name` along the edges (first one), NULL if none. */
static const char *next_of(const nir_graph *g, const char *name)
{
    for (int e = 0; e < g->ne; e++)
        if (!strcmp(g->edges[e][0], name)) return g->edges[e][1];
    return NULL;
}

static ax_status read_edges(nir_graph *g, ax_error *err)
{
    if (H5Lexists(g->node, "edges", H5P_DEFAULT) <= 0) return AX_OK;
    hid_t d = H5Dopen2(g->node, "edges", H5P_DEFAULT);
    hid_t s = H5Dget_space(d), ft = H5Dget_type(d);
    hsize_t dims[2] = {0, 0};
    H5Sget_simple_extent_dims(s, dims, NULL);
    ax_status st = AX_OK;
    g->ne = (int)dims[0];
    g->edges = calloc((size_t)(g->ne + 1), sizeof *g->edges);
    char **vl = H5Tis_variable_str(ft) > 0 ? calloc((size_t)(2 * g->ne + 1), sizeof(char *)) : NULL;
    size_t sz = H5Tget_size(ft);
    char *fx = vl ? NULL : calloc((size_t)(2 * g->ne + 1), sz + 1);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, vl ? H5T_VARIABLE : sz);
    if (!g->edges || (!vl && !fx)) st = AX_FAIL(err, AX_ENOMEM, "out of memory reading NIR edges");
    else if (dims[1] != 2 || (g->ne && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, vl ? (void *)vl : fx) < 0))
        st = AX_FAIL(err, AX_EINPUT, "NIR edges: expected an (n, 2) dataset of node names");
    for (int e = 0; st == AX_OK && e < g->ne; e++)
        for (int k = 0; k < 2; k++) {
            const char *src = vl ? vl[2 * e + k] : fx + (size_t)(2 * e + k) * sz;
            snprintf(g->edges[e][k], AX_NAME_MAX, "%.*s", (int)(vl ? strlen(src) : strnlen(src, sz)), src);
        }
    if (vl) {
        for (int i = 0; i < 2 * g->ne; i++) H5free_memory(vl[i]);
        free(vl);
    }
    free(fx);
    H5Tclose(mt);
    H5Tclose(ft);
    H5Sclose(s);
    H5Dclose(d);
    return st;
}

static ax_status open_graph(const char *path, nir_graph *g, ax_error *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    g->f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    AX_CHECK(g->f >= 0, err, AX_EIO, "%s: cannot open as HDF5 (a NIR file is HDF5)", path);
    char type[32];
    g->node = H5Gopen2(g->f, "node", H5P_DEFAULT);
    AX_CHECK(g->node >= 0 && read_str(g->node, "type", type, sizeof type) == 0 && !strcmp(type, "NIRGraph"),
             err, AX_EINPUT, "%s: no /node of type NIRGraph (not a NIR graph file)", path);
    g->nodes = H5Gopen2(g->node, "nodes", H5P_DEFAULT);
    AX_CHECK(g->nodes >= 0, err, AX_EINPUT, "%s: /node/nodes missing", path);
    g->nl.v = calloc(NIR_MAX_NODES, sizeof *g->nl.v);
    AX_CHECK_ALLOC(g->nl.v, err, "NIR node list");
    hsize_t idx = 0;
    AX_CHECK(H5Literate(g->nodes, H5_INDEX_NAME, H5_ITER_INC, &idx, collect, &g->nl) >= 0, err, AX_EINPUT,
             "%s: cannot list /node/nodes (more than %d nodes or a name longer than %d)", path,
             NIR_MAX_NODES, AX_NAME_MAX - 1);
    for (int i = 0; i < g->nl.n; i++) {
        hid_t t = H5Gopen2(g->nodes, g->nl.v[i].name, H5P_DEFAULT);
        read_str(t, "type", g->nl.v[i].type, sizeof g->nl.v[i].type);
        H5Gclose(t);
    }
    AX_TRY(read_edges(g, err));
    g->dt = meta_num(g->node, "dt", 0.1);
    char tu[16];
    meta_str(g->node, "time_unit", tu, sizeof tu);
    g->tsc = !strcmp(tu, "s") ? 1000.0 : 1.0;
    g->dt *= g->tsc;
    if (H5Lexists(g->node, "metadata", H5P_DEFAULT) > 0) {
        hid_t m = H5Gopen2(g->node, "metadata", H5P_DEFAULT);
        if (H5Lexists(m, "axon_spec", H5P_DEFAULT) > 0) {
            hid_t d = H5Dopen2(m, "axon_spec", H5P_DEFAULT);
            hid_t ft = H5Dget_type(d);
            size_t sz = H5Tis_variable_str(ft) > 0 ? (1u << 24) : H5Tget_size(ft) + 1;
            H5Tclose(ft);
            H5Dclose(d);
            g->spec_text = malloc(sz);
            if (g->spec_text) read_str(m, "axon_spec", g->spec_text, sz);
        }
        H5Gclose(m);
    }
    return AX_OK;
}

static void close_graph(nir_graph *g)
{
    if (g->nodes > 0) H5Gclose(g->nodes);
    if (g->node > 0) H5Gclose(g->node);
    if (g->f > 0) H5Fclose(g->f);
    free(g->nl.v);
    free(g->edges);
    free(g->spec_text);
}

/* A projection found as pop -> Affine [-> Delay] -> pop. */
typedef struct nir_proj {
    int affine, src, tgt;     /* node index, population indices */
    double *W;                /* converted to axon units, nt x ns */
    double delay;             /* ms */
} nir_proj;

static ax_status read_projs(nir_graph *g, nir_pop *pops, int np, nir_proj *pj, int *npj, ax_error *err)
{
    *npj = 0;
    for (int a = 0; a < g->nl.n; a++) {
        if (strcmp(g->nl.v[a].type, "Affine") && strcmp(g->nl.v[a].type, "Linear")) continue;
        int src = -1;
        for (int e = 0; e < g->ne; e++)
            if (!strcmp(g->edges[e][1], g->nl.v[a].name))
                for (int p = 0; p < np; p++)
                    if (!strcmp(g->nl.v[pops[p].node].name, g->edges[e][0])) src = p;
        const char *nx = next_of(g, g->nl.v[a].name);
        double delay = g->dt;
        int dn = nx ? find_node(g, nx) : -1;
        if (dn >= 0 && !strcmp(g->nl.v[dn].type, "Delay")) {
            hid_t t = H5Gopen2(g->nodes, nx, H5P_DEFAULT);
            int het = 0;
            delay = uniform(t, "delay", NULL, &het) * g->tsc;
            H5Gclose(t);
            AX_CHECK(!het && isfinite(delay), err, AX_ENOTIMPL,
                     "NIR Delay node %s: per-neuron delays differ (axon needs one delay per projection here)", nx);
            nx = next_of(g, nx);
        }
        int tgt = -1;
        for (int p = 0; nx && p < np; p++)
            if (!strcmp(g->nl.v[pops[p].node].name, nx)) tgt = p;
        AX_CHECK(src >= 0 && tgt >= 0, err, AX_ENOTIMPL,
                 "NIR node %s: only neuron -> %s [-> Delay] -> neuron chains are read", g->nl.v[a].name,
                 g->nl.v[a].type);
        hid_t t = H5Gopen2(g->nodes, g->nl.v[a].name, H5P_DEFAULT);
        hsize_t n0, n1;
        double *W = read_f64(t, "weight", &n0, &n1);
        int hetb = 0;
        double b = H5Lexists(t, "bias", H5P_DEFAULT) > 0 ? uniform(t, "bias", NULL, &hetb) : 0.0;
        H5Gclose(t);
        AX_CHECK(W && n0 == (hsize_t)pops[tgt].n && n1 == (hsize_t)pops[src].n, err, AX_EINPUT,
                 "NIR node %s: weight must be %lld x %lld (target x source)", g->nl.v[a].name,
                 (long long)pops[tgt].n, (long long)pops[src].n);
        if (hetb || b != 0) {
            free(W);
            return AX_FAIL(err, AX_ENOTIMPL, "NIR node %s: a nonzero Affine bias is not supported", g->nl.v[a].name);
        }
        for (hsize_t k = 0; k < n0 * n1; k++) W[k] *= pops[tgt].wscale;
        pj[(*npj)++] = (nir_proj){.affine = a, .src = src, .tgt = tgt, .W = W, .delay = delay};
    }
    return AX_OK;
}

/* Foreign matrix -> rule text, or AX_ENOTIMPL. */
static ax_status foreign_rule(const nir_graph *g, const nir_pop *pops, const nir_proj *p, ax_sbuf *b,
                              ax_error *err)
{
    int64_t ns = pops[p->src].n, nt = pops[p->tgt].n;
    double w = NAN;
    int dense = 1, diag = ns == nt, diag_zero = 1;
    for (int64_t i = 0; i < nt; i++)
        for (int64_t j = 0; j < ns; j++) {
            double v = p->W[i * ns + j];
            if (i == j) diag_zero &= v == 0;
            if (v == 0) { if (i != j) dense = 0; continue; }
            if (i != j) diag = 0;
            if (isnan(w)) w = v;
            if (v != w) dense = diag = 0;
        }
    if (isnan(w)) return AX_OK; /* no synapses */
    const char *rule = NULL;
    int autapses = 1;
    if (diag && diag_zero == 0) rule = "one_to_one";
    else if (dense) { rule = "all_to_all"; autapses = !diag_zero || ns != nt; }
    AX_CHECK(rule, err, AX_ENOTIMPL,
             "NIR node %s: an explicit weight matrix that is neither constant dense nor constant diagonal "
             "cannot be expressed by axon's connection rules", g->nl.v[p->affine].name);
    if (!autapses && p->src != p->tgt)
        return AX_FAIL(err, AX_ENOTIMPL, "NIR node %s: dense matrix with zero diagonal between different "
                       "populations", g->nl.v[p->affine].name);
    ax_sbuf_printf(b, "  - {source: %s, target: %s, rule: %s, allow_autapses: %s, weight: %.17g, delay: %.17g}\n",
                   g->nl.v[pops[p->src].node].name, g->nl.v[pops[p->tgt].node].name, rule,
                   autapses ? "true" : "false", w, p->delay);
    return AX_OK;
}

/* Template path: check each matrix against its stored rule; fill weight overrides. */
static ax_status check_template(const nir_graph *g, const ax_spec *t, const nir_pop *pops, nir_proj *pj,
                                int npj, double *wov, double *dov, ax_error *err)
{
    AX_CHECK(npj == t->n_proj, err, AX_EINPUT, "NIR graph has %d projections, its axon_spec %d", npj, t->n_proj);
    ax_hw_net *net = NULL;
    AX_TRY(ax_hw_net_build(t, &net, err));
    ax_status st = AX_OK;
    for (int i = 0; i < npj && st == AX_OK; i++) {
        int pi = -1;
        if (sscanf(g->nl.v[pj[i].affine].name, "proj%d", &pi) != 1 || pi < 0 || pi >= t->n_proj) {
            st = AX_FAIL(err, AX_EINPUT, "NIR node %s: not an axon projection node", g->nl.v[pj[i].affine].name);
            break;
        }
        const ax_proj_spec *ps = &t->proj[pi];
        int64_t ns = t->pops[ps->src].n, nt = t->pops[ps->tgt].n;
        if (strcmp(t->pops[ps->src].name, g->nl.v[pops[pj[i].src].node].name) ||
            strcmp(t->pops[ps->tgt].name, g->nl.v[pops[pj[i].tgt].node].name)) {
            st = AX_FAIL(err, AX_EINPUT, "NIR node %s connects other populations than projection %d", g->nl.v[pj[i].affine].name, pi);
            break;
        }
        double *R = calloc((size_t)(ns * nt), sizeof *R);
        if (!R) { st = AX_FAIL(err, AX_ENOMEM, "out of memory"); break; }
        const ax_hw_edges *e = &net->proj[pi];
        for (int64_t k = 0; k < e->n; k++)
            R[(e->tgt[k] - t->pops[ps->tgt].first_gid) * ns + e->src[k] - t->pops[ps->src].first_gid] += e->w[k];
        double c = NAN;
        int same = 1;
        for (int64_t k = 0; k < ns * nt && same; k++) {
            double a = pj[i].W[k], r = R[k];
            if (r == 0 || a == 0) { same = a == r; continue; }
            if (isnan(c)) c = a / r;
            same = fabs(a - c * r) <= 1e-9 * fabs(a);
        }
        free(R);
        if (!same || (!isnan(c) && fabs(c - 1) > 1e-12 && ps->weight.kind != AX_DIST_CONST))
            st = AX_FAIL(err, AX_ENOTIMPL, "NIR node %s: its weight matrix is not what projection %d's rule "
                         "(stored in axon_spec) generates; explicit per-synapse weights are not expressible in "
                         "an axon spec", g->nl.v[pj[i].affine].name, pi);
        wov[pi] = (!isnan(c) && fabs(c - 1) > 1e-12) ? c * ps->weight.value : NAN;
        dov[pi] = pj[i].delay;
        if (ps->delay.kind != AX_DIST_CONST) dov[pi] = NAN;
    }
    ax_hw_net_free(&net);
    return st;
}

static ax_status assemble(nir_graph *g, const char *path, ax_sbuf *out, ax_error *err)
{
    nir_pop *pops = calloc((size_t)g->nl.n + 1, sizeof *pops);
    nir_proj *pj = calloc((size_t)g->nl.n + 1, sizeof *pj);
    ax_spec *t = NULL;
    double *wov = NULL, *dov = NULL;
    const char **pm = NULL, **pp = NULL;
    int np = 0, npj = 0;
    ax_status st = AX_OK;
    if (!pops || !pj) { st = AX_FAIL(err, AX_ENOMEM, "out of memory reading NIR"); goto out; }
    for (int i = 0; i < g->nl.n && st == AX_OK; i++) {
        const char *ty = g->nl.v[i].type;
        if (!strcmp(ty, "LIF") || !strcmp(ty, "IF") || !strcmp(ty, "CubaLIF")) {
            pops[np].node = i;
            st = read_pop(g->nodes, &g->nl.v[i], g->tsc, &pops[np], err);
            np++;
        } else if (strcmp(ty, "Affine") && strcmp(ty, "Linear") && strcmp(ty, "Delay") && strcmp(ty, "Input") &&
                   strcmp(ty, "Output"))
            st = AX_FAIL(err, AX_ENOTIMPL, "NIR node %s: type %s is not read by axon (LIF, IF, CubaLIF, Affine, "
                         "Linear, Delay, Input, Output are)", g->nl.v[i].name, ty);
    }
    if (st == AX_OK) st = read_projs(g, pops, np, pj, &npj, err);
    if (st != AX_OK) goto out;
    if (g->spec_text) {
        st = ax_spec_parse(g->spec_text, strlen(g->spec_text), path, &t, err);
        if (st != AX_OK) goto out;
        pm = calloc((size_t)t->n_pops, sizeof *pm);
        pp = calloc((size_t)t->n_pops, sizeof *pp);
        wov = calloc((size_t)t->n_proj + 1, sizeof *wov);
        dov = calloc((size_t)t->n_proj + 1, sizeof *dov);
        if (!pm || !pp || !wov || !dov) { st = AX_FAIL(err, AX_ENOMEM, "out of memory"); goto out; }
        if (np != t->n_pops) { st = AX_FAIL(err, AX_EINPUT, "NIR graph has %d neuron nodes, its axon_spec %d populations", np, t->n_pops); goto out; }
        for (int i = 0; i < t->n_pops; i++) {
            int k = -1;
            for (int j = 0; j < np; j++)
                if (!strcmp(g->nl.v[pops[j].node].name, t->pops[i].name)) k = j;
            if (k < 0 || pops[k].n != t->pops[i].n) {
                st = AX_FAIL(err, AX_EINPUT, "NIR graph lacks population %s of %lld neurons of its axon_spec",
                             t->pops[i].name, (long long)t->pops[i].n);
                goto out;
            }
            pm[i] = pops[k].model;
            pp[i] = pops[k].params;
        }
        st = check_template(g, t, pops, pj, npj, wov, dov, err);
        if (st != AX_OK) goto out;
        ax_spec_override ov = {.proj_weight = wov, .proj_delay = dov, .pop_model = pm, .pop_params = pp};
        st = ax_spec_emit(t, &ov, out, err);
    } else {
        ax_sbuf_printf(out, "simulation: {resolution: %.17g, t_sim: 1000.0}\npopulations:\n", g->dt);
        for (int i = 0; i < np; i++)
            ax_sbuf_printf(out, "  %s: {model: %s, n: %lld, params: %s}\n", g->nl.v[pops[i].node].name,
                           pops[i].model, (long long)pops[i].n, pops[i].params);
        if (npj) ax_sbuf_printf(out, "projections:\n");
        for (int i = 0; i < npj && st == AX_OK; i++) st = foreign_rule(g, pops, &pj[i], out, err);
    }
out:
    for (int i = 0; i < npj; i++) free(pj[i].W);
    free(pops);
    free(pj);
    free(pm);
    free(pp);
    free(wov);
    free(dov);
    ax_spec_destroy(&t);
    return st;
}

ax_status ax_nir_load(const char *path, ax_spec **out, ax_error *err)
{
    *out = NULL;
    nir_graph g = {.f = -1, .node = -1, .nodes = -1};
    ax_sbuf y = {0};
    ax_status st = open_graph(path, &g, err);
    if (st == AX_OK) st = assemble(&g, path, &y, err);
    close_graph(&g);
    if (st == AX_OK && y.oom) st = AX_FAIL(err, AX_ENOMEM, "out of memory");
    if (st == AX_OK) {
        st = ax_spec_parse(y.s, y.len, path, out, err);
        if (st != AX_OK) ax_error_prefix(err, "%s (NIR, as spec):", path);
    }
    ax_sbuf_free(&y);
    return st;
}
