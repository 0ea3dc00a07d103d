/* export_impl.h - private to io/export: the file writers of each target,
 * which ax_export (export.c) dispatches to after building the network's
 * synapse lists (include/axon/hw_place.h).
 */
#ifndef AX_EXPORT_IMPL_H
#define AX_EXPORT_IMPL_H

#include <hdf5.h>

#include "axon/export.h"
#include "axon/hw_place.h"
#include "axon/sbuf.h"
#include "axon/spec.h"

/* Each writes its target's files into dir, appends its report lines to
 * report and the approximations it took to approx. */
ax_status ax_export_spinnaker(const ax_spec *spec, const ax_hw_net *net,
                              const ax_export_opts *o, const char *dir, ax_sbuf *report,
                              ax_sbuf *approx, ax_export_result *res, ax_error *err);
ax_status ax_export_dynapse(const ax_spec *spec, const ax_hw_net *net,
                            const ax_export_opts *o, const char *dir, ax_sbuf *report,
                            ax_sbuf *approx, ax_export_result *res, ax_error *err);
ax_status ax_export_nir(const ax_spec *spec, const ax_hw_net *net, const ax_export_opts *o,
                        const char *dir, ax_sbuf *report, ax_sbuf *approx, ax_error *err);

/* ---- NIR files (nir_graph.c): the graph of a NIR file, nested
 * subgraphs flattened ('.' between levels), strings of every encoding. */

/* A numeric dataset as doubles, C order; dim[] of the first 4 axes. */
typedef struct ax_nir_array {
    double *v;
    int64_t n;
    int rank;
    int64_t dim[4];
} ax_nir_array;

typedef struct ax_nir_node {
    char name[512];  /* path: '.' between nesting levels */
    char type[32];   /* "LIF", "Affine", ... */
    char h5[1100];   /* its group in the file */
    int top;         /* a node of the top-level graph (Input/Output there are ports) */
} ax_nir_node;

typedef struct ax_nir_graph {
    hid_t f;
    ax_nir_node *node;
    int n, cap;
    int (*edge)[2];  /* node ids; edges into/out of a subgraph go to its Input/Output node */
    int ne, cap_e;
    char *time_unit; /* /node/metadata/time_unit, or NULL */
    char *axon_spec; /* /node/metadata/axon_spec (graphs axon wrote), or NULL */
} ax_nir_graph;

ax_status ax_nir_graph_open(const char *path, ax_nir_graph *g, ax_error *err);
void ax_nir_graph_close(ax_nir_graph *g);
int ax_nir_find(const ax_nir_graph *g, const char *name);
/* Scalar string dataset (malloc'd), NULL if absent. */
char *ax_nir_str(hid_t loc, const char *name);
/* Numeric dataset: 1 read, 0 absent, -1 not numeric / failed. */
int ax_nir_arr(hid_t loc, const char *name, ax_nir_array *a);
void ax_nir_arr_free(ax_nir_array *a);

#endif
