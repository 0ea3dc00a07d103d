/* calib_json.c - calibrations as sbs's JSON (electronicvisions/
 * spike-based-sampling @ 8270fbc, sbs/db/core.py and sbs/db/__init__.py):
 * writing, and reading axon's and sbs's files.
 *
 * Written: sbs's SamplerConfiguration layout ("_type" on every object,
 * every declared attribute, PyNN units: cm nF, weights uS|nA, source
 * rates/weights listed [inhibitory, excitatory] as sbs's tutorial) and
 * nothing else, so sbs loads it without "Unexpected attribute" and
 * computes with it: numbers sbs declares float are JSON floats,
 * num_samples an integer. What axon adds (both fits with standard errors
 * and RMS residuals, raw v_rest samples, spike counts, NEST-unit
 * parameters, seed, ranks x threads, timings) goes to the sidecar
 * cal.axon.json (and the HDF5 copy, calib_io.c). Numbers read back bit for
 * bit (shortest round-trip text).
 * Read: axon's files (also the earlier layout with an "axon" block) and
 * sbs's; every sbs setting is honoured or refused with file:line:col
 * naming it (docs/sampling.md §2.1).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "axon/sampling.h"
#include "axon/yaml.h"

/* ---- JSON out ---- */

/* A double as JSON text that Python's json reads as a float: the shortest
 * of %.15g..%.17g that reads back to the same bits, with ".0" appended
 * when it looks like an integer (sbs computes with numpy arrays built from
 * these lists: an integer list becomes an int64 array and its in-place
 * `rates /= 1000.` fails, sbs/utils.py IF_cond_exp_distribution; Python 2
 * would also floor cm / tau_m). Non-finite values become null. */
static void jf(FILE *f, double x)
{
    if (!isfinite(x)) {
        fputs("null", f);
        return;
    }
    char b[40];
    for (int p = 15; p <= 17; p++) {
        snprintf(b, sizeof b, "%.*g", p, x);
        if (strtod(b, NULL) == x) break;
    }
    fputs(b, f);
    if (!strpbrk(b, ".eE")) fputs(".0", f);
}

/* "key": <float> with a prefix separator. */
static void jkf(FILE *f, const char *sep, const char *key, double x)
{
    fprintf(f, "%s\"%s\": ", sep, key);
    jf(f, x);
}

static void jarr(FILE *f, const double *x, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        jf(f, x[i]);
    }
    fputc(']', f);
}

/* sbs's PoissonSourceConfiguration: [inhibitory, excitatory], uS|nA. */
static void json_sources(FILE *f, double rate_in, double w_in, double rate_ex, double w_ex)
{
    fprintf(f, "{\"_type\": \"PoissonSourceConfiguration\", \"rates\": ");
    jarr(f, (double[]){rate_in, rate_ex}, 2);
    fprintf(f, ", \"weights\": ");
    jarr(f, (double[]){w_in / 1000.0, w_ex / 1000.0}, 2);
    fputc('}', f);
}

static void json_neuron(FILE *f, const ax_sampler *s)
{
    int cond = s->kind == AX_SAMPLER_COND;
    fprintf(f, "  \"neuron_parameters\": {\n    \"_type\": \"%s\",\n    \"pynn_model\": \"%s\",\n",
            cond ? "NeuronParametersConductanceExponential" : "NeuronParametersCurrentExponential",
            cond ? "IF_cond_exp" : "IF_curr_exp");
    fprintf(f, "    \"tau_refrac_virtual\": ");
    if (s->t_ref_virtual > 0) jf(f, s->t_ref_virtual);
    else fputs("null", f);
    jkf(f, ",\n    ", "cm", s->C_m / 1000.0);
    jkf(f, ", ", "tau_m", s->C_m / s->g_L);
    jkf(f, ", ", "tau_refrac", s->t_ref);
    jkf(f, ", ", "tau_syn_E", s->tau_syn_ex);
    jkf(f, ", ", "tau_syn_I", s->tau_syn_in);
    if (cond) {
        jkf(f, ",\n    ", "e_rev_E", s->E_ex);
        jkf(f, ", ", "e_rev_I", s->E_in);
    }
    jkf(f, ",\n    ", "i_offset", s->I_e / 1000.0);
    jkf(f, ", ", "v_rest", s->E_L);
    jkf(f, ", ", "v_reset", s->V_reset);
    jkf(f, ", ", "v_thresh", s->V_th);
    fprintf(f, "\n  },\n");
}

