/* common.c - what every model shares: parameter-kind and rule checks with
 * messages that name the rule and the values, refractory step counts, and
 * the one-block allocation of a model's struct-of-arrays.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models_impl.h"

/* Number of '|'-separated entries in a choice list. */
static int choice_count(const char *choices)
{
    int n = 1;
    for (const char *c = choices; *c; c++) n += (*c == '|');
    return n;
}

/* See models_impl.h. */
ax_status ax_models_check_kinds(const ax_model_ops *m, const double *p, ax_error *err)
{
    for (int i = 0; i < m->n_params; i++) {
        const ax_param_desc *d = &m->params[i];
        double v = p[i];
        AX_CHECK(!isnan(v), err, AX_EINPUT, "%s: %s must be a number (got NaN)", m->name,
                 d->name);
        AX_CHECK(isfinite(v) || d->allow_inf, err, AX_EINPUT,
                 "%s: %s must be finite (got %g)", m->name, d->name, v);
        if (d->kind == AX_PARAM_BOOL)
            AX_CHECK(v == 0.0 || v == 1.0, err, AX_EINPUT,
                     "%s: %s must be true or false (got %g)", m->name, d->name, v);
        if (d->kind == AX_PARAM_CHOICE) {
            int nc = choice_count(d->choices);
            AX_CHECK(v >= 0 && v < nc && v == floor(v), err, AX_EINPUT,
                     "%s: %s must be one of %s (got index %g)", m->name, d->name,
                     d->choices, v);
        }
    }
    return AX_OK;
}

/* See models_impl.h. */
ax_status ax_models_check_positive(const char *model, const char *name, double v,
                                   ax_error *err)
{
    AX_CHECK(v > 0, err, AX_EINPUT, "%s: %s must be > 0 (got %g)", model, name, v);
    return AX_OK;
}

/* See models_impl.h. */
ax_status ax_models_check_nonneg(const char *model, const char *name, double v,
                                 ax_error *err)
{
    AX_CHECK(v >= 0, err, AX_EINPUT, "%s: %s must be >= 0 (got %g)", model, name, v);
    return AX_OK;
}

/* See models_impl.h. */
ax_status ax_models_check_reset_below_th(const char *model, double v_reset, double v_th,
                                         ax_error *err)
{
    AX_CHECK(v_reset < v_th, err, AX_EINPUT, "%s: V_reset must be < V_th (got %g >= %g)",
             model, v_reset, v_th);
    return AX_OK;
}

/* See models_impl.h. NEST turns t_ref into a Time on the step grid; with
 * t_ref a multiple of h (the only sensible case) this is exact. */
int64_t ax_models_ref_steps(double t_ref, double h)
{
    return (int64_t)llround(t_ref / h);
}

/* See models_impl.h. Each array starts on a 64-byte boundary so vector
 * loads never straddle cache lines at i = 0. */
double *ax_models_alloc_arrays(int64_t n, int count, double **arr[])
{
    if (n < 0 || (uint64_t)n > SIZE_MAX / sizeof(double) / (size_t)(count + 1) - 8) return NULL;
    size_t stride = ((size_t)(n > 0 ? n : 1) + 7) & ~(size_t)7; /* 8 doubles = 64 B */
    size_t bytes = stride * (size_t)count * sizeof(double);
    double *base = aligned_alloc(64, bytes);
    if (!base) return NULL;
    memset(base, 0, bytes);
    for (int k = 0; k < count; k++) *arr[k] = base + stride * (size_t)k;
    return base;
}

/* See models_impl.h. */
void ax_models_take_current(double *y0, int *dirty, const double *i_ext, int64_t n)
{
    if (i_ext) {
        memcpy(y0, i_ext, (size_t)n * sizeof(double));
        *dirty = 1;
    } else if (*dirty) {
        memset(y0, 0, (size_t)n * sizeof(double));
        *dirty = 0;
    }
}

/* See models_impl.h. */
void ax_models_ckpt_save(int64_t n, double *const *arr, int n_arr, const int32_t *r, double *out)
{
    for (int k = 0; k < n_arr; k++) memcpy(out + (size_t)k * n, arr[k], (size_t)n * sizeof(double));
    for (int64_t j = 0; j < n; j++) out[(size_t)n_arr * n + j] = r[j];
}

/* See models_impl.h. */
void ax_models_ckpt_load(int64_t n, double *const *arr, int n_arr, int32_t *r, const double *in)
{
    for (int k = 0; k < n_arr; k++) memcpy(arr[k], in + (size_t)k * n, (size_t)n * sizeof(double));
    for (int64_t j = 0; j < n; j++) r[j] = (int32_t)in[(size_t)n_arr * n + j];
}
