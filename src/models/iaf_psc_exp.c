/* iaf_psc_exp.c - leaky integrate-and-fire neuron with exponentially
 * decaying synaptic currents (NEST's iaf_psc_exp), exact integration.
 *
 *   dV/dt     = -(V - E_L)/tau_m + (I_syn_ex + I_syn_in + I_e + I_ext)/C_m
 *   dI_syn/dt = -I_syn/tau_syn + sum_k w_k delta(t - t_k)
 *
 * Per step (NEST order): unless refractory, V <- P22 V + (1-P22) E_L
 * + P21ex I_ex + P21in I_in + P20 (I_e + I_ext); I_syn <- P11 I_syn; add the
 * weights arriving this step to I_syn (receptor 0: ex, 1: in, weights as
 * given, negative for inhibition); if V >= V_th: spike, reset, refractory
 * for t_ref/h steps (V frozen). A spike arriving in step t moves I_syn at t
 * and V from t+h on; I_ext arriving in a step acts from the next one.
 * P21 stays exact at tau_syn == tau_m (propagators.c). Extensions:
 * reset = subtract and tau_m = +inf, as in iaf_psc_delta.
 *
 * Invariants: V absolute (mV); V_th, V_reset homogeneous and absolute;
 * E_L and I_e per neuron, c[] = (1-P22) E_L + P20 I_e kept by sync().
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models_impl.h"

enum { P_E_L, P_C_M, P_TAU_M, P_T_REF, P_V_TH, P_V_RESET, P_TAU_SYN_EX, P_TAU_SYN_IN, P_I_E,
       P_RESET, N_PARAMS };

static const ax_param_desc kParams[N_PARAMS] = {
    [P_E_L] = {"E_L", "mV", -70.0, AX_PARAM_REAL, NULL, 0, "resting membrane potential"},
    [P_C_M] = {"C_m", "pF", 250.0, AX_PARAM_REAL, NULL, 0, "membrane capacitance"},
    [P_TAU_M] = {"tau_m", "ms", 10.0, AX_PARAM_REAL, NULL, 1,
                 "membrane time constant (inf: no leak)"},
    [P_T_REF] = {"t_ref", "ms", 2.0, AX_PARAM_REAL, NULL, 0, "absolute refractory period"},
    [P_V_TH] = {"V_th", "mV", -55.0, AX_PARAM_REAL, NULL, 0, "spike threshold"},
    [P_V_RESET] = {"V_reset", "mV", -70.0, AX_PARAM_REAL, NULL, 0,
                   "reset potential (reset: absolute)"},
    [P_TAU_SYN_EX] = {"tau_syn_ex", "ms", 2.0, AX_PARAM_REAL, NULL, 0,
                      "decay time of excitatory synaptic current"},
    [P_TAU_SYN_IN] = {"tau_syn_in", "ms", 2.0, AX_PARAM_REAL, NULL, 0,
                      "decay time of inhibitory synaptic current"},
    [P_I_E] = {"I_e", "pA", 0.0, AX_PARAM_REAL, NULL, 0, "constant external current"},
    [P_RESET] = {"reset", "", 0.0, AX_PARAM_CHOICE, "absolute|subtract", 0,
                 "absolute: V <- V_reset; subtract: V <- V - (V_th - V_reset)"},
};

enum { S_V_M, S_I_EX, S_I_IN, N_STATE };
static const char *const kState[N_STATE] = {"V_m", "I_syn_ex", "I_syn_in"};

typedef struct exp_block {
    int64_t n;
    double p[N_PARAMS];
    /* derived, homogeneous */
    double P22, P20, P11ex, P11in, P21ex, P21in, keep_on_reset, offset_on_reset;
    int64_t ref_steps;
    int y0_dirty;
    /* per neuron */
    double *V, *Iex, *Iin, *E_L, *I_e, *c, *y0;
    int32_t *r;
    double *base;
} exp_block;

static ax_status validate(const double *p, ax_error *err)
{
    const char *m = "iaf_psc_exp";
    AX_TRY(ax_models_check_kinds(&ax_model_iaf_psc_exp, p, err));
    AX_TRY(ax_models_check_reset_below_th(m, p[P_V_RESET], p[P_V_TH], err));
    AX_TRY(ax_models_check_positive(m, "C_m", p[P_C_M], err));
    AX_TRY(ax_models_check_positive(m, "tau_m", p[P_TAU_M], err));
    AX_TRY(ax_models_check_positive(m, "tau_syn_ex", p[P_TAU_SYN_EX], err));
    AX_TRY(ax_models_check_positive(m, "tau_syn_in", p[P_TAU_SYN_IN], err));
    AX_TRY(ax_models_check_nonneg(m, "t_ref", p[P_T_REF], err));
    return AX_OK;
}

static void sync(ax_neurons *nr)
{
    exp_block *b = (exp_block *)nr;
    double leak = 1.0 - b->P22;
    for (int64_t i = 0; i < b->n; i++) b->c[i] = leak * b->E_L[i] + b->P20 * b->I_e[i];
}

static void destroy(ax_neurons *nr)
{
    exp_block *b = (exp_block *)nr;
    if (!b) return;
    free(b->base);
    free(b->r);
    free(b);
}

