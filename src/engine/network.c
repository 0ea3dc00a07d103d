/* network.c - one thread's share of the network: neuron blocks and the
 * synapse store (DESIGN.md §2.3).
 *
 * Synapses live at the target's thread, grouped by source: a sorted array of
 * the distinct sources with local targets, row offsets, and 8-byte synapses
 * (packed target index / delay / receptor + float32 weight). Construction runs
 * the connection rules twice: pass A records only the source of each synapse
 * (4 bytes each, radix-sorted to find the distinct sources and row lengths),
 * pass B regenerates the same synapses (the rules are deterministic) and
 * places them into their rows. Peak build memory is therefore ~8 B/synapse
 * besides the final store, and no array of size N (all neurons) is ever made.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "axon/connect.h"
#include "axon/free_all.h"
#include "axon/grow.h"
#include "axon/rng.h"
#include "engine_impl.h"

int64_t ax_store_find(const ax_store *st, const ax_spec *s, int64_t gid)
{
    return ax_store_find_in(st, s, ax_spec_pop_of(s, gid), gid);
}

int64_t ax_store_find_in(const ax_store *st, const ax_spec *s, int p, int64_t gid)
{
    if (!st->seg) return -1; /* an empty store (e.g. no tsodyks2 projection) */
    int64_t lo = st->seg[p], hi = st->seg[p + 1];
    if (st->dense[p]) return lo + (gid - s->pops[p].first_gid);
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (st->src_gid[mid] < gid) lo = mid + 1;
        else hi = mid;
    }
    return (lo < st->seg[p + 1] && st->src_gid[lo] == gid) ? lo : -1;
}

static int bits_for(uint64_t x)
{
    int b = 1;
    while (b < 63 && (x >> b)) b++;
    return b;
}

/* (Re)make block p of v from the spec (block.c: parameters, groups, initial
 * values, spike trains); keep_state carries the dynamic state of the old
 * instance(s) over through the model's checkpoint layout (parameters changed
 * between runs). Multimeters are re-pointed. */
ax_status ax_vp_make_block(struct ax_engine_s *e, ax_vp *v, int p, int keep_state, ax_error *err)
{
    const ax_pop_spec *ps = &e->spec->pops[p];
    ax_block *b = &v->blocks[p];
    const ax_model_ops *m = ax_model_find(ps->model);
    AX_CHECK(m && (!b->ops || b->ops == m), err, AX_EINTERNAL, "model '%s' vanished", ps->model);
    ax_block nb = {.pop = p, .ops = m, .n = b->n, .gid0 = b->gid0, .offset = b->offset};
    ax_status st = ax_block_make(e, &nb, err);
    int had = b->nr || b->n_groups;
    if (st == AX_OK && keep_state && had && b->n > 0) {
        double *tmp = m->n_ckpt > 0 ? malloc((size_t)b->n * (size_t)m->n_ckpt * sizeof *tmp) : NULL;
        if (m->n_ckpt <= 0)
            st = AX_FAIL(err, AX_EINPUT, "model %s cannot change parameters between runs (it has no "
                         "checkpoint state)", m->name);
        else if (!tmp)
            st = AX_FAIL(err, AX_ENOMEM, "out of memory changing parameters of %s", ps->name);
        if (st == AX_OK) st = ax_block_ckpt(b, tmp, 1, err);
        if (st == AX_OK) st = ax_block_ckpt(&nb, tmp, 0, err);
        free(tmp);
    }
    if (st == AX_OK && v->spiked && nb.max_spk > v->cap_spiked) { /* more spikes per step than built for */
        int64_t *x = realloc(v->spiked, (size_t)nb.max_spk * sizeof *x);
        if (!x) st = AX_FAIL(err, AX_ENOMEM, "out of memory for the spike buffer of %s", ps->name);
        else {
            v->spiked = x;
            v->cap_spiked = nb.max_spk;
        }
    }
    if (st != AX_OK) {
        nb.i_ext = NULL;
        ax_block_free(&nb);
        return st;
    }
    nb.i_ext = b->i_ext; /* devices' current input stays */
    b->i_ext = NULL;
    ax_block_free(b);
    *b = nb;
    ax_vp_meters_bind(v, p);
    return AX_OK;
}

static ax_status make_blocks(struct ax_engine_s *e, ax_vp *v, ax_error *err)
{
    const ax_spec *s = e->spec;
    v->n_blocks = s->n_pops;
    v->blocks = calloc((size_t)s->n_pops, sizeof *v->blocks);
    AX_CHECK_ALLOC(v->blocks, err, "neuron blocks");
    int64_t off = 0;
    for (int p = 0; p < s->n_pops; p++) {
        const ax_pop_spec *ps = &s->pops[p];
        ax_block *b = &v->blocks[p];
        b->pop = p;
        b->n = ax_part_count_owned(&e->part, v->vp, ps->first_gid, ps->n);
        b->gid0 = ax_part_first_owned(&e->part, v->vp, ps->first_gid);
        b->offset = off;
        off += b->n;
        AX_TRY(ax_vp_make_block(e, v, p, 0, err));
        if (b->ops->n_receptors > v->n_rec) v->n_rec = b->ops->n_receptors;
    }
    v->n_local = off;
    return AX_OK;
}

