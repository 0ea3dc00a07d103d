/* h5_merge.c - put an earlier part of a run in front of a restarted run's
 * output (checkpoint/restart, docs/reliability.md).
 *
 * A checkpoint carries the image of the output file as it was at the
 * checkpoint; the restarted run records from there on into a new file. At
 * close, rank 0 (serially, after every rank closed the file, before the
 * rename) rewrites each /spikes/<pop> dataset as old + new and each trace
 * as old rows + new rows, with the new columns permuted to the old file's
 * node-id order (a restart may use another decomposition), and mapping/time
 * spanning both; weight_recorder rows (/weights/<device>) as old + new.
 * Attributes of every rewritten dataset are carried over.
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hdf5_impl.h"

static herr_t copy_attr(hid_t loc, const char *name, const H5A_info_t *info, void *dst)
{
    (void)info;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = H5Aget_type(a), s = H5Aget_space(a);
    size_t n = (size_t)H5Sget_select_npoints(s) * H5Tget_size(t);
    void *buf = malloc(n ? n : 1);
    herr_t rc = -1;
    if (buf && H5Aread(a, t, buf) >= 0) {
        if (H5Aexists(*(hid_t *)dst, name) > 0) H5Adelete(*(hid_t *)dst, name);
        hid_t b = H5Acreate2(*(hid_t *)dst, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
        if (b >= 0 && H5Awrite(b, t, buf) >= 0) rc = 0;
        if (b >= 0) H5Aclose(b);
    }
    if (buf && H5Tis_variable_str(t) > 0) H5Dvlen_reclaim(t, s, H5P_DEFAULT, buf);
    free(buf);
    H5Sclose(s);
    H5Tclose(t);
    H5Aclose(a);
    return rc;
}

/* Read a whole dataset in its file type; *n elements of *size bytes. */
static void *read_all(hid_t f, const char *path, hid_t *type, hsize_t dims[2], int *ndims)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0) return NULL;
    hid_t s = H5Dget_space(d);
    *ndims = H5Sget_simple_extent_ndims(s);
    dims[0] = dims[1] = 1;
    H5Sget_simple_extent_dims(s, dims, NULL);
    *type = H5Tget_native_type(H5Dget_type(d), H5T_DIR_ASCEND);
    size_t n = (size_t)dims[0] * (*ndims > 1 ? (size_t)dims[1] : 1) * H5Tget_size(*type);
    void *buf = malloc(n ? n : 1);
    if (buf && H5Dread(d, *type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        free(buf);
        buf = NULL;
    }
    H5Sclose(s);
    H5Dclose(d);
    return buf;
}

