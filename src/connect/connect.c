/* connect.c - connection rules, run per virtual process (VP).
 *
 * ax_connect_projection() creates exactly the synapses of one projection
 * whose target the VP owns. Invariant that makes the network independent of
 * the decomposition: every random number comes from a stream keyed by
 * (seed, kind, projection, gid or tree node) (axon/rng.h), never by rank,
 * thread or VP, and each stream is consumed in an order that depends only on
 * the spec. A VP therefore draws the same numbers for its targets as any
 * other decomposition would, and skips the rest. Algorithms and costs:
 * docs/connectivity.md.
 *
 * Streams per projection `proj`:
 *   AX_RNG_CONN   (proj, target gid): sources of that target (all rules
 *                 except fixed_outdegree, which keys by source gid);
 *   AX_RNG_CONN_SPLIT (proj, node): fixed_total_number's binomial tree;
 *   AX_RNG_WEIGHT / AX_RNG_DELAY (proj, target gid): one value per synapse
 *                 of that target, in the target's creation order.
 * from_list draws nothing for its connections (the spec lists them, sorted
 * by target); only a weight/delay distribution without listed values draws.
 * Hot loops: one ax_rng_below() per synapse and one sink call per synapse
 * (or, through the _batched entry points the engine's build uses, one per
 * batch of a target's synapses, drawn one stream at a time); constant
 * weights and delays cost no draw.
 */
#include "axon/connect.h"

#include <math.h>
#include <stdlib.h>

#include "axon/rng.h"

/* Everything a rule needs, fixed for one call. */
typedef struct conn {
    const ax_proj_spec *ps;
    const ax_partition *part;
    uint32_t proj;
    uint64_t seed;
    int64_t s_first, s_n;   /* source population: first gid, size */
    int64_t t_first, t_n;   /* target population */
    int64_t vp;
    int excl_self;          /* same population, no autapses: index i never sources i */
    double h;               /* ms */
    int w_const, d_const;
    double w;               /* constant weight */
    int32_t d;              /* constant delay, steps */
    int rec_fixed;          /* receptor port, or -1: by weight sign */
    int sources_only;       /* skip weight/delay draws (their streams are separate) */
    ax_edge_sink sink;      /* per synapse, or NULL: */
    ax_edge_batch_sink bsink; /* per batch of one target's synapses into *b */
    ax_edge_batch *b;
    const ax_zig *zig;      /* the normal draws' inline path (axon/rng.h) */
    void *ctx;
} conn;

/* Weight and delay streams of one target. */
typedef struct tstreams {
    ax_rng w, d;
} tstreams;

int64_t ax_delay_steps(double delay_ms, double h)
{
    if (!(h > 0.0) || !isfinite(delay_ms) || delay_ms < 0.0) return -1;
    double s = delay_ms / h, r = nearbyint(s);
    if (r > 9.0e18) return -1;
    if (fabs(s - r) > 1e-9 * fmax(r, 1.0)) return -1;
    return (int64_t)r;
}

/* A drawn delay on the grid: nearest step (NEST's delay_ms_to_steps), at
 * least 1 step (where NEST would abort with BadDelay). */
static inline int32_t grid_delay(double ms, double h)
{
    double s = floor(ms / h + 0.5);
    if (!(s >= 1.0)) return 1;
    if (s > (double)INT32_MAX) return INT32_MAX;
    return (int32_t)s;
}

static void tstreams_open(const conn *c, tstreams *ts, int64_t tgt)
{
    ax_rng_open(&ts->w, c->seed, AX_RNG_WEIGHT, c->proj, (uint64_t)tgt);
    ax_rng_open(&ts->d, c->seed, AX_RNG_DELAY, c->proj, (uint64_t)tgt);
}

/* One value of a distribution: ax_rng_dist, with the clipped normal (the
 * microcircuit's weights and delays: two draws per synapse) inlined on the
 * zig tables fetched once per projection: the same function, so the same
 * value, bit for bit. */
