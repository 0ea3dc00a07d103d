/* calib_io.c - calibrations and BM results on disk.
 *
 * JSON: sbs's SamplerConfiguration layout (db/core.py: "_type" on every
 * object, PyNN units: cm nF, weights uS|nA, source rates/weights listed
 * [inhibitory, excitatory] as sbs's tutorial), so sbs tooling finds the
 * fields it knows; everything axon adds (both fits with standard errors and
 * RMS residuals, raw v_rest samples, spike counts, NEST-unit parameters,
 * timings) sits under "axon". Numbers are printed with 17 digits so a
 * calibration reads back bit for bit.
 * HDF5 (serial, one rank): /calibration/{v_rest,p_on,n_spikes} with the fit
 * results as attributes; BM output under /bm, /distributions, /convergence,
 * /spikes (docs/sampling.md).
 */
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "axon/h5_attr.h"
#include "axon/sampling.h"
#include "axon/yaml.h"

/* ---- JSON out ---- */

static void jarr(FILE *f, const double *x, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) fprintf(f, "%s%.17g", i ? ", " : "", x[i]);
    fputc(']', f);
}

static void jfit(FILE *f, const char *name, const ax_fit *x, int erf)
{
    fprintf(f, "    \"%s\": {\"alpha\": %.17g, \"alpha_se\": %.17g, \"v_p05\": %.17g, "
               "\"v_p05_se\": %.17g, \"rms_residual\": %.17g, \"n_points\": %d",
            name, x->alpha, x->alpha_se, x->v_p05, x->v_p05_se, x->rms, x->n_points);
    if (erf) fprintf(f, ", \"sigma\": %.17g", x->sigma);
    fprintf(f, "}");
}

static void json_neuron(FILE *f, const ax_sampler *s)
{
    int cond = s->kind == AX_SAMPLER_COND;
    fprintf(f, "  \"neuron_parameters\": {\n    \"_type\": \"%s\",\n    \"pynn_model\": \"%s\",\n"
               "    \"tau_refrac_virtual\": null,\n",
            cond ? "NeuronParametersConductanceExponential" : "NeuronParametersCurrentExponential",
            cond ? "IF_cond_exp" : "IF_curr_exp");
    fprintf(f, "    \"cm\": %.17g, \"tau_m\": %.17g, \"tau_refrac\": %.17g, \"tau_syn_E\": %.17g, "
               "\"tau_syn_I\": %.17g,\n",
            s->C_m / 1000.0, s->C_m / s->g_L, s->t_ref, s->tau_syn_ex, s->tau_syn_in);
    if (cond) fprintf(f, "    \"e_rev_E\": %.17g, \"e_rev_I\": %.17g,\n", s->E_ex, s->E_in);
    fprintf(f, "    \"i_offset\": %.17g, \"v_rest\": %.17g, \"v_reset\": %.17g, \"v_thresh\": %.17g\n  },\n",
            s->I_e / 1000.0, s->E_L, s->V_reset, s->V_th);
}

static void json_calib(FILE *f, const ax_calibration *c)
{
    const ax_sampler *s = &c->s;
    fprintf(f, "  \"calibration\": {\n    \"_type\": \"Calibration\",\n    \"sim_name\": \"axon\",\n"
               "    \"sim_setup_kwargs\": {\"spike_precision\": \"on_grid\", \"ranks\": %d, "
               "\"threads\": %d},\n",
            c->ranks, c->threads);
    fprintf(f, "    \"duration\": %.17g, \"dt\": %.17g, \"burn_in_time\": %.17g,\n", c->o.duration,
            c->o.dt, c->o.burn_in);
    fprintf(f, "    \"V_rest_min\": %.17g, \"V_rest_max\": %.17g, \"num_samples\": %d,\n",
            c->v_rest_min, c->v_rest_max, c->n);
    fprintf(f, "    \"samples_p_on\": ");
    jarr(f, c->p_on, c->p_on ? c->n : 0);
    fprintf(f, ",\n    \"fit\": {\"_type\": \"Fit\", \"alpha\": %.17g, \"v_p05\": %.17g},\n",
            c->alpha, c->v_p05);
    fprintf(f, "    \"source_config\": {\"_type\": \"PoissonSourceConfiguration\", "
               "\"rates\": [%.17g, %.17g], \"weights\": [%.17g, %.17g]}\n  },\n",
            s->rate_in, s->rate_ex, s->w_in / 1000.0, s->w_ex / 1000.0);
}