static void json_calib(FILE *f, const ax_calibration *c)
{
    const ax_sampler *s = &c->s;
    /* sim_setup_kwargs holds only what pyNN.nest.setup takes: sbs passes it
     * to sim.setup when it re-calibrates (sbs/gather_data.py); axon's ranks
     * and threads are in the sidecar */
    fprintf(f, "  \"calibration\": {\n    \"_type\": \"Calibration\",\n    \"sim_name\": \"axon\",\n"
               "    \"sim_setup_kwargs\": {\"spike_precision\": \"on_grid\"},\n");
    jkf(f, "    ", "duration", c->o.duration);
    jkf(f, ", ", "dt", c->o.dt);
    jkf(f, ", ", "burn_in_time", c->o.burn_in);
    jkf(f, ",\n    ", "V_rest_min", c->v_rest_min);
    jkf(f, ", ", "V_rest_max", c->v_rest_max);
    /* an integer: sbs hands it to np.linspace as num (sbs/db/__init__.py) */
    fprintf(f, ", \"num_samples\": %d,\n    \"samples_p_on\": ", c->n);
    if (c->p_on) jarr(f, c->p_on, c->n);
    else fputs("null", f);
    fprintf(f, ",\n    \"fit\": {\"_type\": \"Fit\"");
    jkf(f, ", ", "alpha", c->alpha);
    jkf(f, ", ", "v_p05", c->v_p05);
    fprintf(f, "},\n    \"source_config\": ");
    json_sources(f, s->rate_in, s->w_in, s->rate_ex, s->w_ex);
    fprintf(f, "\n  },\n");
}

static void json_tso(FILE *f, const ax_calibration *c)
{
    fprintf(f, "  \"tso_parameters\": ");
    if (!c->has_tso) {
        fprintf(f, "null\n");
        return;
    }
    const ax_calib_tso *t = &c->tso;
    fprintf(f, "{\"_type\": \"TsoParameters\"");
    jkf(f, ", ", "U", t->U);
    jkf(f, ", ", "u", t->u);
    jkf(f, ", ", "x", t->x);
    if (t->tau_rec > 0) jkf(f, ", ", "tau_rec", t->tau_rec);
    else fprintf(f, ", \"tau_rec\": null");
    if (t->tau_fac > 0) jkf(f, ", ", "tau_fac", t->tau_fac);
    else fprintf(f, ", \"tau_fac\": null");
    jkf(f, ", ", "weight_rescale", t->weight_rescale);
    fprintf(f, "}\n");
}

static void jfit(FILE *f, const char *name, const ax_fit *x, int erf)
{
    fprintf(f, "  \"%s\": {", name);
    jkf(f, "", "alpha", x->alpha);
    jkf(f, ", ", "alpha_se", x->alpha_se);
    jkf(f, ", ", "v_p05", x->v_p05);
    jkf(f, ", ", "v_p05_se", x->v_p05_se);
    jkf(f, ", ", "rms_residual", x->rms);
    fprintf(f, ", \"n_points\": %d", x->n_points);
    if (erf) jkf(f, ", ", "sigma", x->sigma);
    fprintf(f, "}");
}

/* A background's Poisson rates (Hz) and weights as "KEY": {...}. */
static void json_bg(FILE *f, const char *key, double rate_ex, double w_ex, double rate_in, double w_in)
{
    fprintf(f, "  \"%s\": {", key);
    jkf(f, "", "rate_ex", rate_ex);
    jkf(f, ", ", "w_ex", w_ex);
    jkf(f, ", ", "rate_in", rate_in);
    jkf(f, ", ", "w_in", w_in);
    fprintf(f, "},\n");
}

static void json_nest(FILE *f, const ax_calibration *c)
{
    const ax_sampler *s = &c->s;
    fprintf(f, "  \"nest_model\": \"%s\",\n  \"nest_parameters\": {", ax_sampler_model(s));
    for (int k = 0; k < AX_SAMPLER_N_NEST; k++)
        jkf(f, k ? ", " : "", ax_sampler_nest[k].nest, ax_sampler_get(s, k));
    fprintf(f, "},\n");
    json_bg(f, "background_nest", s->rate_ex, s->w_ex, s->rate_in, s->w_in);
    if (c->has_net_bg)
        json_bg(f, "network_background_nest", c->net_rate_ex, c->net_w_ex, c->net_rate_in, c->net_w_in);
}

/* What only axon knows, next to the sbs file (sbs has no place for it:
 * any extra attribute is an "Unexpected attribute" error, db/core.py). */
