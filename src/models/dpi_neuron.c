/* dpi_neuron.c - the Dynap-SE2 adaptive-exponential DPI neuron as Rockpool's
 * DynapSim simulates it (reference-sampling-export.md §3.2), so axon can run
 * what a Dynap-SE2 export would do (axon export --target dynapse --simulate).
 *
 * Units: currents pA, capacitances pF, voltages mV, time ms (pA*ms = fC =
 * mV*pF, so DynapSim's SI formulas hold unchanged). Weights are
 * dimensionless multiples of Iscale, as in Rockpool's w_in/w_rec.
 *
 *   kappa = (kappa_n + kappa_p)/2, tau_x = U_T C_x / (kappa Itau_x),
 *   t_ref = Vth C_ref / Iref, t_pulse = Vth C_pulse / Ipulse
 *   synapses (DPI, exact decay, one pulse per step as DynapSim):
 *     I_syn <- I_syn e^{-h/tau_syn} + (1 - e^{-t_pulse/tau_syn})
 *              (Igain_syn/Itau_syn) Iscale |w summed this step|
 *   membrane (forward Euler, as DynapSim), Ileak = Itau_mem:
 *     Iin      = max(Io, I_syn_ex - I_syn_in - Ileak + I_e + I_ext) (Io while refractory)
 *     Imem_inf = (Igain_mem/Itau_mem)(Iin - Ileak)
 *     Ifb      = Io (Imem/Io)^{kappa/(kappa+1)}  (= Io exp(kappa^2/(kappa+1) Vmem/U_T),
 *                Vmem = (U_T/kappa) ln(Imem/Io))
 *     dImem/dt = Imem / (tau_mem (Imem + Igain_mem)) (Imem_inf + Ifb/Ileak (Imem + Igain_mem) - Imem)
 *     Imem     = max(Io, Imem + h dImem/dt); Imem > Ispkthr: spike, Imem = Io,
 *     refractory for round(t_ref/h) steps.
 *
 * Differences from DynapSim, on purpose: AMPA and GABA are two DPI
 * synapses sharing Itau_syn/Igain_syn (DynapSim sums signed input into one
 * synapse clipped at Io, which loses inhibition; the chip subtracts GABA);
 * no AHP/NMDA (Iahp = 0); the feedback uses the Imem of this step (DynapSim
 * the Vmem of the last one, not yet reset after a spike); no mismatch.
 * The feedback needs one pow() per neuron and step: it is the model's
 * nonlinearity, not a propagator, so it cannot be precomputed.
 *
 * Parameters (DynapSim defaults, lookup/defaults.py, in these units):
 *   Itau_mem 5.319 pA, Igain_mem 21.28 pA, Itau_syn 88.65 pA,
 *   Igain_syn 8865 pA, Ispkthr 1e5 pA, Iref 1050 pA, Ipulse 35000 pA,
 *   I_e (= Idc) 0.5 pA, Io 0.5 pA, Iscale 1e4 pA, C_mem 3 pF, C_syn 25 pF,
 *   C_ref 1.5 pF, C_pulse 0.5 pF, kappa_n 0.75, kappa_p 0.66, U_T 25 mV,
 *   Vth 700 mV. Per neuron: I_e. State: I_mem, I_syn_ex, I_syn_in (pA).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models_impl.h"

enum { P_ITAU_MEM, P_IGAIN_MEM, P_ITAU_SYN, P_IGAIN_SYN, P_ISPKTHR, P_IREF, P_IPULSE, P_I_E, P_IO,
       P_ISCALE, P_C_MEM, P_C_SYN, P_C_REF, P_C_PULSE, P_KAPPA_N, P_KAPPA_P, P_U_T, P_VTH, N_PARAMS };

static const ax_param_desc kParams[N_PARAMS] = {
    [P_ITAU_MEM] = {"Itau_mem", "pA", 5.319148936170213, AX_PARAM_REAL, NULL, 0, "membrane leak current (sets tau_mem)"},
    [P_IGAIN_MEM] = {"Igain_mem", "pA", 21.27659574468085, AX_PARAM_REAL, NULL, 0, "membrane gain current"},
    [P_ITAU_SYN] = {"Itau_syn", "pA", 88.65248226950355, AX_PARAM_REAL, NULL, 0, "synaptic leak current (sets tau_syn)"},
    [P_IGAIN_SYN] = {"Igain_syn", "pA", 8865.248226950355, AX_PARAM_REAL, NULL, 0, "synaptic gain current"},
    [P_ISPKTHR] = {"Ispkthr", "pA", 1e5, AX_PARAM_REAL, NULL, 0, "spike threshold current"},
    [P_IREF] = {"Iref", "pA", 1050.0, AX_PARAM_REAL, NULL, 0, "refractory pulse current (sets t_ref)"},
    [P_IPULSE] = {"Ipulse", "pA", 35000.0, AX_PARAM_REAL, NULL, 0, "synaptic pulse-width current (sets t_pulse)"},
    [P_I_E] = {"I_e", "pA", 0.5, AX_PARAM_REAL, NULL, 0, "DC current into the membrane (DynapSim Idc)"},
    [P_IO] = {"Io", "pA", 0.5, AX_PARAM_REAL, NULL, 0, "dark current (floor of every current)"},
    [P_ISCALE] = {"Iscale", "pA", 1e4, AX_PARAM_REAL, NULL, 0, "weight unit: weight 1 = Iscale"},
    [P_C_MEM] = {"C_mem", "pF", 3.0, AX_PARAM_REAL, NULL, 0, "membrane capacitance"},
    [P_C_SYN] = {"C_syn", "pF", 25.0, AX_PARAM_REAL, NULL, 0, "synaptic capacitance"},
    [P_C_REF] = {"C_ref", "pF", 1.5, AX_PARAM_REAL, NULL, 0, "refractory circuit capacitance"},
    [P_C_PULSE] = {"C_pulse", "pF", 0.5, AX_PARAM_REAL, NULL, 0, "pulse-width circuit capacitance"},
    [P_KAPPA_N] = {"kappa_n", "", 0.75, AX_PARAM_REAL, NULL, 0, "subthreshold slope factor, n-type"},
    [P_KAPPA_P] = {"kappa_p", "", 0.66, AX_PARAM_REAL, NULL, 0, "subthreshold slope factor, p-type"},
    [P_U_T] = {"U_T", "mV", 25.0, AX_PARAM_REAL, NULL, 0, "thermal voltage"},
    [P_VTH] = {"Vth", "mV", 700.0, AX_PARAM_REAL, NULL, 0, "transistor cut-off voltage (pulse widths)"},
};

enum { S_IMEM, S_IEX, S_IIN, N_STATE };
static const char *const kState[N_STATE] = {"I_mem", "I_syn_ex", "I_syn_in"};

typedef struct dpi_block {
    AX_MODEL_HEAD;
    /* derived, homogeneous */
    double f_dis, w_gain, h_tau, fb_exp, gain_ratio, inv_leak; /* h_tau = h / tau_mem */
    int64_t ref_steps;
    /* per neuron */
    double *Imem, *Iex, *Iin, *I_e, *y0;
} dpi_block;

