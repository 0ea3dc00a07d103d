/* stdp_store.c - the engine's STDP synapses (docs/plasticity.md): build
 * their runs, update them when a spike is delivered, keep the postsynaptic
 * spike histories, and bound those histories.
 *
 * NEST's order, per presynaptic spike stamped s and synapse of delay d
 * (axon/stdp.h): potentiate with every post spike arriving (t_post + d) in
 * (t_last, s], depress with K_minus(s - d), send the new weight, then update
 * the source's trace Kplus and t_last. The update runs at delivery, at the
 * start of the slice after the one the spike was emitted in. Every delay is
 * at least the slice length D, so the post spikes it needs (t_post <= s - d
 * <= slice start - D) are all in the history by then, and the later ones
 * already there are excluded by the window bounds: the result is NEST's,
 * whatever the slice length (notes: stdp.md section 6).
 *
 * History bound. A synapse needs post spikes back to its source's last
 * spike, which for a silent source is unbounded. Every stdp_sweep steps
 * (about a second of model time) the sweep applies, to the synapses of every
 * source silent for longer than that, the potentiation by the post spikes
 * that have reached them so far (t_fac, "facilitated through"): the same
 * operations in the same order as NEST applies them at the next presynaptic
 * spike, only earlier, so the weights are bitwise NEST's at every
 * transmitted spike. Then no synapse needs a post spike older than
 * min(t_fac) - max delay, and the histories are cut there (keeping the
 * newest entry before any future K_minus query). Memory per neuron: its
 * spikes of the last 2 sweep periods + the longest delay, plus one, and
 * 1/tau_minus (which may differ per neuron).
 *
 * Sweeps happen at the same model times for any ranks x threads (a multiple
 * of D) and a row's state depends only on its source's spikes, so results
 * are identical for every decomposition; pruning differs per thread but
 * drops only entries nothing reads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axon/connect.h"
#include "axon/free_all.h"
#include "axon/grow.h"
#include "axon/steps.h"
#include "engine_impl.h"

/* Model time between sweeps (rounded up to whole slices). */
#define AX_STDP_SWEEP_MS 1000.0

static int64_t max_delay_steps(const ax_dist *d, double h)
{
    double hi = d->kind == AX_DIST_CONST ? d->value : d->high;
    return (int64_t)llround(hi / h);
}

ax_status ax_stdp_engine_init(struct ax_engine_s *e, ax_error *err)
{
    const ax_spec *s = e->spec;
    int any = 0;
    for (int k = 0; k < s->n_proj; k++) any |= s->proj[k].syn_model == AX_SYN_STDP;
    if (!any) return AX_OK;
    AX_TRY(ax_stdp_time_init(&e->stdp_tb, e->h, err));
    e->stdp_proj = calloc((size_t)s->n_proj, sizeof *e->stdp_proj);
    e->stdp_post = calloc((size_t)s->n_pops, 1);
    AX_CHECK(e->stdp_proj && e->stdp_post, err, AX_ENOMEM, "out of memory for the STDP tables");
    for (int k = 0; k < s->n_proj; k++) {
        const ax_proj_spec *ps = &s->proj[k];
        if (ps->syn_model != AX_SYN_STDP) continue;
        ax_stdp_proj *P = &e->stdp_proj[k];
        P->p = ps->stdp;
        P->count_only = ax_model_find(s->pops[ps->tgt].model)->counts_spikes;
        P->wrec = ps->wrec;
        if (ps->wrec) {
            const ax_dev_spec *d = &s->dev[ps->wrec - 1];
            P->on0 = ax_time_steps_or_never(d->start, e->h);
            P->on1 = ax_time_steps_or_never(d->stop, e->h);
        }
        e->stdp_post[ps->tgt] = 1;
        int64_t dm = max_delay_steps(&ps->delay, e->h);
        if (dm > e->stdp_dmax) e->stdp_dmax = dm;
    }
    /* AXON_STDP_SWEEP_MS (tests only) moves the sweeps: results at every
     * transmitted spike must not depend on it */
    const char *env = getenv("AXON_STDP_SWEEP_MS");
    double ms = env && atof(env) > 0 ? atof(env) : AX_STDP_SWEEP_MS;
    int64_t sweep = (int64_t)ceil(fmin(ms / e->h, 1e15) / (double)e->D - 1e-9) * e->D;
    e->stdp_sweep = sweep > e->D ? sweep : e->D;
    return AX_OK;
}

void ax_stdp_engine_free(struct ax_engine_s *e)
{
    free(e->stdp_proj);
    free(e->stdp_post);
    e->stdp_proj = NULL;
    e->stdp_post = NULL;
}

/* 1/tau_minus of every local neuron of population pop (NEST's ArchivingNode
 * keeps the inverse and multiplies by it); tau_minus may differ per neuron. */
