/* nir_graph.c - a NIR file (HDF5, neuromorphs/NIR nir/serialization.py) as
 * one flat graph: every node of every nested NIRGraph, named by its path
 * ('.' between levels, as snnTorch's flattened graphs name them), and the
 * edges between them.
 *
 * Strings are read in every encoding nir and h5py write: variable-length
 * UTF-8 (nir.write) or ASCII, fixed-length NUL-padded, NUL-terminated or
 * space-padded, in ASCII or UTF-8 (each read with a memory type of its own
 * character set, so HDF5 converts nothing). Numbers of any integer or float
 * type and rank are read as doubles, compressed or not. An edge list may be
 * an (n, 2) string dataset or empty in any shape (nir.write stores `[]` as
 * a float64 array of shape (0,)).
 *
 * Nesting: a NIRGraph node's own Input and Output nodes are where an edge
 * into or out of it goes (exactly one each when such an edge exists); inside
 * the flat graph they are identities. Only the top level's Input and Output
 * nodes are ports of the network.
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/free_all.h"
#include "export_impl.h"

#define NIR_MAX_DEPTH 16

/* ---- strings ----------------------------------------------------------------- */

/* The k-th of the n strings of dataset d (any string encoding), malloc'd
 * into out[0..n-1]. Returns 0, or -1 on failure (out freed). */
static int read_strings(hid_t d, char ***out, int64_t *n)
{
    *out = NULL;
    *n = 0;
    hid_t ft = H5Dget_type(d), sp = H5Dget_space(d);
    int ok = H5Tget_class(ft) == H5T_STRING;
    hssize_t cnt = H5Sget_simple_extent_npoints(sp);
    char **v = ok && cnt >= 0 ? calloc((size_t)(cnt ? cnt : 1), sizeof *v) : NULL;
    ok = ok && v;
    H5T_cset_t cset = ok ? H5Tget_cset(ft) : H5T_CSET_ASCII;
    if (ok && cnt && H5Tis_variable_str(ft) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, cset);
        char **raw = calloc((size_t)cnt, sizeof *raw);
        ok = raw && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) >= 0;
        for (hssize_t i = 0; ok && i < cnt; i++) v[i] = strdup(raw[i] ? raw[i] : "");
        if (raw && ok) H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, raw);
        free(raw);
        H5Tclose(mt);
    } else if (ok && cnt) {
        size_t sz = H5Tget_size(ft);
        H5T_str_t pad = H5Tget_strpad(ft);
        hid_t mt = H5Tcopy(H5T_C_S1);
        /* one byte more than the file's size with NULLTERM: no character is
         * lost whatever the file's padding */
        H5Tset_size(mt, sz + 1);
        H5Tset_strpad(mt, H5T_STR_NULLTERM);
        H5Tset_cset(mt, cset);
        char *raw = calloc((size_t)cnt, sz + 1);
        ok = raw && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) >= 0;
        for (hssize_t i = 0; ok && i < cnt; i++) {
            char *s = raw + (size_t)i * (sz + 1);
            size_t len = strnlen(s, sz);
            while (pad == H5T_STR_SPACEPAD && len && s[len - 1] == ' ') len--;
            v[i] = strndup(s, len);
            ok = v[i] != NULL;
        }
        free(raw);
        H5Tclose(mt);
    }
    H5Sclose(sp);
    H5Tclose(ft);
    if (!ok) {
        for (hssize_t i = 0; v && i < cnt; i++) free(v[i]);
        free(v);
        return -1;
    }
    *out = v;
    *n = cnt;
    return 0;
}

/* A scalar string dataset `name` of loc, malloc'd; NULL if absent or not a string. */
char *ax_nir_str(hid_t loc, const char *name)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return NULL;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return NULL;
    char **v = NULL;
    int64_t n = 0;
    char *s = NULL;
    if (read_strings(d, &v, &n) == 0 && n >= 1) {
        s = v[0];
        for (int64_t i = 1; i < n; i++) free(v[i]);
    } else if (v) {
        for (int64_t i = 0; i < n; i++) free(v[i]);
    }
    free(v);
    H5Dclose(d);
    return s;
}