static void json_sidecar(FILE *f, const ax_calibration *c, const char *json)
{
    const ax_sampler *s = &c->s;
    double u, sd, g, te;
    ax_free_membrane(s, c->v_p05, &u, &sd, &g, &te);
    const char *base = strrchr(json, '/');
    fprintf(f, "{\n  \"axon_sidecar_of\": \"%s\",\n  \"version\": \"%s\",\n", base ? base + 1 : json,
            PACKAGE_VERSION);
    fprintf(f, "  \"fit_kind\": \"%s\", \"seed\": %llu, \"ranks\": %d, \"threads\": %d,\n",
            c->o.fit == AX_FIT_ERF ? "erf" : "logistic", (unsigned long long)c->o.seed, c->ranks,
            c->threads);
    jkf(f, "  ", "alpha", c->alpha);
    jkf(f, ", ", "v_p05", c->v_p05);
    fprintf(f, ",\n");
    json_nest(f, c);
    jkf(f, "  ", "p_min", c->o.p_min);
    jkf(f, ", ", "p_max", c->o.p_max);
    fprintf(f, ", \"prescan\": %s, \"prescan_rounds\": %d,\n", c->o.prescan ? "true" : "false",
            c->prescan_rounds);
    jfit(f, "logistic", &c->logistic, 0);
    fprintf(f, ",\n");
    jfit(f, "erf", &c->erf, 1);
    fprintf(f, ",\n  \"free_membrane_at_v_p05\": {");
    jkf(f, "", "mean", u);
    jkf(f, ", ", "std", sd);
    jkf(f, ", ", "g_tot", g);
    jkf(f, ", ", "tau_eff", te);
    jkf(f, ", ", "alpha_theo", 0.25 * sqrt(2 * M_PI) * sd);
    jkf(f, ", ", "alpha_fit_membrane_space", s->kind == AX_SAMPLER_COND ? c->alpha * s->g_L / g : c->alpha);
    fprintf(f, "},\n  \"wall_prescan_s\": %.6f, \"wall_final_s\": %.6f,\n  \"samples_v_rest\": ",
            c->wall_prescan, c->wall_final);
    jarr(f, c->v_rest, c->v_rest ? c->n : 0);
    fprintf(f, ",\n  \"samples_n_spikes\": [");
    for (int i = 0; c->n_spikes && i < c->n; i++)
        fprintf(f, "%s%lld", i ? ", " : "", (long long)c->n_spikes[i]);
    fprintf(f, "]\n}\n");
}

void ax_calib_sidecar_path(const char *json, char *out, size_t size)
{
    size_t n = strlen(json);
    if (n >= 5 && !strcmp(json + n - 5, ".json")) n -= 5;
    snprintf(out, size, "%.*s.axon.json", (int)n, json);
}

static ax_status write_text(const char *path, const ax_calibration *c, const char *json,
                            int sidecar, ax_error *err)
{
    FILE *f = fopen(path, "w");
    AX_CHECK(f, err, AX_EIO, "%s: cannot write the calibration (%m)", path);
    if (sidecar) {
        json_sidecar(f, c, json);
    } else {
        fprintf(f, "{\n  \"_type\": \"SamplerConfiguration\",\n");
        json_neuron(f, &c->s);
        json_calib(f, c);
        fprintf(f, "  \"source_config\": ");
        if (c->has_net_bg)
            json_sources(f, c->net_rate_in, c->net_w_in, c->net_rate_ex, c->net_w_ex);
        else fputs("null", f);
        fprintf(f, ",\n");
        json_tso(f, c);
        fprintf(f, "}\n");
    }
    AX_CHECK(fclose(f) == 0, err, AX_EIO, "%s: write failed", path);
    return AX_OK;
}

ax_status ax_calib_write_json_as(const ax_calibration *c, const char *path, const char *json_file,
                                 const char *side_file, ax_error *err)
{
    AX_TRY(write_text(json_file, c, path, 0, err));
    return write_text(side_file, c, path, 1, err);
}

ax_status ax_calib_write_json(const ax_calibration *c, const char *path, ax_error *err)
{
    char side[4200];
    ax_calib_sidecar_path(path, side, sizeof side);
    return ax_calib_write_json_as(c, path, path, side, err);
}

/* ---- JSON in ---- */

/* sbs's classes and the attributes their JSON holds (@8270fbc:
 * sbs/db/__init__.py Calibration, Fit, TsoParameters, SamplerConfiguration;
 * sbs/db/neuron_parameters.py; sbs/db/sources.py PoissonSourceConfiguration),
 * plus the "axon" block of axon's earlier files (their samples_v_rest). */
static const char *const kTop[] = {"_type", "neuron_parameters", "calibration", "source_config",
                                   "tso_parameters", "axon", NULL};
static const char *const kNeuronCond[] = {"_type", "pynn_model", "tau_refrac_virtual", "cm",
                                          "tau_m", "tau_refrac", "tau_syn_E", "tau_syn_I",
                                          "e_rev_E", "e_rev_I", "i_offset", "v_rest", "v_reset",
                                          "v_thresh", NULL};
static const char *const kNeuronCurr[] = {"_type", "pynn_model", "tau_refrac_virtual", "cm",
                                          "tau_m", "tau_refrac", "tau_syn_E", "tau_syn_I",
                                          "i_offset", "v_rest", "v_reset", "v_thresh", NULL};
