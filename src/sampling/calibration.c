/* calibration.c - the activation function of a LIF sampler, as sbs
 * measures it: sweep the resting potential over independent copies of the
 * sampler (one engine run, one neuron per sweep point, private Poisson
 * background), p_on = n_spikes * t_on / duration after burn-in (t_on = t_ref or
 * sbs's tau_refrac_virtual), then fit
 * a logistic (sbs) and a Gaussian CDF with GSL's nonlinear least squares.
 *
 * Pre-scan: sbs's pre-calibration (precalib.c) finds the sloped window
 * from scans of pre_duration ms. The final sweep is linspace(v_rest_min,
 * v_rest_max, num_samples) over it (or over [v_min, v_max] without it).
 * Invariant: every rank returns the same numbers (counts are reduced).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>

#include "axon/engine.h"
#include "sampling_impl.h"

typedef struct sweep_ctx {
    int64_t burn_steps; /* spikes stamped after burn_in: step + 1 > burn_steps */
    int64_t *count;
    int n;
} sweep_ctx;

static ax_status count_sink(void *ctx, int64_t n, const uint64_t *gid, const int64_t *step,
                            ax_error *err)
{
    (void)err;
    sweep_ctx *c = ctx;
    for (int64_t k = 0; k < n; k++)
        if (step[k] + 1 > c->burn_steps && gid[k] < (uint64_t)c->n) c->count[gid[k]]++;
    return AX_OK;
}

ax_status ax_calib_sweep(const ax_sampler *s, const double *v_rest, int n, double dt,
                         double duration, double burn_in, uint64_t seed, MPI_Comm comm,
                         int threads, FILE *progress, int64_t *n_spikes, ax_error *err)
{
    AX_CHECK(n > 0, err, AX_EINPUT, "calibration sweep needs at least one point");
    char text[256];
    snprintf(text, sizeof text, "calibration sweep: %d %s samplers, %g + %g ms at dt %g ms", n,
             ax_sampler_model(s), burn_in, duration, dt);
    ax_samp_net net;
    ax_engine eng = NULL;
    sweep_ctx c = {.burn_steps = llround(burn_in / dt), .n = n};
    c.count = calloc((size_t)n, sizeof *c.count);
    ax_status st = c.count ? AX_OK : AX_FAIL(err, AX_ENOMEM, "out of memory for spike counts");
    ax_status st2 = ax_samp_net_init(&net, dt, burn_in + duration, seed, text, err);
    if (st == AX_OK) st = st2;
    if (st == AX_OK) st = ax_samp_net_add_pop(&net, s, n, v_rest[0], err);
    /* The background's delay does not change its statistics (independent,
     * stationary); 10 steps lets the engine take 10-step slices. */
    if (st == AX_OK) st = ax_samp_net_finish(&net, 10 * dt, err);
    /* every rank reaches build (collective) with the same status */
    if (st == AX_OK) st = ax_engine_build(&net.spec, comm, threads, &eng, err);
    if (st == AX_OK) st = ax_engine_set_param(eng, 0, "E_L", v_rest, err);
    if (st == AX_OK) {
        ax_engine_set_spike_sink(eng, count_sink, &c);
        st = ax_engine_simulate(eng, NULL, progress, err);
    }
    if (st == AX_OK)
        MPI_Allreduce(c.count, n_spikes, n, MPI_INT64_T, MPI_SUM, comm);
    ax_engine_destroy(&eng);
    ax_samp_net_free(&net);
    free(c.count);
    return st;
}

/* ---- fits ---- */

typedef struct fit_data {
    ax_fit_kind kind;
    const double *v, *p;
    size_t n;
} fit_data;

/* Model value and its derivatives by (x0, s): logistic s = alpha, erf s = sigma. */
static void model(ax_fit_kind kind, double v, double x0, double s, double *f, double *d0,
                  double *ds)
{
    double u = (v - x0) / s;
    if (kind == AX_FIT_LOGISTIC) {
        double e = exp(-u), y = 1.0 / (1.0 + e);
        *f = y;
        *d0 = -y * (1 - y) / s;
        *ds = -y * (1 - y) * u / s;
    } else {
        double g = exp(-0.5 * u * u) / sqrt(2 * M_PI);
        *f = 0.5 * erfc(-u / M_SQRT2);
        *d0 = -g / s;
        *ds = -g * u / s;
    }
}

static int fit_f(const gsl_vector *x, void *data, gsl_vector *f)
{
    const fit_data *d = data;
    double x0 = gsl_vector_get(x, 0), s = gsl_vector_get(x, 1), y, a, b;
    for (size_t i = 0; i < d->n; i++) {
        model(d->kind, d->v[i], x0, s, &y, &a, &b);
        gsl_vector_set(f, i, y - d->p[i]);
    }
    return GSL_SUCCESS;
}

static int fit_df(const gsl_vector *x, void *data, gsl_matrix *J)
{
    const fit_data *d = data;
    double x0 = gsl_vector_get(x, 0), s = gsl_vector_get(x, 1), y, a, b;
    for (size_t i = 0; i < d->n; i++) {
        model(d->kind, d->v[i], x0, s, &y, &a, &b);
        gsl_matrix_set(J, i, 0, a);
        gsl_matrix_set(J, i, 1, b);
    }
    return GSL_SUCCESS;
}

