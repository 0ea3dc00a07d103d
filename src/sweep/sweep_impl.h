/* sweep_impl.h - private to src/sampling/sweep*.c and io/sweep_io.c: the
 * sweep struct, one task's result row, the journal and the HDF5 table.
 *
 * Invariants: a row is plain data (no pointers) except its arrays, so a
 * journal record is the row's bytes plus the arrays plus a checksum; the
 * journal is private to one build of axon (same struct layout), the HDF5
 * file is the portable result. Every array holds 8-byte elements; the
 * per-point arrays have row.n entries, the per-checkpoint ones row.nc.
 */
#ifndef AX_SWEEP_IMPL_H
#define AX_SWEEP_IMPL_H

#include "axon/sweep.h"
#include "sampling/sampling_impl.h"

#define AX_SWEEP_MSG 256

/* One column of parameters. Calibrate: a scalar node of the YAML tree
 * whose text is replaced by the task's value before the sampler is parsed.
 * Sample: one of the BM-level parameters (AX_BMP_*). */
typedef struct ax_sweep_col {
    char *path;       /* "sampler.params.tau_m" | "weight_scale" */
    ax_yn *node;      /* calibrate: the scalar rewritten per task */
    char buf[40];     /* its text for the current task */
    int axis;         /* axis index, or -1: a table column */
    int bm_par;       /* sample: AX_BMP_* */
} ax_sweep_col;

/* Parameters of a sample task (names in sweep_bm.c). */
enum { AX_BMP_SEED, AX_BMP_DURATION, AX_BMP_BURN_IN, AX_BMP_DT, AX_BMP_DELAY,
       AX_BMP_WEIGHT_SCALE, AX_BMP_BIAS_SHIFT, AX_BMP_SYNAPSES, AX_BMP_N };

struct ax_sweep_s {
    ax_sweep_kind kind;
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
    ax_bm bm;            /* sample: the base BM (its calibrations own no samples) */
    int bm_loaded;
    int delay_given;     /* sample: the base file sets delay (else delay = dt) */
    int n_cp;            /* sample: the base file's checkpoints (-1: default rule) */
    double *cp;
    void **own;          /* allocations owned by the sweep (created nodes) */
    int n_own, cap_own;
};

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

/* rel resolved against the sweep file's directory (absolute paths kept). */
void ax_sweep_path(const ax_sweep sw, const char *rel, char *out, size_t size);

/* ---- sample tasks (src/sampling/sweep_bm.c) ---- */

/* Index AX_BMP_* of a sample parameter name, -1 if unknown; the list of
 * names for messages. Can't fail. */
int ax_sweep_bm_param(const char *name);
const char *ax_sweep_bm_param_list(void);
/* A value of a sample parameter in the sweep file: a number, or for
 * `synapses` also static (0) / renewing (1). Spec error otherwise. */
ax_status ax_sweep_bm_value(ax_sctx *c, const ax_yn *n, const char *name, double *out);
/* Load the base BM file named by node b (relative to the sweep file) into
 * sw->bm; spec errors (exit 2) when it does not load. */
ax_status ax_sweep_bm_base(ax_sweep sw, ax_sctx *c, const ax_yn *b);
/* BM of task id: the base with the task's parameters, its own seed.
 * info gets the resolved values (even when the task is invalid, as far as
 * known); *seed the task's seed. AX_EINPUT when invalid (bm left empty). */
ax_status ax_sweep_bm_build(const ax_sweep sw, int64_t id, ax_bm *bm, ax_bm_row *info,
                            uint64_t *seed, ax_error *err);
/* Rough cost of one sample task in core-seconds. Can't fail. */
double ax_sweep_bm_cost(const ax_bm *bm);

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
