/* update.c - one thread's neurons over the steps of a slice: devices'
 * currents, the model kernels (one call per population block and step, the
 * ring buffer slot of the step as input), then the emitted spikes are kept
 * as exchange keys (lag << LAG_SHIFT | gid), for recorded neurons in the
 * recorder buffers, and for targets of STDP synapses in their spike history.
 * The slot is zeroed after the step that consumed it.
 */
#include <stdlib.h>
#include <string.h>

#include "axon/grow.h"
#include "engine_impl.h"

static int grow_rec(ax_vp *v)
{
    int64_t c = v->cap_rec_spk * 2;
    int ok = 1;
    AX_RESIZE(v->rec_gid, c, ok);
    AX_RESIZE(v->rec_step, c, ok);
    if (!ok) return -1;
    v->cap_rec_spk = c;
    return 0;
}

/* Does a spike_recorder of the population record gid's spike of step n? */
static inline int recorded(const ax_rec_win *w, const ax_rec_win *end, int64_t gid, int64_t n)
{
    for (; w < end; w++)
        if (gid >= w->g0 && gid < w->g1 && n >= w->on0 && n < w->on1) return 1;
    return 0;
}

/* Room for k more exchange keys. */
static int reserve_out(ax_vp *v, int64_t k)
{
    if (v->n_out + k <= v->cap_out) return 0;
    int64_t c = 2 * (v->n_out + k);
    uint64_t *o = realloc(v->out, (size_t)c * sizeof *o);
    if (!o) return -1;
    v->out = o;
    v->cap_out = c;
    return 0;
}

/* Keep the spikes of block b in step n: exchange keys, recorder buffer and,
 * for targets of STDP synapses, the spike history. A spike of multiplicity
 * m (parrot_neuron) is kept m times: NEST delivers it as m spikes too. */
static void collect(const struct ax_engine_s *e, ax_vp *v, const ax_block *b, int64_t n,
                    int64_t t0, int64_t k)
{
    if (k == 0) return;
    const int64_t V = e->part.n_vp;
    const ax_rec_win *w0 = e->rec_win + e->rec_win_of[b->pop];
    const ax_rec_win *w1 = e->rec_win + e->rec_win_of[b->pop + 1];
    const int post = e->stdp_post && e->stdp_post[b->pop];
    for (int64_t q = 0; q < k; q++) {
        int64_t gid = b->gid0 + v->spiked[q] * V;
        uint32_t mult = ax_block_multiplicity(b, v->spiked[q]);
        if (mult > 1 && reserve_out(v, mult + (k - q))) {
            v->status = AX_ENOMEM;
            return;
        }
        if (post && ax_stdp_post_spike(e, v, b->offset + v->spiked[q], n + 1, mult))
            v->status = AX_ENOMEM;
        const int rec = w0 < w1 && recorded(w0, w1, gid, n);
        for (uint32_t m = 0; m < mult; m++) {
            v->out[v->n_out++] = ((uint64_t)(n - t0) << LAG_SHIFT) | (uint64_t)gid;
            if (!rec) continue;
            if (v->n_rec_spk == v->cap_rec_spk && grow_rec(v)) {
                v->status = AX_ENOMEM;
                continue;
            }
            v->rec_gid[v->n_rec_spk] = (uint64_t)gid;
            v->rec_step[v->n_rec_spk++] = n;
        }
        v->pop_spikes[b->pop] += mult;
    }
}

/* A model that gave up an integration (iaf_cond_exp's adaptive solver)
 * left a neuron frozen: the run stops with the reason, as NEST stops with
 * GSLSolverFailure, instead of going on with a wrong answer. */
static void check_solvers(const struct ax_engine_s *e, ax_vp *v, int64_t t1)
{
    for (int bi = 0; bi < v->n_blocks && v->status == AX_OK; bi++) {
        const ax_block *b = &v->blocks[bi];
        int64_t f = b->n ? ax_block_failures(b) : 0;
        if (f > 0)
            v->status = AX_FAIL(&v->err, AX_EINPUT,
                                "population '%s' (%s): the ODE solver gave up %lld integration "
                                "step(s) by t = %g ms (the state became non-finite or the step "
                                "size collapsed; NEST stops with GSLSolverFailure here): check "
                                "its potentials, currents and weights",
                                e->spec->pops[b->pop].name, b->ops->name, (long long)f,
                                (double)t1 * e->h);
    }
}

void ax_vp_update(const struct ax_engine_s *e, ax_vp *v, int64_t t0, int64_t t1)
{
    const int64_t S = v->n_ring, NL = v->n_local;
    int64_t slot = v->slot0; /* t0 mod S, then counted up: no division per step */
    for (int64_t n = t0; n < t1; n++, slot = slot + 1 == S ? 0 : slot + 1) {
        if (v->n_dc) ax_vp_dc(v, n);
        double *row[AX_MAX_RECEPTORS]; /* this step's slot, per receptor (extra ones alias 0) */
        for (int r = 0; r < AX_MAX_RECEPTORS; r++)
            row[r] = v->ring + ((r < v->n_rec ? r : 0) * S + slot) * NL;
        for (int bi = 0; bi < v->n_blocks; bi++) {
            ax_block *b = &v->blocks[bi];
            if (b->n == 0) continue;
            const double *in[AX_MAX_RECEPTORS];
            for (int r = 0; r < AX_MAX_RECEPTORS; r++) in[r] = row[r] + b->offset;
            if (reserve_out(v, b->max_spk)) { /* rare: more spikes than planned */
                v->status = AX_ENOMEM;
                return;
            }
            int64_t k = ax_block_update(b, in, v->spiked);
            collect(e, v, b, n, t0, k);
        }
        for (int r = 0; r < v->n_rec; r++) {
            if (NL > 16) memset(row[r], 0, (size_t)NL * sizeof(double));
            else for (int64_t i = 0; i < NL; i++) row[r][i] = 0.0; /* a few neurons: no call */
        }
        if (v->n_meter) ax_vp_sample(v, n);
    }
    check_solvers(e, v, t1);
}
