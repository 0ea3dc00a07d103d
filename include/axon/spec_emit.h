/* axon/spec_emit.h - write a spec back as YAML (the inverse of ax_spec_parse),
 * optionally with overrides: what the exporters use to describe the network
 * as the hardware runs it (quantised weights, the target's time step, another
 * model) as a spec axon can simulate.
 *
 * Invariant: the emitter writes only flow-style YAML that ax_spec_parse reads
 * back to an equal spec.
 */
#ifndef AXON_SPEC_EMIT_H
#define AXON_SPEC_EMIT_H

#include "axon/error.h"
#include "axon/sbuf.h"
#include "axon/spec.h"

typedef struct ax_spec_override {
    double resolution;          /* 0: keep */
    const double *proj_weight;  /* per projection; NaN: keep the distribution (from_list
                                 * projections with per-connection weights keep them) */
    const double *proj_weight_scale; /* per projection, > 0, where proj_weight is NaN (and the
                                        weights are not a list): the distribution times it; NaN: 1 */
    const double *proj_delay;   /* per projection, ms; NaN: keep (per-connection delays are kept) */
    const double *dev_weight;   /* per device; NaN: keep */
    const double *dev_delay;    /* per device, ms; NaN: keep */
    const char *const *pop_model;   /* per population; NULL entry: keep */
    const char *const *pop_params;  /* flow mapping text replacing params (with pop_model) */
    const double *proj_stdp_wmax; /* per projection: not NaN keeps its stdp_synapse (NEST's rule,
                                 * Kplus 0, no weight_recorder) with this Wmax, stretched to the
                                 * emitted weights, even with static_synapses (the SpiNNaker
                                 * variant: the board's STDPMechanism) */
    int drop_init;              /* with pop_model: leave initial values out */
    int drop_multimeters;
    int no_output;              /* leave simulation.output out */
    int static_synapses;        /* write every projection as static_synapse (a target
                                 * without plasticity: the exporters' simulated variants) */
} ax_spec_override;

/* Append the spec (with ov applied; ov may be NULL) to out. */
ax_status ax_spec_emit(const ax_spec *spec, const ax_spec_override *ov, ax_sbuf *out,
                       ax_error *err);

/* Write `spec` as YAML text that ax_spec_parse reads back into the same
 * network (malloc'd into *text). */
ax_status ax_spec_to_yaml(const ax_spec *spec, char **text, ax_error *err);

#endif
