/* test_spec.c - unit tests of the spec loader (io/spec/): values and
 * defaults of good specs, first_gid, distributions, a JSON spec equal to its
 * YAML twin, expected synapse counts, delay range, the memory estimate, and
 * error positions. Bad whole files are covered by tests/test_bad_specs.sh.
 */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axon/spec.h"
#include "axon/spec_emit.h"

static const char *const good_yaml =
    "simulation: {resolution: 0.1, t_sim: 1000.0, seed: 7, threads: 2, flush_interval: 250.0}\n"
    "populations:\n"
    "  E: {model: iaf_psc_delta, n: 1000, params: {C_m: 1.0, tau_m: 20.0, V_th: 20.0,\n"
    "      E_L: 0.0, V_reset: 0.0, t_ref: 2.0, reset: subtract, refractory_input: true},\n"
    "      initial: {V_m: {distribution: uniform, low: 0.0, high: 20.0}}}\n"
    "  I: {model: iaf_psc_exp, n: 250, params: {tau_m: .inf}}\n"
    "projections:\n"
    "  - {source: E, target: I, rule: fixed_indegree, indegree: 100, allow_autapses: false,\n"
    "     receptor: excitatory, weight: 0.1,\n"
    "     delay: {distribution: normal_clipped, mean: 1.5, std: 0.75, low: 0.1, high: 10.0}}\n"
    "  - {source: I, target: I, rule: all_to_all, allow_autapses: false, weight: -0.5}\n"
    "  - {source: E, target: E, rule: pairwise_bernoulli, p: 0.1, delay: 2.0}\n"
    "  - {source: I, target: E, rule: fixed_outdegree, outdegree: 3}\n"
    "  - {source: E, target: E, rule: fixed_total_number, N: 5000, allow_autapses: false}\n"
    "  - {source: I, target: I, rule: one_to_one, weight: {distribution: normal, mean: -1, "
    "std: 0.5}}\n"
    "devices:\n"
    "  noise: {model: poisson_generator, rate: 20000.0, weight: 0.1, delay: 1.5, targets: [E, I]}\n"
    "  dc: {model: dc_generator, amplitude: 100.0, stop: 500.0,\n"
    "       targets: [{population: E, first: 0, count: 10}]}\n"
    "  sg: {model: spike_generator, spike_times: [1.0, 2.5], weight: 5.0, targets: [I]}\n"
    "  spikes: {model: spike_recorder, sources: [E, I]}\n"
    "  vm: {model: multimeter, record_from: [V_m], precision: double,\n"
    "       sources: [{population: I, first: 5}]}\n";

/* The same network as good_yaml's first lines, in JSON. */
static const char *const twin_yaml =
    "simulation: {t_sim: 100.0}\n"
    "populations:\n"
    "  A: {model: iaf_cond_exp, n: 20, params: {g_L: 16.0}}\n"
    "projections:\n"
    "  - {source: A, target: A, rule: fixed_indegree, indegree: 5, weight: 2.0, delay: 0.5}\n"
    "devices:\n"
    "  s: {model: spike_recorder, sources: [A]}\n";
static const char *const twin_json =
    "{\"simulation\": {\"t_sim\": 100.0},\n"
    " \"populations\": {\"A\": {\"model\": \"iaf_cond_exp\", \"n\": 20,\n"
    "                         \"params\": {\"g_L\": 16.0}}},\n"
    " \"projections\": [{\"source\": \"A\", \"target\": \"A\", \"rule\": \"fixed_indegree\",\n"
    "                  \"indegree\": 5, \"weight\": 2.0, \"delay\": 0.5}],\n"
    " \"devices\": {\"s\": {\"model\": \"spike_recorder\", \"sources\": [\"A\"]}}}\n";

static ax_spec *load(const char *text)
{
    ax_spec *s = NULL;
    ax_error err;
    ax_error_clear(&err);
    ax_status st = ax_spec_parse(text, strlen(text), "test.yaml", &s, &err);
    if (st != AX_OK) fprintf(stderr, "unexpected error: %s\n", err.msg);
    return s;
}

/* Parse text that must fail; returns the message (static). */
static const char *fail_msg(const char *text)
{
    static ax_error err;
    ax_spec *s = NULL;
    ax_error_clear(&err);
    ax_status st = ax_spec_parse(text, strlen(text), "t.yaml", &s, &err);
    CU_ASSERT_EQUAL(st, AX_EINPUT);
    CU_ASSERT_PTR_NULL(s);
    return err.msg;
}

