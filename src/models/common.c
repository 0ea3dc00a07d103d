/* common.c - what every model shares: parameter-kind and rule checks with
 * messages that name the rule and the values, refractory step counts, the
 * one-block allocation of a model's struct-of-arrays, and the ops driven by
 * a model's layout (create's two ends, destroy, state, param_array,
 * checkpoints).
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
        int inf_ok = v > 0 ? d->allow_inf == 1 || d->allow_inf == 2
                           : d->allow_inf == -1 || d->allow_inf == 2;
        AX_CHECK(isfinite(v) || inf_ok, err, AX_EINPUT,
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

/* ---- the shared part of every model --------------------------------------- */

/* A field of a block at offset off, as an lvalue of type T. */
#define FIELD(b, off, T) (*(T *)((char *)(b) + (off)))

static const ax_model_layout *layout_of(const ax_neurons *nr)
{
    return FIELD(nr, 0, const ax_model_layout *); /* the first member of every block */
}

/* See models_impl.h. */
ax_status ax_models_validate(const ax_model_layout *L, const double *p, ax_error *err)
{
    const ax_model_ops *m = L->ops;
    AX_TRY(ax_models_check_kinds(m, p, err));
    for (const ax_param_rule *q = L->rules; q->kind != AX_RULE_END; q++) {
        const char *a = m->params[q->a].name, *b = q->kind >= AX_RULE_LESS ? m->params[q->b].name : "";
        double x = p[q->a], y = q->kind >= AX_RULE_LESS ? p[q->b] : 0.0;
        switch (q->kind) {
        case AX_RULE_POSITIVE: AX_TRY(ax_models_check_positive(m->name, a, x, err)); break;
        case AX_RULE_NONNEG: AX_TRY(ax_models_check_nonneg(m->name, a, x, err)); break;
        case AX_RULE_POTENTIAL:
            AX_CHECK(fabs(x) <= AX_MODEL_MAX_MV, err, AX_EINPUT,
                     "%s: %s = %g mV is beyond +-%g mV, where the adaptive solver (absolute "
                     "tolerance 1e-3 mV) can no longer integrate", m->name, a, x, AX_MODEL_MAX_MV);
            break;
        case AX_RULE_LESS:
            AX_CHECK(x < y, err, AX_EINPUT, "%s: %s must be < %s (got %g >= %g)", m->name, a, b, x, y);
            break;
        case AX_RULE_GREATER:
            AX_CHECK(x > y, err, AX_EINPUT, "%s: %s must be > %s (got %g <= %g)", m->name, a, b, x, y);
            break;
        case AX_RULE_END: break;
        }
    }
    return AX_OK;
}

/* See models_impl.h. */
void ax_models_lif_reset(double reset, double v_th, double v_reset, double *keep, double *offset)
{
    int subtract = reset == 1.0;
    *keep = subtract ? 1.0 : 0.0;
    *offset = subtract ? -(v_th - v_reset) : v_reset;
}

/* See models_impl.h. */
ax_lif_props ax_models_lif_props(double h, double tau_m, double C_m, double t_ref, double reset,
                                 double V_th, double V_reset)
{
    ax_lif_props q;
    q.P_leak = exp(-h / tau_m);
    q.P_dc = ax_prop_dc_to_v(h, tau_m, C_m);
    ax_models_lif_reset(reset, V_th, V_reset, &q.keep, &q.offset);
    q.ref_steps = ax_models_ref_steps(t_ref, h);
    return q;
}

/* See models_impl.h. */
void ax_models_lif_sync(ax_neurons *nr)
{
    const ax_model_layout *L = layout_of(nr);
    const int64_t n = FIELD(nr, L->n, int64_t);
    double *c = FIELD(nr, L->lif.c, double *);
    const double *E_L = FIELD(nr, L->lif.E_L, double *), *I_e = FIELD(nr, L->lif.I_e, double *);
    double leak = 1.0 - FIELD(nr, L->lif.P_leak, double), P_dc = FIELD(nr, L->lif.P_dc, double);
    for (int64_t i = 0; i < n; i++) c[i] = leak * E_L[i] + P_dc * I_e[i];
}

