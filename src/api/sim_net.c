/* sim_net.c - the session's network (axon/sim.h): populations, their
 * parameters and state, projections, current sources.
 *
 * What every rank agrees on goes into the spec at once (homogeneous
 * parameters, initial-value distributions, projection rules, explicit
 * lists); what PyNN sets neuron by neuron or synapse by synapse on each
 * rank is kept here for this rank's neurons and synapses and goes into the
 * spec at the next collective call (sim_sync.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/connect.h"
#include "axon/free_all.h"
#include "axon/model.h"
#include "axon/partition.h"
#include "axon/rng.h"
#include "api_impl.h"

void ax_api_pop_free(sim_pop *p)
{
    for (int k = 0; k < p->n_pn; k++) free(p->pn[k].v);
    for (int k = 0; k < p->n_st; k++) free(p->st[k].v);
    AX_FREE_ALL(p->pn, p->st, p->t_off, p->t_ms, p->spk.all, p->spk.id, p->spk.step, p->tr.vars,
                p->tr.all, p->tr.cols, p->tr.buf);
    memset(p, 0, sizeof *p);
}

void ax_api_proj_free(sim_proj *p)
{
    AX_FREE_ALL(p->src, p->tgt, p->w, p->d);
    memset(p, 0, sizeof *p);
}

void ax_api_src_free(sim_src *c)
{
    AX_FREE_ALL(c->times, c->amps, c->tgt_pop, c->tgt_id);
    memset(c, 0, sizeof *c);
}

static const ax_model_ops *model_of(const ax_sim *s, int pop)
{
    return ax_model_find(s->spec->pops[pop].model);
}

/* The local array of `name` in a list, created (filled with fill) if absent
 * and fill is not NULL. */
static double *vals_of(sim_vals **list, int *n, const char *name, int64_t n_local,
                       const double *fill)
{
    for (int k = 0; k < *n; k++)
        if (!strcmp((*list)[k].name, name)) return (*list)[k].v;
    if (!fill) return NULL;
    sim_vals *x = realloc(*list, (size_t)(*n + 1) * sizeof *x);
    if (!x) return NULL;
    *list = x;
    double *v = malloc((size_t)(n_local > 0 ? n_local : 1) * sizeof *v);
    if (!v) return NULL;
    for (int64_t i = 0; i < n_local; i++) v[i] = *fill;
    snprintf(x[*n].name, sizeof x[*n].name, "%s", name);
    x[(*n)++].v = v;
    return v;
}

static void vals_drop(sim_vals *list, int *n, const char *name)
{
    for (int k = 0; k < *n; k++)
        if (!strcmp(list[k].name, name)) {
            free(list[k].v);
            list[k] = list[--*n];
            return;
        }
}

/* ---- populations ---------------------------------------------------------- */

static ax_status check_name(ax_sim *s, const char *name)
{
    size_t len = name ? strlen(name) : 0;
    AX_CHECK(len > 0 && len <= 48, &s->err, AX_EINPUT,
             "population name '%s': 1 to 48 characters", name ? name : "");
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        AX_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '_' || c == '-',
                 &s->err, AX_EINPUT,
                 "population name '%s': only letters, digits, '_' and '-' are allowed", name);
    }
    AX_CHECK(ax_spec_find_pop(s->spec, name) < 0, &s->err, AX_EINPUT,
             "a population named '%s' exists already", name);
    return AX_OK;
}

