/* devices.c - stimulation and recording devices of one thread (DESIGN.md §4).
 *
 * Generators act only on the thread that owns their targets: no device is a
 * neuron and none needs communication. poisson_generator draws one Poisson
 * count per (target, arrival step) from a stateless Philox block keyed by
 * (seed, device, target gid, step / 4), so input is identical for every
 * decomposition; counts come from a precomputed inverse-CDF table with a
 * guide table (O(1) expected per draw, no exp() in the loop). The table uses
 * 32-bit uniforms: each probability is exact to 2^-32.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axon/connect.h"
#include "axon/free_all.h"
#include "axon/poisson.h"
#include "axon/rng.h"
#include "axon/steps.h"
#include "engine_impl.h"

/* Up to this many table entries, counts are computed by the branch-free
 * vectorised comparison sum; beyond it, by guided search. Mean 2 per step
 * (Brunel's 20 kHz at 0.1 ms) needs 16 entries. */
#define AX_POISSON_SMALL_TABLE 48

/* Owned targets of a device: local indices (and gids). */
static ax_status owned_targets(struct ax_engine_s *e, ax_vp *v, const ax_dev_spec *d,
                               int64_t **idx_out, uint64_t **gid_out, int64_t *n_out,
                               ax_error *err)
{
    int64_t n = 0;
    for (int t = 0; t < d->n_targets; t++) {
        const ax_dev_target *dt = &d->targets[t];
        n += ax_part_count_owned(&e->part, v->vp, e->spec->pops[dt->pop].first_gid + dt->first,
                                 dt->count);
    }
    int64_t *idx = malloc((size_t)(n ? n : 1) * sizeof *idx);
    uint64_t *gid = gid_out ? malloc((size_t)(n ? n : 1) * sizeof *gid) : NULL;
    if (!idx || (gid_out && !gid)) {
        free(idx);
        free(gid);
        return AX_FAIL(err, AX_ENOMEM, "out of memory for device '%s'", d->name);
    }
    int64_t k = 0;
    for (int t = 0; t < d->n_targets; t++) {
        const ax_dev_target *dt = &d->targets[t];
        int64_t first = e->spec->pops[dt->pop].first_gid + dt->first;
        int64_t g = ax_part_first_owned(&e->part, v->vp, first);
        for (; g < first + dt->count; g += e->part.n_vp, k++) {
            idx[k] = ax_vp_local_index(v, &e->part, dt->pop, g);
            if (gid) gid[k] = (uint64_t)g;
        }
    }
    *idx_out = idx;
    if (gid_out) *gid_out = gid;
    *n_out = n;
    return AX_OK;
}

/* The weight a generator adds per spike: its own, or 1 into parrot_neurons,
 * which count spikes (the spec lets a device drive parrots only or none). */
static double drive_weight(const struct ax_engine_s *e, const ax_dev_spec *d)
{
    return ax_model_find(e->spec->pops[d->targets[0].pop].model)->counts_spikes ? 1.0 : d->weight;
}

static int port(const struct ax_engine_s *e, const ax_dev_spec *d, double w)
{
    const ax_model_ops *m = ax_model_find(e->spec->pops[d->targets[0].pop].model);
    if (!m || m->n_receptors < 2) return 0;
    if (d->receptor == AX_RECEPTOR_EXCITATORY) return 0;
    if (d->receptor == AX_RECEPTOR_INHIBITORY) return 1;
    return w < 0;
}

void ax_device_window(const ax_dev_spec *d, double h, int64_t *on0, int64_t *on1)
{
    *on0 = ax_time_steps_or_never(d->start, h);
    *on1 = ax_time_steps_or_never(d->stop, h);
}

static ax_status poisson_table(ax_poisson *p, double mu, ax_error *err)
{
    /* Table until the tail mass is below 2^-33 (well below the 32-bit grid). */
    AX_CHECK(mu <= AX_POISSON_MAX_MEAN, err, AX_EINPUT, /* the spec refuses it first */
             "poisson_generator mean %.3g spikes per step is too large; reduce rate or resolution", mu);
    AX_TRY(ax_poisson_cdf(mu, "poisson table", &p->cdf, &p->n_cdf, err));
    p->n_guide = p->n_cdf < 16 ? 16 : p->n_cdf;
    p->guide = malloc((size_t)p->n_guide * sizeof *p->guide);
    AX_CHECK_ALLOC(p->guide, err, "poisson guide table");
    int j = 0;
    for (int g = 0; g < p->n_guide; g++) {
        uint64_t lo = ((uint64_t)g << 32) / (uint64_t)p->n_guide;
        while (j < p->n_cdf - 1 && (uint64_t)p->cdf[j] <= lo) j++;
        p->guide[g] = j;
    }
    return AX_OK;
}