/* ---- numbers ---------------------------------------------------------------- */

int ax_nir_arr(hid_t loc, const char *name, ax_nir_array *a)
{
    *a = (ax_nir_array){0};
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return 0;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t ft = H5Dget_type(d), sp = H5Dget_space(d);
    H5T_class_t cls = H5Tget_class(ft);
    int rank = H5Sget_simple_extent_ndims(sp), rc = -1;
    hsize_t dims[8] = {0};
    if ((cls == H5T_FLOAT || cls == H5T_INTEGER) && rank >= 0 && rank <= 8) {
        H5Sget_simple_extent_dims(sp, dims, NULL);
        int64_t n = 1;
        for (int k = 0; k < rank; k++) n *= (int64_t)dims[k];
        a->v = malloc((size_t)(n ? n : 1) * sizeof *a->v);
        if (a->v && (n == 0 || H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->v) >= 0)) {
            a->n = n;
            a->rank = rank;
            for (int k = 0; k < rank && k < 4; k++) a->dim[k] = (int64_t)dims[k];
            rc = 1;
        } else {
            free(a->v);
            a->v = NULL;
        }
    }
    H5Sclose(sp);
    H5Tclose(ft);
    H5Dclose(d);
    return rc;
}

void ax_nir_arr_free(ax_nir_array *a)
{
    free(a->v);
    *a = (ax_nir_array){0};
}

/* ---- the flat graph ---------------------------------------------------------- */

static int add_node(ax_nir_graph *g, const char *name, const char *type, const char *h5, int top)
{
    if (g->n == g->cap) {
        int cap = g->cap ? 2 * g->cap : 64;
        ax_nir_node *x = realloc(g->node, (size_t)cap * sizeof *x);
        if (!x) return -1;
        g->node = x;
        g->cap = cap;
    }
    ax_nir_node *nd = &g->node[g->n];
    *nd = (ax_nir_node){.top = top};
    snprintf(nd->name, sizeof nd->name, "%s", name);
    snprintf(nd->type, sizeof nd->type, "%s", type);
    snprintf(nd->h5, sizeof nd->h5, "%s", h5);
    return g->n++;
}

static int add_edge(ax_nir_graph *g, int a, int b)
{
    if (g->ne == g->cap_e) {
        int cap = g->cap_e ? 2 * g->cap_e : 64;
        int (*x)[2] = realloc(g->edge, (size_t)cap * sizeof *x);
        if (!x) return -1;
        g->edge = x;
        g->cap_e = cap;
    }
    g->edge[g->ne][0] = a;
    g->edge[g->ne][1] = b;
    g->ne++;
    return 0;
}

typedef struct { char **names; int n, cap; } name_list;

static herr_t list_cb(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
    (void)g;
    (void)info;
    name_list *l = ctx;
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 32;
        char **x = realloc(l->names, (size_t)cap * sizeof *x);
        if (!x) return -1;
        l->names = x;
        l->cap = cap;
    }
    l->names[l->n] = strdup(name);
    return l->names[l->n++] ? 0 : -1;
}

static void names_free(name_list *l)
{
    for (int i = 0; i < l->n; i++) free(l->names[i]);
    free(l->names);
}

/* Where the graph node `local` (index into this level's ids) is entered or
 * left: itself, or for a subgraph its one Input / Output node. */
typedef struct { int id, in, out, n_in, n_out, sub; } level_node;

static ax_status load_level(ax_nir_graph *g, hid_t grp, const char *h5, const char *prefix, int depth,
                            int *n_in_out, int *in_out, ax_error *err);