static void json_axon(FILE *f, const ax_calibration *c)
{
    const ax_sampler *s = &c->s;
    double u, sd, g, te;
    ax_free_membrane(s, c->v_p05, &u, &sd, &g, &te);
    fprintf(f, "  \"axon\": {\n    \"version\": \"%s\", \"fit_kind\": \"%s\", \"seed\": %llu,\n",
            PACKAGE_VERSION, c->o.fit == AX_FIT_ERF ? "erf" : "logistic",
            (unsigned long long)c->o.seed);
    fprintf(f, "    \"nest_model\": \"%s\", \"nest_parameters\": {\"C_m\": %.17g, \"g_L\": %.17g, "
               "\"E_L\": %.17g, \"V_th\": %.17g, \"V_reset\": %.17g, \"t_ref\": %.17g, "
               "\"E_ex\": %.17g, \"E_in\": %.17g, \"tau_syn_ex\": %.17g, \"tau_syn_in\": %.17g, "
               "\"I_e\": %.17g},\n",
            ax_sampler_model(s), s->C_m, s->g_L, s->E_L, s->V_th, s->V_reset, s->t_ref, s->E_ex,
            s->E_in, s->tau_syn_ex, s->tau_syn_in, s->I_e);
    fprintf(f, "    \"background_nest\": {\"rate_ex\": %.17g, \"w_ex\": %.17g, \"rate_in\": %.17g, "
               "\"w_in\": %.17g},\n", s->rate_ex, s->w_ex, s->rate_in, s->w_in);
    fprintf(f, "    \"p_min\": %.17g, \"p_max\": %.17g, \"prescan\": %s, \"prescan_rounds\": %d,\n",
            c->o.p_min, c->o.p_max, c->o.prescan ? "true" : "false", c->prescan_rounds);
    jfit(f, "logistic", &c->logistic, 0);
    fprintf(f, ",\n");
    jfit(f, "erf", &c->erf, 1);
    fprintf(f, ",\n    \"free_membrane_at_v_p05\": {\"mean\": %.17g, \"std\": %.17g, \"g_tot\": %.17g, "
               "\"tau_eff\": %.17g, \"alpha_theo\": %.17g, \"alpha_fit_membrane_space\": %.17g},\n",
            u, sd, g, te, 0.25 * sqrt(2 * M_PI) * sd,
            s->kind == AX_SAMPLER_COND ? c->alpha * s->g_L / g : c->alpha);
    fprintf(f, "    \"wall_prescan_s\": %.6f, \"wall_final_s\": %.6f,\n", c->wall_prescan,
            c->wall_final);
    fprintf(f, "    \"samples_v_rest\": ");
    jarr(f, c->v_rest, c->v_rest ? c->n : 0);
    fprintf(f, ",\n    \"samples_n_spikes\": [");
    for (int i = 0; c->n_spikes && i < c->n; i++)
        fprintf(f, "%s%lld", i ? ", " : "", (long long)c->n_spikes[i]);
    fprintf(f, "]\n  }\n");
}

ax_status ax_calib_write_json(const ax_calibration *c, const char *path, ax_error *err)
{
    FILE *f = fopen(path, "w");
    AX_CHECK(f, err, AX_EIO, "%s: cannot write the calibration (%m)", path);
    fprintf(f, "{\n  \"_type\": \"SamplerConfiguration\",\n");
    json_neuron(f, &c->s);
    json_calib(f, c);
    fprintf(f, "  \"source_config\": null,\n  \"tso_parameters\": null,\n");
    json_axon(f, c);
    fprintf(f, "}\n");
    AX_CHECK(fclose(f) == 0, err, AX_EIO, "%s: write failed", path);
    return AX_OK;
}

/* ---- JSON in ---- */

static ax_status need_num(ax_sctx *c, const ax_yn *map, const char *key, double *out)
{
    const ax_yn *n = ax_yn_get(map, key);
    if (!n) return ax_spec_fail(c, map, "calibration file lacks '%s'", key);
    return ax_spec_number(c, n, key, 0, out);
}

