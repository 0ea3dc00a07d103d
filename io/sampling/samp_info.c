/* samp_info.c - `axon info` for sampling outputs: what an `axon sample`
 * result (/bm), the HDF5 copy of an `axon calibrate` result (/calibration)
 * or an `axon sweep` table (/sweep) holds, in a few lines each. Serial,
 * read-only; layouts in docs/sampling.md §2, §4 and docs/sweeps.md §3.
 */
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "axon/h5_attr.h"
#include "axon/sampling.h"

ax_samp_file ax_samp_file_kind(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || S_ISDIR(sb.st_mode)) return AX_SAMP_NONE;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0) return AX_SAMP_NONE;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return AX_SAMP_NONE;
    ax_samp_file k = AX_SAMP_NONE;
    if (H5Lexists(f, "/axon", H5P_DEFAULT) > 0) k = AX_SAMP_NONE; /* a network run */
    else if (H5Lexists(f, "/bm", H5P_DEFAULT) > 0) k = AX_SAMP_BM;
    else if (H5Lexists(f, "/sweep", H5P_DEFAULT) > 0) k = AX_SAMP_SWEEP;
    else if (H5Lexists(f, "/calibration", H5P_DEFAULT) > 0) k = AX_SAMP_CALIB;
    H5Fclose(f);
    return k;
}

/* A whole dataset as doubles (any numeric type, any shape); *n its size.
 * NULL when missing. */
static double *rd(hid_t loc, const char *name, hsize_t *n)
{
    *n = 0;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return NULL;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return NULL;
    hid_t sp = H5Dget_space(d);
    hssize_t m = H5Sget_simple_extent_npoints(sp);
    double *v = m >= 0 ? malloc((size_t)(m ? m : 1) * sizeof *v) : NULL;
    if (v && m && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        free(v);
        v = NULL;
    }
    H5Sclose(sp);
    H5Dclose(d);
    if (v) *n = (hsize_t)m;
    return v;
}

static double at(hid_t loc, const char *name)
{
    double v = NAN;
    if (H5Aexists(loc, name) <= 0 || !ax_h5_get_attr(loc, name, H5T_NATIVE_DOUBLE, &v)) return NAN;
    return v;
}

static void astr(hid_t loc, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "?");
    if (H5Aexists(loc, name) <= 0) return;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = H5Aget_type(a);
    size_t n = H5Tget_size(t);
    char *s = calloc(n + 1, 1);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, n + 1);
    if (s && H5Aread(a, mt, s) >= 0) snprintf(buf, size, "%s", s);
    free(s);
    H5Tclose(mt);
    H5Tclose(t);
    H5Aclose(a);
}

/* ---- axon sample ---- */

static void bm_units(hid_t f, FILE *out)
{
    hsize_t n, k;
    hid_t g = H5Gopen2(f, "bm", H5P_DEFAULT);
    double *b = rd(g, "b", &n), *v = rd(g, "v_rest", &k), *a = rd(g, "alpha", &k);
    double *p = rd(g, "v_p05", &k), *t = rd(g, "t_on", &k);
    H5Gclose(g);
    g = H5Gopen2(f, "distributions", H5P_DEFAULT);
    double *ms = rd(g, "marginal_sim", &k), *mt = rd(g, "marginal_theo", &k);
    double *sc = rd(g, "spike_counts", &k);
    H5Gclose(g);
    fprintf(out, "\nunits\n  %-5s %9s %11s %9s %11s %8s %10s %8s %8s\n", "unit", "b", "v_rest mV",
            "alpha", "v_p05 mV", "t_on ms", "spikes", "p_sim", "p_theo");
    for (hsize_t i = 0; b && v && a && p && ms && mt && sc && i < n && i < 32; i++)
        fprintf(out, "  %-5llu %9.4g %11.5g %9.4g %11.5g %8.4g %10.0f %8.4f %8.4f\n",
                (unsigned long long)i, b[i], v[i], a[i], p[i], t ? t[i] : NAN, sc[i], ms[i], mt[i]);
    if (n > 32) fprintf(out, "  ... (%llu more)\n", (unsigned long long)(n - 32));
    free(b), free(v), free(a), free(p), free(t), free(ms), free(mt), free(sc);
}

