/* spec_parse.c - ax_spec_load/parse/destroy: the top level of a spec, its
 * `simulation` section and its `populations`.
 *
 * Order matters and is fixed: simulation first (the resolution is needed to
 * check every delay and time), then populations (projections and devices
 * refer to them), then projections (spec_net.c), then devices (spec_net.c),
 * then the memory guard. A spec is returned only when all of it is valid
 * (DESIGN.md §2.1); on any error *out stays NULL and nothing leaks.
 */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "axon/free_all.h"
#include "spec_impl.h"

static const char *const top_keys[] = {"simulation", "populations", "projections", "devices",
                                       NULL};
static const char *const sim_keys[] = {"resolution", "t_sim", "seed", "threads", "output",
                                       "flush_interval", NULL};
static const char *const pop_keys[] = {"model", "n", "params", "initial", NULL};

/* The output's directory must exist and be writable; the output itself must
 * not be a directory. Checked here so a run never simulates for hours and
 * then fails to write. */
static ax_status check_output(ax_sctx *c, const ax_yn *n, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return ax_spec_fail(c, n, "output '%s' is a directory; give a file name such as "
                                  "'%s/out.h5'", path, path);
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    const char *dir = dirname(copy);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return ax_spec_fail(c, n, "output directory '%s' does not exist; create it "
                                  "(mkdir -p %s) or change 'output'", dir, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return ax_spec_fail(c, n, "output directory '%s' is not writable (%s); choose "
                                  "another 'output'", dir, strerror(errno));
    return AX_OK;
}

static ax_status parse_sim(ax_sctx *c, const ax_yn *n)
{
    ax_sim_spec *s = &c->spec->sim;
    *s = (ax_sim_spec){.resolution = 0.1, .seed = 12345, .flush_interval = 500.0};
    if (!n) return ax_spec_fail(c, NULL, "missing required section 'simulation' (at least "
                                         "'simulation: {t_sim: <ms>}')");
    AX_TRY(ax_spec_need_map(c, n, "simulation"));
    AX_TRY(ax_spec_keys(c, n, "simulation", sim_keys));
    ax_yn *v;
    if ((v = ax_yn_get(n, "resolution"))) {
        AX_TRY(ax_spec_number(c, v, "simulation.resolution", 0, &s->resolution));
        if (!(s->resolution > 0))
            return ax_spec_fail(c, v, "simulation.resolution must be > 0 ms (got %g); "
                                      "0.1 is NEST's default", s->resolution);
    }
    if (!(v = ax_yn_get(n, "t_sim")))
        return ax_spec_fail(c, n, "simulation: missing required key 't_sim' (simulated "
                                  "time in ms)");
    AX_TRY(ax_spec_number(c, v, "simulation.t_sim", 0, &s->t_sim));
    if (s->t_sim < 0)
        return ax_spec_fail(c, v, "simulation.t_sim must be >= 0 ms (got %g)", s->t_sim);
    AX_TRY(ax_spec_on_grid(c, v, "simulation.t_sim", s->t_sim, s->resolution, NULL));
    AX_TRY(ax_spec_steps(c, v, "simulation.t_sim", s->t_sim, s->resolution, NULL));
    int64_t i;
    if ((v = ax_yn_get(n, "seed"))) {
        AX_TRY(ax_spec_int(c, v, "simulation.seed", 0, &i));
        s->seed = (uint64_t)i;
    }
    if ((v = ax_yn_get(n, "threads"))) {
        AX_TRY(ax_spec_int(c, v, "simulation.threads", 0, &i));
        if (i > 4096) return ax_spec_fail(c, v, "simulation.threads must be <= 4096");
        s->threads = (int)i;
    }
    if ((v = ax_yn_get(n, "flush_interval"))) {
        AX_TRY(ax_spec_number(c, v, "simulation.flush_interval", 0, &s->flush_interval));
        if (!(s->flush_interval > 0))
            return ax_spec_fail(c, v, "simulation.flush_interval must be > 0 ms (got %g)",
                                s->flush_interval);
        AX_TRY(ax_spec_steps(c, v, "simulation.flush_interval", s->flush_interval,
                             s->resolution, NULL));
    }
    if ((v = ax_yn_get(n, "output"))) {
        AX_TRY(ax_spec_string(c, v, "simulation.output", s->output, sizeof s->output));
        AX_TRY(check_output(c, v, s->output));
    }
    return AX_OK;
}

/* One parameter value by its kind (REAL, BOOL, CHOICE). */
static ax_status param_value(ax_sctx *c, const ax_yn *v, const ax_param_desc *d,
                             const char *what, double *out)
{
    if (d->kind == AX_PARAM_BOOL) {
        int b;
        AX_TRY(ax_spec_bool(c, v, what, &b));
        *out = b;
        return AX_OK;
    }
    if (d->kind == AX_PARAM_REAL) return ax_spec_number(c, v, what, d->allow_inf, out);
    char s[64];
    AX_TRY(ax_spec_string(c, v, what, s, sizeof s));
    const char *p = d->choices;
    for (int idx = 0; p && *p; idx++) {
        size_t len = strcspn(p, "|");
        if (len == strlen(s) && !strncmp(p, s, len)) {
            *out = idx;
            return AX_OK;
        }
        p += len + (p[len] == '|');
    }
    return ax_spec_fail(c, v, "%s: unknown choice '%s'; allowed: %s", what, s,
                        d->choices ? d->choices : "(none)");
}

static void param_list(const ax_model_ops *m, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 0; i < m->n_params; i++) {
        if (i) strncat(buf, ", ", size - strlen(buf) - 1);
        strncat(buf, m->params[i].name, size - strlen(buf) - 1);
    }
}