void ax_vp_clear_dynamics(const struct ax_engine_s *e, ax_vp *v)
{
    size_t n = (size_t)v->n_rec * (size_t)v->n_ring * (size_t)(v->n_local > 0 ? v->n_local : 1);
    memset(v->ring, 0, n * sizeof *v->ring);
    for (int64_t k = 0; v->q && k < v->n_slots; k++) v->q[k].n = 0; /* deferred input */
    free(v->restored);
    v->restored = NULL;
    v->n_out = 0;
    v->n_rec_spk = 0;
    memset(v->pop_spikes, 0, (size_t)e->spec->n_pops * sizeof *v->pop_spikes);
    ax_tso_rows *t = &v->tso;
    for (int64_t row = 0; t->run && row < v->pl.n_src; row++) {
        t->t_last[row] = 0;
        for (int64_t r = t->run[row]; r < t->run[row + 1]; r++) {
            t->x[r] = e->spec->proj[t->run_proj[r]].tso.x;
            t->y[r] = e->spec->proj[t->run_proj[r]].tso.y;
            t->u[r] = e->spec->proj[t->run_proj[r]].tso.u;
        }
    }
}

/* ---- pass A: sources only ---------------------------------------------- */

typedef struct {
    uint32_t *src;
    int64_t n, cap;
} count_ctx;

static ax_status sink_count(void *ctx, int64_t src, int64_t tgt, double w, int32_t d, int r,
                            ax_error *err)
{
    (void)tgt; (void)w; (void)d; (void)r;
    count_ctx *c = ctx;
    if (c->n == c->cap) { /* rare: presized from the expected count (expected_local) */
        int64_t cap = c->cap ? c->cap + c->cap / 4 + 4096 : 1 << 16;
        uint32_t *x = realloc(c->src, (size_t)cap * sizeof *x);
        AX_CHECK_ALLOC(x, err, "synapse sources during build");
        c->src = x;
        c->cap = cap;
    }
    c->src[c->n++] = (uint32_t)src;
    return AX_OK;
}

static ax_status sink_count_batch(void *ctx, const ax_edge_batch *b, ax_error *err)
{
    for (int i = 0; i < b->n; i++) AX_TRY(sink_count(ctx, b->src[i], b->tgt, 0.0, 1, 0, err));
    return AX_OK;
}

/* Stable LSD radix sort of 32-bit keys, 2 passes of 16 bits. */
static ax_status radix_sort_u32(uint32_t *a, int64_t n, ax_error *err)
{
    if (n <= 1) return AX_OK; /* a may be NULL when n == 0: memcpy(NULL, ., 0) is UB */
    uint32_t *tmp = malloc((size_t)(n > 0 ? n : 1) * sizeof *tmp);
    int64_t *cnt = malloc(65537 * sizeof *cnt);
    if (!tmp || !cnt) {
        free(tmp);
        free(cnt);
        return AX_FAIL(err, AX_ENOMEM, "out of memory sorting synapse sources");
    }
    for (int shift = 0; shift < 32; shift += 16) {
        memset(cnt, 0, 65537 * sizeof *cnt);
        for (int64_t i = 0; i < n; i++) cnt[((a[i] >> shift) & 0xFFFF) + 1]++;
        for (int k = 0; k < 65536; k++) cnt[k + 1] += cnt[k];
        for (int64_t i = 0; i < n; i++) tmp[cnt[(a[i] >> shift) & 0xFFFF]++] = a[i];
        memcpy(a, tmp, (size_t)n * sizeof *a);
    }
    free(tmp);
    free(cnt);
    return AX_OK;
}

static ax_status alloc_rows(const ax_spec *s, ax_store *st, int64_t k, int64_t n, ax_error *err)
{
    st->n_src = k;
    st->n_syn = n;
    st->src_gid = malloc((size_t)(k > 0 ? k : 1) * sizeof *st->src_gid);
    st->rows = malloc((size_t)(k + 1) * sizeof *st->rows);
    st->seg = calloc((size_t)s->n_pops + 1, sizeof *st->seg);
    st->dense = calloc((size_t)s->n_pops, 1);
    AX_CHECK(st->src_gid && st->rows && st->seg && st->dense, err, AX_ENOMEM,
             "out of memory for %lld synapse rows", (long long)k);
    return AX_OK;
}

/* Per-population segments of the filled src_gid[]. */
static void make_segs(const ax_spec *s, ax_store *st)
{
    int64_t k = st->n_src;
    int p = 0;
    for (int64_t i = 0; i <= k; i++) {
        while (p < s->n_pops && (i == k || st->src_gid[i] >= s->pops[p].first_gid + s->pops[p].n))
            st->seg[++p] = i;
    }
    for (p = 0; p < s->n_pops; p++) st->dense[p] = (st->seg[p + 1] - st->seg[p] == s->pops[p].n);
}

/* Distinct sources, row offsets and per-population segments from the
 * sorted source list. */