static ax_status read_neuron(ax_sctx *c, const ax_yn *np, ax_sampler *s)
{
    AX_TRY(ax_spec_need_map(c, np, "neuron_parameters"));
    char model[32];
    AX_TRY(ax_spec_string(c, ax_yn_get(np, "pynn_model"), "pynn_model", model, sizeof model));
    if (!strcmp(model, "IF_cond_exp")) s->kind = AX_SAMPLER_COND;
    else if (!strcmp(model, "IF_curr_exp")) s->kind = AX_SAMPLER_CURR;
    else return ax_spec_fail(c, np, "pynn_model '%s' is not supported (IF_cond_exp, IF_curr_exp)", model);
    double cm, tau_m, i_off;
    AX_TRY(need_num(c, np, "cm", &cm));
    AX_TRY(need_num(c, np, "tau_m", &tau_m));
    AX_TRY(need_num(c, np, "tau_refrac", &s->t_ref));
    AX_TRY(need_num(c, np, "tau_syn_E", &s->tau_syn_ex));
    AX_TRY(need_num(c, np, "tau_syn_I", &s->tau_syn_in));
    AX_TRY(need_num(c, np, "i_offset", &i_off));
    AX_TRY(need_num(c, np, "v_rest", &s->E_L));
    AX_TRY(need_num(c, np, "v_reset", &s->V_reset));
    AX_TRY(need_num(c, np, "v_thresh", &s->V_th));
    if (s->kind == AX_SAMPLER_COND) {
        AX_TRY(need_num(c, np, "e_rev_E", &s->E_ex));
        AX_TRY(need_num(c, np, "e_rev_I", &s->E_in));
    }
    s->C_m = cm * 1000.0;
    s->g_L = s->C_m / tau_m;
    s->I_e = i_off * 1000.0;
    return AX_OK;
}

/* sbs's PoissonSourceConfiguration: rates and weights lists, sign = type. */
static ax_status read_sources(ax_sctx *c, const ax_yn *sc, ax_sampler *s)
{
    AX_TRY(ax_spec_need_map(c, sc, "source_config"));
    const ax_yn *r = ax_yn_get(sc, "rates"), *w = ax_yn_get(sc, "weights");
    AX_TRY(ax_spec_need_seq(c, r, "source_config.rates"));
    AX_TRY(ax_spec_need_seq(c, w, "source_config.weights"));
    if (r->n != w->n) return ax_spec_fail(c, sc, "source_config: rates and weights differ in length");
    for (int i = 0; i < r->n; i++) {
        double rate, wt;
        AX_TRY(ax_spec_number(c, r->items[i], "rate", 0, &rate));
        AX_TRY(ax_spec_number(c, w->items[i], "weight", 0, &wt));
        if (wt >= 0 && s->rate_ex == 0) s->rate_ex = rate, s->w_ex = wt * 1000.0;
        else if (wt < 0 && s->rate_in == 0) s->rate_in = rate, s->w_in = wt * 1000.0;
        else return ax_spec_fail(c, sc, "source_config: axon supports one excitatory and one "
                                        "inhibitory Poisson source");
    }
    return AX_OK;
}

static ax_status read_samples(ax_sctx *c, const ax_yn *cal, const ax_yn *ax, ax_calibration *k)
{
    const ax_yn *p = ax_yn_get(cal, "samples_p_on");
    if (!p || p->kind != AX_YN_SEQ || p->n < 2) return AX_OK;
    k->n = p->n;
    k->p_on = calloc((size_t)k->n, sizeof *k->p_on);
    k->v_rest = calloc((size_t)k->n, sizeof *k->v_rest);
    AX_CHECK(k->p_on && k->v_rest, c->err, AX_ENOMEM, "out of memory reading samples");
    const ax_yn *v = ax ? ax_yn_get(ax, "samples_v_rest") : NULL;
    for (int i = 0; i < k->n; i++) {
        AX_TRY(ax_spec_number(c, p->items[i], "samples_p_on", 0, &k->p_on[i]));
        if (v && v->kind == AX_YN_SEQ && v->n == k->n)
            AX_TRY(ax_spec_number(c, v->items[i], "samples_v_rest", 0, &k->v_rest[i]));
        else
            k->v_rest[i] = k->v_rest_min + (k->v_rest_max - k->v_rest_min) * i / (k->n - 1.0);
    }
    return AX_OK;
}

