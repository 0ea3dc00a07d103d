/* hw_spinn.c - sPyNNaker's neuron arithmetic (axon/hw_spinn.h): NEST
 * parameters and weights -> the PyNN numbers of a sPyNNaker cell, and what
 * the board does with written numbers as a NEST neuron and NEST weights.
 *
 * Sources (read, not copied; docs/export.md cites them): sPyNNaker
 * neural_modelling/src/neuron/ models/neuron_model_lif_impl.h (the LIF step,
 * R = tau_m/cm, exp_TC, T_refract = ceil), models/neuron_model_if_trunc.h
 * (IFTruncDelta: V += I R, floor at V_reset), input_types/input_type_delta.h
 * (x 1/h), input_types/input_type_conductance.h (driving force with V at the
 * start of the step), synapse_types/exp_synapse_utils.h (decay, init =
 * (tau/h)(1 - decay)), synapse_types/synapse_types_alpha_impl.h;
 * spynnaker/pyNN/models/neuron/abstract_population_vertex.py (ring-buffer
 * shifts), spike_source/spike_source_poisson_vertex.py (max_spikes_per_ts),
 * spynnaker.cfg (spikes_per_second = 30); PACMAN utility_calls.get_n_bits;
 * the derivations in /work/notes/spinnaker.md section 2.7.
 *
 * Invariant: for IF_curr_delta, IFTruncDelta and IF_curr_exp,
 * ax_spinn_board_weight(c, r, ax_spinn_weight(c, r, J, h), h) == J up to
 * the s16.15 rounding of the cell's parameters (float arithmetic otherwise).
 */
#include <math.h>
#include <string.h>

#include "axon/hw_spinn.h"

static const char *const kType[AX_SPINN_N_KINDS] = {
    "IF_curr_delta", "IF_curr_exp", "IF_curr_alpha", "IF_cond_exp", "extra_models.IFTruncDelta"};

ax_spinn_kind ax_spinn_kind_of(const char *model, double tau_m)
{
    if (!strcmp(model, "iaf_psc_delta")) return isinf(tau_m) ? AX_SPINN_TRUNC_DELTA : AX_SPINN_CURR_DELTA;
    if (isinf(tau_m)) return AX_SPINN_NONE; /* no non-leaky exp/alpha/cond cell */
    if (!strcmp(model, "iaf_psc_exp")) return AX_SPINN_CURR_EXP;
    if (!strcmp(model, "iaf_psc_alpha")) return AX_SPINN_CURR_ALPHA;
    if (!strcmp(model, "iaf_cond_exp")) return AX_SPINN_COND_EXP;
    return AX_SPINN_NONE;
}

const char *ax_spinn_cell_type(ax_spinn_kind kind)
{
    return kind >= 0 && kind < AX_SPINN_N_KINDS ? kType[kind] : "?";
}

double ax_spinn_s1615(double x) { return nearbyint(x * 32768.0) / 32768.0; }

/* (1 - e^-x)/x, accurate through 0 (expm1 keeps it so). */
static double phi1(double x) { return x == 0 ? 1.0 : -expm1(-x) / x; }

/* NEST's exponential-current propagator: V change over one step from a
 * current J e^{-s/tau_s} (s from the step's start), per pA, C in pF. */
static double p21(double h, double tau_m, double tau_s, double C)
{
    double diff = isinf(tau_m) ? 1.0 / tau_s : (tau_m - tau_s) / (tau_s * tau_m);
    return exp(-h / tau_m) * h * phi1(diff * h) / C;
}

static double syn_decay(double h, double tau_s) { return exp(-h / tau_s); }
static double syn_init(double h, double tau_s) { return tau_s / h * -expm1(-h / tau_s); }

/* Charge (nA ms) of one alpha input x on the board: sum_j x j (h/tau^2) d^j h. */
static double alpha_charge(double h, double tau_s)
{
    double d = syn_decay(h, tau_s), r = h / tau_s;
    return r * r * d / ((1 - d) * (1 - d));
}

void ax_spinn_cell_from_nest(ax_spinn_kind kind, const ax_spinn_nest *n, double h, ax_spinn_cell *c)
{
    *c = (ax_spinn_cell){.kind = kind, .cm = n->C_m * 1e-3, .tau_m = n->tau_m, .v_rest = n->E_L,
                         .v_reset = n->V_reset, .v_thresh = n->V_th, .tau_refrac = n->t_ref, .k = 1e-3};
    for (int r = 0; r < 2; r++) {
        c->tau_syn[r] = n->tau_syn[r];
        c->e_rev[r] = n->E_rev[r];
    }
    if (kind == AX_SPINN_CURR_DELTA || kind == AX_SPINN_TRUNC_DELTA) {
        /* cm = 1 nF keeps w and R representable in s16.15 (C_m/1000 can be
         * 0.001 nF, a weight of 3 LSB); currents scale with it */
        c->cm = 1.0;
        c->k = 1.0 / n->C_m;
    }
    if (kind == AX_SPINN_TRUNC_DELTA) c->tau_m = h; /* R = h: a weight w moves V by w mV */
    if (kind == AX_SPINN_COND_EXP) c->tau_m = n->C_m / n->g_L;
    c->i_offset = n->I_e * c->k;
}

