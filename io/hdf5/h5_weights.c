/* h5_weights.c - weight_recorder output (axon/record.h, docs/output.md):
 * /weights/<device>/{senders, targets, times, weights, projections} extended
 * at every flush like the spike datasets (each rank writes its rows at its
 * MPI_Exscan offset), and /weights/<device>/final/... written once at the end
 * of the run. Every call is collective and ends in ax_h5_sync.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdf5_impl.h"

static const char *const kNames[5] = {"senders", "targets", "times", "weights", "projections"};

/* H5T file and memory types of the five columns. */
static hid_t file_type(int k)
{
    return k < 2 ? H5T_STD_U64LE : k < 4 ? H5T_IEEE_F64LE : H5T_STD_I32LE;
}

static hid_t mem_type(int k)
{
    return k < 2 ? H5T_NATIVE_UINT64 : k < 4 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT32;
}

/* /weights, created on first use (collective). */
static ax_status weights_group(ax_recorder r, ax_error *err)
{
    if (r->g_weights >= 0) return AX_OK;
    r->g_weights = H5Gcreate2(r->file, "weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ax_status st = r->g_weights < 0 ? AX_H5_FAIL(err, r->partial, "creating /weights") : AX_OK;
    return ax_h5_sync(r->comm, st, err);
}

/* /weights/<name>, created or opened (the final group may come first or second). */
static hid_t device_group(ax_recorder r, const char *name)
{
    if (H5Lexists(r->g_weights, name, H5P_DEFAULT) > 0)
        return H5Gopen2(r->g_weights, name, H5P_DEFAULT);
    return H5Gcreate2(r->g_weights, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

static ax_status units(hid_t d, int k, ax_error *err, const char *file)
{
    if (k == 2) return ax_h5_attr_str(d, "units", "ms", err, file);
    return AX_OK;
}

ax_status ax_rec_weights_declare(ax_recorder r, const char *name, int *id, ax_error *err)
{
    static const char *const reserved[] = {NULL};
    ax_status st = ax_h5_check_name("weight_recorder", name, reserved, err);
    ax_h5_weights *grown = st ? NULL : realloc(r->weights, (r->n_weights + 1) * sizeof *grown);
    if (!st && !grown) st = AX_FAIL(err, AX_ENOMEM, "out of memory declaring a weight_recorder");
    if (grown) r->weights = grown;
    AX_TRY(ax_h5_sync(r->comm, st, err));
    AX_TRY(weights_group(r, err));
    ax_h5_weights *w = &r->weights[r->n_weights++];
    *w = (ax_h5_weights){.grp = -1, .ds = {-1, -1, -1, -1, -1}};
    snprintf(w->name, sizeof w->name, "%s", name);
    w->grp = device_group(r, name);
    st = w->grp < 0 ? AX_H5_FAIL(err, r->partial, "creating /weights/<device>") : AX_OK;
    for (int k = 0; !st && k < 5; k++) {
        w->ds[k] = ax_h5_create_extendible(w->grp, kNames[k], file_type(k));
        if (w->ds[k] < 0) st = AX_H5_FAIL(err, r->partial, "creating /weights/<device> datasets");
        else st = units(w->ds[k], k, err, r->partial);
    }
    AX_TRY(ax_h5_sync(r->comm, st, err));
    *id = r->n_weights - 1;
    return AX_OK;
}

ax_status ax_rec_weights_append(ax_recorder r, int id, size_t n, const uint64_t *senders,
                                const uint64_t *targets, const double *times_ms,
                                const double *weights, const int32_t *proj, ax_error *err)
{
    ax_status st = id < 0 || id >= r->n_weights
                       ? AX_FAIL(err, AX_EINTERNAL, "weight append: no weight_recorder %d", id)
                       : AX_OK;
    AX_TRY(ax_h5_sync(r->comm, st, err));
    unsigned long long mine = n, off = 0, total = 0;
    if (MPI_Exscan(&mine, &off, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, r->comm) != MPI_SUCCESS ||
        MPI_Allreduce(&mine, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, r->comm) != MPI_SUCCESS)
        return AX_FAIL(err, AX_EMPI, "MPI_Exscan/MPI_Allreduce failed appending weights");
    if (r->rank == 0) off = 0;
    if (total == 0) return AX_OK;
    ax_h5_weights *w = &r->weights[id];
    const void *cols[5] = {senders, targets, times_ms, weights, proj};
    for (int k = 0; k < 5; k++) {
        char what[160];
        snprintf(what, sizeof what, "writing /weights/%s/%s", w->name, kNames[k]);
        st = ax_h5_write_slice(r, w->ds[k], mem_type(k), w->n_total + total, w->n_total + off, n,
                               cols[k], what, err);
        AX_TRY(ax_h5_sync(r->comm, st, err));
    }
    w->n_total += total;
    return AX_OK;
}

/* One fixed-size column of the final group, this rank's n rows at off. */
static ax_status final_column(ax_recorder r, hid_t g, int k, uint64_t total, uint64_t off,
                              size_t n, const void *buf, ax_error *err)
{
    hsize_t dim = total, start = off, count = n;
    hid_t fs = H5Screate_simple(1, &dim, NULL);
    hid_t d = fs >= 0 ? H5Dcreate2(g, kNames[k], file_type(k), fs, H5P_DEFAULT, H5P_DEFAULT,
                                   H5P_DEFAULT) : -1;
    hsize_t mdim = n ? n : 1;
    hid_t ms = H5Screate_simple(1, &mdim, NULL);
    herr_t rc = d >= 0 && ms >= 0 ? 0 : -1;
    if (rc >= 0) {
        if (n) rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
        else rc = (H5Sselect_none(fs) < 0 || H5Sselect_none(ms) < 0) ? -1 : 0;
    }
    static const double dummy = 0;
    if (rc >= 0 && total) rc = H5Dwrite(d, mem_type(k), ms, fs, r->dxpl, n ? buf : &dummy);
    ax_status st = rc < 0 ? AX_H5_FAIL(err, r->partial, "writing /weights/<device>/final")
                          : AX_OK;
    if (!st && d >= 0) st = units(d, k, err, r->partial);
    ax_h5_close_obj(&ms);
    ax_h5_close_obj(&fs);
    ax_h5_close_obj(&d);
    return st;
}

ax_status ax_rec_weights_final(ax_recorder r, const char *name, size_t n, const uint64_t *senders,
                               const uint64_t *targets, const double *weights,
                               const int32_t *proj, ax_error *err)
{
    static const char *const reserved[] = {NULL};
    AX_TRY(ax_h5_sync(r->comm, ax_h5_check_name("weight_recorder", name, reserved, err), err));
    AX_TRY(weights_group(r, err));
    unsigned long long mine = n, off = 0, total = 0;
    if (MPI_Exscan(&mine, &off, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, r->comm) != MPI_SUCCESS ||
        MPI_Allreduce(&mine, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, r->comm) != MPI_SUCCESS)
        return AX_FAIL(err, AX_EMPI, "MPI_Exscan/MPI_Allreduce failed writing final weights");
    if (r->rank == 0) off = 0;
    hid_t dg = device_group(r, name);
    hid_t g = dg >= 0 ? H5Gcreate2(dg, "final", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    ax_status st = g < 0 ? AX_H5_FAIL(err, r->partial, "creating /weights/<device>/final") : AX_OK;
    st = ax_h5_sync(r->comm, st, err);
    const void *cols[5] = {senders, targets, NULL, weights, proj};
    for (int k = 0; st == AX_OK && k < 5; k++) {
        if (k == 2) continue; /* no times: the state at the end of the run */
        st = ax_h5_sync(r->comm, final_column(r, g, k, total, off, n, cols[k], err), err);
    }
    if (g >= 0) H5Gclose(g);
    if (dg >= 0) H5Gclose(dg);
    return st;
}

void ax_h5_weights_close(ax_recorder r)
{
    for (int i = 0; i < r->n_weights; i++) {
        for (int k = 0; k < 5; k++) ax_h5_close_obj(&r->weights[i].ds[k]);
        ax_h5_close_obj(&r->weights[i].grp);
    }
    ax_h5_close_obj(&r->g_weights);
}
