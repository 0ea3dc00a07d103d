/* h5_record.c - the recorder's life (create, close, abort) and spike output.
 *
 * State machine: create -> {spikes_declare, report_declare, *_append,
 * write_meta}* -> close | abort. Every step is collective over r->comm and
 * ends in ax_h5_sync, so an error on one rank is an error on all and no rank
 * waits in a collective another skipped.
 *
 * The file lives under a temporary name of this run's own,
 * "<path>.partial.<pid>.<random>" (axon/outfile.h), until ax_rec_close:
 * after every rank has closed it, rank 0 publishes it as <path> (link+unlink,
 * which refuses to replace a file that appeared meanwhile, or rename when
 * --force). A killed run thus never leaves a file under the final name, two
 * runs with one -o never write into one file; ax_rec_abort deletes the
 * partial.
 *
 * Spikes are appended unsorted (sorting = none): each append extends
 * /spikes/<pop>/{node_ids,timestamps} by the global count and each rank writes
 * its slice at its MPI_Exscan offset. Sorting at close would need a parallel
 * sort of the whole file, so it is left to readers (axon info, axon-plot).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "axon/outfile.h"
#include "hdf5_impl.h"

/* Rank 0 checks the target and creates the run's own temporary name
 * (axon/outfile.h); every rank learns the name. Collective. */
static ax_status make_partial(ax_recorder r, ax_error *err)
{
    ax_status st = AX_OK;
    char *tmp = NULL, name[4200] = "";
    if (r->rank == 0 && strlen(r->path) > 4096)
        st = AX_FAIL(err, AX_EINPUT, "-o: the file name is longer than 4096 characters");
    else if (r->rank == 0) st = ax_out_begin(r->path, r->force, "-o", &tmp, err);
    if (tmp) snprintf(name, sizeof name, "%s", tmp);
    free(tmp);
    r->made_partial = r->rank == 0 && !st;
    AX_TRY(ax_h5_sync(r->comm, st, err));
    MPI_Bcast(name, sizeof name, MPI_CHAR, 0, r->comm);
    r->partial = ax_h5_strdup(name);
    st = r->partial ? AX_OK : AX_FAIL(err, AX_ENOMEM, "out of memory opening the output");
    return ax_h5_sync(r->comm, st, err);
}

