/* recording.c - the engine's side of recording (DESIGN.md §2.5): at every
 * flush the master gathers what its threads' spike recorders and
 * multimeters buffered and hands it to the collective HDF5 writer
 * (io/hdf5, axon/record.h) and to the spike sink; the writer agrees on
 * failures. Spikes are sorted by (step, gid) so a rank's share of the file
 * is the same for every number of threads; report columns go thread after
 * thread.
 */
#include <stdlib.h>

#include "axon/free_all.h"
#include "engine_impl.h"

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
            times[c++] = ax_stamp_ms(e, (int64_t)pairs[2 * k] + 1);
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
static ax_status declare_reports(struct ax_engine_s *e, ax_outputs *o, ax_error *err)
{
    const ax_vp *v0 = &e->vps[0];
    o->n_reports = v0->n_meter;
    o->report_ids = calloc((size_t)o->n_reports + 1, sizeof(int));
    AX_CHECK_ALLOC(o->report_ids, err, "report ids");
    for (int k = 0; k < o->n_reports; k++) {
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
        /* the first sample in the window (start, stop] from the current step on */
        int64_t from = e->t_now > m0->on0 ? e->t_now : m0->on0;
        int64_t first_row = (from / m0->interval + 1) * m0->interval; /* in steps */
        ax_status st = ax_rec_report_declare(o->rec, e->spec->pops[m0->pop].name, d->n_record, vars,
                                             (size_t)n, ids, (double)first_row * e->h, dt,
                                             d->precision_double, &o->report_ids[k], err);
        free(ids);
        free(vars);
        AX_TRY(st);
    }
    return AX_OK;
}

/* Node ids of report k's columns, thread after thread (ids[n]). */
static void report_columns(const struct ax_engine_s *e, int k, uint64_t *ids)
{
    int64_t n = 0;
    for (int t = 0; t < e->threads; t++)
        for (int64_t j = 0; j < e->vps[t].meter[k].n; j++) ids[n++] = e->vps[t].meter[k].node_id[j];
}

static ax_status flush_reports(struct ax_engine_s *e, const ax_outputs *o, ax_error *err)
{
    ax_status st = AX_OK;
    for (int k = 0; k < e->vps[0].n_meter; k++) {
        const ax_meter *m0 = &e->vps[0].meter[k];
        int64_t rows = m0->rows, n = 0;
        int nv = m0->n_vars;
        for (int t = 0; t < e->threads; t++) n += e->vps[t].meter[k].n;
        int64_t cells = rows * nv * n;
        double *data = malloc((size_t)(cells > 0 ? cells : 1) * sizeof *data);
        uint64_t *ids = e->trace_sink ? malloc((size_t)(n > 0 ? n : 1) * sizeof *ids) : NULL;
        if ((!data || (e->trace_sink && !ids)) && st == AX_OK)
            st = AX_FAIL(err, AX_ENOMEM, "out of memory flushing traces");
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
        if (e->trace_sink && data && ids && st == AX_OK) {
            report_columns(e, k, ids);
            st = e->trace_sink(e->trace_ctx, m0->dev, m0->pop, nv, rows, m0->first_step,
                               m0->interval, n, ids, data, err);
        }
        if (o->rec) {
            ax_status w = ax_rec_report_append(o->rec, o->report_ids[k], data ? (size_t)rows : 0,
                                               data, err);
            if (st == AX_OK) st = w;
        }
        free(data);
        free(ids);
    }
    return st;
}

/* ---- weight_recorder ------------------------------------------------------ */

typedef struct {
    int64_t step;
    uint64_t src, tgt;
    int32_t proj;
    double w;
} wrow;

static int cmp_wrow(const void *a, const void *b)
{
    const wrow *x = a, *y = b;
    if (x->step != y->step) return (x->step > y->step) - (x->step < y->step);
    if (x->src != y->src) return (x->src > y->src) - (x->src < y->src);
    if (x->tgt != y->tgt) return (x->tgt > y->tgt) - (x->tgt < y->tgt);
    if (x->proj != y->proj) return (x->proj > y->proj) - (x->proj < y->proj);
    return (x->w > y->w) - (x->w < y->w);
}

