/* calib_io.c - calibrations and BM results on disk.
 *
 * JSON (sbs's layout, and the sidecar): calib_json.c.
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
             attr(g, "t_on", ax_sampler_t_on(&c->s)) &&
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
    ok = ok && attr(g, "tso_U", bm->tso.U) && attr(g, "tso_u", bm->tso.u) &&
         attr(g, "tso_x", bm->tso.x) && attr(g, "tso_tau_rec", bm->tso.tau_rec) &&
         attr(g, "tso_tau_fac", bm->tso.tau_fac) && attr(g, "weight_rescale", bm->tso.weight_rescale);
    double *a = malloc((size_t)n * 7 * sizeof *a);
    ok = ok && a;
    for (int i = 0; ok && i < n; i++) {
        ax_sampler run = ax_calib_net_sampler(&bm->cal[i]);
        a[i] = bm->cal[i].alpha, a[n + i] = bm->cal[i].v_p05;
        a[2 * n + i] = ax_sampler_t_on(&bm->cal[i].s);
        double *bg = a + 3 * n + 4 * i; /* the background each unit ran with */
        bg[0] = run.rate_ex, bg[1] = run.w_ex, bg[2] = run.rate_in, bg[3] = run.w_in;
    }
    ok = ok && put(g, "alpha", H5T_NATIVE_DOUBLE, n, a) && put(g, "v_p05", H5T_NATIVE_DOUBLE, n, a + n) &&
         put(g, "t_on", H5T_NATIVE_DOUBLE, n, a + 2 * n) && put2(g, "background", n, 4, a + 3 * n);
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
