/* iaf_psc_alpha.c - leaky integrate-and-fire neuron with alpha-shaped
 * synaptic currents (NEST's iaf_psc_alpha), exact integration.
 *
 *   dV/dt      = -(V - E_L)/tau_m + (I_syn_ex + I_syn_in + I_e + I_ext)/C_m
 *   dI_syn/dt  = dI_syn - I_syn/tau_syn
 *   ddI_syn/dt = -dI_syn/tau_syn + (e/tau_syn) sum_k w_k delta(t - t_k)
 *
 * so a weight w gives I(t) = w (t/tau_syn) e^{1 - t/tau_syn}: peak w pA at
 * t = tau_syn. Per step (NEST order): unless refractory, V <- exact update
 * from V, dI, I and the currents; clamp at V_min; I <- P21 dI + P22 I;
 * dI <- P11 dI; dI += (e/tau_syn) * weights arriving this step (receptor 0
 * ex, 1 in, negative weights as given); if V >= V_th: spike, reset,
 * refractory for t_ref/h steps (V frozen). P31/P32 stay exact at
 * tau_syn == tau_m (propagators.c). Extensions: reset = subtract and
 * tau_m = +inf, as in iaf_psc_delta.
 *
 * Invariants: V absolute (mV); V_th, V_reset, V_min homogeneous and
 * absolute; E_L and I_e per neuron, c[] = (1-P33) E_L + P30 I_e via sync().
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models_impl.h"

enum { P_E_L, P_C_M, P_TAU_M, P_T_REF, P_V_TH, P_V_RESET, P_V_MIN, P_TAU_SYN_EX, P_TAU_SYN_IN,
       P_I_E, P_RESET, N_PARAMS };

static const ax_param_desc kParams[N_PARAMS] = {
    [P_E_L] = {"E_L", "mV", -70.0, AX_PARAM_REAL, NULL, 0, "resting membrane potential"},
    [P_C_M] = {"C_m", "pF", 250.0, AX_PARAM_REAL, NULL, 0, "membrane capacitance"},
    [P_TAU_M] = {"tau_m", "ms", 10.0, AX_PARAM_REAL, NULL, 1,
                 "membrane time constant (inf: no leak)"},
    [P_T_REF] = {"t_ref", "ms", 2.0, AX_PARAM_REAL, NULL, 0, "absolute refractory period"},
    [P_V_TH] = {"V_th", "mV", -55.0, AX_PARAM_REAL, NULL, 0, "spike threshold"},
    [P_V_RESET] = {"V_reset", "mV", -70.0, AX_PARAM_REAL, NULL, 0,
                   "reset potential (reset: absolute)"},
    [P_V_MIN] = {"V_min", "mV", -INFINITY, AX_PARAM_REAL, NULL, 1,
                 "lower bound of V_m (-inf: no bound)"},
    [P_TAU_SYN_EX] = {"tau_syn_ex", "ms", 2.0, AX_PARAM_REAL, NULL, 0,
                      "rise time of excitatory synaptic current (peak at tau_syn_ex)"},
    [P_TAU_SYN_IN] = {"tau_syn_in", "ms", 2.0, AX_PARAM_REAL, NULL, 0,
                      "rise time of inhibitory synaptic current (peak at tau_syn_in)"},
    [P_I_E] = {"I_e", "pA", 0.0, AX_PARAM_REAL, NULL, 0, "constant external current"},
    [P_RESET] = {"reset", "", 0.0, AX_PARAM_CHOICE, "absolute|subtract", 0,
                 "absolute: V <- V_reset; subtract: V <- V - (V_th - V_reset)"},
};

enum { S_V_M, S_I_EX, S_I_IN, S_DI_EX, S_DI_IN, N_STATE };
static const char *const kState[N_STATE] = {"V_m", "I_syn_ex", "I_syn_in", "dI_syn_ex",
                                            "dI_syn_in"};

/* Propagators of one receptor's alpha current. */
typedef struct alpha_prop {
    double P11;  /* dI -> dI and I -> I: e^{-h/tau_syn} */
    double P21;  /* dI -> I: h e^{-h/tau_syn} */
    double P31;  /* dI -> V */
    double P32;  /* I -> V */
    double init; /* e / tau_syn: dI jump per pA of weight */
} alpha_prop;