/* The value the model's message is about: of the given parameters, the one
 * named first in msg ("V_reset must be < V_th" blames V_reset); else the
 * params mapping itself. */
static const ax_yn *blamed_value(const ax_yn *params, const char *msg)
{
    const ax_yn *best = params;
    const char *best_at = NULL;
    for (int i = 0; i < params->n; i++) {
        const char *k = params->keys[i]->str;
        size_t len = strlen(k);
        for (const char *at = strstr(msg, k); at; at = strstr(at + 1, k)) {
            int word = (at == msg || at[-1] == ' ') && (at[len] == ' ' || at[len] == '\0');
            if (word && (!best_at || at < best_at)) {
                best_at = at;
                best = params->items[i];
            }
            if (word) break;
        }
    }
    return best;
}

/* A close parameter name for a typo: the registry's suggestion, else a
 * parameter that the name is a prefix of or that differs only in case. */
static const char *suggest(const ax_model_ops *m, const char *name)
{
    const char *near = ax_model_suggest_param(m, name);
    for (int i = 0; !near && i < m->n_params; i++) {
        const char *p = m->params[i].name;
        if (!strcasecmp(p, name) || (strlen(name) >= 2 && !strncmp(p, name, strlen(name))))
            near = p;
    }
    return near;
}

/* spike_times of a spike source: one list of times (every neuron replays
 * it) or n lists; ms, on the grid, >= h, non-decreasing (a repeat is that
 * many spikes in one step). Stored as the CSR times_off / times. */
static ax_status parse_times(ax_sctx *c, ax_pop_spec *p, const ax_yn *n)
{
    char what[128];
    snprintf(what, sizeof what, "%s.params.spike_times", p->name);
    AX_TRY(ax_spec_need_seq(c, n, what));
    int per_neuron = n->n > 0 && n->items[0]->kind == AX_YN_SEQ;
    if (per_neuron && n->n != p->n)
        return ax_spec_fail(c, n, "%s: %d lists for %lld neurons; give one list per neuron, or "
                                  "one list of times for all", what, n->n, (long long)p->n);
    p->times_off = calloc((size_t)p->n + 1, sizeof *p->times_off);
    AX_CHECK_ALLOC(p->times_off, c->err, "spike times");
    int64_t total = 0;
    for (int i = 0; per_neuron && i < n->n; i++) {
        AX_TRY(ax_spec_need_seq(c, n->items[i], what));
        total += n->items[i]->n;
    }
    if (!per_neuron) total = (int64_t)n->n * p->n;
    p->times = malloc((size_t)(total ? total : 1) * sizeof *p->times);
    AX_CHECK_ALLOC(p->times, c->err, "spike times");
    double h = c->spec->sim.resolution;
    int64_t k = 0;
    for (int64_t j = 0; j < p->n; j++) {
        const ax_yn *list = per_neuron ? n->items[j] : n;
        for (int i = 0; i < list->n; i++) {
            const ax_yn *v = list->items[i];
            double t;
            char w[200];
            if (per_neuron) snprintf(w, sizeof w, "%s[%lld][%d]", what, (long long)j, i);
            else snprintf(w, sizeof w, "%s[%d]", what, i);
            AX_TRY(ax_spec_number(c, v, w, 0, &t));
            if (t < h * (1 - 1e-9))
                return ax_spec_fail(c, v, "%s = %g ms; spike times must be >= the resolution %g ms "
                                          "(a spike is emitted in the step that ends at its time)",
                                    w, t, h);
            if (i > 0 && t < p->times[k - 1])
                return ax_spec_fail(c, v, "%s = %g ms comes before the previous time %g ms; spike "
                                          "times must be sorted", w, t, p->times[k - 1]);
            AX_TRY(ax_spec_on_grid(c, v, w, t, h, NULL));
            p->times[k++] = t;
        }
        p->times_off[j + 1] = k;
    }
    return AX_OK;
}

