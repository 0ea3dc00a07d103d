/* axon/hw_place.h - a network placed on neuromorphic hardware
 * (partition/hw_*.c): the explicit synapse lists of a spec, the split of
 * populations into cores and chips, the fixed-point and 4-bit weight
 * quantisation, and the Dynap-SE2 layout with its limit checker. What the
 * exporters (io/export) write into files is computed here; nothing here
 * writes a file.
 *
 * Invariant: ax_hw_net holds exactly the synapses axon builds for the spec
 * (ax_connect_projection on the single VP of a 1x1 partition), per
 * projection in sink order; devices are not synapses and stay in the spec.
 */
#ifndef AXON_HW_PLACE_H
#define AXON_HW_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include "axon/error.h"
#include "axon/sbuf.h"
#include "axon/spec.h"

/* ---- synapses (hw_net.c) ------------------------------------------- */
typedef struct ax_hw_edges {
    int64_t n, cap;
    int64_t *src, *tgt;   /* gids */
    double *w;            /* model unit */
    int32_t *d;           /* steps */
    uint8_t *r;           /* receptor port */
} ax_hw_edges;

typedef struct ax_hw_net {
    const ax_spec *spec;
    ax_hw_edges *proj;    /* spec->n_proj */
} ax_hw_net;

ax_status ax_hw_net_build(const ax_spec *spec, ax_hw_net **out, ax_error *err);
void ax_hw_net_free(ax_hw_net **net);

/* ---- placement (hw_partition.c) ----------------------------- */
typedef struct ax_hw_core {
    int pop;               /* population (-1 for a device's source core) */
    int dev;               /* device index for source cores, else -1 */
    int64_t first, count;  /* ids within the population / device targets */
    int chip, board;
    int slot;              /* placement order: chip = slot / cores_per_chip */
    int64_t syn_in;        /* synapses that end on this core */
} ax_hw_core;

typedef struct ax_hw_limits {
    int neurons_per_core;
    int cores_per_chip;
    int chips_per_board;
    int max_boards;        /* 0 = unlimited */
    int count_sources;     /* device sources occupy cores (SpiNNaker) */
} ax_hw_limits;

typedef struct ax_hw_place {
    int n_cores, n_chips, n_boards;
    ax_hw_core *cores;
    int *core_of_pop0;     /* first core index of each population */
    int64_t cross_chip;    /* synapses whose ends sit on different chips */
    int64_t cross_core;    /* ... on different cores */
} ax_hw_place;

/* Split populations into cores of <= neurons_per_core neurons (one
 * population per core: a core shares one parameter set) and place cores on
 * chips so that heavily connected populations share chips (greedy order by
 * synapse count). Fails (AX_EINPUT) only when max_boards is exceeded and
 * !allow; the violation text is appended to `viol` either way. */
ax_status ax_hw_place_build(const ax_hw_net *net, const ax_hw_limits *lim, ax_hw_place *pl,
                            ax_error *err);
void ax_hw_place_free(ax_hw_place *pl);
/* Core index of a gid. */
int ax_hw_core_of(const ax_spec *spec, const ax_hw_place *pl, int64_t gid);
/* Append "cores/chips/boards, load per core" lines. */
void ax_hw_place_report(const ax_spec *spec, const ax_hw_place *pl, const ax_hw_limits *lim,
                        ax_sbuf *out);

/* ---- SpiNNaker fixed point (hw_quant.c) --------------------- */
/* sPyNNaker's weight scale for a maximum expected summed input max_w
 * (sPyNNaker's M, see export_spinnaker.c): p = ceil(max(0, log2 max_w)),
 * +1 if 2^p <= max_w, 0 for max_w <= 0; scale = 2^(16 - (p+1)) * global
 * (1 current, 1024 conductance). */
double ax_spinn_weight_scale(double max_w, double global);
/* Stored 16-bit word round(|w| * scale), saturated to 65535. */
uint32_t ax_spinn_weight_word(double w, double scale);

/* ---- Dynap-SE2 4-bit masks (hw_quant.c) --------------------- */
/* Base currents of one core: Iw_b = unit * 2^b, unit = max|w| / 15. */
void ax_dynap_base_currents(double max_abs_w, double iw[4]);
/* Mask (0..15) whose sum of set Iw_b is closest to |w|; nonzero w -> >= 1. */
int ax_dynap_mask(double w, const double iw[4]);
/* sum over set bits of Iw_b. */
double ax_dynap_mask_value(int mask, const double iw[4]);

/* ---- Dynap-SE2 (hw_dynapse.c) -------------------------------- */
/* Hardware numbers (reference §3.1, Rockpool lookup/defaults.py). Of the 4
 * SRAM destination entries per neuron one is reserved for monitoring
 * (Rockpool's allocator), so 3 are usable. */
#define AX_DYNAP_NEURONS_PER_CORE 256
#define AX_DYNAP_CORES_PER_CHIP 4
#define AX_DYNAP_CHIPS_PER_BOARD 4
#define AX_DYNAP_CAM 64
#define AX_DYNAP_SRAM 4
#define AX_DYNAP_DEST 3
#define AX_DYNAP_TAGS 2048

