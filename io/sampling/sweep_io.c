/* sweep_io.c - the sweep's journal and its HDF5 results file.
 *
 * Journal (private, one file per rank and run, under OUT.journal/): records
 * appended with one write() each: magic, length, the ax_task_row bytes,
 * the task's arrays (in its kind's layout order), and an FNV-1a checksum.
 * A record cut by a kill fails the length or checksum test and is ignored,
 * so a reader (rank 0 at a checkpoint, or a resumed run) sees exactly the
 * records that landed whole.
 *
 * Results file (docs/sweeps.md §3): /sweep (spec text, task kind, counts),
 * /tasks (one dataset per column, one row per task, pending rows NaN; the
 * columns depend on the kind), and the arrays as CSR groups (offset[n+1]
 * into each array): calibrate /samples {v_rest, p_on, n_spikes}; sample
 * /marginals {v_rest, p_sim, p_theo, n_spikes} and /convergence {t_check,
 * dkl_joint, dkl_marg, missing}. One `layout` per kind describes both the
 * journal record and the file. The file is always written whole to a
 * temporary of its own (OUT.partial.<pid>.<random>, axon/outfile.h),
 * fsync'ed and renamed over OUT, so OUT is at every moment either the
 * previous or the next complete table. Serial: one rank writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "axon/h5_attr.h"
#include "axon/outfile.h"
#include "axon/sweep_table.h"

#define J_MAGIC 0x4A535841u /* "AXSJ" */

void ax_task_res_free(ax_task_res *r)
{
    if (!r) return;
    for (int k = 0; k < AX_TA_N; k++) {
        free(r->a[k]);
        r->a[k] = NULL;
    }
}

/* ---- layouts: which columns and arrays a kind has ---- */

typedef enum { C_D, C_I32, C_I64, C_U64 } ctype;
typedef struct col {
    const char *name;
    ctype t;
    size_t off;
} col;

/* Columns that files of earlier versions lack: read as 0 there. */
static int optional_col(const char *name) { return !strcmp(name, "t_ref_virtual"); }

#define R(f) offsetof(ax_task_row, f)
static const col CAL_COLS[] = {
    {"id", C_I64, R(id)}, {"status", C_I32, R(status)}, {"seed", C_U64, R(seed)},
    {"alpha", C_D, R(alpha)}, {"v_p05", C_D, R(v_p05)},
    {"logistic_alpha", C_D, R(logistic.alpha)}, {"logistic_alpha_se", C_D, R(logistic.alpha_se)},
    {"logistic_v_p05", C_D, R(logistic.v_p05)}, {"logistic_v_p05_se", C_D, R(logistic.v_p05_se)},
    {"logistic_rms_residual", C_D, R(logistic.rms)}, {"logistic_n_points", C_I32, R(logistic.n_points)},
    {"erf_alpha", C_D, R(erf.alpha)}, {"erf_alpha_se", C_D, R(erf.alpha_se)},
    {"erf_sigma", C_D, R(erf.sigma)}, {"erf_v_p05", C_D, R(erf.v_p05)},
    {"erf_v_p05_se", C_D, R(erf.v_p05_se)}, {"erf_rms_residual", C_D, R(erf.rms)},
    {"erf_n_points", C_I32, R(erf.n_points)},
    {"v_rest_min", C_D, R(v_rest_min)}, {"v_rest_max", C_D, R(v_rest_max)},
    {"prescan_rounds", C_I32, R(prescan_rounds)}, {"runtime_s", C_D, R(runtime)},
    {"n_samples", C_I32, R(n)},
    {"model_kind", C_I32, R(s.kind)}, {"C_m", C_D, R(s.C_m)}, {"g_L", C_D, R(s.g_L)},
    {"E_L", C_D, R(s.E_L)}, {"V_th", C_D, R(s.V_th)}, {"V_reset", C_D, R(s.V_reset)},
    {"t_ref", C_D, R(s.t_ref)}, {"E_ex", C_D, R(s.E_ex)}, {"E_in", C_D, R(s.E_in)},
    {"tau_syn_ex", C_D, R(s.tau_syn_ex)}, {"tau_syn_in", C_D, R(s.tau_syn_in)},
    {"I_e", C_D, R(s.I_e)}, {"rate_ex", C_D, R(s.rate_ex)}, {"w_ex", C_D, R(s.w_ex)},
    {"rate_in", C_D, R(s.rate_in)}, {"w_in", C_D, R(s.w_in)},
    {"t_ref_virtual", C_D, R(s.t_ref_virtual)},
    {"dt", C_D, R(o.dt)}, {"duration", C_D, R(o.duration)}, {"burn_in", C_D, R(o.burn_in)},
    {"num_samples", C_I32, R(o.num_samples)}, {"fit_kind", C_I32, R(o.fit)},
    {"prescan", C_I32, R(o.prescan)}, {"p_min", C_D, R(o.p_min)}, {"p_max", C_D, R(o.p_max)},
    {"v_min", C_D, R(o.v_min)}, {"v_max", C_D, R(o.v_max)}, {"dv", C_D, R(o.dv)},
    {"pre_duration", C_D, R(o.pre_duration)},
};
static const col BM_COLS[] = {
    {"id", C_I64, R(id)}, {"status", C_I32, R(status)}, {"seed", C_U64, R(seed)},
    {"runtime_s", C_D, R(runtime)}, {"n_units", C_I64, R(bm.n_units)},
    {"n_spikes_total", C_I64, R(bm.n_spikes_total)}, {"dkl_joint", C_D, R(bm.dkl_joint)},
    {"dkl_marg", C_D, R(bm.dkl_marg)}, {"missing", C_D, R(bm.missing)},
    {"n_checkpoints", C_I32, R(nc)}, {"dt", C_D, R(bm.dt)}, {"duration", C_D, R(bm.duration)},
    {"burn_in", C_D, R(bm.burn_in)}, {"delay", C_D, R(bm.delay)},
    {"weight_scale", C_D, R(bm.weight_scale)}, {"bias_shift", C_D, R(bm.bias_shift)},
    {"renewing", C_I64, R(bm.renewing)},
};
#undef R