static inline double draw(const conn *c, ax_rng *r, const ax_dist *d)
{
    if (d->kind != AX_DIST_NORMAL_CLIPPED) return ax_rng_dist(r, d);
    return ax_rng_normal_clipped_z(r, c->zig, d->mean, d->std, d->low, d->high);
}

/* Hand the batch to the batch sink and empty it. */
static ax_status flush(const conn *c, ax_error *err)
{
    if (!c->b->n) return AX_OK;
    ax_status st = c->bsink(c->ctx, c->b, err);
    c->b->n = 0;
    return st;
}

/* One synapse to the sink, or to the batch (flushed first when full or
 * when the target changes: fixed_outdegree interleaves targets). */
static inline ax_status put(const conn *c, int64_t src, int64_t tgt, double w, int32_t d, int rec,
                            ax_error *err)
{
    if (!c->b) return c->sink(c->ctx, src, tgt, w, d, rec, err);
    ax_edge_batch *b = c->b;
    if (b->n && (b->tgt != tgt || b->n == AX_EDGE_BATCH)) AX_TRY(flush(c, err));
    b->tgt = tgt;
    b->src[b->n] = src;
    b->w[b->n] = w;
    b->d[b->n] = d;
    b->rec[b->n++] = (uint8_t)rec;
    return AX_OK;
}

/* Hand one synapse over, drawing its weight and delay from the target's
 * streams when they are distributed. */
static inline ax_status emit(const conn *c, tstreams *ts, int64_t src, int64_t tgt, ax_error *err)
{
    if (c->sources_only) return put(c, src, tgt, 0.0, 1, 0, err);
    double w = c->w_const ? c->w : draw(c, &ts->w, &c->ps->weight);
    int32_t d = c->d_const ? c->d : grid_delay(draw(c, &ts->d, &c->ps->delay), c->h);
    int rec = c->rec_fixed >= 0 ? c->rec_fixed : (w < 0.0);
    return put(c, src, tgt, w, d, rec, err);
}

/* Source index for candidate j in [0, s_n - excl_self): skips the target's
 * own index ti when autapses are excluded, so one draw suffices. */
static inline int64_t skip_self(const conn *c, int64_t j, int64_t ti)
{
    return j + (c->excl_self & (j >= ti));
}

/* ---- without-replacement sampling (Floyd) -------------------------------- */

/* Workspace for drawing k distinct values of [0, m): a bitmap of m bits
 * (all clear between uses) and the k chosen values in draw order. */
typedef struct floyd {
    uint64_t *bits;
    int64_t *pick;
} floyd;

static ax_status floyd_alloc(floyd *f, int64_t m, int64_t k, ax_error *err)
{
    f->bits = calloc((size_t)(m / 64 + 1), sizeof *f->bits);
    f->pick = malloc((size_t)(k > 0 ? k : 1) * sizeof *f->pick);
    if (!f->bits || !f->pick) {
        free(f->bits);
        free(f->pick);
        return AX_FAIL(err, AX_ENOMEM, "out of memory for a %lld-candidate sampling bitmap",
                       (long long)m);
    }
    return AX_OK;
}

static void floyd_free(floyd *f)
{
    free(f->bits);
    free(f->pick);
}

/* Floyd's algorithm: k distinct values of [0, m) with exactly k draws,
 * written to f->pick in a stream-determined order; leaves the bitmap clear. */
static void floyd_draw(floyd *f, ax_rng *r, int64_t m, int64_t k)
{
    for (int64_t i = 0, j = m - k; j < m; i++, j++) {
        int64_t t = (int64_t)ax_rng_below(r, (uint64_t)j + 1);
        if (f->bits[t >> 6] & (1ull << (t & 63))) t = j;
        f->bits[t >> 6] |= 1ull << (t & 63);
        f->pick[i] = t;
    }
    for (int64_t i = 0; i < k; i++) f->bits[f->pick[i] >> 6] = 0;
}

/* ---- rules keyed by target ------------------------------------------------ */

static int64_t first_target(const conn *c) { return ax_part_first_owned(c->part, c->vp, c->t_first); }