static void bm_convergence(hid_t f, FILE *out)
{
    hid_t g = H5Gopen2(f, "convergence", H5P_DEFAULT);
    hsize_t n, k;
    double *t = rd(g, "t", &n), *dj = rd(g, "dkl_joint", &k), *dm = rd(g, "dkl_marginals", &k);
    double *ms = rd(g, "missing_mass", &k);
    H5Gclose(g);
    fprintf(out, "\nDKL(p_theo || p_sim) vs sampling time (nats)\n  %-12s %-12s %-14s %s\n",
            "t (ms)", "joint", "marginals", "missing mass");
    for (hsize_t i = 0; t && dj && dm && ms && i < n; i++)
        fprintf(out, "  %-12g %-12.5g %-14.5g %.3g\n", t[i], dj[i], dm[i], ms[i]);
    free(t), free(dj), free(dm), free(ms);
}

static void info_bm(hid_t f, const char *path, FILE *out)
{
    hid_t g = H5Gopen2(f, "bm", H5P_DEFAULT);
    hsize_t n;
    double *b = rd(g, "b", &n);
    free(b);
    int ren = at(g, "renewing") == 1;
    fprintf(out, "file %s: axon sample output (Boltzmann machine)\n\n", path);
    fprintf(out, "run\n  units %llu, dt %g ms, %g ms after %g ms burn-in, delay %g ms, seed %.0f, "
                 "%s synapses, wall %.3g s\n", (unsigned long long)n, at(g, "dt"),
            at(g, "duration"), at(g, "burn_in"), at(g, "delay"), at(g, "seed"),
            ren ? "renewing" : "static", at(g, "wall_s"));
    if (ren && !isnan(at(g, "tso_U")))
        fprintf(out, "  tsodyks2: U %g, u %g, x %g, tau_rec %g ms (0: the target's tau_syn), "
                     "tau_fac %g ms, weight_rescale %g\n", at(g, "tso_U"), at(g, "tso_u"),
                at(g, "tso_x"), at(g, "tso_tau_rec"), at(g, "tso_tau_fac"),
                at(g, "weight_rescale"));
    H5Gclose(g);
    bm_units(f, out);
    bm_convergence(f, out);
    if (H5Lexists(f, "spikes", H5P_DEFAULT) > 0) {
        g = H5Gopen2(f, "spikes", H5P_DEFAULT);
        double *t = rd(g, "times", &n);
        free(t);
        H5Gclose(g);
        fprintf(out, "\nspikes after burn-in: %llu (/spikes/units, /spikes/times)\n",
                (unsigned long long)n);
    }
    fprintf(out, "plot: tools/axon-plot-sampling %s\n", path);
}

/* ---- axon calibrate (HDF5 copy) ---- */

static void fit_line(hid_t g, const char *kind, FILE *out)
{
    char k[64];
    double v[7];
    const char *names[] = {"alpha", "alpha_se", "v_p05", "v_p05_se", "rms_residual", "n_points",
                           "sigma"};
    for (int i = 0; i < 7; i++) {
        snprintf(k, sizeof k, "%s_%s", kind, names[i]);
        v[i] = at(g, k);
    }
    fprintf(out, "  %-9s alpha %.5g +- %.2g mV, v_p05 %.5g +- %.2g mV, RMS residual %.3g, "
                 "%.0f points", kind, v[0], v[1], v[2], v[3], v[4], v[5]);
    if (!strcmp(kind, "erf")) fprintf(out, " (sigma %.5g mV)", v[6]);
    fputc('\n', out);
}

