/* spec_net.c - the `projections` and `devices` sections of a spec.
 *
 * Runs after simulation and populations are parsed (it needs the resolution
 * and the population table). Every rule a build would trip over is checked
 * here: rule keys, sizes (one_to_one), degrees that cannot be met without
 * multapses, probabilities, receptors the target model lacks, delays off the
 * grid, device parameters, target ranges and recorded variables.
 * s->n_proj / s->n_dev count only fully allocated entries, so
 * ax_spec_destroy frees a half-parsed spec correctly.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_impl.h"

static const char *const proj_keys[] = {"source", "target", "rule", "indegree", "outdegree",
                                        "N", "p", "allow_autapses", "allow_multapses",
                                        "receptor", "weight", "delay", "synapse", NULL};

static const char *const rule_names[] = {"all_to_all", "one_to_one", "fixed_indegree",
                                         "fixed_outdegree", "fixed_total_number",
                                         "pairwise_bernoulli"};
/* The key that carries each rule's number ("" for none). */
static const char *const rule_key[] = {"", "", "indegree", "outdegree", "N", "p"};

/* Range [lo, hi] a weight distribution can take. */
static void dist_range(const ax_dist *d, double *lo, double *hi)
{
    if (d->kind == AX_DIST_CONST) {
        *lo = *hi = d->value;
    } else if (d->kind == AX_DIST_NORMAL) {
        *lo = d->std > 0 ? -INFINITY : d->mean;
        *hi = d->std > 0 ? INFINITY : d->mean;
    } else {
        *lo = d->low;
        *hi = d->high;
    }
}

/* receptor: auto|excitatory|inhibitory, valid for the model; an explicit
 * port must agree with the weight's sign (same meaning as auto, NEST). */
static ax_status parse_receptor(ax_sctx *c, const ax_yn *n, const ax_model_ops *m,
                                const char *pop, const ax_dist *w, ax_receptor *r)
{
    *r = AX_RECEPTOR_AUTO;
    if (!n) return AX_OK;
    char s[32];
    AX_TRY(ax_spec_string(c, n, "receptor", s, sizeof s));
    if (!strcmp(s, "auto")) return AX_OK;
    if (strcmp(s, "excitatory") && strcmp(s, "inhibitory"))
        return ax_spec_fail(c, n, "unknown receptor '%s'; allowed: auto, excitatory, "
                                  "inhibitory", s);
    if (m->n_receptors < 2)
        return ax_spec_fail(c, n, "receptor '%s': target '%s' (%s) has a single input port; "
                                  "remove 'receptor' or use auto", s, pop, m->name);
    *r = s[0] == 'e' ? AX_RECEPTOR_EXCITATORY : AX_RECEPTOR_INHIBITORY;
    double lo, hi;
    dist_range(w, &lo, &hi);
    if (*r == AX_RECEPTOR_EXCITATORY && lo < 0)
        return ax_spec_fail(c, n, "receptor excitatory needs weights >= 0 (the weight can be "
                                  "%g); inhibitory weights are negative, as in NEST", lo);
    if (*r == AX_RECEPTOR_INHIBITORY && hi > 0)
        return ax_spec_fail(c, n, "receptor inhibitory needs weights <= 0 (the weight can be "
                                  "%g); inhibitory weights are negative, as in NEST", hi);
    return AX_OK;
}