/* Column buffers of n weight rows. */
typedef struct {
    uint64_t *src, *tgt;
    double *t, *w;
    int32_t *proj;
} wcols;

static int wcols_alloc(wcols *c, int64_t n)
{
    size_t m = (size_t)(n > 0 ? n : 1);
    c->src = malloc(m * sizeof *c->src);
    c->tgt = malloc(m * sizeof *c->tgt);
    c->t = malloc(m * sizeof *c->t);
    c->w = malloc(m * sizeof *c->w);
    c->proj = malloc(m * sizeof *c->proj);
    return c->src && c->tgt && c->t && c->w && c->proj;
}

static void wcols_free(wcols *c)
{
    AX_FREE_ALL(c->src, c->tgt, c->t, c->w, c->proj);
}

/* The weight rows every thread buffered, sorted by (stamp, source, target,
 * projection, weight), per recorder in device order (collective). */
static ax_status flush_weights(struct ax_engine_s *e, const ax_outputs *o, ax_error *err)
{
    const ax_spec *s = e->spec;
    int64_t n = 0;
    for (int t = 0; t < e->threads; t++) n += e->vps[t].sp.rec.n;
    wrow *rows = malloc((size_t)(n > 0 ? n : 1) * sizeof *rows);
    wcols c = {0};
    ax_status st = rows && wcols_alloc(&c, n) ? AX_OK
                 : AX_FAIL(err, AX_ENOMEM, "out of memory flushing weights");
    int64_t m = 0;
    for (int t = 0; t < e->threads; t++) {
        ax_wrec_buf *b = &e->vps[t].sp.rec;
        for (int64_t k = 0; rows && k < b->n; k++)
            rows[m++] = (wrow){b->step[k], b->src[k], b->tgt[k], b->proj[k], b->w[k]};
        b->n = 0;
    }
    if (st == AX_OK) qsort(rows, (size_t)n, sizeof *rows, cmp_wrow);
    for (int d = 0; d < s->n_dev; d++) {
        if (o->wrec_ids[d] < 0) continue;
        int64_t k = 0;
        for (int64_t i = 0; st == AX_OK && i < n; i++) {
            if (s->proj[rows[i].proj].wrec != d + 1) continue;
            c.src[k] = rows[i].src;
            c.tgt[k] = rows[i].tgt;
            c.t[k] = ax_stamp_ms(e, rows[i].step);
            c.w[k] = rows[i].w;
            c.proj[k++] = rows[i].proj;
        }
        ax_status w = ax_rec_weights_append(o->rec, o->wrec_ids[d], (size_t)k, c.src, c.tgt, c.t,
                                            c.w, c.proj, err);
        if (st == AX_OK) st = w;
    }
    free(rows);
    wcols_free(&c);
    return st;
}

/* Whether gid is in one of the ranges (an empty list holds every gid). */
static int in_ranges(const ax_spec *s, const ax_dev_target *r, int n, int64_t gid)
{
    for (int k = 0; k < n; k++) {
        int64_t a = s->pops[r[k].pop].first_gid + r[k].first;
        if (gid >= a && gid < a + r[k].count) return 1;
    }
    return n == 0;
}

/* This rank's synapses recorded by device d (pass 0 counts, pass 1 fills c). */
static int64_t final_rows(const struct ax_engine_s *e, int d, wcols *c, int fill)
{
    const ax_spec *s = e->spec;
    const ax_dev_spec *dev = &s->dev[d];
    int64_t k = 0;
    for (int t = 0; t < e->threads; t++) {
        const ax_vp *v = &e->vps[t];
        const ax_stdp_store *sp = &v->sp;
        for (int64_t row = 0; sp->run && row < sp->st.n_src; row++) {
            int64_t src = sp->st.src_gid[row];
            if (!in_ranges(s, dev->senders, dev->n_senders, src)) continue;
            for (int64_t r = sp->run[row]; r < sp->run[row + 1]; r++) {
                int32_t pj = sp->run_proj[r];
                if (s->proj[pj].wrec != d + 1) continue;
                int64_t q0 = r == sp->run[row] ? sp->st.rows[row] : sp->run_end[r - 1];
                for (int64_t q = q0; q < sp->run_end[r]; q++) {
                    int64_t tgt = ax_vp_gid_of(v, &e->part, s->proj[pj].tgt, sp->st.pk[q] & v->idx_mask);
                    if (!in_ranges(s, dev->targets, dev->n_targets, tgt)) continue;
                    if (fill) {
                        c->src[k] = (uint64_t)src;
                        c->tgt[k] = (uint64_t)tgt;
                        c->w[k] = sp->w[q];
                        c->proj[k] = pj;
                    }
                    k++;
                }
            }
        }
    }
    return k;
}

