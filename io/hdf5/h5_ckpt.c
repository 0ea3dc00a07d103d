/* h5_ckpt.c - the checkpoint file's layout (include/axon/ckpt_file.h): HDF5
 * with MPI-IO, collective transfers, populations stored by node id so a run
 * can continue on any ranks x threads. What the arrays hold is the engine's
 * business (src/engine/checkpoint.c).
 *
 * Integrity: every dataset carries a `digest` attribute and the root
 * attributes an `attr_digest`, verified when read (docs/reliability.md,
 * "Checkpoint integrity"). A dataset's digest must not depend on who wrote
 * which part (any ranks x threads), so it is a sum over the dataset's 64-bit
 * words w_k (its raw little-endian bytes cut into 8-byte words, k the word's
 * index in row-major order, the last word zero-padded) of
 *     mix(w_k ^ mix(k + s)),   s = FNV-1a-64 of the dataset's path,
 * plus mix(s ^ number of words), all mod 2^64, where mix is SplitMix64's
 * finaliser. Each rank adds the words it reads or writes (its strided
 * selections), one MPI_Allreduce(SUM) per dataset combines them: one pass
 * over data already in cache, no extra I/O. Every dataset goes through
 * ds_begin / ds_io / ds_end below, so a new dataset gets its digest without
 * anything else to do.
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/ckpt_file.h"
#include "axon/h5_attr.h"

/* An open dataset and the digest of what this rank wrote or read of it. */
typedef struct ckpt_ds {
    hid_t d;
    int failed;          /* this rank's I/O on it failed */
    uint64_t seed, sum;  /* seed s; this rank's sum of word terms */
    uint64_t words;      /* words in the whole dataset */
    char path[96];
} ckpt_ds;

struct ax_ckpt_file_s {
    hid_t f, dxpl;
    hid_t g_pop, g_tso;     /* /pop and /tso (-1 until begun) */
    hid_t g_stdp;           /* /stdp (-1 until begun) */
    hid_t g;                /* the open population's group */
    ckpt_ds tab[4];         /* the open STDP table's columns (reading) */
    int tab_n, tab_bad;
    char tab_types[5];
    int64_t tab_rows, tab_read;
    ckpt_ds ds[2];          /* its state and ring */
    hsize_t lead[2][2];     /* leading dimensions of state ([n_state]) and ring ([n_rec][n_slots]) */
    int64_t n;              /* neurons of the open population */
    int write, rank;
    MPI_Comm comm;
    char why[256];          /* what failed (a digest mismatch names the dataset) */
};

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * UINT64_C(0x100000001b3);
    return h;
}
#define FNV_BASIS UINT64_C(0xcbf29ce484222325)

static uint64_t word_term(const ckpt_ds *ds, uint64_t k, uint64_t w)
{
    return mix(w ^ mix(k + ds->seed));
}

static void why(ax_ckpt_file f, const char *fmt, const char *a)
{
    if (!f->why[0]) snprintf(f->why, sizeof f->why, fmt, a);
}

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
    *f = (struct ax_ckpt_file_s){.f = h, .g_pop = -1, .g_tso = -1, .g_stdp = -1, .g = -1,
                                 .ds = {{.d = -1}, {.d = -1}}, .write = write, .comm = comm};
    MPI_Comm_rank(comm, &f->rank);
    f->dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(f->dxpl, H5FD_MPIO_COLLECTIVE);
    return f;
}

ax_ckpt_file ax_ckpt_create(const char *path, MPI_Comm comm) { return file_new(path, comm, 1); }
ax_ckpt_file ax_ckpt_open(const char *path, MPI_Comm comm) { return file_new(path, comm, 0); }

const char *ax_ckpt_why(ax_ckpt_file f)
{
    return f && f->why[0] ? f->why : NULL;
}

/* --- root attributes and their digest ------------------------------------ */

typedef struct {
    uint64_t h;
    int ok;
} attr_walk;

