/* sim_record.c - recording in the session (axon/sim.h) and the session's
 * devices.
 *
 * PyNN's recorders become one spike_recorder and one multimeter per
 * population in the spec (so the equivalent spec records the same), and
 * current sources become dc_generators, one per constant piece. The
 * engine hands recorded spikes and multimeter rows to the sinks here after
 * every run call; they are kept per population on this rank until PyNN
 * clears them. Traces get a row 0 that the engine does not sample: the
 * state when recording began, as PyNN's other backends report it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/free_all.h"
#include "axon/model.h"
#include "api_impl.h"

/* ---- the session's devices in the spec ------------------------------------ */

/* Targets as ranges of consecutive ids; pops[i], ids[i] sorted by (pop, id). */
static ax_status set_targets(ax_sim *s, ax_dev_spec *d, int64_t n, const int *pops,
                             const int64_t *ids)
{
    d->targets = calloc((size_t)(n > 0 ? n : 1), sizeof *d->targets);
    AX_CHECK_ALLOC(d->targets, &s->err, "device targets");
    for (int64_t k = 0; k < n; k++) {
        ax_dev_target *t = d->n_targets ? &d->targets[d->n_targets - 1] : NULL;
        if (t && t->pop == pops[k] && t->first + t->count == ids[k]) {
            t->count++;
            continue;
        }
        if (t && t->pop == pops[k] && ids[k] < t->first + t->count) continue; /* repeated id */
        d->targets[d->n_targets++] = (ax_dev_target){pops[k], ids[k], 1};
    }
    return AX_OK;
}

static ax_dev_spec *new_dev(ax_sim *s, ax_dev_kind kind, const char *fmt, const char *a, int b,
                            int c)
{
    ax_spec *sp = s->spec;
    ax_dev_spec *x = realloc(sp->dev, (size_t)(sp->n_dev + 1) * sizeof *x);
    if (!x) return NULL;
    sp->dev = x;
    ax_dev_spec *d = &x[sp->n_dev++];
    *d = (ax_dev_spec){.kind = kind, .start = 0.0, .stop = INFINITY,
                       .delay = sp->sim.resolution};
    char name[256];
    if (a) snprintf(name, sizeof name, fmt, a);
    else snprintf(name, sizeof name, fmt, b, c);
    name[AX_NAME_MAX - 1] = '\0'; /* population names are <= 48 characters: no clash */
    memcpy(d->name, name, AX_NAME_MAX);
    return d;
}

static void free_devs(ax_spec *sp)
{
    for (int k = 0; k < sp->n_dev; k++) {
        free(sp->dev[k].targets);
        free(sp->dev[k].spike_times);
        free(sp->dev[k].record_from);
    }
    free(sp->dev);
    sp->dev = NULL;
    sp->n_dev = 0;
}

static ax_status pop_devices(ax_sim *s, int pop)
{
    const sim_pop *p = &s->pops[pop];
    const char *name = s->spec->pops[pop].name;
    int *pops = malloc((size_t)(p->spk.n_all + p->tr.n_all + 1) * sizeof *pops);
    AX_CHECK_ALLOC(pops, &s->err, "device targets");
    for (int64_t k = 0; k < p->spk.n_all + p->tr.n_all; k++) pops[k] = pop;
    ax_status st = AX_OK;
    if (p->spk.on && p->spk.n_all) {
        ax_dev_spec *d = new_dev(s, AX_DEV_SPIKE_REC, "spikes_%s", name, 0, 0);
        st = d ? set_targets(s, d, p->spk.n_all, pops, p->spk.all)
               : AX_FAIL(&s->err, AX_ENOMEM, "out of memory for devices");
    }
    if (st == AX_OK && p->tr.on && p->tr.n_all) {
        ax_dev_spec *d = new_dev(s, AX_DEV_MULTIMETER, "traces_%s", name, 0, 0);
        st = d ? set_targets(s, d, p->tr.n_all, pops, p->tr.all)
               : AX_FAIL(&s->err, AX_ENOMEM, "out of memory for devices");
        if (st == AX_OK) {
            d->record_from = calloc((size_t)p->tr.n_vars, sizeof *d->record_from);
            if (!d->record_from) st = AX_FAIL(&s->err, AX_ENOMEM, "out of memory for devices");
            for (int v = 0; st == AX_OK && v < p->tr.n_vars; v++)
                memcpy(d->record_from[v], p->tr.vars[v], 32);
            d->n_record = p->tr.n_vars;
            d->interval = (double)p->tr.interval * s->spec->sim.resolution;
            d->precision_double = 1;
        }
    }
    free(pops);
    return st;
}