static ax_status parse_rule(ax_sctx *c, const ax_yn *n, ax_proj_spec *p)
{
    ax_yn *v = ax_yn_get(n, "rule");
    if (!v) return ax_spec_fail(c, n, "projection: missing required key 'rule' (all_to_all, "
                                      "one_to_one, fixed_indegree, fixed_outdegree, "
                                      "fixed_total_number, pairwise_bernoulli)");
    char s[32];
    AX_TRY(ax_spec_string(c, v, "rule", s, sizeof s));
    int r = -1;
    for (int i = 0; i < 6; i++)
        if (!strcmp(s, rule_names[i])) r = i;
    if (r < 0) return ax_spec_fail(c, v, "unknown rule '%s'; rules: all_to_all, one_to_one, "
                                         "fixed_indegree, fixed_outdegree, "
                                         "fixed_total_number, pairwise_bernoulli", s);
    p->rule = (ax_rule)r;
    for (int i = 2; i < 6; i++) {
        ax_yn *k = ax_yn_get(n, rule_key[i]);
        if (i != r && k)
            return ax_spec_fail(c, k, "'%s' belongs to rule %s, not %s", rule_key[i],
                                rule_names[i], s);
        if (i == r && !k)
            return ax_spec_fail(c, n, "rule %s needs '%s'", s, rule_key[i]);
    }
    if (r == AX_RULE_PAIRWISE_BERNOULLI) {
        v = ax_yn_get(n, "p");
        AX_TRY(ax_spec_number(c, v, "p", 0, &p->p));
        if (!(p->p >= 0 && p->p <= 1))
            return ax_spec_fail(c, v, "p is a probability and must be in [0, 1] (got %g)", p->p);
    } else if (r >= 2) {
        AX_TRY(ax_spec_int(c, ax_yn_get(n, rule_key[r]), rule_key[r], 0, &p->k));
    }
    return AX_OK;
}

/* Sizes a rule needs: one_to_one equal sizes; degrees possible without
 * multapses (and without autapses when source == target). */
static ax_status check_sizes(ax_sctx *c, const ax_yn *n, const ax_proj_spec *p)
{
    const ax_spec *s = c->spec;
    int64_t ns = s->pops[p->src].n, nt = s->pops[p->tgt].n;
    int self = p->src == p->tgt && !p->allow_autapses;
    const char *sn = s->pops[p->src].name, *tn = s->pops[p->tgt].name;
    if (p->rule == AX_RULE_ONE_TO_ONE && ns != nt)
        return ax_spec_fail(c, n, "one_to_one needs equal sizes (%s has %lld, %s has %lld)",
                            sn, (long long)ns, tn, (long long)nt);
    if (p->rule == AX_RULE_ONE_TO_ONE && self)
        return ax_spec_fail(c, n, "one_to_one from %s onto itself with allow_autapses: false "
                                  "makes no synapse", sn);
    if (p->allow_multapses) return AX_OK;
    if (p->rule == AX_RULE_FIXED_INDEGREE && p->k > ns - self)
        return ax_spec_fail(c, ax_yn_get(n, "indegree"), "indegree %lld > the %lld possible "
                            "sources in %s without multapses; lower it or set "
                            "allow_multapses: true", (long long)p->k, (long long)(ns - self), sn);
    if (p->rule == AX_RULE_FIXED_OUTDEGREE && p->k > nt - self)
        return ax_spec_fail(c, ax_yn_get(n, "outdegree"), "outdegree %lld > the %lld possible "
                            "targets in %s without multapses; lower it or set "
                            "allow_multapses: true", (long long)p->k, (long long)(nt - self), tn);
    if (p->rule == AX_RULE_FIXED_TOTAL_NUMBER &&
        (double)p->k > (double)ns * (double)nt - (self ? (double)ns : 0))
        return ax_spec_fail(c, ax_yn_get(n, "N"), "N %lld > the number of distinct pairs "
                            "without multapses; lower it or set allow_multapses: true",
                            (long long)p->k);
    return AX_OK;
}

static const char *const tso_keys[] = {"model", "U", "u", "x", "tau_rec", "tau_fac", NULL};

/* One tsodyks2 parameter in [lo, hi] (hi may be INFINITY). */
static ax_status tso_param(ax_sctx *c, const ax_yn *map, const char *key, double lo, double hi,
                           int open_lo, double *out)
{
    const ax_yn *v = ax_yn_get(map, key);
    if (!v) return AX_OK;
    AX_TRY(ax_spec_number(c, v, key, 0, out));
    if (*out < lo || *out > hi || (open_lo && *out == lo))
        return ax_spec_fail(c, v, "tsodyks2_synapse %s = %g must be %s %g%s", key, *out,
                            open_lo ? ">" : ">=", lo, isinf(hi) ? "" : " and <= 1");
    return AX_OK;
}

