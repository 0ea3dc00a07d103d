/* sweep_spec.c - the sweep file: the task kind; for task: calibrate a base
 * sampler (inline `sampler:` or a `base:` file) and calibration options,
 * for task: sample a base BM file (sweep_bm.c); axes (lists, linspace,
 * logspace) and a table of parameter sets; and the sampler of each task.
 *
 * A parameter is a dotted path into the sampler file's tree
 * ("sampler.params.tau_m", "sampler.background.excitatory.rate",
 * "calibration.duration"). Each path is resolved once to a scalar node
 * (created when the base lacks it, carrying the position of the axis or
 * table key); a task writes its values into those nodes and runs the
 * ordinary sampler parser, so units, PyNN/NEST names and validation are
 * exactly `axon calibrate`'s. The nodes are shared: ax_sweep_task holds a
 * lock while it rewrites and parses (microseconds per task).
 * Sample sweeps name BM-level parameters instead (seed, duration, ...,
 * sweep_bm.c), applied to a copy of the base BM per task.
 * Task order: id = row * n_grid + g, the last axis varying fastest.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axon/agree.h"
#include "sweep_impl.h"

static void *own(ax_sweep sw, void *p)
{
    if (!p) return NULL;
    if (sw->n_own == sw->cap_own) {
        int cap = sw->cap_own ? 2 * sw->cap_own : 16;
        void **o = realloc(sw->own, (size_t)cap * sizeof *o);
        if (!o) {
            free(p);
            return NULL;
        }
        sw->own = o, sw->cap_own = cap;
    }
    return sw->own[sw->n_own++] = p;
}

static ax_yn *new_node(ax_sweep sw, ax_yn_kind kind, const ax_yn *at, const char *str)
{
    ax_yn *n = own(sw, calloc(1, sizeof *n));
    if (!n) return NULL;
    n->kind = kind, n->line = at->line, n->col = at->col;
    n->str = own(sw, strdup(str));
    return n->str ? n : NULL;
}

/* Append key -> value to a mapping (arrays re-allocated, owned by sw). */
static int map_add(ax_sweep sw, ax_yn *map, ax_yn *key, ax_yn *val)
{
    ax_yn **k = own(sw, malloc((size_t)(map->n + 1) * sizeof *k));
    ax_yn **v = own(sw, malloc((size_t)(map->n + 1) * sizeof *v));
    if (!k || !v) return 0;
    if (map->n) memcpy(k, map->keys, (size_t)map->n * sizeof *k);
    if (map->n) memcpy(v, map->items, (size_t)map->n * sizeof *v);
    k[map->n] = key, v[map->n] = val;
    map->keys = k, map->items = v, map->n++;
    return 1;
}

/* The scalar node at `path` below map (components after the first),
 * created if missing. A loop, not a recursion: the path is user text, and
 * no path is deeper than a file may nest (AX_YAML_MAX_DEPTH). */
static ax_status ensure(ax_sweep sw, ax_sctx *c, ax_yn *map, const ax_yn *at, char *rest,
                        ax_yn **out)
{
    for (int depth = 1;; depth++) {
        if (depth > AX_YAML_MAX_DEPTH)
            return ax_spec_fail(c, at, "parameter '%.60s...': more than %d levels; no "
                                       "sampler nests that deep", at->str, AX_YAML_MAX_DEPTH);
        char *dot = strchr(rest, '.');
        if (dot) *dot = '\0';
        ax_yn *n = ax_yn_get(map, rest);
        ax_status st = AX_OK;
        if (!n) {
            ax_yn *k = new_node(sw, AX_YN_SCALAR, at, rest);
            n = new_node(sw, dot ? AX_YN_MAP : AX_YN_SCALAR, at, dot ? "" : "0");
            if (!k || !n || !map_add(sw, map, k, n))
                st = AX_FAIL(c->err, AX_ENOMEM, "out of memory for the sweep parameters");
        } else if (dot && n->kind != AX_YN_MAP) {
            st = ax_spec_fail(c, at, "parameter '%s': '%s' is not a mapping in the base sampler",
                              at->str, rest);
        } else if (!dot && n->kind != AX_YN_SCALAR) {
            st = ax_spec_fail(c, at, "parameter '%s' names a %s, not a number", at->str,
                              ax_yn_kind_name(n));
        }
        if (dot) *dot = '.';
        if (st != AX_OK) return st;
        if (!dot) {
            *out = n;
            return AX_OK;
        }
        map = n;
        rest = dot + 1;
    }
}