/* The full parameter vector of pop with name := value applied (checked). */
static ax_status param_vector(ax_sim *s, const ax_model_ops *m, const ax_pop_spec *ps,
                              const char *name, double value, double *full)
{
    ax_model_defaults(m, full);
    for (int k = 0; ps && k < ps->n_params; k++)
        full[ax_model_param_index(m, ps->params[k].name)] = ps->params[k].value;
    if (!name) return AX_OK;
    int i = ax_model_param_index(m, name);
    if (i < 0) {
        const char *near = ax_model_suggest_param(m, name);
        return AX_FAIL(&s->err, AX_EINPUT, "model %s has no parameter '%s'%s%s%s", m->name, name,
                       near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    }
    const ax_param_desc *d = &m->params[i];
    if (d->kind == AX_PARAM_CHOICE && d->choices) {
        int nc = 1;
        for (const char *c = d->choices; *c; c++) nc += *c == '|';
        AX_CHECK(value >= 0 && value < nc && value == floor(value), &s->err, AX_EINPUT,
                 "%s: %s must be one of %s (index 0..%d; got %g)", m->name, name, d->choices,
                 nc - 1, value);
    }
    if (!strcmp(name, "t_ref"))
        AX_CHECK(ax_delay_steps(value, s->spec->sim.resolution) >= 0, &s->err, AX_EINPUT,
                 "%s: t_ref = %.17g ms is not a multiple of the time step %g ms", m->name, value,
                 s->spec->sim.resolution);
    full[i] = value;
    return AX_OK;
}

static ax_status set_spec_param(ax_sim *s, ax_pop_spec *ps, const char *name, double value)
{
    ax_param_value *pv = ax_api_spec_param(ps, name);
    AX_CHECK_ALLOC(pv, &s->err, "population parameters");
    pv->value = value;
    return AX_OK;
}

static ax_status pop_create(ax_sim *s, const char *name, const char *model, int64_t n, int n_par,
                            const char *const *names, const double *values, int *pop)
{
    AX_CHECK(ax_api_at_zero(s), &s->err, AX_ENOTIMPL,
             "populations can only be created at t = 0 (before the first run or after reset())");
    AX_TRY(check_name(s, name));
    const ax_model_ops *m = ax_model_find(model);
    AX_CHECK(m, &s->err, AX_EINPUT, "unknown model '%s'; known models: %s", model,
             ax_model_names());
    AX_CHECK(n >= 1 && n <= ((int64_t)1 << 40), &s->err, AX_EINPUT,
             "population '%s': size must be >= 1 (got %lld)", name, (long long)n);
    double full[256];
    AX_CHECK(m->n_params <= 256, &s->err, AX_EINTERNAL, "too many parameters");
    AX_TRY(param_vector(s, m, NULL, NULL, 0, full));
    for (int k = 0; k < n_par; k++) AX_TRY(param_vector(s, m, NULL, names[k], values[k], full));
    for (int k = 0; k < n_par; k++) full[ax_model_param_index(m, names[k])] = values[k];
    if (m->validate) {
        ax_error e;
        ax_error_clear(&e);
        if (m->validate(full, &e) != AX_OK)
            return AX_FAIL(&s->err, AX_EINPUT, "population '%s': %s", name, e.msg);
    }
    ax_spec *sp = s->spec;
    ax_pop_spec *pops = realloc(sp->pops, (size_t)(sp->n_pops + 1) * sizeof *pops);
    AX_CHECK_ALLOC(pops, &s->err, "populations");
    sp->pops = pops;
    sim_pop *sps = realloc(s->pops, (size_t)(sp->n_pops + 1) * sizeof *sps);
    AX_CHECK_ALLOC(sps, &s->err, "populations");
    s->pops = sps;
    ax_pop_spec *ps = &pops[sp->n_pops];
    *ps = (ax_pop_spec){.n = n, .first_gid = sp->n_total};
    snprintf(ps->name, sizeof ps->name, "%s", name);
    snprintf(ps->model, sizeof ps->model, "%s", model);
    for (int k = 0; k < n_par; k++) {
        ax_status st = set_spec_param(s, ps, names[k], values[k]);
        if (st != AX_OK) {
            free(ps->params);
            return st;
        }
    }
    sim_pop *p = &sps[sp->n_pops];
    *p = (sim_pop){0};
    p->first_local = ((s->rank - ps->first_gid) % s->size + s->size) % s->size;
    p->n_local = p->first_local < n ? (n - 1 - p->first_local) / s->size + 1 : 0;
    *pop = sp->n_pops++;
    sp->n_total += n;
    ax_api_drop_engine(s);
    return AX_OK;
}

int ax_sim_pop_create(ax_sim *s, const char *name, const char *model, int64_t n, int n_par,
                      const char *const *names, const double *values, int *pop)
{
    *pop = -1;
    return ax_api_agree(s, pop_create(s, name, model, n, n_par, names, values, pop));
}

int ax_sim_pop_count(const ax_sim *s)
{
    return s->spec->n_pops;
}

int ax_sim_pop_size(const ax_sim *s, int pop, int64_t *n, int64_t *first_gid)
{
    if (pop < 0 || pop >= s->spec->n_pops) return AX_EINPUT;
    *n = s->spec->pops[pop].n;
    *first_gid = s->spec->pops[pop].first_gid;
    return AX_OK;
}

int ax_sim_pop_local(const ax_sim *s, int pop, int64_t *n, int64_t *ids)
{
    if (pop < 0 || pop >= s->spec->n_pops) return AX_EINPUT;
    const sim_pop *p = &s->pops[pop];
    *n = p->n_local;
    for (int64_t k = 0; ids && k < p->n_local; k++) ids[k] = p->first_local + k * s->size;
    return AX_OK;
}

/* The parameter changed in the spec: re-create the engine's blocks with it
 * (dynamic state carried across). */
static ax_status refresh_pop(ax_sim *s, int pop)
{
    return s->eng ? ax_engine_refresh_pop(s->eng, pop, &s->err) : AX_OK;
}

double ax_api_param_at(const ax_sim *s, int pop, int param, int64_t i)
{
    const ax_pop_spec *ps = &s->spec->pops[pop];
    const ax_model_ops *m = ax_model_find(ps->model);
    for (int k = 0; k < ps->n_params; k++)
        if (!strcmp(ps->params[k].name, m->params[param].name))
            return ps->params[k].values ? ps->params[k].values[i] : ps->params[k].value;
    return m->params[param].def;
}

/* Drop a parameter's per-neuron values from the spec (it becomes one value). */
static void drop_spec_values(ax_pop_spec *ps, const char *name)
{
    for (int k = 0; k < ps->n_params; k++)
        if (!strcmp(ps->params[k].name, name)) {
            free(ps->params[k].values);
            ps->params[k].values = NULL;
        }
}

static ax_status pop_set(ax_sim *s, int pop, const char *name, double value)
{
    AX_TRY(ax_api_check_pop(s, pop));
    ax_pop_spec *ps = &s->spec->pops[pop];
    const ax_model_ops *m = model_of(s, pop);
    double full[256];
    AX_TRY(param_vector(s, m, ps, name, value, full));
    if (m->validate) {
        ax_error e;
        ax_error_clear(&e);
        if (m->validate(full, &e) != AX_OK)
            return AX_FAIL(&s->err, AX_EINPUT, "population '%s': %s", ps->name, e.msg);
    }
    AX_TRY(set_spec_param(s, ps, name, value));
    drop_spec_values(ps, name);
    vals_drop(s->pops[pop].pn, &s->pops[pop].n_pn, name);
    return refresh_pop(s, pop);
}

int ax_sim_pop_set(ax_sim *s, int pop, const char *name, double value)
{
    return ax_api_agree(s, pop_set(s, pop, name, value));
}

/* Local indices of ids (all must be this rank's). */
static ax_status local_indices(ax_sim *s, int pop, int64_t n, const int64_t *ids, int64_t *k)
{
    for (int64_t i = 0; i < n; i++) {
        k[i] = ax_api_local_index(s, pop, ids[i]);
        AX_CHECK(k[i] >= 0, &s->err, AX_EINPUT, "neuron %lld of population %s is not on rank %d "
                 "(or out of range)", (long long)ids[i], s->spec->pops[pop].name, s->rank);
    }
    return AX_OK;
}

int ax_sim_pop_set_local(ax_sim *s, int pop, const char *name, int64_t n, const int64_t *ids,
                         const double *values)
{
    AX_TRY(ax_api_check_pop(s, pop));
    const ax_model_ops *m = model_of(s, pop);
    ax_pop_spec *ps = &s->spec->pops[pop];
    sim_pop *p = &s->pops[pop];
    int i = ax_model_param_index(m, name);
    AX_CHECK(i >= 0, &s->err, AX_EINPUT, "model %s has no parameter '%s'", m->name, name);
    AX_CHECK(m->params[i].kind == AX_PARAM_REAL, &s->err, AX_ENOTIMPL,
             "%s: '%s' (a choice or true/false) has one value per population", m->name, name);
    int64_t *k = malloc((size_t)(n > 0 ? n : 1) * sizeof *k);
    AX_CHECK_ALLOC(k, &s->err, "indices");
    ax_status st = local_indices(s, pop, n, ids, k);
    double full[256];
    for (int64_t j = 0; st == AX_OK && j < n; j++) { /* each value passes the model's rules */
        st = param_vector(s, m, ps, name, values[j], full);
        ax_error e;
        ax_error_clear(&e);
        if (st == AX_OK && m->validate && m->validate(full, &e) != AX_OK)
            st = AX_FAIL(&s->err, AX_EINPUT, "population '%s', neuron %lld: %s", ps->name,
                         (long long)ids[j], e.msg);
    }
    double *v = NULL;
    if (st == AX_OK && !(v = vals_of(&p->pn, &p->n_pn, name, p->n_local, NULL))) {
        double zero = 0;
        v = vals_of(&p->pn, &p->n_pn, name, p->n_local, &zero);
        for (int64_t j = 0; v && j < p->n_local; j++)
            v[j] = ax_api_param_at(s, pop, i, p->first_local + j * s->size);
        if (!v) st = AX_FAIL(&s->err, AX_ENOMEM, "out of memory for parameter values");
    }
    for (int64_t j = 0; st == AX_OK && j < n; j++) v[k[j]] = values[j];
    for (int q = 0; st == AX_OK && q < p->n_pn; q++)
        if (!strcmp(p->pn[q].name, name)) p->pn[q].dirty = 1;
    free(k);
    return st;
}

/* out[j]: neuron ids[j]'s value of a parameter or state variable before the
 * build: this rank's own array when set here (local, by local index), else
 * the spec's (spec_at: ax_api_param_at or ax_api_init_at, index idx). */
static ax_status local_values(ax_sim *s, int pop, const double *local,
                              double (*spec_at)(const ax_sim *, int, int, int64_t), int idx,
                              int64_t n, const int64_t *ids, double *out)
{
    for (int64_t j = 0; j < n; j++) {
        int64_t k = ax_api_local_index(s, pop, ids[j]);
        AX_CHECK(k >= 0, &s->err, AX_EINPUT, "neuron %lld of population %s is not on rank %d",
                 (long long)ids[j], s->spec->pops[pop].name, s->rank);
        out[j] = local ? local[k] : spec_at(s, pop, idx, ids[j]);
    }
    return AX_OK;
}

int ax_sim_pop_get_local(ax_sim *s, int pop, const char *name, int64_t n, const int64_t *ids,
                         double *out)
{
    AX_TRY(ax_api_check_pop(s, pop));
    const ax_model_ops *m = model_of(s, pop);
    int i = ax_model_param_index(m, name);
    AX_CHECK(i >= 0, &s->err, AX_EINPUT, "model %s has no parameter '%s'", m->name, name);
    sim_pop *p = &s->pops[pop];
    return local_values(s, pop, vals_of(&p->pn, &p->n_pn, name, p->n_local, NULL),
                        ax_api_param_at, i, n, ids, out);
}

/* ---- state ------------------------------------------------------------------ */

static ax_status check_var(ax_sim *s, int pop, const char *var)
{
    const ax_model_ops *m = model_of(s, pop);
    if (ax_model_state_index(m, var) >= 0) return AX_OK;
    char list[256] = "";
    for (int k = 0; k < m->n_state; k++) {
        if (k) strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, m->state_names[k], sizeof list - strlen(list) - 1);
    }
    return AX_FAIL(&s->err, AX_EINPUT, "model %s has no state variable '%s'; it has: %s",
                   m->name, var, list);
}

