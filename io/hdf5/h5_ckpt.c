/* h5_ckpt.c - the checkpoint file's layout (include/axon/ckpt_file.h): HDF5
 * with MPI-IO, collective transfers, populations stored by node id so a run
 * can continue on any ranks x threads. What the arrays hold is the engine's
 * business (src/engine/checkpoint.c).
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

#include "axon/ckpt_file.h"
#include "axon/h5_attr.h"

struct ax_ckpt_file_s {
    hid_t f, dxpl;
    hid_t g_pop, g_tso;     /* /pop and /tso (-1 until begun) */
    hid_t g, ds[2];         /* the open population: its group, state and ring */
    hsize_t lead[2][2];     /* leading dimensions of state ([n_state]) and ring ([n_rec][n_slots]) */
    int write, rank;
    MPI_Comm comm;
};

static ax_ckpt_file file_new(const char *path, MPI_Comm comm, int write)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
    hid_t h = write ? H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)
                    : H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    ax_ckpt_file f = h >= 0 ? calloc(1, sizeof *f) : NULL;
    if (!f) {
        if (h >= 0) H5Fclose(h);
        return NULL;
    }
    *f = (struct ax_ckpt_file_s){.f = h, .g_pop = -1, .g_tso = -1, .g = -1, .ds = {-1, -1},
                                 .write = write, .comm = comm};
    MPI_Comm_rank(comm, &f->rank);
    f->dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(f->dxpl, H5FD_MPIO_COLLECTIVE);
    return f;
}

ax_ckpt_file ax_ckpt_create(const char *path, MPI_Comm comm) { return file_new(path, comm, 1); }
ax_ckpt_file ax_ckpt_open(const char *path, MPI_Comm comm) { return file_new(path, comm, 0); }

int ax_ckpt_close(ax_ckpt_file f)
{
    if (!f) return 1;
    ax_ckpt_pop_end(f);
    if (f->g_tso >= 0) H5Gclose(f->g_tso);
    if (f->g_pop >= 0) H5Gclose(f->g_pop);
    H5Pclose(f->dxpl);
    int ok = H5Fclose(f->f) >= 0;
    free(f);
    return ok;
}

int ax_ckpt_put_header(ax_ckpt_file f, const int64_t h[AX_CKPT_HEADER_LEN], uint64_t spec_hash,
                       const int64_t *pop_spikes, int n_pops)
{
    return ax_h5_put_attr(f->f, "header", H5T_NATIVE_INT64, AX_CKPT_HEADER_LEN, h) &&
           ax_h5_put_attr(f->f, "spec_hash", H5T_NATIVE_UINT64, 1, &spec_hash) &&
           ax_h5_put_attr(f->f, "pop_spikes", H5T_NATIVE_INT64, (hsize_t)n_pops, pop_spikes);
}

int ax_ckpt_get_header(ax_ckpt_file f, int64_t h[AX_CKPT_HEADER_LEN], uint64_t *spec_hash)
{
    return ax_h5_get_attr(f->f, "header", H5T_NATIVE_INT64, h) &&
           ax_h5_get_attr(f->f, "spec_hash", H5T_NATIVE_UINT64, spec_hash);
}

int ax_ckpt_get_pop_spikes(ax_ckpt_file f, int64_t *pop_spikes)
{
    return ax_h5_get_attr(f->f, "pop_spikes", H5T_NATIVE_INT64, pop_spikes);
}

/* Create (writing) or open (reading) group `name` under loc. */
static hid_t group(const ax_ckpt_file f, hid_t loc, const char *name)
{
    return f->write ? H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                    : H5Gopen2(loc, name, H5P_DEFAULT);
}