/* Column for the parameter named by key node k (new unless it exists). */
static ax_status add_col(ax_sweep sw, ax_sctx *c, const ax_yn *k, int axis, int *idx)
{
    for (int i = 0; i < sw->n_cols; i++)
        if (!strcmp(sw->cols[i].path, k->str)) {
            if (axis >= 0 || sw->cols[i].axis >= 0)
                return ax_spec_fail(c, k, "parameter '%s' is swept twice (axes and table, or "
                                          "two axes)", k->str);
            *idx = i;
            return AX_OK;
        }
    ax_sweep_col *cols = realloc(sw->cols, (size_t)(sw->n_cols + 1) * sizeof *cols);
    AX_CHECK_ALLOC(cols, c->err, "sweep columns");
    sw->cols = cols;
    ax_sweep_col *col = &cols[sw->n_cols];
    memset(col, 0, sizeof *col);
    col->axis = axis;
    col->path = own(sw, strdup(k->str));
    AX_CHECK_ALLOC(col->path, c->err, "a parameter name");
    if (sw->kind == AX_SWEEP_SAMPLE) {
        col->bm_par = ax_sweep_bm_param(k->str);
        if (col->bm_par < 0)
            return ax_spec_fail(c, k, "unknown sample parameter '%s' (%s)", k->str,
                                ax_sweep_bm_param_list());
        *idx = sw->n_cols++;
        return AX_OK;
    }
    char *tmp = strdup(k->str);
    AX_CHECK_ALLOC(tmp, c->err, "a parameter name");
    char *dot = strchr(tmp, '.');
    ax_status st = AX_OK;
    if (dot && !strncmp(tmp, "sampler.", 8) && dot[1])
        st = ensure(sw, c, sw->sampler, k, dot + 1, &col->node);
    else if (dot && !strncmp(tmp, "calibration.", 12) && dot[1] && !strchr(dot + 1, '.'))
        st = ensure(sw, c, sw->cal_ovr, k, dot + 1, &col->node);
    else
        st = ax_spec_fail(c, k, "parameter '%s': a path starts with 'sampler.' (e.g. "
                                "sampler.params.tau_m, sampler.background.excitatory.rate) or "
                                "'calibration.' (e.g. calibration.duration)", k->str);
    free(tmp);
    if (st != AX_OK) return st;
    *idx = sw->n_cols++;
    return AX_OK;
}

/* A parameter value in an axis list or table row. */
static ax_status param_value(ax_sweep sw, ax_sctx *c, const ax_yn *n, const char *name,
                             double *out)
{
    if (sw->kind == AX_SWEEP_SAMPLE) return ax_sweep_bm_value(c, n, name, out);
    return ax_spec_number(c, n, name, 0, out);
}

/* An axis: [v, ...] or {linspace: [a, b, n]} or {logspace: [a, b, n]}
 * (logspace: geometric from a to b, both > 0, endpoints included). */