double ax_spinn_weight(const ax_spinn_cell *c, int receptor, double J, double h)
{
    double R = c->tau_m / c->cm, e = exp(-h / c->tau_m), ts = c->tau_syn[receptor];
    switch (c->kind) {
    case AX_SPINN_CURR_DELTA: return J * h / (R * -expm1(-h / c->tau_m));
    case AX_SPINN_TRUNC_DELTA: return J * h / R;
    case AX_SPINN_CURR_EXP:
        /* the board's V step R (1-e) w init d^j equals NEST's P21 J d^j */
        return J * p21(h, c->tau_m, ts, c->cm / c->k) / (R * (1 - e) * syn_init(h, ts));
    case AX_SPINN_CURR_ALPHA: return J * c->k * exp(1.0) * ts / alpha_charge(h, ts);
    case AX_SPINN_COND_EXP: return fabs(J) * c->k;
    default: return NAN;
    }
}

/* The chip's constants from the s16.15 parameters. */
typedef struct board { double R, e, sf; int64_t t_ref; } board;

static board board_of(const ax_spinn_cell *c, double h)
{
    double hq = ax_spinn_s1615(h), tq = ax_spinn_s1615(c->tau_m);
    board b = {.R = ax_spinn_s1615(tq / ax_spinn_s1615(c->cm)), .sf = ax_spinn_s1615(1.0 / hq)};
    /* expk(-h/tau_m): modelled as the nearest s16.15 value of the exact
     * exponential (the rounding of expk's argument is not modelled) */
    b.e = ax_spinn_s1615(exp(-hq / tq));
    double r = ax_spinn_s1615(ax_spinn_s1615(c->tau_refrac) / hq);
    b.t_ref = (int64_t)ceil(r); /* lif_ceil_accum: any fraction rounds up */
    return b;
}

void ax_spinn_board_neuron(const ax_spinn_cell *c, double h, ax_spinn_nest *n)
{
    board b = board_of(c, h);
    double tau = c->kind == AX_SPINN_TRUNC_DELTA ? INFINITY : -h / log(b.e);
    /* NEST's input gain per pA: (tau/C)(1 - e^{-h/tau}), or h/C without leak;
     * the board's per nA: R (1 - e), or R; 1 pA stands for k nA */
    double C = c->kind == AX_SPINN_TRUNC_DELTA ? h / (b.R * c->k) : tau / (b.R * c->k);
    *n = (ax_spinn_nest){.C_m = C, .tau_m = tau, .E_L = ax_spinn_s1615(c->v_rest),
                         .V_reset = ax_spinn_s1615(c->v_reset), .V_th = ax_spinn_s1615(c->v_thresh),
                         .t_ref = (double)b.t_ref * h, .I_e = ax_spinn_s1615(c->i_offset) / c->k,
                         .V_min = c->kind == AX_SPINN_TRUNC_DELTA ? ax_spinn_s1615(c->v_reset) : NAN,
                         .g_L = C / tau};
    for (int r = 0; r < 2; r++) {
        n->tau_syn[r] = c->tau_syn[r];
        n->E_rev[r] = ax_spinn_s1615(c->e_rev[r]);
    }
}

double ax_spinn_board_weight(const ax_spinn_cell *c, int receptor, double w, double h)
{
    board b = board_of(c, h);
    double ts = c->tau_syn[receptor];
    ax_spinn_nest n;
    switch (c->kind) {
    case AX_SPINN_CURR_DELTA: return w * b.sf * b.R * (1 - b.e);
    case AX_SPINN_TRUNC_DELTA: return w * b.sf * b.R;
    case AX_SPINN_CURR_EXP:
        ax_spinn_board_neuron(c, h, &n);
        return w * syn_init(h, ts) * b.R * (1 - b.e) / p21(h, n.tau_m, ts, n.C_m);
    case AX_SPINN_CURR_ALPHA: return w * alpha_charge(h, ts) / (c->k * exp(1.0) * ts);
    case AX_SPINN_COND_EXP: return (receptor ? -1.0 : 1.0) * fabs(w) / c->k;
    default: return NAN;
    }
}

double ax_spinn_gain_error(const ax_spinn_cell *c, double h)
{
    board b = board_of(c, h);
    double exact = c->tau_m / c->cm * -expm1(-h / c->tau_m);
    double chip = c->kind == AX_SPINN_TRUNC_DELTA ? b.R : b.R * (1 - b.e);
    if (c->kind == AX_SPINN_TRUNC_DELTA) exact = c->tau_m / c->cm;
    return chip > 0 ? chip / exact - 1.0 : -1.0;
}