ax_status ax_outputs_final(struct ax_engine_s *e, const ax_outputs *o, ax_error *err)
{
    ax_status st = AX_OK;
    for (int d = 0; o->rec && d < e->spec->n_dev; d++) {
        const ax_dev_spec *dev = &e->spec->dev[d];
        if (dev->kind != AX_DEV_WEIGHT_REC || !dev->wr_final) continue;
        wcols c = {0};
        int64_t n = final_rows(e, d, NULL, 0);
        ax_status a = wcols_alloc(&c, n) ? AX_OK
                    : AX_FAIL(err, AX_ENOMEM, "out of memory for the final weights");
        if (a == AX_OK) final_rows(e, d, &c, 1);
        else n = 0;
        ax_status w = ax_rec_weights_final(o->rec, dev->name, (size_t)n, c.src, c.tgt, c.w, c.proj, err);
        if (st == AX_OK) st = a != AX_OK ? a : w;
        wcols_free(&c);
    }
    return st;
}

ax_status ax_outputs_open(struct ax_engine_s *e, ax_outputs *o, ax_error *err)
{
    o->spk_ids = calloc((size_t)e->spec->n_pops, sizeof(int));
    o->wrec_ids = malloc((size_t)(e->spec->n_dev + 1) * sizeof(int));
    AX_CHECK(o->spk_ids && o->wrec_ids, err, AX_ENOMEM, "out of memory for recorder ids");
    for (int d = 0; d < e->spec->n_dev; d++) o->wrec_ids[d] = -1;
    if (!o->rec) return AX_OK;
    for (int p = 0; p < e->spec->n_pops; p++)
        if (e->pop_recorded[p])
            AX_TRY(ax_rec_spikes_declare(o->rec, e->spec->pops[p].name, &o->spk_ids[p], err));
    for (int d = 0; d < e->spec->n_dev; d++) {
        const ax_dev_spec *dev = &e->spec->dev[d];
        if (dev->kind == AX_DEV_WEIGHT_REC && dev->wr_events)
            AX_TRY(ax_rec_weights_declare(o->rec, dev->name, &o->wrec_ids[d], err));
    }
    return declare_reports(e, o, err);
}

ax_status ax_outputs_flush(struct ax_engine_s *e, const ax_outputs *o, ax_error *err)
{
    ax_status st = AX_OK;
    if (o->rec || e->sink) st = flush_spikes(e, o->rec, o->spk_ids, err);
    else
        for (int t = 0; t < e->threads; t++) e->vps[t].n_rec_spk = 0; /* nobody listens */
    ax_status w = AX_OK;
    if (o->rec || e->trace_sink) w = flush_reports(e, o, err);
    else
        for (int t = 0; t < e->threads; t++)
            for (int k = 0; k < e->vps[t].n_meter; k++) e->vps[t].meter[k].rows = 0;
    if (st == AX_OK) st = w;
    w = o->rec && e->stdp_proj ? flush_weights(e, o, err) : AX_OK;
    if (!o->rec)
        for (int t = 0; t < e->threads; t++) e->vps[t].sp.rec.n = 0; /* nobody listens */
    return st == AX_OK ? w : st;
}

void ax_outputs_free(ax_outputs *o)
{
    free(o->spk_ids);
    free(o->report_ids);
    free(o->wrec_ids);
    *o = (ax_outputs){0};
}