static ax_status make_rows(const ax_spec *s, ax_store *st, const uint32_t *src, int64_t n,
                           ax_error *err)
{
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (i == 0 || src[i] != src[i - 1]) k++;
    AX_TRY(alloc_rows(s, st, k, n, err));
    k = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i == 0 || src[i] != src[i - 1]) {
            st->src_gid[k] = src[i];
            st->rows[k++] = i;
        }
    }
    st->rows[k] = n;
    make_segs(s, st);
    return AX_OK;
}

/* The same from per-source counts cnt[gid - g0], g0 <= gid < g0 + m. */
static ax_status make_rows_counted(const ax_spec *s, ax_store *st, const uint32_t *cnt,
                                   int64_t g0, int64_t m, ax_error *err)
{
    int64_t k = 0, n = 0;
    for (int64_t i = 0; i < m; i++) {
        k += cnt[i] != 0;
        n += cnt[i];
    }
    AX_TRY(alloc_rows(s, st, k, n, err));
    k = n = 0;
    for (int64_t i = 0; i < m; i++) {
        if (!cnt[i]) continue;
        st->src_gid[k] = g0 + i;
        st->rows[k++] = n;
        n += cnt[i];
    }
    st->rows[k] = n;
    make_segs(s, st);
    return AX_OK;
}

/* Pass A with one counter per candidate source, used when the candidates
 * (all neurons of the store's source populations) are no more than the
 * synapses expected here: then 4 B per candidate is less than the source
 * list (4 B per synapse) plus its sort buffer (another 4 B), and the build
 * no longer peaks above the final store. */
typedef struct {
    uint32_t *cnt;
    int64_t g0;
} dense_ctx;

static ax_status sink_count_dense_batch(void *ctx, const ax_edge_batch *b, ax_error *err)
{
    (void)err;
    dense_ctx *c = ctx;
    for (int i = 0; i < b->n; i++) c->cnt[b->src[i] - c->g0]++;
    return AX_OK;
}

/* ---- pass B: place synapses --------------------------------------------- */

typedef struct {
    ax_vp *v;
    ax_store *st;
    const ax_spec *spec;
    const ax_partition *part;
    int tgt_pop, proj;
    int64_t *cursor;
    int32_t *proj_of;   /* plastic stores: projection of each placed synapse, else NULL */
    double *wd;         /* STDP store: double weights, else NULL */
    int count_only;     /* the target counts spikes (parrot_neuron): weight 1 */
    int weights_only;   /* only set wd[] again (the STDP weights back to their initial values) */
    /* A rule emits one target's synapses together and a projection's
     * sources come from one population: remember both instead of a 64-bit
     * division and a population search per synapse. */
    int64_t last_tgt, last_idx;
    int64_t src_lo, src_hi, seg0; /* gids of the dense source population and its first row */
} place_ctx;

/* Row of a source outside the cached dense range: search its population's
 * segment, and cache that population when all its neurons have rows here. */
static ax_status find_row(place_ctx *c, int64_t src, int64_t *row, ax_error *err)
{
    int p = ax_spec_pop_of(c->spec, src);
    *row = ax_store_find_in(c->st, c->spec, p, src);
    AX_CHECK(*row >= 0, err, AX_EINTERNAL, "connection rule not deterministic (source %lld)",
             (long long)src);
    if (c->st->dense[p]) { /* every neuron of p has a row here: index it directly */
        c->src_lo = c->spec->pops[p].first_gid;
        c->src_hi = c->src_lo + c->spec->pops[p].n;
        c->seg0 = c->st->seg[p];
    }
    return AX_OK;
}

static ax_status sink_place(void *ctx, int64_t src, int64_t tgt, double w, int32_t d, int r,
                            ax_error *err)
{
    place_ctx *c = ctx;
    ax_vp *v = c->v;
    int64_t row;
    if (src >= c->src_lo && src < c->src_hi) row = c->seg0 + (src - c->src_lo);
    else AX_TRY(find_row(c, src, &row, err));
    if (tgt != c->last_tgt) {
        c->last_tgt = tgt;
        c->last_idx = ax_vp_local_index(v, c->part, c->tgt_pop, tgt);
    }
    const int64_t idx = c->last_idx;
    int64_t pos = c->cursor[row]++;
    if (c->weights_only) {
        c->wd[pos] = w;
        return AX_OK;
    }
    uint32_t packed = ((uint32_t)r << 31) | ((uint32_t)d << v->idx_bits) | (uint32_t)idx;
    if (c->count_only && !c->wd) w = 1.0; /* NEST's parrot counts spikes, whatever their weight */
    if (c->wd) c->wd[pos] = w;
    if (c->st->pk) {
        c->st->pk[pos] = packed; /* the weight is the source population's (cw) */
    } else {
        c->st->syn[pos].packed = packed;
        c->st->syn[pos].w = (float)w;
    }
    if (c->proj_of) c->proj_of[pos] = c->proj;
    return AX_OK;
}

/* A batch of one target's synapses. The static and compact stores (all but
 * plastic ones and parrot targets) take the loop below: the same rows,
 * positions and packed words as sink_place, without its per-synapse call
 * and tests; the others go through sink_place. */
