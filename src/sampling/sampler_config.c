/* sampler_config.c - the sampler file: neuron model, parameters and Poisson
 * background of one LIF sampler, plus calibration options.
 *
 * Accepts PyNN's names and units (IF_cond_exp / IF_curr_exp; cm nF, tau_m,
 * v_rest, v_thresh, v_reset, tau_refrac, tau_syn_E/I, e_rev_E/I, i_offset nA;
 * background weights uS / nA) and NEST's (iaf_cond_exp / iaf_psc_exp; C_m pF,
 * g_L nS or tau_m, E_L, V_th, V_reset, t_ref, tau_syn_ex/in, E_ex/E_in, I_e pA;
 * weights nS / pA). Whatever was read, ax_sampler holds NEST units.
 * Defaults are the NEST model's for NEST names and PyNN's for PyNN names.
 * Errors carry file:line:col (AX_EINPUT).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "axon/agree.h"
#include "axon/model.h"
#include "axon/sampling_yaml.h"
#include "axon/yaml.h"
#include "sampling_impl.h"

void ax_calib_opts_default(ax_calib_opts *o)
{
    *o = (ax_calib_opts){.dt = 0.01, .duration = 1e5, .burn_in = 500.0, .num_samples = 150,
                         .seed = 12345, .fit = AX_FIT_LOGISTIC, .prescan = 1, .v_min = -80.0,
                         .v_max = -20.0, .dv = 0.2, .pre_duration = 1000.0, .p_min = 0.05,
                         .p_max = 0.95, .min_points = 10, .max_search_steps = 100};
}

const char *ax_sampler_model(const ax_sampler *s)
{
    return s->kind == AX_SAMPLER_COND ? "iaf_cond_exp" : "iaf_psc_exp";
}

/* PyNN name -> NEST field and unit factor (cm nF -> pF, i_offset nA -> pA). */
typedef struct pname { const char *pynn, *nest; double scale; } pname;
static const pname kNames[] = {
    {"cm", "C_m", 1000.0},        {"v_rest", "E_L", 1.0},        {"v_thresh", "V_th", 1.0},
    {"v_reset", "V_reset", 1.0},  {"tau_refrac", "t_ref", 1.0},  {"tau_syn_E", "tau_syn_ex", 1.0},
    {"tau_syn_I", "tau_syn_in", 1.0}, {"e_rev_E", "E_ex", 1.0},  {"e_rev_I", "E_in", 1.0},
    {"i_offset", "I_e", 1000.0},  {"tau_refrac_virtual", "t_ref_virtual", 1.0},
};

#define F(name, field) {name, offsetof(ax_sampler, field)}
const ax_sampler_param ax_sampler_nest[AX_SAMPLER_N_NEST] = {
    F("C_m", C_m),   F("g_L", g_L), F("E_L", E_L), F("V_th", V_th), F("V_reset", V_reset),
    F("t_ref", t_ref), F("t_ref_virtual", t_ref_virtual), F("E_ex", E_ex), F("E_in", E_in),
    F("tau_syn_ex", tau_syn_ex), F("tau_syn_in", tau_syn_in), F("I_e", I_e)};
#undef F

static double *field(ax_sampler *s, const char *nest)
{
    for (int k = 0; k < AX_SAMPLER_N_NEST; k++)
        if (!strcmp(nest, ax_sampler_nest[k].nest)) return (double *)((char *)s + ax_sampler_nest[k].off);
    return NULL;
}

/* Defaults: PyNN's table (reference §6) or the NEST model's registry values. */
static void defaults(ax_sampler *s, int pynn)
{
    if (pynn) {
        *s = (ax_sampler){.kind = s->kind, .C_m = 1000.0, .g_L = 50.0, .E_L = -65.0,
                          .V_th = -50.0, .V_reset = -65.0, .t_ref = 0.1, .E_ex = 0.0,
                          .E_in = -70.0, .tau_syn_ex = 5.0, .tau_syn_in = 5.0};
        return;
    }
    const ax_model_ops *m = ax_model_find(ax_sampler_model(s));
    double p[64];
    ax_model_defaults(m, p);
    for (int i = 0; i < m->n_params; i++) {
        double *f = field(s, m->params[i].name);
        if (f) *f = p[i];
    }
    int k = ax_model_param_index(m, "tau_m");
    if (k >= 0) s->g_L = s->C_m / p[k];
    if (s->kind == AX_SAMPLER_CURR) s->E_ex = s->E_in = 0.0;
}