ax_status ax_stdp_tau_minus(const struct ax_engine_s *e, ax_vp *v, int pop, ax_error *err)
{
    if (!v->sp.tmi || !e->stdp_post[pop]) return AX_OK;
    const ax_block *b = &v->blocks[pop];
    const int64_t first = e->spec->pops[pop].first_gid;
    for (int64_t j = 0; j < b->n; j++) {
        double tau;
        AX_TRY(ax_spec_param_at(e->spec, pop, "tau_minus", b->gid0 + j * e->part.n_vp - first, &tau,
                                err));
        v->sp.tmi[b->offset + j] = 1. / tau;
    }
    return AX_OK;
}

/* Split the rows into runs of one projection (rows keep creation order, so
 * a projection's synapses in a row are contiguous) and set each run's Kplus
 * to its projection's initial value. */
ax_status ax_stdp_build(const struct ax_engine_s *e, ax_vp *v, const int32_t *proj_of,
                        ax_error *err)
{
    ax_stdp_store *sp = &v->sp;
    const ax_store *st = &sp->st;
    int64_t n = ax_store_count_runs(st, proj_of);
    sp->t_last = calloc((size_t)st->n_src + 1, sizeof *sp->t_last);
    sp->t_fac = calloc((size_t)st->n_src + 1, sizeof *sp->t_fac);
    sp->run = malloc(((size_t)st->n_src + 1) * sizeof *sp->run);
    sp->run_end = malloc((size_t)(n + 1) * sizeof *sp->run_end);
    sp->run_proj = malloc((size_t)(n + 1) * sizeof *sp->run_proj);
    sp->kplus = malloc((size_t)(n + 1) * sizeof *sp->kplus);
    sp->hist = calloc((size_t)(v->n_local > 0 ? v->n_local : 1), sizeof *sp->hist);
    sp->tmi = calloc((size_t)(v->n_local > 0 ? v->n_local : 1), sizeof *sp->tmi);
    AX_CHECK(sp->t_last && sp->t_fac && sp->run && sp->run_end && sp->run_proj && sp->kplus &&
             sp->hist && sp->tmi, err, AX_ENOMEM, "out of memory for the state of %lld STDP runs",
             (long long)n);
    for (int p = 0; p < e->spec->n_pops; p++) AX_TRY(ax_stdp_tau_minus(e, v, p, err));
    ax_store_split_runs(st, proj_of, sp->run, sp->run_end, sp->run_proj);
    for (int64_t r = 0; r < n; r++) sp->kplus[r] = e->stdp_proj[sp->run_proj[r]].p.Kplus;
    sp->swept = -1;
    return AX_OK;
}

void ax_stdp_free(ax_vp *v)
{
    ax_stdp_store *sp = &v->sp;
    if (sp->hist)
        for (int64_t i = 0; i < v->n_local; i++) ax_stdp_hist_free(&sp->hist[i]);
    ax_store_free(&sp->st);
    AX_FREE_ALL(sp->w, sp->t_last, sp->t_fac, sp->run, sp->run_end, sp->run_proj, sp->kplus,
                sp->hist, sp->tmi, sp->rec.src, sp->rec.tgt, sp->rec.step, sp->rec.w, sp->rec.proj);
    memset(sp, 0, sizeof *sp);
}

/* Whether gid lies in one of the ranges (an empty list holds every gid). */
static int in_ranges(const ax_spec *s, const ax_dev_target *r, int n, int64_t gid)
{
    if (n == 0) return 1;
    for (int k = 0; k < n; k++) {
        int64_t a = s->pops[r[k].pop].first_gid + r[k].first;
        if (gid >= a && gid < a + r[k].count) return 1;
    }
    return 0;
}

/* A weight_recorder row: presynaptic spike stamp s through synapse src -> tgt. */
static void wrec_event(const struct ax_engine_s *e, ax_vp *v, const ax_stdp_proj *P, int32_t k,
                       int64_t src, int64_t tgt, int64_t s, double w)
{
    const ax_dev_spec *d = &e->spec->dev[P->wrec - 1];
    if (!d->wr_events || s <= P->on0 || s > P->on1) return;
    if (!in_ranges(e->spec, d->senders, d->n_senders, src) ||
        !in_ranges(e->spec, d->targets, d->n_targets, tgt))
        return;
    ax_wrec_buf *b = &v->sp.rec;
    if (b->n == b->cap) {
        int64_t cap = ax_grow_cap(b->cap, 4096);
        if (!AX_RESIZE_ALL(cap, AX_GROW(b->src), AX_GROW(b->tgt), AX_GROW(b->step), AX_GROW(b->w),
                           AX_GROW(b->proj))) {
            v->status = AX_ENOMEM;
            return;
        }
        b->cap = cap;
    }
    b->src[b->n] = (uint64_t)src;
    b->tgt[b->n] = (uint64_t)tgt;
    b->step[b->n] = s;
    b->w[b->n] = w;
    b->proj[b->n++] = k;
}