/* synapse: static_synapse | tsodyks2_synapse | {model: ..., U, u, x,
 * tau_rec, tau_fac} (NEST's names, ranges and defaults). */
static ax_status parse_synapse(ax_sctx *c, const ax_yn *n, ax_proj_spec *p)
{
    if (!n) return AX_OK;
    const ax_yn *m = n;
    if (n->kind == AX_YN_MAP) {
        AX_TRY(ax_spec_keys(c, n, "synapse", tso_keys));
        if (!(m = ax_yn_get(n, "model")))
            return ax_spec_fail(c, n, "synapse: missing 'model' (static_synapse or tsodyks2_synapse)");
    }
    char name[64];
    AX_TRY(ax_spec_string(c, m, "synapse model", name, sizeof name));
    if (!strcmp(name, "static_synapse") || !strcmp(name, "static")) {
        if (n->kind == AX_YN_MAP && n->n > 1)
            return ax_spec_fail(c, n, "static_synapse takes no parameters (U, u, x, tau_rec, "
                                      "tau_fac belong to tsodyks2_synapse)");
        return AX_OK;
    }
    if (strcmp(name, "tsodyks2_synapse") && strcmp(name, "tsodyks2"))
        return ax_spec_fail(c, m, "unknown synapse model '%s'; allowed: static_synapse, "
                                  "tsodyks2_synapse", name);
    p->syn_model = AX_SYN_TSODYKS2;
    p->tso = (ax_tso){.U = 0.5, .u = 0.5, .x = 1.0, .tau_rec = 800.0, .tau_fac = 0.0};
    if (n->kind != AX_YN_MAP) return AX_OK;
    AX_TRY(tso_param(c, n, "U", 0.0, 1.0, 0, &p->tso.U));
    AX_TRY(tso_param(c, n, "u", 0.0, 1.0, 0, &p->tso.u));
    AX_TRY(tso_param(c, n, "x", 0.0, 1.0, 0, &p->tso.x));
    AX_TRY(tso_param(c, n, "tau_rec", 0.0, INFINITY, 1, &p->tso.tau_rec));
    return tso_param(c, n, "tau_fac", 0.0, INFINITY, 0, &p->tso.tau_fac);
}

static ax_status parse_proj(ax_sctx *c, const ax_yn *n, const ax_yn *devices, ax_proj_spec *p)
{
    AX_TRY(ax_spec_need_map(c, n, "a projection"));
    AX_TRY(ax_spec_keys(c, n, "a projection", proj_keys));
    p->loc = ax_yn_loc(n);
    p->allow_autapses = p->allow_multapses = 1;
    ax_yn *v;
    if (!(v = ax_yn_get(n, "source")))
        return ax_spec_fail(c, n, "projection: missing required key 'source' (a population)");
    AX_TRY(ax_spec_pop_ref(c, v, devices, &p->src));
    if (!(v = ax_yn_get(n, "target")))
        return ax_spec_fail(c, n, "projection: missing required key 'target' (a population)");
    AX_TRY(ax_spec_pop_ref(c, v, devices, &p->tgt));
    if ((v = ax_yn_get(n, "allow_autapses")))
        AX_TRY(ax_spec_bool(c, v, "allow_autapses", &p->allow_autapses));
    if ((v = ax_yn_get(n, "allow_multapses")))
        AX_TRY(ax_spec_bool(c, v, "allow_multapses", &p->allow_multapses));
    AX_TRY(parse_rule(c, n, p));
    AX_TRY(check_sizes(c, n, p));
    p->weight = (ax_dist){.kind = AX_DIST_CONST, .value = 1.0, .low = 1.0, .high = 1.0,
                          .mean = 1.0, .loc = p->loc};
    if ((v = ax_yn_get(n, "weight"))) AX_TRY(ax_spec_dist(c, v, "weight", &p->weight));
    double h = c->spec->sim.resolution;
    p->delay = (ax_dist){.kind = AX_DIST_CONST, .value = h, .low = h, .high = h, .mean = h,
                         .loc = p->loc};
    if ((v = ax_yn_get(n, "delay"))) AX_TRY(ax_spec_delay(c, v, "delay", &p->delay));
    AX_TRY(parse_synapse(c, ax_yn_get(n, "synapse"), p));
    const ax_pop_spec *t = &c->spec->pops[p->tgt];
    return parse_receptor(c, ax_yn_get(n, "receptor"), ax_model_find(t->model), t->name,
                          &p->weight, &p->receptor);
}

