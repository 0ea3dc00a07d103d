/* engine.c - build and simulate (DESIGN.md §2): the min-delay slice loop.
 *
 * One OpenMP parallel region spans the whole simulation. Per slice of D
 * steps each thread (1) delivers the spikes received at the end of the last
 * slice into its own ring buffers, in (lag, source gid) order and row order,
 * (2) adds its devices' input, (3) updates its neurons D steps. Then the
 * master thread exchanges spikes (MPI) and, every flush interval, writes
 * what the recorders collected, while the other threads wait at a barrier.
 * Threads write only their own ax_vp: no atomics or locks on the hot path.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "axon/connect.h"
#include "engine_impl.h"

double ax_peak_rss_bytes(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss * 1024.0;
}

/* Fault injection for the reliability tests (docs/reliability.md):
 * AXON_FAULT=phase[:rank] makes `rank` (default 1) fail in `phase` (build,
 * simulate, record) as a real error would, so tests can check that one
 * rank's failure ends every rank with one clear message, without a hang. */
static ax_status fault(const struct ax_engine_s *e, const char *phase, ax_error *err)
{
    const char *f = getenv("AXON_FAULT");
    if (!f) return AX_OK;
    size_t n = strlen(phase);
    if (strncmp(f, phase, n) != 0 || (f[n] != '\0' && f[n] != ':')) return AX_OK;
    int rank = f[n] == ':' ? atoi(f + n + 1) : 1;
    if (rank != e->rank) return AX_OK;
    return AX_FAIL(err, AX_EIO, "injected fault in phase '%s' (AXON_FAULT=%s)", phase, f);
}

/* Agree on a status across ranks; the first failing rank's message is
 * broadcast so every rank reports the same text. */
static ax_status agree_from(struct ax_engine_s *e, ax_status st, int secondary, ax_error *err)
{
    /* the lowest rank with an error of its own wins over ranks that only
     * noticed another's failure (secondary) */
    int mine = st == AX_OK ? 2 * e->ranks : secondary ? e->ranks + e->rank : e->rank, first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, e->comm);
    if (first == 2 * e->ranks) return AX_OK;
    if (first >= e->ranks) first -= e->ranks;
    int code = st;
    MPI_Bcast(&code, 1, MPI_INT, first, e->comm);
    MPI_Bcast(err->msg, AX_ERROR_MSG_MAX, MPI_CHAR, first, e->comm);
    err->code = (ax_status)code;
    if (first != e->rank || e->ranks > 1) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "rank %d: ", first);
        if (e->ranks > 1) ax_error_prefix(err, "%s", tmp);
    }
    return (ax_status)code;
}

static ax_status agree(struct ax_engine_s *e, ax_status st, ax_error *err)
{
    return agree_from(e, st, 0, err);
}

static void recorded_ranges(struct ax_engine_s *e)
{
    const ax_spec *s = e->spec;
    for (int k = 0; k < s->n_dev; k++) {
        if (s->dev[k].kind != AX_DEV_SPIKE_REC) continue;
        for (int t = 0; t < s->dev[k].n_targets; t++) {
            const ax_dev_target *dt = &s->dev[k].targets[t];
            int64_t a = dt->first, b = dt->first + dt->count;
            if (e->pop_recorded[dt->pop]) { /* hull of several ranges */
                int64_t a0 = e->rec_first[dt->pop], b0 = a0 + e->rec_count[dt->pop];
                a = a < a0 ? a : a0;
                b = b > b0 ? b : b0;
            }
            e->pop_recorded[dt->pop] = 1;
            e->rec_first[dt->pop] = a;
            e->rec_count[dt->pop] = b - a;
        }
    }
}