typedef struct alpha_block {
    int64_t n;
    double p[N_PARAMS];
    double P33, P30, keep_on_reset, offset_on_reset;
    alpha_prop ex, inh;
    int64_t ref_steps;
    int y0_dirty;
    double *V, *Iex, *Iin, *dIex, *dIin, *E_L, *I_e, *c, *y0;
    int32_t *r;
    double *base;
} alpha_block;

static ax_status validate(const double *p, ax_error *err)
{
    const char *m = "iaf_psc_alpha";
    AX_TRY(ax_models_check_kinds(&ax_model_iaf_psc_alpha, p, err));
    AX_TRY(ax_models_check_reset_below_th(m, p[P_V_RESET], p[P_V_TH], err));
    AX_TRY(ax_models_check_positive(m, "C_m", p[P_C_M], err));
    AX_TRY(ax_models_check_positive(m, "tau_m", p[P_TAU_M], err));
    AX_TRY(ax_models_check_positive(m, "tau_syn_ex", p[P_TAU_SYN_EX], err));
    AX_TRY(ax_models_check_positive(m, "tau_syn_in", p[P_TAU_SYN_IN], err));
    AX_TRY(ax_models_check_nonneg(m, "t_ref", p[P_T_REF], err));
    return AX_OK;
}

static alpha_prop make_prop(double h, double tau_m, double tau_s, double C)
{
    alpha_prop q;
    q.P11 = exp(-h / tau_s);
    q.P21 = h * q.P11;
    q.P31 = ax_prop_alpha_to_v(h, tau_m, tau_s, C);
    q.P32 = ax_prop_exp_to_v(h, tau_m, tau_s, C);
    q.init = M_E / tau_s;
    return q;
}

static void sync(ax_neurons *nr)
{
    alpha_block *b = (alpha_block *)nr;
    double leak = 1.0 - b->P33;
    for (int64_t i = 0; i < b->n; i++) b->c[i] = leak * b->E_L[i] + b->P30 * b->I_e[i];
}

static void destroy(ax_neurons *nr)
{
    alpha_block *b = (alpha_block *)nr;
    if (!b) return;
    free(b->base);
    free(b->r);
    free(b);
}