ax_status ax_spec_parse_projections(ax_sctx *c, const ax_yn *seq, const ax_yn *devices)
{
    AX_TRY(ax_spec_need_seq(c, seq, "projections"));
    ax_spec *s = c->spec;
    s->proj = calloc((size_t)seq->n + 1, sizeof *s->proj);
    AX_CHECK_ALLOC(s->proj, c->err, "projections");
    for (int i = 0; i < seq->n; i++) {
        s->n_proj++;
        AX_TRY(parse_proj(c, seq->items[i], devices, &s->proj[i]));
    }
    return AX_OK;
}

/* ---- devices ---------------------------------------------------------- */

typedef struct dev_kind {
    const char *model;
    ax_dev_kind kind;
    const char *list_key; /* "targets" or "sources" */
    const char *const *keys;
} dev_kind;

static const char *const poisson_keys[] = {"model", "targets", "rate", "weight", "delay",
                                           "receptor", "start", "stop", NULL};
static const char *const dc_keys[] = {"model", "targets", "amplitude", "start", "stop", NULL};
static const char *const sg_keys[] = {"model", "targets", "spike_times", "weight", "delay",
                                      "receptor", "start", "stop", NULL};
static const char *const sr_keys[] = {"model", "sources", "start", "stop", NULL};
static const char *const mm_keys[] = {"model", "sources", "record_from", "interval",
                                      "precision", "start", "stop", NULL};

static const dev_kind dev_kinds[] = {
    {"poisson_generator", AX_DEV_POISSON, "targets", poisson_keys},
    {"dc_generator", AX_DEV_DC, "targets", dc_keys},
    {"spike_generator", AX_DEV_SPIKE_GEN, "targets", sg_keys},
    {"spike_recorder", AX_DEV_SPIKE_REC, "sources", sr_keys},
    {"multimeter", AX_DEV_MULTIMETER, "sources", mm_keys},
};
#define N_DEV_KINDS ((int)(sizeof dev_kinds / sizeof dev_kinds[0]))

static const char *const range_keys[] = {"population", "first", "count", NULL};

/* One target: "E" or {population: E, first: 0, count: 10}. */
static ax_status parse_target(ax_sctx *c, const ax_yn *n, const ax_yn *devices,
                              ax_dev_target *t)
{
    if (n->kind == AX_YN_SCALAR) {
        AX_TRY(ax_spec_pop_ref(c, n, devices, &t->pop));
        t->first = 0;
        t->count = c->spec->pops[t->pop].n;
        return AX_OK;
    }
    AX_TRY(ax_spec_need_map(c, n, "a target/source (a population name or {population, "
                                  "first, count})"));
    AX_TRY(ax_spec_keys(c, n, "a target/source range", range_keys));
    ax_yn *v = ax_yn_get(n, "population");
    if (!v) return ax_spec_fail(c, n, "a target/source range needs 'population'");
    AX_TRY(ax_spec_pop_ref(c, v, devices, &t->pop));
    int64_t size = c->spec->pops[t->pop].n;
    t->first = 0;
    if ((v = ax_yn_get(n, "first"))) AX_TRY(ax_spec_int(c, v, "first", 0, &t->first));
    if (t->first >= size)
        return ax_spec_fail(c, v, "first %lld is outside %s (ids 0..%lld)", (long long)t->first,
                            c->spec->pops[t->pop].name, (long long)(size - 1));
    t->count = size - t->first;
    if ((v = ax_yn_get(n, "count"))) AX_TRY(ax_spec_int(c, v, "count", 1, &t->count));
    if (t->count > size - t->first)
        return ax_spec_fail(c, v, "first %lld + count %lld runs past the end of %s (%lld "
                                  "neurons)", (long long)t->first, (long long)t->count,
                            c->spec->pops[t->pop].name, (long long)size);
    return AX_OK;
}