/* Fewer targets than this take the per-target path of inject_poisson, with
 * AX_POISSON_GROUP Philox blocks (64 steps) drawn at once. */
#define AX_POISSON_FEW 16
#define AX_POISSON_GROUP 16

static ax_status setup_poisson(struct ax_engine_s *e, ax_vp *v, int dv, ax_error *err)
{
    const ax_dev_spec *d = &e->spec->dev[dv];
    ax_poisson *p = &v->poisson[v->n_poisson++];
    p->dev = dv;
    p->w = drive_weight(e, d);
    p->receptor = port(e, d, d->weight);
    p->delay = ax_delay_steps(d->delay, e->h);
    ax_device_window(d, e->h, &p->on0, &p->on1);
    AX_TRY(owned_targets(e, v, d, &p->idx, &p->gid, &p->n, err));
    /* few targets hold AX_POISSON_GROUP blocks at once (inject_poisson) */
    const size_t blocks = p->n < AX_POISSON_FEW ? AX_POISSON_GROUP : 1;
    p->u = malloc((size_t)(p->n ? p->n : 1) * 4 * blocks * sizeof *p->u);
    p->u_blk = -1;
    p->cnt = malloc((size_t)(p->n ? p->n : 1) * sizeof *p->cnt);
    if (p->n < AX_POISSON_FEW) { /* few_group's count buffer and philox_group's lane tables */
        const size_t lanes = (size_t)(p->n ? p->n : 1) * AX_POISSON_GROUP;
        p->cw = malloc(4 * lanes * sizeof *p->cw);
        p->lane_gid = malloc(lanes * sizeof *p->lane_gid);
        p->lane_g = malloc(lanes * sizeof *p->lane_g);
        AX_CHECK(p->cw && p->lane_gid && p->lane_g, err, AX_ENOMEM, "out of memory for poisson draws");
        for (int g = 0; g < AX_POISSON_GROUP; g++)
            for (int64_t j = 0; j < p->n; j++) {
                p->lane_gid[g * p->n + j] = p->gid[j];
                p->lane_g[g * p->n + j] = (uint32_t)g;
            }
    }
    AX_CHECK(p->u && p->cnt, err, AX_ENOMEM, "out of memory for poisson draws");
    p->contiguous = 1;
    for (int64_t j = 1; j < p->n; j++) p->contiguous &= p->idx[j] == p->idx[0] + j;
    return poisson_table(p, d->rate * e->h / 1000.0, err);
}

static ax_status setup_spikegen(struct ax_engine_s *e, ax_vp *v, int dv, ax_error *err)
{
    const ax_dev_spec *d = &e->spec->dev[dv];
    ax_spikegen *g = &v->spikegen[v->n_spikegen++];
    g->w = drive_weight(e, d);
    g->receptor = port(e, d, d->weight);
    g->delay = ax_delay_steps(d->delay, e->h);
    g->step = malloc((size_t)(d->n_times ? d->n_times : 1) * sizeof *g->step);
    AX_CHECK_ALLOC(g->step, err, "spike_generator times");
    /* NEST's spike_generator emits the spikes stamped in (start, stop]
     * (nest-simulator models/spike_generator.cpp, StimulationDevice::is_active);
     * a time beyond every run never fires. */
    int64_t on0, on1;
    ax_device_window(d, e->h, &on0, &on1);
    g->n_steps = 0;
    for (int64_t k = 0; k < d->n_times; k++) {
        int64_t emit = ax_time_steps_or_never(d->spike_times[k], e->h) - 1;
        if (emit >= on0 && emit < on1) g->step[g->n_steps++] = emit;
    }
    return owned_targets(e, v, d, &g->idx, NULL, &g->n, err);
}

