/* deliver.c - spike delivery (DESIGN.md §2.4): each thread adds the spikes
 * received at the end of the last slice into its own input buffers.
 *
 * Order: received spikes in (lag, source gid) order (the exchange sorts
 * them), each source's row in connection-creation order, so every input sum
 * is added in the same order for every ranks x threads. Per spike: the
 * static row (compact 4-byte synapses with one weight per source population,
 * or 8-byte ones), then the tsodyks2 row, then the STDP row (stdp_store.c;
 * a branch per spike, not per synapse). A thread writes only its own buffers: no atomics or locks.
 *
 * Two modes give the same bits (docs/engine.md, "Delivery"):
 * - direct: every synapse adds its weight into the ring buffer cell of its
 *   arrival step. When the ring is larger than the caches (the
 *   microcircuit: 91 slots x 2 receptors x 38,585 neurons = 54 MiB per
 *   thread), every add misses.
 * - deferred: rows are sorted by delay (stably: synapses of one delay keep
 *   their order, and synapses of different delays never meet in one cell),
 *   so a row is a few runs of one delay. Deliver queues one entry per run
 *   for the run's arrival step; at the start of each slice the queues of
 *   its D steps are applied, in queue order, into a D-slot buffer that
 *   stays in cache. Every input cell then receives the same operands in the
 *   same order as in direct mode (each queue holds its step's runs in
 *   delivery order and a run keeps row order), starting from +0.0, before
 *   the devices' input, as before.
 */
#include <math.h>
#include <stdlib.h>

#include "engine_impl.h"

/* Add one spike's row of synapses to the ring buffers from slot base on: a
 * row of 8-byte synapses (ax_syn), each weight times f, or (compact) a row of
 * packed words that all carry the weight f. compact is a constant at every
 * call, so the compiler makes one loop of each kind. */