/* Value of an initial-value distribution for gid, drawn as the engine does. */
static double init_value(const ax_sim *s, int pop, int var, const ax_dist *d, int64_t gid)
{
    if (d->kind == AX_DIST_CONST) return d->value;
    ax_rng r;
    ax_rng_open(&r, s->spec->sim.seed, AX_RNG_INIT, (uint32_t)(pop * 256 + var), (uint64_t)gid);
    return ax_rng_dist(&r, d);
}

double ax_api_init_at(const ax_sim *s, int pop, int var, int64_t i)
{
    const ax_pop_spec *ps = &s->spec->pops[pop];
    const ax_model_ops *m = ax_model_find(ps->model);
    for (int k = 0; k < ps->n_init; k++)
        if (!strcmp(ps->init[k].name, m->state_names[var]))
            return ps->init[k].values ? ps->init[k].values[i]
                                      : init_value(s, pop, var, &ps->init[k].dist, ps->first_gid + i);
    /* at rest: V_m = E_L (the models' rest state), everything else 0 */
    int el = ax_model_param_index(m, "E_L");
    return !strcmp(m->state_names[var], "V_m") && el >= 0 ? ax_api_param_at(s, pop, el, i) : 0.0;
}

static ax_status state_init(ax_sim *s, int pop, const char *var, int kind, const double *par)
{
    AX_TRY(ax_api_check_pop(s, pop));
    AX_TRY(check_var(s, pop, var));
    ax_dist d;
    char what[96];
    snprintf(what, sizeof what, "initial value of %s", var);
    AX_TRY(ax_api_dist(s, kind, par, what, &d));
    ax_pop_spec *ps = &s->spec->pops[pop];
    sim_pop *p = &s->pops[pop];
    if (ax_api_at_zero(s)) {
        ax_init_value *iv = ax_api_spec_init(ps, var);
        AX_CHECK_ALLOC(iv, &s->err, "initial values");
        iv->dist = d;
        free(iv->values);
        iv->values = NULL;
        vals_drop(p->st, &p->n_st, var);
    }
    if (!s->eng) return AX_OK;
    int vi = ax_model_state_index(model_of(s, pop), var);
    int64_t *ids = malloc((size_t)(p->n_local > 0 ? p->n_local : 1) * sizeof *ids);
    double *v = malloc((size_t)(p->n_local > 0 ? p->n_local : 1) * sizeof *v);
    ax_status st = ids && v ? AX_OK : AX_FAIL(&s->err, AX_ENOMEM, "out of memory for state");
    for (int64_t k = 0; st == AX_OK && k < p->n_local; k++) {
        ids[k] = p->first_local + k * s->size;
        v[k] = init_value(s, pop, vi, &d, ps->first_gid + ids[k]);
    }
    if (st == AX_OK) st = ax_engine_state_set(s->eng, pop, var, p->n_local, ids, v, &s->err);
    free(ids);
    free(v);
    return st;
}

int ax_sim_state_init(ax_sim *s, int pop, const char *var, int kind, const double *par)
{
    return ax_api_agree(s, state_init(s, pop, var, kind, par));
}

int ax_sim_state_set_local(ax_sim *s, int pop, const char *var, int64_t n, const int64_t *ids,
                           const double *values)
{
    AX_TRY(ax_api_check_pop(s, pop));
    AX_TRY(check_var(s, pop, var));
    int64_t *k = malloc((size_t)(n > 0 ? n : 1) * sizeof *k);
    AX_CHECK_ALLOC(k, &s->err, "indices");
    ax_status st = local_indices(s, pop, n, ids, k);
    for (int64_t j = 0; st == AX_OK && j < n; j++)
        if (isnan(values[j]))
            st = AX_FAIL(&s->err, AX_EINPUT, "%s of neuron %lld: NaN", var, (long long)ids[j]);
    sim_pop *p = &s->pops[pop];
    if (st == AX_OK && ax_api_at_zero(s)) { /* the value a reset returns to */
        double *v = vals_of(&p->st, &p->n_st, var, p->n_local, NULL);
        if (!v) {
            double zero = 0;
            int vi = ax_model_state_index(model_of(s, pop), var);
            v = vals_of(&p->st, &p->n_st, var, p->n_local, &zero);
            for (int64_t j = 0; v && j < p->n_local; j++)
                v[j] = ax_api_init_at(s, pop, vi, p->first_local + j * s->size);
            if (!v) st = AX_FAIL(&s->err, AX_ENOMEM, "out of memory for state values");
        }
        for (int64_t j = 0; v && j < n; j++) v[k[j]] = values[j];
        for (int q = 0; q < p->n_st; q++)
            if (!strcmp(p->st[q].name, var)) p->st[q].dirty = 1;
    }
    if (st == AX_OK && s->eng) st = ax_engine_state_set(s->eng, pop, var, n, ids, values, &s->err);
    free(k);
    return st;
}

int ax_sim_state_get_local(ax_sim *s, int pop, const char *var, int64_t n, const int64_t *ids,
                           double *out)
{
    AX_TRY(ax_api_check_pop(s, pop));
    AX_TRY(check_var(s, pop, var));
    if (s->eng) return ax_engine_state_get(s->eng, pop, var, n, ids, out, &s->err);
    /* before the build: the values the build will set */
    sim_pop *p = &s->pops[pop];
    return local_values(s, pop, vals_of(&p->st, &p->n_st, var, p->n_local, NULL),
                        ax_api_init_at, ax_model_state_index(model_of(s, pop), var), n, ids, out);
}

/* ---- spike trains of spike sources ---------------------------------------- */