static ax_status parse_axis(ax_sweep sw, ax_sctx *c, const ax_yn *k, const ax_yn *v, int a)
{
    int64_t n = 0;
    double *x = NULL;
    if (v->kind == AX_YN_SEQ) {
        if (v->n == 0) return ax_spec_fail(c, v, "axis '%s' is empty", k->str);
        n = v->n;
        x = own(sw, malloc((size_t)n * sizeof *x));
        AX_CHECK_ALLOC(x, c->err, "an axis");
        for (int64_t i = 0; i < n; i++) AX_TRY(param_value(sw, c, v->items[i], k->str, &x[i]));
    } else if (v->kind == AX_YN_MAP && v->n == 1 &&
               (!strcmp(v->keys[0]->str, "linspace") || !strcmp(v->keys[0]->str, "logspace"))) {
        const ax_yn *l = v->items[0];
        int geo = !strcmp(v->keys[0]->str, "logspace");
        if (l->kind != AX_YN_SEQ || l->n != 3)
            return ax_spec_fail(c, l, "%s takes [start, stop, count]", v->keys[0]->str);
        double lo, hi;
        AX_TRY(ax_spec_number(c, l->items[0], "start", 0, &lo));
        AX_TRY(ax_spec_number(c, l->items[1], "stop", 0, &hi));
        AX_TRY(ax_spec_int(c, l->items[2], "count", 1, &n));
        if (geo && !(lo > 0 && hi > 0))
            return ax_spec_fail(c, l, "logspace needs start > 0 and stop > 0 (got %g, %g)", lo, hi);
        x = own(sw, malloc((size_t)n * sizeof *x));
        AX_CHECK_ALLOC(x, c->err, "an axis");
        for (int64_t i = 0; i < n; i++) {
            double f = n > 1 ? (double)i / (double)(n - 1) : 0.0;
            x[i] = geo ? exp(log(lo) + f * (log(hi) - log(lo))) : lo + f * (hi - lo);
        }
        x[0] = lo; /* endpoints exact, not through exp(log()) */
        if (n > 1) x[n - 1] = hi;
    } else {
        return ax_spec_fail(c, v, "axis '%s': a list of numbers, {linspace: [start, stop, count]} "
                                  "or {logspace: [start, stop, count]}", k->str);
    }
    sw->axis_len[a] = n, sw->axis_val[a] = x;
    int idx;
    return add_col(sw, c, k, a, &idx);
}

static ax_status parse_axes(ax_sweep sw, ax_sctx *c, const ax_yn *axes)
{
    AX_TRY(ax_spec_need_map(c, axes, "axes"));
    sw->n_axes = axes->n;
    sw->axis_len = own(sw, calloc((size_t)axes->n + 1, sizeof *sw->axis_len));
    sw->axis_val = own(sw, calloc((size_t)axes->n + 1, sizeof *sw->axis_val));
    AX_CHECK(sw->axis_len && sw->axis_val, c->err, AX_ENOMEM, "out of memory for the axes");
    for (int a = 0; a < axes->n; a++) AX_TRY(parse_axis(sw, c, axes->keys[a], axes->items[a], a));
    return AX_OK;
}

/* Table: a list of mappings, all with the same parameter keys. */
static ax_status parse_table(ax_sweep sw, ax_sctx *c, const ax_yn *t)
{
    AX_TRY(ax_spec_need_seq(c, t, "table"));
    if (t->n == 0) return ax_spec_fail(c, t, "table is empty");
    const ax_yn *r0 = t->items[0];
    AX_TRY(ax_spec_need_map(c, r0, "a table row"));
    int first = sw->n_cols, idx;
    for (int k = 0; k < r0->n; k++) AX_TRY(add_col(sw, c, r0->keys[k], -1, &idx));
    sw->n_rows = t->n;
    sw->table = own(sw, calloc((size_t)t->n * (size_t)sw->n_cols, sizeof *sw->table));
    AX_CHECK_ALLOC(sw->table, c->err, "the table");
    for (int i = 0; i < t->n; i++) {
        const ax_yn *r = t->items[i];
        AX_TRY(ax_spec_need_map(c, r, "a table row"));
        if (r->n != r0->n)
            return ax_spec_fail(c, r, "table row %d has %d parameters, row 0 has %d (every row "
                                      "sets the same parameters)", i, r->n, r0->n);
        for (int k = 0; k < r->n; k++) {
            int col = -1;
            for (int j = first; j < sw->n_cols; j++)
                if (!strcmp(sw->cols[j].path, r->keys[k]->str)) col = j;
            if (col < 0)
                return ax_spec_fail(c, r->keys[k], "table row %d sets '%s', which row 0 does not",
                                    i, r->keys[k]->str);
            AX_TRY(param_value(sw, c, r->items[k], r->keys[k]->str,
                               &sw->table[(size_t)i * (size_t)sw->n_cols + (size_t)col]));
        }
    }
    return AX_OK;
}