static ax_status parse_model(ax_sctx *c, const ax_yn *n, ax_sampler *s, int *pynn)
{
    char name[32];
    AX_TRY(ax_spec_string(c, n, "sampler.model", name, sizeof name));
    if (!strcmp(name, "IF_cond_exp") || !strcmp(name, "iaf_cond_exp")) s->kind = AX_SAMPLER_COND;
    else if (!strcmp(name, "IF_curr_exp") || !strcmp(name, "iaf_psc_exp")) s->kind = AX_SAMPLER_CURR;
    else
        return ax_spec_fail(c, n, "unknown sampler model '%s'; allowed: IF_cond_exp, iaf_cond_exp, "
                                  "IF_curr_exp, iaf_psc_exp", name);
    *pynn = name[0] == 'I';
    return AX_OK;
}

/* One parameter by PyNN or NEST name; tau_m is kept aside (g_L = C_m / tau_m). */
static ax_status parse_param(ax_sctx *c, const ax_yn *key, const ax_yn *val, ax_sampler *s,
                             double *tau_m, int *have_gl)
{
    double v;
    char what[96];
    snprintf(what, sizeof what, "sampler.params.%s", key->str);
    AX_TRY(ax_spec_number(c, val, what, 0, &v));
    if (!strcmp(key->str, "tau_m")) {
        *tau_m = v;
        return AX_OK;
    }
    for (size_t i = 0; i < sizeof kNames / sizeof kNames[0]; i++)
        if (!strcmp(key->str, kNames[i].pynn)) {
            *field(s, kNames[i].nest) = v * kNames[i].scale;
            return AX_OK;
        }
    double *f = field(s, key->str);
    if (!f)
        return ax_spec_fail(c, key, "unknown sampler parameter '%s'; PyNN names: cm, tau_m, v_rest, "
                                    "v_thresh, v_reset, tau_refrac, tau_syn_E, tau_syn_I, e_rev_E, "
                                    "e_rev_I, i_offset; NEST names: C_m, g_L, tau_m, E_L, V_th, "
                                    "V_reset, t_ref, tau_syn_ex, tau_syn_in, E_ex, E_in, I_e; "
                                    "sbs's tau_refrac_virtual",
                            key->str);
    if ((f == &s->E_ex || f == &s->E_in) && s->kind == AX_SAMPLER_CURR)
        return ax_spec_fail(c, key, "'%s' is a conductance-model parameter; the sampler model is "
                                    "current-based", key->str);
    if (f == &s->g_L) *have_gl = 1;
    *f = v;
    return AX_OK;
}

static ax_status parse_params(ax_sctx *c, const ax_yn *map, ax_sampler *s)
{
    if (!map) return AX_OK;
    AX_TRY(ax_spec_need_map(c, map, "sampler.params"));
    double tau_m = NAN;
    int have_gl = 0;
    for (int i = 0; i < map->n; i++)
        AX_TRY(parse_param(c, map->keys[i], map->items[i], s, &tau_m, &have_gl));
    if (!isnan(tau_m)) {
        if (have_gl)
            return ax_spec_fail(c, map, "sampler.params gives both g_L and tau_m; give one "
                                        "(g_L = C_m / tau_m)");
        if (!(tau_m > 0)) return ax_spec_fail(c, map, "sampler.params.tau_m must be > 0");
        s->g_L = s->C_m / tau_m;
    }
    return AX_OK;
}

/* excitatory / inhibitory: {rate: Hz, weight: uS|nA (PyNN) or nS|pA (NEST)} */
static ax_status parse_source(ax_sctx *c, const ax_yn *n, const char *what, int inh, double scale,
                              double *rate, double *w)
{
    static const char *const keys[] = {"rate", "weight", NULL};
    AX_TRY(ax_spec_need_map(c, n, what));
    AX_TRY(ax_spec_keys(c, n, what, keys));
    const ax_yn *r = ax_yn_get(n, "rate"), *wn = ax_yn_get(n, "weight");
    if (!r || !wn) return ax_spec_fail(c, n, "%s needs rate (Hz) and weight", what);
    AX_TRY(ax_spec_number(c, r, "rate", 0, rate));
    AX_TRY(ax_spec_number(c, wn, "weight", 0, w));
    if (*rate < 0) return ax_spec_fail(c, r, "%s.rate must be >= 0 (got %g)", what, *rate);
    if (inh ? *w > 0 : *w < 0)
        return ax_spec_fail(c, wn, "%s.weight must be %s (got %g): positive weights are "
                                   "excitatory, negative inhibitory", what, inh ? "<= 0" : ">= 0", *w);
    *w *= scale;
    return AX_OK;
}