/* The edges of one level, mapped onto flat node ids. */
static ax_status level_edges(ax_nir_graph *g, hid_t grp, const char *where, const name_list *nl,
                             const level_node *ln, ax_error *err)
{
    if (H5Lexists(grp, "edges", H5P_DEFAULT) <= 0) return AX_OK;
    hid_t d = H5Dopen2(grp, "edges", H5P_DEFAULT);
    AX_CHECK(d >= 0, err, AX_EINPUT, "NIR graph %s: cannot open its edges", where);
    hid_t sp = H5Dget_space(d), ft = H5Dget_type(d);
    hssize_t cnt = H5Sget_simple_extent_npoints(sp);
    int rank = H5Sget_simple_extent_ndims(sp);
    hsize_t dims[2] = {0, 0};
    if (rank == 2) H5Sget_simple_extent_dims(sp, dims, NULL);
    int is_str = H5Tget_class(ft) == H5T_STRING;
    H5Tclose(ft);
    H5Sclose(sp);
    ax_status st = AX_OK;
    char **v = NULL;
    int64_t n = 0;
    if (cnt == 0) { /* [] as nir.write stores it (float64 (0,)), or (0, 2) */
        H5Dclose(d);
        return AX_OK;
    }
    if (!is_str || rank != 2 || dims[1] != 2 || read_strings(d, &v, &n) != 0)
        st = AX_FAIL(err, AX_EINPUT, "NIR graph %s: edges must be an (n, 2) dataset of node names", where);
    H5Dclose(d);
    for (int64_t e = 0; st == AX_OK && e < n / 2; e++) {
        int ends[2];
        for (int k = 0; k < 2 && st == AX_OK; k++) {
            const char *nm = v[2 * e + k];
            int i = 0;
            while (i < nl->n && strcmp(nl->names[i], nm)) i++;
            if (i == nl->n) {
                st = AX_FAIL(err, AX_EINPUT, "NIR graph %s: edge %lld names node '%s', which the graph does "
                             "not have", where, (long long)e, nm);
                break;
            }
            const level_node *x = &ln[i];
            int cnt_io = k ? x->n_in : x->n_out, id = k ? x->in : x->out;
            if (x->sub && cnt_io != 1)
                st = AX_FAIL(err, AX_EINPUT, "NIR node '%s%s%s' (a subgraph) has %d %s nodes; an edge %s it "
                             "needs exactly one", where[0] ? where : "", where[0] ? "." : "", nm, cnt_io,
                             k ? "Input" : "Output", k ? "into" : "out of");
            ends[k] = x->sub ? id : x->id;
        }
        if (st == AX_OK && add_edge(g, ends[0], ends[1])) st = AX_FAIL(err, AX_ENOMEM, "out of memory for NIR edges");
    }
    for (int64_t i = 0; i < n; i++) free(v[i]);
    free(v);
    return st;
}