#define F(field) offsetof(dpi_block, field)
/* The refractory pulse lasts Vth C_ref / Iref (the circuit's own time). */
static double ref_ms(const double *p)
{
    return p[P_VTH] * p[P_C_REF] / p[P_IREF];
}

AX_MODEL(dpi_block, ax_model_dpi_neuron, "dpi_neuron",
         "Dynap-SE2 DPI neuron (Rockpool DynapSim dynamics, forward Euler; currents in pA)",
         2, "Iscale", 5, ax_models_sync_none,
         .arrays = {F(Imem), F(Iex), F(Iin), F(I_e), F(y0)},
         .state = {[S_IMEM] = F(Imem), [S_IEX] = F(Iex), [S_IIN] = F(Iin)},
         .ref_name = "the refractory period Vth C_ref / Iref", .ref_ms = ref_ms,
         /* every current, capacitance and constant > 0 (I_e may be 0), Ispkthr > Io */
         .rules = {{AX_RULE_POSITIVE, P_ITAU_MEM}, {AX_RULE_POSITIVE, P_IGAIN_MEM},
                   {AX_RULE_POSITIVE, P_ITAU_SYN}, {AX_RULE_POSITIVE, P_IGAIN_SYN},
                   {AX_RULE_POSITIVE, P_ISPKTHR}, {AX_RULE_POSITIVE, P_IREF},
                   {AX_RULE_POSITIVE, P_IPULSE}, {AX_RULE_POSITIVE, P_IO},
                   {AX_RULE_POSITIVE, P_ISCALE}, {AX_RULE_POSITIVE, P_C_MEM},
                   {AX_RULE_POSITIVE, P_C_SYN}, {AX_RULE_POSITIVE, P_C_REF},
                   {AX_RULE_POSITIVE, P_C_PULSE}, {AX_RULE_POSITIVE, P_KAPPA_N},
                   {AX_RULE_POSITIVE, P_KAPPA_P}, {AX_RULE_POSITIVE, P_U_T},
                   {AX_RULE_POSITIVE, P_VTH}, {AX_RULE_NONNEG, P_I_E},
                   {AX_RULE_GREATER, P_ISPKTHR, P_IO}},
         .per_neuron = {{P_I_E, F(I_e)}}, .rest = {{P_IO, F(Imem)}},
         .ckpt = {F(Imem), F(Iex), F(Iin), F(y0)})