/* 1 if some parameter of p is given per neuron. */
static int pop_varies(const ax_pop_spec *p)
{
    for (int k = 0; k < p->n_params; k++)
        if (p->params[k].values) return 1;
    return 0;
}

/* The model's limits that depend on the resolution (check_h: refractory
 * step counts) for one parameter vector; the table bytes of an instance
 * go into the population (largest, and summed when per_neuron). The error
 * is placed at the parameter it names, else at `at`. */
static ax_status check_h(ax_sctx *c, ax_pop_spec *p, const ax_model_ops *m, const double *full,
                         const ax_yn *params, const ax_yn *at, int64_t neuron, int per_neuron)
{
    if (!m->check_h) return AX_OK;
    ax_error e;
    ax_error_clear(&e);
    double tb = 0;
    if (m->check_h(full, c->spec->sim.resolution, &tb, &e) != AX_OK) {
        char who[48] = "";
        if (neuron >= 0) snprintf(who, sizeof who, ", neuron %lld", (long long)neuron);
        return ax_spec_fail(c, params ? blamed_value(params, e.msg) : at, "population '%s'%s: %s",
                            p->name, who, e.msg);
    }
    if (tb > p->table_bytes) p->table_bytes = tb;
    if (per_neuron) p->table_sum += tb;
    return AX_OK;
}

/* The model's rules for every neuron when some parameters are given per
 * neuron (full[] holds the one-value parameters and neuron 0's). */
static ax_status validate_each(ax_sctx *c, ax_pop_spec *p, const ax_model_ops *m, double *full,
                               const ax_yn *params)
{
    int idx[256], nv = 0;
    for (int k = 0; k < p->n_params; k++)
        if (p->params[k].values) idx[nv++] = k;
    if (!nv) return AX_OK;
    for (int64_t i = 0; i < p->n; i++) {
        for (int q = 0; q < nv; q++)
            full[ax_model_param_index(m, p->params[idx[q]].name)] = p->params[idx[q]].values[i];
        ax_error e;
        ax_error_clear(&e);
        if (m->validate && m->validate(full, &e) != AX_OK)
            return ax_spec_fail(c, blamed_value(params, e.msg), "population '%s', neuron %lld: %s",
                                p->name, (long long)i, e.msg);
        AX_TRY(check_h(c, p, m, full, params, params, i, 1));
    }
    return AX_OK;
}

/* One number per neuron of p at n (a sequence): *values (owned by the
 * population), or "WHAT: L values for N neurons; give HOW". */
static ax_status per_neuron(ax_sctx *c, const ax_pop_spec *p, const ax_yn *n, const char *what,
                            int allow_inf, const char *how, double **values)
{
    int64_t len;
    AX_TRY(ax_spec_num_list(c, n, what, allow_inf, values, &len));
    if (len != p->n)
        return ax_spec_fail(c, n, "%s: %lld values for %lld neurons; give %s", what, (long long)len,
                            (long long)p->n, how);
    return AX_OK;
}

/* params: {name: value or [n values]} (p->params has room for every key);
 * then the model's own validate() on
 * the full set (for every neuron when values differ). */