static ax_status create(const double *p, double h, int64_t n, ax_neurons **out, ax_error *err)
{
    AX_TRY(validate(p, err));
    AX_CHECK(h > 0 && isfinite(h), err, AX_EINPUT, "iaf_psc_exp: resolution must be > 0 (got %g)", h);
    AX_CHECK(n >= 0, err, AX_EINPUT, "iaf_psc_exp: neuron count must be >= 0 (got %lld)", (long long)n);
    exp_block *b = calloc(1, sizeof *b);
    AX_CHECK_ALLOC(b, err, "iaf_psc_exp block");
    memcpy(b->p, p, sizeof b->p);
    b->n = n;
    double tau_m = p[P_TAU_M], C = p[P_C_M];
    b->P22 = exp(-h / tau_m);
    b->P20 = ax_prop_dc_to_v(h, tau_m, C);
    b->P11ex = exp(-h / p[P_TAU_SYN_EX]);
    b->P11in = exp(-h / p[P_TAU_SYN_IN]);
    b->P21ex = ax_prop_exp_to_v(h, tau_m, p[P_TAU_SYN_EX], C);
    b->P21in = ax_prop_exp_to_v(h, tau_m, p[P_TAU_SYN_IN], C);
    int subtract = p[P_RESET] == 1.0;
    b->keep_on_reset = subtract ? 1.0 : 0.0;
    b->offset_on_reset = subtract ? -(p[P_V_TH] - p[P_V_RESET]) : p[P_V_RESET];
    b->ref_steps = ax_models_ref_steps(p[P_T_REF], h);
    b->r = calloc((size_t)(n > 0 ? n : 1), sizeof(int32_t));
    double **arrs[] = {&b->V, &b->Iex, &b->Iin, &b->E_L, &b->I_e, &b->c, &b->y0};
    b->base = ax_models_alloc_arrays(n, 7, arrs);
    if (!b->r || !b->base) {
        destroy((ax_neurons *)b);
        return AX_FAIL(err, AX_ENOMEM, "out of memory allocating %lld iaf_psc_exp neurons",
                       (long long)n);
    }
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
    exp_block *b = (exp_block *)nr;
    switch (var) {
    case S_V_M: return b->V;
    case S_I_EX: return b->Iex;
    case S_I_IN: return b->Iin;
    default: return NULL;
    }
}

static double *param_array(ax_neurons *nr, int param)
{
    exp_block *b = (exp_block *)nr;
    if (param == P_E_L) return b->E_L;
    if (param == P_I_E) return b->I_e;
    return NULL;
}

static int64_t update(ax_neurons *nr, const double *const *in, const double *i_ext,
                      int64_t *spiked)
{
    exp_block *b = (exp_block *)nr;
    double *restrict V = b->V, *restrict Iex = b->Iex, *restrict Iin = b->Iin;
    const double *restrict c = b->c, *restrict y0 = b->y0;
    const double *restrict in_ex = in[0], *restrict in_in = in[1];
    int32_t *restrict R = b->r;
    const double P22 = b->P22, P20 = b->P20, P11ex = b->P11ex, P11in = b->P11in;
    const double P21ex = b->P21ex, P21in = b->P21in, V_th = b->p[P_V_TH];
    const double keep = b->keep_on_reset, offset = b->offset_on_reset;
    const int32_t ref_steps = (int32_t)b->ref_steps;
    int64_t ns = 0;
    for (int64_t i = 0; i < b->n; i++) {
        double v = V[i], ie = Iex[i], ii = Iin[i];
        int32_t r = R[i];
        if (r == 0)
            v = P22 * v + P21ex * ie + P21in * ii + c[i] + P20 * y0[i];
        else
            r--;
        Iex[i] = P11ex * ie + in_ex[i];
        Iin[i] = P11in * ii + in_in[i];
        if (v >= V_th) {
            r = ref_steps;
            v = keep * v + offset;
            spiked[ns++] = i;
        }
        V[i] = v;
        R[i] = r;
    }
    ax_models_take_current(b->y0, &b->y0_dirty, i_ext, b->n);
    return ns;
}

/* Checkpoint: V, Iex, Iin, y0, refractory counter (see model.h). */
static void ckpt_save(const ax_neurons *nr, double *out)
{
    const exp_block *b = (const exp_block *)nr;
    double *const a[] = {b->V, b->Iex, b->Iin, b->y0};
    ax_models_ckpt_save(b->n, a, 4, b->r, out);
}

static void ckpt_load(ax_neurons *nr, const double *in)
{
    exp_block *b = (exp_block *)nr;
    double *const a[] = {b->V, b->Iex, b->Iin, b->y0};
    ax_models_ckpt_load(b->n, a, 4, b->r, in);
    b->y0_dirty = 1; /* y0 may hold a restored current */
}

const ax_model_ops ax_model_iaf_psc_exp = {
    .name = "iaf_psc_exp",
    .doc = "leaky integrate-and-fire, exponential current synapses, exact integration",
    .n_params = N_PARAMS,
    .params = kParams,
    .n_state = N_STATE,
    .state_names = kState,
    .n_receptors = 2,
    .weight_unit = "pA",
    .validate = validate,
    .create = create,
    .destroy = destroy,
    .state = state,
    .param_array = param_array,
    .sync = sync,
    .update = update,
    .n_ckpt = 5,
    .ckpt_save = ckpt_save,
    .ckpt_load = ckpt_load,
};