static ax_status engine_alloc(const ax_spec *spec, MPI_Comm comm, int threads, ax_engine *out,
                              ax_error *err)
{
    struct ax_engine_s *e = calloc(1, sizeof *e);
    AX_CHECK_ALLOC(e, err, "engine");
    *out = e;
    e->spec = spec;
    e->comm = comm;
    MPI_Comm_rank(comm, &e->rank);
    MPI_Comm_size(comm, &e->ranks);
    e->threads = threads;
    ax_partition_init(&e->part, e->ranks, threads, e->rank, spec->n_total);
    e->h = spec->sim.resolution;
    e->n_steps = (int64_t)llround(spec->sim.t_sim / e->h);
    /* D: the minimum delay of neuron-to-neuron projections (without any,
     * the max delay, at most 10 steps); max over everything. */
    int64_t lo, hi, dmin = ax_spec_proj_min_delay(spec);
    ax_spec_delay_range(spec, &lo, &hi);
    int64_t dmax = hi > 1 ? hi : 1;
    e->D = dmin > 0 ? dmin : (dmax < 10 ? dmax : 10);
    e->max_delay = dmax > e->D ? dmax : e->D;
    e->vps = calloc((size_t)threads, sizeof *e->vps);
    e->pop_recorded = calloc((size_t)spec->n_pops, 1);
    e->rec_first = calloc((size_t)spec->n_pops, sizeof *e->rec_first);
    e->rec_count = calloc((size_t)spec->n_pops, sizeof *e->rec_count);
    e->stats.pop_spikes = calloc((size_t)spec->n_pops, sizeof *e->stats.pop_spikes);
    AX_CHECK(e->vps && e->pop_recorded && e->rec_first && e->rec_count && e->stats.pop_spikes,
             err, AX_ENOMEM, "out of memory for the engine");
    recorded_ranges(e);
    return ax_engine_compact_pops(e, err);
}

static void build_stats(struct ax_engine_s *e)
{
    int64_t nsyn = 0;
    double bytes = 0;
    for (int t = 0; t < e->threads; t++) {
        const ax_vp *v = &e->vps[t];
        nsyn += v->st.n_syn + v->cp.n_syn + v->pl.n_syn;
        bytes += (v->st.n_syn + v->pl.n_syn) * (double)sizeof(ax_syn) +
                 v->cp.n_syn * (double)sizeof(uint32_t) +
                 (v->st.n_src + v->cp.n_src + v->pl.n_src) * 16.0;
    }
    MPI_Allreduce(&nsyn, &e->stats.n_synapses, 1, MPI_INT64_T, MPI_SUM, e->comm);
    MPI_Allreduce(&bytes, &e->stats.syn_bytes, 1, MPI_DOUBLE, MPI_SUM, e->comm);
    e->stats.ranks = e->ranks;
    e->stats.threads = e->threads;
    e->stats.n_neurons = e->spec->n_total;
    e->stats.n_steps = e->n_steps;
    e->stats.min_delay = e->D;
    e->stats.max_delay = e->max_delay;
}

ax_status ax_engine_build(const ax_spec *spec, MPI_Comm comm, int threads, ax_engine *out,
                          ax_error *err)
{
    *out = NULL;
    double t0 = MPI_Wtime();
    ax_engine e = NULL;
    ax_status st = engine_alloc(spec, comm, threads, &e, err);
    *out = e;
    if (st == AX_OK) {
        #pragma omp parallel num_threads(threads)
        {
            int t = omp_get_thread_num();
            ax_vp *v = &e->vps[t];
            v->thread = t;
            v->vp = ax_part_vp_of(&e->part, e->rank, t);
            v->status = ax_vp_build(e, v, &v->err);
            if (v->status == AX_OK) v->status = ax_vp_devices(e, v, &v->err);
        }
        for (int t = 0; t < threads && st == AX_OK; t++)
            if (e->vps[t].status != AX_OK) {
                *err = e->vps[t].err;
                st = e->vps[t].status;
            }
    }
    if (!e) return st;
    if (st == AX_OK) st = fault(e, "build", err);
    st = agree(e, st, err);
    if (st == AX_OK) st = agree(e, ax_exchange_setup(e, err), err);
    if (st != AX_OK) return st;
    build_stats(e);
    double dt = MPI_Wtime() - t0;
    MPI_Allreduce(&dt, &e->stats.t_build, 1, MPI_DOUBLE, MPI_MAX, comm);
    return AX_OK;
}

/* ---- simulation ----------------------------------------------------------- */

/* Time stamp (ms) of the end of step n, computed as NEST does: an integer
 * number of tics (1000 per ms) times 0.001, so recorded times are the same
 * doubles NEST writes (e.g. 109.3, not 1093 * 0.1 = 109.30000000000001). */
static double stamp_ms(const struct ax_engine_s *e, int64_t steps)
{
    double tics = e->h * 1000.0;
    if (fabs(tics - nearbyint(tics)) < 1e-9 * tics)
        return (double)(steps * (int64_t)nearbyint(tics)) * (1.0 / 1000.0);
    return (double)steps * e->h;
}

