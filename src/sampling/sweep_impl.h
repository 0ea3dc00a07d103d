/* sweep_impl.h - private to src/sampling/sweep*.c and io/sweep_io.c: the
 * sweep struct, one task's result row, the journal and the HDF5 table.
 *
 * Invariants: a row is plain data (no pointers) except its samples, so a
 * journal record is the row's bytes plus the samples plus a checksum; the
 * journal is private to one build of axon (same struct layout), the HDF5
 * file is the portable result.
 */
#ifndef AX_SWEEP_IMPL_H
#define AX_SWEEP_IMPL_H

#include "axon/sweep.h"
#include "sampling/sampling_impl.h"

#define AX_SWEEP_MSG 256

/* One column of parameters: a scalar node of the YAML tree whose text is
 * replaced by the task's value before the sampler is parsed. */
typedef struct ax_sweep_col {
    char *path;       /* "sampler.params.tau_m" */
    ax_yn *node;      /* the scalar rewritten per task */
    char buf[40];     /* its text for the current task */
    int axis;         /* axis index, or -1: a table column */
} ax_sweep_col;

struct ax_sweep_s {
    char *name, *text;   /* sweep file name and text */
    size_t len;
    ax_ydoc doc, base;   /* the sweep file; the base sampler file (if `base:`) */
    ax_yn *sampler;      /* the `sampler:` mapping in use */
    ax_yn *cal_base;     /* base file's `calibration:` (or NULL) */
    ax_yn *cal_sweep;    /* sweep's `calibration:` (or NULL) */
    ax_yn *cal_ovr;      /* synthetic mapping of calibration.* columns */
    int n_cols;
    ax_sweep_col *cols;
    int n_axes;
    int64_t *axis_len;   /* per axis */
    double **axis_val;   /* per axis: values */
    int64_t n_rows;      /* table rows (1 when no table) */
    double *table;       /* n_rows x n_cols (axis columns unused) */
    int64_t n_grid, n_tasks;
    void **own;          /* allocations owned by the sweep (created nodes) */
    int n_own, cap_own;
};

/* Result of one task: what the table row holds. */
typedef struct ax_task_row {
    int64_t id;
    int32_t status;          /* ax_task_status */
    int32_t n;               /* samples */
    uint64_t seed;           /* the task's own seed */
    ax_sampler s;            /* NEST units */
    ax_calib_opts o;
    double v_rest_min, v_rest_max; /* mV */
    int32_t prescan_rounds, pad;
    ax_fit logistic, erf;
    double alpha, v_p05;     /* the fit named by o.fit */
    double runtime;          /* s */
    char msg[AX_SWEEP_MSG];  /* failure reason ("" when OK) */
} ax_task_row;

/* A row with its samples (v_rest, p_on: n doubles; n_spikes: n ints). */
typedef struct ax_task_res {
    ax_task_row row;
    double *v_rest, *p_on;
    int64_t *n_spikes;
} ax_task_res;

void ax_task_res_free(ax_task_res *r);

/* ---- journal (io/sweep_io.c) ---- */

/* Append one record (row + samples + checksum) with a single write(). */
ax_status ax_journal_append(int fd, const ax_task_res *r, ax_error *err);

/* Read the complete records of a journal from *offset on; each good record
 * is handed to fn (which takes ownership of the samples); *offset moves past
 * the last complete record (a torn tail is left for the next read). */
typedef void (*ax_journal_fn)(void *ctx, ax_task_res *r);
ax_status ax_journal_read(const char *path, int64_t *offset, ax_journal_fn fn, void *ctx,
                          ax_error *err);

/* ---- the results table (io/sweep_io.c) ---- */

typedef struct ax_sweep_table {
    int64_t n;           /* tasks */
    ax_task_res *res;    /* n: status PENDING until a result arrives */
} ax_sweep_table;

ax_status ax_sweep_table_init(ax_sweep_table *t, int64_t n, ax_error *err);
void ax_sweep_table_free(ax_sweep_table *t);
/* Take r into the table (replaces a pending row; a finished row wins). */
void ax_sweep_table_put(ax_sweep_table *t, ax_task_res *r);

/* Write the table as HDF5 to path + ".tmp", fsync, rename to path. */
ax_status ax_sweep_write_h5(const ax_sweep sw, const ax_sweep_table *t, const char *path,
                            int complete, ax_error *err);
/* Load finished rows of an existing result file into t; the stored sweep
 * text must equal sw's. */
ax_status ax_sweep_read_h5(const ax_sweep sw, const char *path, ax_sweep_table *t,
                           ax_error *err);

#endif