static ax_status read_base(ax_sweep sw, ax_sctx *c, const ax_yn *b)
{
    char rel[2048], path[4096 + 2048];
    AX_TRY(ax_spec_string(c, b, "base", rel, sizeof rel));
    ax_sweep_path(sw, rel, path, sizeof path);
    char *text;
    size_t len;
    if (ax_input_read(c->in, path, "base sampler", 0, &text, &len, c->err) != AX_OK) {
        ax_error_prefix(c->err, "%s:%d:%d: ", c->name, b->line, b->col);
        return c->err->code;
    }
    ax_status st = ax_ydoc_read(text, len, own(sw, strdup(path)), &sw->base, c->err);
    free(text);
    AX_TRY(st);
    ax_sctx bc = {.name = path, .err = c->err};
    AX_TRY(ax_spec_need_map(&bc, sw->base.root, "the base sampler file"));
    sw->sampler = ax_yn_get(sw->base.root, "sampler");
    if (!sw->sampler) return ax_spec_fail(&bc, sw->base.root, "the base file needs `sampler:`");
    sw->cal_base = ax_yn_get(sw->base.root, "calibration");
    return AX_OK;
}

/* Axes and table, and the task count. */
static ax_status parse_grid(ax_sweep sw, ax_sctx *c, const ax_yn *m)
{
    const ax_yn *axes = ax_yn_get(m, "axes"), *table = ax_yn_get(m, "table");
    sw->n_rows = 1;
    if (axes) AX_TRY(parse_axes(sw, c, axes));
    if (table) AX_TRY(parse_table(sw, c, table));
    sw->n_grid = 1;
    for (int a = 0; a < sw->n_axes; a++) {
        if (sw->n_grid > INT64_MAX / 4 / sw->axis_len[a])
            return ax_spec_fail(c, axes, "the grid has too many points");
        sw->n_grid *= sw->axis_len[a];
    }
    sw->n_tasks = sw->n_grid * sw->n_rows;
    return AX_OK;
}

/* task: calibrate - the base sampler and options. */
static ax_status parse_calibrate(ax_sweep sw, ax_sctx *c, ax_yn *m)
{
    const ax_yn *base = ax_yn_get(m, "base");
    sw->sampler = ax_yn_get(m, "sampler");
    if (base && sw->sampler)
        return ax_spec_fail(c, base, "give either base: FILE or an inline sampler:, not both");
    if (base) AX_TRY(read_base(sw, c, base));
    if (!sw->sampler) return ax_spec_fail(c, m, "the sweep needs base: FILE or sampler: {...}");
    AX_TRY(ax_spec_need_map(c, sw->sampler, "sampler"));
    sw->cal_sweep = ax_yn_get(m, "calibration");
    sw->cal_ovr = new_node(sw, AX_YN_MAP, m, "");
    AX_CHECK_ALLOC(sw->cal_ovr, c->err, "the sweep");
    /* the base must parse on its own: its errors are spec errors */
    ax_sampler s;
    ax_calib_opts o;
    ax_calib_opts_default(&o);
    AX_TRY(ax_samp_parse_sampler(c, sw->sampler, &s));
    if (sw->cal_base) AX_TRY(ax_samp_parse_opts(c, sw->cal_base, &o));
    if (sw->cal_sweep) AX_TRY(ax_samp_parse_opts(c, sw->cal_sweep, &o));
    return AX_OK;
}

/* task: sample - the base BM file (no sampler/calibration sections). */
static ax_status parse_sample(ax_sweep sw, ax_sctx *c, ax_yn *m)
{
    static const char *const keys[] = {"task", "base", "axes", "table", NULL};
    AX_TRY(ax_spec_keys(c, m, "a task: sample sweep (the BM file holds the samplers)", keys));
    const ax_yn *base = ax_yn_get(m, "base");
    if (!base) return ax_spec_fail(c, m, "a task: sample sweep needs base: BM_FILE (a file as "
                                         "`axon sample` reads, relative to the sweep file)");
    return ax_sweep_bm_base(sw, c, base);
}