/* The whole calibration file (an ax_yaml_parse_fn; out is the ax_calibration). */
static ax_status read_calib(ax_sctx *c, const ax_yn *root, void *out)
{
    ax_calibration *k = out;
    AX_TRY(ax_spec_need_map(c, root, "the calibration file"));
    AX_TRY(read_neuron(c, ax_yn_get(root, "neuron_parameters"), &k->s));
    const ax_yn *cal = ax_yn_get(root, "calibration");
    AX_TRY(ax_spec_need_map(c, cal, "calibration"));
    const ax_yn *top_src = ax_yn_get(root, "source_config");
    AX_TRY(read_sources(c, top_src && top_src->kind == AX_YN_MAP ? top_src
                                                                  : ax_yn_get(cal, "source_config"),
                        &k->s));
    const ax_yn *fit = ax_yn_get(cal, "fit");
    AX_TRY(ax_spec_need_map(c, fit, "calibration.fit"));
    AX_TRY(need_num(c, fit, "alpha", &k->alpha));
    AX_TRY(need_num(c, fit, "v_p05", &k->v_p05));
    if (!(k->alpha > 0)) return ax_spec_fail(c, fit, "fit.alpha must be > 0 (got %g)", k->alpha);
    ax_calib_opts_default(&k->o);
    const ax_yn *n;
    if ((n = ax_yn_get(cal, "dt"))) AX_TRY(ax_spec_number(c, n, "dt", 0, &k->o.dt));
    if ((n = ax_yn_get(cal, "duration"))) AX_TRY(ax_spec_number(c, n, "duration", 0, &k->o.duration));
    if ((n = ax_yn_get(cal, "burn_in_time"))) AX_TRY(ax_spec_number(c, n, "burn_in_time", 0, &k->o.burn_in));
    if ((n = ax_yn_get(cal, "V_rest_min"))) AX_TRY(ax_spec_number(c, n, "V_rest_min", 0, &k->v_rest_min));
    if ((n = ax_yn_get(cal, "V_rest_max"))) AX_TRY(ax_spec_number(c, n, "V_rest_max", 0, &k->v_rest_max));
    AX_TRY(read_samples(c, cal, ax_yn_get(root, "axon"), k));
    ax_error e2 = {0};
    if (ax_sampler_validate(&k->s, &e2) != AX_OK) return ax_spec_fail(c, root, "%s", e2.msg);
    return AX_OK;
}

ax_status ax_calib_read_json(const char *path, ax_calibration *k, ax_error *err)
{
    memset(k, 0, sizeof *k);
    ax_status st = ax_yaml_load_file(path, read_calib, k, err);
    if (st != AX_OK) ax_calibration_free(k);
    return st;
}

/* ---- HDF5 ---- */