/* Create the file collectively and its top-level groups and root attrs. */
static ax_status open_file(ax_recorder r, ax_error *err)
{
    ax_status st = AX_OK;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fapl_mpio(fapl, r->comm, MPI_INFO_NULL) < 0 ||
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0)
        st = AX_H5_FAIL(err, r->partial, "setting up MPI-IO file access");
    if (!st) {
        r->file = H5Fcreate(r->partial, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        if (r->file < 0) st = AX_H5_FAIL(err, r->partial, "creating the file");
    }
    ax_h5_close_obj(&fapl);
    AX_TRY(ax_h5_sync(r->comm, st, err));

    /* /axon stores large attributes (the spec text) densely: no 64 KiB limit. */
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (gcpl < 0 || H5Pset_attr_phase_change(gcpl, 0, 0) < 0)
        st = AX_H5_FAIL(err, r->partial, "setting up group properties");
    if (!st) {
        r->g_spikes = H5Gcreate2(r->file, "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        r->g_report = H5Gcreate2(r->file, "report", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        r->g_axon = H5Gcreate2(r->file, "axon", H5P_DEFAULT, gcpl, H5P_DEFAULT);
        if (r->g_spikes < 0 || r->g_report < 0 || r->g_axon < 0)
            st = AX_H5_FAIL(err, r->partial, "creating /spikes, /report and /axon");
    }
    ax_h5_close_obj(&gcpl);
    unsigned magic = AX_H5_SONATA_MAGIC;
    unsigned version[2] = {AX_H5_SONATA_VERSION_MAJOR, AX_H5_SONATA_VERSION_MINOR};
    if (!st) st = ax_h5_attr_num(r->file, "magic", H5T_NATIVE_UINT, 1, &magic, err, r->partial);
    if (!st)
        st = ax_h5_attr_num(r->file, "version", H5T_NATIVE_UINT, 2, version, err, r->partial);
    r->dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (!st && (r->dxpl < 0 || H5Pset_dxpl_mpio(r->dxpl, H5FD_MPIO_COLLECTIVE) < 0))
        st = AX_H5_FAIL(err, r->partial, "setting up collective transfers");
    return ax_h5_sync(r->comm, st, err);
}

/* Free the handle's memory (HDF5 objects must already be closed). */
static void free_recorder(ax_recorder r)
{
    for (int i = 0; i < r->n_spikes; i++) free(r->spikes[i].pop);
    for (int i = 0; i < r->n_reports; i++) ax_h5_report_release(&r->reports[i]);
    free(r->spikes);
    free(r->reports);
    free(r->weights);
    free(r->path);
    free(r->partial);
    if (r->comm != MPI_COMM_NULL) MPI_Comm_free(&r->comm);
    free(r);
}

/* Close every HDF5 object and the file; returns the H5Fclose status. */
static herr_t close_objects(ax_recorder r)
{
    for (int i = 0; i < r->n_spikes; i++) {
        ax_h5_close_obj(&r->spikes[i].ids);
        ax_h5_close_obj(&r->spikes[i].times);
        ax_h5_close_obj(&r->spikes[i].grp);
    }
    for (int i = 0; i < r->n_reports; i++) {
        ax_h5_report *rep = &r->reports[i];
        for (int v = 0; rep->data && v < rep->n_vars; v++) ax_h5_close_obj(&rep->data[v]);
        ax_h5_close_obj(&rep->time);
        ax_h5_close_obj(&rep->grp);
    }
    ax_h5_weights_close(r);
    ax_h5_close_obj(&r->g_spikes);
    ax_h5_close_obj(&r->g_report);
    ax_h5_close_obj(&r->g_axon);
    ax_h5_close_obj(&r->dxpl);
    herr_t rc = 0;
    if (r->file >= 0) rc = H5Fclose(r->file);
    r->file = -1;
    return rc;
}

ax_status ax_rec_create(const char *path, int force, MPI_Comm comm, ax_recorder *out,
                        ax_error *err)
{
    *out = NULL;
    ax_h5_quiet();
    ax_status st = AX_OK;
    ax_recorder r = calloc(1, sizeof *r);
    if (r) {
        r->comm = MPI_COMM_NULL;
        r->file = r->g_spikes = r->g_report = r->g_axon = r->dxpl = r->g_weights = -1;
        r->force = force;
        r->path = ax_h5_strdup(path ? path : "");
    }
    if (!r || !r->path) st = AX_FAIL(err, AX_ENOMEM, "out of memory opening output");
    else if (!path || !path[0]) st = AX_FAIL(err, AX_EINPUT, "output file name is empty");
    else if (MPI_Comm_dup(comm, &r->comm) != MPI_SUCCESS)
        st = AX_FAIL(err, AX_EMPI, "MPI_Comm_dup failed opening %s", path);
    else {
        MPI_Comm_rank(r->comm, &r->rank);
        MPI_Comm_size(r->comm, &r->size);
    }
    st = ax_h5_sync(comm, st, err);
    if (!st) st = make_partial(r, err);
    if (!st) st = open_file(r, err);
    if (st) { /* every rank gets here (st is agreed): clean up collectively */
        if (r) close_objects(r);
        MPI_Barrier(comm);
        int rank = 0;
        MPI_Comm_rank(comm, &rank);
        if (rank == 0 && r && r->made_partial && r->partial) unlink(r->partial); /* ours */
        if (r) free_recorder(r);
        return st;
    }
    *out = r;
    return AX_OK;
}

ax_status ax_rec_close(ax_recorder *rp, ax_error *err)
{
    ax_recorder r = *rp;
    if (!r) return AX_OK;
    *rp = NULL;
    ax_status st = AX_OK;
    if (close_objects(r) < 0) st = AX_H5_FAIL(err, r->partial, "closing the file");
    st = ax_h5_sync(r->comm, st, err); /* also the barrier before the rename */
    if (st) {
        if (r->rank == 0) unlink(r->partial);
        MPI_Barrier(r->comm);
        free_recorder(r);
        return st;
    }
    if (r->rank == 0 && r->prefix) st = ax_h5_merge_prefix(r->partial, r->prefix, r->prefix_len, err);
    if (r->rank == 0 && st) { /* only part of the run: never leave it readable */
        unlink(r->partial);
        ax_error_prefix(err, "%s was not published (nothing was written): ", r->path);
    }
    if (r->rank == 0 && !st) st = ax_out_publish(r->partial, r->path, r->force, err);
    st = ax_h5_sync(r->comm, st, err);
    free_recorder(r);
    return st;
}

/* Is image an output file of axon's (an HDF5 file with /spikes and
 * /report)? Opened in memory, serially. */
static int image_ok(const void *image, uint64_t len)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f = -1;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, 1 << 20, 0) >= 0 &&
        H5Pset_file_image(fapl, (void *)image, (size_t)len) >= 0)
        /* a name no file has: the core driver refuses an image whose name exists on disk */
        f = H5Fopen("axon-in-memory:/checkpoint-output-image", H5F_ACC_RDONLY, fapl);
    int ok = f >= 0 && H5Lexists(f, "spikes", H5P_DEFAULT) > 0 &&
             H5Lexists(f, "report", H5P_DEFAULT) > 0;
    if (f >= 0) H5Fclose(f);
    ax_h5_close_obj(&fapl);
    return ok;
}