/* ---- single-PSP error of the approximate kinds ------------------------ */

/* NEST's continuous neuron after one input at t = 0 (alpha current peak J,
 * or conductance J nS decaying), from V0; RK4 with h/64 sub-steps; returns
 * the extreme of V - V0. */
static double nest_peak(const ax_spinn_nest *n, ax_spinn_kind kind, int r, double J, double V0, double h)
{
    double dt = h / 64, ts = n->tau_syn[r], T = 12.0 * (ts + n->tau_m), V = V0, best = 0;
    for (double t = 0; t < T; t += dt) {
        double k[4], v = V;
        for (int s = 0; s < 4; s++) {
            double tt = t + (s == 0 ? 0 : s == 3 ? dt : dt / 2);
            double I = kind == AX_SPINN_CURR_ALPHA ? J * tt / ts * exp(1.0 - tt / ts)
                                                   : fabs(J) * exp(-tt / ts) * (n->E_rev[r] - v);
            k[s] = -(v - n->E_L) / n->tau_m + (I + n->I_e) / n->C_m;
            v = V + (s == 2 ? dt : dt / 2) * k[s];
        }
        V += dt / 6 * (k[0] + 2 * k[1] + 2 * k[2] + k[3]);
        if (fabs(V - V0) > fabs(best)) best = V - V0;
    }
    return best;
}

/* The board's float arithmetic for the same input (weight w as written). */
static double board_peak(const ax_spinn_cell *c, int r, double w, double V0, double h)
{
    double ts = c->tau_syn[r], d = syn_decay(h, ts), e = exp(-h / c->tau_m), R = c->tau_m / c->cm;
    double T = 12.0 * (ts + c->tau_m), V = V0, best = 0, g = fabs(w) * syn_init(h, ts);
    for (int64_t j = 0; (double)j * h < T; j++) {
        double I;
        if (c->kind == AX_SPINN_CURR_ALPHA) I = w * (double)j * (h / (ts * ts)) * pow(d, (double)j);
        else {
            I = g * (c->e_rev[r] - V); /* V frozen at the start of the step */
            g *= d;
        }
        double a = c->v_rest + R * (I + c->i_offset);
        V = a - e * (a - V);
        if (fabs(V - V0) > fabs(best)) best = V - V0;
    }
    return best;
}

double ax_spinn_psp_error(const ax_spinn_nest *n, ax_spinn_kind kind, int receptor, double J, double h)
{
    if (kind != AX_SPINN_CURR_ALPHA && kind != AX_SPINN_COND_EXP) return 0.0;
    if (J == 0) return 0.0;
    ax_spinn_cell c;
    ax_spinn_cell_from_nest(kind, n, h, &c);
    double tau = kind == AX_SPINN_COND_EXP ? n->C_m / n->g_L : n->tau_m;
    ax_spinn_nest m = *n;
    m.tau_m = tau;
    double V0 = n->E_L + n->I_e * tau / n->C_m; /* resting potential with I_e */
    if (V0 >= n->V_th) V0 = n->E_L;
    double ref = nest_peak(&m, kind, receptor, J, V0, h);
    double got = board_peak(&c, receptor, ax_spinn_weight(&c, receptor, J, h), V0, h);
    return ref != 0 ? fabs(got - ref) / fabs(ref) : 0.0;
}

/* ---- ring buffer and delays ---------------------------------------------- */

double ax_spinn_spikes_per_tick(double rate, double h)
{
    double lam = rate * h * 1e-3;
    if (rate <= 0) return fmax(1.0, 30.0 * h * 1e-3);
    if (lam < 0.01) return 1.0;
    /* scipy's poisson.ppf(0.999, lam): the smallest k with CDF(k) >= 0.999 */
    double cdf = 0;
    int64_t k = 0;
    for (;; k++) {
        cdf += exp(-lam + (double)k * log(lam) - lgamma((double)k + 1.0));
        if (cdf >= 0.999 || (double)k > lam + 40.0 * sqrt(lam) + 100.0) break;
    }
    return (double)k + 1.0;
}

/* PACMAN's get_n_bits: bits to hold n distinct values. */
static int n_bits(int64_t n)
{
    if (n <= 0) return 0;
    if (n == 1) return 1;
    int b = 0;
    while ((1LL << b) < n) b++;
    return b;
}

int64_t ax_spinn_max_delay(int64_t n, int npc, int64_t *on_core)
{
    int bits = 13 - n_bits(n < npc ? n : npc); /* 14 ring-buffer bits - atoms - 1 synapse-type bit */
    int64_t D = 1LL << (bits > 0 ? bits : 0);
    if (on_core) *on_core = D;
    return 9 * D;
}