ax_status ax_samp_parse_sampler(ax_sctx *c, const ax_yn *map, ax_sampler *s)
{
    static const char *const keys[] = {"model", "params", "background", NULL};
    AX_TRY(ax_spec_need_map(c, map, "sampler"));
    AX_TRY(ax_spec_keys(c, map, "sampler", keys));
    const ax_yn *m = ax_yn_get(map, "model");
    if (!m) return ax_spec_fail(c, map, "sampler needs a model (IF_cond_exp, iaf_cond_exp, "
                                        "IF_curr_exp or iaf_psc_exp)");
    int pynn = 0;
    AX_TRY(parse_model(c, m, s, &pynn));
    defaults(s, pynn);
    AX_TRY(parse_params(c, ax_yn_get(map, "params"), s));
    const ax_yn *bg = ax_yn_get(map, "background");
    if (!bg) return ax_spec_fail(c, map, "sampler needs a background: {excitatory: {rate, weight}, "
                                         "inhibitory: {rate, weight}}");
    static const char *const bkeys[] = {"excitatory", "inhibitory", NULL};
    AX_TRY(ax_spec_need_map(c, bg, "sampler.background"));
    AX_TRY(ax_spec_keys(c, bg, "sampler.background", bkeys));
    double scale = pynn ? 1000.0 : 1.0; /* uS -> nS, nA -> pA */
    const ax_yn *ex = ax_yn_get(bg, "excitatory"), *in = ax_yn_get(bg, "inhibitory");
    if (ex) AX_TRY(parse_source(c, ex, "background.excitatory", 0, scale, &s->rate_ex, &s->w_ex));
    if (in) AX_TRY(parse_source(c, in, "background.inhibitory", 1, scale, &s->rate_in, &s->w_in));
    ax_error e2 = {0};
    if (ax_sampler_validate(s, &e2) != AX_OK) return ax_spec_fail(c, map, "%s", e2.msg);
    return AX_OK;
}

static ax_status num_key(ax_sctx *c, const ax_yn *map, const char *key, double lo_excl, double *out)
{
    const ax_yn *n = ax_yn_get(map, key);
    if (!n) return AX_OK;
    char what[64];
    snprintf(what, sizeof what, "calibration.%s", key);
    AX_TRY(ax_spec_number(c, n, what, 0, out));
    if (!(*out > lo_excl)) return ax_spec_fail(c, n, "%s must be > %g (got %g)", what, lo_excl, *out);
    return AX_OK;
}

static ax_status int_key(ax_sctx *c, const ax_yn *map, const char *key, int64_t lo, int *out)
{
    const ax_yn *n = ax_yn_get(map, key);
    if (!n) return AX_OK;
    int64_t v;
    AX_TRY(ax_spec_int(c, n, key, lo, &v));
    if (v > 1000000000) return ax_spec_fail(c, n, "%s is too large", key);
    *out = (int)v;
    return AX_OK;
}