static ax_status parse_root(ax_sweep sw, ax_sctx *c)
{
    static const char *const top[] = {"sweep", NULL};
    static const char *const keys[] = {"task", "base", "sampler", "calibration", "axes", "table",
                                       NULL};
    AX_TRY(ax_spec_need_map(c, sw->doc.root, "the sweep file"));
    AX_TRY(ax_spec_keys(c, sw->doc.root, "the sweep file", top));
    ax_yn *m = ax_yn_get(sw->doc.root, "sweep");
    if (!m) return ax_spec_fail(c, sw->doc.root, "the sweep file needs a `sweep:` section");
    AX_TRY(ax_spec_need_map(c, m, "sweep"));
    AX_TRY(ax_spec_keys(c, m, "sweep", keys));
    const ax_yn *task = ax_yn_get(m, "task");
    sw->kind = AX_SWEEP_CALIBRATE;
    if (task) {
        char t[32];
        AX_TRY(ax_spec_string(c, task, "task", t, sizeof t));
        if (!strcmp(t, "sample")) sw->kind = AX_SWEEP_SAMPLE;
        else if (strcmp(t, "calibrate"))
            return ax_spec_fail(c, task, "unknown task '%s' (calibrate or sample)", t);
    }
    if (sw->kind == AX_SWEEP_SAMPLE) AX_TRY(parse_sample(sw, c, m));
    else AX_TRY(parse_calibrate(sw, c, m));
    return parse_grid(sw, c, m);
}

/* Parse a sweep file's text; the files it names are read through in. */
static ax_status sweep_parse_in(ax_input *in, const char *text, size_t len, const char *name,
                                ax_sweep *out, ax_error *err)
{
    *out = NULL;
    ax_sweep sw = calloc(1, sizeof *sw);
    AX_CHECK_ALLOC(sw, err, "a sweep");
    sw->name = strdup(name);
    sw->text = malloc(len + 1);
    ax_status st = sw->name && sw->text ? AX_OK : AX_FAIL(err, AX_ENOMEM, "out of memory");
    if (st == AX_OK) {
        memcpy(sw->text, text, len);
        sw->text[len] = '\0';
        sw->len = len;
        st = ax_ydoc_read(text, len, name, &sw->doc, err);
    }
    ax_sctx c = {.name = name, .spec = NULL, .err = err, .in = in};
    if (st == AX_OK) st = parse_root(sw, &c);
    if (st != AX_OK) ax_sweep_destroy(&sw);
    *out = sw;
    return st;
}

ax_status ax_sweep_parse(const char *text, size_t len, const char *name, ax_sweep *out,
                         ax_error *err)
{
    return sweep_parse_in(NULL, text, len, name, out, err);
}

ax_status ax_sweep_load_in(ax_input *in, const char *path, ax_sweep *out, ax_error *err)
{
    char *text;
    size_t len;
    *out = NULL;
    AX_TRY(ax_input_read(in, path, "sweep", 0, &text, &len, err));
    ax_status st = sweep_parse_in(in, text, len, path, out, err);
    free(text);
    return st;
}

/* ax_sweep_load and ax_sweep_load_comm */
AX_INPUT_LOADERS(ax_sweep_load, ax_sweep, ax_sweep_destroy)

void ax_sweep_destroy(ax_sweep *p)
{
    if (!p || !*p) return;
    ax_sweep sw = *p;
    ax_ydoc_free(&sw->doc);
    ax_ydoc_free(&sw->base);
    if (sw->bm_loaded) ax_bm_free(&sw->bm);
    free(sw->cp);
    for (int i = 0; i < sw->n_own; i++) free(sw->own[i]);
    free(sw->own);
    free(sw->cols);
    free(sw->name);
    free(sw->text);
    free(sw);
    *p = NULL;
}