static ax_status rule_all_to_all(const conn *c, ax_error *err)
{
    int64_t end = c->t_first + c->t_n;
    for (int64_t tgt = first_target(c); tgt < end; tgt += c->part->n_vp) {
        tstreams ts;
        tstreams_open(c, &ts, tgt);
        int64_t ti = tgt - c->t_first;
        for (int64_t s = 0; s < c->s_n; s++) {
            if (c->excl_self && s == ti) continue;
            AX_TRY(emit(c, &ts, c->s_first + s, tgt, err));
        }
    }
    return AX_OK;
}

static ax_status rule_one_to_one(const conn *c, ax_error *err)
{
    AX_CHECK(c->s_n == c->t_n, err, AX_EINPUT,
             "one_to_one needs equal population sizes (source %lld, target %lld)",
             (long long)c->s_n, (long long)c->t_n);
    if (c->excl_self) return AX_OK; /* every pair would be an autapse */
    int64_t end = c->t_first + c->t_n;
    for (int64_t tgt = first_target(c); tgt < end; tgt += c->part->n_vp) {
        tstreams ts;
        tstreams_open(c, &ts, tgt);
        AX_TRY(emit(c, &ts, c->s_first + (tgt - c->t_first), tgt, err));
    }
    return AX_OK;
}

/* Bernoulli(p) trials over sources 0..s_n-1 of one target. For p < 0.25 the
 * gap to the next success is geometric (one log per synapse, not 1/p
 * uniforms); otherwise one uniform per pair. The method depends on p only. */
static ax_status bernoulli_target(const conn *c, ax_rng *r, tstreams *ts, int64_t tgt,
                                  ax_error *err)
{
    double p = c->ps->p;
    int64_t ti = tgt - c->t_first;
    if (p >= 0.25) {
        for (int64_t s = 0; s < c->s_n; s++) {
            if (ax_rng_uniform(r) >= p || (c->excl_self && s == ti)) continue;
            AX_TRY(emit(c, ts, c->s_first + s, tgt, err));
        }
        return AX_OK;
    }
    double inv_lq = 1.0 / log1p(-p);
    for (int64_t s = -1;;) {
        double gap = floor(log(ax_rng_uniform(r)) * inv_lq);
        if (gap >= (double)(c->s_n - 1 - s)) break;
        s += 1 + (int64_t)gap;
        if (c->excl_self && s == ti) continue;
        AX_TRY(emit(c, ts, c->s_first + s, tgt, err));
    }
    return AX_OK;
}

static ax_status rule_pairwise_bernoulli(const conn *c, ax_error *err)
{
    double p = c->ps->p;
    AX_CHECK(p >= 0.0 && p <= 1.0, err, AX_EINPUT,
             "pairwise_bernoulli p must be in [0, 1] (got %g)", p);
    if (p == 0.0) return AX_OK;
    if (p == 1.0) return rule_all_to_all(c, err);
    int64_t end = c->t_first + c->t_n;
    for (int64_t tgt = first_target(c); tgt < end; tgt += c->part->n_vp) {
        ax_rng r;
        tstreams ts;
        ax_rng_open(&r, c->seed, AX_RNG_CONN, c->proj, (uint64_t)tgt);
        tstreams_open(c, &ts, tgt);
        AX_TRY(bernoulli_target(c, &r, &ts, tgt, err));
    }
    return AX_OK;
}

/* n sources drawn independently and uniformly (autapse excluded) for one
 * target from its connection stream: fixed_indegree with multapses and each
 * leaf of fixed_total_number. */
