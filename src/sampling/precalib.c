/* precalib.c - the pre-calibration: find the v_rest window where the
 * activation function p_on(v_rest) rises, as sbs does (electronicvisions/
 * spike-based-sampling @ 8270fbc, sbs/samplers.py _do_pre_calibration
 * l.738-835 and pre_calib_adjust_v_rest l.838-887).
 *
 * 1. Search: scan [lo, hi] in steps of dv, starting at [v_min, v_max].
 *    Every scan is kept in one pool sorted by v_rest (appended while no
 *    point above p_max has been seen, prepended after). The flags "some
 *    point above p_max" / "below p_min" are over the whole pool, so a
 *    slope cut by a window edge is not lost when the window moves on. Until
 *    both are seen the window moves by the original width: up while no
 *    point is above p_max (starting from above everything scanned), else
 *    down (starting from below everything scanned) - it never returns to a
 *    scanned range. At most max_search_steps scans.
 * 2. Narrow, on the pool: from the point just below the first valid one
 *    (p_min < p < p_max) to the point just above the last; with no valid
 *    point, the two pooled points around the first one above p_max.
 * 3. Refine: while fewer than min_points are valid, rescan the window with
 *    dv = width / (10 min_points) (that scan alone) and narrow again. sbs
 *    does not bound this loop; axon stops after max_search_steps rescans.
 * Where sbs would fail with a Python exception (no point above p_max at
 * all and none valid) axon fails with a message.
 * The scan itself is a callback (calibration.c simulates; tests use known
 * curves), so the window depends only on the p values it returns: with the
 * calibration's fixed seed, on (sampler, options) alone.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampling_impl.h"

/* Pooled scans, sorted by v_rest (sbs's hstack of samples_v_rest/p_on). */
typedef struct pool {
    double *v, *p;
    int n, cap;
} pool;

static void pool_free(pool *P)
{
    free(P->v);
    free(P->p);
    memset(P, 0, sizeof *P);
}

/* Put n points before (front) or after the pool's. */
static ax_status pool_add(pool *P, const double *v, const double *p, int n, int front,
                          ax_error *err)
{
    if (P->n + n > P->cap) {
        int cap = 2 * (P->n + n);
        double *nv = realloc(P->v, (size_t)cap * sizeof *nv);
        if (nv) P->v = nv;
        double *np = nv ? realloc(P->p, (size_t)cap * sizeof *np) : NULL;
        if (np) P->p = np;
        AX_CHECK(nv && np, err, AX_ENOMEM, "out of memory for the pre-scan samples");
        P->cap = cap;
    }
    size_t at = front ? 0 : (size_t)P->n;
    if (front) {
        memmove(P->v + n, P->v, (size_t)P->n * sizeof *P->v);
        memmove(P->p + n, P->p, (size_t)P->n * sizeof *P->p);
    }
    memcpy(P->v + at, v, (size_t)n * sizeof *v);
    memcpy(P->p + at, p, (size_t)n * sizeof *p);
    P->n += n;
    return AX_OK;
}

/* One scan of [lo, hi] step dv (sbs: np.arange(lo, hi + dv, dv)). */
static ax_status scan(const ax_calib_opts *o, ax_prescan_fn fn, void *ctx, FILE *progress,
                      double lo, double hi, double dv, double **v, double **p, int *n,
                      ax_error *err)
{
    int m = (int)floor((hi - lo) / dv + 1e-9) + 1;
    AX_CHECK(m >= 2 && m <= 100000, err, AX_EINPUT, "pre-scan: %d points in [%g, %g] mV step %g "
             "(dv or the window is off)", m, lo, hi, dv);
    *v = malloc((size_t)m * sizeof **v);
    *p = malloc((size_t)m * sizeof **p);
    if (!*v || !*p) {
        free(*v), free(*p);
        *v = *p = NULL;
        return AX_FAIL(err, AX_ENOMEM, "out of memory for the pre-scan");
    }
    for (int i = 0; i < m; i++) (*v)[i] = lo + i * dv;
    *n = m;
    ax_status st = fn(ctx, *v, m, *p, err);
    if (st == AX_OK && progress) {
        int valid = 0;
        for (int i = 0; i < m; i++) valid += (*p)[i] > o->p_min && (*p)[i] < o->p_max;
        fprintf(progress, "pre-scan [%.3f, %.3f] mV step %.4g: %d points in (%g, %g)\n", lo, hi,
                dv, valid, o->p_min, o->p_max);
    }
    return st;
}