/* Add one root attribute (name and raw bytes) to the walk's FNV-1a hash. */
static herr_t hash_attr(hid_t loc, const char *name, const H5A_info_t *info, void *arg)
{
    (void)info;
    attr_walk *w = arg;
    if (!strcmp(name, "attr_digest")) return 0;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : -1;
    hid_t s = a >= 0 ? H5Aget_space(a) : -1;
    hssize_t n = s >= 0 ? H5Sget_select_npoints(s) : -1;
    size_t sz = t >= 0 ? H5Tget_size(t) : 0;
    void *buf = n >= 0 && sz && H5Tis_variable_str(t) == 0 ? malloc((size_t)n * sz + 1) : NULL;
    if (buf && H5Aread(a, t, buf) >= 0) {
        w->h = fnv1a(name, strlen(name) + 1, w->h);
        w->h = fnv1a(buf, (size_t)n * sz, w->h);
    } else {
        w->ok = 0; /* the checkpoint's own attributes are all numeric */
    }
    free(buf);
    if (s >= 0) H5Sclose(s);
    if (t >= 0) H5Tclose(t);
    if (a >= 0) H5Aclose(a);
    return 0;
}

static int attr_digest(ax_ckpt_file f, uint64_t *d)
{
    attr_walk w = {FNV_BASIS, 1};
    hsize_t idx = 0;
    if (H5Aiterate2(f->f, H5_INDEX_NAME, H5_ITER_INC, &idx, hash_attr, &w) < 0) return 0;
    *d = mix(w.h);
    return w.ok;
}

int ax_ckpt_check_attrs(ax_ckpt_file f)
{
    if (H5Aexists(f->f, "attr_digest") <= 0) return -1;
    uint64_t want = 0, got = 0;
    if (!ax_h5_get_attr(f->f, "attr_digest", H5T_NATIVE_UINT64, &want) || !attr_digest(f, &got) ||
        got != want) {
        why(f, "%s", "its attributes (header, spec_hash, pop_spikes) are corrupted: their "
                     "checksum does not match");
        return 0;
    }
    return 1;
}