static inline __attribute__((always_inline)) void
deliver_row(ax_vp *restrict v, const void *restrict row, int64_t len, int64_t base, double f,
            const int compact)
{
    const int64_t S = v->n_ring, NL = v->n_local;
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

/* ---- deferred mode: queues per arrival step ----------------------------- */

static int queue_grow(ax_queue *q)
{
    int64_t c = q->cap ? 2 * q->cap : 256;
    ax_qent *x = realloc(q->e, (size_t)c * sizeof *x);
    if (!x) return -1;
    q->e = x;
    q->cap = c;
    return 0;
}

static inline void queue_push(ax_vp *v, int64_t b, const void *p, uint32_t len, uint32_t kind,
                              double f)
{
    ax_queue *q = &v->q[b];
    if (__builtin_expect(q->n == q->cap, 0) && queue_grow(q)) {
        v->status = AX_ENOMEM;
        return;
    }
    q->e[q->n++] = (ax_qent){p, len, kind, f};
}

/* Queue the runs of one delay of a spike's row (emitted in step n, n mod
 * n_slots = base): rows of 8-byte synapses (RUN8) or packed words with the
 * weight f (RUN4). */
static void queue_row(ax_vp *v, const ax_store *st, int64_t row, int64_t base, double f)
{
    const int64_t S = v->n_slots;
    const int db = v->delay_bits;
    const uint32_t dm = v->delay_mask;
    const int64_t r0 = st->rows[row];
    uint32_t start = 0;
    for (int64_t j = st->drow[row]; j < st->drow[row + 1]; j++) {
        const uint32_t w = st->drun[j], end = w >> db;
        int64_t b = base + (w & dm);
        b -= b >= S ? S : 0;
        if (st->pk) queue_push(v, b, st->pk + r0 + start, end - start, AX_Q_RUN4, f);
        else queue_push(v, b, st->syn + r0 + start, end - start, AX_Q_RUN8, 0.0);
        start = end;
    }
}

void ax_vp_add_input(ax_vp *v, int64_t n, int r, int64_t idx, double x)
{
    if (v->deferred) {
        queue_push(v, n % v->n_slots, NULL, ((uint32_t)r << 31) | (uint32_t)idx, AX_Q_VAL, x);
        return;
    }
    v->ring[((int64_t)r * v->n_ring + n % v->n_ring) * v->n_local + idx] += x;
}

/* Add a queue's entries, in order, into one slot of a buffer whose receptor
 * rows are rstride apart. */
static void apply_queue(const ax_vp *v, const ax_queue *q, double *restrict slot, int64_t rstride)
{
    const uint32_t imask = v->idx_mask;
    const ax_qent *x = q->e;
    for (int64_t k = 0; k < q->n; k++) {
        if (k + 2 < q->n) { /* runs are scattered over the store: fetch ahead */
            const char *a = x[k + 2].p;
            if (a) {
                __builtin_prefetch(a);
                __builtin_prefetch(a + 64);
                __builtin_prefetch(a + 128);
                __builtin_prefetch(a + 192);
            }
        }
        const uint32_t n = x[k].len;
        switch (x[k].kind) {
        case AX_Q_RUN8: {
            const ax_syn *restrict sy = x[k].p;
            for (uint32_t q = 0; q < n; q++) { /* w as direct mode's 1.0 * w: the same double */
                const uint32_t p = sy[q].packed;
                slot[(int64_t)(p >> 31) * rstride + (p & imask)] += (double)sy[q].w;
            }
            break;
        }
        case AX_Q_RUN4: {
            const uint32_t *restrict pk = x[k].p;
            const double f = x[k].f;
            for (uint32_t q = 0; q < n; q++)
                slot[(int64_t)(pk[q] >> 31) * rstride + (pk[q] & imask)] += f;
            break;
        }
        default: /* AX_Q_VAL */
            slot[(int64_t)(n >> 31) * rstride + (n & imask)] += x[k].f;
        }
    }
}

void ax_vp_apply(ax_vp *v, int64_t t0, int64_t t1)
{
    if (!v->deferred) return;
    const int64_t NL = v->n_local, R = v->n_ring, S = v->n_slots;
    for (int64_t n = t0; n < t1; n++) {
        double *slot = v->ring + (n % R) * NL;
        if (v->restored && n < v->restored_end) /* the checkpoint's partial sums come first */
            for (int r = 0; r < v->n_rec; r++) {
                const double *src = v->restored + ((int64_t)r * S + n % S) * NL;
                double *dst = slot + (int64_t)r * R * NL;
                for (int64_t i = 0; i < NL; i++) dst[i] += src[i];
            }
        ax_queue *q = &v->q[n % S];
        apply_queue(v, q, slot, R * NL);
        q->n = 0;
    }
    if (v->restored && t1 >= v->restored_end) {
        free(v->restored);
        v->restored = NULL;
    }
}

double *ax_vp_pending(ax_vp *v, int64_t t)
{
    if (!v->deferred) return v->ring;
    const int64_t NL = v->n_local, S = v->n_slots;
    double *out = calloc((size_t)(v->n_rec * S * (NL ? NL : 1)), sizeof *out);
    if (!out) return NULL;
    for (int64_t n = t; n < t + S; n++) {
        double *slot = out + (n % S) * NL;
        if (v->restored && n < v->restored_end)
            for (int r = 0; r < v->n_rec; r++)
                for (int64_t i = 0; i < NL; i++)
                    slot[(int64_t)r * S * NL + i] = v->restored[((int64_t)r * S + n % S) * NL + i];
        apply_queue(v, &v->q[n % S], slot, S * NL);
    }
    return out;
}

/* ---- tsodyks2, tsodyks ---------------------------------------------------- */

/* tsodyks_synapse (Tsodyks, Uziel & Markram 2000, as NEST's
 * models/tsodyks_synapse.h states it): over the interval h since the
 * source's previous spike, the active resources y decay with tau_psc into
 * the inactive ones z = 1 - x - y, which recover into x with tau_rec (the
 * exact propagators of that linear system), and u decays with tau_fac; then
 * the spike raises u by U (1 - u) and moves u x from x to y: the fraction
 * of the weight it sends. NEST's operation order. */
static double tsodyks_spike(const ax_tso *p, double h, double *x, double *y, double *u)
{
    double Puu = p->tau_fac == 0.0 ? 0.0 : exp(-h / p->tau_fac);
    double Pyy = exp(-h / p->tau_psc), Pzz = exp(-h / p->tau_rec);
    double Pxy = ((Pzz - 1.0) * p->tau_rec - (Pyy - 1.0) * p->tau_psc) / (p->tau_psc - p->tau_rec);
    double Pxz = 1.0 - Pzz, z = 1.0 - *x - *y;
    *u *= Puu;
    *x += Pxy * *y + Pxz * z;
    *y *= Pyy;
    *u += p->U * (1.0 - *u);
    double dy = *u * *x;
    *x -= dy;
    *y += dy;
    return dy;
}

/* The short-term plastic synapses of source gid (population pop) for its
 * spike in step n: each run of one projection sends w f with its state.
 * tsodyks2 (NEST's tsodyks2_synapse::send, in the same order): f = x u with
 * the current state, then x and u advance over the interval h since the
 * source's previous spike (stamps in NEST's tics); tsodyks advances first
 * and sends f = the u x it moved (tsodyks_spike). Deferred mode queues each
 * synapse's value f * w: the same product. */
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
    const int ib = v->idx_bits;
    for (int64_t r = t->run[row]; r < t->run[row + 1]; r++) {
        const ax_proj_spec *ps = &e->spec->proj[t->run_proj[r]];
        const ax_tso *p = &ps->tso;
        const int tm = ps->syn_model == AX_SYN_TSODYKS;
        int64_t q0 = r == t->run[row] ? st->rows[row] : t->run_end[r - 1];
        const double f = tm ? tsodyks_spike(p, h, &t->x[r], &t->y[r], &t->u[r])
                            : t->x[r] * t->u[r];
        if (v->deferred) {
            for (int64_t q = q0; q < t->run_end[r]; q++) {
                const uint32_t pk = st->syn[q].packed;
                ax_vp_add_input(v, n + ((pk >> ib) & v->delay_mask), (int)(pk >> 31),
                                pk & v->idx_mask, f * st->syn[q].w);
            }
        } else {
            deliver_row(v, st->syn + q0, t->run_end[r] - q0, base, f, 0);
        }
        if (tm) continue;
        double x_decay = exp(-h / p->tau_rec);
        double u_decay = p->tau_fac < 1.0e-10 ? 0.0 : exp(-h / p->tau_fac);
        t->x[r] = 1.0 + (t->x[r] - t->x[r] * t->u[r] - 1.0) * x_decay;
        t->u[r] = p->U + t->u[r] * (1.0 - p->U) * u_decay;
    }
}

