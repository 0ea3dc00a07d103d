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

/* How a top-level NIR Input node is driven (`axon run --nir-input`). */
typedef enum ax_nir_drive { AX_NIR_SPIKES = 1, AX_NIR_POISSON, AX_NIR_CONST } ax_nir_drive;

typedef struct ax_nir_input {
    char name[256];        /* the Input node */
    ax_nir_drive kind;
    char file[4096];       /* AX_NIR_SPIKES: text file, lines "channel time_ms" */
    int n_values;          /* AX_NIR_POISSON: rates (Hz), AX_NIR_CONST: values; 1 = all channels */
    double *values;
} ax_nir_input;

/* Import options (docs/export.md "NIR"); zero = default. */
typedef struct ax_nir_opts {
    double t_sim;          /* ms (default: axon_spec's, else 1000) */
    double dt;             /* ms (default: axon_spec's, else 0.1) */
    double time_unit;      /* ms per graph time unit (default: metadata time_unit, else s = 1000) */
    double spike_area;     /* integral of one spike, graph time units (default 1: NIR's Dirac) */
    int reset_subtract;    /* 1: reset by subtraction (the graph cannot say) */
    int from_graph;        /* 1: ignore an axon_spec in the metadata */
    int record_all;        /* 1: record every neuron node and spike input, not only those feeding Outputs */
    int have_seed;
    uint64_t seed;         /* Poisson inputs and the run (default 12345) */
    int n_inputs;
    ax_nir_input *inputs;
} ax_nir_opts;

/* Parse one `--nir-input NAME=spikes:FILE|poisson:HZ[,HZ..]|const:V[,V..]`
 * into o (appended). AX_EINPUT with the reason on a malformed argument. */
ax_status ax_nir_opts_add_input(ax_nir_opts *o, const char *arg, ax_error *err);
void ax_nir_opts_free(ax_nir_opts *o);

/* Read a NIR graph (HDF5, written by nir.write, snnTorch, Norse, axon, ...
 * within the primitives docs/export.md lists) into a validated spec. A
 * graph axon wrote (metadata axon_spec) whose nodes are still what that
 * spec exports to is the spec itself (exact round trip); any other graph
 * is read from its nodes and edges. *notes (may be NULL) receives what the
 * caller should tell the user (undriven inputs, which path was taken);
 * free it. Serial HDF5; call on every rank (same result). */
ax_status ax_nir_load_opts(const char *path, const ax_nir_opts *o, ax_spec **out, char **notes,
                           ax_error *err);
/* The same with default options and no notes. */
ax_status ax_nir_load(const char *path, ax_spec **out, ax_error *err);

#endif