static ax_status setup_dc(struct ax_engine_s *e, ax_vp *v, int dv, ax_error *err)
{
    const ax_dev_spec *d = &e->spec->dev[dv];
    ax_dc *c = &v->dc[v->n_dc++];
    c->amp = d->amplitude;
    /* A current emitted in step e arrives one step later (delay = h, as NEST's default). */
    ax_device_window(d, e->h, &c->on0, &c->on1);
    c->on0 += 1;
    c->on1 += 1;
    AX_TRY(owned_targets(e, v, d, &c->idx, NULL, &c->n, err));
    for (int b = 0; b < v->n_blocks; b++) {
        ax_block *bl = &v->blocks[b];
        if (bl->i_ext) continue;
        for (int t = 0; t < d->n_targets; t++)
            if (d->targets[t].pop == b && bl->n > 0) {
                bl->i_ext = calloc((size_t)bl->n, sizeof *bl->i_ext);
                AX_CHECK_ALLOC(bl->i_ext, err, "dc input");
                break;
            }
    }
    return AX_OK;
}

static ax_status setup_meter(struct ax_engine_s *e, ax_vp *v, int dv, int t, ax_error *err)
{
    const ax_dev_spec *d = &e->spec->dev[dv];
    const ax_dev_target *dt = &d->targets[t];
    ax_block *bl = &v->blocks[dt->pop];
    ax_meter *m = &v->meter[v->n_meter++];
    m->dev = dv;
    m->pop = dt->pop;
    m->blk = dt->pop;
    m->n_vars = d->n_record;
    m->interval = ax_delay_steps(d->interval, e->h);
    ax_device_window(d, e->h, &m->on0, &m->on1);
    int64_t first = e->spec->pops[dt->pop].first_gid + dt->first;
    m->n = ax_part_count_owned(&e->part, v->vp, first, dt->count);
    m->node_id = malloc((size_t)(m->n ? m->n : 1) * sizeof *m->node_id);
    m->sidx = malloc((size_t)(m->n ? m->n : 1) * sizeof *m->sidx);
    m->ptr = malloc((size_t)(m->n_vars ? m->n_vars : 1) * sizeof *m->ptr);
    m->var = malloc((size_t)(m->n_vars ? m->n_vars : 1) * sizeof *m->var);
    AX_CHECK(m->node_id && m->sidx && m->ptr && m->var, err, AX_ENOMEM,
             "out of memory for multimeter");
    int64_t g = ax_part_first_owned(&e->part, v->vp, first);
    for (int64_t j = 0; j < m->n; j++, g += e->part.n_vp) {
        m->node_id[j] = (uint64_t)(g - e->spec->pops[dt->pop].first_gid);
        m->sidx[j] = (g - bl->gid0) / e->part.n_vp;
    }
    for (int k = 0; k < m->n_vars; k++) m->var[k] = ax_model_state_index(bl->ops, d->record_from[k]);
    ax_vp_meters_bind(v, dt->pop);
    AX_CHECK(!bl->n_groups || m->cell, err, AX_ENOMEM, "out of memory for multimeter cells");
    int64_t flush = (int64_t)ceil(e->spec->sim.flush_interval / e->h / (double)e->D) * e->D;
    m->cap_rows = flush / m->interval + 2;
    m->buf = malloc((size_t)(m->cap_rows * m->n_vars * (m->n ? m->n : 1)) * sizeof *m->buf);
    AX_CHECK_ALLOC(m->buf, err, "multimeter buffer");
    return AX_OK;
}