/* An array of a group: its dataset name, its index in ax_task_res.a, type. */
typedef struct arr {
    const char *name;
    int idx;
    ctype t;
} arr;

/* A CSR group: arrays of length row.n (per_cp 0) or row.nc (per_cp 1). */
typedef struct group {
    const char *name;
    int per_cp, n;
    arr a[4];
} group;

typedef struct layout {
    const char *kind, *seed_rule;
    const col *cols;
    size_t n_cols;
    int n_groups;
    group g[2];
} layout;

static const layout LAYOUTS[2] = {
    [AX_SWEEP_CALIBRATE] = {
        "calibrate",
        "task seed = splitmix64(calibration.seed + 0x9E3779B97F4A7C15 * (id + 1))",
        CAL_COLS, sizeof CAL_COLS / sizeof CAL_COLS[0], 1,
        {{"samples", 0, 3, {{"v_rest", AX_TA_V_REST, C_D}, {"p_on", AX_TA_P_ON, C_D},
                            {"n_spikes", AX_TA_N_SPIKES, C_I64}}}}},
    [AX_SWEEP_SAMPLE] = {
        "sample",
        "task seed = splitmix64(seed + 0x9E3779B97F4A7C15 * (id + 1)), seed = the BM's or the swept one",
        BM_COLS, sizeof BM_COLS / sizeof BM_COLS[0], 2,
        {{"marginals", 0, 4, {{"v_rest", AX_TA_V_REST, C_D}, {"p_sim", AX_TA_P_ON, C_D},
                              {"p_theo", AX_TA_P_THEO, C_D}, {"n_spikes", AX_TA_N_SPIKES, C_I64}}},
         {"convergence", 1, 4, {{"t_check", AX_TA_T_CHECK, C_D}, {"dkl_joint", AX_TA_DKL_JOINT, C_D},
                                {"dkl_marg", AX_TA_DKL_MARG, C_D}, {"missing", AX_TA_MISSING, C_D}}}}},
};

static const layout *layout_of(int kind)
{
    return kind == AX_SWEEP_SAMPLE ? &LAYOUTS[AX_SWEEP_SAMPLE]
         : kind == AX_SWEEP_CALIBRATE ? &LAYOUTS[AX_SWEEP_CALIBRATE] : NULL;
}

/* Entries of group g that r holds: its length, or 0 when an array is missing. */
static size_t group_len(const group *g, const ax_task_res *r)
{
    int64_t n = g->per_cp ? r->row.nc : r->row.n;
    for (int k = 0; k < g->n; k++)
        if (!r->a[g->a[k].idx]) n = 0;
    return n > 0 ? (size_t)n : 0;
}