/* See models_impl.h. */
void ax_models_sync_none(ax_neurons *nr)
{
    (void)nr;
}

/* See models_impl.h. */
double *ax_models_no_array(ax_neurons *nr, int i)
{
    (void)nr;
    (void)i;
    return NULL;
}

/* See models_impl.h. t_ref / h in double: a refractory period of 1e300 ms
 * or a resolution of 1e-12 ms gives a step count far beyond the counter,
 * which llround() would not even return defined. */
ax_status ax_models_check_h(const ax_model_layout *L, const double *p, double h,
                            double *table_bytes, ax_error *err)
{
    const ax_model_ops *m = L->ops;
    *table_bytes = 0;
    AX_CHECK(h > 0 && isfinite(h), err, AX_EINPUT, "%s: resolution must be > 0 (got %g)", m->name, h);
    int ref = -1; /* the parameter that is the refractory period, if any */
    for (int i = 0; !L->ref_ms && L->ref_name && i < m->n_params; i++)
        if (!strcmp(m->params[i].name, L->ref_name)) ref = i;
    if (L->ref_ms || ref >= 0) {
        double t = L->ref_ms ? L->ref_ms(p) : p[ref], steps = t / h;
        AX_CHECK(steps < AX_MODEL_MAX_STEPS + 0.5, err, AX_EINPUT,
                 "%s: %s = %g ms is %.4g steps of the resolution %g ms; at most %d steps fit "
                 "the refractory counter: shorten it or use a coarser resolution", m->name,
                 L->ref_name ? L->ref_name : "t_ref", t, steps, h, AX_MODEL_MAX_STEPS);
    }
    if (L->table_bytes) *table_bytes = L->table_bytes(p, h);
    return AX_OK;
}

/* See models_impl.h. */
ax_status ax_models_begin(const ax_model_layout *L, const double *p, double h, int64_t n,
                          ax_neurons **b, ax_error *err)
{
    const ax_model_ops *m = L->ops;
    int n_ckpt = 0;
    while (L->ckpt[n_ckpt]) n_ckpt++;
    AX_CHECK(m->n_ckpt == n_ckpt + 1, err, AX_EINTERNAL, "%s: ops table and layout disagree",
             m->name);
    AX_TRY(ax_models_validate(L, p, err));
    double tables;
    AX_TRY(ax_models_check_h(L, p, h, &tables, err)); /* the spec checked it: an assertion */
    AX_CHECK(n >= 0, err, AX_EINPUT, "%s: neuron count must be >= 0 (got %lld)", m->name,
             (long long)n);
    char *blk = calloc(1, L->size);
    AX_CHECK(blk, err, AX_ENOMEM, "out of memory allocating %s block", m->name);
    FIELD(blk, 0, const ax_model_layout *) = L;
    memcpy(blk + L->p, p, (size_t)m->n_params * sizeof *p);
    FIELD(blk, L->n, int64_t) = n;
    *b = (ax_neurons *)blk;
    return AX_OK;
}

/* Every neuron's array f->array = p[f->param], for each pair of the list. */
static void fill(ax_neurons *b, const ax_model_pn *f, const double *p, int64_t n)
{
    for (; f->array; f++) {
        double *x = FIELD(b, f->array, double *), v = p[f->param];
        for (int64_t i = 0; i < n; i++) x[i] = v;
    }
}