void ax_stdp_deliver(const struct ax_engine_s *e, ax_vp *v, int pop, int64_t gid, int64_t n)
{
    ax_stdp_store *sp = &v->sp;
    int64_t row = ax_store_find_in(&sp->st, e->spec, pop, gid);
    if (row < 0) return;
    const ax_stdp_time *tb = &e->stdp_tb;
    const int64_t s = n + 1, t_last = sp->t_last[row], t_from = sp->t_fac[row];
    const uint32_t imask = v->idx_mask, dmask = v->delay_mask;
    const int ib = v->idx_bits;
    v->n_events += sp->st.rows[row + 1] - sp->st.rows[row];
    for (int64_t r = sp->run[row]; r < sp->run[row + 1]; r++) {
        const int32_t k = sp->run_proj[r];
        const ax_stdp_proj *P = &e->stdp_proj[k];
        const double kplus = sp->kplus[r];
        const int64_t q0 = r == sp->run[row] ? sp->st.rows[row] : sp->run_end[r - 1];
        for (int64_t q = q0; q < sp->run_end[r]; q++) {
            const uint32_t p = sp->st.pk[q];
            const int64_t i = p & imask, d = (p >> ib) & dmask;
            double w = ax_stdp_send(&P->p, tb, &sp->hist[i], sp->tmi[i], sp->w[q], d, s, t_last,
                                    t_from, kplus);
            sp->w[q] = w;
            ax_vp_add_input(v, n + d, (int)(p >> 31), i, P->count_only ? 1.0 : w);
            if (P->wrec)
                wrec_event(e, v, P, k, gid, ax_vp_gid_of(v, &e->part, e->spec->proj[k].tgt, i), s, w);
        }
        sp->kplus[r] = ax_stdp_kplus_after(&P->p, tb, kplus, t_last, s);
    }
    sp->t_last[row] = s;
    sp->t_fac[row] = s;
}

/* Apply to row's synapses the potentiation by the post spikes that reached
 * them up to stamp m (t_post + d <= m), and mark the row so. */
static void catch_up(const struct ax_engine_s *e, ax_vp *v, int64_t row, int64_t m)
{
    ax_stdp_store *sp = &v->sp;
    const uint32_t imask = v->idx_mask, dmask = v->delay_mask;
    const int ib = v->idx_bits;
    for (int64_t r = sp->run[row]; r < sp->run[row + 1]; r++) {
        const ax_stdp_proj *P = &e->stdp_proj[sp->run_proj[r]];
        const int64_t q0 = r == sp->run[row] ? sp->st.rows[row] : sp->run_end[r - 1];
        for (int64_t q = q0; q < sp->run_end[r]; q++) {
            const uint32_t p = sp->st.pk[q];
            const int64_t i = p & imask, d = (p >> ib) & dmask;
            sp->w[q] = ax_stdp_facilitate_window(&P->p, &e->stdp_tb, &sp->hist[i], sp->w[q], d,
                                                 sp->t_last[row], sp->kplus[r], sp->t_fac[row], m);
        }
    }
    sp->t_fac[row] = m;
}

void ax_stdp_sweep(const struct ax_engine_s *e, ax_vp *v, int64_t t0)
{
    ax_stdp_store *sp = &v->sp;
    if (!sp->hist || t0 <= 0 || t0 % e->stdp_sweep != 0 || sp->swept == t0) return;
    sp->swept = t0;
    int64_t lag = t0 - e->stdp_sweep, min_fac = t0;
    for (int64_t row = 0; row < sp->st.n_src; row++) {
        if (sp->t_fac[row] < lag) catch_up(e, v, row, t0);
        if (sp->t_fac[row] < min_fac) min_fac = sp->t_fac[row];
    }
    /* every later facilitation window starts after min_fac - d >= fac_bound;
     * every later K_minus query is at s - d >= t0 + 1 - dmax */
    const int64_t fac_bound = min_fac - e->stdp_dmax, k_bound = t0 + 1 - e->stdp_dmax;
    for (int64_t i = 0; i < v->n_local; i++) ax_stdp_hist_prune(&sp->hist[i], fac_bound, k_bound);
}

int ax_stdp_post_spike(const struct ax_engine_s *e, ax_vp *v, int64_t local, int64_t s,
                       uint32_t mult)
{
    for (uint32_t k = 0; k < mult; k++)
        if (ax_stdp_hist_push(&v->sp.hist[local], s, &e->stdp_tb, v->sp.tmi[local])) return -1;
    return 0;
}