static uint64_t fnv(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

ax_status ax_journal_append(int fd, const ax_task_res *r, ax_error *err)
{
    const layout *L = layout_of(r->row.kind);
    AX_CHECK(L, err, AX_EINTERNAL, "task %lld has no kind", (long long)r->row.id);
    size_t len[2] = {0, 0}, body = sizeof r->row;
    for (int g = 0; g < L->n_groups; g++) {
        len[g] = group_len(&L->g[g], r);
        body += len[g] * 8 * (size_t)L->g[g].n;
    }
    size_t total = 8 + body + 8;
    unsigned char *b = malloc(total);
    AX_CHECK_ALLOC(b, err, "a journal record");
    uint32_t h[2] = {J_MAGIC, (uint32_t)(body + 8)};
    memcpy(b, h, 8);
    unsigned char *p = b + 8;
    ax_task_row row = r->row;
    row.n = row.nc = 0;
    for (int g = 0; g < L->n_groups; g++) {
        if (L->g[g].per_cp) row.nc = (int32_t)len[g];
        else row.n = (int32_t)len[g];
    }
    memcpy(p, &row, sizeof row), p += sizeof row;
    for (int g = 0; g < L->n_groups; g++)
        for (int k = 0; len[g] && k < L->g[g].n; k++) {
            memcpy(p, r->a[L->g[g].a[k].idx], len[g] * 8);
            p += len[g] * 8;
        }
    uint64_t c = fnv(b + 8, body);
    memcpy(p, &c, 8);
    ssize_t w = write(fd, b, total);
    free(b);
    AX_CHECK(w == (ssize_t)total, err, AX_EIO, "journal write failed (%s)",
             w < 0 ? strerror(errno) : "short write");
    return AX_OK;
}

/* Decode one record at b (avail bytes). Returns its size, 0 when torn. */
static size_t decode(const unsigned char *b, size_t avail, ax_task_res *r)
{
    uint32_t h[2];
    if (avail < 8) return 0;
    memcpy(h, b, 8);
    if (h[0] != J_MAGIC || h[1] < sizeof r->row + 8 || h[1] > avail - 8) return 0;
    size_t body = h[1] - 8;
    uint64_t c;
    memcpy(&c, b + 8 + body, 8);
    if (c != fnv(b + 8, body)) return 0;
    memset(r, 0, sizeof *r);
    memcpy(&r->row, b + 8, sizeof r->row);
    const layout *L = layout_of(r->row.kind);
    if (!L || r->row.n < 0 || r->row.nc < 0) return 0;
    size_t want = sizeof r->row, len[2];
    for (int g = 0; g < L->n_groups; g++) {
        len[g] = (size_t)(L->g[g].per_cp ? r->row.nc : r->row.n);
        want += len[g] * 8 * (size_t)L->g[g].n;
    }
    if (body != want) return 0;
    const unsigned char *p = b + 8 + sizeof r->row;
    for (int g = 0; g < L->n_groups; g++)
        for (int k = 0; len[g] && k < L->g[g].n; k++) {
            void *a = malloc(len[g] * 8);
            if (!a) {
                ax_task_res_free(r);
                return 0;
            }
            memcpy(a, p, len[g] * 8);
            r->a[L->g[g].a[k].idx] = a;
            p += len[g] * 8;
        }
    return 8 + h[1];
}

ax_status ax_journal_read(const char *path, int64_t *offset, ax_journal_fn fn, void *ctx,
                          ax_error *err)
{
    int fd = open(path, O_RDONLY);
    AX_CHECK(fd >= 0, err, AX_EIO, "%s: cannot read the journal (%s)", path, strerror(errno));
    struct stat st;
    fstat(fd, &st);
    size_t avail = st.st_size > *offset ? (size_t)(st.st_size - *offset) : 0;
    unsigned char *b = avail ? malloc(avail) : NULL;
    ssize_t got = 0;
    if (b) got = pread(fd, b, avail, *offset);
    close(fd);
    AX_CHECK(!avail || (b && got == (ssize_t)avail), err, AX_EIO, "%s: journal read failed", path);
    size_t pos = 0, k;
    ax_task_res r;
    while ((k = decode(b + pos, avail - pos, &r)) > 0) {
        fn(ctx, &r);
        pos += k;
    }
    free(b);
    *offset += (int64_t)pos;
    return AX_OK;
}

/* ---- table ---- */

ax_status ax_sweep_table_init(ax_sweep_table *t, int64_t n, ax_error *err)
{
    t->n = n;
    t->res = calloc((size_t)(n > 0 ? n : 1), sizeof *t->res);
    AX_CHECK_ALLOC(t->res, err, "the results table");
    for (int64_t i = 0; i < n; i++) t->res[i].row.id = i;
    return AX_OK;
}

void ax_sweep_table_free(ax_sweep_table *t)
{
    for (int64_t i = 0; t->res && i < t->n; i++) ax_task_res_free(&t->res[i]);
    free(t->res);
    t->res = NULL;
    t->n = 0;
}

void ax_sweep_table_put(ax_sweep_table *t, ax_task_res *r)
{
    int64_t id = r->row.id;
    if (id < 0 || id >= t->n || t->res[id].row.status != AX_TASK_PENDING ||
        r->row.status == AX_TASK_PENDING) {
        ax_task_res_free(r);
        return;
    }
    t->res[id] = *r;
}

/* ---- HDF5: one dataset per row field ---- */

static hid_t h5type(ctype t)
{
    return t == C_D ? H5T_NATIVE_DOUBLE : t == C_I32 ? H5T_NATIVE_INT32
         : t == C_I64 ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64;
}

static int put(hid_t g, const char *name, hid_t type, int rank, const hsize_t *dims,
               const void *data)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(g, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int ok = d >= 0 && H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
    if (d >= 0) H5Dclose(d);
    H5Sclose(sp);
    return ok;
}

static int attr_str(hid_t loc, const char *name, const char *v)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(v) + 1);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    int ok = a >= 0 && H5Awrite(a, t, v) >= 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return ok;
}