/* See models_impl.h. */
ax_status ax_models_finish(ax_neurons *b, ax_neurons **out, ax_error *err)
{
    const ax_model_layout *L = layout_of(b);
    const int64_t n = FIELD(b, L->n, int64_t);
    const double *p = &FIELD(b, L->p, double);
    int32_t *r = calloc((size_t)(n > 0 ? n : 1), sizeof(int32_t));
    FIELD(b, L->r, int32_t *) = r;
    uint32_t *fired = calloc((size_t)(n > 0 ? n : 1), sizeof(uint32_t));
    FIELD(b, L->fired, uint32_t *) = fired;
    double **arr[AX_MODEL_MAX_ARRAYS];
    int n_arrays = 0;
    for (; L->arrays[n_arrays]; n_arrays++) arr[n_arrays] = &FIELD(b, L->arrays[n_arrays], double *);
    double *base = ax_models_alloc_arrays(n, n_arrays, arr);
    FIELD(b, L->base, double *) = base;
    int ok = r && fired && base;
    for (int k = 0; L->owned[k]; k++) ok = ok && FIELD(b, L->owned[k], void *);
    if (!ok) {
        ax_models_destroy(b);
        return AX_FAIL(err, AX_ENOMEM, "out of memory allocating %lld %s neurons", (long long)n,
                       L->ops->name);
    }
    fill(b, L->per_neuron, p, n);
    fill(b, L->rest, p, n);
    L->ops->sync(b);
    *out = b;
    return AX_OK;
}

/* See model.h. */
void ax_models_destroy(ax_neurons *nr)
{
    if (!nr) return;
    const ax_model_layout *L = layout_of(nr);
    free(FIELD(nr, L->base, double *));
    free(FIELD(nr, L->r, int32_t *));
    free(FIELD(nr, L->fired, uint32_t *));
    for (int k = 0; L->owned[k]; k++) free(FIELD(nr, L->owned[k], void *));
    free(nr);
}

/* See model.h. */
double *ax_models_state(ax_neurons *nr, int var)
{
    const ax_model_layout *L = layout_of(nr);
    return var >= 0 && var < L->ops->n_state ? FIELD(nr, L->state[var], double *) : NULL;
}

/* See model.h. */
double *ax_models_param_array(ax_neurons *nr, int param)
{
    const ax_model_layout *L = layout_of(nr);
    for (const ax_model_pn *f = L->per_neuron; f->array; f++)
        if (f->param == param) return FIELD(nr, f->array, double *);
    return NULL;
}

/* See model.h: the layout's rest pairs again, each from the parameter's
 * per-neuron array when the model keeps it per neuron. */
void ax_models_rest(ax_neurons *nr)
{
    const ax_model_layout *L = layout_of(nr);
    const int64_t n = FIELD(nr, L->n, int64_t);
    const double *p = &FIELD(nr, L->p, double);
    for (const ax_model_pn *f = L->rest; f->array; f++) {
        double *x = FIELD(nr, f->array, double *);
        const double *v = ax_models_param_array(nr, f->param);
        for (int64_t i = 0; i < n; i++) x[i] = v ? v[i] : p[f->param];
    }
}

/* See model.h: the layout's checkpoint arrays, then the refractory counter
 * as a double (exact), each n values. */
void ax_models_ckpt_save(const ax_neurons *nr, double *out)
{
    const ax_model_layout *L = layout_of(nr);
    const int64_t n = FIELD(nr, L->n, int64_t);
    int k = 0;
    for (; L->ckpt[k]; k++)
        memcpy(out + (size_t)k * n, FIELD(nr, L->ckpt[k], double *), (size_t)n * sizeof(double));
    const int32_t *r = FIELD(nr, L->r, int32_t *);
    for (int64_t j = 0; j < n; j++) out[(size_t)k * n + j] = r[j];
}

/* See model.h. y0 may hold a restored current afterwards. */
void ax_models_ckpt_load(ax_neurons *nr, const double *in)
{
    const ax_model_layout *L = layout_of(nr);
    const int64_t n = FIELD(nr, L->n, int64_t);
    int k = 0;
    for (; L->ckpt[k]; k++)
        memcpy(FIELD(nr, L->ckpt[k], double *), in + (size_t)k * n, (size_t)n * sizeof(double));
    int32_t *r = FIELD(nr, L->r, int32_t *);
    for (int64_t j = 0; j < n; j++) r[j] = (int32_t)in[(size_t)k * n + j];
    FIELD(nr, L->y0_dirty, int) = 1;
}