int ax_ckpt_close(ax_ckpt_file f)
{
    if (!f) return 1;
    ax_ckpt_pop_end(f);
    int ok = 1;
    uint64_t d;
    if (f->write) /* identical on every rank: attributes are collective metadata */
        ok = attr_digest(f, &d) && ax_h5_put_attr(f->f, "attr_digest", H5T_NATIVE_UINT64, 0, &d);
    if (f->g_tso >= 0) H5Gclose(f->g_tso);
    if (f->g_stdp >= 0) H5Gclose(f->g_stdp);
    if (f->g_pop >= 0) H5Gclose(f->g_pop);
    H5Pclose(f->dxpl);
    if (H5Fclose(f->f) < 0) ok = 0;
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

/* --- datasets with digests ----------------------------------------------- */

/* Create (writing) or open (reading) dataset `name` of loc, whose path in
 * the file is `path`: `type` with `rank` dims (writing). */
static int ds_begin(ax_ckpt_file f, ckpt_ds *ds, hid_t loc, const char *name, const char *path,
                    hid_t type, int rank, const hsize_t *dims)
{
    *ds = (ckpt_ds){.d = -1};
    snprintf(ds->path, sizeof ds->path, "%s", path);
    if (f->write) {
        hid_t s = H5Screate_simple(rank, dims, NULL);
        ds->d = H5Dcreate2(loc, name, type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Sclose(s);
    } else {
        ds->d = H5Dopen2(loc, name, H5P_DEFAULT);
    }
    if (ds->d < 0) return 0;
    hid_t s = H5Dget_space(ds->d), t = H5Dget_type(ds->d);
    hssize_t n = H5Sget_simple_extent_npoints(s);
    size_t bytes = (size_t)(n > 0 ? n : 0) * H5Tget_size(t);
    H5Sclose(s);
    H5Tclose(t);
    ds->words = (bytes + 7) / 8;
    ds->seed = fnv1a(path, strlen(path), FNV_BASIS);
    return 1;
}

/* Add this rank's words of a dataset of 8-byte elements (float64, int64,
 * uint64: one element is one word): buf is [L][count] for count elements
 * from off with stride in the last dimension (of extent n), all L rows of
 * the leading dimensions. A contiguous run of a 1-D (or row-major) dataset
 * of N elements is L = 1, stride 1, n = N. */
static void ds_add_strided(ckpt_ds *ds, const void *buf, uint64_t L, int64_t off, int64_t stride,
                           int64_t count, int64_t n)
{
    const unsigned char *b = buf;
    uint64_t sum = 0;
    for (uint64_t l = 0; l < L; l++)
        for (int64_t j = 0; j < count; j++) {
            uint64_t w;
            memcpy(&w, b + 8 * (l * (uint64_t)count + (uint64_t)j), 8);
            sum += word_term(ds, l * (uint64_t)n + (uint64_t)(off + j * stride), w);
        }
    ds->sum += sum;
}

/* Add bytes [0, len) of a byte dataset (one rank holds all of it: a byte
 * dataset split between ranks would split words). */
static void ds_add_bytes(ckpt_ds *ds, const unsigned char *p, uint64_t len)
{
    uint64_t sum = 0;
    for (uint64_t k = 0; k * 8 < len; k++) {
        uint64_t w = 0;
        for (uint64_t b = 0; b < 8 && k * 8 + b < len; b++) w |= (uint64_t)p[k * 8 + b] << (8 * b);
        sum += word_term(ds, k, w);
    }
    ds->sum += sum;
}

/* Combine the ranks' sums (collective) and write (or check) the digest;
 * closes the dataset. ok: this rank's I/O so far; returns the agreed result. */
static int ds_end(ax_ckpt_file f, ckpt_ds *ds, int ok)
{
    if (ds->d < 0) return 0;
    uint64_t total = 0;
    int all = 0;
    MPI_Allreduce(&ds->sum, &total, 1, MPI_UINT64_T, MPI_SUM, f->comm);
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, f->comm);
    total += mix(ds->seed ^ ds->words);
    if (all && f->write) {
        all = ax_h5_put_attr(ds->d, "digest", H5T_NATIVE_UINT64, 0, &total);
    } else if (all) {
        uint64_t want = 0;
        if (!ax_h5_get_attr(ds->d, "digest", H5T_NATIVE_UINT64, &want) || want != total) {
            why(f, "%s is corrupted: its checksum does not match", ds->path);
            all = 0;
        }
    } else if (!f->write) {
        why(f, "%s cannot be read", ds->path);
    }
    H5Dclose(ds->d);
    ds->d = -1;
    return all;
}

/* --- populations ---------------------------------------------------------- */

/* Create (writing) or open (reading) group `name` under loc. */
static hid_t group(const ax_ckpt_file f, hid_t loc, const char *name)
{
    return f->write ? H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                    : H5Gopen2(loc, name, H5P_DEFAULT);
}

int ax_ckpt_pops_begin(ax_ckpt_file f)
{
    f->g_pop = group(f, f->f, "pop");
    if (f->g_pop < 0) why(f, "%s cannot be read", "/pop");
    return f->g_pop >= 0;
}

int ax_ckpt_pop_begin(ax_ckpt_file f, const char *name, int64_t n, int64_t n_state,
                      int64_t n_rec, int64_t n_slots)
{
    char path[96];
    snprintf(path, sizeof path, "/pop/%s", name);
    f->g = group(f, f->g_pop, name);
    if (f->g < 0) {
        why(f, "%s cannot be read", path);
        return 0;
    }
    f->n = n;
    f->lead[0][0] = (hsize_t)n_state;
    f->lead[1][0] = (hsize_t)n_rec;
    f->lead[1][1] = (hsize_t)n_slots;
    hsize_t dims_s[2] = {(hsize_t)n_state, (hsize_t)n};
    hsize_t dims_r[3] = {(hsize_t)n_rec, (hsize_t)n_slots, (hsize_t)n};
    char ps[128], pr[128];
    snprintf(ps, sizeof ps, "%s/state", path);
    snprintf(pr, sizeof pr, "%s/ring", path);
    int ok = ds_begin(f, &f->ds[0], f->g, "state", ps, H5T_NATIVE_DOUBLE, 2, dims_s);
    ok &= ds_begin(f, &f->ds[1], f->g, "ring", pr, H5T_NATIVE_DOUBLE, 3, dims_r);
    if (!ok) why(f, "%s cannot be read", path);
    return ok;
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
    ckpt_ds *ds = &f->ds[ring];
    double none = 0;
    if (!buf) { /* this rank has nothing to give: take part, fail at pop_end */
        ds->failed = 1;
        count = 0;
    }
    hid_t d = ds->d, fs = H5Dget_space(d);
    hid_t ms = strided(fs, ring ? 3 : 2, f->lead[ring], (hsize_t)off, (hsize_t)stride,
                       (hsize_t)count);
    double *io = buf ? buf : &none;
    int ok = f->write ? H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, f->dxpl, io) >= 0
                      : H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, f->dxpl, io) >= 0;
    H5Sclose(ms);
    H5Sclose(fs);
    uint64_t L = ring ? f->lead[1][0] * f->lead[1][1] : f->lead[0][0];
    if (ok && buf) ds_add_strided(ds, buf, L, off, stride, count, f->n);
    if (!ok) ds->failed = 1;
    return ok && buf;
}