static ax_status create(const double *p, double h, int64_t n, ax_neurons **out, ax_error *err)
{
    AX_TRY(validate(p, err));
    AX_CHECK(h > 0 && isfinite(h), err, AX_EINPUT, "iaf_psc_alpha: resolution must be > 0 (got %g)", h);
    AX_CHECK(n >= 0, err, AX_EINPUT, "iaf_psc_alpha: neuron count must be >= 0 (got %lld)", (long long)n);
    alpha_block *b = calloc(1, sizeof *b);
    AX_CHECK_ALLOC(b, err, "iaf_psc_alpha block");
    memcpy(b->p, p, sizeof b->p);
    b->n = n;
    double tau_m = p[P_TAU_M], C = p[P_C_M];
    b->P33 = exp(-h / tau_m);
    b->P30 = ax_prop_dc_to_v(h, tau_m, C);
    b->ex = make_prop(h, tau_m, p[P_TAU_SYN_EX], C);
    b->inh = make_prop(h, tau_m, p[P_TAU_SYN_IN], C);
    int subtract = p[P_RESET] == 1.0;
    b->keep_on_reset = subtract ? 1.0 : 0.0;
    b->offset_on_reset = subtract ? -(p[P_V_TH] - p[P_V_RESET]) : p[P_V_RESET];
    b->ref_steps = ax_models_ref_steps(p[P_T_REF], h);
    b->r = calloc((size_t)(n > 0 ? n : 1), sizeof(int32_t));
    double **arrs[] = {&b->V, &b->Iex, &b->Iin, &b->dIex, &b->dIin, &b->E_L, &b->I_e, &b->c, &b->y0};
    b->base = ax_models_alloc_arrays(n, 9, arrs);
    if (!b->r || !b->base) {
        destroy((ax_neurons *)b);
        return AX_FAIL(err, AX_ENOMEM, "out of memory allocating %lld iaf_psc_alpha neurons",
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
    alpha_block *b = (alpha_block *)nr;
    switch (var) {
    case S_V_M: return b->V;
    case S_I_EX: return b->Iex;
    case S_I_IN: return b->Iin;
    case S_DI_EX: return b->dIex;
    case S_DI_IN: return b->dIin;
    default: return NULL;
    }
}

static double *param_array(ax_neurons *nr, int param)
{
    alpha_block *b = (alpha_block *)nr;
    if (param == P_E_L) return b->E_L;
    if (param == P_I_E) return b->I_e;
    return NULL;
}

static int64_t update(ax_neurons *nr, const double *const *in, const double *i_ext,
                      int64_t *spiked)
{
    alpha_block *b = (alpha_block *)nr;
    double *restrict V = b->V, *restrict Iex = b->Iex, *restrict Iin = b->Iin;
    double *restrict dIex = b->dIex, *restrict dIin = b->dIin;
    const double *restrict c = b->c, *restrict y0 = b->y0;
    const double *restrict in_ex = in[0], *restrict in_in = in[1];
    int32_t *restrict R = b->r;
    const alpha_prop ex = b->ex, inh = b->inh;
    const double P33 = b->P33, P30 = b->P30, V_th = b->p[P_V_TH], V_min = b->p[P_V_MIN];
    const double keep = b->keep_on_reset, offset = b->offset_on_reset;
    const int32_t ref_steps = (int32_t)b->ref_steps;
    int64_t ns = 0;
    for (int64_t i = 0; i < b->n; i++) {
        double v = V[i], ie = Iex[i], ii = Iin[i], de = dIex[i], di = dIin[i];
        int32_t r = R[i];
        if (r == 0) {
            v = P33 * v + c[i] + P30 * y0[i] + ex.P31 * de + ex.P32 * ie + inh.P31 * di +
                inh.P32 * ii;
            v = v < V_min ? V_min : v;
        } else {
            r--;
        }
        Iex[i] = ex.P21 * de + ex.P11 * ie;
        Iin[i] = inh.P21 * di + inh.P11 * ii;
        dIex[i] = ex.P11 * de + ex.init * in_ex[i];
        dIin[i] = inh.P11 * di + inh.init * in_in[i];
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

/* Checkpoint: V, Iex, Iin, dIex, dIin, y0, refractory counter (see model.h). */
static void ckpt_save(const ax_neurons *nr, double *out)
{
    const alpha_block *b = (const alpha_block *)nr;
    double *const a[] = {b->V, b->Iex, b->Iin, b->dIex, b->dIin, b->y0};
    ax_models_ckpt_save(b->n, a, 6, b->r, out);
}

static void ckpt_load(ax_neurons *nr, const double *in)
{
    alpha_block *b = (alpha_block *)nr;
    double *const a[] = {b->V, b->Iex, b->Iin, b->dIex, b->dIin, b->y0};
    ax_models_ckpt_load(b->n, a, 6, b->r, in);
    b->y0_dirty = 1; /* y0 may hold a restored current */
}

const ax_model_ops ax_model_iaf_psc_alpha = {
    .name = "iaf_psc_alpha",
    .doc = "leaky integrate-and-fire, alpha-shaped current synapses, exact integration",
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
    .n_ckpt = 7,
    .ckpt_save = ckpt_save,
    .ckpt_load = ckpt_load,
};