static int put(hid_t loc, const char *name, hid_t type, hsize_t n, const void *data)
{
    hsize_t d = n;
    hid_t sp = H5Screate_simple(1, &d, NULL);
    hid_t ds = sp >= 0 ? H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    int ok = ds >= 0 && (n == 0 || H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    if (ds >= 0) H5Dclose(ds);
    if (sp >= 0) H5Sclose(sp);
    return ok;
}

static int put2(hid_t loc, const char *name, hsize_t a, hsize_t b, const double *data)
{
    hsize_t d[2] = {a, b};
    hid_t sp = H5Screate_simple(2, d, NULL);
    hid_t ds = sp >= 0 ? H5Dcreate2(loc, name, H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT,
                                    H5P_DEFAULT) : -1;
    int ok = ds >= 0 && H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
    if (ds >= 0) H5Dclose(ds);
    if (sp >= 0) H5Sclose(sp);
    return ok;
}

static int attr(hid_t loc, const char *name, double v)
{
    return ax_h5_put_attr(loc, name, H5T_NATIVE_DOUBLE, 0, &v);
}

static int fit_attrs(hid_t g, const char *pre, const ax_fit *f)
{
    char n[64];
    int ok = 1;
    const char *names[] = {"alpha", "alpha_se", "v_p05", "v_p05_se", "rms_residual", "n_points", "sigma"};
    double vals[] = {f->alpha, f->alpha_se, f->v_p05, f->v_p05_se, f->rms, f->n_points, f->sigma};
    for (int i = 0; i < 7; i++) {
        snprintf(n, sizeof n, "%s_%s", pre, names[i]);
        ok &= attr(g, n, vals[i]);
    }
    return ok;
}

ax_status ax_calib_write_h5(const ax_calibration *c, const char *path, ax_error *err)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    AX_CHECK(f >= 0, err, AX_EIO, "%s: cannot create the HDF5 file", path);
    hid_t g = H5Gcreate2(f, "calibration", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int ok = g >= 0 && put(g, "v_rest", H5T_NATIVE_DOUBLE, (hsize_t)c->n, c->v_rest) &&
             put(g, "p_on", H5T_NATIVE_DOUBLE, (hsize_t)c->n, c->p_on) &&
             put(g, "n_spikes", H5T_NATIVE_INT64, (hsize_t)c->n, c->n_spikes) &&
             fit_attrs(g, "logistic", &c->logistic) && fit_attrs(g, "erf", &c->erf) &&
             attr(g, "alpha", c->alpha) && attr(g, "v_p05", c->v_p05) &&
             attr(g, "duration", c->o.duration) && attr(g, "burn_in", c->o.burn_in) &&
             attr(g, "dt", c->o.dt) && attr(g, "t_ref", c->s.t_ref) &&
             attr(g, "p_min", c->o.p_min) && attr(g, "p_max", c->o.p_max) &&
             attr(g, "fit_erf", c->o.fit == AX_FIT_ERF) && attr(g, "seed", (double)c->o.seed) &&
             attr(g, "g_L", c->s.g_L) && attr(g, "wall_final_s", c->wall_final);
    if (ok) {
        double u, sd, gt, te;
        ax_free_membrane(&c->s, c->v_p05, &u, &sd, &gt, &te);
        ok = attr(g, "g_tot", gt) && attr(g, "free_std", sd) &&
             attr(g, "alpha_theo", 0.25 * sqrt(2 * M_PI) * sd);
    }
    if (g >= 0) H5Gclose(g);
    int closed = H5Fclose(f) >= 0;
    AX_CHECK(ok && closed, err, AX_EIO, "%s: writing the calibration failed", path);
    return AX_OK;
}

static int bm_groups(hid_t f, const ax_bm *bm, const ax_bm_result *r)
{
    int n = bm->n;
    hid_t g = H5Gcreate2(f, "bm", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int ok = g >= 0 && put2(g, "W", n, n, bm->W) && put(g, "b", H5T_NATIVE_DOUBLE, n, bm->b) &&
             put2(g, "w_bio", n, n, r->w_bio) && put(g, "v_rest", H5T_NATIVE_DOUBLE, n, r->v_rest) &&
             attr(g, "duration", bm->duration) && attr(g, "burn_in", bm->burn_in) &&
             attr(g, "dt", bm->dt) && attr(g, "delay", bm->delay) &&
             attr(g, "renewing", bm->renewing) && attr(g, "seed", (double)bm->seed) &&
             attr(g, "wall_s", r->wall);
    double *a = malloc((size_t)n * 2 * sizeof *a);
    ok = ok && a;
    for (int i = 0; ok && i < n; i++) a[i] = bm->cal[i].alpha, a[n + i] = bm->cal[i].v_p05;
    ok = ok && put(g, "alpha", H5T_NATIVE_DOUBLE, n, a) && put(g, "v_p05", H5T_NATIVE_DOUBLE, n, a + n);
    free(a);
    if (g >= 0) H5Gclose(g);
    g = H5Gcreate2(f, "distributions", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ok = ok && g >= 0 && put(g, "marginal_sim", H5T_NATIVE_DOUBLE, n, r->marg_sim) &&
         put(g, "marginal_theo", H5T_NATIVE_DOUBLE, n, r->marg_theo) &&
         put(g, "spike_counts", H5T_NATIVE_INT64, n, r->spikes);
    if (ok && r->joint_sim)
        ok = put(g, "joint_sim", H5T_NATIVE_DOUBLE, (hsize_t)1 << n, r->joint_sim) &&
             put(g, "joint_theo", H5T_NATIVE_DOUBLE, (hsize_t)1 << n, r->joint_theo);
    if (ok && r->zz_sim) ok = put2(g, "zz_sim", n, n, r->zz_sim);
    if (ok && r->zz_theo) ok = put2(g, "zz_theo", n, n, r->zz_theo);
    if (g >= 0) H5Gclose(g);
    int nc = r->n_checkpoints;
    g = H5Gcreate2(f, "convergence", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ok = ok && g >= 0 && put(g, "t", H5T_NATIVE_DOUBLE, nc, r->t_check) &&
         put(g, "dkl_joint", H5T_NATIVE_DOUBLE, nc, r->dkl_joint) &&
         put(g, "dkl_marginals", H5T_NATIVE_DOUBLE, nc, r->dkl_marg) &&
         put(g, "missing_mass", H5T_NATIVE_DOUBLE, nc, r->missing);
    if (g >= 0) H5Gclose(g);
    g = H5Gcreate2(f, "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ok = ok && g >= 0 && put(g, "units", H5T_NATIVE_UINT64, (hsize_t)r->n_spk_rec, r->spk_unit) &&
         put(g, "times", H5T_NATIVE_DOUBLE, (hsize_t)r->n_spk_rec, r->spk_time);
    if (g >= 0) H5Gclose(g);
    return ok;
}

ax_status ax_bm_write_h5(const ax_bm *bm, const ax_bm_result *r, const char *path, int force,
                         ax_error *err)
{
    AX_CHECK(force || access(path, F_OK) != 0, err, AX_EIO,
             "%s exists; use --force to overwrite it", path);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    AX_CHECK(f >= 0, err, AX_EIO, "%s: cannot create the HDF5 file", path);
    int ok = bm_groups(f, bm, r);
    int closed = H5Fclose(f) >= 0;
    AX_CHECK(ok && closed, err, AX_EIO, "%s: writing the BM output failed", path);
    return AX_OK;
}