static int attr_i64(hid_t loc, const char *name, int64_t v)
{
    return ax_h5_put_attr(loc, name, H5T_NATIVE_INT64, 0, &v);
}

/* Fixed-length strings, `width` bytes each. */
static int put_strs(hid_t g, const char *name, const char *buf, hsize_t n, size_t width)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, width);
    int ok = put(g, name, t, 1, &n, buf);
    H5Tclose(t);
    return ok;
}

static int write_cols(hid_t g, const layout *L, const ax_sweep_table *t)
{
    hsize_t n = (hsize_t)t->n;
    unsigned char *buf = malloc((size_t)(n ? n : 1) * 8);
    int ok = buf != NULL;
    for (size_t c = 0; ok && c < L->n_cols; c++) {
        const col *C = &L->cols[c];
        size_t w = C->t == C_I32 ? 4 : 8;
        for (hsize_t i = 0; i < n; i++) {
            const ax_task_row *r = &t->res[i].row;
            if (r->status == AX_TASK_PENDING && C->t == C_D) memcpy(buf + i * w, &(double){NAN}, w);
            else memcpy(buf + i * w, (const unsigned char *)r + C->off, w);
        }
        ok = put(g, C->name, h5type(C->t), 1, &n, buf);
    }
    free(buf);
    char *msg = calloc((size_t)(n ? n : 1), AX_SWEEP_MSG);
    ok = ok && msg;
    for (hsize_t i = 0; ok && i < n; i++) memcpy(msg + i * AX_SWEEP_MSG, t->res[i].row.msg, AX_SWEEP_MSG);
    ok = ok && put_strs(g, "error", msg, n, AX_SWEEP_MSG);
    free(msg);
    return ok;
}

static int write_params(hid_t g, const ax_sweep_desc *sw, int64_t n)
{
    int P = sw->n_params;
    hsize_t d[2] = {(hsize_t)n, (hsize_t)P};
    double *v = malloc((size_t)(n * P + 1) * sizeof *v);
    char *names = calloc((size_t)P + 1, 128);
    if (!v || !names) {
        free(v), free(names);
        return 0;
    }
    for (int64_t i = 0; i < n; i++) sw->task_params(sw->ctx, i, v + i * P);
    for (int k = 0; k < P; k++) snprintf(names + 128 * k, 128, "%s", sw->param_name(sw->ctx, k));
    int ok = put(g, "params", H5T_NATIVE_DOUBLE, 2, d, v) &&
             put_strs(g, "param_names", names, (hsize_t)P, 128);
    free(v), free(names);
    return ok;
}

