/* axon/stdp.h - NEST's spike-timing-dependent plasticity, bit for bit:
 * stdp_synapse and stdp_pl_synapse_hom (NEST 3.10 models/stdp_synapse.h,
 * models/stdp_pl_synapse_hom.{h,cpp}) and the postsynaptic spike history of
 * nestkernel/archiving_node.cpp. docs/plasticity.md states the rules; the
 * derivation from NEST's source is /work/notes/stdp.md in the team notes.
 *
 * Pure arithmetic, no engine: the engine (src/engine/stdp_store.c) keeps the
 * synapses, calls ax_stdp_send per synapse at delivery and pushes every post
 * spike into its neuron's history; tests/test_stdp.c checks the boundary
 * cases one by one.
 *
 * Times are integer steps (spike stamps: the end of the step in which the
 * spike happened). They become milliseconds only through NEST's two
 * formulas, which decide the last bit of every weight:
 *   a time point   t_ms = 0.001 * (steps * tics_per_step)   (Time::get_ms)
 *   a delay        d_ms = steps * (tics_per_step / 1000.0)   (delay_steps_to_ms)
 * NEST compares times with a tolerance stdp_eps (1e-6 ms) smaller than a
 * step; on the grid its windows are exactly these integer comparisons:
 *   facilitation by post spikes with  t_last - d < t_post <= t_spike - d,
 *   the post trace K_minus at t_spike - d from the newest t_post < t_spike - d.
 * The kernels below use libm exp/pow in NEST's operation order; the build
 * must not contract a*b+c into FMA (axon compiles ISO C11, which keeps
 * -ffp-contract=off).
 */
#ifndef AXON_STDP_H
#define AXON_STDP_H

#include <math.h>
#include <stdint.h>

#include "axon/error.h"

/* Which rule. */
typedef enum ax_stdp_kind {
    AX_STDP_PAIR = 1,   /* stdp_synapse: normalised weight, power-law dependence mu_plus/mu_minus, Wmax */
    AX_STDP_PL_HOM = 2, /* stdp_pl_synapse_hom: lambda w^mu potentiation, multiplicative depression */
} ax_stdp_kind;

/* Parameters of one plastic projection (NEST's names and defaults; see
 * ax_stdp_defaults). stdp_pl_synapse_hom's `mu` is mu_plus here. */
typedef struct ax_stdp_params {
    ax_stdp_kind kind;
    double tau_plus;      /* ms, > 0 */
    double tau_plus_inv;  /* 1 / tau_plus: stdp_pl_synapse_hom multiplies by it (NEST stores it) */
    double lambda, alpha;
    double mu_plus, mu_minus;
    double Wmax;          /* stdp_synapse only */
    double Kplus;         /* initial presynaptic trace, >= 0 */
} ax_stdp_params;

/* NEST's defaults of a rule (stdp_synapse.h constructor; stdp_pl_synapse_hom.cpp
 * STDPPLHomCommonProperties). Can't fail. */
ax_stdp_params ax_stdp_defaults(ax_stdp_kind kind);

/* NEST's model name of a rule ("stdp_synapse"), and the rule of a name (0 if none). */
const char *ax_stdp_name(ax_stdp_kind kind);
ax_stdp_kind ax_stdp_kind_of(const char *name);

/* The time base: tics (1 us, NEST's default tic) per step. */
typedef struct ax_stdp_time {
    int64_t tics_per_step;
    double ms_per_step;   /* tics_per_step / 1000.0, NEST's Time::Range::MS_PER_STEP */
} ax_stdp_time;

/* The time base of resolution h (ms). AX_EINPUT if h is not a whole number
 * of microseconds (NEST cannot represent it either). */
ax_status ax_stdp_time_init(ax_stdp_time *tb, double h, ax_error *err);

static inline double ax_stdp_ms(const ax_stdp_time *tb, int64_t steps)
{
    return (1.0 / 1000.0) * (double)(steps * tb->tics_per_step);
}

/* ---- postsynaptic spike history (ArchivingNode) --------------------------
 *
 * One per neuron that is the target of a plastic projection: its spikes in
 * time order, each with K_minus just after it (Kminus = Kminus e^{(t_last -
 * t)/tau_minus} + 1, NEST's set_spiketime; the first is 1). Entries
 * [first, end) of e[] are live. */
typedef struct ax_stdp_entry {
    int64_t t;   /* stamp, steps */
    double k;    /* K_minus including this spike */
} ax_stdp_entry;

typedef struct ax_stdp_hist {
    ax_stdp_entry *e;
    uint32_t first, end, cap;
} ax_stdp_hist;

/* Append a spike at stamp t (>= the last one; equal stamps are a parrot's
 * multiplicity, one entry each as NEST's parrot_neuron does). -1 if out of
 * memory (the history is unchanged). */
int ax_stdp_hist_push(ax_stdp_hist *h, int64_t t, const ax_stdp_time *tb, double tau_minus_inv);

/* Append an entry as it is (a checkpoint's). -1 if out of memory. */
int ax_stdp_hist_put(ax_stdp_hist *h, ax_stdp_entry e);

/* Drop entries no future update can read (docs/plasticity.md, "history"):
 * the front entry goes while it is at or before `fac_bound` (no synapse
 * will facilitate with it) and the next one is strictly before `k_bound`
 * (so the next one, not it, is the newest entry before any future K_minus
 * query). The newest entry always stays. Can't fail. */
