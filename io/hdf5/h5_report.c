/* h5_report.c - multimeter traces as SONATA frame reports.
 *
 * Layout of one report (population <pop>, variables v0..vk):
 *   /report/<pop>/<v>/data            [n_times, n_cols] float32|float64, attr units
 *   /report/<pop>/data                hard link to <v0>/data (what SONATA readers open)
 *   /report/<pop>/mapping/node_ids    uint64 [n_cols]   column -> node id in <pop>
 *   /report/<pop>/mapping/index_pointers uint64 [n_cols+1] (= 0..n_cols: one element per node)
 *   /report/<pop>/mapping/element_ids uint32 [n_cols]   (all 0: point neurons)
 *   /report/<pop>/mapping/time        float64 [3] = t_start, t_stop, dt; attr units "ms"
 * Columns are rank 0's neurons, then rank 1's, ... (MPI_Exscan offsets);
 * t_stop = t_start + n_times * dt (exclusive, as SONATA readers count frames),
 * rewritten after each append so an interrupted file stays consistent.
 */
#include <stdlib.h>
#include <string.h>

#include "hdf5_impl.h"

void ax_h5_report_release(ax_h5_report *rep)
{
    free(rep->pop);
    free(rep->data);
    free(rep->fbuf);
    rep->pop = NULL, rep->data = NULL, rep->fbuf = NULL;
}

/* Units of a state variable, by NEST's naming: V_* and E_* mV, I_* pA, g_*
 * nS, t_* and tau_* ms; anything else is dimensionless ("1"). */
static const char *var_units(const char *var)
{
    if (!strncmp(var, "V_", 2) || !strncmp(var, "E_", 2)) return "mV";
    if (!strncmp(var, "I_", 2)) return "pA";
    if (!strncmp(var, "g_", 2)) return "nS";
    if (!strncmp(var, "t_", 2) || !strncmp(var, "tau_", 4)) return "ms";
    return "1";
}

/* Local checks; identical on every rank for identical arguments. */
static ax_status check_declare(ax_recorder r, const char *pop, int n_vars,
                               const char *const *vars, size_t n_local,
                               const uint64_t *node_ids, double dt, ax_error *err)
{
    static const char *const reserved[] = {"data", "mapping", NULL};
    AX_TRY(ax_h5_check_name("report population", pop, NULL, err));
    for (int i = 0; i < r->n_reports; i++)
        AX_CHECK(strcmp(r->reports[i].pop, pop), err, AX_EINPUT,
                 "population '%s' has two trace reports; record all its variables in one "
                 "multimeter", pop);
    AX_CHECK(n_vars >= 1 && vars, err, AX_EINPUT, "report '%s' records no variable", pop);
    for (int v = 0; v < n_vars; v++) {
        AX_TRY(ax_h5_check_name("recorded variable", vars[v], reserved, err));
        for (int w = 0; w < v; w++)
            AX_CHECK(strcmp(vars[v], vars[w]), err, AX_EINPUT,
                     "report '%s' records '%s' twice", pop, vars[v]);
    }
    AX_CHECK(dt > 0, err, AX_EINPUT, "report '%s': interval must be > 0 ms (got %g)", pop, dt);
    AX_CHECK(!n_local || node_ids, err, AX_EINTERNAL, "report '%s': node ids missing", pop);
    return AX_OK;
}

/* Every rank must pass the same shape, or the HDF5 metadata would diverge. */
static ax_status check_agree(ax_recorder r, const char *pop, int n_vars, double t_start,
                             double dt, int dbl, ax_error *err)
{
    double v[4] = {n_vars, t_start, dt, dbl}, lo[4], hi[4];
    if (MPI_Allreduce(v, lo, 4, MPI_DOUBLE, MPI_MIN, r->comm) != MPI_SUCCESS ||
        MPI_Allreduce(v, hi, 4, MPI_DOUBLE, MPI_MAX, r->comm) != MPI_SUCCESS)
        return AX_FAIL(err, AX_EMPI, "MPI_Allreduce failed declaring report '%s'", pop);
    AX_CHECK(!memcmp(lo, hi, sizeof lo), err, AX_EINTERNAL,
             "report '%s' declared with different variables, start, dt or precision on "
             "different ranks", pop);
    return AX_OK;
}