ax_status ax_rec_set_prefix(ax_recorder r, const void *image, uint64_t len, ax_error *err)
{
    ax_status st = AX_OK;
    if (r->rank == 0 && (!image || !len || !image_ok(image, len)))
        st = AX_FAIL(err, AX_EIO, "the output image in the checkpoint is not an axon output "
                     "file; the checkpoint is damaged: restart from an earlier one");
    r->prefix = image;
    r->prefix_len = len;
    return ax_h5_sync(r->comm, st, err);
}

ax_status ax_rec_flush(ax_recorder r, ax_error *err)
{
    ax_status st = H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0
                       ? AX_H5_FAIL(err, r->partial, "flushing the file") : AX_OK;
    return ax_h5_sync(r->comm, st, err);
}

const char *ax_rec_partial_path(ax_recorder r)
{
    return r->partial;
}

/* Read a whole file into a malloc'd buffer; 0 on failure. */
static int slurp(const char *path, void **bytes, uint64_t *len)
{
    FILE *f = fopen(path, "rb");
    long n = f && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    void *b = n > 0 ? malloc((size_t)n) : NULL;
    int ok = b && fseek(f, 0, SEEK_SET) == 0 && fread(b, 1, (size_t)n, f) == (size_t)n;
    if (f) fclose(f);
    if (!ok) {
        free(b);
        return 0;
    }
    *bytes = b;
    *len = (uint64_t)n;
    return 1;
}

/* Copy file src to dst (created, truncated); 0 on failure. */
static int copy_file(const char *src, const char *dst)
{
    void *b = NULL;
    uint64_t n = 0;
    if (!slurp(src, &b, &n)) return 0;
    FILE *f = fopen(dst, "wb");
    int ok = f && fwrite(b, 1, (size_t)n, f) == n;
    if (f && fclose(f) != 0) ok = 0;
    free(b);
    return ok;
}