static const char *const kCal[] = {"_type", "sim_name", "sim_setup_kwargs", "duration", "dt",
                                   "burn_in_time", "V_rest_min", "V_rest_max", "num_samples",
                                   "samples_p_on", "fit", "source_config", NULL};
static const char *const kFit[] = {"_type", "alpha", "v_p05", NULL};
static const char *const kSrc[] = {"_type", "rates", "weights", NULL};
static const char *const kTso[] = {"_type", "U", "u", "x", "tau_rec", "tau_fac", "weight_rescale",
                                   NULL};

typedef struct rd {
    ax_calibration *k;
    int config;            /* 1: input of a calibration (fit optional, options read) */
} rd;

/* JSON null (or an absent key). */
static int jnull(const ax_yn *n)
{
    return !n || (n->kind == AX_YN_SCALAR && !n->quoted && !strcmp(n->str, "null"));
}

/* map[key] as a number; *given = 0 (and out untouched) when absent or null. */
static ax_status opt_num(ax_sctx *c, const ax_yn *map, const char *what, const char *key,
                         double *out, int *given)
{
    const ax_yn *n = ax_yn_get(map, key);
    *given = !jnull(n);
    if (!*given) return AX_OK;
    char w[96];
    snprintf(w, sizeof w, "%s.%s", what, key);
    return ax_spec_number(c, n, w, 0, out);
}

/* map[key] as a number; absent or null is an error naming it. */
static ax_status need_num(ax_sctx *c, const ax_yn *map, const char *what, const char *key,
                          double *out)
{
    int given;
    AX_TRY(opt_num(c, map, what, key, out, &given));
    if (!given)
        return ax_spec_fail(c, ax_yn_get(map, key) ? ax_yn_get(map, key) : map,
                            "%s.%s is %s; axon needs its value", what, key,
                            ax_yn_get(map, key) ? "null" : "missing");
    return AX_OK;
}

/* The "_type" of an sbs object, "" when absent. */
static ax_status type_of(ax_sctx *c, const ax_yn *map, const char *what, char *buf, size_t size)
{
    const ax_yn *t = ax_yn_get(map, "_type");
    buf[0] = '\0';
    if (!t) return AX_OK;
    char w[96];
    snprintf(w, sizeof w, "%s._type", what);
    return ax_spec_string(c, t, w, buf, size);
}

static ax_status need_type(ax_sctx *c, const ax_yn *map, const char *what, const char *want)
{
    char t[128];
    AX_TRY(type_of(c, map, what, t, sizeof t));
    if (t[0] && strcmp(t, want))
        return ax_spec_fail(c, ax_yn_get(map, "_type"), "%s._type is '%s'; axon reads an sbs %s "
                                                        "here", what, t, want);
    return AX_OK;
}

/* sbs's neuron types: the exponential ones are axon's samplers; the others
 * are refused by name (sbs/db/neuron_parameters.py). */
static ax_status neuron_kind(ax_sctx *c, const ax_yn *np, ax_sampler *s)
{
    char t[128], model[64] = "";
    AX_TRY(type_of(c, np, "neuron_parameters", t, sizeof t));
    const ax_yn *pm = ax_yn_get(np, "pynn_model");
    if (!jnull(pm)) AX_TRY(ax_spec_string(c, pm, "neuron_parameters.pynn_model", model, sizeof model));
    const ax_yn *at = t[0] ? ax_yn_get(np, "_type") : pm;
    if (strstr(t, "RandomRefractory"))
        return ax_spec_fail(c, at, "neuron_parameters._type '%s' is not supported: its refractory "
                                   "time is random (tau_refrac_dist, NEST %s); axon's samplers "
                                   "have a fixed refractory time t_ref", t,
                            strstr(t, "Current") ? "iaf_psc_exp_rtr" : "iaf_cond_exp_rtr");
    if (strstr(t, "Alpha") || strstr(model, "_alpha"))
        return ax_spec_fail(c, at, "neuron_parameters: %s%s (alpha-shaped synaptic %s) is not "
                                   "supported: axon's samplers are IF_cond_exp and IF_curr_exp",
                            t[0] ? "_type " : "pynn_model ", t[0] ? t : model,
                            strstr(t[0] ? t : model, "ond") ? "conductances" : "currents");
    int cond_t = !strcmp(t, "NeuronParametersConductanceExponential");
    int curr_t = !strcmp(t, "NeuronParametersCurrentExponential");
    if (t[0] && !cond_t && !curr_t)
        return ax_spec_fail(c, at, "neuron_parameters._type '%s' is not supported; axon reads "
                                   "NeuronParametersConductanceExponential (IF_cond_exp) and "
                                   "NeuronParametersCurrentExponential (IF_curr_exp)", t);
    int cond_m = !strcmp(model, "IF_cond_exp"), curr_m = !strcmp(model, "IF_curr_exp");
    if (model[0] && !cond_m && !curr_m)
        return ax_spec_fail(c, pm, "neuron_parameters.pynn_model '%s' is not supported "
                                   "(IF_cond_exp, IF_curr_exp)", model);
    if (!t[0] && !model[0])
        return ax_spec_fail(c, np, "neuron_parameters needs its _type (or pynn_model)");
    if ((cond_t && curr_m) || (curr_t && cond_m))
        return ax_spec_fail(c, pm, "neuron_parameters: _type '%s' and pynn_model '%s' disagree",
                            t, model);
    s->kind = cond_t || cond_m ? AX_SAMPLER_COND : AX_SAMPLER_CURR;
    return AX_OK;
}