void ax_stdp_hist_prune(ax_stdp_hist *h, int64_t fac_bound, int64_t k_bound);

void ax_stdp_hist_free(ax_stdp_hist *h);

static inline uint32_t ax_stdp_hist_len(const ax_stdp_hist *h)
{
    return h->end - h->first;
}

/* ---- the per-synapse update ----------------------------------------------- */

/* Potentiation by one post spike, kplus = the presynaptic trace decayed to
 * it; depression by the post trace kminus (NEST's facilitate_ / depress_). */
static inline double ax_stdp_facilitate(const ax_stdp_params *p, double w, double kplus)
{
    if (p->kind == AX_STDP_PL_HOM) return w + ((p->lambda * pow(w, p->mu_plus)) * kplus);
    double norm_w = (w / p->Wmax) + ((p->lambda * pow(1.0 - (w / p->Wmax), p->mu_plus)) * kplus);
    return norm_w < 1.0 ? norm_w * p->Wmax : p->Wmax;
}

static inline double ax_stdp_depress(const ax_stdp_params *p, double w, double kminus)
{
    if (p->kind == AX_STDP_PL_HOM) {
        double new_w = w - (((p->lambda * p->alpha) * w) * kminus);
        return new_w > 0.0 ? new_w : 0.0;
    }
    double norm_w = (w / p->Wmax) - (((p->alpha * p->lambda) * pow(w / p->Wmax, p->mu_minus)) * kminus);
    return norm_w > 0.0 ? norm_w * p->Wmax : 0.0;
}

/* e^{dt / tau_plus}: stdp_synapse divides, stdp_pl_synapse_hom multiplies by
 * the stored inverse (the two differ in the last bit for some dt). */
static inline double ax_stdp_decay(const ax_stdp_params *p, double dt)
{
    return p->kind == AX_STDP_PL_HOM ? exp(dt * p->tau_plus_inv) : exp(dt / p->tau_plus);
}

/* Apply, in time order, the potentiation by the post spikes that reach the
 * synapse (t_post + d) in (t_from, t_to]; the presynaptic trace is kplus at
 * t_last (NEST's loop over get_history). t_from >= t_last. */
static inline double ax_stdp_facilitate_window(const ax_stdp_params *p, const ax_stdp_time *tb,
                                               const ax_stdp_hist *h, double w, int64_t d,
                                               int64_t t_last, double kplus, int64_t t_from,
                                               int64_t t_to)
{
    const ax_stdp_entry *e = h->e;
    uint32_t hi = h->end;
    while (hi > h->first && e[hi - 1].t > t_to - d) hi--;
    uint32_t lo = hi;
    while (lo > h->first && e[lo - 1].t > t_from - d) lo--;
    const double t_last_ms = ax_stdp_ms(tb, t_last), d_ms = (double)d * tb->ms_per_step;
    for (uint32_t k = lo; k < hi; k++) {
        double minus_dt = t_last_ms - (ax_stdp_ms(tb, e[k].t) + d_ms);
        w = ax_stdp_facilitate(p, w, kplus * ax_stdp_decay(p, minus_dt));
    }
    return w;
}

/* K_minus of the history at time t_spike - d: the newest entry strictly
 * before it, decayed (NEST's get_K_value, argument (t_i - t) * 1/tau_minus);
 * 0 without one. */
static inline double ax_stdp_kminus(const ax_stdp_time *tb, const ax_stdp_hist *h, int64_t d,
                                    int64_t t_spike, double tau_minus_inv)
{
    uint32_t j = h->end;
    while (j > h->first && h->e[j - 1].t >= t_spike - d) j--;
    if (j == h->first) return 0.0;
    double t = ax_stdp_ms(tb, t_spike) - (double)d * tb->ms_per_step;
    return h->e[j - 1].k * exp((ax_stdp_ms(tb, h->e[j - 1].t) - t) * tau_minus_inv);
}

/* The weight a presynaptic spike stamped t_spike carries through a synapse
 * of weight w and delay d (steps, all of it dendritic, as NEST): facilitation
 * by the post spikes arriving in (t_from, t_spike] (t_from: t_last, or later
 * where ax_stdp_facilitate_window already applied the earlier ones), then
 * depression by K_minus(t_spike - d). The new weight is both the synapse's
 * and the spike's. kplus, t_last: the presynaptic trace and the previous
 * spike's stamp (0 and 0 before the first). */
static inline double ax_stdp_send(const ax_stdp_params *p, const ax_stdp_time *tb,
                                  const ax_stdp_hist *h, double tau_minus_inv, double w, int64_t d,
                                  int64_t t_spike, int64_t t_last, int64_t t_from, double kplus)
{
    w = ax_stdp_facilitate_window(p, tb, h, w, d, t_last, kplus, t_from, t_spike);
    return ax_stdp_depress(p, w, ax_stdp_kminus(tb, h, d, t_spike, tau_minus_inv));
}

/* The presynaptic trace after a spike at t_spike (previous at t_last):
 * Kplus e^{(t_last - t_spike)/tau_plus} + 1 (after every synapse of the
 * source was updated, as NEST updates it after send). */
static inline double ax_stdp_kplus_after(const ax_stdp_params *p, const ax_stdp_time *tb,
                                         double kplus, int64_t t_last, int64_t t_spike)
{
    return kplus * ax_stdp_decay(p, ax_stdp_ms(tb, t_last) - ax_stdp_ms(tb, t_spike)) + 1.0;
}

#endif
