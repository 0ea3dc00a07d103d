/* hw_net.c - the explicit synapse lists of a spec, generated exactly as the
 * engine does, which hardware placement and the exporters work on; and the
 * report line of a violated hardware limit.
 *
 * Invariant: ax_hw_net_build calls ax_connect_projection for the single VP
 * of a 1x1 partition, so its synapses (set, weights, delays, order per
 * target) are those of every axon run of the spec.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/connect.h"
#include "axon/grow.h"
#include "axon/hw_place.h"
#include "axon/model.h"
#include "axon/partition.h"

void ax_hw_violation(int allow, ax_sbuf *approx, ax_sbuf *viol, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    ax_sbuf_printf(allow ? approx : viol, "  - %s\n", line);
}

static ax_status edge_sink(void *ctx, int64_t s, int64_t t, double w, int32_t d, int r,
                           ax_error *err)
{
    ax_hw_edges *e = ctx;
    if (e->n == e->cap) {
        int64_t cap = ax_grow_cap(e->cap, 1024);
        int ok = AX_RESIZE_ALL(cap, AX_GROW(e->src), AX_GROW(e->tgt), AX_GROW(e->w), AX_GROW(e->d),
                               AX_GROW(e->r));
        AX_CHECK(ok, err, AX_ENOMEM, "out of memory holding %lld synapses for export", (long long)cap);
        e->cap = cap;
    }
    e->src[e->n] = s;
    e->tgt[e->n] = t;
    e->w[e->n] = w;
    e->d[e->n] = d;
    e->r[e->n] = (uint8_t)r;
    e->n++;
    return AX_OK;
}

ax_status ax_hw_net_build(const ax_spec *spec, ax_hw_net **out, ax_error *err)
{
    *out = NULL;
    ax_hw_net *net = calloc(1, sizeof *net);
    AX_CHECK_ALLOC(net, err, "export network");
    net->spec = spec;
    net->proj = calloc((size_t)(spec->n_proj > 0 ? spec->n_proj : 1), sizeof *net->proj);
    if (!net->proj) {
        free(net);
        return AX_FAIL(err, AX_ENOMEM, "out of memory allocating export projections");
    }
    ax_partition part;
    ax_partition_init(&part, 1, 1, 0, spec->n_total);
    for (int p = 0; p < spec->n_proj; p++) {
        const ax_model_ops *m = ax_model_find(spec->pops[spec->proj[p].tgt].model);
        ax_status s = ax_connect_projection(spec, p, &part, 0, m ? m->n_receptors : 1,
                                            edge_sink, &net->proj[p], err);
        if (s != AX_OK) {
            ax_hw_net_free(&net);
            return s;
        }
    }
    *out = net;
    return AX_OK;
}

void ax_hw_net_free(ax_hw_net **net)
{
    if (!net || !*net) return;
    for (int p = 0; p < (*net)->spec->n_proj; p++) {
        ax_hw_edges *e = &(*net)->proj[p];
        free(e->src);
        free(e->tgt);
        free(e->w);
        free(e->d);
        free(e->r);
    }
    free((*net)->proj);
    free(*net);
    *net = NULL;
}