static ax_status read_neuron(ax_sctx *c, const ax_yn *np, ax_sampler *s)
{
    const char *w = "neuron_parameters";
    AX_TRY(ax_spec_need_map(c, np, w));
    AX_TRY(neuron_kind(c, np, s));
    int cond = s->kind == AX_SAMPLER_COND;
    AX_TRY(ax_spec_keys(c, np, cond ? "neuron_parameters (sbs's IF_cond_exp sampler)"
                                    : "neuron_parameters (sbs's IF_curr_exp sampler)",
                        cond ? kNeuronCond : kNeuronCurr));
    double cm, tau_m, i_off;
    AX_TRY(need_num(c, np, w, "cm", &cm));
    AX_TRY(need_num(c, np, w, "tau_m", &tau_m));
    AX_TRY(need_num(c, np, w, "tau_refrac", &s->t_ref));
    AX_TRY(need_num(c, np, w, "tau_syn_E", &s->tau_syn_ex));
    AX_TRY(need_num(c, np, w, "tau_syn_I", &s->tau_syn_in));
    AX_TRY(need_num(c, np, w, "i_offset", &i_off));
    AX_TRY(need_num(c, np, w, "v_rest", &s->E_L));
    AX_TRY(need_num(c, np, w, "v_reset", &s->V_reset));
    AX_TRY(need_num(c, np, w, "v_thresh", &s->V_th));
    if (cond) {
        AX_TRY(need_num(c, np, w, "e_rev_E", &s->E_ex));
        AX_TRY(need_num(c, np, w, "e_rev_I", &s->E_in));
    }
    int given;
    AX_TRY(opt_num(c, np, w, "tau_refrac_virtual", &s->t_ref_virtual, &given));
    if (given && !(s->t_ref_virtual > 0))
        return ax_spec_fail(c, ax_yn_get(np, "tau_refrac_virtual"), "neuron_parameters."
                            "tau_refrac_virtual must be > 0 ms or null (got %g)", s->t_ref_virtual);
    if (!(tau_m > 0)) return ax_spec_fail(c, ax_yn_get(np, "tau_m"), "neuron_parameters.tau_m must "
                                                                      "be > 0 ms (got %g)", tau_m);
    s->C_m = cm * 1000.0;
    s->g_L = s->C_m / tau_m;
    s->I_e = i_off * 1000.0;
    return AX_OK;
}

/* A list of numbers, or one number (a scalar or a length-1 list). */
static ax_status num_list(ax_sctx *c, const ax_yn *n, const char *what, double *v, int max,
                          int *len)
{
    if (n && n->kind == AX_YN_SCALAR && !jnull(n)) {
        *len = 1;
        return ax_spec_number(c, n, what, 0, &v[0]);
    }
    AX_TRY(ax_spec_need_seq(c, n, what));
    if (n->n > max)
        return ax_spec_fail(c, n, "%s has %d entries; axon's samplers take one excitatory and one "
                                  "inhibitory Poisson source", what, n->n);
    *len = n->n;
    for (int i = 0; i < n->n; i++) AX_TRY(ax_spec_number(c, n->items[i], what, 0, &v[i]));
    return AX_OK;
}

/* sbs's PoissonSourceConfiguration (sbs/db/sources.py): weights > 0 are
 * excitatory, the others inhibitory (get_distribution_parameters); a single
 * rate applies to every weight (_verify_parameters). Weights uS|nA -> nS|pA. */
