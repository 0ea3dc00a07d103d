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
    AX_SYN_TAU_PARAMS(2.0, 2.0, "decay time of excitatory synaptic current",
                      "decay time of inhibitory synaptic current"),
    [P_I_E] = AX_LIF_I_E,
    [P_RESET] = AX_LIF_RESET,
    [P_TAU_MINUS] = AX_ARCHIVE_TAU_MINUS,
};

enum { S_V_M, S_I_EX, S_I_IN, N_STATE };
static const char *const kState[N_STATE] = {"V_m", "I_syn_ex", "I_syn_in"};

typedef struct exp_block {
    AX_MODEL_HEAD;
    /* derived, homogeneous (lif: P22, P20, reset rule, t_ref in steps) */
    ax_lif_props lif;
    double P11ex, P11in, P21ex, P21in;
    /* per neuron */
    double *V, *Iex, *Iin, *E_L, *I_e, *c, *y0;
} exp_block;

#define F(field) offsetof(exp_block, field)

AX_MODEL(exp_block, ax_model_iaf_psc_exp, "iaf_psc_exp",
         "leaky integrate-and-fire, exponential current synapses, exact integration",
         2, "pA", 5, ax_models_lif_sync,
         .arrays = {F(V), F(Iex), F(Iin), F(E_L), F(I_e), F(c), F(y0)},
         .state = {[S_V_M] = F(V), [S_I_EX] = F(Iex), [S_I_IN] = F(Iin)},
         .rules = {AX_LIF_RULES({AX_RULE_POSITIVE, P_TAU_M}, AX_SYN_TAU_RULES)},
         AX_LIF_LAYOUT(exp_block), AX_LIF_SYNC(exp_block),
         .ckpt = {F(V), F(Iex), F(Iin), F(y0)})
#undef F

static void derive(exp_block *b, const double *p, double h)
{
    b->lif = ax_models_lif_props(h, p[P_TAU_M], p[P_C_M], p[P_T_REF], p[P_RESET], p[P_V_TH],
                                 p[P_V_RESET]);
    b->P11ex = exp(-h / p[P_TAU_SYN_EX]);
    b->P11in = exp(-h / p[P_TAU_SYN_IN]);
    b->P21ex = ax_prop_exp_to_v(h, p[P_TAU_M], p[P_TAU_SYN_EX], p[P_C_M]);
    b->P21in = ax_prop_exp_to_v(h, p[P_TAU_M], p[P_TAU_SYN_IN], p[P_C_M]);
}

/* One step of every neuron, in chunks (models_impl.h, AX_STEP_CHUNK). */
static int64_t step(exp_block *b, const double *const *in, int64_t *spiked)
{
    double *restrict V = b->V, *restrict Iex = b->Iex, *restrict Iin = b->Iin;
    const double *restrict c = b->c, *restrict y0 = b->y0;
    const double *restrict in_ex = in[0], *restrict in_in = in[1];
    int32_t *restrict R = b->r;
    uint32_t *restrict fired = b->fired;
    const double P22 = b->lif.P_leak, P20 = b->lif.P_dc, P11ex = b->P11ex, P11in = b->P11in;
    const double P21ex = b->P21ex, P21in = b->P21in, V_th = b->p[P_V_TH];
    const double keep = b->lif.keep, offset = b->lif.offset;
    const int32_t ref_steps = (int32_t)b->lif.ref_steps;
    int64_t ns = 0;
    for (int64_t i0 = 0; i0 < b->n; i0 += AX_STEP_CHUNK) {
        const int64_t i1 = i0 + AX_STEP_CHUNK < b->n ? i0 + AX_STEP_CHUNK : b->n;
        uint32_t any = 0;
        #pragma omp simd reduction(| : any)
        for (int64_t i = i0; i < i1; i++) {
            const double v0 = V[i], ie = Iex[i], ii = Iin[i];
            const int32_t r0 = R[i];
            const double v = r0 == 0 ? P22 * v0 + P21ex * ie + P21in * ii + c[i] + P20 * y0[i] : v0;
            Iex[i] = P11ex * ie + in_ex[i];
            Iin[i] = P11in * ii + in_in[i];
            any |= ax_lif_fire(&V[i], &R[i], &fired[i], v, r0, V_th, keep, offset, ref_steps);
        }
        if (any) ns = ax_models_list_fired(fired, i0, i1, spiked, ns);
    }
    return ns;
}