/* Add one spike's row of synapses, each weight times f, to the ring
 * buffers from slot base on. */
static inline void deliver_row(ax_vp *restrict v, const ax_syn *restrict sy, int64_t len,
                               int64_t base, double f)
{
    const int64_t S = v->n_slots, NL = v->n_local;
    const uint32_t imask = v->idx_mask, dmask = v->delay_mask;
    const int ib = v->idx_bits;
    double *restrict ring = v->ring;
    for (int64_t q = 0; q < len; q++) {
        uint32_t pk = sy[q].packed;
        int64_t slot = base + ((pk >> ib) & dmask);
        slot -= slot >= S ? S : 0;
        ring[((int64_t)(pk >> 31) * S + slot) * NL + (pk & imask)] += f * sy[q].w;
    }
}

/* The same for a compact row: one weight w for all its synapses. */
static inline void deliver_row_w(ax_vp *restrict v, const uint32_t *restrict pk, int64_t len,
                                 int64_t base, double w)
{
    const int64_t S = v->n_slots, NL = v->n_local;
    const uint32_t imask = v->idx_mask, dmask = v->delay_mask;
    const int ib = v->idx_bits;
    double *restrict ring = v->ring;
    for (int64_t q = 0; q < len; q++) {
        uint32_t p = pk[q];
        int64_t slot = base + ((p >> ib) & dmask);
        slot -= slot >= S ? S : 0;
        ring[((int64_t)(p >> 31) * S + slot) * NL + (p & imask)] += w;
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
    double h = stamp_ms(e, n + 1) - stamp_ms(e, t->t_last[row]);
    t->t_last[row] = n + 1;
    v->n_events += st->rows[row + 1] - st->rows[row];
    for (int64_t r = t->run[row]; r < t->run[row + 1]; r++) {
        const ax_tso *p = &e->spec->proj[t->run_proj[r]].tso;
        int64_t q0 = r == t->run[row] ? st->rows[row] : t->run_end[r - 1];
        deliver_row(v, st->syn + q0, t->run_end[r] - q0, base, t->x[r] * t->u[r]);
        double x_decay = exp(-h / p->tau_rec);
        double u_decay = p->tau_fac < 1.0e-10 ? 0.0 : exp(-h / p->tau_fac);
        t->x[r] = 1.0 + (t->x[r] - t->x[r] * t->u[r] - 1.0) * x_decay;
        t->u[r] = p->U + t->u[r] * (1.0 - p->U) * u_decay;
    }
}

/* Deliver the received spikes (emitted in steps t_prev + lag) into this
 * thread's ring buffers: the static row (compact or not, by the source's
 * population), then the tsodyks2 row (a branch per spike, not per synapse). */
static void deliver(const struct ax_engine_s *e, ax_vp *v, int64_t t_prev)
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
            if (st->pk) deliver_row_w(v, st->pk + st->rows[row], len, base, e->cw[p]);
            else deliver_row(v, st->syn + st->rows[row], len, base, 1.0);
        }
        if (plastic) deliver_tso(e, v, p, gid, n, base);
    }
}

static int grow_rec(ax_vp *v)
{
    int64_t c = v->cap_rec_spk * 2;
    uint64_t *g = realloc(v->rec_gid, (size_t)c * sizeof *g);
    if (g) v->rec_gid = g;
    int64_t *s = realloc(v->rec_step, (size_t)c * sizeof *s);
    if (s) v->rec_step = s;
    if (!g || !s) return -1;
    v->cap_rec_spk = c;
    return 0;
}

/* Keep the spikes of block b in step n: exchange keys and recorder buffer. */
static void collect(const struct ax_engine_s *e, ax_vp *v, const ax_block *b, int64_t n,
                    int64_t t0, int64_t k)
{
    const int64_t V = e->part.n_vp;
    const int rec = e->pop_recorded[b->pop];
    const int64_t rf = e->spec->pops[b->pop].first_gid + e->rec_first[b->pop];
    const int64_t rl = rf + e->rec_count[b->pop];
    for (int64_t q = 0; q < k; q++) {
        int64_t gid = b->gid0 + v->spiked[q] * V;
        v->out[v->n_out++] = ((uint64_t)(n - t0) << LAG_SHIFT) | (uint64_t)gid;
        if (rec && gid >= rf && gid < rl) {
            if (v->n_rec_spk == v->cap_rec_spk && grow_rec(v)) {
                v->status = AX_ENOMEM;
                continue;
            }
            v->rec_gid[v->n_rec_spk] = (uint64_t)gid;
            v->rec_step[v->n_rec_spk++] = n;
        }
    }
    v->pop_spikes[b->pop] += k;
}