static ax_status task_locked(ax_sweep sw, int64_t id, const double *v, ax_sampler *s,
                             ax_calib_opts *o, ax_error *err)
{
    for (int k = 0; k < sw->n_cols; k++) {
        snprintf(sw->cols[k].buf, sizeof sw->cols[k].buf, "%.17g", v[k]);
        sw->cols[k].node->str = sw->cols[k].buf;
    }
    ax_sctx c = {.name = sw->name, .spec = NULL, .err = err};
    ax_calib_opts_default(o);
    *s = (ax_sampler){0};
    AX_TRY(ax_samp_parse_sampler(&c, sw->sampler, s));
    if (sw->cal_base) AX_TRY(ax_samp_parse_opts(&c, sw->cal_base, o));
    if (sw->cal_sweep) AX_TRY(ax_samp_parse_opts(&c, sw->cal_sweep, o));
    if (sw->cal_ovr->n) AX_TRY(ax_samp_parse_opts(&c, sw->cal_ovr, o));
    AX_TRY(ax_sampler_validate(s, err));
    o->seed = ax_sweep_task_seed(o->seed, id);
    return AX_OK;
}

ax_status ax_sweep_task(ax_sweep sw, int64_t id, ax_sampler *s, ax_calib_opts *o, ax_error *err)
{
    AX_CHECK(sw->kind == AX_SWEEP_CALIBRATE, err, AX_EINPUT, "%s is a task: sample sweep; its "
             "tasks are Boltzmann machines (ax_sweep_task_bm), not calibrations", sw->name);
    AX_CHECK(id >= 0 && id < sw->n_tasks, err, AX_EINPUT, "task %lld out of range (0..%lld)",
             (long long)id, (long long)sw->n_tasks - 1);
    double *v = malloc((size_t)(sw->n_cols + 1) * sizeof *v);
    AX_CHECK_ALLOC(v, err, "task parameters");
    ax_sweep_task_params(sw, id, v);
    ax_status st;
    #pragma omp critical(ax_sweep_task)
    st = task_locked(sw, id, v, s, o, err);
    free(v);
    if (st != AX_OK) ax_error_prefix(err, "task %lld: ", (long long)id);
    return st;
}

/* Engine cost of one neuron-step of a sampler with Poisson background
 * (measured on one core: ~24 ns update + input), and a fixed cost per
 * engine run (build, spec) and per fit. Rough by design. */
#define AX_NS_PER_NEURON_STEP 40e-9
#define AX_S_PER_RUN 1e-3

static double task_cost(const ax_calib_opts *o)
{
    double steps = (o->burn_in + o->duration) / o->dt * o->num_samples;
    double runs = 1;
    if (o->prescan) {
        double n = (o->v_max - o->v_min) / o->dv + 1; /* ~2 rounds: scan + rescan */
        steps += 2 * n * (o->burn_in + o->pre_duration) / o->dt;
        runs += 2;
    }
    return steps * AX_NS_PER_NEURON_STEP + runs * AX_S_PER_RUN;
}

double ax_sweep_estimate(ax_sweep sw, int64_t *bad)
{
    int64_t stride = sw->n_tasks > 100000 ? sw->n_tasks / 100000 : 1, seen = 0, nbad = 0;
    double cost = 0;
    for (int64_t id = 0; id < sw->n_tasks; id += stride) {
        ax_sampler s;
        ax_calib_opts o;
        ax_bm bm;
        ax_error e = {0};
        if (sw->kind == AX_SWEEP_SAMPLE) {
            if (ax_sweep_task_bm(sw, id, &bm, &e) == AX_OK) cost += ax_sweep_bm_cost(&bm);
            else nbad++;
            ax_bm_free(&bm);
        } else if (ax_sweep_task(sw, id, &s, &o, &e) == AX_OK) cost += task_cost(&o);
        else nbad++;
        seen++;
    }
    double scale = (double)sw->n_tasks / (double)seen;
    if (bad) *bad = (int64_t)llround((double)nbad * scale);
    return cost * scale;
}
