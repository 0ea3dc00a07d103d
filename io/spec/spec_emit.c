/* spec_emit.c - the spec emitter (include/axon/spec_emit.h): a spec, with
 * optional overrides, back as flow-style YAML that ax_spec_parse reads back
 * to an equal spec.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/model.h"
#include "axon/spec_emit.h"


static void emit_num(ax_sbuf *b, double v)
{
    if (isinf(v)) ax_sbuf_printf(b, "%s", v > 0 ? ".inf" : "-.inf");
    else ax_sbuf_printf(b, "%.17g", v);
}

static void emit_dist(ax_sbuf *b, const ax_dist *d)
{
    switch (d->kind) {
    case AX_DIST_CONST: emit_num(b, d->value); return;
    case AX_DIST_UNIFORM:
        ax_sbuf_printf(b, "{distribution: uniform, low: ");
        emit_num(b, d->low);
        ax_sbuf_printf(b, ", high: ");
        emit_num(b, d->high);
        ax_sbuf_printf(b, "}");
        return;
    case AX_DIST_NORMAL:
    case AX_DIST_NORMAL_CLIPPED:
        ax_sbuf_printf(b, "{distribution: %s, mean: ",
                       d->kind == AX_DIST_NORMAL ? "normal" : "normal_clipped");
        emit_num(b, d->mean);
        ax_sbuf_printf(b, ", std: ");
        emit_num(b, d->std);
        if (d->kind == AX_DIST_NORMAL_CLIPPED && isfinite(d->low)) {
            ax_sbuf_printf(b, ", low: ");
            emit_num(b, d->low);
        }
        if (d->kind == AX_DIST_NORMAL_CLIPPED && isfinite(d->high)) {
            ax_sbuf_printf(b, ", high: ");
            emit_num(b, d->high);
        }
        ax_sbuf_printf(b, "}");
        return;
    }
}

/* Name of choice `idx` in "a|b|c". */
static void emit_choice(ax_sbuf *b, const char *choices, int idx)
{
    const char *p = choices;
    for (int i = 0; i < idx && p; i++) {
        p = strchr(p, '|');
        if (p) p++;
    }
    if (!p) { ax_sbuf_printf(b, "%d", idx); return; }
    const char *e = strchr(p, '|');
    ax_sbuf_printf(b, "%.*s", (int)(e ? e - p : (ptrdiff_t)strlen(p)), p);
}

static const char *rule_name(ax_rule r)
{
    switch (r) {
    case AX_RULE_ALL_TO_ALL: return "all_to_all";
    case AX_RULE_ONE_TO_ONE: return "one_to_one";
    case AX_RULE_FIXED_INDEGREE: return "fixed_indegree";
    case AX_RULE_FIXED_OUTDEGREE: return "fixed_outdegree";
    case AX_RULE_FIXED_TOTAL_NUMBER: return "fixed_total_number";
    case AX_RULE_PAIRWISE_BERNOULLI: return "pairwise_bernoulli";
    case AX_RULE_FROM_LIST: return "from_list";
    }
    return "?";
}

static const char *receptor_name(ax_receptor r)
{
    return r == AX_RECEPTOR_EXCITATORY ? "excitatory"
           : r == AX_RECEPTOR_INHIBITORY ? "inhibitory" : "auto";
}

/* Round t (ms) to the grid h, at least h when positive. */
static double on_grid(double t, double h, int at_least_one)
{
    if (!isfinite(t)) return t;
    double k = nearbyint(t / h);
    if (at_least_one && k < 1) k = 1;
    return k * h;
}

static void emit_list(ax_sbuf *b, const double *v, int64_t n)
{
    ax_sbuf_printf(b, "[");
    for (int64_t i = 0; i < n; i++) {
        if (i) ax_sbuf_printf(b, ", ");
        emit_num(b, v[i]);
    }
    ax_sbuf_printf(b, "]");
}