int ax_ckpt_pop_end(ax_ckpt_file f)
{
    int ok = 1;
    for (int k = 0; k < 2; k++)
        if (f->ds[k].d >= 0) ok &= ds_end(f, &f->ds[k], !f->ds[k].failed);
    if (f->g >= 0) H5Gclose(f->g);
    f->g = -1;
    return ok;
}

/* --- tsodyks2 state and the output image ---------------------------------- */

int ax_ckpt_tso_begin(ax_ckpt_file f)
{
    f->g_tso = group(f, f->f, "tso");
    if (f->g_tso < 0) why(f, "%s cannot be read", "/tso");
    return f->g_tso >= 0;
}

/* The rows x n doubles (dims) of an open dataset (tso, STDP presynaptic traces):
 * written by rank 0 alone, read by every rank; rank 0 counts its words.
 * buf NULL: this rank takes part with nothing and the call fails. Ends the
 * dataset (ds_end). */
static int rank0_rows(ax_ckpt_file f, ckpt_ds *ds, const hsize_t dims[2], int64_t n, double *buf)
{
    hid_t fs = H5Screate_simple(2, dims, NULL);
    if (!buf || (f->write && f->rank != 0)) H5Sselect_none(fs);
    hid_t ms = H5Scopy(fs);
    double none = 0, *io = buf ? buf : &none;
    int ok = f->write ? H5Dwrite(ds->d, H5T_NATIVE_DOUBLE, ms, fs, f->dxpl, io) >= 0
                      : H5Dread(ds->d, H5T_NATIVE_DOUBLE, ms, fs, f->dxpl, io) >= 0;
    H5Sclose(ms);
    H5Sclose(fs);
    ok = ok && buf;
    if (ok && f->rank == 0) ds_add_strided(ds, buf, (uint64_t)dims[0], 0, 1, n, n);
    return ds_end(f, ds, ok);
}

int ax_ckpt_tso_io(ax_ckpt_file f, int k, int rows, int64_t n, double *buf)
{
    char name[32], path[64];
    snprintf(name, sizeof name, "%d", k);
    snprintf(path, sizeof path, "/tso/%d", k);
    hsize_t dims[2] = {(hsize_t)rows, (hsize_t)n};
    ckpt_ds ds;
    if (!ds_begin(f, &ds, f->g_tso, name, path, H5T_NATIVE_DOUBLE, 2, dims)) {
        why(f, "%s cannot be read", path);
        return 0;
    }
    return rank0_rows(f, &ds, dims, n, buf);
}

/* --- STDP state ------------------------------------------------------------ */

int ax_ckpt_stdp_begin(ax_ckpt_file f)
{
    f->g_stdp = group(f, f->f, "stdp");
    if (f->g_stdp < 0) why(f, "%s cannot be read", "/stdp");
    return f->g_stdp >= 0;
}