/* One CSR group: offset[n + 1] and each array concatenated over tasks. */
static int write_group(hid_t f, const group *G, const ax_sweep_table *t)
{
    hid_t g = H5Gcreate2(f, G->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int64_t *off = malloc((size_t)(t->n + 1) * sizeof *off);
    int ok = g >= 0 && off;
    if (off) off[0] = 0;
    for (int64_t i = 0; ok && i < t->n; i++) off[i + 1] = off[i] + (int64_t)group_len(G, &t->res[i]);
    hsize_t m = ok ? (hsize_t)off[t->n] : 0, no = (hsize_t)t->n + 1;
    unsigned char *v = ok ? malloc((size_t)(m + 1) * 8) : NULL;
    ok = ok && v && put(g, "offset", H5T_NATIVE_INT64, 1, &no, off);
    for (int k = 0; ok && k < G->n; k++) {
        for (int64_t i = 0; i < t->n; i++)
            if (off[i + 1] > off[i])
                memcpy(v + off[i] * 8, t->res[i].a[G->a[k].idx], (size_t)(off[i + 1] - off[i]) * 8);
        ok = put(g, G->a[k].name, h5type(G->a[k].t), 1, &m, v);
    }
    free(off), free(v);
    if (g >= 0) H5Gclose(g);
    return ok;
}

static int write_meta(hid_t f, const ax_sweep_desc *sw, const layout *L, const ax_sweep_table *t,
                      int complete)
{
    hid_t g = H5Gcreate2(f, "sweep", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return 0;
    int64_t cnt[3] = {0, 0, 0};
    for (int64_t i = 0; i < t->n; i++) cnt[t->res[i].row.status]++;
    int ok = attr_str(g, "spec", sw->text) && attr_str(g, "version", PACKAGE_VERSION) &&
             attr_str(g, "task", L->kind) && attr_i64(g, "n_tasks", t->n) &&
             attr_i64(g, "n_pending", cnt[0]) && attr_i64(g, "n_ok", cnt[1]) &&
             attr_i64(g, "n_failed", cnt[2]) && attr_i64(g, "complete", complete) &&
             attr_str(g, "status_codes", "0 pending, 1 ok, 2 failed") &&
             attr_str(g, "seed_rule", L->seed_rule);
    H5Gclose(g);
    return ok;
}

static ax_status sync_path(const char *path, ax_error *err)
{
    int fd = open(path, O_RDONLY);
    AX_CHECK(fd >= 0, err, AX_EIO, "%s: cannot reopen (%s)", path, strerror(errno));
    int rc = fsync(fd);
    close(fd);
    AX_CHECK(rc == 0, err, AX_EIO, "%s: fsync failed (%s)", path, strerror(errno));
    return AX_OK;
}

ax_status ax_sweep_write_h5(const ax_sweep_desc *sw, const ax_sweep_table *t, const char *path,
                            int complete, ax_error *err)
{
    char *tmp = NULL; /* our own name: the sweep owns OUT while it holds its lock */
    AX_TRY(ax_out_temp(path, &tmp, err));
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        ax_status st = AX_FAIL(err, AX_EIO, "%s: cannot create the results file", tmp);
        unlink(tmp);
        free(tmp);
        return st;
    }
    const layout *L = layout_of(sw->kind);
    hid_t g = H5Gcreate2(f, "tasks", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int ok = g >= 0 && write_meta(f, sw, L, t, complete) && write_cols(g, L, t) &&
             write_params(g, sw, t->n);
    for (int k = 0; ok && k < L->n_groups; k++) ok = write_group(f, &L->g[k], t);
    if (g >= 0) H5Gclose(g);
    ok = H5Fclose(f) >= 0 && ok;
    ax_status st = ok ? sync_path(tmp, err)
                      : AX_FAIL(err, AX_EIO, "%s: writing the results table failed (disk full?)",
                                tmp);
    if (st != AX_OK) unlink(tmp);
    else st = ax_out_publish(tmp, path, 1, err); /* replaces OUT, never a FIFO or device */
    free(tmp);
    return st;
}

/* ---- reading ---- */

static int get(hid_t g, const char *name, hid_t type, void *buf, hsize_t want)
{
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0) return 0;
    hid_t sp = H5Dget_space(d);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    int ok = n == (hssize_t)want && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
    H5Sclose(sp);
    H5Dclose(d);
    return ok;
}

static char *read_attr_str(hid_t loc, const char *name)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return NULL;
    hid_t t = H5Aget_type(a);
    size_t n = H5Tget_size(t);
    char *s = calloc(n + 1, 1);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, n);
    if (s && H5Aread(a, mt, s) < 0) free(s), s = NULL;
    H5Tclose(mt);
    H5Tclose(t);
    H5Aclose(a);
    return s;
}