/* Starting point: where p crosses 0.5 and the spread of the fitted range. */
static void initial_guess(const double *v, const double *p, size_t n, double *x0, double *s)
{
    *x0 = 0.5 * (v[0] + v[n - 1]);
    for (size_t i = 1; i < n; i++)
        if ((p[i - 1] - 0.5) * (p[i] - 0.5) <= 0 && p[i] != p[i - 1]) {
            *x0 = v[i - 1] + (0.5 - p[i - 1]) * (v[i] - v[i - 1]) / (p[i] - p[i - 1]);
            break;
        }
    *s = fabs(v[n - 1] - v[0]) / 6.0;
    if (!(*s > 0)) *s = 1.0;
}

static ax_status solve(fit_data *d, ax_fit *out, ax_error *err)
{
    const gsl_multifit_nlinear_type *T = gsl_multifit_nlinear_trust;
    gsl_multifit_nlinear_parameters prm = gsl_multifit_nlinear_default_parameters();
    gsl_multifit_nlinear_workspace *w = gsl_multifit_nlinear_alloc(T, &prm, d->n, 2);
    gsl_matrix *cov = gsl_matrix_alloc(2, 2);
    AX_CHECK(w && cov, err, AX_ENOMEM, "out of memory for the fit");
    gsl_multifit_nlinear_fdf fdf = {.f = fit_f, .df = fit_df, .n = d->n, .p = 2, .params = d};
    double x0, s;
    initial_guess(d->v, d->p, d->n, &x0, &s);
    gsl_vector_view xv = gsl_vector_view_array((double[]){x0, s}, 2);
    int info = 0;
    int rc = gsl_multifit_nlinear_init(&xv.vector, &fdf, w);
    if (rc == GSL_SUCCESS) rc = gsl_multifit_nlinear_driver(200, 1e-10, 1e-10, 1e-12, NULL, NULL,
                                                            &info, w);
    ax_status st = AX_OK;
    if (rc != GSL_SUCCESS && rc != GSL_EMAXITER)
        st = AX_FAIL(err, AX_EINPUT, "activation fit failed: %s", gsl_strerror(rc));
    if (st == AX_OK) {
        const gsl_vector *x = gsl_multifit_nlinear_position(w);
        const gsl_vector *f = gsl_multifit_nlinear_residual(w);
        double chi2;
        gsl_blas_ddot(f, f, &chi2);
        gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(w), 0.0, cov);
        double scale = d->n > 2 ? chi2 / (double)(d->n - 2) : 0.0;
        out->v_p05 = gsl_vector_get(x, 0);
        double sc = fabs(gsl_vector_get(x, 1));
        out->v_p05_se = sqrt(gsl_matrix_get(cov, 0, 0) * scale);
        double sc_se = sqrt(gsl_matrix_get(cov, 1, 1) * scale);
        double k = d->kind == AX_FIT_ERF ? sqrt(2 * M_PI) / 4.0 : 1.0;
        out->sigma = d->kind == AX_FIT_ERF ? sc : 0.0;
        out->alpha = k * sc;
        out->alpha_se = k * sc_se;
        out->rms = sqrt(chi2 / (double)d->n);
        out->n_points = (int)d->n;
        out->iterations = (int)gsl_multifit_nlinear_niter(w);
    }
    gsl_multifit_nlinear_free(w);
    gsl_matrix_free(cov);
    return st;
}

ax_status ax_calib_fit(ax_fit_kind kind, const double *v, const double *p, int n, double p_min,
                       double p_max, ax_fit *out, ax_error *err)
{
    gsl_set_error_handler_off();
    memset(out, 0, sizeof *out);
    double *vv = malloc((size_t)(n > 0 ? n : 1) * sizeof *vv);
    double *pp = malloc((size_t)(n > 0 ? n : 1) * sizeof *pp);
    if (!vv || !pp) {
        free(vv);
        free(pp);
        return AX_FAIL(err, AX_ENOMEM, "out of memory for the fit");
    }
    size_t m = 0;
    for (int i = 0; i < n; i++)
        if (p[i] > p_min && p[i] < p_max) {
            vv[m] = v[i];
            pp[m++] = p[i];
        }
    ax_status st = m >= 3 ? AX_OK
                 : AX_FAIL(err, AX_EINPUT, "only %zu of %d points have %g < p_on < %g; need at "
                                           "least 3 to fit (widen v_rest_min..v_rest_max or use "
                                           "the pre-scan)", m, n, p_min, p_max);
    fit_data d = {kind, vv, pp, m};
    if (st == AX_OK) st = solve(&d, out, err);
    free(vv);
    free(pp);
    return st;
}

/* ---- pre-scan and the full calibration ---- */