static ax_status parse_params(ax_sctx *c, ax_pop_spec *p, const ax_model_ops *m,
                              const ax_yn *n)
{
    double full[256];
    if (m->n_params > 256) return AX_FAIL(c->err, AX_EINTERNAL, "model has > 256 parameters");
    ax_model_defaults(m, full);
    for (int i = 0; i < n->n; i++) {
        const ax_yn *k = n->keys[i];
        if (m->set_times && !strcmp(k->str, "spike_times")) {
            AX_TRY(parse_times(c, p, n->items[i]));
            continue;
        }
        int idx = ax_model_param_index(m, k->str);
        if (idx < 0) {
            char list[1024];
            param_list(m, list, sizeof list);
            if (m->set_times) strncat(list, list[0] ? ", spike_times" : "spike_times",
                                      sizeof list - strlen(list) - 1);
            const char *near = suggest(m, k->str);
            if (near)
                return ax_spec_fail(c, k, "unknown parameter '%s' for model %s; did you mean "
                                          "'%s'? (parameters: %s)", k->str, m->name, near, list);
            return ax_spec_fail(c, k, "unknown parameter '%s' for model %s; parameters: %s",
                                k->str, m->name, list);
        }
        char what[128];
        snprintf(what, sizeof what, "%s.params.%s", p->name, k->str);
        ax_param_value *pv = &p->params[p->n_params++];
        snprintf(pv->name, sizeof pv->name, "%s", k->str);
        pv->loc = ax_yn_loc(n->items[i]);
        if (n->items[i]->kind == AX_YN_SEQ) {
            if (m->params[idx].kind != AX_PARAM_REAL)
                return ax_spec_fail(c, n->items[i], "%s: only numeric parameters can be given per "
                                                    "neuron; give one value", what);
            AX_TRY(per_neuron(c, p, n->items[i], what, m->params[idx].allow_inf,
                              "one value, or one per neuron", &pv->values));
            pv->value = pv->values[0];
        } else {
            AX_TRY(param_value(c, n->items[i], &m->params[idx], what, &pv->value));
        }
        full[idx] = pv->value;
    }
    ax_error e;
    ax_error_clear(&e);
    if (m->validate && m->validate(full, &e) != AX_OK)
        return ax_spec_fail(c, blamed_value(n, e.msg), "population '%s'%s: %s", p->name,
                            pop_varies(p) ? ", neuron 0" : "", e.msg);
    AX_TRY(check_h(c, p, m, full, n, n, pop_varies(p) ? 0 : -1, 0));
    AX_TRY(validate_each(c, p, m, full, n));
    /* The refractory period becomes a step count: it must be on the grid. */
    int idx = ax_model_param_index(m, "t_ref");
    const ax_yn *v = ax_yn_get(n, "t_ref");
    if (idx >= 0 && v) {
        char what[128];
        snprintf(what, sizeof what, "%s.params.t_ref", p->name);
        const ax_param_value *pv = NULL;
        for (int k = 0; k < p->n_params; k++)
            if (!strcmp(p->params[k].name, "t_ref")) pv = &p->params[k];
        for (int64_t i = 0; pv && pv->values && i < p->n; i++)
            AX_TRY(ax_spec_on_grid(c, v->kind == AX_YN_SEQ ? v->items[i] : v, what, pv->values[i],
                                   c->spec->sim.resolution, NULL));
        if (!pv || !pv->values) AX_TRY(ax_spec_on_grid(c, v, what, full[idx], c->spec->sim.resolution, NULL));
    }
    return AX_OK;
}

/* initial: {name: value, distribution or [n values]} (p->init has room for
 * every key). */
static ax_status parse_initial(ax_sctx *c, ax_pop_spec *p, const ax_model_ops *m,
                               const ax_yn *n)
{
    for (int i = 0; i < n->n; i++) {
        const ax_yn *k = n->keys[i];
        if (ax_model_state_index(m, k->str) < 0) {
            char list[512] = "";
            for (int j = 0; j < m->n_state; j++) {
                if (j) strncat(list, ", ", sizeof list - strlen(list) - 1);
                strncat(list, m->state_names[j], sizeof list - strlen(list) - 1);
            }
            return ax_spec_fail(c, k, "unknown state variable '%s' for model %s; state "
                                      "variables: %s", k->str, m->name, list);
        }
        ax_init_value *iv = &p->init[p->n_init++];
        snprintf(iv->name, sizeof iv->name, "%s", k->str);
        char what[128];
        snprintf(what, sizeof what, "%s.initial.%s", p->name, k->str);
        if (n->items[i]->kind == AX_YN_SEQ) { /* one value per neuron */
            AX_TRY(per_neuron(c, p, n->items[i], what, 0,
                              "one value, a distribution, or one value per neuron", &iv->values));
            iv->dist = (ax_dist){.kind = AX_DIST_CONST, .value = iv->values[0],
                                 .loc = ax_yn_loc(n->items[i])};
            continue;
        }
        AX_TRY(ax_spec_dist(c, n->items[i], what, &iv->dist));
    }
    return AX_OK;
}

