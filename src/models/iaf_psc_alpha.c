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
    AX_SYN_TAU_PARAMS(2.0, 2.0, "rise time of excitatory synaptic current (peak at tau_syn_ex)",
                      "rise time of inhibitory synaptic current (peak at tau_syn_in)"),
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
    AX_MODEL_HEAD;
    ax_lif_props lif; /* P33, P30, reset rule, t_ref in steps */
    alpha_prop ex, inh;
    double *V, *Iex, *Iin, *dIex, *dIin, *E_L, *I_e, *c, *y0;
} alpha_block;

#define F(field) offsetof(alpha_block, field)

AX_MODEL(alpha_block, ax_model_iaf_psc_alpha, "iaf_psc_alpha",
         "leaky integrate-and-fire, alpha-shaped current synapses, exact integration",
         2, "pA", 7, ax_models_lif_sync,
         .arrays = {F(V), F(Iex), F(Iin), F(dIex), F(dIin), F(E_L), F(I_e), F(c), F(y0)},
         .state = {[S_V_M] = F(V), [S_I_EX] = F(Iex), [S_I_IN] = F(Iin), [S_DI_EX] = F(dIex),
                   [S_DI_IN] = F(dIin)},
         .rules = {AX_LIF_RULES({AX_RULE_POSITIVE, P_TAU_M}, AX_SYN_TAU_RULES)},
         AX_LIF_LAYOUT(alpha_block), AX_LIF_SYNC(alpha_block),
         .ckpt = {F(V), F(Iex), F(Iin), F(dIex), F(dIin), F(y0)})
#undef F

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

static void derive(alpha_block *b, const double *p, double h)
{
    b->lif = ax_models_lif_props(h, p[P_TAU_M], p[P_C_M], p[P_T_REF], p[P_RESET], p[P_V_TH],
                                 p[P_V_RESET]);
    b->ex = make_prop(h, p[P_TAU_M], p[P_TAU_SYN_EX], p[P_C_M]);
    b->inh = make_prop(h, p[P_TAU_M], p[P_TAU_SYN_IN], p[P_C_M]);
}

/* One step of every neuron, in chunks (models_impl.h, AX_STEP_CHUNK). */
static int64_t step(alpha_block *b, const double *const *in, int64_t *spiked)
{
    double *restrict V = b->V, *restrict Iex = b->Iex, *restrict Iin = b->Iin;
    double *restrict dIex = b->dIex, *restrict dIin = b->dIin;
    const double *restrict c = b->c, *restrict y0 = b->y0;
    const double *restrict in_ex = in[0], *restrict in_in = in[1];
    int32_t *restrict R = b->r;
    uint32_t *restrict fired = b->fired;
    const alpha_prop ex = b->ex, inh = b->inh;
    const double P33 = b->lif.P_leak, P30 = b->lif.P_dc, V_th = b->p[P_V_TH];
    const double V_min = b->p[P_V_MIN], keep = b->lif.keep, offset = b->lif.offset;
    const int32_t ref_steps = (int32_t)b->lif.ref_steps;
    int64_t ns = 0;
    for (int64_t i0 = 0; i0 < b->n; i0 += AX_STEP_CHUNK) {
        const int64_t i1 = i0 + AX_STEP_CHUNK < b->n ? i0 + AX_STEP_CHUNK : b->n;
        uint32_t any = 0;
        #pragma omp simd reduction(| : any)
        for (int64_t i = i0; i < i1; i++) {
            const double v0 = V[i], ie = Iex[i], ii = Iin[i], de = dIex[i], di = dIin[i];
            const int32_t r0 = R[i];
            double vu = P33 * v0 + c[i] + P30 * y0[i] + ex.P31 * de + ex.P32 * ie + inh.P31 * di +
                        inh.P32 * ii;
            vu = vu < V_min ? V_min : vu;
            const double v = r0 == 0 ? vu : v0;
            Iex[i] = ex.P21 * de + ex.P11 * ie;
            Iin[i] = inh.P21 * di + inh.P11 * ii;
            dIex[i] = ex.P11 * de + ex.init * in_ex[i];
            dIin[i] = inh.P11 * di + inh.init * in_in[i];
            any |= ax_lif_fire(&V[i], &R[i], &fired[i], v, r0, V_th, keep, offset, ref_steps);
        }
        if (any) ns = ax_models_list_fired(fired, i0, i1, spiked, ns);
    }
    return ns;
}