int ax_sim_times_set_local(ax_sim *s, int pop, int64_t n, const int64_t *ids,
                           const int64_t *offsets, const double *times)
{
    AX_TRY(ax_api_check_pop(s, pop));
    const ax_model_ops *m = model_of(s, pop);
    AX_CHECK(m->set_times, &s->err, AX_EINPUT, "model %s takes no spike times", m->name);
    sim_pop *p = &s->pops[pop];
    double h = s->spec->sim.resolution;
    int64_t *k = malloc((size_t)(n > 0 ? n : 1) * sizeof *k);
    AX_CHECK_ALLOC(k, &s->err, "indices");
    ax_status st = local_indices(s, pop, n, ids, k);
    for (int64_t j = 0; st == AX_OK && j < n; j++)
        for (int64_t q = offsets[j]; st == AX_OK && q < offsets[j + 1]; q++) {
            double t = times[q];
            if (!(ax_delay_steps(t, h) >= 1))
                st = AX_FAIL(&s->err, AX_EINPUT, "spike time %.17g ms of source %lld: spike times "
                             "must be multiples of the time step %g ms and >= it", t,
                             (long long)ids[j], h);
            else if (q > offsets[j] && t < times[q - 1])
                st = AX_FAIL(&s->err, AX_EINPUT, "spike times of source %lld are not sorted "
                             "(%g ms after %g ms); give them in increasing order", (long long)ids[j],
                             t, times[q - 1]);
        }
    /* the new local CSR: old trains of the others, new ones of ids */
    int64_t nl = p->n_local, total = 0;
    double **tr = NULL;
    int64_t *cnt = NULL;
    if (st == AX_OK) {
        tr = calloc((size_t)(nl ? nl : 1), sizeof *tr);
        cnt = calloc((size_t)(nl ? nl : 1), sizeof *cnt);
        if (!tr || !cnt) st = AX_FAIL(&s->err, AX_ENOMEM, "out of memory for spike times");
    }
    for (int64_t j = 0; st == AX_OK && j < nl; j++) {
        int64_t id = p->first_local + j * s->size;
        const ax_pop_spec *ps = &s->spec->pops[pop];
        tr[j] = p->t_off ? p->t_ms + p->t_off[j] : ps->times ? ps->times + ps->times_off[id] : NULL;
        cnt[j] = p->t_off ? p->t_off[j + 1] - p->t_off[j]
                          : ps->times_off ? ps->times_off[id + 1] - ps->times_off[id] : 0;
    }
    for (int64_t j = 0; st == AX_OK && j < n; j++) {
        tr[k[j]] = (double *)(times + offsets[j]);
        cnt[k[j]] = offsets[j + 1] - offsets[j];
    }
    for (int64_t j = 0; st == AX_OK && j < nl; j++) total += cnt[j];
    int64_t *off = st == AX_OK ? malloc((size_t)(nl + 1) * sizeof *off) : NULL;
    double *t = st == AX_OK ? malloc((size_t)(total ? total : 1) * sizeof *t) : NULL;
    if (st == AX_OK && (!off || !t)) st = AX_FAIL(&s->err, AX_ENOMEM, "out of memory for spike times");
    if (st == AX_OK) {
        off[0] = 0;
        for (int64_t j = 0; j < nl; j++) {
            if (cnt[j]) memcpy(t + off[j], tr[j], (size_t)cnt[j] * sizeof *t);
            off[j + 1] = off[j] + cnt[j];
        }
        ax_api_trains_take(&p->t_off, &p->t_ms, &off, &t);
        p->t_dirty = 1;
    }
    AX_FREE_ALL(off, t, tr, cnt, k);
    return st;
}

int ax_sim_times_get_local(ax_sim *s, int pop, int64_t n, const int64_t *ids, int64_t *offsets,
                           double *times)
{
    AX_TRY(ax_api_check_pop(s, pop));
    sim_pop *p = &s->pops[pop];
    const ax_pop_spec *ps = &s->spec->pops[pop];
    offsets[0] = 0;
    for (int64_t j = 0; j < n; j++) {
        int64_t k = ax_api_local_index(s, pop, ids[j]);
        AX_CHECK(k >= 0, &s->err, AX_EINPUT, "source %lld of population %s is not on rank %d",
                 (long long)ids[j], ps->name, s->rank);
        const double *src = p->t_off ? p->t_ms + p->t_off[k]
                          : ps->times ? ps->times + ps->times_off[ids[j]] : NULL;
        int64_t c = p->t_off ? p->t_off[k + 1] - p->t_off[k]
                  : ps->times_off ? ps->times_off[ids[j] + 1] - ps->times_off[ids[j]] : 0;
        if (times && c) memcpy(times + offsets[j], src, (size_t)c * sizeof *times);
        offsets[j + 1] = offsets[j] + c;
    }
    return AX_OK;
}

/* ---- projections -------------------------------------------------------------- */

static ax_status delay_dist_ok(ax_sim *s, const ax_dist *d)
{
    double h = s->spec->sim.resolution;
    if (d->kind == AX_DIST_CONST) {
        int64_t k = ax_delay_steps(d->value, h);
        AX_CHECK(k >= 1, &s->err, AX_EINPUT, "delay %.17g ms must be a multiple of the time step "
                 "%g ms and >= one step", d->value, h);
        return AX_OK;
    }
    double lo = d->kind == AX_DIST_NORMAL ? -INFINITY : d->low;
    AX_CHECK(lo >= h * (1 - 1e-9), &s->err, AX_EINPUT,
             "a delay distribution must be bounded below by the time step %g ms (uniform low or "
             "normal_clipped low >= %g)", h, h);
    AX_CHECK(isfinite(d->kind == AX_DIST_UNIFORM ? d->high : d->high), &s->err, AX_EINPUT,
             "a delay distribution must be bounded above (uniform high or normal_clipped high)");
    return AX_OK;
}

/* Append a projection to the spec (and its side record). */
static ax_status add_proj(ax_sim *s, const ax_proj_spec *p, int *proj)
{
    ax_spec *sp = s->spec;
    AX_CHECK(sp->n_proj < (1 << 24), &s->err, AX_EINPUT, "at most 2^24 projections");
    sim_proj *sx = realloc(s->proj, (size_t)(sp->n_proj + 1) * sizeof *sx);
    AX_CHECK_ALLOC(sx, &s->err, "projections");
    s->proj = sx;
    sx[sp->n_proj] = (sim_proj){0};
    ax_proj_spec *x = realloc(sp->proj, (size_t)(sp->n_proj + 1) * sizeof *x);
    AX_CHECK_ALLOC(x, &s->err, "projections");
    sp->proj = x;
    x[sp->n_proj] = *p;
    *proj = sp->n_proj++;
    ax_api_drop_engine(s);
    return AX_OK;
}

/* stdp_synapse (syn 3: {tau_plus, lambda, alpha, mu_plus, mu_minus, Wmax,
 * Kplus}) or stdp_pl_synapse_hom (syn 4: {tau_plus, lambda, alpha, mu,
 * Kplus}), checked as the spec loader checks them (io/spec/spec_net.c,
 * docs/plasticity.md): the target keeps a spike history, NEST's time base,
 * the parameters' ranges. The weights are checked with the receptor's sign
 * (weight_signs). */
static ax_status stdp_common(ax_sim *s, int tgt, int syn, const double *q, ax_proj_spec *p)
{
    ax_stdp_kind kind = syn == 3 ? AX_STDP_PAIR : AX_STDP_PL_HOM;
    const char *name = ax_stdp_name(kind);
    const ax_model_ops *m = model_of(s, tgt);
    AX_CHECK(q, &s->err, AX_EINPUT, "%s needs its parameters", name);
    AX_CHECK(ax_model_param_index(m, "tau_minus") >= 0, &s->err, AX_EINPUT,
             "%s onto %s: model %s keeps no postsynaptic spike history (it has no tau_minus), so "
             "it cannot be the target of a plastic synapse", name, s->spec->pops[tgt].name, m->name);
    ax_stdp_time tb;
    ax_error tmp;
    AX_CHECK(ax_stdp_time_init(&tb, s->spec->sim.resolution, &tmp) == AX_OK, &s->err, AX_EINPUT,
             "%s", tmp.msg);
    ax_stdp_params *a = &p->stdp;
    *a = ax_stdp_defaults(kind);
    a->tau_plus = q[0], a->lambda = q[1], a->alpha = q[2], a->mu_plus = q[3];
    if (kind == AX_STDP_PAIR) a->mu_minus = q[4], a->Wmax = q[5], a->Kplus = q[6];
    else a->mu_minus = q[3], a->Kplus = q[4];
    for (int i = 0; i < (kind == AX_STDP_PAIR ? 7 : 5); i++)
        AX_CHECK(isfinite(q[i]), &s->err, AX_EINPUT, "%s: parameter %d (%g) must be finite", name,
                 i, q[i]);
    AX_CHECK(a->tau_plus > 0, &s->err, AX_EINPUT, "%s tau_plus = %g must be > 0 (a time constant)",
             name, a->tau_plus);
    AX_CHECK(a->Kplus >= 0, &s->err, AX_EINPUT, "%s Kplus = %g must be >= 0 (NEST: \"Kplus must "
             "be non-negative\")", name, a->Kplus);
    AX_CHECK(kind != AX_STDP_PAIR || a->Wmax != 0, &s->err, AX_EINPUT,
             "stdp_synapse Wmax must not be 0 (the rule divides by it)");
    a->tau_plus_inv = 1. / a->tau_plus; /* as NEST's STDPPLHomCommonProperties */
    p->syn_model = AX_SYN_STDP;
    return AX_OK;
}

