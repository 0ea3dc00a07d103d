/* axon/sweep.h - mass sweeps (docs/sweeps.md): a base sampler (task:
 * calibrate) or a base Boltzmann machine (task: sample) plus axes (lists,
 * linspace, logspace) and/or a table of parameter sets, run as an MPI task
 * farm, resumable, results in one HDF5 file.
 *
 * Tasks: id = row * n_grid + grid index (table rows outer, the last axis
 * fastest). Each task calibrates its own sampler (or samples its own BM) on
 * MPI_COMM_SELF with one thread and its own RNG stream: seed =
 * ax_sweep_task_seed(base seed, id), so a task's result does not depend on
 * the ranks, threads or order.
 * Functions taking a communicator are COLLECTIVE over it; the rest are local.
 */
#ifndef AXON_SWEEP_H
#define AXON_SWEEP_H

#include <stdint.h>
#include <stdio.h>

#include <mpi.h>

#include "axon/error.h"
#include "axon/sampling.h"

typedef struct ax_sweep_s *ax_sweep;

/* Task status in the results table. */
typedef enum ax_task_status { AX_TASK_PENDING = 0, AX_TASK_OK = 1, AX_TASK_FAILED = 2 } ax_task_status;

/* What each task of a sweep does. */
typedef enum ax_sweep_kind { AX_SWEEP_CALIBRATE = 0, AX_SWEEP_SAMPLE = 1 } ax_sweep_kind;

/* Read a sweep file (YAML/JSON, `sweep:` section). Errors: AX_EINPUT with
 * "file:line:col: ...". Free with ax_sweep_destroy. */
ax_status ax_sweep_load(const char *path, ax_sweep *out, ax_error *err);
/* The same reading the sweep file and its base files through `in`
 * (axon/input.h), and on every rank of comm (collective: rank 0 reads,
 * every rank parses, the ranks agree). */
ax_status ax_sweep_load_in(ax_input *in, const char *path, ax_sweep *out, ax_error *err);
ax_status ax_sweep_load_comm(const char *path, MPI_Comm comm, ax_sweep *out, ax_error *err);
ax_status ax_sweep_parse(const char *text, size_t len, const char *name, ax_sweep *out,
                         ax_error *err);
void ax_sweep_destroy(ax_sweep *sw);

int64_t ax_sweep_n_tasks(const ax_sweep sw);
int ax_sweep_n_params(const ax_sweep sw);
/* Dotted path of parameter column k ("sampler.params.tau_m"). */
const char *ax_sweep_param_name(const ax_sweep sw, int k);
/* The sweep file's text (stored in the output). */
const char *ax_sweep_text(const ax_sweep sw);

/* The sweep's task kind, and its name ("calibrate", "sample"). Can't fail. */
ax_sweep_kind ax_sweep_task_kind(const ax_sweep sw);
static inline const char *ax_sweep_kind_name(ax_sweep_kind k)
{
    return k == AX_SWEEP_SAMPLE ? "sample" : "calibrate";
}

/* Parameter values of task id (n_params doubles). Can't fail for 0 <= id < n. */
void ax_sweep_task_params(const ax_sweep sw, int64_t id, double *values);

/* Sampler and calibration options of task id, with the task's own seed.
 * AX_EINPUT when the task's parameters are invalid (the task fails, the
 * sweep goes on) or the sweep is not task: calibrate. Thread-safe
 * (serialised internally). */
ax_status ax_sweep_task(ax_sweep sw, int64_t id, ax_sampler *s, ax_calib_opts *o, ax_error *err);

/* Boltzmann machine of task id of a task: sample sweep: the base BM with
 * the task's parameters (weight_scale multiplies W, bias_shift adds to b,
 * seed/duration/burn_in/dt/delay replace the base's; checkpoints follow the
 * duration) and the task's own seed. Free with ax_bm_free. AX_EINPUT when
 * the task's parameters are invalid or the sweep is not task: sample.
 * Thread-safe (reads the sweep only). */
ax_status ax_sweep_task_bm(const ax_sweep sw, int64_t id, ax_bm *bm, ax_error *err);

/* Per-task seed: splitmix64 finaliser of (seed + golden * (id + 1)). Can't fail. */
uint64_t ax_sweep_task_seed(uint64_t seed, int64_t id);

/* Rough cost of the whole sweep in core-seconds (tasks that fail to parse
 * count zero); *bad gets how many tasks have invalid parameters. */
double ax_sweep_estimate(ax_sweep sw, int64_t *bad);

/* How a sweep is run. */
typedef struct ax_sweep_run_opts {
    const char *out;       /* results file (HDF5) */
    int resume;            /* 1: keep finished tasks of a killed run */
    int force;             /* 1: overwrite an existing result/journal */
    int threads;           /* task slots per rank (each task single-threaded) */
    double checkpoint_s;   /* seconds between rewrites of the HDF5 table on rank 0 */
    int max_chunk;         /* largest chunk of tasks fetched at once */
    FILE *progress;        /* rank 0: progress lines (NULL: none) */
} ax_sweep_run_opts;

/* What a run measured (rank 0 holds the totals). */
typedef struct ax_sweep_stats {
    int64_t n_tasks, n_run, n_skipped, n_ok, n_failed;
    double wall;           /* s, whole run */
    double t_tasks;        /* s, summed over slots, inside tasks */
    double t_sched;        /* s, summed over slots, fetching chunks (RMA) */
    double t_io;           /* s, summed over slots, journal appends + checkpoints */
    int64_t n_fetch;       /* chunk fetches, all ranks */
    int ranks, slots;
} ax_sweep_stats;

/* Run the unfinished tasks over comm. Collective. */
ax_status ax_sweep_run(ax_sweep sw, const ax_sweep_run_opts *o, MPI_Comm comm,
                       ax_sweep_stats *stats, ax_error *err);

/* Write task `task` of a sweep result file as an sbs calibration JSON
 * (ax_calib_write_json). AX_EINPUT if the task is not finished OK or the
 * file holds a task: sample sweep. */
ax_status ax_sweep_export(const char *h5, int64_t task, const char *json, ax_error *err);

#endif
