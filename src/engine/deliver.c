/* deliver.c - spike delivery (DESIGN.md §2.4): each thread adds the spikes
 * received at the end of the last slice into its own ring buffers.
 *
 * Order: received spikes in (lag, source gid) order (the exchange sorts
 * them), each source's row in connection-creation order, so every input sum
 * is added in the same order for every ranks x threads. Per spike: the
 * static row (compact 4-byte synapses with one weight per source population,
 * or 8-byte ones), then the tsodyks2 row (a branch per spike, not per
 * synapse). A thread writes only its own ring buffers: no atomics or locks.
 */
#include <math.h>

#include "engine_impl.h"

/* Add one spike's row of synapses to the ring buffers from slot base on: a
 * row of 8-byte synapses (ax_syn), each weight times f, or (compact) a row of
 * packed words that all carry the weight f. compact is a constant at every
 * call, so the compiler makes one loop of each kind. */
static inline __attribute__((always_inline)) void
deliver_row(ax_vp *restrict v, const void *restrict row, int64_t len, int64_t base, double f,
            const int compact)
{
    const int64_t S = v->n_slots, NL = v->n_local;
    const uint32_t imask = v->idx_mask, dmask = v->delay_mask;
    const int ib = v->idx_bits;
    const ax_syn *restrict sy = row;
    const uint32_t *restrict pk = row;
    double *restrict ring = v->ring;
    for (int64_t q = 0; q < len; q++) {
        uint32_t p = compact ? pk[q] : sy[q].packed;
        int64_t slot = base + ((p >> ib) & dmask);
        slot -= slot >= S ? S : 0;
        ring[((int64_t)(p >> 31) * S + slot) * NL + (p & imask)] += compact ? f : f * sy[q].w;
    }
}

/* The tsodyks2 synapses of source gid (population pop) for its spike in step n (NEST's
 * tsodyks2_synapse::send, in the same order): each run of one projection
 * sends w * x * u with its current state, then advances x and u over the
 * interval h since the source's previous spike (stamps in NEST's tics). */
static void deliver_tso(const struct ax_engine_s *e, ax_vp *v, int pop, int64_t gid, int64_t n,
                        int64_t base)
{
    const ax_store *st = &v->pl;
    ax_tso_rows *t = &v->tso;
    int64_t row = ax_store_find_in(st, e->spec, pop, gid);
    if (row < 0) return;
    double h = ax_stamp_ms(e, n + 1) - ax_stamp_ms(e, t->t_last[row]);
    t->t_last[row] = n + 1;
    v->n_events += st->rows[row + 1] - st->rows[row];
    for (int64_t r = t->run[row]; r < t->run[row + 1]; r++) {
        const ax_tso *p = &e->spec->proj[t->run_proj[r]].tso;
        int64_t q0 = r == t->run[row] ? st->rows[row] : t->run_end[r - 1];
        deliver_row(v, st->syn + q0, t->run_end[r] - q0, base, t->x[r] * t->u[r], 0);
        double x_decay = exp(-h / p->tau_rec);
        double u_decay = p->tau_fac < 1.0e-10 ? 0.0 : exp(-h / p->tau_fac);
        t->x[r] = 1.0 + (t->x[r] - t->x[r] * t->u[r] - 1.0) * x_decay;
        t->u[r] = p->U + t->u[r] * (1.0 - p->U) * u_decay;
    }
}

void ax_vp_deliver(const struct ax_engine_s *e, ax_vp *v, int64_t t_prev)
{
    const int64_t S = v->n_slots;
    const int plastic = v->pl.n_syn > 0;
    for (int64_t k = 0; k < e->n_recv; k++) {
        uint64_t key = e->recv[k];
        int64_t gid = (int64_t)(key & GID_MASK), n = t_prev + (int64_t)(key >> LAG_SHIFT);
        int64_t base = n % S;
        int p = ax_spec_pop_of(e->spec, gid);
        const ax_store *st = e->compact[p] ? &v->cp : &v->st;
        int64_t row = ax_store_find_in(st, e->spec, p, gid);
        if (row >= 0) {
            const int64_t len = st->rows[row + 1] - st->rows[row];
            v->n_events += len;
            if (st->pk) deliver_row(v, st->pk + st->rows[row], len, base, e->cw[p], 1);
            else deliver_row(v, st->syn + st->rows[row], len, base, 1.0, 0);
        }
        if (plastic) deliver_tso(e, v, p, gid, n, base);
    }
}