static int read_rows(hid_t g, const layout *L, ax_sweep_table *t)
{
    hsize_t n = (hsize_t)t->n;
    unsigned char *buf = malloc((size_t)(n ? n : 1) * AX_SWEEP_MSG);
    int ok = buf != NULL;
    for (size_t c = 0; ok && c < L->n_cols; c++) {
        const col *C = &L->cols[c];
        size_t w = C->t == C_I32 ? 4 : 8;
        if (optional_col(C->name) && H5Lexists(g, C->name, H5P_DEFAULT) <= 0) continue;
        ok = get(g, C->name, h5type(C->t), buf, n);
        for (hsize_t i = 0; ok && i < n; i++)
            memcpy((unsigned char *)&t->res[i].row + C->off, buf + i * w, w);
    }
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, AX_SWEEP_MSG);
    ok = ok && get(g, "error", st, buf, n);
    H5Tclose(st);
    for (hsize_t i = 0; ok && i < n; i++) {
        memcpy(t->res[i].row.msg, buf + i * AX_SWEEP_MSG, AX_SWEEP_MSG);
        t->res[i].row.msg[AX_SWEEP_MSG - 1] = '\0';
    }
    free(buf);
    return ok;
}

/* One CSR group back into the rows' arrays (and row.n / row.nc). */
static int read_group(hid_t f, const group *G, ax_sweep_table *t)
{
    hid_t g = H5Gopen2(f, G->name, H5P_DEFAULT);
    int64_t *off = malloc((size_t)(t->n + 1) * sizeof *off);
    int ok = g >= 0 && off && get(g, "offset", H5T_NATIVE_INT64, off, (hsize_t)t->n + 1);
    for (int64_t i = 0; ok && i < t->n; i++) ok = off[i] >= 0 && off[i + 1] >= off[i];
    hsize_t m = ok ? (hsize_t)off[t->n] : 0;
    unsigned char *v = ok ? malloc((size_t)(m + 1) * 8) : NULL;
    ok = ok && v;
    for (int k = 0; ok && k < G->n; k++) {
        ok = get(g, G->a[k].name, h5type(G->a[k].t), v, m);
        for (int64_t i = 0; ok && i < t->n; i++) {
            size_t len = (size_t)(off[i + 1] - off[i]);
            ax_task_res *r = &t->res[i];
            if (G->per_cp) r->row.nc = (int32_t)len;
            else r->row.n = (int32_t)len;
            if (!len) continue;
            r->a[G->a[k].idx] = malloc(len * 8);
            ok = r->a[G->a[k].idx] != NULL;
            if (ok) memcpy(r->a[G->a[k].idx], v + off[i] * 8, len * 8);
        }
    }
    free(off), free(v);
    if (g >= 0) H5Gclose(g);
    return ok;
}

/* Whole file into t (initialised here); *spec gets the stored sweep text,
 * *kind the task kind (files without the attribute are calibrate sweeps). */
static ax_status read_file(const char *path, ax_sweep_table *t, char **spec, int *kind,
                           ax_error *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    AX_CHECK(f >= 0, err, AX_EIO, "%s: cannot open as HDF5", path);
    hid_t sg = H5Gopen2(f, "sweep", H5P_DEFAULT), tg = H5Gopen2(f, "tasks", H5P_DEFAULT);
    int64_t n = -1;
    char *task = NULL;
    ax_status st = AX_OK;
    if (sg >= 0) {
        hid_t a = H5Aopen(sg, "n_tasks", H5P_DEFAULT);
        if (a >= 0) H5Aread(a, H5T_NATIVE_INT64, &n), H5Aclose(a);
        *spec = read_attr_str(sg, "spec");
        task = read_attr_str(sg, "task");
    }
    *kind = !task || !strcmp(task, "calibrate") ? AX_SWEEP_CALIBRATE
          : !strcmp(task, "sample") ? AX_SWEEP_SAMPLE : -1;
    const layout *L = layout_of(*kind);
    if (sg < 0 || tg < 0 || n < 0 || !*spec || !L)
        st = AX_FAIL(err, AX_EINPUT, "%s: not an axon sweep results file%s%s", path,
                     task && !L ? ", or of an unknown task kind " : "", task && !L ? task : "");
    if (st == AX_OK) st = ax_sweep_table_init(t, n, err);
    int ok = st == AX_OK && read_rows(tg, L, t);
    for (int g = 0; ok && g < L->n_groups; g++) ok = read_group(f, &L->g[g], t);
    for (int64_t i = 0; ok && i < t->n; i++) t->res[i].row.kind = *kind;
    if (st == AX_OK && !ok) st = AX_FAIL(err, AX_EIO, "%s: the results table cannot be read", path);
    free(task);
    if (sg >= 0) H5Gclose(sg);
    if (tg >= 0) H5Gclose(tg);
    H5Fclose(f);
    return st;
}