static ax_status parse_targets(ax_sctx *c, const ax_yn *dev, const dev_kind *k,
                               const ax_yn *devices, ax_dev_spec *d)
{
    ax_yn *n = ax_yn_get(dev, k->list_key);
    if (!n) return ax_spec_fail(c, dev, "device '%s': missing required key '%s' (a list of "
                                        "populations)", d->name, k->list_key);
    char what[96];
    snprintf(what, sizeof what, "%s of device '%s'", k->list_key, d->name);
    AX_TRY(ax_spec_need_seq(c, n, what));
    if (n->n == 0) return ax_spec_fail(c, n, "%s is empty", what);
    d->targets = calloc((size_t)n->n, sizeof *d->targets);
    AX_CHECK_ALLOC(d->targets, c->err, "device targets");
    for (int i = 0; i < n->n; i++) {
        AX_TRY(parse_target(c, n->items[i], devices, &d->targets[i]));
        d->n_targets++;
    }
    return AX_OK;
}

/* A required or optional finite number of a device. */
static ax_status dev_num(ax_sctx *c, const ax_yn *dev, const ax_dev_spec *d, const char *key,
                         int required, double *out)
{
    ax_yn *v = ax_yn_get(dev, key);
    if (!v) {
        if (!required) return AX_OK;
        return ax_spec_fail(c, dev, "device '%s': missing required key '%s'", d->name, key);
    }
    char what[128];
    snprintf(what, sizeof what, "%s.%s", d->name, key);
    return ax_spec_number(c, v, what, 0, out);
}

static ax_status parse_window(ax_sctx *c, const ax_yn *dev, ax_dev_spec *d)
{
    double h = c->spec->sim.resolution;
    d->start = 0.0;
    d->stop = INFINITY;
    ax_yn *v;
    char what[128];
    if ((v = ax_yn_get(dev, "start"))) {
        snprintf(what, sizeof what, "%s.start", d->name);
        AX_TRY(ax_spec_number(c, v, what, 0, &d->start));
        if (d->start < 0) return ax_spec_fail(c, v, "%s must be >= 0 ms (got %g)", what, d->start);
        AX_TRY(ax_spec_on_grid(c, v, what, d->start, h, NULL));
    }
    if ((v = ax_yn_get(dev, "stop"))) {
        snprintf(what, sizeof what, "%s.stop", d->name);
        AX_TRY(ax_spec_number(c, v, what, 1, &d->stop));
        if (d->stop < d->start)
            return ax_spec_fail(c, v, "%s = %g ms is before start = %g ms", what, d->stop,
                                d->start);
        if (isfinite(d->stop)) AX_TRY(ax_spec_on_grid(c, v, what, d->stop, h, NULL));
    }
    return AX_OK;
}

/* weight (required), delay (default h) and receptor of a spike source. */
static ax_status parse_drive(ax_sctx *c, const ax_yn *dev, ax_dev_spec *d)
{
    AX_TRY(dev_num(c, dev, d, "weight", 1, &d->weight));
    d->delay = c->spec->sim.resolution;
    ax_yn *v = ax_yn_get(dev, "delay");
    char what[128];
    snprintf(what, sizeof what, "%s.delay", d->name);
    if (v) {
        ax_dist dd;
        if (v->kind != AX_YN_SCALAR)
            return ax_spec_fail(c, v, "%s must be a number (ms); devices take one delay", what);
        AX_TRY(ax_spec_delay(c, v, what, &dd));
        d->delay = dd.value;
    }
    v = ax_yn_get(dev, "receptor");
    ax_dist w = {.kind = AX_DIST_CONST, .value = d->weight};
    d->receptor = AX_RECEPTOR_AUTO;
    for (int i = 0; v && i < d->n_targets; i++) {
        const ax_pop_spec *p = &c->spec->pops[d->targets[i].pop];
        AX_TRY(parse_receptor(c, v, ax_model_find(p->model), p->name, &w, &d->receptor));
    }
    return AX_OK;
}