static ax_status sweep_p(const ax_sampler *s, const ax_calib_opts *o, const double *v, int n,
                         double duration, MPI_Comm comm, int threads, FILE *progress,
                         double *p, int64_t *cnt, ax_error *err)
{
    AX_TRY(ax_calib_sweep(s, v, n, o->dt, duration, o->burn_in, o->seed, comm, threads, progress,
                          cnt, err));
    /* sbs/gather_data.py: p_on = num_spikes * tau_refrac_calibration / duration */
    double t_on = ax_sampler_t_on(s);
    for (int i = 0; i < n; i++) p[i] = (double)cnt[i] * t_on / duration;
    return AX_OK;
}

/* The pre-calibration's scan (precalib.c): p_on at v over pre_duration ms. */
typedef struct pre_ctx {
    const ax_sampler *s;
    const ax_calib_opts *o;
    MPI_Comm comm;
    int threads;
} pre_ctx;

static ax_status pre_scan(void *ctx, const double *v, int n, double *p, ax_error *err)
{
    const pre_ctx *c = ctx;
    int64_t *cnt = malloc((size_t)n * sizeof *cnt);
    AX_CHECK_ALLOC(cnt, err, "pre-scan counts");
    ax_status st = sweep_p(c->s, c->o, v, n, c->o->pre_duration, c->comm, c->threads, NULL, p,
                           cnt, err);
    free(cnt);
    return st;
}

static ax_status prescan(const ax_sampler *s, const ax_calib_opts *o, MPI_Comm comm, int threads,
                         FILE *progress, ax_calibration *cal, ax_error *err)
{
    pre_ctx c = {s, o, comm, threads};
    return ax_prescan_window(o, pre_scan, &c, progress, &cal->v_rest_min, &cal->v_rest_max,
                             &cal->prescan_rounds, err);
}

void ax_calib_tso_default(ax_calib_tso *t)
{
    *t = (ax_calib_tso){.U = 1.0, .u = 1.0, .x = 0.0, .weight_rescale = 1.0};
}

int ax_calib_tso_is_default(const ax_calib_tso *t)
{
    ax_calib_tso d;
    ax_calib_tso_default(&d);
    return t->U == d.U && t->u == d.u && t->x == d.x && t->tau_rec == d.tau_rec &&
           t->tau_fac == d.tau_fac && t->weight_rescale == d.weight_rescale;
}

ax_sampler ax_calib_net_sampler(const ax_calibration *c)
{
    ax_sampler s = c->s;
    if (c->has_net_bg) {
        s.rate_ex = c->net_rate_ex, s.w_ex = c->net_w_ex;
        s.rate_in = c->net_rate_in, s.w_in = c->net_w_in;
    }
    return s;
}

void ax_calibration_free(ax_calibration *c)
{
    if (!c) return;
    free(c->v_rest);
    free(c->p_on);
    free(c->n_spikes);
    c->v_rest = c->p_on = NULL;
    c->n_spikes = NULL;
}

ax_status ax_calibrate(const ax_sampler *s, const ax_calib_opts *o, MPI_Comm comm, int threads,
                       FILE *progress, ax_calibration *cal, ax_error *err)
{
    memset(cal, 0, sizeof *cal);
    cal->s = *s;
    cal->o = *o;
    ax_calib_tso_default(&cal->tso);
    MPI_Comm_size(comm, &cal->ranks);
    cal->threads = threads;
    AX_TRY(ax_sampler_validate(s, err));
    double t0 = MPI_Wtime();
    if (o->prescan) AX_TRY(prescan(s, o, comm, threads, progress, cal, err));
    else cal->v_rest_min = o->v_min, cal->v_rest_max = o->v_max;
    double t1 = MPI_Wtime();
    int n = o->num_samples;
    cal->n = n;
    cal->v_rest = malloc((size_t)n * sizeof *cal->v_rest);
    cal->p_on = malloc((size_t)n * sizeof *cal->p_on);
    cal->n_spikes = malloc((size_t)n * sizeof *cal->n_spikes);
    AX_CHECK(cal->v_rest && cal->p_on && cal->n_spikes, err, AX_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        cal->v_rest[i] = cal->v_rest_min + (cal->v_rest_max - cal->v_rest_min) * i / (n - 1.0);
    if (progress)
        fprintf(progress, "final sweep: %d points in [%.3f, %.3f] mV, %g ms each (+%g burn-in)\n",
                n, cal->v_rest_min, cal->v_rest_max, o->duration, o->burn_in);
    AX_TRY(sweep_p(s, o, cal->v_rest, n, o->duration, comm, threads, progress, cal->p_on,
                   cal->n_spikes, err));
    cal->wall_prescan = t1 - t0;
    cal->wall_final = MPI_Wtime() - t1;
    AX_TRY(ax_calib_fit(AX_FIT_LOGISTIC, cal->v_rest, cal->p_on, n, o->p_min, o->p_max,
                        &cal->logistic, err));
    AX_TRY(ax_calib_fit(AX_FIT_ERF, cal->v_rest, cal->p_on, n, o->p_min, o->p_max, &cal->erf, err));
    const ax_fit *f = o->fit == AX_FIT_ERF ? &cal->erf : &cal->logistic;
    cal->alpha = f->alpha;
    cal->v_p05 = f->v_p05;
    return AX_OK;
}
