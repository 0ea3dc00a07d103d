/* axon/export.h - export of a network spec to neuromorphic targets
 * (SpiNNaker via sPyNNaker, Dynap-SE2 via Rockpool, NIR) and NIR import.
 *
 * The exported connectivity is exactly the network axon simulates: every
 * synapse is generated with ax_connect_projection for the one VP of a 1x1
 * partition (seed-keyed, deterministic). Hardware limits are checked after
 * placement (partition/hw_*.c); a violated limit is AX_EINPUT naming the
 * limit, what breaks it and the fix, unless allow_approx, in which case it
 * is listed as an approximation in the report. Library code: nothing is
 * printed; the report text is returned to the caller. Units: docs/export.md.
 */
#ifndef AXON_EXPORT_H
#define AXON_EXPORT_H

#include <stdint.h>

#include "axon/error.h"
#include "axon/spec.h"

typedef enum ax_hw_target {
    AX_HW_SPINNAKER = 0,
    AX_HW_DYNAPSE,
    AX_HW_NIR,
} ax_hw_target;

typedef struct ax_export_opts {
    ax_hw_target target;
    int allow_approx;      /* violated limits become listed approximations */
    int neurons_per_core;  /* 0 = target default (256 for both) */
    int spinn_version;     /* 3 (SpiNN-3, 4 chips) or 5 (SpiNN-5, 48 chips per board; default) */
    double max_rel_error;  /* SpiNNaker weight quantisation limit (default 0.01 = 1 %) */
} ax_export_opts;

/* What an export produced, for the CLI and for --simulate. */
typedef struct ax_export_result {
    char *report;          /* the report text (also written to DIR/report.txt) */
    int n_approx;          /* approximations taken (only with allow_approx) */
    /* The network as the hardware runs it, as a spec (YAML text) that axon can
     * simulate: quantised weights (per projection, see docs/export.md),
     * the target's time step and, for Dynap-SE2, the dpi_neuron model.
     * NULL where the target changes nothing (NIR stores float64 exactly). */
    char *sim_spec_yaml;
    char *sim_notes;       /* what the simulated variant models and what not */
} ax_export_result;

/* Fill opts with the defaults for `target`. Can't fail. */
void ax_export_defaults(ax_export_opts *o, ax_hw_target target);

/* Export `spec` into the existing, empty directory `dir` (the CLI creates
 * DIR.partial and renames it). res is filled on success and must be freed
 * with ax_export_result_free. Not collective; call on one rank. */
ax_status ax_export(const ax_spec *spec, const ax_export_opts *o, const char *dir,
                    ax_export_result *res, ax_error *err);

void ax_export_result_free(ax_export_result *res);

/* Read a NIR graph (HDF5, written by axon or by another tool within the
 * subset docs/export.md lists) into a validated spec. Serial HDF5. */
ax_status ax_nir_load(const char *path, ax_spec **out, ax_error *err);

#endif