/* A spike source's trains, one list per neuron. */
static void emit_times(ax_sbuf *b, const ax_pop_spec *p)
{
    ax_sbuf_printf(b, "spike_times: [");
    for (int64_t j = 0; j < p->n; j++) {
        ax_sbuf_printf(b, "%s", j ? ", " : "");
        emit_list(b, p->times + p->times_off[j], p->times_off[j + 1] - p->times_off[j]);
    }
    ax_sbuf_printf(b, "]");
}

static void emit_targets(ax_sbuf *b, const ax_spec *spec, const ax_dev_spec *d)
{
    ax_sbuf_printf(b, "[");
    for (int i = 0; i < d->n_targets; i++)
        ax_sbuf_printf(b, "%s{population: %s, first: %lld, count: %lld}", i ? ", " : "",
                       spec->pops[d->targets[i].pop].name, (long long)d->targets[i].first,
                       (long long)d->targets[i].count);
    ax_sbuf_printf(b, "]");
}

static void emit_pops(const ax_spec *spec, const ax_spec_override *ov, ax_sbuf *b)
{
    ax_sbuf_printf(b, "populations:\n");
    for (int i = 0; i < spec->n_pops; i++) {
        const ax_pop_spec *p = &spec->pops[i];
        const char *model = ov && ov->pop_model && ov->pop_model[i] ? ov->pop_model[i] : NULL;
        ax_sbuf_printf(b, "  %s:\n    model: %s\n    n: %lld\n", p->name, model ? model : p->model,
                       (long long)p->n);
        if (model) {
            if (ov->pop_params && ov->pop_params[i])
                ax_sbuf_printf(b, "    params: %s\n", ov->pop_params[i]);
        } else if (p->n_params || p->times) {
            const ax_model_ops *m = ax_model_find(p->model);
            ax_sbuf_printf(b, "    params: {");
            if (p->times) emit_times(b, p);
            for (int k = 0; k < p->n_params; k++) {
                int idx = m ? ax_model_param_index(m, p->params[k].name) : -1;
                ax_sbuf_printf(b, "%s%s: ", k || p->times ? ", " : "", p->params[k].name);
                if (p->params[k].values)
                    emit_list(b, p->params[k].values, p->n);
                else if (idx >= 0 && m->params[idx].kind == AX_PARAM_CHOICE)
                    emit_choice(b, m->params[idx].choices, (int)p->params[k].value);
                else if (idx >= 0 && m->params[idx].kind == AX_PARAM_BOOL)
                    ax_sbuf_printf(b, "%s", p->params[k].value != 0 ? "true" : "false");
                else emit_num(b, p->params[k].value);
            }
            ax_sbuf_printf(b, "}\n");
        }
        if (p->n_init && !(model && ov->drop_init)) {
            ax_sbuf_printf(b, "    initial: {");
            for (int k = 0; k < p->n_init; k++) {
                ax_sbuf_printf(b, "%s%s: ", k ? ", " : "", p->init[k].name);
                if (p->init[k].values) emit_list(b, p->init[k].values, p->n);
                else emit_dist(b, &p->init[k].dist);
            }
            ax_sbuf_printf(b, "}\n");
        }
    }
}

/* sources/targets of a from_list projection, in the stored order (by
 * target, each target's in list order: parsing gives the same spec). */
static void emit_from_list(const ax_spec *spec, const ax_proj_spec *p, ax_sbuf *b)
{
    int64_t nt = spec->pops[p->tgt].n;
    ax_sbuf_printf(b, ", sources: [");
    for (int64_t k = 0; k < p->n_list; k++) ax_sbuf_printf(b, "%s%lld", k ? ", " : "", (long long)p->list_src[k]);
    ax_sbuf_printf(b, "], targets: [");
    for (int64_t t = 0, k = 0; t < nt; t++)
        for (int64_t q = p->list_off[t]; q < p->list_off[t + 1]; q++, k++)
            ax_sbuf_printf(b, "%s%lld", k ? ", " : "", (long long)t);
    ax_sbuf_printf(b, "]");
}