ax_status ax_vp_devices(struct ax_engine_s *e, ax_vp *v, ax_error *err)
{
    const ax_spec *s = e->spec;
    int np = 0, ng = 0, nd = 0, nm = 0;
    for (int k = 0; k < s->n_dev; k++) {
        switch (s->dev[k].kind) {
        case AX_DEV_POISSON: np++; break;
        case AX_DEV_SPIKE_GEN: ng++; break;
        case AX_DEV_DC: nd++; break;
        case AX_DEV_MULTIMETER: nm += s->dev[k].n_targets; break;
        default: break;
        }
    }
    v->poisson = calloc((size_t)np + 1, sizeof *v->poisson);
    v->spikegen = calloc((size_t)ng + 1, sizeof *v->spikegen);
    v->dc = calloc((size_t)nd + 1, sizeof *v->dc);
    v->meter = calloc((size_t)nm + 1, sizeof *v->meter);
    v->cap_rec_spk = 4096;
    v->rec_gid = malloc((size_t)v->cap_rec_spk * sizeof *v->rec_gid);
    v->rec_step = malloc((size_t)v->cap_rec_spk * sizeof *v->rec_step);
    AX_CHECK(v->poisson && v->spikegen && v->dc && v->meter && v->rec_gid && v->rec_step, err,
             AX_ENOMEM, "out of memory for devices");
    for (int k = 0; k < s->n_dev; k++) {
        switch (s->dev[k].kind) {
        case AX_DEV_POISSON: AX_TRY(setup_poisson(e, v, k, err)); break;
        case AX_DEV_SPIKE_GEN: AX_TRY(setup_spikegen(e, v, k, err)); break;
        case AX_DEV_DC: AX_TRY(setup_dc(e, v, k, err)); break;
        case AX_DEV_MULTIMETER:
            for (int t = 0; t < s->dev[k].n_targets; t++) AX_TRY(setup_meter(e, v, k, t, err));
            break;
        default: break;
        }
    }
    v->dc_force = 1; /* dc input from the first step (a device may be on before step 0) */
    return AX_OK;
}

/* Count for one uniform word by guided inverse-CDF search (large means).
 * The last table entry absorbs the tail: the search never passes it, even
 * for u = 2^32 - 1. */
static inline int poisson_count(const ax_poisson *p, uint32_t u)
{
    int k = p->guide[((uint64_t)u * (uint64_t)p->n_guide) >> 32];
    const int last = p->n_cdf - 1;
    while (k < last && u >= p->cdf[k]) k++;
    return k;
}

/* Counts for all targets of one step (small means): count = number of table
 * entries below u, summed entry by entry over the target array, which the
 * compiler vectorises and which has no data-dependent branch. */
static void poisson_counts_small(const ax_poisson *p, const uint32_t *restrict u,
                                 uint32_t *restrict cnt)
{
    const int64_t n = p->n;
    for (int64_t j = 0; j < n; j++) cnt[j] = 0;
    for (int k = 0; k < p->n_cdf - 1; k++) {
        const uint32_t c = p->cdf[k];
        #pragma omp simd
        for (int64_t j = 0; j < n; j++) cnt[j] += u[j] >= c;
    }
}

/* Philox4x32-10 blocks for many targets at once: counter {c0, c1, gid lo,
 * gid hi}, key = seed; u[w * n + j] = word w of target j. The same function
 * as ax_philox4 (tests/test_engine checks it), written over arrays so the
 * compiler vectorises the rounds across targets. */
static void philox_many(uint64_t seed, uint32_t c0, uint32_t c1, const uint64_t *restrict gid,
                        int64_t n, uint32_t *restrict u)
{
    const uint32_t s0 = (uint32_t)seed, s1 = (uint32_t)(seed >> 32);
    #pragma omp simd
    for (int64_t j = 0; j < n; j++) {
        uint32_t x0 = c0, x1 = c1, x2 = (uint32_t)gid[j], x3 = (uint32_t)(gid[j] >> 32);
        ax_philox_rounds(&x0, &x1, &x2, &x3, s0, s1);
        u[j] = x0;
        u[n + j] = x1;
        u[2 * n + j] = x2;
        u[3 * n + j] = x3;
    }
}

/* The same with a block per lane: lane l = g n + j is block blk0 + g of
 * target j, for AX_POISSON_GROUP blocks (the lane tables lane_gid = gid[j]
 * and lane_g = g are built once, in setup_poisson). For few targets a simd
 * loop over n lanes would run only its scalar remainder (n is below one
 * vector); AX_POISSON_GROUP blocks at once fill the vectors, and the words
 * are the same (each is a pure function of block and gid). Word w of lane l
 * goes to u[w * lanes + l]. */
static void philox_group(uint64_t seed, uint32_t blk0, uint32_t c1, const ax_poisson *p,
                         uint32_t *restrict u)
{
    const uint32_t s0 = (uint32_t)seed, s1 = (uint32_t)(seed >> 32);
    const int64_t lanes = p->n * AX_POISSON_GROUP;
    const uint64_t *restrict lg = p->lane_gid;
    const uint32_t *restrict lb = p->lane_g;
    #pragma omp simd
    for (int64_t l = 0; l < lanes; l++) {
        uint32_t x0 = blk0 + lb[l], x1 = c1, x2 = (uint32_t)lg[l], x3 = (uint32_t)(lg[l] >> 32);
        ax_philox_rounds(&x0, &x1, &x2, &x3, s0, s1);
        u[l] = x0;
        u[lanes + l] = x1;
        u[2 * lanes + l] = x2;
        u[3 * lanes + l] = x3;
    }
}