ax_status ax_samp_parse_opts(ax_sctx *c, const ax_yn *map, ax_calib_opts *o)
{
    static const char *const keys[] = {"dt", "duration", "burn_in", "num_samples", "seed", "fit",
                                       "prescan", "v_rest_min", "v_rest_max", "dv",
                                       "prescan_duration", "p_min", "p_max", "min_points",
                                       "max_search_steps", NULL};
    AX_TRY(ax_spec_need_map(c, map, "calibration"));
    AX_TRY(ax_spec_keys(c, map, "calibration", keys));
    AX_TRY(num_key(c, map, "dt", 0, &o->dt));
    AX_TRY(num_key(c, map, "duration", 0, &o->duration));
    AX_TRY(num_key(c, map, "burn_in", -1e-300, &o->burn_in));
    AX_TRY(num_key(c, map, "dv", 0, &o->dv));
    AX_TRY(num_key(c, map, "prescan_duration", 0, &o->pre_duration));
    AX_TRY(num_key(c, map, "p_min", -1e-300, &o->p_min));
    AX_TRY(num_key(c, map, "p_max", 0, &o->p_max));
    AX_TRY(int_key(c, map, "num_samples", 3, &o->num_samples));
    /* each sweep runs burn_in + a duration in steps of dt: they must count */
    static const char *const times[] = {"burn_in", "duration", "prescan_duration"};
    const double dur[] = {o->burn_in, o->duration, o->pre_duration};
    for (int k = 0; k < 3; k++) {
        const ax_yn *t = ax_yn_get(map, times[k]);
        char what[64];
        snprintf(what, sizeof what, "calibration.%s", times[k]);
        AX_TRY(ax_spec_steps(c, t ? t : map, what, dur[k], o->dt, NULL));
        snprintf(what, sizeof what, "calibration.%s + burn_in", times[k]);
        if (k) AX_TRY(ax_spec_steps(c, t ? t : map, what, dur[k] + o->burn_in, o->dt, NULL));
    }
    AX_TRY(int_key(c, map, "min_points", 3, &o->min_points));
    AX_TRY(int_key(c, map, "max_search_steps", 1, &o->max_search_steps));
    const ax_yn *n;
    if ((n = ax_yn_get(map, "v_rest_min"))) AX_TRY(ax_spec_number(c, n, "v_rest_min", 0, &o->v_min));
    if ((n = ax_yn_get(map, "v_rest_max"))) AX_TRY(ax_spec_number(c, n, "v_rest_max", 0, &o->v_max));
    if (!(o->v_max > o->v_min))
        return ax_spec_fail(c, map, "calibration: v_rest_max must be > v_rest_min (got %g, %g)",
                            o->v_max, o->v_min);
    if (!(o->p_max <= 1 && o->p_min < o->p_max))
        return ax_spec_fail(c, map, "calibration: need 0 <= p_min < p_max <= 1");
    if ((n = ax_yn_get(map, "seed"))) {
        int64_t v;
        AX_TRY(ax_spec_int(c, n, "seed", 0, &v));
        o->seed = (uint64_t)v;
    }
    if ((n = ax_yn_get(map, "prescan"))) AX_TRY(ax_spec_bool(c, n, "calibration.prescan", &o->prescan));
    if ((n = ax_yn_get(map, "fit"))) {
        char f[16];
        AX_TRY(ax_spec_string(c, n, "calibration.fit", f, sizeof f));
        if (!strcmp(f, "logistic")) o->fit = AX_FIT_LOGISTIC;
        else if (!strcmp(f, "erf")) o->fit = AX_FIT_ERF;
        else return ax_spec_fail(c, n, "calibration.fit must be logistic or erf (got '%s')", f);
    }
    return AX_OK;
}

ax_status ax_sampler_validate(const ax_sampler *s, ax_error *err)
{
    AX_CHECK(s->C_m > 0, err, AX_EINPUT, "C_m must be > 0 (got %g pF)", s->C_m);
    AX_CHECK(s->g_L > 0, err, AX_EINPUT, "g_L must be > 0 (got %g nS)", s->g_L);
    AX_CHECK(s->V_reset < s->V_th, err, AX_EINPUT, "V_reset must be < V_th (got %g >= %g)",
             s->V_reset, s->V_th);
    AX_CHECK(s->t_ref > 0, err, AX_EINPUT, "t_ref (tau_refrac) must be > 0 for sampling (got %g ms)",
             s->t_ref);
    AX_CHECK(s->t_ref_virtual >= 0 && isfinite(s->t_ref_virtual), err, AX_EINPUT,
             "tau_refrac_virtual must be > 0 ms, or unset (got %g ms)", s->t_ref_virtual);
    AX_CHECK(s->tau_syn_ex > 0 && s->tau_syn_in > 0, err, AX_EINPUT,
             "tau_syn_ex and tau_syn_in must be > 0 (got %g, %g)", s->tau_syn_ex, s->tau_syn_in);
    AX_CHECK(s->rate_ex > 0 || s->rate_in > 0, err, AX_EINPUT,
             "a sampler needs a background: give an excitatory and/or inhibitory Poisson rate > 0");
    return AX_OK;
}

