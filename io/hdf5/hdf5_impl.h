/* hdf5_impl.h - private to io/hdf5: the state of the HDF5 recorder and the
 * helpers its files share.
 *
 * Invariants of an open recorder:
 *  - every rank holds the same HDF5 objects (same names, same order of
 *    creation, same metadata), as parallel HDF5 requires;
 *  - spikes[i].n_total and reports[i].n_rows are the global sizes, equal on
 *    every rank; a rank's share of a dataset starts at an offset from
 *    MPI_Exscan of the local counts;
 *  - any failure goes through ax_h5_sync before the next collective HDF5
 *    call, so no rank enters a collective that another rank skips.
 */
#ifndef AX_HDF5_IMPL_H
#define AX_HDF5_IMPL_H

#include <stdint.h>

#include <hdf5.h>
#include <mpi.h>

#include "axon/error.h"
#include "axon/h5_attr.h"
#include "axon/record.h"

/* SONATA spike-file root attributes (pysonata/bmtk write these). */
#define AX_H5_SONATA_MAGIC 0x0A7Au
#define AX_H5_SONATA_VERSION_MAJOR 0u
#define AX_H5_SONATA_VERSION_MINOR 1u

/* Elements per chunk of the spike datasets (512 KiB of uint64/float64). */
#define AX_H5_SPIKE_CHUNK 65536
/* Target bytes per chunk of a trace dataset. */
#define AX_H5_TRACE_CHUNK_BYTES (1u << 18)

typedef struct ax_h5_spikes {
    char *pop;
    hid_t grp, ids, times; /* /spikes/<pop>, its node_ids and timestamps */
    uint64_t n_total;      /* spikes in the file, all ranks */
} ax_h5_spikes;

typedef struct ax_h5_report {
    char *pop;
    int n_vars;
    hid_t grp, time;  /* /report/<pop>, mapping/time */
    hid_t *data;      /* n_vars datasets /report/<pop>/<var>/data */
    int dbl;          /* 1: float64 in the file, else float32 */
    size_t n_local;   /* this rank's columns */
    uint64_t col_off; /* first column of this rank */
    uint64_t n_cols;  /* columns, all ranks */
    uint64_t n_rows;  /* time rows written */
    double t_start, dt; /* ms */
    float *fbuf;      /* conversion buffer, n_times * n_local floats */
    size_t fbuf_cap;
} ax_h5_report;

/* /weights/<device>: a weight_recorder's events (h5_weights.c). */
typedef struct ax_h5_weights {
    char name[64];
    hid_t grp, ds[5];  /* senders, targets, times, weights, projections */
    uint64_t n_total;
} ax_h5_weights;

struct ax_recorder_s {
    MPI_Comm comm; /* duplicated from the caller's */
    int rank, size;
    char *path, *partial;
    int force;
    hid_t file, g_spikes, g_report, g_axon;
    hid_t dxpl; /* collective transfer */
    int n_spikes, n_reports;
    ax_h5_spikes *spikes;
    ax_h5_report *reports;
    hid_t g_weights;       /* /weights (-1 until a weight_recorder is declared) */
    int n_weights;
    ax_h5_weights *weights;
    int meta_written;
    int made_partial; /* rank 0 created the partial file (so may delete it) */
    const void *prefix; /* rank 0: output image of the run before a restart, or NULL */
    uint64_t prefix_len;
};

/* Collective: agree on a status; ax_agree (axon/agree.h): every rank gets
 * the status and message of the lowest failing rank, prefixed "rank R: "
 * when not every rank failed. Returns that status. */
ax_status ax_h5_sync(MPI_Comm comm, ax_status local, ax_error *err);

/* Record an HDF5 failure as AX_EIO: "<file>: <what>: <innermost HDF5
 * message>". Always returns AX_EIO. */
ax_status ax_h5_fail(ax_error *err, const char *file, int line, const char *h5file,
                     const char *what);
#define AX_H5_FAIL(err, h5file, what) ax_h5_fail((err), __FILE__, __LINE__, (h5file), (what))

/* Silence HDF5's own error printing for this thread (library code never
 * prints); can't fail. */
void ax_h5_quiet(void);

/* Attribute writers (collective in parallel HDF5: identical on all ranks).
 * Strings are variable-length UTF-8, as h5py and libsonata expect. */
ax_status ax_h5_attr_str(hid_t loc, const char *name, const char *value, ax_error *err,
                         const char *h5file);
ax_status ax_h5_attr_num(hid_t loc, const char *name, hid_t type, size_t n,
                         const void *value, ax_error *err, const char *h5file);

/* Close an HDF5 object if valid and set it to -1; can't fail (errors on
 * close are reported by H5Fclose). */
void ax_h5_close_obj(hid_t *id);

/* Check a population or variable name: non-empty, no '/', not "." or
 * "..", not one of the reserved names (NULL-terminated list). */
ax_status ax_h5_check_name(const char *what, const char *name, const char *const *reserved,
                           ax_error *err);

/* Duplicate a string; NULL on allocation failure. */
char *ax_h5_strdup(const char *s);

/* Trace dataset/report internals (h5_report.c), used by close/abort. */
void ax_h5_report_release(ax_h5_report *rep);

/* A 1-D chunked dataset of `type`, extendible, empty (collective). */
hid_t ax_h5_create_extendible(hid_t loc, const char *name, hid_t type);
/* Extend a 1-D dataset to `total` and write this rank's n values at off
 * (collective; what names the dataset in an error). */
ax_status ax_h5_write_slice(ax_recorder r, hid_t d, hid_t mtype, uint64_t total, uint64_t off,
                            size_t n, const void *buf, const char *what, ax_error *err);

/* h5_weights.c: close the weight datasets (close/abort). */
void ax_h5_weights_close(ax_recorder r);

/* h5_merge.c: see ax_rec_set_prefix (serial, rank 0). */
ax_status ax_h5_merge_prefix(const char *partial, const void *image, uint64_t len, ax_error *err);

#endif
