/* sweep_impl.h - private to src/sweep: the sweep struct (the parsed sweep
 * file and its columns) and the sample-task helpers (sweep_bm.c). What a
 * task produced and how the table is stored is public (axon/sweep_table.h).
 */
#ifndef AX_SWEEP_IMPL_H
#define AX_SWEEP_IMPL_H

#include "axon/sampling_yaml.h"
#include "axon/sweep.h"
#include "axon/sweep_table.h"
#include "axon/yaml.h"

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

/* rel resolved against the sweep file's directory (absolute paths kept). */
void ax_sweep_path(const ax_sweep sw, const char *rel, char *out, size_t size);

/* ---- sample tasks (sweep_bm.c) ---- */

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

/* The sweep as the results table describes it (kind, text, parameters). */
void ax_sweep_describe(const ax_sweep sw, ax_sweep_desc *d);

#endif
