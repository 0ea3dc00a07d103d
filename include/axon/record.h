/* axon/record.h - collective parallel HDF5 output in a SONATA-compatible layout.
 *
 * Layout (DESIGN.md §5, docs/output.md):
 *   /spikes/<pop>/node_ids   uint64, id within the population
 *   /spikes/<pop>/timestamps float64, ms      (attrs: units, sorting)
 *   /report/<pop>/<var>/data [n_times, n_recorded] float32 (float64 on request)
 *   /report/<pop>/mapping/node_ids, /report/<pop>/mapping/time = [t0, t1, dt]
 *   /report/<pop>/data       hard link to the first variable's data (SONATA)
 *   /weights/<device>/...    weight_recorder rows (senders, targets, times, weights, projections)
 *   /axon/populations        compound (name, model, n); /axon attrs: metadata
 * The file is created under a temporary name unique to the run
 * ("<path>.partial.<pid>.<random>") and published as <path> by rank 0 after
 * every rank closed it (axon/outfile.h), so a killed run leaves no file under
 * the final name and two runs with one path never share a file. Every
 * function below is COLLECTIVE over the communicator given to ax_rec_create
 * (except those marked rank 0): all ranks call it, in the same order, with
 * their own local data (possibly none). An error on any rank is returned on every rank (the
 * status is reduced), so no rank is left waiting.
 */
#ifndef AXON_RECORD_H
#define AXON_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mpi.h>

#include "axon/error.h"

typedef struct ax_recorder_s *ax_recorder;

/* Create the file under its temporary name. Refuses (AX_EIO) a <path> that
 * exists and is not a regular file (even with force), one that exists when
 * !force ("use --force to overwrite"), and an unwritable directory. */
ax_status ax_rec_create(const char *path, int force, MPI_Comm comm, ax_recorder *out,
                        ax_error *err);

/* Declare a population whose spikes are recorded; returns its handle id. */
ax_status ax_rec_spikes_declare(ax_recorder r, const char *pop, int *id, ax_error *err);

/* Append this rank's spikes (any order) to the population's datasets. */
ax_status ax_rec_spikes_append(ax_recorder r, int id, size_t n, const uint64_t *node_ids,
                               const double *times_ms, ax_error *err);

/* Declare a trace report: n_vars variables of the n_local neurons this rank
 * records (node ids within the population), sampled at t_start + k*dt.
 * Columns are laid out rank after rank; mapping/node_ids says which is which. */
ax_status ax_rec_report_declare(ax_recorder r, const char *pop, int n_vars,
                                const char *const *vars, size_t n_local,
                                const uint64_t *node_ids, double t_start, double dt,
                                int precision_double, int *id, ax_error *err);

/* Append n_times rows: data[(v * n_times + k) * n_local + j] = variable v at
 * time row k of local neuron j. */
ax_status ax_rec_report_append(ax_recorder r, int id, size_t n_times, const double *data,
                               ax_error *err);

/* Weights of plastic synapses (NEST's weight_recorder; docs/output.md):
 * /weights/<name>/{senders, targets, times, weights, projections}, one row
 * per presynaptic spike a recorded synapse transmitted: source and target
 * gid (axon's global ids), the spike's stamp (ms), the weight it carried
 * (after its STDP update), the projection's index in the spec. Declare,
 * then append this rank's rows (any order) at every flush. */
ax_status ax_rec_weights_declare(ax_recorder r, const char *name, int *id, ax_error *err);
ax_status ax_rec_weights_append(ax_recorder r, int id, size_t n, const uint64_t *senders,
                                const uint64_t *targets, const double *times_ms,
                                const double *weights, const int32_t *proj, ax_error *err);
/* /weights/<name>/final/{senders, targets, weights, projections}: every
 * recorded synapse's weight at the end of the run; this rank's n rows.
 * Once per name, after or without ax_rec_weights_declare. */
ax_status ax_rec_weights_final(ax_recorder r, const char *name, size_t n, const uint64_t *senders,
                               const uint64_t *targets, const double *weights,
                               const int32_t *proj, ax_error *err);

/* Run metadata written under /axon. */
typedef struct ax_run_meta {
    const char *version;
    const char *spec_path;
    const char *spec_text;
    uint64_t seed;
    int ranks, threads;
    double resolution, t_sim;               /* ms */
    double t_build, t_simulate;             /* s */
    double t_update, t_deliver, t_communicate; /* s, max over ranks */
    int n_pops;
    const char *const *pop_names;
    const char *const *pop_models;
    const int64_t *pop_sizes;
    const int64_t *pop_spikes;              /* total spikes per population (all ranks) */
    int64_t n_synapses;
} ax_run_meta;

ax_status ax_rec_write_meta(ax_recorder r, const ax_run_meta *meta, ax_error *err);

/* Flush everything written so far to disk, so the partial file is a
 * consistent HDF5 file (checkpoints copy it). Collective. */
ax_status ax_rec_flush(ax_recorder r, ax_error *err);

/* The name the file is written under until close: "<path>.partial.<pid>.<random>",
 * unique to this run (axon/outfile.h). */
const char *ax_rec_partial_path(ax_recorder r);

/* Rank 0, after ax_rec_flush: the bytes of the whole run's output so far
 * (malloc'd *image, *len bytes), as a checkpoint stores it. In a restarted
 * run that is the earlier part (ax_rec_set_prefix) merged in front of this
 * file, on a temporary copy, so a checkpoint of a restarted run -- and any
 * chain of restarts -- still carries everything from t = 0. */
ax_status ax_rec_image(ax_recorder r, void **image, uint64_t *len, ax_error *err);

/* Put the recorded data of an earlier part of the run (an output file
 * image taken at a checkpoint, `image` bytes on rank 0, kept by the caller
 * until close) in front of what this file holds: spikes are concatenated,
 * trace rows prepended (columns matched by node id), mapping/time spans
 * both. Done by ax_rec_close (serially on rank 0, after every rank closed
 * the file, before it is published) and by ax_rec_image. Collective: rank 0
 * checks now that the image is an axon output file, so a damaged one fails
 * before the simulation, not at its end. If the merge at close fails, the
 * partial file is deleted (it holds only part of the run). */
ax_status ax_rec_set_prefix(ax_recorder r, const void *image, uint64_t len, ax_error *err);

/* Close and rename to the final path. NULLs the handle. */
ax_status ax_rec_close(ax_recorder *r, ax_error *err);

/* Close on error and delete the partial file; NULL-safe; never fails.
 * Collective like the rest. */
void ax_rec_abort(ax_recorder *r);

/* 1 if a file could not be closed (e.g. on a full disk): HDF5 1.10 would
 * then crash inside MPI_Finalize, so the caller must end the job with
 * MPI_Abort (after reporting the error) instead of finalizing. */
int ax_rec_needs_abort(void);

/* `axon info FILE`: print populations, neurons, spikes, rate and ISI CV per
 * population, traces and run metadata as a table. Not collective (serial HDF5
 * access from one process). */
ax_status ax_rec_info(const char *path, FILE *out, ax_error *err);

#endif