/* Update all blocks of this thread for steps t0 .. t1-1. */
static void update_steps(const struct ax_engine_s *e, ax_vp *v, int64_t t0, int64_t t1)
{
    const int64_t S = v->n_slots, NL = v->n_local;
    for (int64_t n = t0; n < t1; n++) {
        int64_t slot = n % S;
        if (v->n_dc) ax_vp_dc(v, n);
        for (int bi = 0; bi < v->n_blocks; bi++) {
            const ax_block *b = &v->blocks[bi];
            if (b->n == 0) continue;
            const double *in[AX_MAX_RECEPTORS];
            for (int r = 0; r < AX_MAX_RECEPTORS; r++)
                in[r] = v->ring + ((r < v->n_rec ? r : 0) * S + slot) * NL + b->offset;
            if (v->n_out + b->n > v->cap_out) { /* rare: more spikes than planned */
                int64_t c = 2 * (v->n_out + b->n);
                uint64_t *o = realloc(v->out, (size_t)c * sizeof *o);
                if (!o) { v->status = AX_ENOMEM; return; }
                v->out = o;
                v->cap_out = c;
            }
            int64_t k = b->ops->update(b->nr, in, b->i_ext, v->spiked);
            collect(e, v, b, n, t0, k);
        }
        for (int r = 0; r < v->n_rec; r++)
            memset(v->ring + (r * S + slot) * NL, 0, (size_t)NL * sizeof(double));
        if (v->n_meter) ax_vp_sample(v, n);
    }
}

static int cmp_pair(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b; /* (step, gid) */
    if (x[0] != y[0]) return (x[0] > y[0]) - (x[0] < y[0]);
    return (x[1] > y[1]) - (x[1] < y[1]);
}

/* Write the recorded spikes of every recorded population (collective). */
static ax_status flush_spikes(struct ax_engine_s *e, ax_recorder rec, const int *ids,
                              ax_error *err)
{
    const ax_spec *s = e->spec;
    int64_t n = 0;
    for (int t = 0; t < e->threads; t++) n += e->vps[t].n_rec_spk;
    uint64_t *pairs = malloc((size_t)(n ? n : 1) * 2 * sizeof *pairs);
    uint64_t *ids_buf = malloc((size_t)(n ? n : 1) * sizeof *ids_buf);
    double *times = malloc((size_t)(n ? n : 1) * sizeof *times);
    ax_status st = (pairs && ids_buf && times) ? AX_OK
                 : AX_FAIL(err, AX_ENOMEM, "out of memory flushing spikes");
    int64_t m = 0;
    for (int t = 0; st == AX_OK && t < e->threads; t++) {
        ax_vp *v = &e->vps[t];
        for (int64_t k = 0; k < v->n_rec_spk; k++, m++) {
            pairs[2 * m] = (uint64_t)v->rec_step[k];
            pairs[2 * m + 1] = v->rec_gid[k];
        }
        v->n_rec_spk = 0;
    }
    /* sorted by (time, gid): the file is the same for every decomposition on one rank */
    if (st == AX_OK) qsort(pairs, (size_t)n, 2 * sizeof *pairs, cmp_pair);
    if (e->sink && st == AX_OK) {
        int64_t *steps = malloc((size_t)(n ? n : 1) * sizeof *steps);
        for (int64_t k = 0; steps && k < n; k++) {
            steps[k] = (int64_t)pairs[2 * k];
            ids_buf[k] = pairs[2 * k + 1];
        }
        ax_status w = steps ? e->sink(e->sink_ctx, n, ids_buf, steps, err)
                            : AX_FAIL(err, AX_ENOMEM, "out of memory passing spikes");
        if (st == AX_OK) st = w;
        free(steps);
    }
    for (int p = 0; rec && p < s->n_pops; p++) {
        if (!e->pop_recorded[p]) continue;
        int64_t c = 0;
        for (int64_t k = 0; st == AX_OK && k < n; k++) {
            int64_t gid = (int64_t)pairs[2 * k + 1];
            if (gid < s->pops[p].first_gid || gid >= s->pops[p].first_gid + s->pops[p].n) continue;
            ids_buf[c] = (uint64_t)(gid - s->pops[p].first_gid);
            times[c++] = stamp_ms(e, (int64_t)pairs[2 * k] + 1);
        }
        ax_status w = ax_rec_spikes_append(rec, ids[p], (size_t)c, ids_buf, times, err);
        if (st == AX_OK) st = w;
    }
    free(pairs);
    free(ids_buf);
    free(times);
    return st;
}

