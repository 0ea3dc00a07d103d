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
       P_RESET, P_TAU_MINUS, N_PARAMS };

static const ax_param_desc kParams[N_PARAMS] = {
    AX_LIF_PARAMS_TAU("membrane time constant (inf: no leak, perfect integrator)"),
    [P_V_MIN] = AX_LIF_V_MIN,
    [P_I_E] = AX_LIF_I_E,
    [P_REFR_INPUT] = {"refractory_input", "", 0.0, AX_PARAM_BOOL, NULL, 0,
                      "add input arriving during t_ref, decayed, when it ends"},
    [P_RESET] = AX_LIF_RESET,
    [P_TAU_MINUS] = AX_ARCHIVE_TAU_MINUS,
};

enum { S_V_M, N_STATE };
static const char *const kState[N_STATE] = {"V_m"};

typedef struct delta_block {
    AX_MODEL_HEAD;
    /* derived, homogeneous (lif: P33, P30, reset rule, t_ref in steps) */
    ax_lif_props lif;
    double *refr_decay; /* [r] = exp(-r h/tau_m), r = 0..ref_steps; zeros without refractory_input */
    /* per neuron (struct of arrays) */
    double *V, *E_L, *I_e, *c, *y0, *refr_buf;
} delta_block;

#define F(field) offsetof(delta_block, field)

/* refr_decay: t_ref / h + 1 doubles with refractory_input (else one,
 * not worth counting). */
static double table_bytes(const double *p, double h)
{
    return p[P_REFR_INPUT] == 1.0 ? (nearbyint(p[P_T_REF] / h) + 1.0) * sizeof(double) : 0.0;
}

AX_MODEL(delta_block, ax_model_iaf_psc_delta, "iaf_psc_delta",
         "leaky integrate-and-fire, delta synapses (voltage jumps), exact integration",
         1, "mV", 4, ax_models_lif_sync,
         .arrays = {F(V), F(E_L), F(I_e), F(c), F(y0), F(refr_buf)},
         .state = {[S_V_M] = F(V)},
         .rules = {AX_LIF_RULES({AX_RULE_POSITIVE, P_TAU_M})},
         AX_LIF_LAYOUT(delta_block), AX_LIF_SYNC(delta_block),
         .table_bytes = table_bytes, .owned = {F(refr_decay)},
         .ckpt = {F(V), F(y0), F(refr_buf)})
#undef F

static void derive(delta_block *b, const double *p, double h)
{
    b->lif = ax_models_lif_props(h, p[P_TAU_M], p[P_C_M], p[P_T_REF], p[P_RESET], p[P_V_TH],
                                 p[P_V_RESET]);
    /* the table is read only with refractory_input (table_bytes counts it) */
    int64_t ref_steps = b->lif.ref_steps;
    double tau_m = p[P_TAU_M];
    b->refr_decay = calloc(p[P_REFR_INPUT] == 1.0 ? (size_t)ref_steps + 1 : 1, sizeof(double));
    if (b->refr_decay && p[P_REFR_INPUT] == 1.0)
        for (int64_t k = 0; k <= ref_steps; k++) b->refr_decay[k] = exp(-(double)k * h / tau_m);
}

/* The step loop with refractory_input: input arriving while refractory is
 * held back, decayed, and added when the neuron leaves the period. */
static int64_t loop(delta_block *b, const double *restrict in, int64_t *restrict spiked)
{
    double *restrict V = b->V, *restrict buf = b->refr_buf;
    const double *restrict c = b->c, *restrict y0 = b->y0, *restrict decay = b->refr_decay;
    int32_t *restrict R = b->r;
    const double P33 = b->lif.P_leak, P30 = b->lif.P_dc, V_th = b->p[P_V_TH];
    const double V_min = b->p[P_V_MIN], keep = b->lif.keep, offset = b->lif.offset;
    const int32_t ref_steps = (int32_t)b->lif.ref_steps;
    int64_t ns = 0;
    for (int64_t i = 0; i < b->n; i++) {
        double v = V[i];
        const int32_t r0 = R[i];
        if (r0 == 0) {
            v = P33 * v + c[i] + P30 * y0[i] + in[i];
            v += buf[i];
            buf[i] = 0.0;
            v = v < V_min ? V_min : v;
        } else {
            buf[i] += in[i] * decay[r0];
        }
        if (ax_lif_fire(&V[i], &R[i], &b->fired[i], v, r0, V_th, keep, offset, ref_steps))
            spiked[ns++] = i;
    }
    return ns;
}

/* Without refractory_input (the common case), one step of every neuron in
 * chunks (models_impl.h, AX_STEP_CHUNK); loop() keeps the held-back input. */
static int64_t step_vec(delta_block *b, const double *restrict in, int64_t *restrict spiked)
{
    double *restrict V = b->V;
    const double *restrict c = b->c, *restrict y0 = b->y0;
    int32_t *restrict R = b->r;
    uint32_t *restrict fired = b->fired;
    const double P33 = b->lif.P_leak, P30 = b->lif.P_dc, V_th = b->p[P_V_TH];
    const double V_min = b->p[P_V_MIN], keep = b->lif.keep, offset = b->lif.offset;
    const int32_t ref_steps = (int32_t)b->lif.ref_steps;
    int64_t ns = 0;
    for (int64_t i0 = 0; i0 < b->n; i0 += AX_STEP_CHUNK) {
        const int64_t i1 = i0 + AX_STEP_CHUNK < b->n ? i0 + AX_STEP_CHUNK : b->n;
        uint32_t any = 0;
        #pragma omp simd reduction(| : any)
        for (int64_t i = i0; i < i1; i++) {
            const double v0 = V[i];
            const int32_t r0 = R[i];
            double vu = P33 * v0 + c[i] + P30 * y0[i] + in[i];
            vu = vu < V_min ? V_min : vu;
            const double v = r0 == 0 ? vu : v0;
            any |= ax_lif_fire(&V[i], &R[i], &fired[i], v, r0, V_th, keep, offset, ref_steps);
        }
        if (any) ns = ax_models_list_fired(fired, i0, i1, spiked, ns);
    }
    return ns;
}

static int64_t step(delta_block *b, const double *const *in, int64_t *spiked)
{
    return b->p[P_REFR_INPUT] == 1.0 ? loop(b, in[0], spiked) : step_vec(b, in[0], spiked);
}
