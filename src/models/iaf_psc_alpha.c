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
       P_I_E, P_RESET, P_TAU_MINUS, N_PARAMS };

static const ax_param_desc kParams[N_PARAMS] = {
    AX_LIF_PARAMS,
    [P_V_MIN] = AX_LIF_V_MIN,
    [P_TAU_SYN_EX] = {"tau_syn_ex", "ms", 2.0, AX_PARAM_REAL, NULL, 0,
                      "rise time of excitatory synaptic current (peak at tau_syn_ex)"},
    [P_TAU_SYN_IN] = {"tau_syn_in", "ms", 2.0, AX_PARAM_REAL, NULL, 0,
                      "rise time of inhibitory synaptic current (peak at tau_syn_in)"},
    [P_I_E] = AX_LIF_I_E,
    [P_RESET] = AX_LIF_RESET,
    [P_TAU_MINUS] = AX_ARCHIVE_TAU_MINUS,
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
    const ax_model_layout *layout;
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

#define F(field) offsetof(alpha_block, field)
AX_MODEL_REF_T_REF

static const ax_model_layout kLayout = {
    .ops = &ax_model_iaf_psc_alpha, AX_MODEL_BLOCK(alpha_block),
    .ref_name = "t_ref", .ref_ms = ref_ms,
    .rules = {{AX_RULE_LESS, P_V_RESET, P_V_TH}, {AX_RULE_POSITIVE, P_C_M}, {AX_RULE_POSITIVE, P_TAU_M},
              {AX_RULE_POSITIVE, P_TAU_SYN_EX}, {AX_RULE_POSITIVE, P_TAU_SYN_IN},
              {AX_RULE_NONNEG, P_T_REF},
              {AX_RULE_POSITIVE, P_TAU_MINUS}},
    .arrays = {F(V), F(Iex), F(Iin), F(dIex), F(dIin), F(E_L), F(I_e), F(c), F(y0)},
    .state = {[S_V_M] = F(V), [S_I_EX] = F(Iex), [S_I_IN] = F(Iin), [S_DI_EX] = F(dIex),
              [S_DI_IN] = F(dIin)},
    .per_neuron = {{P_E_L, F(E_L)}, {P_I_E, F(I_e)}}, .rest = {{P_E_L, F(V)}},
    .ckpt = {F(V), F(Iex), F(Iin), F(dIex), F(dIin), F(y0)},
    .lif = {F(c), F(E_L), F(I_e), F(P33), F(P30)},
};
#undef F

AX_MODEL_VALIDATE

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

static ax_status create(const double *p, double h, int64_t n, ax_neurons **out, ax_error *err)
{
    ax_neurons *nr;
    AX_TRY(ax_models_begin(&kLayout, p, h, n, &nr, err));
    alpha_block *b = (alpha_block *)nr;
    double tau_m = p[P_TAU_M], C = p[P_C_M];
    b->P33 = exp(-h / tau_m);
    b->P30 = ax_prop_dc_to_v(h, tau_m, C);
    b->ex = make_prop(h, tau_m, p[P_TAU_SYN_EX], C);
    b->inh = make_prop(h, tau_m, p[P_TAU_SYN_IN], C);
    ax_models_lif_reset(p[P_RESET], p[P_V_TH], p[P_V_RESET], &b->keep_on_reset, &b->offset_on_reset);
    b->ref_steps = ax_models_ref_steps(p[P_T_REF], h);
    return ax_models_finish(nr, out, err);
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
        if (ax_lif_fire(&v, &r, V_th, keep, offset, ref_steps)) spiked[ns++] = i;
        V[i] = v;
        R[i] = r;
    }
    ax_models_take_current(b->y0, &b->y0_dirty, i_ext, b->n);
    return ns;
}

const ax_model_ops ax_model_iaf_psc_alpha =
    AX_MODEL_OPS("iaf_psc_alpha",
                 "leaky integrate-and-fire, alpha-shaped current synapses, exact integration",
                 2, "pA", 7, ax_models_lif_sync);