/* The list a device requires under `key` (hint: what it holds) in *n. */
static ax_status required_list(ax_sctx *c, const ax_yn *dev, const ax_dev_spec *d,
                               const char *key, const char *hint, const ax_yn **n)
{
    *n = ax_yn_get(dev, key);
    if (!*n) return ax_spec_fail(c, dev, "device '%s': missing required key '%s' (%s)", d->name,
                                 key, hint);
    return ax_spec_need_seq(c, *n, key);
}

static ax_status parse_spike_times(ax_sctx *c, const ax_yn *dev, ax_dev_spec *d)
{
    const ax_yn *n;
    AX_TRY(required_list(c, dev, d, "spike_times", "a list of times in ms", &n));
    d->spike_times = calloc((size_t)n->n + 1, sizeof *d->spike_times);
    AX_CHECK_ALLOC(d->spike_times, c->err, "spike times");
    double h = c->spec->sim.resolution;
    for (int i = 0; i < n->n; i++) {
        const ax_yn *v = n->items[i];
        double t;
        char what[128];
        snprintf(what, sizeof what, "%s.spike_times[%d]", d->name, i);
        AX_TRY(ax_spec_number(c, v, what, 0, &t));
        if (!(t > 0))
            return ax_spec_fail(c, v, "%s = %g ms; spike times must be > 0 (a spike at 0 "
                                      "cannot be delivered)", what, t);
        if (i > 0 && t < d->spike_times[i - 1])
            return ax_spec_fail(c, v, "%s = %g ms comes before the previous time %g ms; "
                                      "spike times must be sorted", what, t,
                                d->spike_times[i - 1]);
        AX_TRY(ax_spec_on_grid(c, v, what, t, h, NULL));
        d->spike_times[d->n_times++] = t;
    }
    return AX_OK;
}

static ax_status parse_multimeter(ax_sctx *c, const ax_yn *dev, ax_dev_spec *d)
{
    const ax_yn *n;
    AX_TRY(required_list(c, dev, d, "record_from", "e.g. [V_m]", &n));
    if (n->n == 0) return ax_spec_fail(c, n, "record_from is empty; name a state variable");
    d->record_from = calloc((size_t)n->n, sizeof *d->record_from);
    AX_CHECK_ALLOC(d->record_from, c->err, "record_from");
    for (int i = 0; i < n->n; i++) {
        char *name = d->record_from[i];
        AX_TRY(ax_spec_string(c, n->items[i], "record_from", name, 32));
        d->n_record++;
        for (int j = 0; j < d->n_targets; j++) {
            const ax_pop_spec *p = &c->spec->pops[d->targets[j].pop];
            const ax_model_ops *m = ax_model_find(p->model);
            if (ax_model_state_index(m, name) >= 0) continue;
            char list[256] = "";
            for (int k = 0; k < m->n_state; k++) {
                if (k) strncat(list, ", ", sizeof list - strlen(list) - 1);
                strncat(list, m->state_names[k], sizeof list - strlen(list) - 1);
            }
            return ax_spec_fail(c, n->items[i], "'%s' is not a state variable of %s (%s); "
                                "it has: %s", name, p->name, m->name, list);
        }
    }
    double h = c->spec->sim.resolution;
    d->interval = h;
    char what[128];
    snprintf(what, sizeof what, "%s.interval", d->name);
    AX_TRY(dev_num(c, dev, d, "interval", 0, &d->interval));
    if (d->interval < h * (1 - 1e-9))
        return ax_spec_fail(c, ax_yn_get(dev, "interval"), "%s must be >= the resolution %g ms "
                            "(got %g)", what, h, d->interval);
    AX_TRY(ax_spec_on_grid(c, ax_yn_get(dev, "interval"), what, d->interval, h, NULL));
    ax_yn *v = ax_yn_get(dev, "precision");
    if (v) {
        char s[16];
        AX_TRY(ax_spec_string(c, v, "precision", s, sizeof s));
        if (strcmp(s, "float") && strcmp(s, "double"))
            return ax_spec_fail(c, v, "precision must be float or double (got '%s')", s);
        d->precision_double = !strcmp(s, "double");
    }
    return AX_OK;
}