/* Multimeter reports: one per (device, population); columns thread after thread. */
typedef struct {
    int n;            /* reports */
    int *id;          /* recorder ids */
    int *dev, *pop;
} reports;

static ax_status declare_reports(struct ax_engine_s *e, ax_recorder rec, reports *rp,
                                 ax_error *err)
{
    const ax_vp *v0 = &e->vps[0];
    rp->n = v0->n_meter;
    rp->id = calloc((size_t)rp->n + 1, sizeof(int));
    AX_CHECK_ALLOC(rp->id, err, "report ids");
    for (int k = 0; k < rp->n; k++) {
        const ax_meter *m0 = &v0->meter[k];
        const ax_dev_spec *d = &e->spec->dev[m0->dev];
        int64_t n = 0;
        for (int t = 0; t < e->threads; t++) n += e->vps[t].meter[k].n;
        uint64_t *ids = malloc((size_t)(n ? n : 1) * sizeof *ids);
        const char **vars = malloc((size_t)d->n_record * sizeof *vars);
        AX_CHECK(ids && vars, err, AX_ENOMEM, "out of memory declaring reports");
        n = 0;
        for (int t = 0; t < e->threads; t++)
            for (int64_t j = 0; j < e->vps[t].meter[k].n; j++) ids[n++] = e->vps[t].meter[k].node_id[j];
        for (int q = 0; q < d->n_record; q++) vars[q] = d->record_from[q];
        double dt = (double)m0->interval * e->h;
        int64_t first_row = (e->t_begin / m0->interval + 1) * m0->interval; /* in steps */
        ax_status st = ax_rec_report_declare(rec, e->spec->pops[m0->pop].name, d->n_record, vars,
                                             (size_t)n, ids, (double)first_row * e->h, dt,
                                             d->precision_double, &rp->id[k], err);
        free(ids);
        free(vars);
        AX_TRY(st);
    }
    return AX_OK;
}

static ax_status flush_reports(struct ax_engine_s *e, ax_recorder rec, const reports *rp,
                               ax_error *err)
{
    ax_status st = AX_OK;
    for (int k = 0; k < rp->n; k++) {
        int64_t rows = e->vps[0].meter[k].rows, n = 0;
        int nv = e->vps[0].meter[k].n_vars;
        for (int t = 0; t < e->threads; t++) n += e->vps[t].meter[k].n;
        int64_t cells = rows * nv * n;
        double *data = malloc((size_t)(cells > 0 ? cells : 1) * sizeof *data);
        if (!data && st == AX_OK) st = AX_FAIL(err, AX_ENOMEM, "out of memory flushing traces");
        int64_t col = 0;
        for (int t = 0; data && t < e->threads; t++) {
            ax_meter *m = &e->vps[t].meter[k];
            for (int64_t r = 0; r < rows; r++)
                for (int q = 0; q < nv; q++)
                    for (int64_t j = 0; j < m->n; j++)
                        data[((int64_t)q * rows + r) * n + col + j] = m->buf[(r * nv + q) * m->n + j];
            col += m->n;
        }
        for (int t = 0; t < e->threads; t++) e->vps[t].meter[k].rows = 0;
        ax_status w = ax_rec_report_append(rec, rp->id[k], data ? (size_t)rows : 0, data, err);
        if (st == AX_OK) st = w;
        free(data);
    }
    return st;
}

static void progress_line(const struct ax_engine_s *e, FILE *out, int64_t done, double t_start,
                          double *t_last)
{
    /* the clock only every 64th slice: slices can be one step short */
    if (!out || e->rank != 0 || ((done / e->D) % 64 != 0 && done < e->n_steps)) return;
    double now = MPI_Wtime();
    if (now - *t_last < 1.0 && done < e->n_steps) return;
    *t_last = now;
    double model = done * e->h;
    fprintf(out, "\r[%3.0f%%] %10.1f ms  RTF %.3f ", 100.0 * done / (double)(e->n_steps ? e->n_steps : 1),
            model, model > 0 ? (now - t_start) / (model / 1000.0) : 0.0);
    if (done >= e->n_steps) fputc('\n', out);
    fflush(out);
}