ax_status ax_stdp_reset(struct ax_engine_s *e, ax_vp *v, ax_error *err)
{
    ax_stdp_store *sp = &v->sp;
    if (!sp->hist) return AX_OK;
    for (int64_t row = 0; row < sp->st.n_src; row++) {
        sp->t_last[row] = sp->t_fac[row] = 0;
        for (int64_t r = sp->run[row]; r < sp->run[row + 1]; r++)
            sp->kplus[r] = e->stdp_proj[sp->run_proj[r]].p.Kplus;
    }
    for (int64_t i = 0; i < v->n_local; i++) sp->hist[i].first = sp->hist[i].end = 0;
    sp->swept = -1;
    sp->rec.n = 0;
    return ax_vp_stdp_initial_weights(e, v, err);
}

double ax_stdp_bytes(const ax_vp *v, double *hist_bytes)
{
    const ax_stdp_store *sp = &v->sp;
    double h = 0;
    if (sp->hist)
        for (int64_t i = 0; i < v->n_local; i++)
            h += sp->hist[i].cap * (double)sizeof(ax_stdp_entry) + sizeof(ax_stdp_hist) +
                 sizeof(double) /* 1/tau_minus */;
    if (hist_bytes) *hist_bytes = h;
    int64_t runs = sp->run ? sp->run[sp->st.n_src] : 0;
    return sp->st.n_syn * (double)(sizeof(uint32_t) + sizeof(double)) +
           sp->st.n_src * (double)(2 * sizeof(int64_t) /* src_gid, rows */ +
                                   3 * sizeof(int64_t) /* t_last, t_fac, run */) +
           runs * (double)(sizeof(int64_t) + sizeof(int32_t) + sizeof(double));
}

/* ---- the weights now, in the session's order ------------------------------- */

typedef struct {
    const struct ax_engine_s *e;
    const ax_vp *v;
    int k, src_pop;
    int64_t *seen;   /* [n_src]: synapses of projection k met so far per row */
    int64_t n, room;
    double *w;
} weights_ctx;

/* The rule emits a row's synapses of one projection in the order the store
 * placed them (the build's cursor per row), so the j-th synapse met with
 * source s is the j-th of s's run of projection k. */
static ax_status weight_sink(void *ctx, int64_t src, int64_t tgt, double w, int32_t d, int r,
                             ax_error *err)
{
    (void)tgt; (void)w; (void)d; (void)r;
    weights_ctx *c = ctx;
    const ax_stdp_store *sp = &c->v->sp;
    int64_t row = ax_store_find_in(&sp->st, c->e->spec, c->src_pop, src);
    AX_CHECK(row >= 0, err, AX_EINTERNAL, "STDP weights: source %lld has no row",
             (long long)src);
    for (int64_t q = sp->run[row]; q < sp->run[row + 1]; q++) {
        if (sp->run_proj[q] != c->k) continue;
        int64_t q0 = q == sp->run[row] ? sp->st.rows[row] : sp->run_end[q - 1];
        int64_t pos = q0 + c->seen[row]++;
        AX_CHECK(pos < sp->run_end[q], err, AX_EINTERNAL, "STDP weights: row of source %lld "
                 "holds fewer synapses than the rule makes", (long long)src);
        if (c->n < c->room) c->w[c->n] = sp->w[pos];
        c->n++;
        return AX_OK;
    }
    return AX_FAIL(err, AX_EINTERNAL, "STDP weights: source %lld has no synapse of projection %d",
                   (long long)src, c->k);
}

ax_status ax_engine_stdp_weights(ax_engine e, int k, int64_t n, double *w, ax_error *err)
{
    const ax_spec *s = e->spec;
    AX_CHECK(k >= 0 && k < s->n_proj && s->proj[k].syn_model == AX_SYN_STDP, err, AX_EINPUT,
             "projection %d has no plastic synapses", k);
    weights_ctx c = {.e = e, .k = k, .src_pop = s->proj[k].src, .room = n, .w = w};
    ax_status st = AX_OK;
    for (int t = 0; t < e->threads && st == AX_OK; t++) {
        const ax_vp *v = &e->vps[t];
        c.v = v;
        c.seen = calloc((size_t)(v->sp.st.n_src > 0 ? v->sp.st.n_src : 1), sizeof *c.seen);
        st = c.seen ? ax_connect_sources(s, k, &e->part, v->vp, weight_sink, &c, err)
                    : AX_FAIL(err, AX_ENOMEM, "out of memory reading STDP weights");
        free(c.seen);
    }
    if (st == AX_OK && c.n != n)
        st = AX_FAIL(err, AX_EINPUT, "projection %d has %lld synapses here, not %lld", k,
                     (long long)c.n, (long long)n);
    return st;
}