/* The initial weights [lo, hi] of a plastic projection: what the rule can
 * start from (io/spec/spec_net.c check_stdp: same sign as Wmax and within
 * it; stdp_pl_synapse_hom >= 0; bounded). */
static ax_status stdp_weights_ok(ax_sim *s, const ax_proj_spec *p, double lo, double hi)
{
    if (p->syn_model != AX_SYN_STDP) return AX_OK;
    const char *name = ax_stdp_name(p->stdp.kind);
    AX_CHECK(isfinite(lo) && isfinite(hi), &s->err, AX_EINPUT, "the initial weights of a %s "
             "projection must be bounded (the rule needs them inside its range); use uniform or "
             "normal_clipped with low and high", name);
    if (p->stdp.kind == AX_STDP_PL_HOM) {
        AX_CHECK(lo >= 0, &s->err, AX_EINPUT, "stdp_pl_synapse_hom weights must be >= 0 (the "
                 "weight can be %g; the power law w^mu has no value for w < 0)", lo);
        return AX_OK;
    }
    double W = p->stdp.Wmax;
    int sw = W >= 0 ? 1 : -1;
    AX_CHECK((lo >= 0 ? 1 : -1) == sw && (hi >= 0 ? 1 : -1) == sw, &s->err, AX_EINPUT,
             "stdp_synapse: the weight (can be %g .. %g) and Wmax = %g must have the same sign "
             "(NEST: \"Weight and Wmax must have same sign.\")", lo, hi, W);
    AX_CHECK(sw > 0 ? hi <= W : lo >= W, &s->err, AX_EINPUT, "stdp_synapse: the initial weight "
             "can be %g, beyond Wmax = %g; axon refuses it (NEST accepts it and clamps the weight "
             "to Wmax at the first potentiation): raise Wmax or lower the weight",
             sw > 0 ? hi : lo, W);
    return AX_OK;
}

/* Projection fields common to rules and lists, checked. */
static ax_status proj_common(ax_sim *s, int src, int tgt, int receptor, int syn,
                             const double *syn_par, ax_proj_spec *p)
{
    AX_CHECK(ax_api_at_zero(s), &s->err, AX_ENOTIMPL,
             "projections can only be created at t = 0 (before the first run or after reset())");
    AX_TRY(ax_api_check_pop(s, src));
    AX_TRY(ax_api_check_pop(s, tgt));
    const ax_model_ops *m = model_of(s, tgt);
    AX_CHECK(!ax_model_is_source(m), &s->err, AX_EINPUT, "population %s is a spike source (%s) and "
             "takes no input; connect from it, not to it", s->spec->pops[tgt].name, m->name);
    AX_CHECK(receptor >= 0 && receptor <= 2, &s->err, AX_EINPUT, "unknown receptor %d", receptor);
    AX_CHECK(receptor == 0 || m->n_receptors == 2 || receptor == 1, &s->err, AX_EINPUT,
             "model %s has one input port; it has no inhibitory receptor (give inhibitory "
             "weights as negative numbers)", m->name);
    *p = (ax_proj_spec){.src = src, .tgt = tgt, .receptor = (ax_receptor)receptor,
                        .allow_autapses = 1, .allow_multapses = 1};
    if (syn == 1 || syn == 2) { /* tsodyks2_synapse, tsodyks_synapse (NEST's) */
        AX_CHECK(syn_par, &s->err, AX_EINPUT, "short-term plasticity needs its parameters "
                 "{U, u, x, tau_rec, tau_fac%s}", syn == 2 ? ", y, tau_psc" : "");
        p->syn_model = syn == 1 ? AX_SYN_TSODYKS2 : AX_SYN_TSODYKS;
        p->tso = (ax_tso){.U = syn_par[0], .u = syn_par[1], .x = syn_par[2],
                          .tau_rec = syn_par[3], .tau_fac = syn_par[4],
                          .y = syn == 2 ? syn_par[5] : 0.0, .tau_psc = syn == 2 ? syn_par[6] : 0.0};
        const ax_tso *t = &p->tso;
        AX_CHECK(t->U > 0 && t->U <= 1 && t->u >= 0 && t->u <= 1 && t->x >= 0 && t->x <= 1 &&
                     t->tau_rec > 0 && t->tau_fac >= 0,
                 &s->err, AX_EINPUT, "short-term plasticity parameters out of range: U in (0, 1], u "
                 "and x in [0, 1], tau_rec > 0, tau_fac >= 0 (got U %g, u %g, x %g, tau_rec %g, "
                 "tau_fac %g)", t->U, t->u, t->x, t->tau_rec, t->tau_fac);
        if (syn == 2)
            AX_CHECK(t->y >= 0 && t->x + t->y <= 1 && t->tau_psc > 0 && t->tau_psc != t->tau_rec,
                     &s->err, AX_EINPUT, "tsodyks_synapse: y >= 0, x + y <= 1, tau_psc > 0 and "
                     "tau_psc != tau_rec (got y %g, x %g, tau_psc %g, tau_rec %g)", t->y, t->x,
                     t->tau_psc, t->tau_rec);
    } else if (syn == 3 || syn == 4) {
        AX_TRY(stdp_common(s, tgt, syn, syn_par, p));
    } else {
        AX_CHECK(syn == 0, &s->err, AX_EINPUT, "unknown synapse model %d (0 static, 1 tsodyks2, "
                 "2 tsodyks, 3 stdp_synapse, 4 stdp_pl_synapse_hom)", syn);
    }
    return AX_OK;
}

/* Weights [lo, hi] against the receptor's sign (NEST: a port keeps its sign). */
static ax_status weight_signs(ax_sim *s, const ax_proj_spec *p, double lo, double hi)
{
    AX_TRY(stdp_weights_ok(s, p, lo, hi));
    const ax_model_ops *m = model_of(s, p->tgt);
    if (m->n_receptors < 2 || p->receptor == AX_RECEPTOR_AUTO) return AX_OK;
    int exc = p->receptor == AX_RECEPTOR_EXCITATORY;
    AX_CHECK(exc ? lo >= 0 : hi <= 0, &s->err, AX_EINPUT,
             "%s weights must be %s for the %s receptor of %s (conductances and currents "
             "keep their sign per port, as in NEST; got %g .. %g)",
             exc ? "excitatory" : "inhibitory", exc ? ">= 0" : "<= 0",
             exc ? "excitatory" : "inhibitory", m->name, lo, hi);
    return AX_OK;
}