static ax_status uniform_sources(const conn *c, int64_t tgt, int64_t n, ax_error *err)
{
    ax_rng r;
    tstreams ts;
    ax_rng_open(&r, c->seed, AX_RNG_CONN, c->proj, (uint64_t)tgt);
    tstreams_open(c, &ts, tgt);
    uint64_t m = (uint64_t)(c->s_n - c->excl_self);
    int64_t ti = tgt - c->t_first;
    if (!c->b) {
        for (int64_t i = 0; i < n; i++) {
            int64_t s = skip_self(c, (int64_t)ax_rng_below(&r, m), ti);
            AX_TRY(emit(c, &ts, c->s_first + s, tgt, err));
        }
        return AX_OK;
    }
    /* Batched: sources, weights and delays each in their own loop. They
     * come from three separate streams, each consumed in synapse order, so
     * the values are those of the loop above. */
    ax_edge_batch *b = c->b;
    AX_TRY(flush(c, err));
    for (int64_t i0 = 0; i0 < n; i0 += AX_EDGE_BATCH) {
        const int k = (int)(n - i0 < AX_EDGE_BATCH ? n - i0 : AX_EDGE_BATCH);
        b->tgt = tgt;
        b->n = k;
        for (int i = 0; i < k; i++) b->src[i] = c->s_first + skip_self(c, (int64_t)ax_rng_below(&r, m), ti);
        if (c->sources_only) {
            AX_TRY(flush(c, err));
            continue;
        }
        /* local copies: the stores into b could alias the spec, and the
         * compiler would reload the distribution for every synapse */
        const ax_dist wd = c->ps->weight, dd = c->ps->delay;
        const double h = c->h;
        if (c->w_const) for (int i = 0; i < k; i++) b->w[i] = c->w;
        else for (int i = 0; i < k; i++) b->w[i] = draw(c, &ts.w, &wd);
        if (c->d_const) for (int i = 0; i < k; i++) b->d[i] = c->d;
        else for (int i = 0; i < k; i++) b->d[i] = grid_delay(draw(c, &ts.d, &dd), h);
        if (c->rec_fixed >= 0) for (int i = 0; i < k; i++) b->rec[i] = (uint8_t)c->rec_fixed;
        else for (int i = 0; i < k; i++) b->rec[i] = b->w[i] < 0.0;
        AX_TRY(flush(c, err));
    }
    return AX_OK;
}

static ax_status distinct_sources(const conn *c, floyd *f, int64_t tgt, ax_error *err)
{
    ax_rng r;
    tstreams ts;
    ax_rng_open(&r, c->seed, AX_RNG_CONN, c->proj, (uint64_t)tgt);
    tstreams_open(c, &ts, tgt);
    int64_t k = c->ps->k, ti = tgt - c->t_first;
    floyd_draw(f, &r, c->s_n - c->excl_self, k);
    for (int64_t i = 0; i < k; i++)
        AX_TRY(emit(c, &ts, c->s_first + skip_self(c, f->pick[i], ti), tgt, err));
    return AX_OK;
}

/* k of a fixed-degree rule against the m partners allowed on the other
 * side ("source" or "target"): k >= 0, and when k > 0, some partner and,
 * without multapses, k <= m. */
static ax_status check_degree(const conn *c, const char *rule, int64_t m, const char *side,
                              ax_error *err)
{
    int64_t k = c->ps->k;
    AX_CHECK(k >= 0, err, AX_EINPUT, "%s k must be >= 0 (got %lld)", rule, (long long)k);
    if (k == 0) return AX_OK;
    AX_CHECK(m > 0, err, AX_EINPUT, "%s: no allowed %s (one neuron, no autapses)", rule, side);
    AX_CHECK(c->ps->allow_multapses || k <= m, err, AX_EINPUT,
             "%s without multapses needs k <= %lld allowed %ss (got %lld)", rule, (long long)m, side,
             (long long)k);
    return AX_OK;
}

static ax_status rule_fixed_indegree(const conn *c, ax_error *err)
{
    int64_t k = c->ps->k, m = c->s_n - c->excl_self, end = c->t_first + c->t_n;
    AX_TRY(check_degree(c, "fixed_indegree", m, "source", err));
    if (k == 0) return AX_OK;
    if (c->ps->allow_multapses) {
        for (int64_t tgt = first_target(c); tgt < end; tgt += c->part->n_vp)
            AX_TRY(uniform_sources(c, tgt, k, err));
        return AX_OK;
    }
    floyd f;
    AX_TRY(floyd_alloc(&f, m, k, err));
    ax_status st = AX_OK;
    for (int64_t tgt = first_target(c); tgt < end && st == AX_OK; tgt += c->part->n_vp)
        st = distinct_sources(c, &f, tgt, err);
    floyd_free(&f);
    return st;
}