typedef struct {
    ax_recorder rec;
    int *spk_ids;
    reports rp;
    FILE *progress;
    int64_t flush_steps;
    uint64_t k_comm, k_rec;   /* ax_ticks() */
} sim_ctx;

/* The master's work between slices: exchange, flush, progress. Returns the
 * agreed status (collective). */
static ax_status checkpoint_now(struct ax_engine_s *e, sim_ctx *c, int64_t t, ax_error *err);

static ax_status between_slices(struct ax_engine_s *e, sim_ctx *c, int64_t t_end, int last,
                                double t_start, double *t_last, ax_error *err)
{
    ax_status st = AX_OK;
    for (int t = 0; t < e->threads; t++)
        if (e->vps[t].status != AX_OK && st == AX_OK)
            st = AX_FAIL(err, e->vps[t].status, "out of memory on thread %d during simulation", t);
    if (st == AX_OK && t_end >= e->n_steps / 2 && t_end - e->D < e->n_steps / 2)
        st = fault(e, "simulate", err); /* once, half way */
    uint64_t a = ax_ticks();
    int stop = e->stop && *e->stop;
    ax_status x = ax_exchange_slice(e, st != AX_OK, &stop, err);
    int secondary = st == AX_OK && x != AX_OK; /* we only learnt that another rank failed */
    if (st == AX_OK) st = x;
    uint64_t b = ax_ticks();
    c->k_comm += b - a;
    /* From here every rank knows whether any rank failed (the exchange told
     * it) and flushes agree inside the recorder, so the reduction that picks
     * the message runs only after a failure, on every rank alike. */
    int flushed = 0;
    if (st == AX_OK && (c->rec || e->sink) && (last || t_end % c->flush_steps == 0)) {
        /* collective writes: every rank calls all of them, then one agreement */
        flushed = 1;
        st = fault(e, "record", err);
        ax_status w = flush_spikes(e, c->rec, c->spk_ids, err);
        if (st == AX_OK) st = w;
        w = c->rec ? flush_reports(e, c->rec, &c->rp, err) : AX_OK;
        if (st == AX_OK) st = w;
    }
    c->k_rec += ax_ticks() - b;
    progress_line(e, c->progress, t_end, t_start, t_last);
    if (flushed || st != AX_OK) st = agree_from(e, st, secondary, err);
    if (st != AX_OK) return st;
    int due = e->ckpt_steps > 0 && t_end % e->ckpt_steps == 0 && !last;
    if (due || (stop && !last)) {
        st = agree(e, checkpoint_now(e, c, t_end, err), err);
        if (st == AX_OK && stop)
            st = AX_FAIL(err, AX_ESTOPPED, "stopped on a signal at t = %g ms; checkpoint %s; "
                         "continue with: axon run %s --restart %s", t_end * e->h, e->last_ckpt,
                         e->spec->path, e->last_ckpt);
    }
    return st;
}

/* Deliver the last slice's spikes now (the master, for every thread: the
 * others wait at the barrier), flush all recorders and write DIR/ckpt_<t>ms.h5
 * with the output file's image. Collective. */
static ax_status checkpoint_now(struct ax_engine_s *e, sim_ctx *c, int64_t t, ax_error *err)
{
    for (int th = 0; th < e->threads; th++) deliver(e, &e->vps[th], t - e->D);
    e->n_recv = 0;
    ax_status st = AX_OK;
    void *image = NULL;
    uint64_t len = 0;
    if (c->rec || e->sink) st = flush_spikes(e, c->rec, c->spk_ids, err);
    if (c->rec) {
        ax_status w = flush_reports(e, c->rec, &c->rp, err);
        if (st == AX_OK) st = w;
        w = ax_rec_flush(c->rec, err);
        if (st == AX_OK) st = w;
        if (st == AX_OK && e->rank == 0) {
            FILE *f = fopen(ax_rec_partial_path(c->rec), "rb");
            if (f && fseek(f, 0, SEEK_END) == 0) {
                long n = ftell(f);
                image = n > 0 ? malloc((size_t)n) : NULL;
                rewind(f);
                if (image && fread(image, 1, (size_t)n, f) == (size_t)n) len = (uint64_t)n;
            }
            if (f) fclose(f);
            if (!len) st = AX_FAIL(err, AX_EIO, "%s: cannot read the output for the checkpoint",
                                   ax_rec_partial_path(c->rec));
        }
    }
    st = agree(e, st, err);
    snprintf(e->last_ckpt, sizeof e->last_ckpt, "%s/ckpt_%.10gms.h5",
             e->ckpt_dir && *e->ckpt_dir ? e->ckpt_dir : ".", t * e->h);
    if (st == AX_OK) st = ax_engine_checkpoint_write(e, e->last_ckpt, t, image, len, err);
    free(image);
    return st;
}

