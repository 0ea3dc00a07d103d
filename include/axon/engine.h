/* axon/engine.h - build a spec on MPI ranks x OpenMP threads and simulate it.
 *
 * DESIGN.md §2: the engine partitions neurons round-robin over the R*T
 * virtual processes, each thread builds the incoming synapses of its own
 * neurons (stored at the target, grouped by source), and the simulation
 * advances in slices of one minimum delay with one directed spike exchange
 * per slice. All functions taking an engine are COLLECTIVE over the
 * communicator it was built on. The results (spike trains, traces) are
 * bitwise identical for every R x T (docs/engine.md explains why).
 */
#ifndef AXON_ENGINE_H
#define AXON_ENGINE_H

#include <stdint.h>
#include <stdio.h>

#include <mpi.h>

#include "axon/error.h"
#include "axon/record.h"
#include "axon/spec.h"

typedef struct ax_engine_s *ax_engine;

/* What a run measured (identical on every rank after ax_engine_simulate). */
typedef struct ax_engine_stats {
    int ranks, threads;
    int64_t n_neurons;
    int64_t n_synapses;          /* all ranks */
    double syn_bytes;            /* bytes of synapse storage, all ranks (rows + synapses) */
    int64_t n_plastic;           /* STDP synapses, all ranks */
    double plastic_bytes;        /* their storage (rows, runs, traces, weights), all ranks */
    double hist_bytes;           /* postsynaptic spike histories, all ranks (after build; see
                                  * hist_bytes_end for the end of the run) */
    double hist_bytes_end;
    double t_build;              /* s, max over ranks */
    double t_simulate;           /* s, max over ranks */
    double t_update, t_deliver, t_communicate, t_record; /* s, max over ranks (thread 0 / master) */
    double t_devices;            /* s, generator input (Poisson draws), thread 0, max over ranks */
    int64_t n_steps;
    int64_t min_delay, max_delay;/* steps */
    int64_t *pop_spikes;         /* per population, all ranks (owned by the engine) */
    int64_t n_spikes;            /* all populations */
    int64_t n_events;            /* synaptic events delivered, all ranks */
    double peak_rss_max;         /* bytes, max over ranks */
    double peak_rss_sum;         /* bytes, sum over ranks */
    /* build phases (s, max over threads and ranks): blocks, count (pass A),
     * place (pass B), sort (rows by delay), buffers, devices, index (exchange
     * setup); draw: pass B's rules alone, measured with AXON_BUILD_PROFILE=1
     * (else -1) */
    double tb_blocks, tb_count, tb_place, tb_sort, tb_buffers, tb_devices, tb_index, tb_draw;
    int threads_deferred;        /* threads (all ranks) delivering deferred (docs/engine.md) */
    double keys_per_slice;       /* spike keys sent per slice per rank (mean over ranks) */
    double dest_per_slice;       /* other ranks a rank sends keys to per slice (mean) */
} ax_engine_stats;

/* Build the network of a validated spec with `threads` OpenMP threads per
 * rank (>= 1). Collective. On error every rank returns the same status. */
ax_status ax_engine_build(const ax_spec *spec, MPI_Comm comm, int threads, ax_engine *out,
                          ax_error *err);

/* Simulate from the current step to spec->sim.t_sim ms (from 0 unless a
 * checkpoint was restored). rec may be NULL (nothing written). progress:
 * rank 0 prints a progress line to `log` (NULL: none). Collective. */
ax_status ax_engine_simulate(ax_engine e, ax_recorder rec, FILE *progress, ax_error *err);

/* ---- driving a simulation call by call (the session API, axon/sim.h) ----
 *
 * Continuation: run_until(a) then run_until(b) gives bitwise what one
 * run_until(b) gives (docs/engine.md, "Continuation"): slices stay inside
 * the cells of the min-delay grid and a run boundary only cuts one short;
 * delivery order does not depend on where slices end. */

/* The next step to simulate (0 after build or reset). */
int64_t ax_engine_step(ax_engine e);

/* Simulate steps ax_engine_step() .. step - 1 (step >= the current one;
 * equal: nothing to do). Recorded spikes and traces reach the sinks (and
 * an attached recorder) by the end of the call. Collective. */
ax_status ax_engine_run_until(ax_engine e, int64_t step, FILE *progress, ax_error *err);

/* Write recorded data to rec from now on (NULL: detach; rec stays the
 * caller's). Declares the datasets: collective. */
ax_status ax_engine_attach_recorder(ax_engine e, ax_recorder rec, ax_error *err);

/* Back to step 0, the network kept: every neuron block re-created from the
 * spec's parameters with the spec's initial values, ring buffers and
 * pending spikes cleared, devices rewound, tsodyks2 state at its initial
 * values. Per-neuron values set since the build must be set again.
 * Refused (AX_EINPUT) while a recorder is attached. Collective. */
ax_status ax_engine_reset(ax_engine e, ax_error *err);

/* The spec's parameters of population pop changed (its params list; the
 * caller owns the spec): re-create its blocks with them, carrying every
 * neuron's dynamic state across, so a run continues exactly. Per-neuron
 * values come back as the spec says; set them again. Not collective. */
ax_status ax_engine_refresh_pop(ax_engine e, int pop, ax_error *err);