ax_status ax_sweep_read_h5(const ax_sweep_desc *sw, const char *path, ax_sweep_table *t, ax_error *err)
{
    ax_sweep_table old = {0};
    char *spec = NULL;
    int kind;
    ax_status st = read_file(path, &old, &spec, &kind, err);
    if (st == AX_OK && kind != (int)sw->kind)
        st = AX_FAIL(err, AX_EINPUT, "%s holds a task: %s sweep, this sweep file is task: %s; "
                     "resume needs the same file (or use --force to start over)", path,
                     ax_sweep_kind_name((ax_sweep_kind)kind),
                     ax_sweep_kind_name(sw->kind));
    if (st == AX_OK && (strcmp(spec, sw->text) || old.n != t->n))
        st = AX_FAIL(err, AX_EINPUT, "%s was written by a different sweep file; resume needs the "
                                     "same file (or use --force to start over)", path);
    for (int64_t i = 0; st == AX_OK && i < old.n; i++) {
        ax_task_res r = old.res[i];
        memset(&old.res[i], 0, sizeof r);
        ax_sweep_table_put(t, &r);
    }
    free(spec);
    ax_sweep_table_free(&old);
    return st;
}

ax_status ax_sweep_export(const char *h5, int64_t task, const char *json, ax_error *err)
{
    ax_sweep_table t = {0};
    char *spec = NULL;
    int kind;
    ax_status st = read_file(h5, &t, &spec, &kind, err);
    free(spec);
    if (st == AX_OK && kind != AX_SWEEP_CALIBRATE)
        st = AX_FAIL(err, AX_EINPUT, "%s: task %lld is a Boltzmann-machine sampling task (task: "
                     "sample), not a calibration: there is no sbs calibration JSON to export; its "
                     "results are row %lld of /tasks, /marginals and /convergence", h5,
                     (long long)task, (long long)task);
    if (st == AX_OK && (task < 0 || task >= t.n))
        st = AX_FAIL(err, AX_EINPUT, "%s: task %lld out of range (0..%lld)", h5, (long long)task,
                     (long long)t.n - 1);
    const ax_task_res *r = st == AX_OK ? &t.res[task] : NULL;
    if (st == AX_OK && r->row.status != AX_TASK_OK)
        st = AX_FAIL(err, AX_EINPUT, "%s: task %lld has no calibration (%s%s%s)", h5,
                     (long long)task, r->row.status == AX_TASK_PENDING ? "pending" : "failed",
                     r->row.msg[0] ? ": " : "", r->row.msg);
    if (st == AX_OK) {
        int have = r->a[AX_TA_P_ON] && r->a[AX_TA_V_REST] && r->a[AX_TA_N_SPIKES];
        ax_calibration c = {.s = r->row.s, .o = r->row.o, .v_rest_min = r->row.v_rest_min,
                            .v_rest_max = r->row.v_rest_max, .n = have ? r->row.n : 0,
                            .v_rest = r->a[AX_TA_V_REST], .p_on = r->a[AX_TA_P_ON],
                            .n_spikes = r->a[AX_TA_N_SPIKES], .logistic = r->row.logistic,
                            .erf = r->row.erf, .alpha = r->row.alpha, .v_p05 = r->row.v_p05,
                            .wall_final = r->row.runtime, .ranks = 1, .threads = 1,
                            .prescan_rounds = r->row.prescan_rounds};
        c.o.seed = r->row.seed; /* the task's own stream (o.seed is not a column) */
        st = ax_calib_write_json(&c, json, err);
    }
    ax_sweep_table_free(&t);
    return st;
}