static void test_values_and_defaults(void)
{
    ax_spec *s = load(good_yaml);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_DOUBLE_EQUAL(s->sim.resolution, 0.1, 0);
    CU_ASSERT_DOUBLE_EQUAL(s->sim.t_sim, 1000.0, 0);
    CU_ASSERT_EQUAL(s->sim.seed, 7);
    CU_ASSERT_EQUAL(s->sim.threads, 2);
    CU_ASSERT_DOUBLE_EQUAL(s->sim.flush_interval, 250.0, 0);
    CU_ASSERT_STRING_EQUAL(s->sim.output, "");
    CU_ASSERT_EQUAL(s->n_pops, 2);
    CU_ASSERT_STRING_EQUAL(s->pops[1].name, "I");
    CU_ASSERT_STRING_EQUAL(s->pops[1].model, "iaf_psc_exp");
    CU_ASSERT_EQUAL(s->pops[0].first_gid, 0);
    CU_ASSERT_EQUAL(s->pops[1].first_gid, 1000);
    CU_ASSERT_EQUAL(s->n_total, 1250);
    CU_ASSERT_EQUAL(ax_spec_find_pop(s, "I"), 1);
    CU_ASSERT_EQUAL(ax_spec_find_pop(s, "X"), -1);
    /* Given, boolean, choice (index 1 = subtract), infinity, and defaults. */
    double v;
    ax_error err;
    CU_ASSERT_EQUAL(ax_spec_param(s, 0, "tau_m", &v, &err), AX_OK);
    CU_ASSERT_DOUBLE_EQUAL(v, 20.0, 0);
    CU_ASSERT_EQUAL(ax_spec_param(s, 0, "refractory_input", &v, &err), AX_OK);
    CU_ASSERT_DOUBLE_EQUAL(v, 1.0, 0);
    CU_ASSERT_EQUAL(ax_spec_param(s, 0, "reset", &v, &err), AX_OK);
    CU_ASSERT_DOUBLE_EQUAL(v, 1.0, 0);
    CU_ASSERT_EQUAL(ax_spec_param(s, 1, "tau_m", &v, &err), AX_OK);
    CU_ASSERT(isinf(v) && v > 0);
    CU_ASSERT_EQUAL(ax_spec_param(s, 1, "C_m", &v, &err), AX_OK);
    CU_ASSERT_DOUBLE_EQUAL(v, 250.0, 0); /* NEST default */
    CU_ASSERT_EQUAL(ax_spec_param(s, 1, "nonsense", &v, &err), AX_EINPUT);
    CU_ASSERT_EQUAL(s->pops[0].n_params, 8);
    CU_ASSERT_EQUAL(s->pops[0].params[0].loc.line, 3);
    ax_spec_destroy(&s);
    CU_ASSERT_PTR_NULL(s);
    ax_spec_destroy(&s); /* NULL-safe */
}