/* ---- fixed_total_number: binomial splitting over a fixed tree ------------ */

/* The tree is the balanced binary split of target indices [0, t_n): node
 * (lo, hi) with heap id `id` splits at mid = lo + (hi - lo) / 2, and its
 * count n goes left as Binomial(n, (mid - lo) / (hi - lo)) drawn from stream
 * (CONN_SPLIT, proj, id). The tree and every split depend on the spec only;
 * a VP descends into nodes that hold synapses and one of its targets. */
typedef struct tnode {
    int64_t lo, hi;
    uint64_t n, id;
} tnode;

static ax_status rule_fixed_total_number(const conn *c, ax_error *err)
{
    int64_t total = c->ps->k;
    AX_CHECK(total >= 0, err, AX_EINPUT, "fixed_total_number N must be >= 0 (got %lld)",
             (long long)total);
    if (total == 0) return AX_OK;
    AX_CHECK(c->ps->allow_multapses, err, AX_ENOTIMPL,
             "fixed_total_number without multapses is not supported (NEST does not support it "
             "either); set allow_multapses: true");
    AX_CHECK(c->s_n - c->excl_self > 0, err, AX_EINPUT,
             "fixed_total_number: no allowed source (one neuron, no autapses)");
    tnode stack[130]; /* depth <= 64: each pop pushes at most 2, one of them is popped next */
    int top = 0;
    stack[top++] = (tnode){0, c->t_n, (uint64_t)total, 1};
    while (top > 0) {
        tnode nd = stack[--top];
        if (nd.n == 0 || ax_part_count_owned(c->part, c->vp, c->t_first + nd.lo, nd.hi - nd.lo) == 0)
            continue;
        if (nd.hi - nd.lo == 1) {
            AX_TRY(uniform_sources(c, c->t_first + nd.lo, (int64_t)nd.n, err));
            continue;
        }
        int64_t mid = nd.lo + (nd.hi - nd.lo) / 2;
        ax_rng r;
        ax_rng_open(&r, c->seed, AX_RNG_CONN_SPLIT, c->proj, nd.id);
        uint64_t left = ax_rng_binomial(&r, (double)(mid - nd.lo) / (double)(nd.hi - nd.lo), nd.n);
        stack[top++] = (tnode){mid, nd.hi, nd.n - left, 2 * nd.id + 1};
        stack[top++] = (tnode){nd.lo, mid, left, 2 * nd.id};
    }
    return AX_OK;
}

/* ---- fixed_outdegree: keyed by source ------------------------------------ */

/* Every VP regenerates every source's k target draws from the source's
 * stream and keeps the targets it owns: O(N_source * k) draws per VP (see
 * docs/connectivity.md). Weight streams stay per target, so each owned
 * target's streams are kept open across sources in `ts` (index gid / V). */
static ax_status outdegree_source(const conn *c, floyd *f, tstreams *ts, int64_t si, ax_error *err)
{
    ax_rng r;
    ax_rng_open(&r, c->seed, AX_RNG_CONN, c->proj, (uint64_t)(c->s_first + si));
    int64_t k = c->ps->k, m = c->t_n - c->excl_self, nvp = c->part->n_vp;
    int64_t t0 = first_target(c);
    if (!f) {
        for (int64_t i = 0; i < k; i++) {
            int64_t tgt = c->t_first + skip_self(c, (int64_t)ax_rng_below(&r, (uint64_t)m), si);
            if (tgt % nvp == c->vp) AX_TRY(emit(c, &ts[(tgt - t0) / nvp], c->s_first + si, tgt, err));
        }
        return AX_OK;
    }
    floyd_draw(f, &r, m, k);
    for (int64_t i = 0; i < k; i++) {
        int64_t tgt = c->t_first + skip_self(c, f->pick[i], si);
        if (tgt % nvp == c->vp) AX_TRY(emit(c, &ts[(tgt - t0) / nvp], c->s_first + si, tgt, err));
    }
    return AX_OK;
}