ax_status ax_rec_image(ax_recorder r, void **image, uint64_t *len, ax_error *err)
{
    *image = NULL;
    *len = 0;
    if (!r->prefix) { /* the file holds the whole run */
        AX_CHECK(slurp(r->partial, image, len), err, AX_EIO,
                 "%s: cannot read the output for the checkpoint", r->partial);
        return AX_OK;
    }
    /* A restarted run: its file starts at the restart; merge the earlier
     * part in front, on a copy, exactly as ax_rec_close will at the end. */
    char *tmp = malloc(strlen(r->partial) + sizeof ".image");
    AX_CHECK_ALLOC(tmp, err, "the checkpoint image");
    sprintf(tmp, "%s.image", r->partial);
    ax_status st = copy_file(r->partial, tmp)
                       ? AX_OK
                       : AX_FAIL(err, AX_EIO, "%s: cannot copy the output for the checkpoint (%s)",
                                 tmp, strerror(errno));
    if (!st) st = ax_h5_merge_prefix(tmp, r->prefix, r->prefix_len, err);
    if (!st && !slurp(tmp, image, len))
        st = AX_FAIL(err, AX_EIO, "%s: cannot read the merged output for the checkpoint", tmp);
    unlink(tmp);
    free(tmp);
    return st;
}

static int h5_broken;

int ax_rec_needs_abort(void)
{
    return h5_broken;
}

void ax_rec_abort(ax_recorder *rp)
{
    ax_recorder r = *rp;
    if (!r) return;
    *rp = NULL;
    /* A failed close (disk full) leaves HDF5 1.10 holding a half-closed file
     * that its MPI_Finalize hook (and H5close) would close again and crash
     * on: remember it so the caller ends with MPI_Abort instead. */
    if (close_objects(r) < 0) h5_broken = 1;
    MPI_Barrier(r->comm);
    if (r->rank == 0) unlink(r->partial);
    MPI_Barrier(r->comm); /* on return the partial is gone for every rank */
    free_recorder(r);
}

/* See hdf5_impl.h. */
hid_t ax_h5_create_extendible(hid_t loc, const char *name, hid_t type)
{
    hsize_t dim = 0, maxdim = H5S_UNLIMITED, chunk = AX_H5_SPIKE_CHUNK;
    hid_t s = H5Screate_simple(1, &dim, &maxdim), dcpl = H5Pcreate(H5P_DATASET_CREATE), d = -1;
    if (s >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, 1, &chunk) >= 0 &&
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0)
        d = H5Dcreate2(loc, name, type, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ax_h5_close_obj(&s);
    ax_h5_close_obj(&dcpl);
    return d;
}

/* The SONATA `sorting` enum (libsonata reads it as an int8 enum). */
static hid_t sorting_type(void)
{
    hid_t t = H5Tenum_create(H5T_NATIVE_SCHAR);
    signed char v;
    if (t < 0) return -1;
    v = 0, H5Tenum_insert(t, "none", &v);
    v = 1, H5Tenum_insert(t, "by_id", &v);
    v = 2, H5Tenum_insert(t, "by_time", &v);
    return t;
}