static ax_status proj_rule(ax_sim *s, int src, int tgt, int rule, double number,
                           int allow_autapses, int allow_multapses, int receptor, int syn,
                           const double *syn_par, int w_kind, const double *w_par, int d_kind,
                           const double *d_par, int *proj)
{
    ax_proj_spec p;
    AX_TRY(proj_common(s, src, tgt, receptor, syn, syn_par, &p));
    AX_CHECK(rule >= 0 && rule <= AX_RULE_PAIRWISE_BERNOULLI, &s->err, AX_EINPUT,
             "unknown connection rule %d", rule);
    p.rule = (ax_rule)rule;
    p.allow_autapses = !!allow_autapses;
    p.allow_multapses = !!allow_multapses;
    if (rule == AX_RULE_PAIRWISE_BERNOULLI) {
        AX_CHECK(number >= 0 && number <= 1, &s->err, AX_EINPUT,
                 "connection probability %g must be in [0, 1]", number);
        p.p = number;
    } else if (rule >= AX_RULE_FIXED_INDEGREE) {
        AX_CHECK(number >= 0 && number == floor(number) && number < 9e15, &s->err, AX_EINPUT,
                 "the number of connections must be a whole number >= 0 (got %g)", number);
        p.k = (int64_t)number;
    }
    AX_TRY(ax_api_dist(s, w_kind, w_par, "weight", &p.weight));
    AX_TRY(ax_api_dist(s, d_kind, d_par, "delay", &p.delay));
    AX_TRY(delay_dist_ok(s, &p.delay));
    double lo = p.weight.kind == AX_DIST_CONST ? p.weight.value
              : p.weight.kind == AX_DIST_NORMAL ? -INFINITY : p.weight.low;
    double hi = p.weight.kind == AX_DIST_CONST ? p.weight.value
              : p.weight.kind == AX_DIST_NORMAL ? INFINITY : p.weight.high;
    AX_TRY(weight_signs(s, &p, lo, hi));
    return add_proj(s, &p, proj);
}

int ax_sim_proj_rule(ax_sim *s, int src, int tgt, int rule, double number, int allow_autapses,
                     int allow_multapses, int receptor, int syn, const double *syn_par,
                     int w_kind, const double *w_par, int d_kind, const double *d_par, int *proj)
{
    *proj = -1;
    return ax_api_agree(s, proj_rule(s, src, tgt, rule, number, allow_autapses, allow_multapses,
                                     receptor, syn, syn_par, w_kind, w_par, d_kind, d_par, proj));
}

int ax_sim_proj_count(const ax_sim *s)
{
    return s->spec->n_proj;
}

/* This rank's synapses of a projection, as the engine builds them. */
typedef struct {
    int64_t n, room, s_first, t_first;
    int64_t *src, *tgt;
    double *w, *d;
    double h;
    int plastic; /* STDP synapses keep double weights */
} syn_ctx;

static ax_status syn_sink(void *ctx, int64_t src, int64_t tgt, double w, int32_t d, int r,
                          ax_error *err)
{
    (void)r; (void)err;
    syn_ctx *c = ctx;
    if (c->n < c->room) {
        if (c->src) c->src[c->n] = src - c->s_first;
        if (c->tgt) c->tgt[c->n] = tgt - c->t_first;
        if (c->w) c->w[c->n] = c->plastic ? w : (double)(float)w; /* as the synapse stores it */
        if (c->d) c->d[c->n] = d * c->h;
    }
    c->n++;
    return AX_OK;
}

static ax_status proj_walk(ax_sim *s, int proj, syn_ctx *c)
{
    AX_CHECK(proj >= 0 && proj < s->spec->n_proj, &s->err, AX_EINPUT, "no projection %d", proj);
    const ax_proj_spec *p = &s->spec->proj[proj];
    c->s_first = s->spec->pops[p->src].first_gid;
    c->t_first = s->spec->pops[p->tgt].first_gid;
    c->h = s->spec->sim.resolution;
    c->plastic = p->syn_model == AX_SYN_STDP;
    ax_partition part;
    ax_partition_init(&part, s->size, s->threads, s->rank, s->spec->n_total);
    int nr = model_of(s, p->tgt)->n_receptors;
    for (int t = 0; t < s->threads; t++)
        AX_TRY(ax_connect_projection(s->spec, proj, &part, ax_part_vp_of(&part, s->rank, t), nr,
                                     syn_sink, c, &s->err));
    return AX_OK;
}

int ax_sim_proj_count_local(ax_sim *s, int proj, int64_t *n)
{
    if (proj >= 0 && proj < s->spec->n_proj && s->proj[proj].dirty) {
        *n = s->proj[proj].n;
        return AX_OK;
    }
    syn_ctx c = {0};
    ax_status st = proj_walk(s, proj, &c);
    *n = c.n;
    return st;
}

int ax_sim_proj_get_local(ax_sim *s, int proj, int64_t n, int64_t *src, int64_t *tgt,
                          double *weight, double *delay)
{
    if (proj >= 0 && proj < s->spec->n_proj && s->proj[proj].dirty) {
        const sim_proj *o = &s->proj[proj];
        const ax_proj_spec *p = &s->spec->proj[proj];
        AX_CHECK(o->n == n, &s->err, AX_EINPUT, "projection %d has %lld synapses here, not %lld",
                 proj, (long long)o->n, (long long)n);
        for (int64_t i = 0; i < n; i++) {
            if (src) src[i] = o->src[i];
            if (tgt) tgt[i] = o->tgt[i];
            if (weight) weight[i] = p->syn_model == AX_SYN_STDP ? o->w[i] : (double)(float)o->w[i];
            if (delay) delay[i] = o->d[i];
        }
        return AX_OK;
    }
    syn_ctx c = {.room = n, .src = src, .tgt = tgt, .w = weight, .d = delay};
    AX_TRY(proj_walk(s, proj, &c));
    AX_CHECK(c.n == n, &s->err, AX_EINPUT, "projection %d has %lld synapses here, not %lld", proj,
             (long long)c.n, (long long)n);
    /* plastic weights change as the network runs: the engine's, when it has them */
    if (weight && s->eng && s->spec->proj[proj].syn_model == AX_SYN_STDP)
        AX_TRY(ax_engine_stdp_weights(s->eng, proj, n, weight, &s->err));
    return AX_OK;
}

static ax_status proj_set_all(ax_sim *s, int proj, const char *attr, double value)
{
    AX_CHECK(proj >= 0 && proj < s->spec->n_proj, &s->err, AX_EINPUT, "no projection %d", proj);
    AX_CHECK(ax_api_at_zero(s), &s->err, AX_ENOTIMPL,
             "synaptic weights and delays can change only at t = 0 (before the first run or "
             "after reset()) in this version");
    ax_proj_spec *p = &s->spec->proj[proj];
    ax_dist d = {.kind = AX_DIST_CONST, .value = value, .low = -INFINITY, .high = INFINITY};
    if (!strcmp(attr, "weight")) {
        AX_CHECK(isfinite(value), &s->err, AX_EINPUT, "weight %g must be finite", value);
        AX_TRY(weight_signs(s, p, value, value));
        if (p->rule == AX_RULE_FROM_LIST) {
            free(p->list_w);
            p->list_w = NULL;
        }
        p->weight = d;
    } else if (!strcmp(attr, "delay")) {
        AX_TRY(delay_dist_ok(s, &d));
        if (p->rule == AX_RULE_FROM_LIST) {
            free(p->list_d);
            p->list_d = NULL;
        }
        p->delay = d;
    } else {
        return AX_FAIL(&s->err, AX_EINPUT, "projection attribute '%s': weight or delay", attr);
    }
    ax_api_proj_free(&s->proj[proj]); /* one value for all: per-synapse edits are gone */
    ax_api_drop_engine(s);
    return AX_OK;
}