/* The spec's devices changed (added, removed, parameters, recorded
 * ranges) between runs: re-create every thread's devices at the current
 * step. Delays must stay inside the built delay range, and no recorder
 * may be attached (AX_EINPUT otherwise). Not collective. */
ax_status ax_engine_refresh_devices(ax_engine e, ax_error *err);

/* State variable `var` of n neurons of population pop, by id within the
 * population; every id must be owned by this rank (AX_EINPUT otherwise).
 * get: out[i] = value; set: the state becomes values[i]. Not collective. */
ax_status ax_engine_state_get(ax_engine e, int pop, const char *var, int64_t n,
                              const int64_t *ids, double *out, ax_error *err);
ax_status ax_engine_state_set(ax_engine e, int pop, const char *var, int64_t n,
                              const int64_t *ids, const double *values, ax_error *err);

/* A per-neuron parameter (param_array) of n neurons this rank owns, by id
 * within the population. Not collective. */
ax_status ax_engine_param_set_local(ax_engine e, int pop, const char *name, int64_t n,
                                    const int64_t *ids, const double *values, ax_error *err);

/* The weights now of this rank's synapses of STDP projection k: w[i] of
 * the i-th synapse in the order ax_connect_projection emits them for this
 * rank's threads 0, 1, ... (the session's order, src/api/sim_net.c); n
 * must be their number. AX_EINPUT if k is not plastic or n differs. Not
 * collective. */
ax_status ax_engine_stdp_weights(ax_engine e, int k, int64_t n, double *w, ax_error *err);

/* Whether this rank owns neuron `id` of population pop. */
int ax_engine_owns(ax_engine e, int pop, int64_t id);

/* Set a per-neuron parameter of population `pop` for the neurons this rank
 * owns: values[i] belongs to the neuron with id i within the population (the
 * array covers the whole population; every rank passes the same). Only for
 * parameters the model keeps per neuron (param_array: E_L, I_e); otherwise
 * AX_EINPUT. Call between build and simulate. Not collective. */
ax_status ax_engine_set_param(ax_engine e, int pop, const char *name, const double *values,
                              ax_error *err);

/* Receives this rank's spikes of recorded populations (those a
 * spike_recorder covers) at every flush: n spikes as gids and step indices
 * (the spike is stamped (step + 1) * h), sorted by (step, gid). Called on the
 * master thread of every rank at the same points of the run, so it may use
 * collectives. */
typedef ax_status (*ax_spike_sink)(void *ctx, int64_t n, const uint64_t *gid,
                                   const int64_t *step, ax_error *err);
void ax_engine_set_spike_sink(ax_engine e, ax_spike_sink fn, void *ctx);

/* Receives a multimeter's rows on this rank at every flush: device dev
 * (spec index), population pop, n_vars variables (the device's record_from
 * order) of n_cols neurons (node_ids, ids within the population), `rows`
 * samples taken at steps first_step, first_step + interval, ... (a sample
 * at step s is the state at time s h); data[(v * rows + r) * n_cols + c].
 * Called on the master thread at the same points on every rank. */
typedef ax_status (*ax_trace_sink)(void *ctx, int dev, int pop, int n_vars, int64_t rows,
                                   int64_t first_step, int64_t interval, int64_t n_cols,
                                   const uint64_t *node_ids, const double *data, ax_error *err);
void ax_engine_set_trace_sink(ax_engine e, ax_trace_sink fn, void *ctx);

/* Checkpoints (docs/reliability.md): every `every_ms` of model time (0:
 * never, rounded up to whole min-delay slices) write DIR/ckpt_<t>ms.h5; and
 * when *stop becomes non-zero on any rank (a SIGTERM/SIGUSR1 handler sets
 * it), every rank finishes the slice, writes a checkpoint and simulate
 * returns AX_ESTOPPED. stop may be NULL. Call before simulate. */
void ax_engine_set_checkpoints(ax_engine e, double every_ms, const char *dir,
                               volatile int *stop);

/* Continue from a checkpoint of the same spec, on any ranks x threads:
 * restores neuron states, ring buffers and generator positions; simulate
 * then runs from the checkpoint's time. On rank 0 *image receives the
 * output recorded before the checkpoint (free() it; pass it to
 * ax_rec_set_prefix). Collective; between build and simulate. */
ax_status ax_engine_restore(ax_engine e, const char *path, void **image, uint64_t *len,
                            ax_error *err);

/* Path of the last checkpoint written ("" if none). */
const char *ax_engine_last_checkpoint(ax_engine e);

/* The per-rank figures of the last run as JSON members (no braces):
 * "delivery", "build_phases", "rss" (after init, after build, peak: max,
 * min, sum over ranks), "tables" (bytes per rank of every per-rank table:
 * max, min, sum), "comm" (per-slice spikes, keys, bytes and messages per
 * rank: mean and max), "system", and "per_rank" arrays when ranks <= 64.
 * Collective; rank 0 gets a malloc'ed string (free() it), the others NULL
 * (also on out of memory). */
char *ax_engine_stats_json(ax_engine e);

/* Statistics of the last build/simulate (valid until destroy). */
const ax_engine_stats *ax_engine_get_stats(ax_engine e);

/* Free everything; NULL-safe; NULLs the handle. Not collective. */
void ax_engine_destroy(ax_engine *e);

/* Peak resident set size of this process in bytes (getrusage). */
double ax_peak_rss_bytes(void);

#endif