static ax_status sink_place_batch(void *ctx, const ax_edge_batch *b, ax_error *err)
{
    place_ctx *c = ctx;
    if (c->weights_only || c->wd || c->proj_of || c->count_only) {
        for (int i = 0; i < b->n; i++)
            AX_TRY(sink_place(ctx, b->src[i], b->tgt, b->w[i], b->d[i], b->rec[i], err));
        return AX_OK;
    }
    if (b->tgt != c->last_tgt) {
        c->last_tgt = b->tgt;
        c->last_idx = ax_vp_local_index(c->v, c->part, c->tgt_pop, b->tgt);
    }
    const uint32_t idx = (uint32_t)c->last_idx;
    const int ib = c->v->idx_bits;
    int64_t *restrict cursor = c->cursor;
    ax_syn *restrict syn = c->st->syn;
    uint32_t *restrict pk = c->st->pk;
    for (int i = 0; i < b->n; i++) {
        const int64_t src = b->src[i];
        int64_t row;
        if (__builtin_expect(src >= c->src_lo && src < c->src_hi, 1)) row = c->seg0 + (src - c->src_lo);
        else AX_TRY(find_row(c, src, &row, err));
        const int64_t pos = cursor[row]++;
        const uint32_t packed = ((uint32_t)b->rec[i] << 31) | ((uint32_t)b->d[i] << ib) | idx;
        if (pk) {
            pk[pos] = packed; /* the weight is the source population's (cw) */
        } else {
            syn[pos].packed = packed;
            syn[pos].w = (float)b->w[i];
        }
    }
    return AX_OK;
}

static ax_status sink_drop_batch(void *ctx, const ax_edge_batch *b, ax_error *err)
{
    (void)ctx; (void)b; (void)err;
    return AX_OK;
}

/* The store a projection's synapses go to. */
enum { STORE_STATIC = 0, STORE_COMPACT, STORE_PLASTIC, STORE_STDP, N_STORES };

static int store_of(const struct ax_engine_s *e, int k)
{
    const ax_proj_spec *p = &e->spec->proj[k];
    if (p->syn_model == AX_SYN_STDP) return STORE_STDP;
    if (p->syn_model != AX_SYN_STATIC) return STORE_PLASTIC;
    return e->compact[p->src] ? STORE_COMPACT : STORE_STATIC;
}

/* A parrot_neuron counts arriving spikes: its static synapses carry weight 1. */
static int counts_spikes(const ax_spec *s, int pop)
{
    return ax_model_find(s->pops[pop].model)->counts_spikes;
}

ax_status ax_engine_compact_pops(struct ax_engine_s *e, ax_error *err)
{
    const ax_spec *s = e->spec;
    e->compact = calloc((size_t)s->n_pops, 1);
    e->cw = calloc((size_t)s->n_pops, sizeof *e->cw);
    uint8_t *mixed = calloc((size_t)s->n_pops, 1);
    if (!e->compact || !e->cw || !mixed) {
        free(mixed);
        return AX_FAIL(err, AX_ENOMEM, "out of memory for the synapse classes");
    }
    for (int k = 0; k < s->n_proj; k++) {
        const ax_proj_spec *p = &s->proj[k];
        if (p->syn_model != AX_SYN_STATIC) continue;
        int one = counts_spikes(s, p->tgt);
        float w = one ? 1.0f : (float)p->weight.value;
        if ((p->weight.kind != AX_DIST_CONST && !one) || (e->compact[p->src] && e->cw[p->src] != w))
            mixed[p->src] = 1;
        e->compact[p->src] = 1;
        e->cw[p->src] = w;
    }
    for (int q = 0; q < s->n_pops; q++) e->compact[q] &= !mixed[q];
    free(mixed);
    return AX_OK;
}

/* Run the rules of the projections of one store. */
static ax_status run_rules(struct ax_engine_s *e, ax_vp *v, ax_edge_batch_sink sink, void *ctx,
                           place_ctx *pc, int which, ax_error *err)
{
    const ax_spec *s = e->spec;
    for (int k = 0; k < s->n_proj; k++) {
        if (store_of(e, k) != which) continue;
        int tgt = s->proj[k].tgt;
        if (pc) {
            pc->tgt_pop = tgt;
            pc->proj = k;
            pc->last_tgt = -1; /* the caches hold for one projection */
            pc->src_lo = pc->src_hi = 0;
            pc->count_only = counts_spikes(s, tgt);
            AX_TRY(ax_connect_projection_batched(s, k, &e->part, v->vp,
                                                 v->blocks[tgt].ops->n_receptors, sink, ctx, err));
        } else {
            AX_TRY(ax_connect_sources_batched(s, k, &e->part, v->vp, sink, ctx, err));
        }
    }
    return AX_OK;
}

/* Synapses this VP expects (exact for deterministic rules, the mean plus a
 * margin for random ones), so pass A allocates once instead of growing by
 * doubling, which would put up to 2x the array on the peak memory. */