enum pop_map { PARAMS, INITIAL };

/* A population's params or initial: a map, the array of its entries (one
 * per key, and one more), then its entries. */
static ax_status parse_map(ax_sctx *c, ax_pop_spec *p, const ax_model_ops *m, const ax_yn *n,
                           enum pop_map which)
{
    AX_TRY(ax_spec_need_map(c, n, which == PARAMS ? "params" : "initial"));
    void *a = calloc((size_t)n->n + 1, which == PARAMS ? sizeof *p->params : sizeof *p->init);
    AX_CHECK_ALLOC(a, c->err, which == PARAMS ? "population parameters" : "initial values");
    if (which == PARAMS) {
        p->params = a;
        return parse_params(c, p, m, n);
    }
    p->init = a;
    return parse_initial(c, p, m, n);
}

static ax_status parse_pop(ax_sctx *c, ax_pop_spec *p, const ax_yn *key, const ax_yn *n,
                           const ax_yn *devices)
{
    AX_TRY(ax_spec_check_name(c, key, "population"));
    snprintf(p->name, sizeof p->name, "%s", key->str);
    p->loc = ax_yn_loc(key);
    if (ax_yn_get(devices, key->str))
        return ax_spec_fail(c, key, "'%s' names both a population and a device; give them "
                                    "distinct names", key->str);
    char what[128];
    snprintf(what, sizeof what, "population '%s'", p->name);
    AX_TRY(ax_spec_need_map(c, n, what));
    AX_TRY(ax_spec_keys(c, n, what, pop_keys));
    ax_yn *v = ax_yn_get(n, "model");
    if (!v) return ax_spec_fail(c, n, "%s: missing required key 'model' (one of: %s)", what,
                                ax_model_names());
    AX_TRY(ax_spec_string(c, v, "model", p->model, sizeof p->model));
    const ax_model_ops *m = ax_model_find(p->model);
    if (!m) return ax_spec_fail(c, v, "unknown model '%s'; known models: %s", p->model,
                                ax_model_names());
    if (!(v = ax_yn_get(n, "n")))
        return ax_spec_fail(c, n, "%s: missing required key 'n' (number of neurons)", what);
    snprintf(what, sizeof what, "%s.n", p->name);
    AX_TRY(ax_spec_int(c, v, what, 1, &p->n));
    if ((v = ax_yn_get(n, "params"))) {
        AX_TRY(parse_map(c, p, m, v, PARAMS));
    } else { /* the defaults meet the resolution too (t_ref / h steps) */
        double full[256];
        AX_CHECK(m->n_params <= 256, c->err, AX_EINTERNAL, "model has > 256 parameters");
        ax_model_defaults(m, full);
        AX_TRY(check_h(c, p, m, full, NULL, key, -1, 0));
    }
    if ((v = ax_yn_get(n, "initial"))) AX_TRY(parse_map(c, p, m, v, INITIAL));
    if (m->set_times && !p->times_off) { /* no spike_times: a silent source */
        p->times_off = calloc((size_t)p->n + 1, sizeof *p->times_off);
        AX_CHECK_ALLOC(p->times_off, c->err, "spike times");
    }
    return AX_OK;
}

static ax_status parse_pops(ax_sctx *c, const ax_yn *n, const ax_yn *devices)
{
    if (!n) return ax_spec_fail(c, NULL, "missing required section 'populations'");
    AX_TRY(ax_spec_need_map(c, n, "populations"));
    if (n->n == 0) return ax_spec_fail(c, n, "populations is empty; define at least one");
    ax_spec *s = c->spec;
    s->pops = calloc((size_t)n->n, sizeof *s->pops);
    AX_CHECK_ALLOC(s->pops, c->err, "populations");
    for (int i = 0; i < n->n; i++) {
        ax_pop_spec *p = &s->pops[s->n_pops++];
        AX_TRY(parse_pop(c, p, n->keys[i], n->items[i], devices));
        p->first_gid = s->n_total;
        if (p->n > AX_MAX_NEURONS - s->n_total)
            return ax_spec_fail(c, n->keys[i], "more than %lld neurons in all (2^32 - 1): the "
                                               "engine stores source ids in 32 bits",
                                (long long)AX_MAX_NEURONS);
        s->n_total += p->n;
    }
    return AX_OK;
}