static ax_status parse_kind_params(ax_sctx *c, const ax_yn *dev, ax_dev_spec *d)
{
    ax_yn *v;
    switch (d->kind) {
    case AX_DEV_POISSON:
        AX_TRY(dev_num(c, dev, d, "rate", 1, &d->rate));
        v = ax_yn_get(dev, "rate");
        if (d->rate < 0)
            return ax_spec_fail(c, v, "%s.rate must be >= 0 Hz (got %g)", d->name, d->rate);
        return parse_drive(c, dev, d);
    case AX_DEV_DC:
        return dev_num(c, dev, d, "amplitude", 1, &d->amplitude);
    case AX_DEV_SPIKE_GEN:
        AX_TRY(parse_spike_times(c, dev, d));
        return parse_drive(c, dev, d);
    case AX_DEV_MULTIMETER:
        return parse_multimeter(c, dev, d);
    case AX_DEV_SPIKE_REC:
        return AX_OK;
    }
    return AX_OK;
}

static ax_status parse_device(ax_sctx *c, const ax_yn *key, const ax_yn *dev,
                              const ax_yn *devices, ax_dev_spec *d)
{
    AX_TRY(ax_spec_check_name(c, key, "device"));
    snprintf(d->name, sizeof d->name, "%s", key->str);
    d->loc = ax_yn_loc(key);
    char what[96];
    snprintf(what, sizeof what, "device '%s'", d->name);
    AX_TRY(ax_spec_need_map(c, dev, what));
    ax_yn *v = ax_yn_get(dev, "model");
    if (!v) return ax_spec_fail(c, dev, "%s: missing required key 'model' (poisson_generator, "
                                        "dc_generator, spike_generator, spike_recorder, "
                                        "multimeter)", what);
    char model[64];
    AX_TRY(ax_spec_string(c, v, "model", model, sizeof model));
    const dev_kind *k = NULL;
    for (int i = 0; i < N_DEV_KINDS; i++)
        if (!strcmp(model, dev_kinds[i].model)) k = &dev_kinds[i];
    if (!k) {
        if (ax_model_find(model))
            return ax_spec_fail(c, v, "'%s' is a neuron model; neurons belong under "
                                      "'populations', devices are poisson_generator, "
                                      "dc_generator, spike_generator, spike_recorder, "
                                      "multimeter", model);
        return ax_spec_fail(c, v, "unknown device model '%s'; devices: poisson_generator, "
                                  "dc_generator, spike_generator, spike_recorder, multimeter",
                            model);
    }
    d->kind = k->kind;
    snprintf(what, sizeof what, "a %s", k->model);
    AX_TRY(ax_spec_keys(c, dev, what, k->keys));
    AX_TRY(parse_targets(c, dev, k, devices, d));
    AX_TRY(parse_window(c, dev, d));
    return parse_kind_params(c, dev, d);
}

ax_status ax_spec_parse_devices(ax_sctx *c, const ax_yn *map)
{
    ax_spec *s = c->spec;
    s->dev = calloc((size_t)map->n + 1, sizeof *s->dev);
    AX_CHECK_ALLOC(s->dev, c->err, "devices");
    for (int i = 0; i < map->n; i++) {
        s->n_dev++;
        AX_TRY(parse_device(c, map->keys[i], map->items[i], map, &s->dev[i]));
    }
    return AX_OK;
}
