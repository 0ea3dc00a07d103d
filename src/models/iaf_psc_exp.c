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
       P_RESET, P_TAU_MINUS, N_PARAMS };

static const ax_param_desc kParams[N_PARAMS] = {
    AX_LIF_PARAMS,
    [P_TAU_SYN_EX] = {"tau_syn_ex", "ms", 2.0, AX_PARAM_REAL, NULL, 0,
                      "decay time of excitatory synaptic current"},
    [P_TAU_SYN_IN] = {"tau_syn_in", "ms", 2.0, AX_PARAM_REAL, NULL, 0,
                      "decay time of inhibitory synaptic current"},
    [P_I_E] = AX_LIF_I_E,
    [P_RESET] = AX_LIF_RESET,
    [P_TAU_MINUS] = AX_ARCHIVE_TAU_MINUS,
};

enum { S_V_M, S_I_EX, S_I_IN, N_STATE };
static const char *const kState[N_STATE] = {"V_m", "I_syn_ex", "I_syn_in"};

typedef struct exp_block {
    const ax_model_layout *layout;
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

#define F(field) offsetof(exp_block, field)
AX_MODEL_REF_T_REF

static const ax_model_layout kLayout = {
    .ops = &ax_model_iaf_psc_exp, AX_MODEL_BLOCK(exp_block),
    .ref_name = "t_ref", .ref_ms = ref_ms,
    .rules = {{AX_RULE_LESS, P_V_RESET, P_V_TH}, {AX_RULE_POSITIVE, P_C_M}, {AX_RULE_POSITIVE, P_TAU_M},
              {AX_RULE_POSITIVE, P_TAU_SYN_EX}, {AX_RULE_POSITIVE, P_TAU_SYN_IN},
              {AX_RULE_NONNEG, P_T_REF},
              {AX_RULE_POSITIVE, P_TAU_MINUS}},
    .arrays = {F(V), F(Iex), F(Iin), F(E_L), F(I_e), F(c), F(y0)},
    .state = {[S_V_M] = F(V), [S_I_EX] = F(Iex), [S_I_IN] = F(Iin)},
    .per_neuron = {{P_E_L, F(E_L)}, {P_I_E, F(I_e)}}, .rest = {{P_E_L, F(V)}},
    .ckpt = {F(V), F(Iex), F(Iin), F(y0)},
    .lif = {F(c), F(E_L), F(I_e), F(P22), F(P20)},
};
#undef F

AX_MODEL_VALIDATE

static ax_status create(const double *p, double h, int64_t n, ax_neurons **out, ax_error *err)
{
    ax_neurons *nr;
    AX_TRY(ax_models_begin(&kLayout, p, h, n, &nr, err));
    exp_block *b = (exp_block *)nr;
    double tau_m = p[P_TAU_M], C = p[P_C_M];
    b->P22 = exp(-h / tau_m);
    b->P20 = ax_prop_dc_to_v(h, tau_m, C);
    b->P11ex = exp(-h / p[P_TAU_SYN_EX]);
    b->P11in = exp(-h / p[P_TAU_SYN_IN]);
    b->P21ex = ax_prop_exp_to_v(h, tau_m, p[P_TAU_SYN_EX], C);
    b->P21in = ax_prop_exp_to_v(h, tau_m, p[P_TAU_SYN_IN], C);
    ax_models_lif_reset(p[P_RESET], p[P_V_TH], p[P_V_RESET], &b->keep_on_reset, &b->offset_on_reset);
    b->ref_steps = ax_models_ref_steps(p[P_T_REF], h);
    return ax_models_finish(nr, out, err);
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
        if (ax_lif_fire(&v, &r, V_th, keep, offset, ref_steps)) spiked[ns++] = i;
        V[i] = v;
        R[i] = r;
    }
    ax_models_take_current(b->y0, &b->y0_dirty, i_ext, b->n);
    return ns;
}

const ax_model_ops ax_model_iaf_psc_exp =
    AX_MODEL_OPS("iaf_psc_exp",
                 "leaky integrate-and-fire, exponential current synapses, exact integration",
                 2, "pA", 5, ax_models_lif_sync);