static ax_status parse_root(ax_sctx *c, const ax_yn *root)
{
    if (!root)
        return ax_spec_fail(c, NULL, "the file is empty; a spec needs at least 'simulation' "
                                     "and 'populations' (see docs/spec.md)");
    if (root->kind != AX_YN_MAP)
        return ax_spec_fail(c, root, "the top level must be a mapping with keys simulation, "
                                     "populations, projections, devices; got %s",
                            ax_yn_kind_name(root));
    AX_TRY(ax_spec_keys(c, root, "the top level", top_keys));
    ax_yn *devices = ax_yn_get(root, "devices");
    if (devices) AX_TRY(ax_spec_need_map(c, devices, "devices"));
    AX_TRY(parse_sim(c, ax_yn_get(root, "simulation")));
    AX_TRY(parse_pops(c, ax_yn_get(root, "populations"), devices));
    ax_yn *proj = ax_yn_get(root, "projections");
    if (proj) AX_TRY(ax_spec_parse_projections(c, proj, devices));
    if (devices) AX_TRY(ax_spec_parse_devices(c, devices));
    return ax_spec_check_memory(c->spec, ax_spec_env_ranks(), c->err);
}

/* Parse text; files it names (from_list connection lists) are read
 * through in. */
static ax_status spec_parse_in(ax_input *in, const char *text, size_t len, const char *name,
                               ax_spec **out, ax_error *err)
{
    *out = NULL;
    ax_spec *s = calloc(1, sizeof *s);
    AX_CHECK_ALLOC(s, err, "spec");
    s->path = strdup(name);
    s->text = malloc(len + 1);
    ax_status st = AX_OK;
    if (!s->path || !s->text) st = AX_FAIL(err, AX_ENOMEM, "out of memory reading %s", name);
    ax_ydoc doc = {0};
    if (st == AX_OK) {
        memcpy(s->text, text, len);
        s->text[len] = '\0';
        st = ax_ydoc_read(text, len, name, &doc, err);
    }
    ax_sctx c = {.name = name, .spec = s, .err = err, .in = in};
    if (st == AX_OK) st = parse_root(&c, doc.root);
    ax_ydoc_free(&doc);
    if (st != AX_OK) {
        ax_spec_destroy(&s);
        return st;
    }
    *out = s;
    return AX_OK;
}

ax_status ax_spec_parse(const char *text, size_t len, const char *name, ax_spec **out,
                        ax_error *err)
{
    return spec_parse_in(NULL, text, len, name, out, err);
}

ax_status ax_spec_load_in(ax_input *in, const char *path, ax_spec **out, ax_error *err)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    AX_TRY(ax_input_read(in, path, "spec", 0, &text, &len, err));
    ax_status s = spec_parse_in(in, text, len, path, out, err);
    free(text);
    return s;
}

ax_status ax_spec_load(const char *path, ax_spec **out, ax_error *err)
{
    return ax_spec_load_in(NULL, path, out, err);
}

static void free_pop(ax_pop_spec *p)
{
    for (int k = 0; p->params && k < p->n_params; k++) free(p->params[k].values);
    for (int k = 0; p->init && k < p->n_init; k++) free(p->init[k].values);
    AX_FREE_ALL(p->params, p->init, p->times_off, p->times);
}

static void free_dev(ax_dev_spec *d)
{
    AX_FREE_ALL(d->targets, d->senders, d->spike_times, d->record_from);
}

void ax_spec_destroy(ax_spec **spec)
{
    if (!spec || !*spec) return;
    ax_spec *s = *spec;
    for (int i = 0; i < s->n_pops; i++) free_pop(&s->pops[i]);
    for (int i = 0; i < s->n_dev; i++) free_dev(&s->dev[i]);
    for (int i = 0; i < s->n_proj; i++)
        AX_FREE_ALL(s->proj[i].list_off, s->proj[i].list_src, s->proj[i].list_w, s->proj[i].list_d);
    AX_FREE_ALL(s->pops, s->proj, s->dev, s->path, s->text, s);
    *spec = NULL;
}