/* One dc_generator per non-zero piece of a current source, shifted so the
 * piece moves the membrane from its start on (dc_generator: on for stamps
 * in (start, stop], arriving a step later, acting the step after). */
static ax_status source_devices(ax_sim *s, int k)
{
    const sim_src *c = &s->src[k];
    if (!c->n_tgt) return AX_OK;
    double h = s->spec->sim.resolution;
    /* targets sorted by (pop, id) */
    int64_t n = c->n_tgt;
    int64_t *ord = malloc((size_t)n * sizeof *ord);
    int *pops = malloc((size_t)n * sizeof *pops);
    int64_t *ids = malloc((size_t)n * sizeof *ids);
    ax_status st = ord && pops && ids ? AX_OK : AX_FAIL(&s->err, AX_ENOMEM, "out of memory");
    for (int64_t i = 0; st == AX_OK && i < n; i++) { /* insertion sort: targets are few */
        int64_t j = i;
        while (j > 0 && (c->tgt_pop[ord[j - 1]] > c->tgt_pop[i] ||
                         (c->tgt_pop[ord[j - 1]] == c->tgt_pop[i] &&
                          c->tgt_id[ord[j - 1]] > c->tgt_id[i]))) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = i;
    }
    for (int64_t i = 0; st == AX_OK && i < n; i++) {
        pops[i] = c->tgt_pop[ord[i]];
        ids[i] = c->tgt_id[ord[i]];
    }
    for (int64_t j = 0; st == AX_OK && j < c->n; j++) {
        if (c->amps[j] == 0.0) continue;
        ax_dev_spec *d = new_dev(s, AX_DEV_DC, "current%d_%d", NULL, k, (int)j);
        if (!d) {
            st = AX_FAIL(&s->err, AX_ENOMEM, "out of memory for devices");
            break;
        }
        int64_t s0 = (int64_t)llround(c->times[j] / h);
        d->amplitude = c->amps[j];
        d->start = (double)(s0 - 2) * h;
        d->stop = j + 1 < c->n ? (double)(llround(c->times[j + 1] / h) - 2) * h : INFINITY;
        st = set_targets(s, d, n, pops, ids);
    }
    AX_FREE_ALL(ord, pops, ids);
    return st;
}

ax_status ax_api_sync_devices(ax_sim *s)
{
    free_devs(s->spec);
    ax_status st = AX_OK;
    for (int p = 0; st == AX_OK && p < s->spec->n_pops; p++) st = pop_devices(s, p);
    for (int k = 0; st == AX_OK && k < s->n_src; k++) st = source_devices(s, k);
    if (st == AX_OK && s->eng) st = ax_engine_refresh_devices(s->eng, &s->err);
    return st;
}

/* ---- sinks ----------------------------------------------------------------- */

static ax_status on_spikes(void *ctx, int64_t n, const uint64_t *gid, const int64_t *step,
                           ax_error *err)
{
    ax_sim *s = ctx;
    for (int64_t k = 0; k < n; k++) {
        int pop = ax_spec_pop_of(s->spec, (int64_t)gid[k]);
        sim_spikes *b = &s->pops[pop].spk;
        if (!b->on) continue;
        if (b->n == b->cap) {
            int64_t cap = b->cap ? 2 * b->cap : 1024;
            int64_t *i = realloc(b->id, (size_t)cap * sizeof *i);
            if (i) b->id = i;
            int64_t *t = realloc(b->step, (size_t)cap * sizeof *t);
            if (t) b->step = t;
            AX_CHECK(i && t, err, AX_ENOMEM, "out of memory for recorded spikes");
            b->cap = cap;
        }
        b->id[b->n] = (int64_t)gid[k] - s->spec->pops[pop].first_gid;
        b->step[b->n++] = step[k];
    }
    return AX_OK;
}