void ax_vp_deliver(const struct ax_engine_s *e, ax_vp *v, int64_t t_prev)
{
    const int plastic = v->pl.n_syn > 0, stdp = v->sp.st.n_syn > 0;
    for (int64_t k = 0; k < e->n_recv; k++) {
        uint64_t key = e->recv[k];
        int64_t gid = (int64_t)(key & GID_MASK), n = t_prev + (int64_t)(key >> LAG_SHIFT);
        int p = ax_spec_pop_of(e->spec, gid);
        const ax_store *st = e->compact[p] ? &v->cp : &v->st;
        int64_t row = ax_store_find_in(st, e->spec, p, gid);
        if (row >= 0) {
            const int64_t len = st->rows[row + 1] - st->rows[row];
            v->n_events += len;
            if (v->deferred) queue_row(v, st, row, n % v->n_slots, e->cw[p]);
            else if (st->pk) deliver_row(v, st->pk + st->rows[row], len, n % v->n_ring, e->cw[p], 1);
            else deliver_row(v, st->syn + st->rows[row], len, n % v->n_ring, 1.0, 0);
        }
        if (plastic) deliver_tso(e, v, p, gid, n, n % v->n_ring);
        if (stdp) ax_stdp_deliver(e, v, p, gid, n);
    }
}