int ax_prescan_narrow(const double *v, const double *p, int n, double p_min, double p_max,
                      double *lo, double *hi)
{
    int first = -1, last = -1, valid = 0;
    for (int i = 0; i < n; i++)
        if (p[i] > p_min && p[i] < p_max) {
            if (first < 0) first = i;
            last = i;
            valid++;
        }
    int a, b;
    if (valid) {
        a = first > 0 ? first - 1 : 0;
        b = last + 1 < n ? last + 1 : n - 1;
    } else {
        b = -1;
        for (int i = 0; i < n && b < 0; i++)
            if (p[i] > p_max) b = i;
        if (b < 0) return -1;
        a = b - 1;
    }
    *hi = v[b];
    if (a >= 0) *lo = v[a]; /* else (sbs's (-1, 0) case) the window keeps its lower end */
    return *lo < *hi ? valid : -1;
}

/* Step 1: the search; the pool gets every scan, lo and hi the last window. */
static ax_status search(const ax_calib_opts *o, ax_prescan_fn fn, void *ctx, FILE *progress,
                        pool *P, double *lo, double *hi, int *rounds, ax_error *err)
{
    double width = o->v_max - o->v_min;
    int upper = 0, lower = 0;
    *lo = o->v_min, *hi = o->v_max;
    for (int step = 0; step < o->max_search_steps; step++) {
        double *v, *p;
        int n;
        AX_TRY(scan(o, fn, ctx, progress, *lo, *hi, o->dv, &v, &p, &n, err));
        ax_status st = pool_add(P, v, p, n, upper, err);
        for (int i = 0; i < n; i++) {
            upper |= p[i] > o->p_max;
            lower |= p[i] < o->p_min;
        }
        free(v), free(p);
        AX_TRY(st);
        ++*rounds;
        if (upper && lower) break;
        if (!upper) *lo = fmax(o->v_min, *lo) + width, *hi = fmax(o->v_max, *hi) + width;
        else *lo = fmin(o->v_min, *lo) - width, *hi = fmin(o->v_max, *hi) - width;
    }
    return AX_OK;
}

ax_status ax_prescan_window(const ax_calib_opts *o, ax_prescan_fn fn, void *ctx, FILE *progress,
                            double *lo, double *hi, int *rounds, ax_error *err)
{
    pool P = {0};
    *rounds = 0;
    ax_status st = search(o, fn, ctx, progress, &P, lo, hi, rounds, err);
    int valid = st == AX_OK ? ax_prescan_narrow(P.v, P.p, P.n, o->p_min, o->p_max, lo, hi) : 0;
    double first = P.n ? P.v[0] : *lo, last = P.n ? P.v[P.n - 1] : *hi;
    pool_free(&P);
    AX_TRY(st);
    AX_CHECK(valid >= 0, err, AX_EINPUT, "pre-scan: no v_rest in [%g, %g] mV (%d scans) gives "
             "p_on > %g or a point on the slope; check the background and parameters, or give "
             "v_rest_min/v_rest_max with prescan: false", first, last, *rounds, o->p_max);
    for (int r = 0; valid < o->min_points; r++) {
        AX_CHECK(r < o->max_search_steps, err, AX_EINPUT, "pre-scan: only %d of the points in "
                 "[%g, %g] mV have %g < p_on < %g after %d rescans (min_points %d); the slope is "
                 "steeper than the scans resolve or too noisy: raise prescan_duration", valid, *lo,
                 *hi, o->p_min, o->p_max, r, o->min_points);
        double *v, *p, dv = (*hi - *lo) / (10.0 * o->min_points);
        int n;
        AX_TRY(scan(o, fn, ctx, progress, *lo, *hi, dv, &v, &p, &n, err));
        ++*rounds;
        valid = ax_prescan_narrow(v, p, n, o->p_min, o->p_max, lo, hi);
        free(v), free(p);
        AX_CHECK(valid >= 0, err, AX_EINPUT, "pre-scan: the rescan of [%g, %g] mV lost the slope "
                 "(no point above p_max %g); the scans are too noisy: raise prescan_duration",
                 *lo, *hi, o->p_max);
    }
    return AX_OK;
}