/* Create a fixed-size 1-D dataset and write this rank's n values at off
 * (rank with n == 0 selects nothing but still takes part). */
static ax_status write_fixed(ax_recorder r, hid_t loc, const char *name, hid_t ftype,
                             hid_t mtype, uint64_t dim, uint64_t off, size_t n,
                             const void *buf, ax_error *err)
{
    hsize_t d = dim, start = off, count = n, md = n ? n : 1;
    hid_t fs = H5Screate_simple(1, &d, NULL), ms = H5Screate_simple(1, &md, NULL), ds = -1;
    herr_t rc = -1;
    if (fs >= 0 && ms >= 0)
        ds = H5Dcreate2(loc, name, ftype, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (ds >= 0) {
        if (n) rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
        else rc = (H5Sselect_none(fs) < 0 || H5Sselect_none(ms) < 0) ? -1 : 0;
        static const uint64_t dummy = 0;
        if (rc >= 0) rc = H5Dwrite(ds, mtype, ms, fs, r->dxpl, n ? buf : &dummy);
    }
    ax_h5_close_obj(&ds);
    ax_h5_close_obj(&fs);
    ax_h5_close_obj(&ms);
    return rc < 0 ? AX_H5_FAIL(err, r->partial, "writing a report mapping dataset") : AX_OK;
}

/* Write mapping/time = [t_start, t_start + n_rows * dt, dt] (rank 0's data). */
static ax_status write_time(ax_recorder r, ax_h5_report *rep, ax_error *err)
{
    double t[3] = {rep->t_start, rep->t_start + (double)rep->n_rows * rep->dt, rep->dt};
    hid_t fs = H5Dget_space(rep->time);
    herr_t rc = fs < 0 ? -1 : 0;
    if (rc >= 0 && r->rank != 0) rc = H5Sselect_none(fs);
    if (rc >= 0) rc = H5Dwrite(rep->time, H5T_NATIVE_DOUBLE, fs, fs, r->dxpl, t);
    ax_h5_close_obj(&fs);
    return rc < 0 ? AX_H5_FAIL(err, r->partial, "writing /report/<pop>/mapping/time") : AX_OK;
}

/* mapping/: node ids (this rank's columns), index pointers, element ids, time. */
static ax_status create_mapping(ax_recorder r, ax_h5_report *rep, const uint64_t *node_ids,
                                ax_error *err)
{
    hid_t g = H5Gcreate2(rep->grp, "mapping", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return AX_H5_FAIL(err, r->partial, "creating /report/<pop>/mapping");
    int last = r->rank == r->size - 1;
    size_t n = rep->n_local, np = n + (size_t)last; /* the last rank adds the end pointer */
    uint64_t *ptr = malloc((np ? np : 1) * sizeof *ptr);
    uint32_t *elem = calloc(n ? n : 1, sizeof *elem);
    ax_status st = ptr && elem ? AX_OK : AX_FAIL(err, AX_ENOMEM, "out of memory (report mapping)");
    for (size_t j = 0; ptr && j < np; j++) ptr[j] = rep->col_off + j;
    /* Allocation failure must not skip the collective calls below. */
    ax_status st2 = write_fixed(r, g, "node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, rep->n_cols,
                                rep->col_off, n, node_ids, err);
    ax_status st3 = write_fixed(r, g, "index_pointers", H5T_STD_U64LE, H5T_NATIVE_UINT64,
                                rep->n_cols + 1, rep->col_off, ptr ? np : 0, ptr, err);
    ax_status st4 = write_fixed(r, g, "element_ids", H5T_STD_U32LE, H5T_NATIVE_UINT32,
                                rep->n_cols, rep->col_off, elem ? n : 0, elem, err);
    free(ptr);
    free(elem);
    if (!st) st = st2 ? st2 : st3 ? st3 : st4;
    hsize_t three = 3;
    hid_t s = H5Screate_simple(1, &three, NULL);
    rep->time = s < 0 ? -1 : H5Dcreate2(g, "time", H5T_IEEE_F64LE, s, H5P_DEFAULT,
                                        H5P_DEFAULT, H5P_DEFAULT);
    ax_h5_close_obj(&s);
    ax_h5_close_obj(&g);
    if (rep->time < 0) return AX_H5_FAIL(err, r->partial, "creating /report/<pop>/mapping/time");
    ax_status st5 = ax_h5_attr_str(rep->time, "units", "ms", err, r->partial);
    ax_status st6 = write_time(r, rep, err);
    return st ? st : st5 ? st5 : st6;
}

/* Create /report/<pop>/<var>/data, extendible in time, and its units. */
static hid_t create_trace(ax_recorder r, ax_h5_report *rep, const char *var)
{
    size_t esz = rep->dbl ? 8 : 4;
    hsize_t dims[2] = {0, rep->n_cols}, maxd[2] = {H5S_UNLIMITED, H5S_UNLIMITED}, chunk[2];
    chunk[1] = rep->n_cols ? (rep->n_cols < 65536 ? rep->n_cols : 65536) : 1;
    chunk[0] = AX_H5_TRACE_CHUNK_BYTES / esz / chunk[1];
    if (chunk[0] < 1) chunk[0] = 1;
    hid_t g = H5Gcreate2(rep->grp, var, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t s = H5Screate_simple(2, dims, maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE), d = -1;
    if (g >= 0 && s >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, 2, chunk) >= 0 &&
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0)
        d = H5Dcreate2(g, "data", rep->dbl ? H5T_IEEE_F64LE : H5T_IEEE_F32LE, s, H5P_DEFAULT,
                       dcpl, H5P_DEFAULT);
    ax_h5_close_obj(&s);
    ax_h5_close_obj(&dcpl);
    ax_h5_close_obj(&g);
    (void)r;
    return d;
}

/* All HDF5 objects of a new report; collective. */
static ax_status create_report(ax_recorder r, ax_h5_report *rep, const char *const *vars,
                               const uint64_t *node_ids, ax_error *err)
{
    rep->grp = H5Gcreate2(r->g_report, rep->pop, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (rep->grp < 0) return AX_H5_FAIL(err, r->partial, "creating /report/<pop>");
    for (int v = 0; v < rep->n_vars; v++) {
        rep->data[v] = create_trace(r, rep, vars[v]);
        if (rep->data[v] < 0) return AX_H5_FAIL(err, r->partial, "creating a trace dataset");
        AX_TRY(ax_h5_attr_str(rep->data[v], "units", var_units(vars[v]), err, r->partial));
    }
    char link[1024];
    snprintf(link, sizeof link, "%s/data", vars[0]);
    if (H5Lcreate_hard(rep->grp, link, rep->grp, "data", H5P_DEFAULT, H5P_DEFAULT) < 0)
        return AX_H5_FAIL(err, r->partial, "linking /report/<pop>/data");
    return create_mapping(r, rep, node_ids, err);
}

ax_status ax_rec_report_declare(ax_recorder r, const char *pop, int n_vars,
                                const char *const *vars, size_t n_local,
                                const uint64_t *node_ids, double t_start, double dt,
                                int precision_double, int *id, ax_error *err)
{
    ax_status st = check_declare(r, pop, n_vars, vars, n_local, node_ids, dt, err);
    AX_TRY(ax_h5_sync(r->comm, st, err));
    AX_TRY(ax_h5_sync(r->comm, check_agree(r, pop, n_vars, t_start, dt, !!precision_double,
                                           err), err));
    unsigned long long mine = n_local, off = 0, total = 0;
    if (MPI_Exscan(&mine, &off, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, r->comm) != MPI_SUCCESS ||
        MPI_Allreduce(&mine, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, r->comm) != MPI_SUCCESS)
        return AX_FAIL(err, AX_EMPI, "MPI_Exscan/MPI_Allreduce failed declaring a report");
    if (r->rank == 0) off = 0;
    ax_h5_report *grown = realloc(r->reports, (r->n_reports + 1) * sizeof *grown);
    if (grown) r->reports = grown;
    ax_h5_report *rep = grown ? &r->reports[r->n_reports] : NULL;
    if (rep) {
        *rep = (ax_h5_report){.pop = ax_h5_strdup(pop), .n_vars = n_vars, .grp = -1,
                              .time = -1, .data = malloc(n_vars * sizeof(hid_t)),
                              .dbl = !!precision_double, .n_local = n_local, .col_off = off,
                              .n_cols = total, .t_start = t_start, .dt = dt};
        for (int v = 0; rep->data && v < n_vars; v++) rep->data[v] = -1;
        if (rep->pop && rep->data) r->n_reports++;
        else ax_h5_report_release(rep);
    }
    if (!rep || !rep->pop)
        st = AX_FAIL(err, AX_ENOMEM, "out of memory declaring report '%s'", pop);
    AX_TRY(ax_h5_sync(r->comm, st, err));
    st = create_report(r, rep, vars, node_ids, err);
    AX_TRY(ax_h5_sync(r->comm, st, err));
    *id = r->n_reports - 1;
    return AX_OK;
}

/* Extend one variable by n_times rows and write this rank's columns. */
static ax_status append_var(ax_recorder r, ax_h5_report *rep, int v, size_t n_times,
                            const double *block, ax_error *err)
{
    size_t n = n_times * rep->n_local;
    const void *buf = block;
    if (!rep->dbl && n) {
        for (size_t i = 0; i < n; i++) rep->fbuf[i] = (float)block[i];
        buf = rep->fbuf;
    }
    hsize_t dims[2] = {rep->n_rows + n_times, rep->n_cols};
    hsize_t start[2] = {rep->n_rows, rep->col_off}, count[2] = {n_times, rep->n_local};
    hsize_t md = n ? n : 1;
    herr_t rc = H5Dset_extent(rep->data[v], dims);
    hid_t fs = rc >= 0 ? H5Dget_space(rep->data[v]) : -1, ms = H5Screate_simple(1, &md, NULL);
    rc = fs >= 0 && ms >= 0 ? 0 : -1;
    if (rc >= 0 && n) rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    else if (rc >= 0) rc = (H5Sselect_none(fs) < 0 || H5Sselect_none(ms) < 0) ? -1 : 0;
    static const double dummy = 0;
    if (rc >= 0)
        rc = H5Dwrite(rep->data[v], rep->dbl ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT, ms, fs,
                      r->dxpl, n ? buf : &dummy);
    ax_h5_close_obj(&fs);
    ax_h5_close_obj(&ms);
    return rc < 0 ? AX_H5_FAIL(err, r->partial, "writing /report/<pop>/<var>/data") : AX_OK;
}

/* Local checks of an append and the float32 buffer it needs. */
static ax_status prepare_append(ax_recorder r, int id, size_t n_times, const double *data,
                                ax_error *err)
{
    AX_CHECK(id >= 0 && id < r->n_reports, err, AX_EINTERNAL, "report append: no report %d",
             id);
    ax_h5_report *rep = &r->reports[id];
    size_t n = n_times * rep->n_local;
    AX_CHECK(!n || data, err, AX_EINTERNAL, "report append: %zu values but no data", n);
    if (!rep->dbl && n > rep->fbuf_cap) {
        float *f = realloc(rep->fbuf, n * sizeof *f);
        AX_CHECK_ALLOC(f, err, "the trace conversion buffer");
        rep->fbuf = f, rep->fbuf_cap = n;
    }
    return AX_OK;
}

ax_status ax_rec_report_append(ax_recorder r, int id, size_t n_times, const double *data,
                               ax_error *err)
{
    AX_TRY(ax_h5_sync(r->comm, prepare_append(r, id, n_times, data, err), err));
    unsigned long long mine = n_times, lo = 0, hi = 0;
    if (MPI_Allreduce(&mine, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, r->comm) != MPI_SUCCESS ||
        MPI_Allreduce(&mine, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, r->comm) != MPI_SUCCESS)
        return AX_FAIL(err, AX_EMPI, "MPI_Allreduce failed appending a report");
    ax_h5_report *rep = &r->reports[id];
    AX_CHECK(lo == hi, err, AX_EINTERNAL,
             "report '%s': ranks appended different numbers of time rows (%llu..%llu)",
             rep->pop, lo, hi);
    if (n_times == 0) return AX_OK;
    size_t block = n_times * rep->n_local;
    for (int v = 0; v < rep->n_vars; v++)
        AX_TRY(ax_h5_sync(r->comm, append_var(r, rep, v, n_times, data ? data + v * block : NULL, err), err));
    rep->n_rows += n_times;
    return ax_h5_sync(r->comm, write_time(r, rep, err), err);
}