/* Few targets (a Boltzmann machine's samplers, where every step is a
 * slice): the counts of AX_POISSON_GROUP blocks (64 steps) are drawn at
 * once, each as the number of table entries its word reaches (the table is
 * nondecreasing, so that is the inverse-CDF search's answer), in one
 * branch-free loop over all the group's words that the compiler
 * vectorises, and kept as count * w. A step then only adds n numbers: its
 * per-step cost was the draw loop's setup and a search that mispredicted.
 * cw[] has u[]'s layout: step 4 (held + g) + q, target j at
 * cw[q * lanes + g * n + j]. Adding a zero count is harmless: an input
 * cell is never -0.0 (it starts at +0.0 and x + y is -0.0 only if both
 * are), so cell + (+-0.0) == cell. */
static void few_group(const struct ax_engine_s *e, ax_poisson *p, int64_t held, uint32_t c1)
{
    const int64_t words = 4 * p->n * AX_POISSON_GROUP;
    const uint32_t *restrict u = p->u, *restrict cdf = p->cdf;
    double *restrict cw = p->cw;
    uint32_t c[4 * AX_POISSON_FEW * AX_POISSON_GROUP], top = 0;
    philox_group(e->spec->sim.seed, (uint32_t)held, c1, p, p->u);
    #pragma omp simd reduction(max : top)
    for (int64_t l = 0; l < words; l++) {
        c[l] = 0;
        top = u[l] > top ? u[l] : top;
    }
    /* entries above the largest word add nothing; the last absorbs the tail */
    for (int k = 0; k < p->n_cdf - 1 && cdf[k] <= top; k++) {
        const uint32_t ck = cdf[k];
        #pragma omp simd
        for (int64_t l = 0; l < words; l++) c[l] += u[l] >= ck;
    }
    #pragma omp simd
    for (int64_t l = 0; l < words; l++) cw[l] = c[l] * p->w;
    p->u_blk = held;
}

static void inject_few(struct ax_engine_s *e, ax_vp *v, ax_poisson *p, int64_t a0, int64_t a1,
                       int64_t s, uint32_t c1)
{
    double *ring = v->ring + (size_t)p->receptor * v->n_ring * v->n_local;
    const int64_t *restrict idx = p->idx, nt = p->n, lanes = nt * AX_POISSON_GROUP;
    for (int64_t n = a0; n < a1; n++, s = s + 1 == v->n_ring ? 0 : s + 1) {
        const int64_t held = (n >> 2) & ~(int64_t)(AX_POISSON_GROUP - 1);
        if (held != p->u_blk) few_group(e, p, held, c1);
        const double *restrict cw = p->cw + (n & 3) * lanes + ((n >> 2) - held) * nt;
        double *restrict slot = ring + (size_t)s * v->n_local;
        if (p->contiguous)
            for (int64_t j = 0; j < nt; j++) slot[idx[0] + j] += cw[j];
        else
            for (int64_t j = 0; j < nt; j++) slot[idx[j]] += cw[j];
    }
}

void ax_philox_many_for_test(uint64_t seed, uint32_t c0, uint32_t c1, const uint64_t *gid,
                             int64_t n, uint32_t *u)
{
    philox_many(seed, c0, c1, gid, n, u);
}

/* Add this slice's Poisson input (arrival steps a0 .. a1-1; t0 is the
 * slice's first step) of a device with many targets to the ring: one Philox
 * block per target per 4 steps, one table lookup per draw. */