/* Open, or create with its parents, the group at path under /stdp. */
static hid_t stdp_group(ax_ckpt_file f, const char *path)
{
    if (!f->write) return H5Gopen2(f->g_stdp, path, H5P_DEFAULT);
    if (H5Lexists(f->g_stdp, path, H5P_DEFAULT) > 0) return H5Gopen2(f->g_stdp, path, H5P_DEFAULT);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t g = H5Gcreate2(f->g_stdp, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Pclose(lcpl);
    return g;
}

int ax_ckpt_stdp_pre_io(ax_ckpt_file f, int k, int64_t n, double *buf)
{
    char name[32], path[64];
    snprintf(name, sizeof name, "%d", k);
    snprintf(path, sizeof path, "/stdp/pre/%d", k);
    hid_t g = stdp_group(f, "pre");
    hsize_t dims[2] = {3, (hsize_t)n};
    ckpt_ds ds = {.d = -1};
    int ok = g >= 0 && ds_begin(f, &ds, g, name, path, H5T_NATIVE_DOUBLE, 2, dims);
    if (g >= 0) H5Gclose(g);
    if (!ok) {
        why(f, "%s cannot be read", path);
        return 0;
    }
    return rank0_rows(f, &ds, dims, n, buf);
}

static hid_t col_type(char t)
{
    return t == 'u' ? H5T_NATIVE_UINT64 : t == 'i' ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE;
}

/* One column's rows [off, off + m) of extent total, from or into buf. */
static int col_io(ax_ckpt_file f, ckpt_ds *ds, char type, uint64_t total, int64_t off, int64_t m,
                  void *buf)
{
    hsize_t start = (hsize_t)off, cnt = (hsize_t)m, mdim = m ? (hsize_t)m : 1;
    hid_t fs = H5Dget_space(ds->d), ms = H5Screate_simple(1, &mdim, NULL);
    if (m) H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL);
    else {
        H5Sselect_none(fs);
        H5Sselect_none(ms);
    }
    double none = 0;
    void *io = m ? buf : &none;
    int ok = f->write ? H5Dwrite(ds->d, col_type(type), ms, fs, f->dxpl, io) >= 0
                      : H5Dread(ds->d, col_type(type), ms, fs, f->dxpl, io) >= 0;
    H5Sclose(ms);
    H5Sclose(fs);
    (void)total;
    return ok;
}

int ax_ckpt_table_write(ax_ckpt_file f, const char *group, int ncols, const char *const *names,
                        const char *types, int64_t n, const void *const *cols)
{
    long long mine = n, off = 0, total = 0;
    MPI_Exscan(&mine, &off, 1, MPI_LONG_LONG, MPI_SUM, f->comm);
    MPI_Allreduce(&mine, &total, 1, MPI_LONG_LONG, MPI_SUM, f->comm);
    if (f->rank == 0) off = 0;
    hid_t g = stdp_group(f, group);
    int all = g >= 0;
    for (int c = 0; all && c < ncols; c++) {
        char path[160];
        snprintf(path, sizeof path, "/stdp/%s/%s", group, names[c]);
        hsize_t dim = (hsize_t)total;
        ckpt_ds ds;
        if (!ds_begin(f, &ds, g, names[c], path, col_type(types[c]), 1, &dim)) {
            all = 0;
            break;
        }
        int ok = total == 0 || col_io(f, &ds, types[c], (uint64_t)total, off, n, (void *)cols[c]);
        if (ok) ds_add_strided(&ds, (const double *)cols[c], 1, off, 1, n, total); /* 8-byte words */
        all = ds_end(f, &ds, ok);
    }
    if (g >= 0) H5Gclose(g);
    return all;
}