/* Create (writing) or open (reading) a float64 dataset of `rank` dims. */
static hid_t dataset(const ax_ckpt_file f, hid_t loc, const char *name, int rank,
                     const hsize_t *dims)
{
    if (!f->write) return H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t s = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(loc, name, H5T_NATIVE_DOUBLE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(s);
    return d;
}

int ax_ckpt_pops_begin(ax_ckpt_file f)
{
    f->g_pop = group(f, f->f, "pop");
    return f->g_pop >= 0;
}

int ax_ckpt_pop_begin(ax_ckpt_file f, const char *name, int64_t n, int64_t n_state,
                      int64_t n_rec, int64_t n_slots)
{
    f->g = group(f, f->g_pop, name);
    if (f->g < 0) return 0;
    f->lead[0][0] = (hsize_t)n_state;
    f->lead[1][0] = (hsize_t)n_rec;
    f->lead[1][1] = (hsize_t)n_slots;
    hsize_t dims_s[2] = {(hsize_t)n_state, (hsize_t)n};
    hsize_t dims_r[3] = {(hsize_t)n_rec, (hsize_t)n_slots, (hsize_t)n};
    f->ds[0] = dataset(f, f->g, "state", 2, dims_s);
    f->ds[1] = dataset(f, f->g, "ring", 3, dims_r);
    return f->ds[0] >= 0 && f->ds[1] >= 0;
}

/* Select count neurons from off with stride in the last dimension of fspace
 * (all of the leading ones); the memory space is flat. */
static hid_t strided(hid_t fspace, int rank_dims, const hsize_t *lead, hsize_t off,
                     hsize_t stride, hsize_t count)
{
    hsize_t start[3] = {0, 0, 0}, str[3] = {1, 1, 1}, cnt[3] = {1, 1, 1};
    for (int d = 0; d < rank_dims - 1; d++) cnt[d] = lead[d];
    start[rank_dims - 1] = off;
    str[rank_dims - 1] = stride;
    cnt[rank_dims - 1] = count;
    if (count == 0) H5Sselect_none(fspace);
    else H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, str, cnt, NULL);
    hsize_t m = count;
    for (int d = 0; d < rank_dims - 1; d++) m *= lead[d];
    return H5Screate_simple(1, &m, NULL);
}

int ax_ckpt_pop_io(ax_ckpt_file f, int ring, int64_t off, int64_t stride, int64_t count,
                   double *buf)
{
    hid_t d = f->ds[ring], fs = H5Dget_space(d);
    hid_t ms = strided(fs, ring ? 3 : 2, f->lead[ring], (hsize_t)off, (hsize_t)stride,
                       (hsize_t)count);
    int ok = f->write ? H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, f->dxpl, buf) >= 0
                      : H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, f->dxpl, buf) >= 0;
    H5Sclose(ms);
    H5Sclose(fs);
    return ok;
}

void ax_ckpt_pop_end(ax_ckpt_file f)
{
    for (int k = 0; k < 2; k++) {
        if (f->ds[k] >= 0) H5Dclose(f->ds[k]);
        f->ds[k] = -1;
    }
    if (f->g >= 0) H5Gclose(f->g);
    f->g = -1;
}

int ax_ckpt_tso_begin(ax_ckpt_file f)
{
    f->g_tso = group(f, f->f, "tso");
    return f->g_tso >= 0;
}

int ax_ckpt_tso_io(ax_ckpt_file f, int k, int64_t n, double *buf)
{
    char name[32];
    snprintf(name, sizeof name, "%d", k);
    hsize_t dims[2] = {3, (hsize_t)n};
    hid_t d = dataset(f, f->g_tso, name, 2, dims);
    if (d < 0) return 0;
    int ok;
    if (f->write) {
        hid_t fs = H5Screate_simple(2, dims, NULL);
        if (f->rank != 0) H5Sselect_none(fs);
        hid_t ms = H5Scopy(fs);
        ok = H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, f->dxpl, buf) >= 0;
        H5Sclose(ms);
        H5Sclose(fs);
    } else {
        ok = H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, f->dxpl, buf) >= 0;
    }
    H5Dclose(d);
    return ok;
}

int ax_ckpt_put_image(ax_ckpt_file f, const void *image, uint64_t len)
{
    MPI_Bcast(&len, 1, MPI_UINT64_T, 0, f->comm);
    hsize_t dim = len;
    hid_t s = H5Screate_simple(1, &dim, NULL);
    hid_t d = H5Dcreate2(f->f, "output_image", H5T_NATIVE_UINT8, s, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    if (f->rank != 0 || len == 0) H5Sselect_none(s);
    hid_t ms = H5Scopy(s);
    int ok = d >= 0 && H5Dwrite(d, H5T_NATIVE_UINT8, ms, s, f->dxpl, image) >= 0;
    H5Sclose(ms);
    H5Sclose(s);
    if (d >= 0) H5Dclose(d);
    return ok;
}

int ax_ckpt_get_image(ax_ckpt_file f, void **image, uint64_t *len)
{
    *image = NULL;
    *len = 0;
    hid_t d = H5Dopen2(f->f, "output_image", H5P_DEFAULT);
    if (d < 0) return 1; /* a checkpoint of a run without output */
    hid_t s = H5Dget_space(d);
    hsize_t n = 0;
    H5Sget_simple_extent_dims(s, &n, NULL);
    *len = n;
    if (f->rank == 0 && n) *image = malloc(n);
    if (f->rank != 0 || n == 0) H5Sselect_none(s);
    hid_t ms = H5Scopy(s);
    int ok = H5Dread(d, H5T_NATIVE_UINT8, ms, s, f->dxpl, *image) >= 0;
    H5Sclose(ms);
    H5Sclose(s);
    H5Dclose(d);
    return ok;
}
