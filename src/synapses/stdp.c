/* stdp.c - the parts of NEST's STDP rules that are not per-synapse
 * arithmetic (that is inline in axon/stdp.h): defaults and names, the time
 * base, and the postsynaptic spike history (nestkernel/archiving_node.cpp:
 * set_spiketime's K_minus recursion; axon's own pruning rule, see
 * ax_stdp_hist_prune and docs/plasticity.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axon/stdp.h"

/* stdp_synapse.h constructor (tau_plus 20, lambda 0.01, alpha 1, mu_plus =
 * mu_minus = 1, Wmax 100, Kplus 0) and stdp_pl_synapse_hom.cpp's common
 * properties (tau_plus 20, lambda 0.1, alpha 1, mu 0.4). */
ax_stdp_params ax_stdp_defaults(ax_stdp_kind kind)
{
    if (kind == AX_STDP_PL_HOM)
        return (ax_stdp_params){.kind = kind, .tau_plus = 20.0, .tau_plus_inv = 1. / 20.0,
                                .lambda = 0.1, .alpha = 1.0, .mu_plus = 0.4, .mu_minus = 0.4,
                                .Wmax = INFINITY, .Kplus = 0.0};
    return (ax_stdp_params){.kind = AX_STDP_PAIR, .tau_plus = 20.0, .tau_plus_inv = 1. / 20.0,
                            .lambda = 0.01, .alpha = 1.0, .mu_plus = 1.0, .mu_minus = 1.0,
                            .Wmax = 100.0, .Kplus = 0.0};
}

const char *ax_stdp_name(ax_stdp_kind kind)
{
    return kind == AX_STDP_PL_HOM ? "stdp_pl_synapse_hom" : "stdp_synapse";
}

ax_stdp_kind ax_stdp_kind_of(const char *name)
{
    if (!strcmp(name, "stdp_synapse")) return AX_STDP_PAIR;
    if (!strcmp(name, "stdp_pl_synapse_hom")) return AX_STDP_PL_HOM;
    return (ax_stdp_kind)0;
}

/* NEST: TICS_PER_STEP = round(1000 * h); a resolution that is not a whole
 * number of tics is refused by NEST's SetKernelStatus. */
ax_status ax_stdp_time_init(ax_stdp_time *tb, double h, ax_error *err)
{
    double tics = h * 1000.0;
    double r = nearbyint(tics);
    AX_CHECK(r >= 1 && fabs(tics - r) <= 1e-9 * r, err, AX_EINPUT,
             "resolution %g ms is not a whole number of microseconds; plastic synapses follow "
             "NEST's time base (1 tic = 0.001 ms), use e.g. 0.1 or 0.125", h);
    tb->tics_per_step = (int64_t)r;
    tb->ms_per_step = (double)tb->tics_per_step / 1000.0;
    return AX_OK;
}

int ax_stdp_hist_push(ax_stdp_hist *h, int64_t t, const ax_stdp_time *tb, double tau_minus_inv)
{
    /* NEST starts with last_spike = -1 ms and Kminus = 0, so the first entry is 0 * e^x + 1 = 1 */
    double last_ms = -1.0, kminus = 0.0;
    if (h->end > h->first) {
        last_ms = ax_stdp_ms(tb, h->e[h->end - 1].t);
        kminus = h->e[h->end - 1].k;
    }
    kminus = kminus * exp((last_ms - ax_stdp_ms(tb, t)) * tau_minus_inv) + 1.0;
    return ax_stdp_hist_put(h, (ax_stdp_entry){t, kminus});
}

int ax_stdp_hist_put(ax_stdp_hist *h, ax_stdp_entry entry)
{
    if (h->end == h->cap) {
        uint32_t live = h->end - h->first;
        if (h->first > 0 && live < h->cap / 2 + 1) { /* room at the front: slide */
            memmove(h->e, h->e + h->first, (size_t)live * sizeof *h->e);
        } else {
            if (h->cap > UINT32_MAX / 2) return -1;
            uint32_t cap = h->cap ? 2 * h->cap : 4;
            ax_stdp_entry *e = malloc((size_t)cap * sizeof *e);
            if (!e) return -1;
            if (live) memcpy(e, h->e + h->first, (size_t)live * sizeof *e);
            free(h->e);
            h->e = e;
            h->cap = cap;
        }
        h->first = 0;
        h->end = live;
    }
    h->e[h->end++] = entry;
    return 0;
}

void ax_stdp_hist_prune(ax_stdp_hist *h, int64_t fac_bound, int64_t k_bound)
{
    while (h->end - h->first >= 2 && h->e[h->first].t <= fac_bound &&
           h->e[h->first + 1].t < k_bound)
        h->first++;
}

void ax_stdp_hist_free(ax_stdp_hist *h)
{
    free(h->e);
    *h = (ax_stdp_hist){0};
}