static int64_t find_col(const sim_trace *t, int64_t id)
{
    int64_t lo = 0, hi = t->n_cols;
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (t->cols[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < t->n_cols && t->cols[lo] == id ? lo : -1;
}

static ax_status grow_rows(sim_trace *t, int64_t rows, ax_error *err)
{
    if (t->rows + rows <= t->cap) return AX_OK;
    int64_t cap = t->cap ? t->cap : 64;
    while (cap < t->rows + rows) cap *= 2;
    double *b = realloc(t->buf, (size_t)(cap * t->n_vars * (t->n_cols ? t->n_cols : 1)) * sizeof *b);
    AX_CHECK(b, err, AX_ENOMEM, "out of memory for recorded traces");
    t->buf = b;
    t->cap = cap;
    return AX_OK;
}

static ax_status on_traces(void *ctx, int dev, int pop, int n_vars, int64_t rows,
                           int64_t first_step, int64_t interval, int64_t n_cols,
                           const uint64_t *node_ids, const double *data, ax_error *err)
{
    (void)dev; (void)first_step; (void)interval;
    ax_sim *s = ctx;
    sim_trace *t = &s->pops[pop].tr;
    if (!t->on || rows == 0) return AX_OK;
    AX_CHECK(n_vars == t->n_vars, err, AX_EINTERNAL, "trace variables changed");
    AX_TRY(grow_rows(t, rows, err));
    int64_t nc = t->n_cols, nv = t->n_vars;
    for (int64_t c = 0; c < n_cols; c++) {
        int64_t j = find_col(t, (int64_t)node_ids[c]);
        AX_CHECK(j >= 0, err, AX_EINTERNAL, "a recorded neuron the session does not know");
        for (int v = 0; v < n_vars; v++)
            for (int64_t r = 0; r < rows; r++)
                t->buf[((t->rows + r) * nv + v) * nc + j] = data[((int64_t)v * rows + r) * n_cols + c];
    }
    t->rows += rows;
    return AX_OK;
}

void ax_api_attach_sinks(ax_sim *s)
{
    ax_engine_set_spike_sink(s->eng, on_spikes, s);
    ax_engine_set_trace_sink(s->eng, on_traces, s);
}

ax_status ax_api_take_row0(ax_sim *s)
{
    for (int pop = 0; pop < s->spec->n_pops; pop++) {
        sim_trace *t = &s->pops[pop].tr;
        if (!t->on || !t->need_row0) continue;
        t->rows = 0;
        AX_TRY(grow_rows(t, 1, &s->err));
        double *col = malloc((size_t)(t->n_cols ? t->n_cols : 1) * sizeof *col);
        AX_CHECK_ALLOC(col, &s->err, "a trace row");
        ax_status st = AX_OK;
        for (int v = 0; st == AX_OK && v < t->n_vars; v++) {
            st = ax_engine_state_get(s->eng, pop, t->vars[v], t->n_cols, t->cols, col, &s->err);
            if (t->n_cols)
                memcpy(t->buf + (size_t)v * t->n_cols, col, (size_t)t->n_cols * sizeof *col);
        }
        free(col);
        AX_TRY(st);
        t->rows = 1;
        t->step0 = ax_engine_step(s->eng);
        t->need_row0 = 0;
    }
    return AX_OK;
}

static void clear_pop(sim_pop *p)
{
    p->spk.n = 0;
    sim_trace *t = &p->tr;
    if (t->rows > 1) { /* the last row becomes row 0 */
        size_t row = (size_t)(t->n_vars * t->n_cols);
        memmove(t->buf, t->buf + (size_t)(t->rows - 1) * row, row * sizeof *t->buf);
        t->step0 += (t->rows - 1) * t->interval;
        t->rows = 1;
    }
}

void ax_api_clear_all(ax_sim *s)
{
    for (int p = 0; p < s->spec->n_pops; p++) {
        s->pops[p].spk.n = 0;
        s->pops[p].tr.rows = 0;
        s->pops[p].tr.need_row0 = s->pops[p].tr.on;
    }
}

/* ---- the calls --------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Merge ids into the sorted set (*all, *n_all); *changed if it grew. */
static ax_status merge_ids(ax_sim *s, int64_t **all, int64_t *n_all, int64_t n,
                           const int64_t *ids, int64_t size, int *changed)
{
    int64_t *m = malloc((size_t)(*n_all + n + 1) * sizeof *m);
    int64_t *add = malloc((size_t)(n + 1) * sizeof *add);
    if (!m || !add) {
        free(m);
        free(add);
        return AX_FAIL(&s->err, AX_ENOMEM, "out of memory for recorded ids");
    }
    for (int64_t k = 0; k < n; k++) {
        if (ids[k] < 0 || ids[k] >= size) {
            free(m);
            free(add);
            return AX_FAIL(&s->err, AX_EINPUT, "id %lld out of range 0..%lld", (long long)ids[k],
                           (long long)(size - 1));
        }
        add[k] = ids[k];
    }
    qsort(add, (size_t)n, sizeof *add, cmp_i64);
    int64_t i = 0, j = 0, k = 0;
    while (i < *n_all || j < n) {
        int64_t v = j >= n || (i < *n_all && (*all)[i] <= add[j]) ? (*all)[i++] : add[j++];
        if (k == 0 || m[k - 1] != v) m[k++] = v;
    }
    *changed = k != *n_all;
    free(*all);
    free(add);
    *all = m;
    *n_all = k;
    return AX_OK;
}

static ax_status record_var(ax_sim *s, int pop, const char *var, int64_t n, const int64_t *ids,
                            double interval)
{
    const ax_model_ops *m = ax_model_find(s->spec->pops[pop].model);
    AX_CHECK(ax_model_state_index(m, var) >= 0, &s->err, AX_EINPUT,
             "model %s cannot record '%s'", m->name, var);
    double h = s->spec->sim.resolution;
    int64_t iv = (int64_t)llround(interval / h);
    AX_CHECK(interval > 0 && iv >= 1 && fabs(iv * h - interval) <= 1e-9 * interval, &s->err,
             AX_EINPUT, "sampling interval %g ms must be a multiple of the time step %g ms",
             interval, h);
    sim_trace *t = &s->pops[pop].tr;
    AX_CHECK(!t->on || t->interval == iv, &s->err, AX_EINPUT,
             "all state variables of a population are recorded with one sampling interval "
             "(%g ms already)", (double)t->interval * h);
    int have = 0;
    for (int v = 0; v < t->n_vars; v++) have |= !strcmp(t->vars[v], var);
    int64_t *copy = malloc((size_t)(t->n_all + 1) * sizeof *copy);
    AX_CHECK_ALLOC(copy, &s->err, "ids");
    if (t->n_all) /* t->all is NULL before the first recording */
        memcpy(copy, t->all, (size_t)t->n_all * sizeof *copy);
    int changed = 0;
    int64_t n_copy = t->n_all;
    ax_status st = merge_ids(s, &copy, &n_copy, n, ids, s->spec->pops[pop].n, &changed);
    if (st != AX_OK) {
        free(copy);
        return st;
    }
    if (!changed && have && t->on) { /* nothing new */
        free(copy);
        return AX_OK;
    }
    if (!ax_api_at_zero(s)) {
        free(copy);
        return AX_FAIL(&s->err, AX_ENOTIMPL, "recording of %s can start only at t = 0 (before "
                       "the first run or after reset()); it cannot change during a run", var);
    }
    free(t->all);
    t->all = copy;
    t->n_all = n_copy;
    if (!have) {
        char (*x)[32] = realloc(t->vars, (size_t)(t->n_vars + 1) * sizeof *x);
        if (!x) return AX_FAIL(&s->err, AX_ENOMEM, "out of memory for recorded variables");
        t->vars = x;
        snprintf(x[t->n_vars++], 32, "%s", var);
    }
    t->interval = iv;
    t->on = 1;
    /* this rank's columns */
    free(t->cols);
    t->cols = malloc((size_t)(t->n_all + 1) * sizeof *t->cols);
    AX_CHECK_ALLOC(t->cols, &s->err, "ids");
    t->n_cols = 0;
    for (int64_t k = 0; k < t->n_all; k++)
        if (ax_api_local_index(s, pop, t->all[k]) >= 0) t->cols[t->n_cols++] = t->all[k];
    free(t->buf);
    t->buf = NULL;
    t->rows = t->cap = 0;
    t->need_row0 = 1;
    return AX_OK;
}

static ax_status record(ax_sim *s, int pop, const char *what, int64_t n, const int64_t *ids,
                        double interval)
{
    AX_TRY(ax_api_check_pop(s, pop));
    AX_CHECK(!s->rec || ax_api_at_zero(s), &s->err, AX_EINPUT,
             "recording cannot change while the output file %s is written", s->out_path);
    if (!strcmp(what, "spikes")) {
        sim_spikes *b = &s->pops[pop].spk;
        int changed = 0;
        AX_TRY(merge_ids(s, &b->all, &b->n_all, n, ids, s->spec->pops[pop].n, &changed));
        if (!changed && b->on) return AX_OK;
        b->on = 1;
    } else {
        AX_TRY(record_var(s, pop, what, n, ids, interval));
    }
    return ax_api_sync_devices(s);
}

int ax_sim_record(ax_sim *s, int pop, const char *what, int64_t n, const int64_t *ids,
                  double interval)
{
    return ax_api_agree(s, record(s, pop, what, n, ids, interval));
}

static ax_status record_stop(ax_sim *s, int pop)
{
    AX_TRY(ax_api_check_pop(s, pop));
    AX_CHECK(!s->rec, &s->err, AX_EINPUT,
             "recording cannot change while the output file %s is written", s->out_path);
    sim_pop *p = &s->pops[pop];
    AX_FREE_ALL(p->spk.all, p->tr.all, p->tr.cols, p->tr.vars);
    p->spk.all = p->tr.all = p->tr.cols = NULL;
    p->tr.vars = NULL;
    p->spk.n_all = p->tr.n_all = p->tr.n_cols = 0;
    p->tr.n_vars = 0;
    p->spk.on = p->tr.on = 0;
    p->spk.n = 0;
    p->tr.rows = 0;
    return ax_api_sync_devices(s);
}

int ax_sim_record_stop(ax_sim *s, int pop)
{
    return ax_api_agree(s, record_stop(s, pop));
}

int ax_sim_spikes_get(ax_sim *s, int pop, int64_t *n, int64_t *ids, double *times)
{
    AX_TRY(ax_api_check_pop(s, pop));
    const sim_spikes *b = &s->pops[pop].spk;
    if (!ids && !times) {
        *n = b->n;
        return AX_OK;
    }
    AX_CHECK(*n >= b->n, &s->err, AX_EINPUT, "room for %lld spikes, %lld recorded",
             (long long)*n, (long long)b->n);
    for (int64_t k = 0; k < b->n; k++) {
        if (ids) ids[k] = b->id[k];
        if (times) times[k] = ax_api_stamp(s, b->step[k] + 1);
    }
    *n = b->n;
    return AX_OK;
}

int ax_sim_trace_get(ax_sim *s, int pop, const char *var, int64_t n, const int64_t *ids,
                     int64_t *rows, double *t0, double *data)
{
    AX_TRY(ax_api_check_pop(s, pop));
    const sim_trace *t = &s->pops[pop].tr;
    int v = 0;
    while (v < t->n_vars && strcmp(t->vars[v], var)) v++;
    AX_CHECK(t->on && v < t->n_vars, &s->err, AX_EINPUT, "%s of population %s is not recorded",
             var, s->spec->pops[pop].name);
    *rows = t->rows;
    *t0 = ax_api_stamp(s, t->step0);
    if (!data) return AX_OK;
    for (int64_t j = 0; j < n; j++) {
        int64_t c = find_col(t, ids[j]);
        AX_CHECK(c >= 0, &s->err, AX_EINPUT, "%s of neuron %lld of %s is not recorded on rank %d",
                 var, (long long)ids[j], s->spec->pops[pop].name, s->rank);
        for (int64_t r = 0; r < t->rows; r++)
            data[r * n + j] = t->buf[(r * t->n_vars + v) * t->n_cols + c];
    }
    return AX_OK;
}

int ax_sim_record_clear(ax_sim *s, int pop)
{
    AX_TRY(ax_api_check_pop(s, pop));
    clear_pop(&s->pops[pop]);
    return AX_OK;
}