int ax_ckpt_table_open(ax_ckpt_file f, const char *group, int ncols, const char *const *names,
                       const char *types, int64_t *rows)
{
    *rows = 0;
    f->tab_n = 0;
    f->tab_bad = 0;
    f->tab_read = 0;
    hid_t g = H5Lexists(f->g_stdp, group, H5P_DEFAULT) > 0 ? stdp_group(f, group) : -1;
    int ok = g >= 0 && ncols <= 4;
    for (int c = 0; ok && c < ncols; c++) {
        char path[160];
        snprintf(path, sizeof path, "/stdp/%s/%s", group, names[c]);
        ok = ds_begin(f, &f->tab[c], g, names[c], path, col_type(types[c]), 1, NULL);
        if (ok) f->tab_n++;
        else why(f, "%s cannot be read", path);
    }
    if (!ok && g < 0) why(f, "/stdp/%s cannot be read", group);
    if (g >= 0) H5Gclose(g);
    memcpy(f->tab_types, types, (size_t)ncols);
    f->tab_rows = f->tab_n ? (int64_t)f->tab[0].words : 0;
    for (int c = 1; c < f->tab_n; c++) ok = ok && (int64_t)f->tab[c].words == f->tab_rows;
    f->tab_bad = !ok;
    *rows = ok ? f->tab_rows : 0;
    return ok;
}

int ax_ckpt_table_read(ax_ckpt_file f, int64_t off, int64_t m, void *const *bufs)
{
    int ok = !f->tab_bad && off == f->tab_read && off + m <= f->tab_rows;
    for (int c = 0; ok && c < f->tab_n; c++) {
        ok = col_io(f, &f->tab[c], f->tab_types[c], (uint64_t)f->tab_rows, off, m, bufs[c]);
        /* every rank read the same rows: rank 0 counts them */
        if (ok && f->rank == 0)
            ds_add_strided(&f->tab[c], (const double *)bufs[c], 1, off, 1, m, f->tab_rows);
    }
    if (ok) f->tab_read += m;
    else f->tab_bad = 1;
    return ok;
}

int ax_ckpt_table_close(ax_ckpt_file f)
{
    int ok = !f->tab_bad && f->tab_read == f->tab_rows;
    int all = 1;
    for (int c = 0; c < f->tab_n; c++) all &= ds_end(f, &f->tab[c], ok);
    f->tab_n = 0;
    return all && ok;
}

int ax_ckpt_put_image(ax_ckpt_file f, const void *image, uint64_t len)
{
    MPI_Bcast(&len, 1, MPI_UINT64_T, 0, f->comm);
    hsize_t dim = len;
    ckpt_ds ds;
    if (!ds_begin(f, &ds, f->f, "output_image", "/output_image", H5T_NATIVE_UINT8, 1, &dim))
        return 0;
    hid_t s = H5Screate_simple(1, &dim, NULL);
    if (f->rank != 0 || len == 0) H5Sselect_none(s);
    hid_t ms = H5Scopy(s);
    int ok = H5Dwrite(ds.d, H5T_NATIVE_UINT8, ms, s, f->dxpl, image) >= 0;
    H5Sclose(ms);
    H5Sclose(s);
    if (ok && f->rank == 0) ds_add_bytes(&ds, image, len);
    return ds_end(f, &ds, ok);
}

int ax_ckpt_get_image(ax_ckpt_file f, void **image, uint64_t *len)
{
    *image = NULL;
    *len = 0;
    if (H5Lexists(f->f, "output_image", H5P_DEFAULT) <= 0) return 1; /* a run without output */
    ckpt_ds ds;
    if (!ds_begin(f, &ds, f->f, "output_image", "/output_image", H5T_NATIVE_UINT8, 1, NULL)) {
        why(f, "%s cannot be read", "/output_image");
        return 0;
    }
    hid_t s = H5Dget_space(ds.d);
    hsize_t n = 0;
    H5Sget_simple_extent_dims(s, &n, NULL);
    *len = n;
    if (f->rank == 0 && n) *image = malloc(n);
    int ok = f->rank != 0 || n == 0 || *image;
    if (f->rank != 0 || n == 0 || !ok) H5Sselect_none(s);
    hid_t ms = H5Scopy(s);
    ok = H5Dread(ds.d, H5T_NATIVE_UINT8, ms, s, f->dxpl, *image) >= 0 && ok;
    H5Sclose(ms);
    H5Sclose(s);
    if (ok && f->rank == 0) ds_add_bytes(&ds, *image, n);
    ok = ds_end(f, &ds, ok);
    if (!ok) {
        free(*image);
        *image = NULL;
    }
    return ok;
}