static ax_status sim_setup(struct ax_engine_s *e, sim_ctx *c, ax_error *err)
{
    c->flush_steps = (int64_t)ceil(e->spec->sim.flush_interval / e->h / (double)e->D) * e->D;
    if (c->flush_steps < e->D) c->flush_steps = e->D;
    c->spk_ids = calloc((size_t)e->spec->n_pops, sizeof(int));
    AX_CHECK_ALLOC(c->spk_ids, err, "recorder ids");
    if (!c->rec) return AX_OK;
    for (int p = 0; p < e->spec->n_pops; p++)
        if (e->pop_recorded[p])
            AX_TRY(ax_rec_spikes_declare(c->rec, e->spec->pops[p].name, &c->spk_ids[p], err));
    return declare_reports(e, c->rec, &c->rp, err);
}

/* Statistics after a simulation of t_sim seconds that took `ticks`. */
static void sim_stats(struct ax_engine_s *e, const sim_ctx *c, double t_sim, uint64_t ticks)
{
    ax_engine_stats *s = &e->stats;
    double sec = ticks > 0 && t_sim > 0 ? t_sim / (double)ticks : 0.0; /* seconds per tick */
    const ax_vp *v = &e->vps[0];
    double loc[6] = {t_sim, v->k_update * sec, v->k_deliver * sec, c->k_comm * sec,
                     c->k_rec * sec, v->k_devices * sec};
    double mx[6];
    MPI_Allreduce(loc, mx, 6, MPI_DOUBLE, MPI_MAX, e->comm);
    s->t_devices = mx[5];
    s->t_simulate = mx[0];
    s->t_update = mx[1];
    s->t_deliver = mx[2];
    s->t_communicate = mx[3];
    s->t_record = mx[4];
    int np = e->spec->n_pops;
    int64_t *cnt = calloc((size_t)np, sizeof *cnt);
    for (int t = 0; cnt && t < e->threads; t++)
        for (int p = 0; p < np; p++) cnt[p] += e->vps[t].pop_spikes[p];
    if (cnt) MPI_Allreduce(cnt, s->pop_spikes, np, MPI_INT64_T, MPI_SUM, e->comm);
    int64_t ev = 0;
    for (int t = 0; t < e->threads; t++) ev += e->vps[t].n_events;
    MPI_Allreduce(&ev, &s->n_events, 1, MPI_INT64_T, MPI_SUM, e->comm);
    free(cnt);
    s->n_spikes = 0;
    for (int p = 0; p < np; p++) s->n_spikes += s->pop_spikes[p];
    double rss = ax_peak_rss_bytes();
    MPI_Allreduce(&rss, &s->peak_rss_max, 1, MPI_DOUBLE, MPI_MAX, e->comm);
    MPI_Allreduce(&rss, &s->peak_rss_sum, 1, MPI_DOUBLE, MPI_SUM, e->comm);
}

