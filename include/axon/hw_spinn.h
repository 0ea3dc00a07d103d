/* axon/hw_spinn.h - sPyNNaker's neuron arithmetic (partition/hw_spinn.c):
 * how a NEST model's parameters and weights become the PyNN numbers of a
 * sPyNNaker cell type, and, in the other direction, what the board does
 * with written numbers, expressed as the NEST neuron and weights that
 * behave the same. The exporter writes the first; --simulate runs the
 * second, so a unit slip in what is written shows up as a rate change.
 *
 * Board facts (docs/export.md "SpiNNaker", sources cited there): the LIF
 * step is V <- a - e (a - V), a = V_rest + R I, R = tau_m/cm, e =
 * exp(-h/tau_m), with the input I held constant over the step; delta input
 * is multiplied by 1/h; an exponential synapse adds w init, init =
 * (tau_s/h)(1 - d), and decays by d = exp(-h/tau_s); an alpha synapse's
 * current in step j after one input x is x j (h/tau_s^2) d^j; conductance
 * input drives with V frozen at the start of the step; parameters are
 * s16.15 fixed point. Units: PyNN (nF, ms, mV, nA, uS) on the board side,
 * NEST (pF, ms, mV, pA, nS) on the other.
 */
#ifndef AXON_HW_SPINN_H
#define AXON_HW_SPINN_H

#include <stdint.h>

typedef enum ax_spinn_kind {
    AX_SPINN_NONE = -1,
    AX_SPINN_CURR_DELTA,  /* IF_curr_delta */
    AX_SPINN_CURR_EXP,    /* IF_curr_exp */
    AX_SPINN_CURR_ALPHA,  /* IF_curr_alpha */
    AX_SPINN_COND_EXP,    /* IF_cond_exp */
    AX_SPINN_TRUNC_DELTA, /* extra_models.IFTruncDelta (non-leaky, floor at v_reset) */
    AX_SPINN_N_KINDS
} ax_spinn_kind;

/* A NEST LIF neuron (pF, ms, mV, pA, nS); NaN where the model has none.
 * tau_m = inf: no leak. index 0 excitatory, 1 inhibitory. */
typedef struct ax_spinn_nest {
    double C_m, tau_m, E_L, V_reset, V_th, t_ref, I_e, V_min, g_L;
    double tau_syn[2], E_rev[2];
} ax_spinn_nest;

/* The PyNN parameters of a sPyNNaker cell as written to run.py (nF, ms,
 * mV, nA, uS), plus k: the board current (nA) that stands for 1 pA of the
 * NEST model's current (1/C_m where cm is 1 nF, else 1e-3). */
typedef struct ax_spinn_cell {
    ax_spinn_kind kind;
    double cm, tau_m, v_rest, v_reset, v_thresh, tau_refrac, i_offset;
    double tau_syn[2], e_rev[2];
    double k;
} ax_spinn_cell;

/* The cell type for an axon model (tau_m = inf selects IFTruncDelta for
 * iaf_psc_delta); AX_SPINN_NONE when sPyNNaker has none. */
ax_spinn_kind ax_spinn_kind_of(const char *model, double tau_m);
/* Python name after "sim.": "IF_curr_delta", ..., "extra_models.IFTruncDelta". */
const char *ax_spinn_cell_type(ax_spinn_kind kind);

/* NEST -> PyNN (float, what the exporter writes):
 *   IF_curr_delta: cm 1 nF, i_offset I_e/C_m; w = J cm f, f = (h/tau_m)/(1 - e)
 *   IFTruncDelta:  cm 1 nF, tau_m = h (so R/h = 1), i_offset I_e/C_m; w = J
 *   IF_curr_exp:   cm C_m/1000, i_offset I_e/1000; w = J P21 / (1000 R (1 - e) init)
 *   IF_curr_alpha: as exp; w = J/1000 e_1 tau_s (1-d)^2 / ((h/tau_s)^2 d)  (equal charge)
 *   IF_cond_exp:   cm C_m/1000, tau_m C_m/g_L; w = |J|/1000 (uS)
 * Weights are signed as PyNN wants them: negative on the inhibitory
 * receptor of current synapses, positive conductances. */
void ax_spinn_cell_from_nest(ax_spinn_kind kind, const ax_spinn_nest *n, double h, ax_spinn_cell *c);
double ax_spinn_weight(const ax_spinn_cell *c, int receptor, double J, double h);

/* The board (s16.15 parameters, the chip's constants R and exp_TC, the
 * delta scale 1/h, T_refract = ceil(tau_refrac/h)): the NEST neuron that
 * runs as the board runs this cell (same model family; IFTruncDelta becomes
 * iaf_psc_delta with tau_m = inf and V_min = v_reset) and the NEST weight
 * (signed, pA / mV / nS) whose effect equals that of the PyNN weight w.
 * Exact for delta and exp up to the quantisation of the synapse decay;
 * alpha by equal charge, conductances with the board's explicit driving
 * force not modelled (see ax_spinn_psp_error). */
double ax_spinn_s1615(double x);
void ax_spinn_board_neuron(const ax_spinn_cell *c, double h, ax_spinn_nest *n);
double ax_spinn_board_weight(const ax_spinn_cell *c, int receptor, double w, double h);
/* Relative error of the board's per-step input gain R (1 - exp_TC) with
 * s16.15 R and exp_TC against the exact float value (-1: no input at all). */
double ax_spinn_gain_error(const ax_spinn_cell *c, double h);
/* IF_curr_alpha and IF_cond_exp: relative error of the peak of one PSP of
 * NEST weight J on the board (float arithmetic, the exported weight) against
 * NEST's continuous model from rest; 0 for the exact kinds. */
double ax_spinn_psp_error(const ax_spinn_nest *n, ax_spinn_kind kind, int receptor, double J, double h);

/* Ring buffer (sPyNNaker 7, abstract_population_vertex.py): spikes per tick
 * a source can deliver: a SpikeSourcePoisson of `rate` Hz gives
 * ceil(ppf(0.999, rate h/1000)) + 1, or 1 below 0.01 spikes per tick;
 * other sources max(1, 30 Hz h/1000). */
double ax_spinn_spikes_per_tick(double rate, double h);
/* Longest delay (steps) for a population of n neurons with npc per core:
 * 9 x 2^(13 - n_bits(min(npc, n))) (on-core part D times 1 + 8 extension
 * stages); *on_core gets D. */
int64_t ax_spinn_max_delay(int64_t n, int npc, int64_t *on_core);

#endif