static void test_projections_and_distributions(void)
{
    ax_spec *s = load(good_yaml);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL_FATAL(s->n_proj, 6);
    const ax_proj_spec *p = &s->proj[0];
    CU_ASSERT_EQUAL(p->src, 0);
    CU_ASSERT_EQUAL(p->tgt, 1);
    CU_ASSERT_EQUAL(p->rule, AX_RULE_FIXED_INDEGREE);
    CU_ASSERT_EQUAL(p->k, 100);
    CU_ASSERT_EQUAL(p->allow_autapses, 0);
    CU_ASSERT_EQUAL(p->allow_multapses, 1);
    CU_ASSERT_EQUAL(p->receptor, AX_RECEPTOR_EXCITATORY);
    CU_ASSERT_EQUAL(p->weight.kind, AX_DIST_CONST);
    CU_ASSERT_DOUBLE_EQUAL(p->weight.value, 0.1, 0);
    CU_ASSERT_EQUAL(p->delay.kind, AX_DIST_NORMAL_CLIPPED);
    CU_ASSERT_DOUBLE_EQUAL(p->delay.mean, 1.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(p->delay.std, 0.75, 0);
    CU_ASSERT_DOUBLE_EQUAL(p->delay.low, 0.1, 0);
    CU_ASSERT_DOUBLE_EQUAL(p->delay.high, 10.0, 0);
    CU_ASSERT_EQUAL(p->loc.line, 8);
    /* defaults: weight 1, delay = resolution, receptor auto */
    CU_ASSERT_DOUBLE_EQUAL(s->proj[3].weight.value, 1.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(s->proj[3].delay.value, 0.1, 0);
    CU_ASSERT_EQUAL(s->proj[3].receptor, AX_RECEPTOR_AUTO);
    CU_ASSERT_EQUAL(s->proj[5].weight.kind, AX_DIST_NORMAL);
    CU_ASSERT_DOUBLE_EQUAL(s->proj[5].weight.mean, -1.0, 0);
    const ax_init_value *iv = &s->pops[0].init[0];
    CU_ASSERT_STRING_EQUAL(iv->name, "V_m");
    CU_ASSERT_EQUAL(iv->dist.kind, AX_DIST_UNIFORM);
    CU_ASSERT_DOUBLE_EQUAL(iv->dist.high, 20.0, 0);
    ax_spec_destroy(&s);
}

static void test_devices(void)
{
    ax_spec *s = load(good_yaml);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL_FATAL(s->n_dev, 5);
    const ax_dev_spec *d = &s->dev[0];
    CU_ASSERT_EQUAL(d->kind, AX_DEV_POISSON);
    CU_ASSERT_DOUBLE_EQUAL(d->rate, 20000.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(d->delay, 1.5, 0);
    CU_ASSERT_EQUAL(d->n_targets, 2);
    CU_ASSERT_EQUAL(d->targets[1].pop, 1);
    CU_ASSERT_EQUAL(d->targets[1].count, 250);
    CU_ASSERT(isinf(d->stop));
    d = &s->dev[1];
    CU_ASSERT_EQUAL(d->kind, AX_DEV_DC);
    CU_ASSERT_DOUBLE_EQUAL(d->amplitude, 100.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(d->start, 0.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(d->stop, 500.0, 0);
    CU_ASSERT_EQUAL(d->targets[0].count, 10);
    d = &s->dev[2];
    CU_ASSERT_EQUAL(d->kind, AX_DEV_SPIKE_GEN);
    CU_ASSERT_EQUAL(d->n_times, 2);
    CU_ASSERT_DOUBLE_EQUAL(d->spike_times[1], 2.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(d->delay, 0.1, 0); /* default: resolution */
    d = &s->dev[4];
    CU_ASSERT_EQUAL(d->kind, AX_DEV_MULTIMETER);
    CU_ASSERT_EQUAL(d->n_record, 1);
    CU_ASSERT_STRING_EQUAL(d->record_from[0], "V_m");
    CU_ASSERT_DOUBLE_EQUAL(d->interval, 0.1, 0);
    CU_ASSERT_EQUAL(d->precision_double, 1);
    CU_ASSERT_EQUAL(d->targets[0].first, 5);
    CU_ASSERT_EQUAL(d->targets[0].count, 245);
    ax_spec_destroy(&s);
}

static void test_json_twin(void)
{
    ax_spec *a = load(twin_yaml), *b = load(twin_json);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(a->n_pops, b->n_pops);
    CU_ASSERT_STRING_EQUAL(a->pops[0].model, b->pops[0].model);
    CU_ASSERT_EQUAL(a->pops[0].n, b->pops[0].n);
    CU_ASSERT_EQUAL(b->pops[0].n_params, 1);
    CU_ASSERT_DOUBLE_EQUAL(a->pops[0].params[0].value, b->pops[0].params[0].value, 0);
    CU_ASSERT_EQUAL(b->n_proj, 1);
    CU_ASSERT_EQUAL(a->proj[0].k, b->proj[0].k);
    CU_ASSERT_DOUBLE_EQUAL(a->proj[0].delay.value, b->proj[0].delay.value, 0);
    CU_ASSERT_EQUAL(b->n_dev, 1);
    CU_ASSERT_EQUAL(a->dev[0].kind, b->dev[0].kind);
    CU_ASSERT_EQUAL(a->sim.seed, 12345);
    CU_ASSERT_EQUAL(b->sim.seed, 12345);
    CU_ASSERT_EQUAL(b->sim.threads, 0);
    CU_ASSERT_DOUBLE_EQUAL(b->sim.flush_interval, 500.0, 0);
    CU_ASSERT_EQUAL(b->proj[0].loc.line, 4); /* positions in JSON too */
    ax_spec_destroy(&a);
    ax_spec_destroy(&b);
}

static void test_expected_synapses(void)
{
    ax_spec *s = load(good_yaml);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_DOUBLE_EQUAL(ax_spec_expected_synapses(s, 0), 100.0 * 250, 0);
    CU_ASSERT_DOUBLE_EQUAL(ax_spec_expected_synapses(s, 1), 250.0 * 249, 0); /* no autapses */
    CU_ASSERT_DOUBLE_EQUAL(ax_spec_expected_synapses(s, 2), 0.1 * 1000 * 1000, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(ax_spec_expected_synapses(s, 3), 3.0 * 250, 0);
    CU_ASSERT_DOUBLE_EQUAL(ax_spec_expected_synapses(s, 4), 5000.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(ax_spec_expected_synapses(s, 5), 250.0, 0);
    ax_spec_destroy(&s);
}

static void test_delay_range(void)
{
    ax_spec *s = load(good_yaml);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    int64_t lo, hi;
    ax_spec_delay_range(s, &lo, &hi);
    CU_ASSERT_EQUAL(lo, 1);   /* clipped low 0.1 ms, default delays 0.1 ms */
    CU_ASSERT_EQUAL(hi, 100); /* clipped high 10 ms */
    ax_spec_destroy(&s);
    s = load(twin_yaml);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    ax_spec_delay_range(s, &lo, &hi);
    CU_ASSERT_EQUAL(lo, 5);
    CU_ASSERT_EQUAL(hi, 5);
    ax_spec_destroy(&s);
}

/* Explicit networks (docs/spec.md): per-neuron values, spike sources and a
 * from_list projection parse as documented and survive the emitter. */
static const char *const explicit_yaml =
    "simulation: {resolution: 0.5, t_sim: 10.0}\n"
    "populations:\n"
    "  S: {model: spike_source_array, n: 2, params: {spike_times: [[1.0, 1.0, 2.5], []]}}\n"
    "  E: {model: iaf_psc_delta, n: 3, params: {tau_m: [10, 20, 30], V_th: -50, E_L: [-70, -60, -65]},\n"
    "      initial: {V_m: [-70, -61, -66]}}\n"
    "projections:\n"
    "  - {source: S, target: E, rule: from_list, sources: [1, 0, 0, 1], targets: [2, 0, 2, 1],\n"
    "     weights: [1.5, -2.0, 3.0, 4.0], delays: [1.0, 0.5, 2.0, 1.5]}\n"
    "  - {source: E, target: E, rule: from_list, sources: [2], targets: [0], weight: 0.25}\n";

static void check_explicit(const ax_spec *s)
{
    const ax_pop_spec *S = &s->pops[0], *E = &s->pops[1];
    CU_ASSERT_FATAL(S->times_off != NULL);
    CU_ASSERT_EQUAL(S->times_off[1], 3);
    CU_ASSERT_EQUAL(S->times_off[2], 3);
    CU_ASSERT_DOUBLE_EQUAL(S->times[1], 1.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(S->times[2], 2.5, 0);
    double v = 0;
    ax_error e;
    ax_error_clear(&e);
    CU_ASSERT_EQUAL(ax_spec_param(s, 1, "tau_m", &v, &e), AX_EINPUT); /* differs per neuron */
    CU_ASSERT(strstr(e.msg, "tau_m differs per neuron") != NULL);
    CU_ASSERT_EQUAL(ax_spec_param_at(s, 1, "tau_m", 2, &v, &e), AX_OK);
    CU_ASSERT_DOUBLE_EQUAL(v, 30, 0);
    CU_ASSERT_EQUAL(ax_spec_param(s, 1, "V_th", &v, &e), AX_OK);
    CU_ASSERT_DOUBLE_EQUAL(v, -50, 0);
    CU_ASSERT_EQUAL(ax_spec_param_at(s, 1, "C_m", 1, &v, &e), AX_OK); /* default */
    CU_ASSERT_DOUBLE_EQUAL(v, 250, 0);
    CU_ASSERT_FATAL(E->n_init == 1 && E->init[0].values != NULL);
    CU_ASSERT_DOUBLE_EQUAL(E->init[0].values[1], -61, 0);
    const ax_proj_spec *p = &s->proj[0];
    CU_ASSERT_EQUAL_FATAL(p->rule, AX_RULE_FROM_LIST);
    CU_ASSERT_EQUAL(p->n_list, 4);
    /* sorted by target, each target's connections in list order */
    int64_t off[4] = {0, 1, 2, 4}, src[4] = {0, 1, 1, 0};
    double w[4] = {-2.0, 4.0, 1.5, 3.0}, d[4] = {0.5, 1.5, 1.0, 2.0};
    for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(p->list_off[i], off[i]);
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(p->list_src[i], src[i]);
        CU_ASSERT_DOUBLE_EQUAL(p->list_w[i], w[i], 0);
        CU_ASSERT_DOUBLE_EQUAL(p->list_d[i], d[i], 0);
    }
    CU_ASSERT_DOUBLE_EQUAL(ax_spec_expected_synapses(s, 0), 4, 0);
    CU_ASSERT(s->proj[1].list_w == NULL && s->proj[1].weight.kind == AX_DIST_CONST);
    int64_t lo, hi;
    ax_spec_delay_range(s, &lo, &hi);
    CU_ASSERT_EQUAL(lo, 1); /* 0.5 ms */
    CU_ASSERT_EQUAL(hi, 4); /* 2.0 ms */
}

static void test_explicit(void)
{
    ax_spec *s = load(explicit_yaml);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    check_explicit(s);
    char *y = NULL;
    ax_error e;
    ax_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(ax_spec_to_yaml(s, &y, &e), AX_OK);
    ax_spec *t = load(y);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    check_explicit(t);
    free(y);
    ax_spec_destroy(&s);
    ax_spec_destroy(&t);
}

/* A spec with every parameter at its default reads back from its own YAML:
 * iaf_psc_delta's V_min is -inf by default (no lower bound), which the
 * emitter writes and the loader must take (it refused -inf before). A
 * negative infinite tau_m is still refused, by the model's rule. */
static void test_infinite_params(void)
{
    ax_spec *s = load("simulation: {t_sim: 1}\npopulations:\n  A: {model: iaf_psc_delta, n: 2, "
                      "params: {V_min: -.inf, tau_m: .inf}}\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    char *y = NULL;
    ax_error e;
    ax_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(ax_spec_to_yaml(s, &y, &e), AX_OK);
    ax_spec *t = load(y);
    CU_ASSERT_PTR_NOT_NULL(t);
    double v = 0;
    if (t) CU_ASSERT_EQUAL(ax_spec_param(t, 0, "V_min", &v, &e), AX_OK);
    CU_ASSERT(isinf(v) && v < 0);
    free(y);
    ax_spec_destroy(&s);
    ax_spec_destroy(&t);
    CU_ASSERT_PTR_NOT_NULL(strstr(fail_msg("simulation: {t_sim: 1}\npopulations:\n  A: {model: "
                                           "iaf_psc_delta, n: 2, params: {tau_m: -.inf}}\n"),
                                  "only +inf is allowed here"));
}

/* Plastic projections read back from the emitted YAML with their synapse
 * model and every parameter (the emitter used to drop `synapse`, so a
 * session's written spec ran static synapses); the exporters' simulated
 * variants (static_synapses) still write them static. */
static void test_emit_synapses(void)
{
    const char *yaml =
        "simulation: {t_sim: 1}\n"
        "populations:\n  A: {model: iaf_psc_exp, n: 3, params: {tau_minus: 33.7}}\n"
        "projections:\n"
        "  - {source: A, target: A, rule: all_to_all, weight: -0.3, synapse: {model: stdp_synapse, "
        "tau_plus: 16.8, lambda: 0.013, alpha: 1.2, mu_plus: 0.25, mu_minus: 0.75, Wmax: -0.9, "
        "Kplus: 0.5}}\n"
        "  - {source: A, target: A, rule: one_to_one, weight: 2, synapse: {model: "
        "stdp_pl_synapse_hom, tau_plus: 12.5, lambda: 0.2, alpha: 0.3, mu: 0.45, Kplus: 0.1}}\n"
        "  - {source: A, target: A, rule: one_to_one, weight: 2, synapse: {model: tsodyks2_synapse, "
        "U: 0.3, u: 0.2, x: 0.9, tau_rec: 120.5, tau_fac: 17}}\n";
    ax_spec *s = load(yaml);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    char *y = NULL;
    ax_error e;
    ax_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(ax_spec_to_yaml(s, &y, &e), AX_OK);
    ax_spec *t = load(y);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    for (int k = 0; k < 3; k++) CU_ASSERT_EQUAL(t->proj[k].syn_model, s->proj[k].syn_model);
    CU_ASSERT_EQUAL(t->proj[0].syn_model, AX_SYN_STDP);
    for (int k = 0; k < 2; k++) {
        const ax_stdp_params *a = &s->proj[k].stdp, *b = &t->proj[k].stdp;
        CU_ASSERT_EQUAL(a->kind, b->kind);
        CU_ASSERT(a->tau_plus == b->tau_plus && a->tau_plus_inv == b->tau_plus_inv &&
                  a->lambda == b->lambda && a->alpha == b->alpha && a->mu_plus == b->mu_plus &&
                  a->mu_minus == b->mu_minus && a->Kplus == b->Kplus);
        if (a->kind == AX_STDP_PAIR) CU_ASSERT(a->Wmax == b->Wmax);
    }
    CU_ASSERT_EQUAL(t->proj[1].stdp.kind, AX_STDP_PL_HOM);
    const ax_tso *a = &s->proj[2].tso, *b = &t->proj[2].tso;
    CU_ASSERT(a->U == b->U && a->u == b->u && a->x == b->x && a->tau_rec == b->tau_rec &&
              a->tau_fac == b->tau_fac && b->tau_rec == 120.5);
    free(y);
    ax_sbuf sb = {0};
    ax_spec_override ov = {.static_synapses = 1};
    CU_ASSERT_EQUAL_FATAL(ax_spec_emit(s, &ov, &sb, &e), AX_OK);
    y = ax_sbuf_take(&sb);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    CU_ASSERT_PTR_NULL(strstr(y, "synapse"));
    free(y);
    ax_spec_destroy(&s);
    ax_spec_destroy(&t);
}

/* Short-term plasticity survives the emitter (it wrote every projection as
 * static before) and tsodyks_synapse's own keys stay its own. */
static void test_synapse_models_read_back(void)
{
    ax_spec *s = load("simulation: {t_sim: 1}\npopulations:\n  A: {model: iaf_psc_exp, n: 2}\n"
                      "projections:\n  - {source: A, target: A, rule: all_to_all, weight: 1.0,\n"
                      "     synapse: {model: tsodyks_synapse, U: 0.3, u: 0.1, x: 0.7, y: 0.2,\n"
                      "               tau_rec: 50, tau_fac: 7, tau_psc: 2.5}}\n"
                      "  - {source: A, target: A, rule: all_to_all, weight: 1.0,\n"
                      "     synapse: {model: tsodyks2_synapse, U: 0.6, tau_rec: 9}}\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    char *y = NULL;
    ax_error e;
    ax_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(ax_spec_to_yaml(s, &y, &e), AX_OK);
    ax_spec *t = load(y);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    for (int k = 0; k < 2; k++) {
        CU_ASSERT_EQUAL(t->proj[k].syn_model, s->proj[k].syn_model);
        CU_ASSERT(!memcmp(&t->proj[k].tso, &s->proj[k].tso, sizeof t->proj[k].tso));
    }
    CU_ASSERT_EQUAL(t->proj[0].syn_model, AX_SYN_TSODYKS);
    CU_ASSERT_EQUAL(t->proj[0].tso.tau_psc, 2.5);
    free(y);
    ax_spec_destroy(&s);
    ax_spec_destroy(&t);
    CU_ASSERT_PTR_NOT_NULL(strstr(fail_msg("simulation: {t_sim: 1}\npopulations:\n  A: {model: "
                                           "iaf_psc_exp, n: 2}\nprojections:\n  - {source: A, "
                                           "target: A, rule: all_to_all, synapse: {model: "
                                           "tsodyks2_synapse, tau_psc: 3}}\n"),
                                  "'tau_psc' belongs to tsodyks_synapse"));
    CU_ASSERT_PTR_NOT_NULL(strstr(fail_msg("simulation: {t_sim: 1}\npopulations:\n  A: {model: "
                                           "iaf_psc_exp, n: 2}\nprojections:\n  - {source: A, "
                                           "target: A, rule: all_to_all, synapse: {model: "
                                           "tsodyks_synapse, x: 0.8, y: 0.5}}\n"),
                                  "x + y = 1.3 must be <= 1"));
}

/* The estimate follows the stated model: 8 B per synapse dominates a dense
 * network, and it shrinks (towards the fixed runtime) with more ranks. */
static void test_estimate(void)
{
    const char *dense =
        "simulation: {t_sim: 10.0, threads: 1}\n"
        "populations: {A: {model: iaf_psc_delta, n: 10000}}\n"
        "projections: [{source: A, target: A, rule: fixed_indegree, indegree: 1000}]\n";
    ax_spec *s = load(dense);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    double runtime = 64.0 * 1024 * 1024;
    double e1 = ax_spec_estimate_bytes_per_rank(s, 1);
    double syn = 8.0 * 1e7 + 16.0 * 10000;               /* synapses + rows */
    double neur = 10000 * (8.0 * 1 + 32 + 2 * 8.0 * 1 + 32 + 8 + 4 * 1); /* delay 1 step */
    CU_ASSERT_DOUBLE_EQUAL(e1, runtime + syn + neur, 1.0);
    double e4 = ax_spec_estimate_bytes_per_rank(s, 4);
    CU_ASSERT(e4 < e1);
    CU_ASSERT_DOUBLE_EQUAL(e4 - runtime, (e1 - runtime) / 4, (e1 - runtime) * 0.01);
    ax_error err;
    CU_ASSERT_EQUAL(ax_spec_check_memory(s, 1, &err), AX_OK);
    ax_spec_destroy(&s);
    const char *huge = "simulation: {t_sim: 10.0}\n"
                       "populations: {A: {model: iaf_psc_delta, n: 4000000000}}\n";
    ax_spec *h = NULL;
    ax_error_clear(&err);
    CU_ASSERT_EQUAL(ax_spec_parse(huge, strlen(huge), "h.yaml", &h, &err), AX_ENOMEM);
    CU_ASSERT_PTR_NULL(h);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "h.yaml:2:15: the network does not fit"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "GiB"));
}

static void test_error_positions(void)
{
    const char *m = fail_msg("simulation: {t_sim: 10.0}\npopulations:\n  E: {model: iaf_psc_delta, "
                             "n: 10, params: {tau_mm: 1.0}}\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "t.yaml:3:45: unknown parameter 'tau_mm'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "did you mean 'tau_m'?"));
    m = fail_msg("simulation: {t_sim: 10.0}\npopulations:\n  E: {model: iaf_psc_delta, n: 10}\n"
                 "projections:\n  - {source: E, target: E, rule: all_to_all, delay: 0.25}\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "t.yaml:5:53:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "not a multiple of the resolution"));
    m = fail_msg("simulation: {t_sim: 10.0}\npopulations:\n  E: {model: iaf_psc_delta, n: 10}\n"
                 "  E: {model: iaf_psc_delta, n: 10}\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "t.yaml:4:3: duplicate key 'E'"));
    m = fail_msg("simulation: {t_sim: 10.0}\npopulations: {E: {model: iaf_psc_delta, n: 10,"
                 " params: {tau_m: \"inf\", t_ref: \"2\"}}}\n");
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "t_ref must be a number, got the string '2'"));
    /* quoted "inf" is accepted where infinity is (JSON has no .inf) */
    ax_spec *s = load("simulation: {t_sim: 10.0}\npopulations: {E: {model: iaf_psc_delta, "
                      "n: 10, params: {tau_m: \"inf\"}}}\n");
    CU_ASSERT_PTR_NOT_NULL(s);
    ax_spec_destroy(&s);
    /* anchors and aliases work */
    s = load("simulation: {t_sim: 10.0}\npopulations:\n  E: &p {model: iaf_psc_delta, n: 4}\n"
             "  I: *p\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->n_total, 8);
    ax_spec_destroy(&s);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite su = CU_add_suite("spec", NULL, NULL);
    CU_add_test(su, "values and defaults", test_values_and_defaults);
    CU_add_test(su, "projections and distributions", test_projections_and_distributions);
    CU_add_test(su, "devices", test_devices);
    CU_add_test(su, "JSON equals YAML", test_json_twin);
    CU_add_test(su, "expected synapses", test_expected_synapses);
    CU_add_test(su, "delay range", test_delay_range);
    CU_add_test(su, "memory estimate", test_estimate);
    CU_add_test(su, "error positions", test_error_positions);
    CU_add_test(su, "explicit networks", test_explicit);
    CU_add_test(su, "infinite parameters read back", test_infinite_params);
    CU_add_test(su, "plastic synapses read back", test_emit_synapses);
    CU_add_test(su, "synapse models read back", test_synapse_models_read_back);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