static ax_status load_level(ax_nir_graph *g, hid_t grp, const char *h5, const char *prefix, int depth,
                            int *n_in_out, int *in_out, ax_error *err)
{
    const char *where = prefix[0] ? prefix : "(top level)";
    AX_CHECK(depth < NIR_MAX_DEPTH, err, AX_EINPUT, "NIR graph %s: subgraphs nested deeper than %d", where,
             NIR_MAX_DEPTH);
    hid_t nodes = H5Lexists(grp, "nodes", H5P_DEFAULT) > 0 ? H5Gopen2(grp, "nodes", H5P_DEFAULT) : -1;
    AX_CHECK(nodes >= 0, err, AX_EINPUT, "NIR graph %s: no 'nodes' group", where);
    name_list nl = {0};
    hsize_t idx = 0;
    ax_status st = AX_OK;
    if (H5Literate(nodes, H5_INDEX_NAME, H5_ITER_INC, &idx, list_cb, &nl) < 0)
        st = AX_FAIL(err, AX_EINPUT, "NIR graph %s: cannot list its nodes", where);
    level_node *ln = calloc((size_t)nl.n + 1, sizeof *ln);
    if (st == AX_OK && !ln) st = AX_FAIL(err, AX_ENOMEM, "out of memory reading NIR nodes");
    n_in_out[0] = n_in_out[1] = 0;
    in_out[0] = in_out[1] = -1;
    for (int i = 0; st == AX_OK && i < nl.n; i++) {
        char name[512], path[1024];
        snprintf(name, sizeof name, "%s%s%s", prefix, prefix[0] ? "." : "", nl.names[i]);
        snprintf(path, sizeof path, "%s/nodes/%s", h5, nl.names[i]);
        hid_t c = H5Gopen2(nodes, nl.names[i], H5P_DEFAULT);
        char *type = c >= 0 ? ax_nir_str(c, "type") : NULL;
        if (!type) st = AX_FAIL(err, AX_EINPUT, "NIR node '%s': no 'type' string", name);
        else if (strlen(name) >= sizeof g->node[0].name || strlen(type) >= sizeof g->node[0].type)
            st = AX_FAIL(err, AX_EINPUT, "NIR node '%s': name or type too long", name);
        else if (!strcmp(type, "NIRGraph")) {
            ln[i].sub = 1;
            int nio[2], io[2];
            st = load_level(g, c, path, name, depth + 1, nio, io, err);
            ln[i].n_in = nio[0];
            ln[i].n_out = nio[1];
            ln[i].in = io[0];
            ln[i].out = io[1];
        } else {
            ln[i].id = add_node(g, name, type, path, depth == 0);
            if (ln[i].id < 0) st = AX_FAIL(err, AX_ENOMEM, "out of memory for NIR nodes");
            int k = !strcmp(type, "Input") ? 0 : !strcmp(type, "Output") ? 1 : -1;
            if (k >= 0) {
                n_in_out[k]++;
                in_out[k] = ln[i].id;
            }
        }
        free(type);
        if (c >= 0) H5Gclose(c);
    }
    if (st == AX_OK) st = level_edges(g, grp, prefix, &nl, ln, err);
    free(ln);
    names_free(&nl);
    H5Gclose(nodes);
    return st;
}

ax_status ax_nir_graph_open(const char *path, ax_nir_graph *g, ax_error *err)
{
    *g = (ax_nir_graph){.f = -1};
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    g->f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    AX_CHECK(g->f >= 0, err, AX_EIO, "%s: cannot open as HDF5 (a NIR graph file is HDF5)", path);
    hid_t top = H5Lexists(g->f, "node", H5P_DEFAULT) > 0 ? H5Gopen2(g->f, "node", H5P_DEFAULT) : -1;
    char *type = top >= 0 ? ax_nir_str(top, "type") : NULL;
    int ok = type && !strcmp(type, "NIRGraph");
    free(type);
    if (!ok) {
        if (top >= 0) H5Gclose(top);
        return AX_FAIL(err, AX_EINPUT, "%s: no /node of type NIRGraph (not a NIR graph file)", path);
    }
    int nio[2], io[2];
    ax_status st = load_level(g, top, "/node", "", 0, nio, io, err);
    if (st == AX_OK && H5Lexists(top, "metadata", H5P_DEFAULT) > 0) {
        hid_t m = H5Gopen2(top, "metadata", H5P_DEFAULT);
        g->time_unit = ax_nir_str(m, "time_unit");
        g->axon_spec = ax_nir_str(m, "axon_spec");
        H5Gclose(m);
    }
    H5Gclose(top);
    if (st != AX_OK) ax_error_prefix(err, "%s: ", path);
    return st;
}

void ax_nir_graph_close(ax_nir_graph *g)
{
    if (g->f >= 0) H5Fclose(g->f);
    AX_FREE_ALL(g->node, g->edge, g->time_unit, g->axon_spec);
    *g = (ax_nir_graph){.f = -1};
}

int ax_nir_find(const ax_nir_graph *g, const char *name)
{
    for (int i = 0; i < g->n; i++)
        if (!strcmp(g->node[i].name, name)) return i;
    return -1;
}
