/* axon/sweep_table.h - what a sweep task produced and how it is kept: one
 * result row per task, the append-only journal that makes a killed sweep
 * resumable, and the HDF5 results table (io/sampling/sweep_io.c;
 * docs/sweeps.md). The task farm (src/sweep) fills them.
 *
 * Invariants: a row is plain data (no pointers) except its arrays, so a
 * journal record is the row's bytes plus the arrays plus a checksum; the
 * journal is private to one build of axon (same struct layout), the HDF5
 * file is the portable result. Every array holds 8-byte elements; the
 * per-point arrays have row.n entries, the per-checkpoint ones row.nc.
 */
#ifndef AXON_SWEEP_TABLE_H
#define AXON_SWEEP_TABLE_H

#include <stdint.h>

#include "axon/error.h"
#include "axon/sampling.h"
#include "axon/sweep.h"

#define AX_SWEEP_MSG 256

/* Sample task: the BM it ran and what it measured at the end. */
typedef struct ax_bm_row {
    int64_t n_units, n_spikes_total; /* spikes after burn-in, all units */
    double dt, duration, burn_in, delay; /* ms */
    double weight_scale, bias_shift;
    int64_t renewing;        /* 0 static, 1 renewing synapses */
    double dkl_joint;        /* nats, at the end; NaN when n_units > 20 */
    double dkl_marg;         /* nats, sum of Bernoulli DKLs; NaN when n_units > 20 */
    double missing;          /* theory mass of states never visited; NaN when n_units > 20 */
} ax_bm_row;

/* Result of one task: what the table row holds. */
typedef struct ax_task_row {
    int64_t id;
    int32_t status;          /* ax_task_status */
    int32_t kind;            /* ax_sweep_kind: which arrays follow in a journal record */
    int32_t n;               /* per-point arrays: calibration samples | BM units */
    int32_t nc;              /* per-checkpoint arrays (sample) */
    uint64_t seed;           /* the task's own seed */
    ax_sampler s;            /* NEST units */
    ax_calib_opts o;
    double v_rest_min, v_rest_max; /* mV */
    int32_t prescan_rounds, pad;
    ax_fit logistic, erf;
    double alpha, v_p05;     /* the fit named by o.fit */
    ax_bm_row bm;            /* sample */
    double runtime;          /* s */
    char msg[AX_SWEEP_MSG];  /* failure reason ("" when OK) */
} ax_task_row;

/* Arrays of a task (all 8-byte elements, owned, NULL when absent):
 * per point (row.n): V_REST mV, P_ON (calibrate: p_on; sample: sampled
 * marginal), N_SPIKES int64, P_THEO (sample: Boltzmann marginal);
 * per checkpoint (row.nc, sample): T_CHECK ms after burn-in, DKL_JOINT,
 * DKL_MARG, MISSING. */
enum { AX_TA_V_REST, AX_TA_P_ON, AX_TA_N_SPIKES, AX_TA_P_THEO, AX_TA_T_CHECK, AX_TA_DKL_JOINT,
       AX_TA_DKL_MARG, AX_TA_MISSING, AX_TA_N };

typedef struct ax_task_res {
    ax_task_row row;
    void *a[AX_TA_N];
} ax_task_res;

void ax_task_res_free(ax_task_res *r);

/* ---- journal ---- */

/* Append one record (row + samples + checksum) with a single write(). */
ax_status ax_journal_append(int fd, const ax_task_res *r, ax_error *err);

/* Read the complete records of a journal from *offset on; each good record
 * is handed to fn (which takes ownership of the samples); *offset moves past
 * the last complete record (a torn tail is left for the next read). */
typedef void (*ax_journal_fn)(void *ctx, ax_task_res *r);
ax_status ax_journal_read(const char *path, int64_t *offset, ax_journal_fn fn, void *ctx,
                          ax_error *err);

/* ---- the results table ---- */

typedef struct ax_sweep_table {
    int64_t n;           /* tasks */
    ax_task_res *res;    /* n: status PENDING until a result arrives */
} ax_sweep_table;

ax_status ax_sweep_table_init(ax_sweep_table *t, int64_t n, ax_error *err);
void ax_sweep_table_free(ax_sweep_table *t);
/* Take r into the table (replaces a pending row; a finished row wins). */
void ax_sweep_table_put(ax_sweep_table *t, ax_task_res *r);

/* The sweep as the table records it. The farm fills it from its sweep
 * (ax_sweep_describe); the table code reads the sweep only through it. */
typedef struct ax_sweep_desc {
    ax_sweep_kind kind;
    const char *text;      /* the sweep file's text (stored; resume compares it) */
    int n_params;
    const void *ctx;       /* handed to the two callbacks */
    const char *(*param_name)(const void *ctx, int k);
    void (*task_params)(const void *ctx, int64_t id, double *values); /* n_params values */
} ax_sweep_desc;

/* Write the table as HDF5 to path + ".tmp", fsync, rename to path. */
ax_status ax_sweep_write_h5(const ax_sweep_desc *d, const ax_sweep_table *t, const char *path,
                            int complete, ax_error *err);
/* Load finished rows of an existing result file into t; the stored sweep
 * text must equal d's. */
ax_status ax_sweep_read_h5(const ax_sweep_desc *d, const char *path, ax_sweep_table *t,
                           ax_error *err);

#endif