/* One synapse parameter ", key: value". */
static void emit_kv(ax_sbuf *b, const char *key, double v)
{
    ax_sbuf_printf(b, ", %s: ", key);
    emit_num(b, v);
}

/* synapse: {model: ..., parameters} of a plastic projection (NEST's names;
 * a weight_recorder is a device the emitter drops, so it is not named);
 * stdp_synapse with Wmax and Kplus as given (its own, or a variant's). */
static void emit_synapse(ax_sbuf *b, const ax_proj_spec *p, double Wmax, double Kplus)
{
    if (p->syn_model == AX_SYN_TSODYKS2 || p->syn_model == AX_SYN_TSODYKS) {
        const ax_tso *t = &p->tso;
        int tm = p->syn_model == AX_SYN_TSODYKS;
        ax_sbuf_printf(b, ", synapse: {model: %s", tm ? "tsodyks_synapse" : "tsodyks2_synapse");
        emit_kv(b, "U", t->U);
        emit_kv(b, "u", t->u);
        emit_kv(b, "x", t->x);
        emit_kv(b, "tau_rec", t->tau_rec);
        emit_kv(b, "tau_fac", t->tau_fac);
        if (tm) {
            emit_kv(b, "y", t->y);
            emit_kv(b, "tau_psc", t->tau_psc);
        }
        ax_sbuf_printf(b, "}");
    } else if (p->syn_model == AX_SYN_STDP) {
        const ax_stdp_params *q = &p->stdp;
        ax_sbuf_printf(b, ", synapse: {model: %s", ax_stdp_name(q->kind));
        emit_kv(b, "tau_plus", q->tau_plus);
        emit_kv(b, "lambda", q->lambda);
        emit_kv(b, "alpha", q->alpha);
        if (q->kind == AX_STDP_PL_HOM) {
            emit_kv(b, "mu", q->mu_plus);
        } else {
            emit_kv(b, "mu_plus", q->mu_plus);
            emit_kv(b, "mu_minus", q->mu_minus);
            emit_kv(b, "Wmax", Wmax);
        }
        emit_kv(b, "Kplus", Kplus);
        ax_sbuf_printf(b, "}");
    }
}

/* An exporter's simulated variant keeps a mapped stdp_synapse (ov->proj_stdp_wmax):
 * Kplus 0 (a board's trace starts there) and Wmax W in the variant's weight units,
 * stretched to the emitted weights [lo, hi] if rounding put one beyond it. */
static void emit_stdp_variant(ax_sbuf *b, const ax_proj_spec *p, double W, double lo, double hi)
{
    if (W > 0 && isfinite(hi) && hi > W) W = hi;
    if (W < 0 && isfinite(lo) && lo < W) W = lo;
    emit_synapse(b, p, W, 0.0);
}