static int64_t expected_local(const struct ax_engine_s *e, const ax_vp *v, int which)
{
    double n = 0;
    for (int k = 0; k < e->spec->n_proj; k++) {
        if (store_of(e, k) != which) continue;
        const ax_pop_spec *t = &e->spec->pops[e->spec->proj[k].tgt];
        double share = (double)v->blocks[e->spec->proj[k].tgt].n / (double)t->n;
        n += ax_spec_expected_synapses(e->spec, k) * share;
    }
    return (int64_t)(n * 1.01 + 6.0 * sqrt(n) + 1024.0);
}

/* Packing of target index and delay into the synapse's 31 low bits. */
static ax_status synapse_bits(struct ax_engine_s *e, ax_vp *v, ax_error *err)
{
    AX_CHECK(e->part.n_total <= (int64_t)UINT32_MAX, err, AX_EINPUT,
             "%lld neurons: this version stores source ids in 32 bits (at most %u neurons)",
             (long long)e->part.n_total, UINT32_MAX);
    int delay_bits = bits_for((uint64_t)e->max_delay);
    v->idx_bits = bits_for((uint64_t)(v->n_local > 1 ? v->n_local - 1 : 1));
    AX_CHECK(v->idx_bits + delay_bits <= 31, err, AX_EINPUT,
             "%lld neurons per thread with delays up to %lld steps do not fit the 8-byte synapse "
             "(31 bits for index and delay); use more ranks or threads",
             (long long)v->n_local, (long long)e->max_delay);
    v->idx_mask = (1u << v->idx_bits) - 1;
    v->delay_bits = delay_bits;
    v->delay_mask = (1u << delay_bits) - 1;
    return AX_OK;
}

/* Deferred delivery (deliver.c) when the part of the ring one slice's spikes
 * scatter into (receptors x the spread of delays x local neurons) does not
 * fit the core's L2 cache: then every direct add is a cache miss. With one
 * delay (Brunel) a slice's spikes land in one row of the ring and direct
 * delivery is already at its floor. AXON_DELIVERY overrides (tests). */
static int want_deferred(const struct ax_engine_s *e, const ax_vp *v)
{
    if (e->delivery >= 0) return e->delivery;
    double window = (double)(v->n_rec > 0 ? v->n_rec : 1) * (double)(e->max_delay - e->D + 1) *
                    (double)v->n_local * sizeof(double);
    long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return window > (double)(l2 > 0 ? l2 : 1 << 20);
}

/* Stable sort of a row's n elements of size sz (4 or 8: the compiler
 * specialises each) by their delay field, with scratch tmp (n elements) and
 * counters cnt (delay mask + 2). Then the row's runs of one delay go to
 * drun (end relative to the row << delay bits | delay). Returns the runs. */
static inline __attribute__((always_inline)) int64_t
sort_row(const ax_vp *v, char *restrict a, int64_t n, const size_t sz, char *restrict t,
         int64_t *restrict cnt, uint32_t *restrict drun)
{
    const int ib = v->idx_bits;
    const uint32_t dm = v->delay_mask;
#define DELAY_AT(p) ((*(const uint32_t *)(p) >> ib) & dm) /* packed is the first word */
    if (n < 64 || (int64_t)dm + 1 > n) { /* short rows: insertion sort (stable) */
        for (int64_t i = 1; i < n; i++) {
            uint32_t d = DELAY_AT(a + i * sz);
            if (DELAY_AT(a + (i - 1) * sz) <= d) continue;
            memcpy(t, a + i * sz, sz);
            int64_t j = i;
            while (j > 0 && DELAY_AT(a + (j - 1) * sz) > d) {
                memcpy(a + j * sz, a + (j - 1) * sz, sz);
                j--;
            }
            memcpy(a + j * sz, t, sz);
        }
    } else {
        memset(cnt, 0, ((size_t)dm + 2) * sizeof *cnt);
        for (int64_t i = 0; i < n; i++) cnt[DELAY_AT(a + i * sz) + 1]++;
        for (uint32_t d = 0; d <= dm; d++) cnt[d + 1] += cnt[d];
        for (int64_t i = 0; i < n; i++) memcpy(t + cnt[DELAY_AT(a + i * sz)]++ * sz, a + i * sz, sz);
        memcpy(a, t, (size_t)n * sz);
    }
    int64_t runs = 0;
    for (int64_t i = 0; i < n; i++) {
        uint32_t d = DELAY_AT(a + i * sz);
        if (i + 1 < n && DELAY_AT(a + (i + 1) * sz) == d) continue;
        drun[runs++] = ((uint32_t)(i + 1) << v->delay_bits) | d;
    }
#undef DELAY_AT
    return runs;
}