static void inject_many(struct ax_engine_s *e, ax_vp *v, ax_poisson *p, int64_t a0, int64_t a1,
                        int64_t t0, uint32_t c1)
{
    double *ring = v->ring + (size_t)p->receptor * v->n_ring * v->n_local;
    const int64_t *restrict idx = p->idx;
    const double w = p->w;
    for (int64_t blk = a0 >> 2; blk <= (a1 - 1) >> 2; blk++) {
        if (blk != p->u_blk) philox_many(e->spec->sim.seed, (uint32_t)blk, c1, p->gid, p->n, p->u);
        p->u_blk = blk;
        int64_t n0 = blk * 4 > a0 ? blk * 4 : a0, n1 = blk * 4 + 4 < a1 ? blk * 4 + 4 : a1;
        int64_t s = v->slot0 + (n0 - t0); /* n0 mod n_ring: t0's slot plus < D steps */
        s -= s >= v->n_ring ? v->n_ring : 0;
        for (int64_t n = n0; n < n1; n++, s = s + 1 == v->n_ring ? 0 : s + 1) {
            double *restrict slot = ring + (size_t)s * v->n_local;
            uint32_t *restrict cnt = p->cnt;
            const uint32_t *restrict us = p->u + (n & 3) * p->n;
            if (p->n_cdf <= AX_POISSON_SMALL_TABLE) poisson_counts_small(p, us, cnt);
            else
                for (int64_t j = 0; j < p->n; j++) cnt[j] = (uint32_t)poisson_count(p, us[j]);
            if (p->contiguous) {
                double *restrict base = slot + (p->n ? idx[0] : 0);
                #pragma omp simd
                for (int64_t j = 0; j < p->n; j++) base[j] += cnt[j] * w;
            } else {
                for (int64_t j = 0; j < p->n; j++) slot[idx[j]] += cnt[j] * w;
            }
        }
    }
}

/* Add this slice's Poisson input (arrival steps t0 .. t1-1) to the ring. */
static void inject_poisson(struct ax_engine_s *e, ax_vp *v, ax_poisson *p, int64_t t0,
                           int64_t t1)
{
    const uint32_t c1 = ((uint32_t)AX_RNG_POISSON << 24) | (uint32_t)p->dev;
    const int64_t a0 = t0 > p->on0 + p->delay ? t0 : p->on0 + p->delay;
    const int64_t a1 = t1 < p->on1 + p->delay ? t1 : p->on1 + p->delay;
    if (a0 >= a1) return;
    if (!p->cw) {
        inject_many(e, v, p, a0, a1, t0, c1);
        return;
    }
    int64_t s = v->slot0 + (a0 - t0); /* a0 mod n_ring: t0's slot plus < D steps */
    inject_few(e, v, p, a0, a1, s - (s >= v->n_ring ? v->n_ring : 0), c1);
}

static void inject_spikegen(ax_vp *v, ax_spikegen *g, int64_t t1)
{
    double *ring = v->ring + (size_t)g->receptor * v->n_ring * v->n_local;
    while (g->next < g->n_steps && g->step[g->next] + g->delay < t1) {
        int64_t slot = (g->step[g->next] + g->delay) % v->n_ring;
        for (int64_t j = 0; j < g->n; j++) ring[(size_t)slot * v->n_local + g->idx[j]] += g->w;
        g->next++;
    }
}

void ax_vp_inject(struct ax_engine_s *e, ax_vp *v, int64_t t0, int64_t t1)
{
    for (int k = 0; k < v->n_poisson; k++) inject_poisson(e, v, &v->poisson[k], t0, t1);
    for (int k = 0; k < v->n_spikegen; k++) inject_spikegen(v, &v->spikegen[k], t1);
}

/* Recompute dc input where a device switches on or off at step n. */
void ax_vp_dc(ax_vp *v, int64_t n)
{
    int change = v->dc_force;
    v->dc_force = 0;
    for (int k = 0; k < v->n_dc; k++) change |= (n == v->dc[k].on0 || n == v->dc[k].on1);
    if (!change) return;
    for (int b = 0; b < v->n_blocks; b++)
        if (v->blocks[b].i_ext) memset(v->blocks[b].i_ext, 0, (size_t)v->blocks[b].n * sizeof(double));
    for (int k = 0; k < v->n_dc; k++) {
        const ax_dc *c = &v->dc[k];
        if (n < c->on0 || n >= c->on1) continue;
        for (int64_t j = 0; j < c->n; j++) {
            /* find the block of local index idx */
            int64_t i = c->idx[j];
            int b = 0;
            while (b + 1 < v->n_blocks && v->blocks[b + 1].offset <= i) b++;
            v->blocks[b].i_ext[i - v->blocks[b].offset] += c->amp;
        }
    }
}