static void emit_proj(const ax_spec *spec, const ax_spec_override *ov, double h, ax_sbuf *b)
{
    if (!spec->n_proj) return;
    ax_sbuf_printf(b, "projections:\n");
    for (int i = 0; i < spec->n_proj; i++) {
        const ax_proj_spec *p = &spec->proj[i];
        ax_sbuf_printf(b, "  - {source: %s, target: %s, rule: %s", spec->pops[p->src].name,
                       spec->pops[p->tgt].name, rule_name(p->rule));
        if (p->rule == AX_RULE_FIXED_INDEGREE) ax_sbuf_printf(b, ", indegree: %lld", (long long)p->k);
        if (p->rule == AX_RULE_FIXED_OUTDEGREE) ax_sbuf_printf(b, ", outdegree: %lld", (long long)p->k);
        if (p->rule == AX_RULE_FIXED_TOTAL_NUMBER) ax_sbuf_printf(b, ", N: %lld", (long long)p->k);
        if (p->rule == AX_RULE_PAIRWISE_BERNOULLI) {
            ax_sbuf_printf(b, ", p: ");
            emit_num(b, p->p);
        }
        if (p->rule == AX_RULE_FROM_LIST) {
            emit_from_list(spec, p, b);
        } else {
            ax_sbuf_printf(b, ", allow_autapses: %s, allow_multapses: %s",
                           p->allow_autapses ? "true" : "false", p->allow_multapses ? "true" : "false");
        }
        ax_sbuf_printf(b, ", receptor: %s", receptor_name(p->receptor));
        double wlo = NAN, whi = NAN; /* the emitted weights' range where it is bounded */
        if (p->weight.kind == AX_DIST_CONST) wlo = whi = p->weight.value;
        else if (p->weight.kind != AX_DIST_NORMAL) wlo = p->weight.low, whi = p->weight.high;
        if (p->list_w) {
            ax_sbuf_printf(b, ", weights: ");
            emit_list(b, p->list_w, p->n_list);
        } else {
            ax_sbuf_printf(b, ", weight: ");
            if (ov && ov->proj_weight && !isnan(ov->proj_weight[i])) {
                emit_num(b, ov->proj_weight[i]);
                wlo = whi = ov->proj_weight[i];
            } else if (ov && ov->proj_weight_scale && !isnan(ov->proj_weight_scale[i])) {
                double r = ov->proj_weight_scale[i];
                ax_dist w = p->weight;
                w.value *= r, w.low *= r, w.high *= r, w.mean *= r, w.std *= r;
                emit_dist(b, &w);
                wlo *= r, whi *= r;
            } else emit_dist(b, &p->weight);
        }
        if (ov && ov->proj_stdp_wmax && p->syn_model == AX_SYN_STDP && !isnan(ov->proj_stdp_wmax[i]))
            emit_stdp_variant(b, p, ov->proj_stdp_wmax[i], wlo, whi);
        else if (!(ov && ov->static_synapses)) emit_synapse(b, p, p->stdp.Wmax, p->stdp.Kplus);
        if (p->list_d) {
            ax_sbuf_printf(b, ", delays: ");
            emit_list(b, p->list_d, p->n_list);
            ax_sbuf_printf(b, "}\n");
            continue;
        }
        ax_sbuf_printf(b, ", delay: ");
        if (ov && ov->proj_delay && !isnan(ov->proj_delay[i])) emit_num(b, on_grid(ov->proj_delay[i], h, 1));
        else if (p->delay.kind == AX_DIST_CONST) emit_num(b, on_grid(p->delay.value, h, 1));
        else emit_dist(b, &p->delay);
        ax_sbuf_printf(b, "}\n");
    }
}