ax_status ax_vp_sort_rows(ax_vp *v, ax_store *st, ax_error *err)
{
    const size_t sz = st->pk ? sizeof *st->pk : sizeof *st->syn;
    char *base = st->pk ? (char *)st->pk : (char *)st->syn;
    int64_t longest = 0;
    for (int64_t k = 0; k < st->n_src; k++)
        if (st->rows[k + 1] - st->rows[k] > longest) longest = st->rows[k + 1] - st->rows[k];
    if (longest >= (INT64_C(1) << (32 - v->delay_bits))) { /* run ends do not fit: stay direct */
        v->deferred = 0;
        return AX_OK;
    }
    /* a row has at most min(length, delays) runs; the table grows with the rows */
    char *tmp = malloc((size_t)(longest > 0 ? longest : 1) * sz);
    uint32_t *runs = malloc((size_t)(longest > 0 ? longest : 1) * sizeof *runs);
    int64_t *cnt = malloc(((size_t)v->delay_mask + 2) * sizeof *cnt);
    st->drow = malloc(((size_t)st->n_src + 1) * sizeof *st->drow);
    int64_t cap = st->n_src + 16, n = 0;
    st->drun = malloc((size_t)cap * sizeof *st->drun);
    int ok = tmp && runs && cnt && st->drow && st->drun;
    for (int64_t k = 0; ok && k < st->n_src; k++) {
        char *row = base + st->rows[k] * (int64_t)sz;
        const int64_t len = st->rows[k + 1] - st->rows[k];
        int64_t m = sz == 4 ? sort_row(v, row, len, 4, tmp, cnt, runs)
                            : sort_row(v, row, len, 8, tmp, cnt, runs);
        if (n + m > cap) {
            while (n + m > cap) cap *= 2;
            AX_RESIZE(st->drun, cap, ok);
            if (!ok) break;
        }
        st->drow[k] = n;
        memcpy(st->drun + n, runs, (size_t)m * sizeof *runs);
        n += m;
    }
    if (ok) st->drow[st->n_src] = n;
    free(tmp);
    free(runs);
    free(cnt);
    AX_CHECK(ok, err, AX_ENOMEM, "out of memory sorting synapse rows by delay");
    return AX_OK;
}

/* gid range [*g0, *g1) of the source populations of a store's projections. */
static void source_range(const struct ax_engine_s *e, int which, int64_t *g0, int64_t *g1)
{
    *g0 = INT64_MAX;
    *g1 = 0;
    for (int k = 0; k < e->spec->n_proj; k++) {
        if (store_of(e, k) != which) continue;
        const ax_pop_spec *p = &e->spec->pops[e->spec->proj[k].src];
        if (p->first_gid < *g0) *g0 = p->first_gid;
        if (p->first_gid + p->n > *g1) *g1 = p->first_gid + p->n;
    }
    if (*g1 < *g0) *g0 = *g1 = 0;
}

/* Pass A: distinct sources and row lengths, by counting (dense_ctx) or by
 * sorting the source list. */
static ax_status pass_a(struct ax_engine_s *e, ax_vp *v, ax_store *st, int which, ax_error *err)
{
    int64_t cap = expected_local(e, v, which), g0, g1;
    source_range(e, which, &g0, &g1);
    ax_status s;
    /* AXON_PASS_A=sort forces the sorting path (tests compare both) */
    const char *force = getenv("AXON_PASS_A");
    if (g1 - g0 <= cap && !(force && !strcmp(force, "sort"))) {
        dense_ctx dc = {calloc((size_t)(g1 - g0 > 0 ? g1 - g0 : 1), sizeof *dc.cnt), g0};
        AX_CHECK(dc.cnt, err, AX_ENOMEM, "out of memory for %lld source counters during build",
                 (long long)(g1 - g0));
        s = run_rules(e, v, sink_count_dense_batch, &dc, NULL, which, err);
        if (s == AX_OK) s = make_rows_counted(e->spec, st, dc.cnt, g0, g1 - g0, err);
        free(dc.cnt);
        return s;
    }
    count_ctx cc = {.cap = cap};
    cc.src = malloc((size_t)cc.cap * sizeof *cc.src);
    AX_CHECK(cc.src, err, AX_ENOMEM, "out of memory for %lld synapse sources during build",
             (long long)cc.cap);
    s = run_rules(e, v, sink_count_batch, &cc, NULL, which, err);
    if (s == AX_OK) s = radix_sort_u32(cc.src, cc.n, err);
    if (s == AX_OK) s = make_rows(e->spec, st, cc.src, cc.n, err);
    free(cc.src);
    return s;
}


/* Ask for transparent huge pages on the 2 MiB-aligned part of a large array
 * (where THP is "madvise", as on Debian): pass B writes the store in random
 * row order, and with 4 KiB pages nearly every write missed the TLB and
 * faulted a page (microcircuit 0.05: 34k minor faults, 5.6k with this). A
 * hint only; nothing changes where THP is off. */
static void advise_huge(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), b = ((uintptr_t)p + len) & ~(huge - 1);
    if (b > a) madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
    (void)p; (void)len;
#endif
}

/* Pass A (sources, rows) and pass B (placement) for one store; the plastic
 * stores also get each synapse's projection (proj_of), the STDP store its
 * double weights (wd). */