int ax_sim_proj_set_all(ax_sim *s, int proj, const char *attr, double value)
{
    return ax_api_agree(s, proj_set_all(s, proj, attr, value));
}

/* ---- explicit connections ---------------------------------------------------- */

/* Gather every rank's n values of type (MPI) dt into a new array *out (rank order). */
static ax_status gather(ax_sim *s, const void *mine, int64_t n, MPI_Datatype dt, size_t size,
                        void **out, int64_t *total)
{
    int *cnt = calloc((size_t)s->size, sizeof *cnt), *dis = calloc((size_t)s->size, sizeof *dis);
    int c = (int)n;
    ax_status st = cnt && dis && n < INT32_MAX ? AX_OK
                 : AX_FAIL(&s->err, AX_ENOMEM, "out of memory gathering connections");
    MPI_Allgather(&c, 1, MPI_INT, cnt, 1, MPI_INT, s->comm);
    int64_t t = 0;
    for (int r = 0; r < s->size; r++) {
        dis[r] = (int)t;
        t += cnt[r];
    }
    void *all = malloc((size_t)(t ? t : 1) * size);
    if (!all || t > INT32_MAX) st = AX_FAIL(&s->err, AX_ENOMEM, "too many connections to gather");
    if (st == AX_OK) MPI_Allgatherv(mine, c, dt, all, cnt, dis, dt, s->comm);
    free(cnt);
    free(dis);
    if (st != AX_OK) {
        free(all);
        return st;
    }
    *out = all;
    *total = t;
    return AX_OK;
}

ax_status ax_api_proj_set_list(ax_sim *s, int k, int64_t n, const int64_t *pre,
                               const int64_t *post, const double *w, const double *d)
{
    ax_proj_spec *p = &s->spec->proj[k];
    int64_t ns = s->spec->pops[p->src].n, nt = s->spec->pops[p->tgt].n;
    double h = s->spec->sim.resolution;
    ax_status st = AX_OK;
    for (int64_t i = 0; st == AX_OK && i < n; i++) {
        if (pre[i] < 0 || pre[i] >= ns || post[i] < 0 || post[i] >= nt)
            st = AX_FAIL(&s->err, AX_EINPUT, "connection %lld -> %lld is outside %s (0..%lld) -> "
                         "%s (0..%lld)", (long long)pre[i], (long long)post[i],
                         s->spec->pops[p->src].name, (long long)(ns - 1),
                         s->spec->pops[p->tgt].name, (long long)(nt - 1));
        else if (!isfinite(w[i]))
            st = AX_FAIL(&s->err, AX_EINPUT, "connection %lld -> %lld: weight %g must be finite",
                         (long long)pre[i], (long long)post[i], w[i]);
        else if (ax_delay_steps(d[i], h) < 1)
            st = AX_FAIL(&s->err, AX_EINPUT, "connection %lld -> %lld: delay %.17g ms must be a "
                         "multiple of the time step %g ms and >= it", (long long)pre[i],
                         (long long)post[i], d[i], h);
        else if (ax_api_local_index(s, p->tgt, post[i]) < 0)
            st = AX_FAIL(&s->err, AX_EINTERNAL, "connection to neuron %lld of %s given on rank %d, "
                         "which does not own it", (long long)post[i], s->spec->pops[p->tgt].name,
                         s->rank);
    }
    st = ax_api_agree(s, st);
    if (st != AX_OK) return st;
    /* every rank's connections, as (target, source, weight, delay) rows in
     * rank order; each target lives on one rank, so sorting by target
     * stably keeps each target's connections in the order PyNN made them */
    double *mine = malloc((size_t)(4 * (n ? n : 1)) * sizeof *mine), *all = NULL;
    int64_t total = 0;
    if (!mine) st = AX_FAIL(&s->err, AX_ENOMEM, "out of memory for connections");
    for (int64_t i = 0; mine && i < n; i++) {
        mine[4 * i] = (double)post[i];
        mine[4 * i + 1] = (double)pre[i];
        mine[4 * i + 2] = w[i];
        mine[4 * i + 3] = d[i];
    }
    st = ax_api_agree(s, st);
    if (st == AX_OK) st = ax_api_agree(s, gather(s, mine, 4 * n, MPI_DOUBLE, sizeof(double),
                                                 (void **)&all, &total));
    free(mine);
    if (st != AX_OK) return st;
    total /= 4;
    int64_t *off = calloc((size_t)nt + 1, sizeof *off), *src = malloc((size_t)(total ? total : 1) * 8);
    double *lw = malloc((size_t)(total ? total : 1) * sizeof *lw);
    double *ld = malloc((size_t)(total ? total : 1) * sizeof *ld);
    int64_t *pos = malloc((size_t)(nt + 1) * sizeof *pos);
    if (!off || !src || !lw || !ld || !pos) {
        free(off), free(src), free(lw), free(ld), free(pos), free(all);
        return ax_api_agree(s, AX_FAIL(&s->err, AX_ENOMEM, "out of memory for %lld connections",
                                       (long long)total));
    }
    for (int64_t i = 0; i < total; i++) off[(int64_t)all[4 * i] + 1]++;
    for (int64_t t = 0; t < nt; t++) off[t + 1] += off[t];
    if (nt) memcpy(pos, off, (size_t)nt * sizeof *pos);
    double wlo = total ? all[2] : 0, whi = wlo, dlo = total ? all[3] : h, dhi = dlo;
    for (int64_t i = 0; i < total; i++) {
        int64_t q = pos[(int64_t)all[4 * i]]++;
        src[q] = (int64_t)all[4 * i + 1];
        lw[q] = all[4 * i + 2];
        ld[q] = all[4 * i + 3];
        wlo = fmin(wlo, lw[q]), whi = fmax(whi, lw[q]);
        dlo = fmin(dlo, ld[q]), dhi = fmax(dhi, ld[q]);
    }
    free(pos);
    free(all);
    free(p->list_off), free(p->list_src), free(p->list_w), free(p->list_d);
    ax_proj_set_list(p, total, off, src, lw, wlo, whi);
    p->allow_autapses = p->allow_multapses = 1;
    p->list_d = ld;
    /* the delays' range stands in for the delay distribution (delay range),
     * never drawn (spec.h) */
    p->delay = (ax_dist){.kind = AX_DIST_UNIFORM, .low = dlo, .high = dhi, .mean = dlo};
    return ax_api_agree(s, weight_signs(s, p, wlo, whi));
}

int ax_sim_proj_list(ax_sim *s, int src, int tgt, int receptor, int syn, const double *syn_par,
                     int64_t n, const int64_t *pre, const int64_t *post, const double *w,
                     const double *d, int *proj)
{
    *proj = -1;
    ax_proj_spec p;
    ax_status st = ax_api_agree(s, proj_common(s, src, tgt, receptor, syn, syn_par, &p));
    if (st != AX_OK) return st;
    p.rule = AX_RULE_FROM_LIST;
    p.weight = p.delay = (ax_dist){.kind = AX_DIST_CONST, .value = s->spec->sim.resolution};
    int k = -1;
    st = ax_api_agree(s, add_proj(s, &p, &k));
    if (st != AX_OK) return st;
    st = ax_api_proj_set_list(s, k, n, pre, post, w, d);
    if (st != AX_OK) { /* leave no half-made projection behind */
        ax_proj_spec *q = &s->spec->proj[--s->spec->n_proj];
        free(q->list_off), free(q->list_src), free(q->list_w), free(q->list_d);
        return st;
    }
    *proj = k;
    return AX_OK;
}