static void emit_dev(const ax_spec *spec, const ax_spec_override *ov, double h, ax_sbuf *b)
{
    int any = 0;
    for (int i = 0; i < spec->n_dev; i++) {
        const ax_dev_spec *d = &spec->dev[i];
        if (d->kind == AX_DEV_MULTIMETER && ov && ov->drop_multimeters) continue;
        /* the emitted projections are static (as exported), so a
         * weight_recorder would have nothing to record */
        if (d->kind == AX_DEV_WEIGHT_REC) continue;
        if (!any++) ax_sbuf_printf(b, "devices:\n");
        double w = ov && ov->dev_weight && !isnan(ov->dev_weight[i]) ? ov->dev_weight[i] : d->weight;
        double dl = ov && ov->dev_delay && !isnan(ov->dev_delay[i]) ? ov->dev_delay[i] : d->delay;
        ax_sbuf_printf(b, "  %s: {", d->name);
        switch (d->kind) {
        case AX_DEV_POISSON:
        case AX_DEV_SPIKE_GEN:
            if (d->kind == AX_DEV_POISSON) {
                ax_sbuf_printf(b, "model: poisson_generator, rate: ");
                emit_num(b, d->rate);
            } else {
                ax_sbuf_printf(b, "model: spike_generator, spike_times: [");
                for (int64_t k = 0; k < d->n_times; k++) {
                    ax_sbuf_printf(b, "%s", k ? ", " : "");
                    emit_num(b, on_grid(d->spike_times[k], h, 1));
                }
                ax_sbuf_printf(b, "]");
            }
            ax_sbuf_printf(b, ", weight: ");
            emit_num(b, w);
            ax_sbuf_printf(b, ", delay: ");
            emit_num(b, on_grid(dl, h, 1));
            ax_sbuf_printf(b, ", receptor: %s", receptor_name(d->receptor));
            break;
        case AX_DEV_DC:
            ax_sbuf_printf(b, "model: dc_generator, amplitude: ");
            emit_num(b, d->amplitude);
            break;
        case AX_DEV_SPIKE_REC: ax_sbuf_printf(b, "model: spike_recorder"); break;
        case AX_DEV_WEIGHT_REC: break;
        case AX_DEV_MULTIMETER:
            ax_sbuf_printf(b, "model: multimeter, record_from: [");
            for (int k = 0; k < d->n_record; k++)
                ax_sbuf_printf(b, "%s%s", k ? ", " : "", d->record_from[k]);
            ax_sbuf_printf(b, "], interval: ");
            emit_num(b, on_grid(d->interval, h, 1));
            ax_sbuf_printf(b, ", precision: %s", d->precision_double ? "double" : "float");
            break;
        }
        if (d->kind != AX_DEV_SPIKE_REC && d->kind != AX_DEV_MULTIMETER) {
            ax_sbuf_printf(b, ", start: ");
            emit_num(b, on_grid(d->start, h, 0));
            ax_sbuf_printf(b, ", stop: ");
            emit_num(b, on_grid(d->stop, h, 0));
        }
        ax_sbuf_printf(b, ", %s: ",
                       d->kind == AX_DEV_SPIKE_REC || d->kind == AX_DEV_MULTIMETER ? "sources"
                                                                                   : "targets");
        emit_targets(b, spec, d);
        ax_sbuf_printf(b, "}\n");
    }
}

ax_status ax_spec_emit(const ax_spec *spec, const ax_spec_override *ov, ax_sbuf *b,
                       ax_error *err)
{
    double h = ov && ov->resolution > 0 ? ov->resolution : spec->sim.resolution;
    ax_sbuf_printf(b, "simulation:\n  resolution: ");
    emit_num(b, h);
    ax_sbuf_printf(b, "\n  t_sim: ");
    emit_num(b, on_grid(spec->sim.t_sim, h, 0));
    ax_sbuf_printf(b, "\n  seed: %llu\n", (unsigned long long)spec->sim.seed);
    if (spec->sim.threads > 0) ax_sbuf_printf(b, "  threads: %d\n", spec->sim.threads);
    if (spec->sim.output[0] && !(ov && ov->no_output))
        ax_sbuf_printf(b, "  output: \"%s\"\n", spec->sim.output);
    ax_sbuf_printf(b, "  flush_interval: ");
    emit_num(b, spec->sim.flush_interval);
    ax_sbuf_printf(b, "\n");
    emit_pops(spec, ov, b);
    emit_proj(spec, ov, h, b);
    emit_dev(spec, ov, h, b);
    AX_CHECK(!b->oom, err, AX_ENOMEM, "out of memory writing a spec");
    return AX_OK;
}

ax_status ax_spec_to_yaml(const ax_spec *spec, char **text, ax_error *err)
{
    ax_sbuf b = {0};
    ax_status s = ax_spec_emit(spec, NULL, &b, err);
    if (s != AX_OK) {
        ax_sbuf_free(&b);
        return s;
    }
    *text = ax_sbuf_take(&b);
    AX_CHECK_ALLOC(*text, err, "spec text");
    return AX_OK;
}