static ax_status rule_fixed_outdegree(const conn *c, ax_error *err)
{
    int64_t k = c->ps->k, m = c->t_n - c->excl_self;
    AX_TRY(check_degree(c, "fixed_outdegree", m, "target", err));
    if (k == 0) return AX_OK;
    int64_t n_own = ax_part_count_owned(c->part, c->vp, c->t_first, c->t_n);
    if (n_own == 0) return AX_OK;
    tstreams *ts = malloc((size_t)n_own * sizeof *ts);
    AX_CHECK_ALLOC(ts, err, "per-target weight streams");
    for (int64_t i = 0; i < n_own; i++) tstreams_open(c, &ts[i], first_target(c) + i * c->part->n_vp);
    floyd f = {NULL, NULL};
    ax_status st = c->ps->allow_multapses ? AX_OK : floyd_alloc(&f, m, k, err);
    for (int64_t si = 0; si < c->s_n && st == AX_OK; si++)
        st = outdegree_source(c, c->ps->allow_multapses ? NULL : &f, ts, si, err);
    if (!c->ps->allow_multapses) floyd_free(&f);
    free(ts);
    return st;
}

/* ---- from_list: explicit connections ---------------------------------------- */

/* The spec keeps the list sorted by target (stably): a VP walks its targets
 * and hands each one's connections over in list order. Listed weights and
 * delays are used as given; without them, weight/delay are drawn per
 * synapse from the target's streams like every other rule. */
static ax_status rule_from_list(const conn *c, ax_error *err)
{
    const ax_proj_spec *ps = c->ps;
    int64_t end = c->t_first + c->t_n;
    for (int64_t tgt = first_target(c); tgt < end; tgt += c->part->n_vp) {
        int64_t ti = tgt - c->t_first, k0 = ps->list_off[ti], k1 = ps->list_off[ti + 1];
        if (k0 == k1) continue;
        tstreams ts;
        tstreams_open(c, &ts, tgt);
        for (int64_t k = k0; k < k1; k++) {
            int64_t src = c->s_first + ps->list_src[k];
            if (c->sources_only) {
                AX_TRY(put(c, src, tgt, 0.0, 1, 0, err));
                continue;
            }
            double w = ps->list_w ? ps->list_w[k] : c->w_const ? c->w : draw(c, &ts.w, &ps->weight);
            int32_t d = !ps->list_d ? (c->d_const ? c->d : grid_delay(draw(c, &ts.d, &ps->delay), c->h))
                                    : grid_delay(ps->list_d[k], c->h);
            int rec = c->rec_fixed >= 0 ? c->rec_fixed : (w < 0.0);
            AX_TRY(put(c, src, tgt, w, d, rec, err));
        }
    }
    return AX_OK;
}

/* ---- entry --------------------------------------------------------------- */

/* Fill c from the spec; checks what the rules rely on. */
static ax_status conn_init(conn *c, const ax_spec *spec, int proj, const ax_partition *part,
                           int64_t vp, int n_receptors, ax_error *err)
{
    AX_CHECK(proj >= 0 && proj < spec->n_proj, err, AX_EINTERNAL, "no projection %d", proj);
    AX_CHECK(proj < (1 << 24), err, AX_EINPUT, "at most 2^24 projections are supported");
    AX_CHECK(vp >= 0 && vp < part->n_vp, err, AX_EINTERNAL, "vp %lld out of range", (long long)vp);
    AX_CHECK(n_receptors == 1 || n_receptors == 2, err, AX_EINTERNAL,
             "n_receptors must be 1 or 2 (got %d)", n_receptors);
    const ax_proj_spec *ps = &spec->proj[proj];
    const ax_pop_spec *sp = &spec->pops[ps->src], *tp = &spec->pops[ps->tgt];
    *c = (conn){.ps = ps, .part = part, .proj = (uint32_t)proj, .seed = spec->sim.seed,
                .s_first = sp->first_gid, .s_n = sp->n, .t_first = tp->first_gid, .t_n = tp->n,
                .vp = vp, .excl_self = ps->src == ps->tgt && !ps->allow_autapses,
                .h = spec->sim.resolution};
    c->w_const = ps->weight.kind == AX_DIST_CONST;
    c->w = ps->weight.value;
    c->d_const = ps->delay.kind == AX_DIST_CONST && !ps->list_d;
    if (c->d_const) {
        int64_t d = ax_delay_steps(ps->delay.value, c->h);
        AX_CHECK(d >= 1 && d <= INT32_MAX, err, AX_EINPUT,
                 "delay %g ms must be a positive multiple of the resolution %g ms",
                 ps->delay.value, c->h);
        c->d = (int32_t)d;
    }
    if (n_receptors == 1 || ps->receptor == AX_RECEPTOR_EXCITATORY) c->rec_fixed = 0;
    else if (ps->receptor == AX_RECEPTOR_INHIBITORY) c->rec_fixed = 1;
    else c->rec_fixed = -1;
    return AX_OK;
}