static void info_calib(hid_t f, const char *path, FILE *out)
{
    hid_t g = H5Gopen2(f, "calibration", H5P_DEFAULT);
    hsize_t n, k;
    double *v = rd(g, "v_rest", &n), *p = rd(g, "p_on", &k);
    fprintf(out, "file %s: axon calibrate output (activation function)\n\n", path);
    fprintf(out, "samples\n  %llu points", (unsigned long long)n);
    if (v && n) fprintf(out, " in [%.5g, %.5g] mV", v[0], v[n - 1]);
    fprintf(out, ", %g ms each after %g ms burn-in, dt %g ms, seed %.0f, t_ref %g ms, on-time "
                 "%g ms\n", at(g, "duration"), at(g, "burn_in"), at(g, "dt"), at(g, "seed"),
            at(g, "t_ref"), isnan(at(g, "t_on")) ? at(g, "t_ref") : at(g, "t_on"));
    int fitted = 0;
    for (hsize_t i = 0; p && i < k; i++) fitted += p[i] > at(g, "p_min") && p[i] < at(g, "p_max");
    fprintf(out, "  %d with %g < p_on < %g (fitted)\n\nfits\n", fitted, at(g, "p_min"),
            at(g, "p_max"));
    fit_line(g, "logistic", out);
    fit_line(g, "erf", out);
    fprintf(out, "  used      %s: alpha %.5g mV, v_p05 %.5g mV\n",
            at(g, "fit_erf") == 1 ? "erf" : "logistic", at(g, "alpha"), at(g, "v_p05"));
    fprintf(out, "\nfree membrane at v_p05: std %.4g mV, g_tot %.4g nS (g_L %.4g), alpha_theo "
                 "%.4g mV (membrane space)\n", at(g, "free_std"), at(g, "g_tot"), at(g, "g_L"),
            at(g, "alpha_theo"));
    fprintf(out, "plot: tools/axon-plot-sampling %s\n", path);
    free(v), free(p);
    H5Gclose(g);
}

/* ---- axon sweep ---- */

/* The most frequent failure reasons (up to 5), from the fixed-width strings. */
static void sweep_errors(hid_t tg, const double *st, hsize_t n, FILE *out)
{
    hid_t d = H5Dopen2(tg, "error", H5P_DEFAULT);
    if (d < 0) return;
    hid_t t = H5Dget_type(d), mt = H5Tcopy(H5T_C_S1);
    size_t w = H5Tget_size(t);
    H5Tset_size(mt, w);
    char *s = calloc((size_t)(n ? n : 1), w);
    hsize_t *first = calloc((size_t)(n ? n : 1), sizeof *first), m = 0;
    int64_t *count = calloc((size_t)(n ? n : 1), sizeof *count);
    int ok = s && first && count && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) >= 0;
    for (hsize_t i = 0; ok && i < n; i++) { /* distinct reasons of failed tasks, counted */
        if (st[i] != 2) continue;
        hsize_t u = 0;
        while (u < m && strncmp(s + first[u] * w, s + i * w, w)) u++;
        if (u == m) first[m++] = i;
        count[u]++;
    }
    for (int shown = 0; shown < 5; shown++) {
        hsize_t best = m;
        for (hsize_t u = 0; u < m; u++)
            if (count[u] > 0 && (best == m || count[u] > count[best])) best = u;
        if (best == m) break;
        fprintf(out, "  %lld x %.*s\n", (long long)count[best], (int)w, s + first[best] * w);
        count[best] = 0;
    }
    free(s), free(first), free(count);
    H5Tclose(mt);
    H5Tclose(t);
    H5Dclose(d);
}

static void range(hid_t tg, const char *col, const char *unit, const double *st, FILE *out)
{
    hsize_t n;
    double *v = rd(tg, col, &n), lo = INFINITY, hi = -INFINITY;
    for (hsize_t i = 0; v && i < n; i++)
        if (st[i] == 1 && isfinite(v[i])) lo = fmin(lo, v[i]), hi = fmax(hi, v[i]);
    if (lo <= hi) fprintf(out, "  %-16s %.5g .. %.5g%s\n", col, lo, hi, unit);
    free(v);
}