/* A sampler file's calibration runs whole steps of dt, as a sweep's tasks
 * must (src/sweep/sweep_bm.c): duration, burn_in, prescan_duration and the
 * sampler's on-time (t_ref), each refused at its key, or at dt (or the
 * section) when it is a default. */
static ax_status calib_on_grid(ax_sctx *c, const ax_yn *root, const ax_yn *sm,
                               const ax_sampler *s, const ax_calib_opts *o)
{
    const ax_yn *cm = ax_yn_get(root, "calibration");
    const ax_yn *dt = cm ? ax_yn_get(cm, "dt") : NULL;
    const ax_yn *fallback = dt ? dt : cm ? cm : root;
    static const char *const keys[] = {"duration", "burn_in", "prescan_duration"};
    const double vals[] = {o->duration, o->burn_in, o->pre_duration};
    for (int k = 0; k < 3; k++) {
        const ax_yn *n = cm ? ax_yn_get(cm, keys[k]) : NULL;
        char what[64];
        snprintf(what, sizeof what, "calibration.%s%s", keys[k], n ? "" : " (default)");
        AX_TRY(ax_spec_on_grid(c, n ? n : fallback, what, vals[k], o->dt, NULL));
    }
    return ax_spec_on_grid(c, sm, "the sampler's on-time (t_ref)", ax_sampler_t_on(s), o->dt, NULL);
}

typedef struct {
    ax_sampler *s;
    ax_calib_opts *o;
} sampler_out;

/* A sampler file's tree (ax_yaml_parse_fn): `sampler:`, then the
 * calibration settings into o (when o is wanted). */
static ax_status sampler_doc(ax_sctx *c, const ax_yn *root, void *out)
{
    ax_sampler *s = ((sampler_out *)out)->s;
    ax_calib_opts *o = ((sampler_out *)out)->o;
    static const char *const keys[] = {"sampler", "calibration", NULL};
    ax_status st = ax_spec_need_map(c, root, "the sampler file");
    if (st == AX_OK) st = ax_spec_keys(c, root, "the sampler file", keys);
    const ax_yn *sm = st == AX_OK ? ax_yn_get(root, "sampler") : NULL;
    if (st == AX_OK && !sm)
        st = ax_spec_fail(c, root, "the sampler file needs a `sampler:` section");
    *s = (ax_sampler){0};
    if (st == AX_OK) st = ax_samp_parse_sampler(c, sm, s);
    if (o) ax_calib_opts_default(o);
    const ax_yn *cm = st == AX_OK ? ax_yn_get(root, "calibration") : NULL;
    if (st == AX_OK && o && cm) st = ax_samp_parse_opts(c, cm, o);
    if (st == AX_OK && o) st = calib_on_grid(c, root, sm, s, o);
    return st;
}

ax_status ax_sampler_parse(const char *text, size_t len, const char *name, ax_sampler *s,
                           ax_calib_opts *o, ax_error *err)
{
    sampler_out a = {s, o};
    return ax_yaml_parse_text(NULL, text, len, name, sampler_doc, &a, err);
}

ax_status ax_sampler_load_in(ax_input *in, const char *path, ax_sampler *s, ax_calib_opts *o,
                             ax_error *err)
{
    sampler_out a = {s, o};
    return ax_yaml_load(in, path, "sampler", sampler_doc, &a, err);
}

ax_status ax_sampler_load(const char *path, ax_sampler *s, ax_calib_opts *o, ax_error *err)
{
    return ax_sampler_load_in(NULL, path, s, o, err);
}

typedef struct {
    const char *path;
    ax_sampler *s;
    ax_calib_opts *o;
} sampler_arg;

static ax_status sampler_fn(ax_input *in, void *arg, ax_error *err)
{
    sampler_arg *a = arg;
    return ax_sampler_load_in(in, a->path, a->s, a->o, err);
}

ax_status ax_sampler_load_comm(const char *path, MPI_Comm comm, ax_sampler *s, ax_calib_opts *o,
                               ax_error *err)
{
    sampler_arg a = {path, s, o};
    *s = (ax_sampler){0};
    return ax_input_load(comm, sampler_fn, &a, err); /* a sampler owns no memory */
}