static ax_status run_rule(const conn *c, ax_error *err)
{
    switch (c->ps->rule) {
    case AX_RULE_ALL_TO_ALL: return rule_all_to_all(c, err);
    case AX_RULE_ONE_TO_ONE: return rule_one_to_one(c, err);
    case AX_RULE_FIXED_INDEGREE: return rule_fixed_indegree(c, err);
    case AX_RULE_FIXED_OUTDEGREE: return rule_fixed_outdegree(c, err);
    case AX_RULE_FIXED_TOTAL_NUMBER: return rule_fixed_total_number(c, err);
    case AX_RULE_PAIRWISE_BERNOULLI: return rule_pairwise_bernoulli(c, err);
    case AX_RULE_FROM_LIST: return rule_from_list(c, err);
    }
    return AX_FAIL(err, AX_EINTERNAL, "unknown connection rule %d", (int)c->ps->rule);
}

/* Exactly one of sink, bsink is set. */
static ax_status connect(const ax_spec *spec, int proj, const ax_partition *part, int64_t vp,
                         int n_receptors, int sources_only, ax_edge_sink sink,
                         ax_edge_batch_sink bsink, void *ctx, ax_error *err)
{
    conn c;
    AX_TRY(conn_init(&c, spec, proj, part, vp, n_receptors, err));
    c.sink = sink;
    c.bsink = bsink;
    c.ctx = ctx;
    c.sources_only = sources_only;
    c.zig = ax_rng_zig();
    if (!bsink) return run_rule(&c, err);
    c.b = malloc(sizeof *c.b);
    AX_CHECK_ALLOC(c.b, err, "a batch of synapses");
    c.b->n = 0;
    ax_status st = run_rule(&c, err);
    if (st == AX_OK) st = flush(&c, err);
    free(c.b);
    return st;
}

ax_status ax_connect_projection(const ax_spec *spec, int proj, const ax_partition *part,
                                int64_t vp, int n_receptors, ax_edge_sink sink, void *ctx,
                                ax_error *err)
{
    return connect(spec, proj, part, vp, n_receptors, 0, sink, NULL, ctx, err);
}

ax_status ax_connect_sources(const ax_spec *spec, int proj, const ax_partition *part,
                             int64_t vp, ax_edge_sink sink, void *ctx, ax_error *err)
{
    return connect(spec, proj, part, vp, 1, 1, sink, NULL, ctx, err);
}

ax_status ax_connect_projection_batched(const ax_spec *spec, int proj, const ax_partition *part,
                                        int64_t vp, int n_receptors, ax_edge_batch_sink sink,
                                        void *ctx, ax_error *err)
{
    return connect(spec, proj, part, vp, n_receptors, 0, NULL, sink, ctx, err);
}

ax_status ax_connect_sources_batched(const ax_spec *spec, int proj, const ax_partition *part,
                                     int64_t vp, ax_edge_batch_sink sink, void *ctx, ax_error *err)
{
    return connect(spec, proj, part, vp, 1, 1, NULL, sink, ctx, err);
}
