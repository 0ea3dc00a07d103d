/* iaf_psc_delta.c - leaky integrate-and-fire neuron with delta-shaped
 * synaptic input (NEST's iaf_psc_delta), exact integration
 * (Rotter & Diesmann 1999).
 *
 *   dV/dt = -(V - E_L)/tau_m + (I_e + I_ext)/C_m + sum_k w_k delta(t - t_k)
 *
 * Per step (NEST order): V <- P33 V + (1-P33) E_L + P30 (I_e + I_ext) + in,
 * plus, with refractory_input, the input held back during refractoriness;
 * clamp at V_min; if V >= V_th: spike, reset, refractory for t_ref/h steps
 * (V frozen; arriving input dropped, or with refractory_input stored scaled
 * by exp(-r h / tau_m), r = refractory steps still to go). I_ext arriving in
 * a step acts from the next one. Extensions: reset = subtract
 * (V -= V_th - V_reset, keeping the overshoot) and tau_m = +inf (no leak:
 * P33 = 1, P30 = h / C_m).
 *
 * Invariants: V is absolute (mV); V_th, V_reset, V_min are absolute and
 * homogeneous; E_L and I_e are per neuron and c[] = (1-P33) E_L + P30 I_e
 * follows them through sync(); r[] counts refractory steps left.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models_impl.h"

enum { P_E_L, P_C_M, P_TAU_M, P_T_REF, P_V_TH, P_V_RESET, P_V_MIN, P_I_E, P_REFR_INPUT,
       P_RESET, N_PARAMS };

static const ax_param_desc kParams[N_PARAMS] = {
    [P_E_L] = {"E_L", "mV", -70.0, AX_PARAM_REAL, NULL, 0, "resting membrane potential"},
    [P_C_M] = {"C_m", "pF", 250.0, AX_PARAM_REAL, NULL, 0, "membrane capacitance"},
    [P_TAU_M] = {"tau_m", "ms", 10.0, AX_PARAM_REAL, NULL, 1,
                 "membrane time constant (inf: no leak, perfect integrator)"},
    [P_T_REF] = {"t_ref", "ms", 2.0, AX_PARAM_REAL, NULL, 0, "absolute refractory period"},
    [P_V_TH] = {"V_th", "mV", -55.0, AX_PARAM_REAL, NULL, 0, "spike threshold"},
    [P_V_RESET] = {"V_reset", "mV", -70.0, AX_PARAM_REAL, NULL, 0,
                   "reset potential (reset: absolute)"},
    [P_V_MIN] = {"V_min", "mV", -INFINITY, AX_PARAM_REAL, NULL, 1,
                 "lower bound of V_m (-inf: no bound)"},
    [P_I_E] = {"I_e", "pA", 0.0, AX_PARAM_REAL, NULL, 0, "constant external current"},
    [P_REFR_INPUT] = {"refractory_input", "", 0.0, AX_PARAM_BOOL, NULL, 0,
                      "add input arriving during t_ref, decayed, when it ends"},
    [P_RESET] = {"reset", "", 0.0, AX_PARAM_CHOICE, "absolute|subtract", 0,
                 "absolute: V <- V_reset; subtract: V <- V - (V_th - V_reset)"},
};

enum { S_V_M, N_STATE };
static const char *const kState[N_STATE] = {"V_m"};

typedef struct delta_block {
    int64_t n;
    double p[N_PARAMS];
    /* derived, homogeneous */
    double P33, P30, keep_on_reset, offset_on_reset;
    int64_t ref_steps;
    double *refr_decay; /* [r] = exp(-r h/tau_m), r = 0..ref_steps; zeros without refractory_input */
    int y0_dirty;       /* y0[] may be non-zero (last step had i_ext) */
    /* per neuron (struct of arrays) */
    double *V, *E_L, *I_e, *c, *y0, *refr_buf;
    int32_t *r;
    double *base;
} delta_block;

static ax_status validate(const double *p, ax_error *err)
{
    const char *m = "iaf_psc_delta";
    AX_TRY(ax_models_check_kinds(&ax_model_iaf_psc_delta, p, err));
    AX_TRY(ax_models_check_reset_below_th(m, p[P_V_RESET], p[P_V_TH], err));
    AX_TRY(ax_models_check_positive(m, "C_m", p[P_C_M], err));
    AX_TRY(ax_models_check_positive(m, "tau_m", p[P_TAU_M], err));
    AX_TRY(ax_models_check_nonneg(m, "t_ref", p[P_T_REF], err));
    return AX_OK;
}

static void sync(ax_neurons *nr)
{
    delta_block *b = (delta_block *)nr;
    double leak = 1.0 - b->P33;
    for (int64_t i = 0; i < b->n; i++) b->c[i] = leak * b->E_L[i] + b->P30 * b->I_e[i];
}

static void destroy(ax_neurons *nr)
{
    delta_block *b = (delta_block *)nr;
    if (!b) return;
    free(b->base);
    free(b->r);
    free(b->refr_decay);
    free(b);
}