static void sweep_params(hid_t tg, hsize_t n_tasks, FILE *out)
{
    hsize_t np, nv;
    double *v = rd(tg, "params", &nv);
    hid_t d = H5Lexists(tg, "param_names", H5P_DEFAULT) > 0 ? H5Dopen2(tg, "param_names", H5P_DEFAULT) : -1;
    char *names = NULL;
    size_t w = 0;
    if (d >= 0) {
        hid_t sp = H5Dget_space(d), t = H5Dget_type(d), mt = H5Tcopy(H5T_C_S1);
        np = (hsize_t)H5Sget_simple_extent_npoints(sp);
        w = H5Tget_size(t);
        H5Tset_size(mt, w);
        names = calloc((size_t)(np ? np : 1), w + 1);
        if (names && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) < 0) free(names), names = NULL;
        H5Tclose(mt), H5Tclose(t), H5Sclose(sp), H5Dclose(d);
    } else np = 0;
    fprintf(out, "\nparameters (%llu)\n", (unsigned long long)np);
    for (hsize_t k = 0; names && v && k < np && n_tasks && nv == n_tasks * np; k++) {
        double lo = INFINITY, hi = -INFINITY;
        for (hsize_t i = 0; i < n_tasks; i++) lo = fmin(lo, v[i * np + k]), hi = fmax(hi, v[i * np + k]);
        fprintf(out, "  %-40.*s %.5g .. %.5g\n", (int)w, names + k * w, lo, hi);
    }
    free(v), free(names);
}

static void info_sweep(hid_t f, const char *path, FILE *out)
{
    hid_t g = H5Gopen2(f, "sweep", H5P_DEFAULT), tg = H5Gopen2(f, "tasks", H5P_DEFAULT);
    char task[32], ver[64];
    astr(g, "task", task, sizeof task);
    astr(g, "version", ver, sizeof ver);
    fprintf(out, "file %s: axon sweep output (task: %s, axon %s)\n\ntasks\n", path, task, ver);
    fprintf(out, "  %.0f tasks: %.0f ok, %.0f failed, %.0f pending; %s\n", at(g, "n_tasks"),
            at(g, "n_ok"), at(g, "n_failed"), at(g, "n_pending"),
            at(g, "complete") == 1 ? "complete" : "incomplete (resume with --resume)");
    hsize_t n;
    double *st = tg >= 0 ? rd(tg, "status", &n) : NULL, *rt = st ? rd(tg, "runtime_s", &n) : NULL;
    double sum = 0;
    for (hsize_t i = 0; rt && i < n; i++) sum += st[i] != 0 && isfinite(rt[i]) ? rt[i] : 0;
    if (rt) fprintf(out, "  %.4g core-s in finished tasks\n", sum);
    if (st) sweep_params(tg, n, out);
    if (st) fprintf(out, "\nresults of the tasks that succeeded (ranges)\n");
    if (st && !strcmp(task, "sample")) {
        range(tg, "dkl_joint", " nats", st, out);
        range(tg, "dkl_marg", " nats", st, out);
        range(tg, "n_spikes_total", "", st, out);
    } else if (st) {
        range(tg, "alpha", " mV", st, out);
        range(tg, "v_p05", " mV", st, out);
        range(tg, "v_rest_min", " mV", st, out);
        range(tg, "v_rest_max", " mV", st, out);
        range(tg, "prescan_rounds", "", st, out);
    }
    if (st && at(g, "n_failed") > 0) {
        fprintf(out, "\nfailure reasons (most frequent)\n");
        sweep_errors(tg, st, n, out);
    }
    if (!strcmp(task, "calibrate"))
        fprintf(out, "one row as an sbs calibration: axon sweep export %s --task N -o cal.json\n",
                path);
    free(st), free(rt);
    if (tg >= 0) H5Gclose(tg);
    H5Gclose(g);
}

ax_status ax_samp_info(const char *path, FILE *out, ax_error *err)
{
    ax_samp_file k = ax_samp_file_kind(path);
    AX_CHECK(k != AX_SAMP_NONE, err, AX_EINPUT, "%s is not a sampling output (no /bm, "
             "/calibration or /sweep)", path);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    AX_CHECK(f >= 0, err, AX_EIO, "%s: cannot open as HDF5", path);
    if (k == AX_SAMP_BM) info_bm(f, path, out);
    else if (k == AX_SAMP_CALIB) info_calib(f, path, out);
    else info_sweep(f, path, out);
    H5Fclose(f);
    return AX_OK;
}