#undef F

static void derive(dpi_block *b, const double *p, double h)
{
    double kappa = 0.5 * (p[P_KAPPA_N] + p[P_KAPPA_P]), ut_k = p[P_U_T] / kappa;
    double tau_syn = ut_k * p[P_C_SYN] / p[P_ITAU_SYN];
    double t_pulse = p[P_VTH] * p[P_C_PULSE] / p[P_IPULSE];
    b->f_dis = exp(-h / tau_syn);
    b->w_gain = -expm1(-t_pulse / tau_syn) * p[P_IGAIN_SYN] / p[P_ITAU_SYN] * p[P_ISCALE];
    b->h_tau = h / (ut_k * p[P_C_MEM] / p[P_ITAU_MEM]);
    b->fb_exp = kappa / (kappa + 1.0);
    b->gain_ratio = p[P_IGAIN_MEM] / p[P_ITAU_MEM];
    b->inv_leak = 1.0 / p[P_ITAU_MEM];
    b->ref_steps = ax_models_ref_steps(p[P_VTH] * p[P_C_REF] / p[P_IREF], h);
}

static int64_t step(dpi_block *b, const double *const *in, int64_t *spiked)
{
    double *restrict Im = b->Imem, *restrict Iex = b->Iex, *restrict Iin = b->Iin;
    const double *restrict Ie = b->I_e, *restrict y0 = b->y0;
    const double *restrict in_ex = in[0], *restrict in_in = in[1];
    int32_t *restrict R = b->r;
    const double Io = b->p[P_IO], Ileak = b->p[P_ITAU_MEM], Ig = b->p[P_IGAIN_MEM];
    const double thr = b->p[P_ISPKTHR], f_dis = b->f_dis, wg = b->w_gain, h_tau = b->h_tau;
    const double fb_exp = b->fb_exp, gr = b->gain_ratio, inv_leak = b->inv_leak;
    const int32_t ref_steps = (int32_t)b->ref_steps;
    int64_t ns = 0;
    for (int64_t i = 0; i < b->n; i++) {
        double ex = f_dis * Iex[i] + wg * fabs(in_ex[i]);
        double ih = f_dis * Iin[i] + wg * fabs(in_in[i]);
        double im = Im[i];
        int32_t r = R[i];
        double drive = r ? Io : fmax(Io, ex - ih - Ileak + Ie[i] + y0[i]);
        double inf = gr * (drive - Ileak);
        double ifb = Io * pow(im / Io, fb_exp);
        double d = im / (im + Ig) * (inf + ifb * inv_leak * (im + Ig) - im);
        im = fmax(Io, im + h_tau * d);
        if (r) r--;
        if (im > thr) {
            im = Io;
            r = ref_steps;
            spiked[ns++] = i;
        }
        Iex[i] = ex;
        Iin[i] = ih;
        Im[i] = im;
        R[i] = r;
    }
    return ns;
}