ax_status ax_engine_simulate(ax_engine e, ax_recorder rec, FILE *progress, ax_error *err)
{
    sim_ctx c = {.rec = rec, .progress = progress};
    ax_status st = agree(e, sim_setup(e, &c, err), err);
    double t_start = MPI_Wtime(), t_last = t_start;
    uint64_t k_start = ax_ticks();
    int64_t n_slices = (e->n_steps + e->D - 1) / e->D, sl0 = e->t_begin / e->D;
    volatile int stop = st != AX_OK;
    #pragma omp parallel num_threads(e->threads)
    {
        ax_vp *v = &e->vps[omp_get_thread_num()];
        for (int64_t sl = sl0; sl < n_slices && !stop; sl++) {
            int64_t t0 = sl * e->D, t1 = t0 + e->D < e->n_steps ? t0 + e->D : e->n_steps;
            uint64_t a = ax_ticks();
            if (sl > 0) deliver(e, v, t0 - e->D);
            uint64_t a2 = ax_ticks();
            ax_vp_inject(e, v, t0);
            uint64_t b = ax_ticks();
            update_steps(e, v, t0, t1);
            v->k_deliver += a2 - a;
            v->k_devices += b - a2;
            v->k_update += ax_ticks() - b;
            /* one thread: no barriers (libgomp still pays for them, and
             * slices can be one step short) */
            if (e->threads > 1) {
                #pragma omp barrier
            }
            #pragma omp master
            {
                if (between_slices(e, &c, t1, sl == n_slices - 1, t_start, &t_last, err) != AX_OK)
                    stop = 1;
            }
            if (e->threads > 1) {
                #pragma omp barrier
            }
        }
    }
    if (st == AX_OK && stop) st = err->code ? err->code : AX_EINTERNAL;
    sim_stats(e, &c, MPI_Wtime() - t_start, ax_ticks() - k_start);
    free(c.spk_ids);
    free(c.rp.id);
    return st;
}

ax_status ax_engine_set_param(ax_engine e, int pop, const char *name, const double *values,
                              ax_error *err)
{
    AX_CHECK(pop >= 0 && pop < e->spec->n_pops, err, AX_EINPUT, "no population %d", pop);
    const ax_model_ops *m = e->vps[0].blocks[pop].ops;
    int k = ax_model_param_index(m, name);
    AX_CHECK(k >= 0, err, AX_EINPUT, "model %s has no parameter '%s'", m->name, name);
    for (int t = 0; t < e->threads; t++) {
        ax_block *b = &e->vps[t].blocks[pop];
        double *x = b->n ? b->ops->param_array(b->nr, k) : NULL;
        AX_CHECK(x || b->n == 0, err, AX_EINPUT,
                 "model %s keeps '%s' per population, not per neuron", m->name, name);
        int64_t first = e->spec->pops[pop].first_gid;
        for (int64_t j = 0; j < b->n; j++) x[j] = values[b->gid0 + j * e->part.n_vp - first];
        if (b->n && b->ops->sync) b->ops->sync(b->nr);
    }
    return AX_OK;
}

void ax_engine_set_spike_sink(ax_engine e, ax_spike_sink fn, void *ctx)
{
    e->sink = fn;
    e->sink_ctx = ctx;
}

void ax_engine_set_checkpoints(ax_engine e, double every_ms, const char *dir,
                               volatile int *stop)
{
    int64_t steps = every_ms > 0 ? (int64_t)ceil(every_ms / e->h - 1e-9) : 0;
    e->ckpt_steps = steps > 0 ? (steps + e->D - 1) / e->D * e->D : 0;
    e->ckpt_dir = dir;
    e->stop = stop;
}

const char *ax_engine_last_checkpoint(ax_engine e)
{
    return e->last_ckpt;
}

ax_status ax_engine_restore(ax_engine e, const char *path, void **image, uint64_t *len,
                            ax_error *err)
{
    int64_t t = 0;
    ax_status st = agree(e, ax_engine_checkpoint_read(e, path, &t, image, len, err), err);
    if (st != AX_OK) {
        free(*image);
        *image = NULL;
        return st;
    }
    e->t_begin = t;
    for (int th = 0; th < e->threads; th++) { /* generators continue where they were */
        ax_vp *v = &e->vps[th];
        v->dc_force = 1;
        for (int k = 0; k < v->n_spikegen; k++) {
            ax_spikegen *g = &v->spikegen[k];
            while (g->next < g->n_steps && g->step[g->next] + g->delay < t) g->next++;
        }
    }
    return AX_OK;
}

const ax_engine_stats *ax_engine_get_stats(ax_engine e)
{
    return &e->stats;
}

void ax_engine_destroy(ax_engine *ep)
{
    if (!ep || !*ep) return;
    struct ax_engine_s *e = *ep;
    for (int t = 0; e->vps && t < e->threads; t++) {
        ax_vp_devices_free(&e->vps[t]);
        ax_vp_free(&e->vps[t], e->spec->n_pops);
    }
    free(e->vps);
    ax_exchange_free(e);
    free(e->pop_recorded);
    free(e->compact);
    free(e->cw);
    free(e->rec_first);
    free(e->rec_count);
    free(e->stats.pop_spikes);
    free(e);
    *ep = NULL;
}