/* DynapSim layout constants (SI: A, F, V). */
typedef struct ax_dynap_consts {
    double Io, kappa_n, kappa_p, Ut, Vth, C_mem, C_syn, C_ref, C_pulse, Iscale, t_pulse;
} ax_dynap_consts;
/* Rockpool's defaults (Io 0.5 pA, kappa 0.75/0.66, U_T 25 mV, Vth 0.7 V,
 * C_mem 3 pF, C_syn 25 pF, C_ref 1.5 pF, C_pulse 0.5 pF, Iscale 10 nA,
 * t_pulse 10 us). Can't fail. */
void ax_dynap_consts_default(ax_dynap_consts *c);
/* kappa = (kappa_n + kappa_p)/2. */
double ax_dynap_kappa(const ax_dynap_consts *c);
/* tau = C U_T / (kappa I_tau), symmetric: also I_tau from tau (s, F, A). */
double ax_dynap_tau_to_itau(const ax_dynap_consts *c, double cap, double tau);
double ax_dynap_itau_to_tau(const ax_dynap_consts *c, double cap, double itau);
/* Pulse width t = Vth C / I, symmetric. */
double ax_dynap_pw_to_i(const ax_dynap_consts *c, double cap, double t);

/* Per-core DynapSim currents (A) and weight base currents. */
typedef struct ax_dynap_core {
    int pop, chip, board;
    int64_t first, count;        /* population-local ids */
    double Itau_mem, Igain_mem, Itau_syn, Igain_syn, Ispkthr, Iref, Ipulse, Idc;
    double iw[4];                /* Iw_b in units of Iscale (unit * 2^b) */
} ax_dynap_core;

/* An input channel (a source of w_in rows): a Poisson generator's train to
 * one target neuron, or a spike generator's one train. */
typedef struct ax_dynap_input { int dev; int64_t target_gid; /* -1: all targets */ } ax_dynap_input;

/* The exported specification in memory: (pre, post) matrices of
 * dimensionless weights (multiples of Iscale, signed), their 4-bit masks
 * and signs as the hardware stores them, the core map and per-core currents. */
typedef struct ax_dynap_spec {
    int64_t n_in, n_neuron;
    int n_cores, n_chips, n_boards;
    int *core_of;                /* per neuron (gid) */
    ax_dynap_core *cores;
    ax_dynap_input *inputs;
    double *w_in, *w_rec;        /* n_in x n_neuron, n_neuron x n_neuron, row = pre */
    uint8_t *m_in, *m_rec;       /* masks 0..15 */
    int8_t *s_in, *s_rec;        /* -1, 0, +1 */
    double Iscale, dt;           /* A, s */
    int neurons_per_core;
} ax_dynap_spec;

void ax_dynap_spec_free(ax_dynap_spec *d);
/* Quantised weight of entry k of a matrix: sign * sum of set Iw_b of the
 * post neuron's core (multiples of Iscale). */
double ax_dynap_wq(const ax_dynap_spec *d, int rec, int64_t pre, int64_t post);
/* The limit checker: re-reads a spec and appends one line per violated
 * limit to viol (neurons per core, cores per chip, chips per board, CAM
 * fan-in <= 64 with the neuron ids, SRAM fan-out <= 3 chips, tags
 * n_in + 2 n_neuron <= 2048, masks 0..15 with mask 0 iff weight 0, signs
 * matching weights, Iw_b = unit * 2^b > 0, shared parameters per core).
 * Returns the number of violations (0: the spec is loadable). */
int ax_dynap_spec_check(const ax_dynap_spec *d, ax_sbuf *viol);
/* Place neurons (one population per core, <= npc per core, 4 cores/chip,
 * 4 chips/board, strongly connected populations on shared chips) and fill
 * core_of/cores of d (pop, chip, board, first, count). Cores are numbered
 * by placement slot, so core c sits on chip c / 4 as local core c % 4:
 * Rockpool's numbering of clusters (config_from_specification). */
ax_status ax_dynap_place(const ax_hw_net *net, int npc, ax_dynap_spec *d, ax_error *err);
/* Synaptic input current (A) at which a DPI neuron with these membrane
 * currents starts to fire (saddle-node of dImem/dt = 0, Idc = Io, no AHP). */
double ax_dynap_rheobase(const ax_dynap_consts *c, double itau_mem, double igain_mem, double ispkthr);
/* Steady inter-spike interval (ms; inf if < 2 spikes in 4 s) of one
 * dpi_neuron with parameter vector p (its units: pA, pF, mV) under a
 * constant extra input current isyn (pA) at resolution h (ms). */
double ax_dynap_isi(const double *p, double h, double isyn);
/* Bisection (geometric, in [lo, hi] pA) for the input current whose ISI
 * is isi (ms); the ISI falls monotonically with the current. */
double ax_dynap_current_for_isi(const double *p, double h, double isi, double lo, double hi);

/* Record a violated limit: with allow it is appended to approx (counted),
 * else to viol. */
void ax_hw_violation(int allow, ax_sbuf *approx, ax_sbuf *viol, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
