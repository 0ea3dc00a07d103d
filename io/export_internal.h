/* export_internal.h - private to the export module (io/export_*.c,
 * io/nir_read.c, partition/hw_*.c): growable text buffers, the explicit
 * synapse lists of a spec, hardware placement and the spec emitter.
 *
 * Invariant: ax_hw_net holds exactly the synapses axon builds for the spec
 * (ax_connect_projection on the single VP of a 1x1 partition), per
 * projection in sink order; devices are not synapses and stay in the spec.
 */
#ifndef AX_IO_EXPORT_INTERNAL_H
#define AX_IO_EXPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "axon/export.h"
#include "axon/spec.h"

/* ---- text buffer (partition/hw_net.c) -------------------------------- */
typedef struct ax_sbuf { char *s; size_t len, cap; int oom; } ax_sbuf;
void ax_sbuf_printf(ax_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ax_sbuf_free(ax_sbuf *b);
/* Detach the text (never NULL unless oom); the buffer is left empty. */
char *ax_sbuf_take(ax_sbuf *b);

/* ---- synapses --------------------------------------------------------- */
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

/* Population index of a gid. */
int ax_hw_pop_of(const ax_spec *spec, int64_t gid);

/* ---- placement (partition/hw_partition.c) ----------------------------- */
typedef struct ax_hw_core {
    int pop;               /* population (-1 for a device's source core) */
    int dev;               /* device index for source cores, else -1 */
    int64_t first, count;  /* ids within the population / device targets */
    int chip, board;
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

/* ---- SpiNNaker fixed point (partition/hw_quant.c) --------------------- */
/* sPyNNaker's weight scale for a maximum expected summed input max_w (> 0)
 * in PyNN units: p = ceil(log2 max_w), +1 if 2^p <= max_w;
 * scale = 2^(16 - (p+1)) * global (1 current, 1024 conductance). */
double ax_spinn_weight_scale(double max_w, double global);
/* Stored 16-bit word round(|w| * scale), saturated to 65535. */
uint32_t ax_spinn_weight_word(double w, double scale);

/* ---- Dynap-SE2 4-bit masks (partition/hw_quant.c) --------------------- */
/* Base currents of one core: Iw_b = unit * 2^b, unit = max|w| / 15. */
void ax_dynap_base_currents(double max_abs_w, double iw[4]);
/* Mask (0..15) whose sum of set Iw_b is closest to |w|; nonzero w -> >= 1. */
int ax_dynap_mask(double w, const double iw[4]);
/* sum over set bits of Iw_b. */
double ax_dynap_mask_value(int mask, const double iw[4]);

/* ---- spec emitter (partition/hw_net.c) -------------------------------- */
typedef struct ax_spec_override {
    double resolution;          /* 0: keep */
    const double *proj_weight;  /* per projection; NaN: keep the distribution */
    const double *proj_delay;   /* per projection, ms; NaN: keep */
    const double *dev_weight;   /* per device; NaN: keep */
    const double *dev_delay;    /* per device, ms; NaN: keep */
    const char *const *pop_model;   /* per population; NULL entry: keep */
    const char *const *pop_params;  /* flow mapping text replacing params (with pop_model) */
    int drop_init;              /* with pop_model: leave initial values out */
    int drop_multimeters;
    int no_output;              /* leave simulation.output out */
} ax_spec_override;

ax_status ax_spec_emit(const ax_spec *spec, const ax_spec_override *ov, ax_sbuf *out,
                       ax_error *err);

/* ---- per target --------------------------------------------------------- */
ax_status ax_export_spinnaker(const ax_spec *spec, const ax_hw_net *net,
                              const ax_export_opts *o, const char *dir, ax_sbuf *report,
                              ax_sbuf *approx, ax_export_result *res, ax_error *err);
ax_status ax_export_dynapse(const ax_spec *spec, const ax_hw_net *net,
                            const ax_export_opts *o, const char *dir, ax_sbuf *report,
                            ax_sbuf *approx, ax_export_result *res, ax_error *err);
ax_status ax_export_nir(const ax_spec *spec, const ax_hw_net *net, const ax_export_opts *o,
                        const char *dir, ax_sbuf *report, ax_sbuf *approx, ax_error *err);

/* Record a violated limit: with allow it is appended to approx (counted),
 * else to viol. */
void ax_hw_violation(int allow, ax_sbuf *approx, ax_sbuf *viol, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