static ax_status read_sources(ax_sctx *c, const ax_yn *sc, const char *what, double *rate_ex,
                              double *w_ex, double *rate_in, double *w_in)
{
    AX_TRY(ax_spec_need_map(c, sc, what));
    char t[128];
    AX_TRY(type_of(c, sc, what, t, sizeof t));
    if (t[0] && strcmp(t, "PoissonSourceConfiguration"))
        return ax_spec_fail(c, ax_yn_get(sc, "_type"), "%s._type '%s' is not supported: axon's "
                                                       "samplers take Poisson background "
                                                       "(PoissonSourceConfiguration) only", what, t);
    AX_TRY(ax_spec_keys(c, sc, what, kSrc));
    char wr[96], ww[96];
    snprintf(wr, sizeof wr, "%s.rates", what);
    snprintf(ww, sizeof ww, "%s.weights", what);
    double r[2], w[2];
    int nr, nw;
    AX_TRY(num_list(c, ax_yn_get(sc, "weights"), ww, w, 2, &nw));
    AX_TRY(num_list(c, ax_yn_get(sc, "rates"), wr, r, 2, &nr));
    if (nr == 1)
        for (int i = 1; i < nw; i++) r[i] = r[0];
    else if (nr != nw)
        return ax_spec_fail(c, sc, "%s: rates has %d entries, weights %d (sbs: one rate for "
                                   "all, or one per weight)", what, nr, nw);
    *rate_ex = *w_ex = *rate_in = *w_in = 0;
    int n_ex = 0, n_in = 0;
    for (int i = 0; i < nw; i++) {
        if (r[i] < 0) return ax_spec_fail(c, sc, "%s: rate %g Hz must be >= 0", what, r[i]);
        if (w[i] > 0) *rate_ex = r[i], *w_ex = w[i] * 1000.0, n_ex++;
        else *rate_in = r[i], *w_in = w[i] * 1000.0, n_in++;
    }
    if (n_ex > 1 || n_in > 1)
        return ax_spec_fail(c, sc, "%s: axon's samplers take one excitatory and one inhibitory "
                                   "Poisson source (weights > 0 are excitatory); got %d and %d",
                            what, n_ex, n_in);
    return AX_OK;
}

/* sbs's TsoParameters; a missing key takes sbs's default, a null one is
 * refused where sbs would hand NEST's tsodyks2 default instead. */
static ax_status read_tso(ax_sctx *c, const ax_yn *m, ax_calib_tso *t)
{
    const char *w = "tso_parameters";
    AX_TRY(ax_spec_need_map(c, m, w));
    AX_TRY(need_type(c, m, w, "TsoParameters"));
    AX_TRY(ax_spec_keys(c, m, w, kTso));
    ax_calib_tso_default(t);
    const char *keys[] = {"U", "u", "x", "weight_rescale"};
    double *dst[] = {&t->U, &t->u, &t->x, &t->weight_rescale};
    for (int i = 0; i < 4; i++) {
        const ax_yn *n = ax_yn_get(m, keys[i]);
        if (!n) continue;
        if (jnull(n))
            return ax_spec_fail(c, n, "tso_parameters.%s is null: sbs would then leave it to "
                                      "NEST's tsodyks2_synapse default; give its value", keys[i]);
        AX_TRY(need_num(c, m, w, keys[i], dst[i]));
        double hi = i < 3 ? 1.0 : INFINITY;
        if (*dst[i] < 0 || *dst[i] > hi)
            return ax_spec_fail(c, n, "tso_parameters.%s = %g must be >= 0%s", keys[i], *dst[i],
                                i < 3 ? " and <= 1" : "");
    }
    int given;
    AX_TRY(opt_num(c, m, w, "tau_rec", &t->tau_rec, &given));
    if (given && !(t->tau_rec > 0))
        return ax_spec_fail(c, ax_yn_get(m, "tau_rec"), "tso_parameters.tau_rec must be > 0 ms or "
                                                        "null (got %g)", t->tau_rec);
    AX_TRY(opt_num(c, m, w, "tau_fac", &t->tau_fac, &given));
    if (given && !(t->tau_fac >= 0))
        return ax_spec_fail(c, ax_yn_get(m, "tau_fac"), "tso_parameters.tau_fac must be >= 0 ms "
                                                        "or null (got %g)", t->tau_fac);
    return AX_OK;
}

/* Simulator settings of a re-calibration (sbs passes them to sim.setup):
 * what axon's integration has is accepted, the rest refused by name. */
static ax_status sim_kwargs(ax_sctx *c, const ax_yn *m)
{
    if (jnull(m)) return AX_OK;
    AX_TRY(ax_spec_need_map(c, m, "calibration.sim_setup_kwargs"));
    for (int i = 0; i < m->n; i++) {
        const char *k = m->keys[i]->str;
        const ax_yn *v = m->items[i];
        if (!strcmp(k, "threads") || !strcmp(k, "num_local_threads")) continue; /* speed only */
        if (!strcmp(k, "spike_precision") && v->kind == AX_YN_SCALAR && !strcmp(v->str, "on_grid"))
            continue;
        return ax_spec_fail(c, m->keys[i], "calibration.sim_setup_kwargs.%s is a simulator "
                                           "setting axon does not implement (axon integrates on "
                                           "the grid, as spike_precision: on_grid; threads are "
                                           "-t); remove it", k);
    }
    return AX_OK;
}