static ax_status build_store(struct ax_engine_s *e, ax_vp *v, ax_store *st, int which,
                             int32_t **proj_of, double **wd, ax_error *err)
{
    double t0 = ax_now();
    AX_TRY(pass_a(e, v, st, which, err));
    double t1 = ax_now();
    v->t_phase[AX_PH_COUNT] += t1 - t0;
    if (getenv("AXON_BUILD_PROFILE")) { /* the rules alone: what pass B spends drawing */
        place_ctx pc = {.v = v};
        AX_TRY(run_rules(e, v, sink_drop_batch, NULL, &pc, which, err));
        v->t_phase[AX_PH_DRAW] += ax_now() - t1;
    }
    t1 = ax_now();

    size_t ns = (size_t)(st->n_syn > 0 ? st->n_syn : 1);
    size_t bytes = which == STORE_COMPACT ? sizeof *st->pk
                 : which == STORE_STDP ? sizeof *st->pk + sizeof(double) : sizeof *st->syn;
    if (which == STORE_COMPACT || which == STORE_STDP) st->pk = malloc(ns * sizeof *st->pk);
    else st->syn = malloc(ns * bytes);
    if (st->pk || st->syn) advise_huge(st->pk ? (void *)st->pk : (void *)st->syn, ns * bytes);
    if (wd) *wd = malloc(ns * sizeof **wd);
    int64_t *cursor = malloc((size_t)(st->n_src > 0 ? st->n_src : 1) * sizeof *cursor);
    if (proj_of) *proj_of = malloc(ns * sizeof **proj_of);
    if (!(st->syn || st->pk) || !cursor || (proj_of && !*proj_of) || (wd && !*wd)) {
        free(cursor);
        return AX_FAIL(err, AX_ENOMEM, "out of memory for %lld synapses (%.1f MiB)",
                       (long long)st->n_syn, (double)(st->n_syn * bytes) / 1048576);
    }
    memcpy(cursor, st->rows, (size_t)st->n_src * sizeof *cursor);
    place_ctx pc = {.v = v, .st = st, .spec = e->spec, .part = &e->part, .cursor = cursor,
                    .proj_of = proj_of ? *proj_of : NULL, .wd = wd ? *wd : NULL};
    ax_status s = run_rules(e, v, sink_place_batch, &pc, &pc, which, err);
    free(cursor);
    v->t_phase[AX_PH_PLACE] += ax_now() - t1;
    return s;
}

/* The STDP weights back to their initial values: pass B once more (the rules
 * are deterministic), writing only the weights. */
ax_status ax_vp_stdp_initial_weights(struct ax_engine_s *e, ax_vp *v, ax_error *err)
{
    ax_store *st = &v->sp.st;
    if (!st->rows || !v->sp.w) return AX_OK;
    int64_t *cursor = malloc((size_t)(st->n_src > 0 ? st->n_src : 1) * sizeof *cursor);
    AX_CHECK_ALLOC(cursor, err, "STDP weight reset");
    memcpy(cursor, st->rows, (size_t)st->n_src * sizeof *cursor);
    place_ctx pc = {.v = v, .st = st, .spec = e->spec, .part = &e->part, .cursor = cursor,
                    .wd = v->sp.w, .weights_only = 1};
    ax_status s = run_rules(e, v, sink_place_batch, &pc, &pc, STORE_STDP, err);
    free(cursor);
    return s;
}

/* Split the plastic rows into runs of one projection and set each run's
 * tsodyks2 state to its projection's initial x, u. */
static ax_status make_runs(const ax_spec *s, ax_vp *v, const int32_t *proj_of, ax_error *err)
{
    const ax_store *st = &v->pl;
    ax_tso_rows *t = &v->tso;
    int64_t n = ax_store_count_runs(st, proj_of);
    t->t_last = calloc((size_t)st->n_src + 1, sizeof *t->t_last);
    t->run = malloc(((size_t)st->n_src + 1) * sizeof *t->run);
    t->run_end = malloc((size_t)(n + 1) * sizeof *t->run_end);
    t->run_proj = malloc((size_t)(n + 1) * sizeof *t->run_proj);
    t->x = malloc((size_t)(n + 1) * sizeof *t->x);
    t->u = malloc((size_t)(n + 1) * sizeof *t->u);
    t->y = malloc((size_t)(n + 1) * sizeof *t->y);
    AX_CHECK(t->t_last && t->run && t->run_end && t->run_proj && t->x && t->u && t->y, err, AX_ENOMEM,
             "out of memory for the state of %lld tsodyks2 runs", (long long)n);
    ax_store_split_runs(st, proj_of, t->run, t->run_end, t->run_proj);
    for (int64_t r = 0; r < n; r++) {
        t->x[r] = s->proj[t->run_proj[r]].tso.x;
        t->y[r] = s->proj[t->run_proj[r]].tso.y;
        t->u[r] = s->proj[t->run_proj[r]].tso.u;
    }
    return AX_OK;
}