/* Multimeter samples after the update of step n (row at t = (n+1) h), in
 * its window: start < t <= stop (NEST's RecordingDevice::is_active on the
 * sample's time stamp). */
void ax_vp_sample(ax_vp *v, int64_t n)
{
    for (int k = 0; k < v->n_meter; k++) {
        ax_meter *m = &v->meter[k];
        if ((n + 1) % m->interval != 0 || n < m->on0 || n >= m->on1 || m->rows >= m->cap_rows)
            continue;
        if (m->rows == 0) m->first_step = n + 1;
        double *row = m->buf + (size_t)m->rows * m->n_vars * m->n;
        if (m->cell)
            for (int64_t c = 0; c < m->n_vars * m->n; c++) row[c] = *m->cell[c];
        else if (m->n_vars && !m->ptr[0])
            continue; /* a split block whose cells could not be allocated (reported at setup) */
        else
            for (int q = 0; q < m->n_vars; q++)
                for (int64_t j = 0; j < m->n; j++) row[q * m->n + j] = m->ptr[q][m->sidx[j]];
        m->rows++;
    }
}

void ax_vp_meters_bind(ax_vp *v, int b)
{
    const ax_block *bl = &v->blocks[b];
    for (int k = 0; k < v->n_meter; k++) {
        ax_meter *m = &v->meter[k];
        if (m->blk != b) continue;
        if (!bl->n_groups) { /* one instance: a base pointer per variable */
            for (int q = 0; q < m->n_vars; q++) m->ptr[q] = bl->ops->state(bl->nr, m->var[q]);
            free(m->cell);
            m->cell = NULL;
            continue;
        }
        /* a block split into groups (block.c): one pointer per recorded value;
         * left NULL on ENOMEM, which setup_meter reports */
        for (int q = 0; q < m->n_vars; q++) m->ptr[q] = NULL;
        if (!m->cell) m->cell = malloc((size_t)(m->n_vars * (m->n ? m->n : 1)) * sizeof *m->cell);
        for (int q = 0; m->cell && q < m->n_vars; q++)
            for (int64_t j = 0; j < m->n; j++) m->cell[q * m->n + j] = ax_block_state_at(bl, m->var[q], m->sidx[j]);
    }
}

void ax_vp_devices_seek(ax_vp *v, int64_t t)
{
    v->dc_force = 1;
    for (int k = 0; k < v->n_poisson; k++) v->poisson[k].u_blk = -1;
    for (int k = 0; k < v->n_meter; k++) v->meter[k].rows = 0;
    for (int k = 0; k < v->n_spikegen; k++) {
        ax_spikegen *g = &v->spikegen[k];
        g->next = 0;
        while (g->next < g->n_steps && g->step[g->next] + g->delay < t) g->next++;
    }
}

void ax_vp_devices_free(ax_vp *v)
{
    for (int k = 0; k < v->n_poisson; k++) {
        AX_FREE_ALL(v->poisson[k].idx, v->poisson[k].gid, v->poisson[k].cdf, v->poisson[k].guide,
                    v->poisson[k].u, v->poisson[k].cnt, v->poisson[k].cw,
                    v->poisson[k].lane_gid, v->poisson[k].lane_g);
    }
    for (int k = 0; k < v->n_spikegen; k++) {
        free(v->spikegen[k].step);
        free(v->spikegen[k].idx);
    }
    for (int k = 0; k < v->n_dc; k++) free(v->dc[k].idx);
    for (int k = 0; k < v->n_meter; k++) {
        AX_FREE_ALL(v->meter[k].node_id, v->meter[k].sidx, v->meter[k].ptr, v->meter[k].var,
                    v->meter[k].cell, v->meter[k].buf);
    }
    AX_FREE_ALL(v->poisson, v->spikegen, v->dc, v->meter, v->rec_gid, v->rec_step);
    v->poisson = NULL;
    v->spikegen = NULL;
    v->dc = NULL;
    v->meter = NULL;
    v->rec_gid = NULL;
    v->rec_step = NULL;
    v->n_poisson = v->n_spikegen = v->n_dc = v->n_meter = 0;
    v->n_rec_spk = v->cap_rec_spk = 0;
}