/* calibration.{fit, samples_p_on, num_samples, V_rest_*, run settings}. */
static ax_status read_cal(ax_sctx *c, const ax_yn *cal, rd *r)
{
    ax_calibration *k = r->k;
    const char *w = "calibration";
    if (jnull(cal))
        return ax_spec_fail(c, cal, "the calibration file has no calibration (null): the sampler's "
                                    "background noise (calibration.source_config) is unknown");
    AX_TRY(ax_spec_need_map(c, cal, w));
    AX_TRY(need_type(c, cal, w, "Calibration"));
    AX_TRY(ax_spec_keys(c, cal, w, kCal));
    const ax_yn *sc = ax_yn_get(cal, "source_config");
    if (jnull(sc))
        return ax_spec_fail(c, sc ? sc : cal, "calibration.source_config is %s: the sampler's "
                                              "background noise is unknown", sc ? "null" : "missing");
    ax_sampler *s = &k->s;
    AX_TRY(read_sources(c, sc, "calibration.source_config", &s->rate_ex, &s->w_ex, &s->rate_in,
                        &s->w_in));
    if (r->config) AX_TRY(sim_kwargs(c, ax_yn_get(cal, "sim_setup_kwargs")));
    int given;
    double v;
    AX_TRY(opt_num(c, cal, w, "dt", &v, &given));
    if (given && !(v > 0)) return ax_spec_fail(c, ax_yn_get(cal, "dt"), "calibration.dt must be > 0");
    if (given) k->o.dt = v;
    AX_TRY(opt_num(c, cal, w, "duration", &v, &given));
    if (given && !(v > 0))
        return ax_spec_fail(c, ax_yn_get(cal, "duration"), "calibration.duration must be > 0");
    if (given) k->o.duration = v;
    AX_TRY(opt_num(c, cal, w, "burn_in_time", &v, &given));
    if (given && !(v >= 0))
        return ax_spec_fail(c, ax_yn_get(cal, "burn_in_time"), "calibration.burn_in_time must be >= 0");
    if (given) k->o.burn_in = v;
    int gmin, gmax;
    AX_TRY(opt_num(c, cal, w, "V_rest_min", &k->v_rest_min, &gmin));
    AX_TRY(opt_num(c, cal, w, "V_rest_max", &k->v_rest_max, &gmax));
    if (gmin && gmax && !(k->v_rest_max > k->v_rest_min))
        return ax_spec_fail(c, cal, "calibration: V_rest_max must be > V_rest_min (got %g, %g)",
                            k->v_rest_max, k->v_rest_min);
    const ax_yn *ns = ax_yn_get(cal, "num_samples"), *p = ax_yn_get(cal, "samples_p_on");
    int64_t num = -1;
    if (!jnull(ns)) AX_TRY(ax_spec_int(c, ns, "calibration.num_samples", r->config ? 3 : 0, &num));
    if (num > 1000000000) return ax_spec_fail(c, ns, "calibration.num_samples is too large");
    if (num >= 3) k->o.num_samples = (int)num;
    if (!jnull(p)) {
        AX_TRY(ax_spec_need_seq(c, p, "calibration.samples_p_on"));
        if (num >= 0 && num != p->n)
            return ax_spec_fail(c, ns, "calibration.num_samples (%lld) differs from the length of "
                                       "samples_p_on (%d)", (long long)num, p->n);
        if (p->n >= 2 && !(gmin && gmax))
            return ax_spec_fail(c, cal, "calibration has samples_p_on but no V_rest_min/V_rest_max "
                                        "(their v_rest is linspace(V_rest_min, V_rest_max, n))");
    }
    const ax_yn *fit = ax_yn_get(cal, "fit");
    const ax_yn *fa = jnull(fit) || fit->kind != AX_YN_MAP ? NULL : ax_yn_get(fit, "alpha");
    if (jnull(fit) || jnull(fa)) {
        if (r->config) return AX_OK;
        return ax_spec_fail(c, fit ? fit : cal, "calibration.fit%s is %s: the file holds no "
                                                "calibrated sampler yet; calibrate it first "
                                                "(axon calibrate FILE -o cal.json)",
                            fit && !jnull(fit) ? ".alpha" : "", fit ? "null" : "missing");
    }
    AX_TRY(ax_spec_need_map(c, fit, "calibration.fit"));
    AX_TRY(need_type(c, fit, "calibration.fit", "Fit"));
    AX_TRY(ax_spec_keys(c, fit, "calibration.fit", kFit));
    AX_TRY(need_num(c, fit, "calibration.fit", "alpha", &k->alpha));
    AX_TRY(need_num(c, fit, "calibration.fit", "v_p05", &k->v_p05));
    if (!(k->alpha > 0)) return ax_spec_fail(c, fa, "fit.alpha must be > 0 (got %g)", k->alpha);
    return AX_OK;
}