static ax_status create(const double *p, double h, int64_t n, ax_neurons **out, ax_error *err)
{
    AX_TRY(validate(p, err));
    AX_CHECK(h > 0 && isfinite(h), err, AX_EINPUT, "iaf_psc_delta: resolution must be > 0 (got %g)", h);
    AX_CHECK(n >= 0, err, AX_EINPUT, "iaf_psc_delta: neuron count must be >= 0 (got %lld)", (long long)n);
    delta_block *b = calloc(1, sizeof *b);
    AX_CHECK_ALLOC(b, err, "iaf_psc_delta block");
    memcpy(b->p, p, sizeof b->p);
    b->n = n;
    double tau_m = p[P_TAU_M];
    b->P33 = exp(-h / tau_m);
    b->P30 = ax_prop_dc_to_v(h, tau_m, p[P_C_M]);
    int subtract = p[P_RESET] == 1.0;
    b->keep_on_reset = subtract ? 1.0 : 0.0;
    b->offset_on_reset = subtract ? -(p[P_V_TH] - p[P_V_RESET]) : p[P_V_RESET];
    b->ref_steps = ax_models_ref_steps(p[P_T_REF], h);
    b->refr_decay = calloc((size_t)b->ref_steps + 1, sizeof(double));
    b->r = calloc((size_t)(n > 0 ? n : 1), sizeof(int32_t));
    double **arrs[] = {&b->V, &b->E_L, &b->I_e, &b->c, &b->y0, &b->refr_buf};
    b->base = ax_models_alloc_arrays(n, 6, arrs);
    if (!b->refr_decay || !b->r || !b->base) {
        destroy((ax_neurons *)b);
        return AX_FAIL(err, AX_ENOMEM, "out of memory allocating %lld iaf_psc_delta neurons",
                       (long long)n);
    }
    if (p[P_REFR_INPUT] == 1.0)
        for (int64_t k = 0; k <= b->ref_steps; k++) b->refr_decay[k] = exp(-(double)k * h / tau_m);
    for (int64_t i = 0; i < n; i++) {
        b->E_L[i] = p[P_E_L];
        b->I_e[i] = p[P_I_E];
        b->V[i] = p[P_E_L];
    }
    sync((ax_neurons *)b);
    *out = (ax_neurons *)b;
    return AX_OK;
}

static double *state(ax_neurons *nr, int var)
{
    delta_block *b = (delta_block *)nr;
    return var == S_V_M ? b->V : NULL;
}

static double *param_array(ax_neurons *nr, int param)
{
    delta_block *b = (delta_block *)nr;
    if (param == P_E_L) return b->E_L;
    if (param == P_I_E) return b->I_e;
    return NULL;
}

/* The step loop; refr_input is a compile-time constant at each call site,
 * so the compiler emits two loops without the held-back-input work in the
 * common one. */
static inline __attribute__((always_inline)) int64_t
step(delta_block *b, const double *restrict in, int64_t *restrict spiked, const int refr_input)
{
    double *restrict V = b->V, *restrict buf = b->refr_buf;
    const double *restrict c = b->c, *restrict y0 = b->y0, *restrict decay = b->refr_decay;
    int32_t *restrict R = b->r;
    const double P33 = b->P33, P30 = b->P30, V_th = b->p[P_V_TH], V_min = b->p[P_V_MIN];
    const double keep = b->keep_on_reset, offset = b->offset_on_reset;
    const int32_t ref_steps = (int32_t)b->ref_steps;
    int64_t ns = 0;
    for (int64_t i = 0; i < b->n; i++) {
        double v = V[i];
        int32_t r = R[i];
        if (r == 0) {
            v = P33 * v + c[i] + P30 * y0[i] + in[i];
            if (refr_input) {
                v += buf[i];
                buf[i] = 0.0;
            }
            v = v < V_min ? V_min : v;
        } else {
            if (refr_input) buf[i] += in[i] * decay[r];
            r--;
        }
        if (v >= V_th) {
            r = ref_steps;
            v = keep * v + offset;
            spiked[ns++] = i;
        }
        V[i] = v;
        R[i] = r;
    }
    return ns;
}

static int64_t update(ax_neurons *nr, const double *const *in, const double *i_ext,
                      int64_t *spiked)
{
    delta_block *b = (delta_block *)nr;
    int64_t ns = b->p[P_REFR_INPUT] == 1.0 ? step(b, in[0], spiked, 1)
                                           : step(b, in[0], spiked, 0);
    ax_models_take_current(b->y0, &b->y0_dirty, i_ext, b->n);
    return ns;
}

/* Checkpoint: V, y0, refr_buf, refractory counter (see model.h). */
static void ckpt_save(const ax_neurons *nr, double *out)
{
    const delta_block *b = (const delta_block *)nr;
    double *const a[] = {b->V, b->y0, b->refr_buf};
    ax_models_ckpt_save(b->n, a, 3, b->r, out);
}

static void ckpt_load(ax_neurons *nr, const double *in)
{
    delta_block *b = (delta_block *)nr;
    double *const a[] = {b->V, b->y0, b->refr_buf};
    ax_models_ckpt_load(b->n, a, 3, b->r, in);
    b->y0_dirty = 1; /* y0 may hold a restored current */
}

const ax_model_ops ax_model_iaf_psc_delta = {
    .name = "iaf_psc_delta",
    .doc = "leaky integrate-and-fire, delta synapses (voltage jumps), exact integration",
    .n_params = N_PARAMS,
    .params = kParams,
    .n_state = N_STATE,
    .state_names = kState,
    .n_receptors = 1,
    .weight_unit = "mV",
    .validate = validate,
    .create = create,
    .destroy = destroy,
    .state = state,
    .param_array = param_array,
    .sync = sync,
    .update = update,
    .n_ckpt = 4,
    .ckpt_save = ckpt_save,
    .ckpt_load = ckpt_load,
};