int ax_sim_proj_set_local(ax_sim *s, int proj, const char *attr, int64_t n, const int64_t *syn,
                          const double *values)
{
    AX_CHECK(proj >= 0 && proj < s->spec->n_proj, &s->err, AX_EINPUT, "no projection %d", proj);
    AX_CHECK(ax_api_at_zero(s), &s->err, AX_ENOTIMPL,
             "synaptic weights and delays can change only at t = 0 (before the first run or "
             "after reset()) in this version");
    int which = !strcmp(attr, "weight") ? 0 : !strcmp(attr, "delay") ? 1 : -1;
    AX_CHECK(which >= 0, &s->err, AX_EINPUT, "projection attribute '%s': weight or delay", attr);
    sim_proj *o = &s->proj[proj];
    if (!o->dirty) { /* take this rank's synapses as they are */
        int64_t m = 0;
        AX_TRY(ax_sim_proj_count_local(s, proj, &m));
        ax_api_proj_free(o);
        o->src = malloc((size_t)(m ? m : 1) * sizeof *o->src);
        o->tgt = malloc((size_t)(m ? m : 1) * sizeof *o->tgt);
        o->w = malloc((size_t)(m ? m : 1) * sizeof *o->w);
        o->d = malloc((size_t)(m ? m : 1) * sizeof *o->d);
        AX_CHECK(o->src && o->tgt && o->w && o->d, &s->err, AX_ENOMEM, "out of memory for synapses");
        syn_ctx c = {.room = m, .src = o->src, .tgt = o->tgt, .w = o->w, .d = o->d};
        AX_TRY(proj_walk(s, proj, &c));
        o->n = m;
        o->dirty = 1;
    }
    double h = s->spec->sim.resolution;
    const ax_proj_spec *p = &s->spec->proj[proj];
    for (int64_t i = 0; i < n; i++) {
        AX_CHECK(syn[i] >= 0 && syn[i] < o->n, &s->err, AX_EINPUT,
                 "synapse %lld: this rank has %lld of projection %d", (long long)syn[i],
                 (long long)o->n, proj);
        if (which == 1)
            AX_CHECK(ax_delay_steps(values[i], h) >= 1, &s->err, AX_EINPUT,
                     "delay %.17g ms must be a multiple of the time step %g ms and >= it",
                     values[i], h);
        else
            AX_TRY(weight_signs(s, p, values[i], values[i]));
    }
    for (int64_t i = 0; i < n; i++) (which ? o->d : o->w)[syn[i]] = values[i];
    return AX_OK;
}

/* ---- current sources ---------------------------------------------------------- */

static ax_status check_schedule(ax_sim *s, int64_t n, const double *times, const double *amps)
{
    double h = s->spec->sim.resolution;
    AX_CHECK(n >= 0, &s->err, AX_EINPUT, "a current schedule needs >= 0 entries");
    for (int64_t k = 0; k < n; k++) {
        AX_CHECK(times[k] >= 0 && ax_delay_steps(times[k], h) >= 0, &s->err, AX_EINPUT,
                 "current source time %.17g ms must be >= 0 and a multiple of the time step %g ms",
                 times[k], h);
        AX_CHECK(k == 0 || times[k] > times[k - 1], &s->err, AX_EINPUT,
                 "current source times must increase (%g ms after %g ms)", times[k],
                 k ? times[k - 1] : 0.0);
        AX_CHECK(isfinite(amps[k]), &s->err, AX_EINPUT, "current amplitude %g must be finite",
                 amps[k]);
    }
    return AX_OK;
}

static ax_status schedule_copy(ax_sim *s, sim_src *c, int64_t n, const double *times,
                               const double *amps)
{
    double *t = malloc((size_t)(n > 0 ? n : 1) * sizeof *t);
    double *a = malloc((size_t)(n > 0 ? n : 1) * sizeof *a);
    if (!t || !a) {
        free(t);
        free(a);
        return AX_FAIL(&s->err, AX_ENOMEM, "out of memory for a current schedule");
    }
    if (n > 0) { /* an empty schedule may come as NULL arrays */
        memcpy(t, times, (size_t)n * sizeof *t);
        memcpy(a, amps, (size_t)n * sizeof *a);
    }
    free(c->times);
    free(c->amps);
    c->times = t;
    c->amps = a;
    c->n = n;
    return AX_OK;
}

static ax_status current_create(ax_sim *s, int64_t n, const double *times, const double *amps,
                                int *src)
{
    AX_TRY(check_schedule(s, n, times, amps));
    sim_src *x = realloc(s->src, (size_t)(s->n_src + 1) * sizeof *x);
    AX_CHECK_ALLOC(x, &s->err, "current sources");
    s->src = x;
    x[s->n_src] = (sim_src){0};
    AX_TRY(schedule_copy(s, &x[s->n_src], n, times, amps));
    *src = s->n_src++;
    return AX_OK;
}

int ax_sim_current_create(ax_sim *s, int64_t n, const double *times, const double *amps,
                          int *src)
{
    *src = -1;
    return ax_api_agree(s, current_create(s, n, times, amps, src));
}

static ax_status current_set(ax_sim *s, int src, int64_t n, const double *times,
                             const double *amps)
{
    AX_CHECK(src >= 0 && src < s->n_src, &s->err, AX_EINPUT, "no current source %d", src);
    AX_TRY(check_schedule(s, n, times, amps));
    AX_TRY(schedule_copy(s, &s->src[src], n, times, amps));
    return s->src[src].n_tgt ? ax_api_sync_devices(s) : AX_OK;
}

int ax_sim_current_set(ax_sim *s, int src, int64_t n, const double *times, const double *amps)
{
    return ax_api_agree(s, current_set(s, src, n, times, amps));
}

static ax_status current_inject(ax_sim *s, int src, int pop, int64_t n, const int64_t *ids)
{
    AX_CHECK(src >= 0 && src < s->n_src, &s->err, AX_EINPUT, "no current source %d", src);
    AX_TRY(ax_api_check_pop(s, pop));
    const ax_pop_spec *ps = &s->spec->pops[pop];
    for (int64_t k = 0; k < n; k++)
        AX_CHECK(ids[k] >= 0 && ids[k] < ps->n, &s->err, AX_EINPUT,
                 "neuron %lld is not in population %s (0..%lld)", (long long)ids[k], ps->name,
                 (long long)(ps->n - 1));
    sim_src *c = &s->src[src];
    int *tp = realloc(c->tgt_pop, (size_t)(c->n_tgt + n + 1) * sizeof *tp);
    if (tp) c->tgt_pop = tp;
    int64_t *ti = realloc(c->tgt_id, (size_t)(c->n_tgt + n + 1) * sizeof *ti);
    if (ti) c->tgt_id = ti;
    AX_CHECK(tp && ti, &s->err, AX_ENOMEM, "out of memory for current targets");
    for (int64_t k = 0; k < n; k++) {
        tp[c->n_tgt] = pop;
        ti[c->n_tgt++] = ids[k];
    }
    return ax_api_sync_devices(s);
}

int ax_sim_current_inject(ax_sim *s, int src, int pop, int64_t n, const int64_t *ids)
{
    return ax_api_agree(s, current_inject(s, src, pop, n, ids));
}