static ax_status read_samples(ax_sctx *c, const ax_yn *cal, const ax_yn *ax, ax_calibration *k)
{
    const ax_yn *p = ax_yn_get(cal, "samples_p_on");
    if (jnull(p) || p->kind != AX_YN_SEQ || p->n < 2) return AX_OK;
    k->n = p->n;
    k->p_on = calloc((size_t)k->n, sizeof *k->p_on);
    k->v_rest = calloc((size_t)k->n, sizeof *k->v_rest);
    AX_CHECK(k->p_on && k->v_rest, c->err, AX_ENOMEM, "out of memory reading samples");
    const ax_yn *v = ax && ax->kind == AX_YN_MAP ? ax_yn_get(ax, "samples_v_rest") : NULL;
    for (int i = 0; i < k->n; i++) {
        AX_TRY(ax_spec_number(c, p->items[i], "samples_p_on", 0, &k->p_on[i]));
        if (v && v->kind == AX_YN_SEQ && v->n == k->n)
            AX_TRY(ax_spec_number(c, v->items[i], "samples_v_rest", 0, &k->v_rest[i]));
        else
            k->v_rest[i] = k->v_rest_min + (k->v_rest_max - k->v_rest_min) * i / (k->n - 1.0);
    }
    return AX_OK;
}

/* The top-level background, kept apart from the calibration's. */
static ax_status read_net_bg(ax_sctx *c, const ax_yn *sc, ax_calibration *k)
{
    if (jnull(sc)) return AX_OK;
    AX_TRY(read_sources(c, sc, "source_config", &k->net_rate_ex, &k->net_w_ex, &k->net_rate_in,
                        &k->net_w_in));
    const ax_sampler *s = &k->s;
    k->has_net_bg = k->net_rate_ex != s->rate_ex || k->net_w_ex != s->w_ex ||
                    k->net_rate_in != s->rate_in || k->net_w_in != s->w_in;
    return AX_OK;
}

/* The whole calibration file (an ax_yaml_parse_fn; out is an rd). */
static ax_status read_calib(ax_sctx *c, const ax_yn *root, void *out)
{
    rd *r = out;
    ax_calibration *k = r->k;
    AX_TRY(ax_spec_need_map(c, root, "the calibration file"));
    AX_TRY(need_type(c, root, "the calibration file", "SamplerConfiguration"));
    AX_TRY(ax_spec_keys(c, root, "the calibration file (sbs's SamplerConfiguration)", kTop));
    ax_calib_opts_default(&k->o);
    ax_calib_tso_default(&k->tso);
    AX_TRY(read_neuron(c, ax_yn_get(root, "neuron_parameters"), &k->s));
    const ax_yn *cal = ax_yn_get(root, "calibration");
    AX_TRY(read_cal(c, cal, r));
    AX_TRY(read_net_bg(c, ax_yn_get(root, "source_config"), k));
    const ax_yn *tso = ax_yn_get(root, "tso_parameters");
    if (!jnull(tso)) {
        AX_TRY(read_tso(c, tso, &k->tso));
        k->has_tso = 1;
    }
    AX_TRY(read_samples(c, cal, ax_yn_get(root, "axon"), k));
    ax_error e2 = {0};
    if (ax_sampler_validate(&k->s, &e2) != AX_OK) return ax_spec_fail(c, root, "%s", e2.msg);
    if (k->has_net_bg) {
        ax_sampler net = ax_calib_net_sampler(k);
        if (ax_sampler_validate(&net, &e2) != AX_OK)
            return ax_spec_fail(c, ax_yn_get(root, "source_config"), "source_config: %s", e2.msg);
    }
    return AX_OK;
}

static ax_status read_json(ax_input *in, const char *path, ax_calibration *k, int config,
                           ax_error *err)
{
    memset(k, 0, sizeof *k);
    rd r = {.k = k, .config = config};
    ax_status st = ax_yaml_load(in, path, "calibration", read_calib, &r, err);
    if (st != AX_OK) ax_calibration_free(k);
    return st;
}

ax_status ax_calib_read_json_in(ax_input *in, const char *path, ax_calibration *k, ax_error *err)
{
    return read_json(in, path, k, 0, err);
}

ax_status ax_calib_read_json(const char *path, ax_calibration *k, ax_error *err)
{
    return read_json(NULL, path, k, 0, err);
}

ax_status ax_calib_read_config_in(ax_input *in, const char *path, ax_calibration *k,
                                  ax_error *err)
{
    return read_json(in, path, k, 1, err);
}

ax_status ax_calib_read_config(const char *path, ax_calibration *k, ax_error *err)
{
    return read_json(NULL, path, k, 1, err);
}