static ax_status build_synapses(struct ax_engine_s *e, ax_vp *v, ax_error *err)
{
    AX_TRY(synapse_bits(e, v, err));
    v->deferred = want_deferred(e, v);
    int any[N_STORES] = {0};
    for (int k = 0; k < e->spec->n_proj; k++) any[store_of(e, k)] = 1;
    if (any[STORE_STATIC]) AX_TRY(build_store(e, v, &v->st, STORE_STATIC, NULL, NULL, err));
    double t = ax_now();
    if (any[STORE_STATIC] && v->deferred) AX_TRY(ax_vp_sort_rows(v, &v->st, err));
    v->t_phase[AX_PH_SORT] += ax_now() - t;
    if (any[STORE_COMPACT]) AX_TRY(build_store(e, v, &v->cp, STORE_COMPACT, NULL, NULL, err));
    t = ax_now();
    if (any[STORE_COMPACT] && v->deferred) AX_TRY(ax_vp_sort_rows(v, &v->cp, err));
    v->t_phase[AX_PH_SORT] += ax_now() - t;
    int32_t *proj_of = NULL;
    ax_status st = AX_OK;
    if (any[STORE_PLASTIC]) {
        st = build_store(e, v, &v->pl, STORE_PLASTIC, &proj_of, NULL, err);
        if (st == AX_OK) st = make_runs(e->spec, v, proj_of, err);
        free(proj_of);
        proj_of = NULL;
    }
    if (st == AX_OK && any[STORE_STDP]) {
        st = build_store(e, v, &v->sp.st, STORE_STDP, &proj_of, &v->sp.w, err);
        if (st == AX_OK) st = ax_stdp_build(e, v, proj_of, err);
        free(proj_of);
    }
    return st;
}

static ax_status make_buffers(struct ax_engine_s *e, ax_vp *v, ax_error *err)
{
    if (v->n_rec < 1) v->n_rec = 1;
    v->n_slots = e->max_delay + e->D;
    v->n_ring = v->deferred ? e->D : v->n_slots;
    if (v->deferred) {
        v->q = calloc((size_t)v->n_slots, sizeof *v->q);
        AX_CHECK_ALLOC(v->q, err, "delivery queues");
    }
    size_t n = (size_t)v->n_rec * (size_t)v->n_ring * (size_t)(v->n_local > 0 ? v->n_local : 1);
    v->ring = calloc(n, sizeof *v->ring); /* first touch by this thread */
    int64_t most = 1; /* spikes one block can emit in a step (update()'s spiked[]) */
    for (int b = 0; b < v->n_blocks; b++) most = v->blocks[b].max_spk > most ? v->blocks[b].max_spk : most;
    v->spiked = malloc((size_t)most * sizeof *v->spiked);
    v->cap_spiked = most;
    v->cap_out = v->n_local + 1024;
    v->out = malloc((size_t)v->cap_out * sizeof *v->out);
    v->pop_spikes = calloc((size_t)e->spec->n_pops, sizeof *v->pop_spikes);
    AX_CHECK(v->ring && v->spiked && v->out && v->pop_spikes, err, AX_ENOMEM,
             "out of memory for ring buffers (%.1f MiB)", n * 8.0 / 1048576);
    return AX_OK;
}

ax_status ax_vp_build(struct ax_engine_s *e, ax_vp *v, ax_error *err)
{
    double t = ax_now();
    AX_TRY(make_blocks(e, v, err));
    v->t_phase[AX_PH_BLOCKS] = ax_now() - t;
    AX_TRY(build_synapses(e, v, err));
    t = ax_now();
    ax_status s = make_buffers(e, v, err);
    v->t_phase[AX_PH_BUFFERS] = ax_now() - t;
    return s;
}

int64_t ax_store_count_runs(const ax_store *st, const int32_t *proj_of)
{
    int64_t n = 0;
    for (int64_t k = 0; k < st->n_src; k++)
        for (int64_t i = st->rows[k]; i < st->rows[k + 1]; i++)
            n += i == st->rows[k] || proj_of[i] != proj_of[i - 1];
    return n;
}

void ax_store_split_runs(const ax_store *st, const int32_t *proj_of, int64_t *run,
                         int64_t *run_end, int32_t *run_proj)
{
    int64_t n = 0;
    for (int64_t k = 0; k < st->n_src; k++) {
        run[k] = n;
        for (int64_t i = st->rows[k]; i < st->rows[k + 1]; i++) {
            if (i > st->rows[k] && proj_of[i] == proj_of[i - 1]) continue;
            if (i > st->rows[k]) run_end[n - 1] = i;
            run_proj[n++] = proj_of[i];
        }
        if (n > run[k]) run_end[n - 1] = st->rows[k + 1];
    }
    run[st->n_src] = n;
}

void ax_store_free(ax_store *st)
{
    AX_FREE_ALL(st->drow, st->drun, st->src_gid, st->rows, st->syn, st->pk, st->seg, st->dense);
}

void ax_vp_free(ax_vp *v, int n_pops)
{
    (void)n_pops;
    if (v->blocks)
        for (int b = 0; b < v->n_blocks; b++) ax_block_free(&v->blocks[b]);
    free(v->blocks);
    ax_store_free(&v->st);
    ax_store_free(&v->cp);
    ax_store_free(&v->pl);
    ax_stdp_free(v);
    AX_FREE_ALL(v->tso.t_last, v->tso.run, v->tso.run_end, v->tso.run_proj, v->tso.x, v->tso.u,
                v->tso.y, v->ring);
    for (int64_t k = 0; v->q && k < v->n_slots; k++) free(v->q[k].e);
    AX_FREE_ALL(v->q, v->restored, v->out, v->spiked, v->pop_spikes);
    memset(v, 0, sizeof *v);
}