/* Create /spikes/<pop> with its datasets and attributes. */
static ax_status create_spike_group(ax_recorder r, ax_h5_spikes *s, ax_error *err)
{
    s->grp = H5Gcreate2(r->g_spikes, s->pop, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (s->grp >= 0) s->ids = ax_h5_create_extendible(s->grp, "node_ids", H5T_STD_U64LE);
    if (s->ids >= 0) s->times = ax_h5_create_extendible(s->grp, "timestamps", H5T_IEEE_F64LE);
    if (s->times < 0) return AX_H5_FAIL(err, r->partial, "creating /spikes/<pop> datasets");
    AX_TRY(ax_h5_attr_str(s->times, "units", "ms", err, r->partial));
    hid_t t = sorting_type();
    signed char none = 0;
    ax_status st = t < 0 ? AX_H5_FAIL(err, r->partial, "creating the sorting enum")
                         : ax_h5_attr_num(s->grp, "sorting", t, 1, &none, err, r->partial);
    ax_h5_close_obj(&t);
    return st;
}

ax_status ax_rec_spikes_declare(ax_recorder r, const char *pop, int *id, ax_error *err)
{
    static const char *const reserved[] = {NULL};
    ax_status st = ax_h5_check_name("spike population", pop, reserved, err);
    for (int i = 0; !st && i < r->n_spikes; i++)
        if (!strcmp(r->spikes[i].pop, pop))
            st = AX_FAIL(err, AX_EINPUT, "spikes of population '%s' declared twice", pop);
    ax_h5_spikes *grown = st ? NULL : realloc(r->spikes, (r->n_spikes + 1) * sizeof *grown);
    if (!st && !grown) st = AX_FAIL(err, AX_ENOMEM, "out of memory declaring spikes");
    if (grown) r->spikes = grown;
    ax_h5_spikes *s = grown ? &r->spikes[r->n_spikes] : NULL;
    if (s) {
        *s = (ax_h5_spikes){.pop = ax_h5_strdup(pop), .grp = -1, .ids = -1, .times = -1};
        if (!s->pop) st = AX_FAIL(err, AX_ENOMEM, "out of memory declaring spikes");
        else r->n_spikes++;
    }
    AX_TRY(ax_h5_sync(r->comm, st, err));
    st = create_spike_group(r, s, err);
    AX_TRY(ax_h5_sync(r->comm, st, err));
    *id = r->n_spikes - 1;
    return AX_OK;
}

/* See hdf5_impl.h. */
ax_status ax_h5_write_slice(ax_recorder r, hid_t d, hid_t mtype, uint64_t total, uint64_t off,
                            size_t n, const void *buf, const char *what, ax_error *err)
{
    hsize_t dim = total, start = off, count = n, mdim = n ? n : 1;
    herr_t rc = H5Dset_extent(d, &dim);
    hid_t fs = rc >= 0 ? H5Dget_space(d) : -1, ms = H5Screate_simple(1, &mdim, NULL);
    if (fs >= 0 && ms >= 0) {
        if (n) rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
        else rc = (H5Sselect_none(fs) < 0 || H5Sselect_none(ms) < 0) ? -1 : 0;
        static const double dummy = 0;
        if (rc >= 0) rc = H5Dwrite(d, mtype, ms, fs, r->dxpl, n ? buf : &dummy);
    } else {
        rc = -1;
    }
    ax_h5_close_obj(&fs);
    ax_h5_close_obj(&ms);
    return rc < 0 ? AX_H5_FAIL(err, r->partial, what) : AX_OK;
}

ax_status ax_rec_spikes_append(ax_recorder r, int id, size_t n, const uint64_t *node_ids,
                               const double *times_ms, ax_error *err)
{
    ax_status st = AX_OK;
    if (id < 0 || id >= r->n_spikes)
        st = AX_FAIL(err, AX_EINTERNAL, "spike append: no spike population %d", id);
    else if (n && (!node_ids || !times_ms))
        st = AX_FAIL(err, AX_EINTERNAL, "spike append: %zu spikes but no data", n);
    AX_TRY(ax_h5_sync(r->comm, st, err));
    unsigned long long mine = n, off = 0, total = 0;
    if (MPI_Exscan(&mine, &off, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, r->comm) != MPI_SUCCESS ||
        MPI_Allreduce(&mine, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, r->comm) != MPI_SUCCESS)
        return AX_FAIL(err, AX_EMPI, "MPI_Exscan/MPI_Allreduce failed appending spikes");
    if (r->rank == 0) off = 0; /* MPI_Exscan leaves rank 0's result undefined */
    if (total == 0) return AX_OK;
    ax_h5_spikes *s = &r->spikes[id];
    uint64_t base = s->n_total, end = s->n_total + total;
    char what[256];
    snprintf(what, sizeof what, "writing /spikes/%s/node_ids", s->pop);
    st = ax_h5_write_slice(r, s->ids, H5T_NATIVE_UINT64, end, base + off, n, node_ids, what, err);
    AX_TRY(ax_h5_sync(r->comm, st, err));
    snprintf(what, sizeof what, "writing /spikes/%s/timestamps", s->pop);
    st = ax_h5_write_slice(r, s->times, H5T_NATIVE_DOUBLE, end, base + off, n, times_ms, what, err);
    AX_TRY(ax_h5_sync(r->comm, st, err));
    s->n_total = end;
    return AX_OK;
}