/* Replace dataset `path` of `f` by `buf` (type, dims), keeping its attributes. */
static int replace(hid_t f, const char *path, hid_t type, const hsize_t *dims, int ndims,
                   const void *buf)
{
    hid_t old = H5Dopen2(f, path, H5P_DEFAULT);
    if (old < 0) return 0;
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.merged", path);
    hid_t s = H5Screate_simple(ndims, dims, NULL);
    hid_t d = H5Dcreate2(f, tmp, type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int ok = d >= 0 && H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
    if (ok) ok = H5Aiterate2(old, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, copy_attr, &d) >= 0;
    H5Dclose(old);
    if (d >= 0) H5Dclose(d);
    H5Sclose(s);
    return ok && H5Ldelete(f, path, H5P_DEFAULT) >= 0 &&
           H5Lmove(f, tmp, f, path, H5P_DEFAULT, H5P_DEFAULT) >= 0;
}

/* Concatenate 1-D datasets (or rows of 2-D ones with column permutation). */
static int concat(hid_t fo, hid_t fn, const char *path, const int64_t *perm)
{
    hid_t to, tn;
    hsize_t dold[2], dnew[2];
    int ko, kn;
    char *a = read_all(fo, path, &to, dold, &ko), *b = read_all(fn, path, &tn, dnew, &kn);
    int ok = a && b && ko == kn && H5Tequal(to, tn) > 0 && (ko == 1 || dold[1] == dnew[1]);
    if (ok) {
        size_t es = H5Tget_size(to), cols = ko > 1 ? (size_t)dold[1] : 1;
        hsize_t dims[2] = {dold[0] + dnew[0], dold[1]};
        char *c = malloc((size_t)dims[0] * cols * es + 1);
        ok = c != NULL;
        if (ok) {
            memcpy(c, a, (size_t)dold[0] * cols * es);
            for (size_t r = 0; r < dnew[0]; r++)
                for (size_t j = 0; j < cols; j++) /* new column perm[j] holds old column j */
                    memcpy(c + ((dold[0] + r) * cols + j) * es,
                           b + (r * cols + (size_t)(perm ? perm[j] : (int64_t)j)) * es, es);
            ok = replace(fn, path, to, dims, ko, c);
        }
        free(c);
    }
    free(a);
    free(b);
    return ok;
}

typedef struct {
    hid_t fo, fn;
    const char *top;
    int ok;
} walk;

static int merge_report(hid_t fo, hid_t fn, const char *pop)
{
    char p[1200];
    snprintf(p, sizeof p, "/report/%s/mapping/node_ids", pop);
    hid_t t1, t2;
    hsize_t d1[2], d2[2];
    int k1, k2;
    uint64_t *io = read_all(fo, p, &t1, d1, &k1), *in = read_all(fn, p, &t2, d2, &k2);
    int ok = io && in && d1[0] == d2[0];
    int64_t *perm = ok ? malloc((size_t)d1[0] * sizeof *perm + 1) : NULL;
    for (hsize_t j = 0; ok && perm && j < d1[0]; j++) { /* node ids are few: quadratic is fine */
        perm[j] = -1;
        for (hsize_t q = 0; q < d2[0]; q++)
            if (in[q] == io[j]) perm[j] = (int64_t)q;
        ok = perm[j] >= 0;
    }
    snprintf(p, sizeof p, "/report/%s", pop);
    hid_t g = ok ? H5Gopen2(fo, p, H5P_DEFAULT) : -1;
    hsize_t n = 0;
    if (g >= 0) H5Gget_num_objs(g, &n);
    for (hsize_t i = 0; ok && i < n; i++) {
        char name[256];
        H5Gget_objname_by_idx(g, i, name, sizeof name);
        if (!strcmp(name, "mapping") || !strcmp(name, "data")) continue;
        snprintf(p, sizeof p, "/report/%s/%s/data", pop, name);
        ok = concat(fo, fn, p, perm);
    }
    if (g >= 0) H5Gclose(g);
    if (ok) { /* mapping in the old order, time spanning both, data link renewed */
        snprintf(p, sizeof p, "/report/%s/mapping/node_ids", pop);
        hsize_t dims[1] = {d1[0]};
        ok = replace(fn, p, H5T_NATIVE_UINT64, dims, 1, io);
        hid_t tt;
        hsize_t dt1[2], dt2[2];
        int kt;
        snprintf(p, sizeof p, "/report/%s/mapping/time", pop);
        double *ta = read_all(fo, p, &tt, dt1, &kt), *tb = read_all(fn, p, &tt, dt2, &kt);
        if (ok && ta && tb) {
            double t[3] = {ta[0], tb[1], ta[2]};
            hsize_t three[1] = {3};
            ok = replace(fn, p, H5T_NATIVE_DOUBLE, three, 1, t);
        }
        free(ta);
        free(tb);
        snprintf(p, sizeof p, "/report/%s/data", pop);
        char first[1200];
        hid_t gg = H5Gopen2(fn, p + 0, H5P_DEFAULT);
        (void)gg;
        if (H5Lexists(fn, p, H5P_DEFAULT) > 0) {
            H5Ldelete(fn, p, H5P_DEFAULT);
            /* the first variable in creation order is the one /data pointed to */
            snprintf(first, sizeof first, "/report/%s", pop);
            hid_t g2 = H5Gopen2(fn, first, H5P_DEFAULT);
            char var[256] = "";
            hsize_t m = 0;
            H5Gget_num_objs(g2, &m);
            for (hsize_t i = 0; i < m && !var[0]; i++) {
                H5Gget_objname_by_idx(g2, i, var, sizeof var);
                if (!strcmp(var, "mapping")) var[0] = 0;
            }
            H5Gclose(g2);
            char target[1600];
            snprintf(target, sizeof target, "/report/%s/%s/data", pop, var);
            ok = var[0] && H5Lcreate_hard(fn, target, fn, p, H5P_DEFAULT, H5P_DEFAULT) >= 0;
        }
        if (gg >= 0) H5Gclose(gg);
    }
    free(io);
    free(in);
    free(perm);
    return ok;
}

static int merge_group(hid_t fo, hid_t fn, const char *top)
{
    if (H5Lexists(fo, top, H5P_DEFAULT) <= 0) return 1;
    hid_t g = H5Gopen2(fo, top, H5P_DEFAULT);
    hsize_t n = 0;
    H5Gget_num_objs(g, &n);
    int ok = 1;
    for (hsize_t i = 0; ok && i < n; i++) {
        char pop[256], p[1200];
        H5Gget_objname_by_idx(g, i, pop, sizeof pop);
        if (!strcmp(top, "/spikes")) {
            snprintf(p, sizeof p, "/spikes/%s/node_ids", pop);
            ok = concat(fo, fn, p, NULL);
            snprintf(p, sizeof p, "/spikes/%s/timestamps", pop);
            if (ok) ok = concat(fo, fn, p, NULL);
        } else if (!strcmp(top, "/weights")) { /* events; final/ is the new run's */
            static const char *const col[] = {"senders", "targets", "times", "weights",
                                              "projections"};
            for (int c = 0; ok && c < 5; c++) {
                snprintf(p, sizeof p, "/weights/%s/%s", pop, col[c]);
                if (H5Lexists(fo, p, H5P_DEFAULT) > 0) ok = concat(fo, fn, p, NULL);
            }
        } else {
            ok = merge_report(fo, fn, pop);
        }
    }
    H5Gclose(g);
    return ok;
}

ax_status ax_h5_merge_prefix(const char *partial, const void *image, uint64_t len, ax_error *err)
{
    char old[4200];
    snprintf(old, sizeof old, "%s.prefix", partial);
    FILE *f = fopen(old, "wb");
    int ok = f && fwrite(image, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = 0;
    hid_t fo = ok ? H5Fopen(old, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    hid_t fn = fo >= 0 ? H5Fopen(partial, H5F_ACC_RDWR, H5P_DEFAULT) : -1;
    ok = fn >= 0 && merge_group(fo, fn, "/spikes") && merge_group(fo, fn, "/report") &&
         merge_group(fo, fn, "/weights");
    if (fn >= 0 && H5Fclose(fn) < 0) ok = 0;
    if (fo >= 0) H5Fclose(fo);
    unlink(old);
    AX_CHECK(ok, err, AX_EIO,
             "%s: merging the output recorded before the checkpoint failed (is the spec the "
             "same and the disk not full?)", partial);
    return AX_OK;
}
