/* checkpoint.c - the engine's dynamic state in one HDF5 file, by node id.
 *
 * A checkpoint is taken at a slice boundary t (a multiple of the min delay)
 * after the spikes of the last slice were delivered, so the complete state
 * is: every neuron's dynamic state (the model's ckpt_save layout) and every
 * neuron's ring buffer for steps t .. t + slots - 1. Both are stored per
 * population indexed by node id, so a run can continue on any ranks x
 * threads: each rank reads and writes its threads' neurons as strided
 * hyperslabs (ids gid0 - first + j * V), one collective call per thread.
 * Generators need nothing (Poisson draws are keyed by step, spike and dc
 * generators follow from t); recorded output travels as a byte image of the
 * flushed output file (see run.c). Layout: docs/reliability.md.
 *
 *   /  attrs: axon_checkpoint_version, step, spec_hash, n_total, n_slots,
 *             min_delay, seed, pop_spikes (per population, all ranks)
 *   /pop/<name>/state  float64 [n_ckpt][n]
 *   /pop/<name>/ring   float64 [receptors][n_slots][n]
 *   /tso/<k>/state     float64 [3][n_source_pop]: x, u, t_last (steps) of
 *                      tsodyks2 projection k per source neuron. The state
 *                      depends only on the source's spikes (engine_impl.h),
 *                      so every thread holding it holds the same values:
 *                      ranks combine theirs with a MAX over -1 = absent.
 */
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_impl.h"

#define CKPT_VERSION 1

static ax_status h5fail(ax_error *err, const char *path, const char *what)
{
    return AX_FAIL(err, AX_EIO, "%s: %s failed (checkpoint)", path, what);
}

/* Attribute of one native type and `n` values on `loc` (collective). */
static int attr_put(hid_t loc, const char *name, hid_t type, hsize_t n, const void *v)
{
    hid_t s = H5Screate_simple(1, &n, NULL);
    hid_t a = H5Acreate2(loc, name, type, s, H5P_DEFAULT, H5P_DEFAULT);
    int ok = a >= 0 && H5Awrite(a, type, v) >= 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(s);
    return ok;
}

static int attr_get(hid_t loc, const char *name, hid_t type, void *v)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    int ok = a >= 0 && H5Aread(a, type, v) >= 0;
    if (a >= 0) H5Aclose(a);
    return ok;
}

/* Select this thread's neurons of a population: the last dimension strided. */
static hid_t thread_space(hid_t fspace, int rank_dims, const hsize_t *lead, hsize_t off,
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

/* Fill buf with thread v's ring of population block b for steps t.. */
static void ring_out(const ax_vp *v, const ax_block *b, int64_t t, double *buf)
{
    const int64_t S = v->n_slots, NL = v->n_local;
    for (int r = 0; r < v->n_rec; r++)
        for (int64_t k = 0; k < S; k++) {
            const double *src = v->ring + ((int64_t)r * S + (t + k) % S) * NL + b->offset;
            memcpy(buf + ((size_t)r * S + k) * b->n, src, (size_t)b->n * sizeof *buf);
        }
}

static void ring_in(ax_vp *v, const ax_block *b, int64_t t, const double *buf)
{
    const int64_t S = v->n_slots, NL = v->n_local;
    for (int r = 0; r < v->n_rec; r++)
        for (int64_t k = 0; k < S; k++) {
            double *dst = v->ring + ((int64_t)r * S + (t + k) % S) * NL + b->offset;
            memcpy(dst, buf + ((size_t)r * S + k) * b->n, (size_t)b->n * sizeof *buf);
        }
}

/* Write or read one population's state and ring, thread by thread. */
static int pop_io(struct ax_engine_s *e, hid_t g, int p, int64_t t, hid_t dxpl, int write)
{
    const ax_model_ops *m = e->vps[0].blocks[p].ops;
    const ax_pop_spec *ps = &e->spec->pops[p];
    hsize_t n = (hsize_t)ps->n, nc = (hsize_t)m->n_ckpt;
    hsize_t lead_ring[2] = {(hsize_t)e->vps[0].n_rec, (hsize_t)e->vps[0].n_slots};
    hsize_t dims_s[2] = {nc, n}, dims_r[3] = {lead_ring[0], lead_ring[1], n};
    hid_t ds, dr;
    if (write) {
        hid_t s1 = H5Screate_simple(2, dims_s, NULL), s2 = H5Screate_simple(3, dims_r, NULL);
        ds = H5Dcreate2(g, "state", H5T_NATIVE_DOUBLE, s1, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        dr = H5Dcreate2(g, "ring", H5T_NATIVE_DOUBLE, s2, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Sclose(s1);
        H5Sclose(s2);
    } else {
        ds = H5Dopen2(g, "state", H5P_DEFAULT);
        dr = H5Dopen2(g, "ring", H5P_DEFAULT);
    }
    int ok = ds >= 0 && dr >= 0;
    for (int th = 0; ok && th < e->threads; th++) {
        ax_vp *v = &e->vps[th];
        ax_block *b = &v->blocks[p];
        size_t cells = (size_t)(b->n ? b->n : 1) * (nc > lead_ring[0] * lead_ring[1] ? nc : lead_ring[0] * lead_ring[1]);
        double *buf = malloc(cells * sizeof *buf);
        ok = buf != NULL;
        hsize_t off = (hsize_t)(b->gid0 - ps->first_gid), V = (hsize_t)e->part.n_vp;
        if (b->n == 0) off = 0;
        for (int which = 0; ok && which < 2; which++) {
            hid_t d = which ? dr : ds, fs = H5Dget_space(d);
            hid_t ms = which ? thread_space(fs, 3, lead_ring, off, V, (hsize_t)b->n)
                             : thread_space(fs, 2, &nc, off, V, (hsize_t)b->n);
            if (write) {
                if (b->n && which) ring_out(v, b, t, buf);
                else if (b->n) m->ckpt_save(b->nr, buf);
                ok = H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, dxpl, buf) >= 0;
            } else {
                ok = H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, dxpl, buf) >= 0;
                if (ok && b->n && which) ring_in(v, b, t, buf);
                else if (ok && b->n) m->ckpt_load(b->nr, buf);
            }
            H5Sclose(ms);
            H5Sclose(fs);
        }
        free(buf);
    }
    if (ds >= 0) H5Dclose(ds);
    if (dr >= 0) H5Dclose(dr);
    return ok;
}

/* Copy the tsodyks2 state of projection k between every thread's runs and
 * buf ([3][n]: x, u, t_last per source neuron of the n in its population):
 * save = 1 fills buf (-1 where no thread has the source), 0 restores. */
static void tso_copy(struct ax_engine_s *e, int k, int64_t n, double *buf, int save)
{
    int64_t first = e->spec->pops[e->spec->proj[k].src].first_gid;
    if (save)
        for (int64_t i = 0; i < 3 * n; i++) buf[i] = -1.0;
    for (int th = 0; th < e->threads; th++) {
        ax_vp *v = &e->vps[th];
        for (int64_t row = 0; row < v->pl.n_src; row++)
            for (int64_t r = v->tso.run[row]; r < v->tso.run[row + 1]; r++) {
                if (v->tso.run_proj[r] != k) continue;
                double *b = buf + (v->pl.src_gid[row] - first);
                if (save) {
                    b[0] = v->tso.x[r];
                    b[n] = v->tso.u[r];
                    b[2 * n] = (double)v->tso.t_last[row];
                } else {
                    v->tso.x[r] = b[0];
                    v->tso.u[r] = b[n];
                    v->tso.t_last[row] = (int64_t)b[2 * n];
                }
            }
    }
}

/* Write (rank 0, after a MAX over ranks) or read (all ranks) the tsodyks2
 * state of every plastic projection under group g. Collective. */
static int tso_io(struct ax_engine_s *e, hid_t g, hid_t dxpl, int write)
{
    int ok = 1;
    for (int k = 0; ok && k < e->spec->n_proj; k++) {
        const ax_proj_spec *ps = &e->spec->proj[k];
        if (ps->syn_model != AX_SYN_TSODYKS2) continue;
        int64_t n = e->spec->pops[ps->src].n;
        double *buf = malloc((size_t)(3 * n) * sizeof *buf);
        char name[32];
        snprintf(name, sizeof name, "%d", k);
        hsize_t dims[2] = {3, (hsize_t)n};
        hid_t fs = H5Screate_simple(2, dims, NULL);
        hid_t d = write ? H5Dcreate2(g, name, H5T_NATIVE_DOUBLE, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                        : H5Dopen2(g, name, H5P_DEFAULT);
        ok = buf && d >= 0;
        if (ok && write) {
            tso_copy(e, k, n, buf, 1);
            MPI_Allreduce(MPI_IN_PLACE, buf, (int)(3 * n), MPI_DOUBLE, MPI_MAX, e->comm);
            for (int64_t j = 0; j < n; j++)
                if (buf[j] < 0) buf[j] = ps->tso.x, buf[n + j] = ps->tso.u, buf[2 * n + j] = 0;
            if (e->rank != 0) H5Sselect_none(fs);
            hid_t ms = H5Scopy(fs);
            ok = H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, dxpl, buf) >= 0;
            H5Sclose(ms);
        } else if (ok) {
            ok = H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, dxpl, buf) >= 0;
            if (ok) tso_copy(e, k, n, buf, 0);
        }
        if (d >= 0) H5Dclose(d);
        H5Sclose(fs);
        free(buf);
    }
    return ok;
}

static ax_status check_models(const struct ax_engine_s *e, ax_error *err)
{
    for (int p = 0; p < e->spec->n_pops; p++) {
        const ax_model_ops *m = e->vps[0].blocks[p].ops;
        AX_CHECK(m->n_ckpt > 0 && m->ckpt_save && m->ckpt_load, err, AX_EINPUT,
                 "population %s: model %s cannot be checkpointed yet; run without "
                 "--checkpoint-every/--restart", e->spec->pops[p].name, m->name);
    }
    return AX_OK;
}

static hid_t open_file(const char *path, MPI_Comm comm, int create)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
    hid_t f = create ? H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)
                     : H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    return f;
}

/* Global spike counts per population (for the restored run's totals). */
static void pop_spike_totals(struct ax_engine_s *e, int64_t *tot)
{
    int np = e->spec->n_pops;
    int64_t *loc = calloc((size_t)np, sizeof *loc);
    for (int t = 0; loc && t < e->threads; t++)
        for (int p = 0; p < np; p++) loc[p] += e->vps[t].pop_spikes[p];
    MPI_Allreduce(loc, tot, np, MPI_INT64_T, MPI_SUM, e->comm);
    free(loc);
}

ax_status ax_engine_checkpoint_write(struct ax_engine_s *e, const char *path, int64_t t,
                                     const void *image, uint64_t image_len, ax_error *err)
{
    AX_TRY(check_models(e, err));
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.partial", path);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = open_file(tmp, e->comm, 1);
    int ok = f >= 0;
    int np = e->spec->n_pops;
    int64_t *tot = calloc((size_t)np, sizeof *tot);
    pop_spike_totals(e, tot);
    uint64_t hash = ax_spec_hash(e->spec);
    int64_t v64[6] = {CKPT_VERSION, t, e->spec->n_total, e->vps[0].n_slots, e->D, (int64_t)e->spec->sim.seed};
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
    if (ok) ok = attr_put(f, "header", H5T_NATIVE_INT64, 6, v64) &&
                 attr_put(f, "spec_hash", H5T_NATIVE_UINT64, 1, &hash) &&
                 attr_put(f, "pop_spikes", H5T_NATIVE_INT64, (hsize_t)np, tot);
    hid_t gp = ok ? H5Gcreate2(f, "pop", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    for (int p = 0; ok && p < np; p++) {
        hid_t g = H5Gcreate2(gp, e->spec->pops[p].name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        ok = g >= 0 && pop_io(e, g, p, t, dxpl, 1);
        if (g >= 0) H5Gclose(g);
    }
    if (ok) {
        hid_t g = H5Gcreate2(f, "tso", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        ok = g >= 0 && tso_io(e, g, dxpl, 1);
        if (g >= 0) H5Gclose(g);
    }
    if (ok) { /* the recorded output so far, as bytes (rank 0 holds them) */
        uint64_t len = image_len;
        MPI_Bcast(&len, 1, MPI_UINT64_T, 0, e->comm);
        hsize_t dim = len;
        hid_t s = H5Screate_simple(1, &dim, NULL);
        hid_t d = H5Dcreate2(f, "output_image", H5T_NATIVE_UINT8, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (e->rank != 0 || len == 0) H5Sselect_none(s);
        hid_t ms = H5Scopy(s);
        ok = d >= 0 && H5Dwrite(d, H5T_NATIVE_UINT8, ms, s, dxpl, image) >= 0;
        H5Sclose(ms);
        H5Sclose(s);
        if (d >= 0) H5Dclose(d);
    }
    if (gp >= 0) H5Gclose(gp);
    H5Pclose(dxpl);
    if (f >= 0 && H5Fclose(f) < 0) ok = 0;
    free(tot);
    int all;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, e->comm);
    if (all && e->rank == 0 && rename(tmp, path) != 0) all = 0;
    MPI_Bcast(&all, 1, MPI_INT, 0, e->comm);
    if (!all) {
        if (e->rank == 0) unlink(tmp);
        return h5fail(err, path, "writing the checkpoint (disk full or directory not writable?)");
    }
    return AX_OK;
}

ax_status ax_engine_checkpoint_read(struct ax_engine_s *e, const char *path, int64_t *t_out,
                                    void **image, uint64_t *image_len, ax_error *err)
{
    AX_TRY(check_models(e, err));
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = open_file(path, e->comm, 0);
    AX_CHECK(f >= 0, err, AX_EIO, "%s: cannot open the checkpoint (missing or not an HDF5 file)",
             path);
    int64_t v64[6] = {0};
    uint64_t hash = 0;
    int ok = attr_get(f, "header", H5T_NATIVE_INT64, v64) && attr_get(f, "spec_hash", H5T_NATIVE_UINT64, &hash);
    ax_status st = AX_OK;
    if (!ok || v64[0] != CKPT_VERSION)
        st = AX_FAIL(err, AX_EINPUT, "%s: not an axon checkpoint (version %lld)", path, (long long)v64[0]);
    else if (hash != ax_spec_hash(e->spec) || v64[2] != e->spec->n_total || v64[3] != e->vps[0].n_slots)
        st = AX_FAIL(err, AX_EINPUT, "%s: written for another spec (the spec text differs from %s); "
                     "restart with the spec the checkpoint was made from", path, e->spec->path);
    else if (v64[1] % e->D != 0 || v64[1] > e->n_steps)
        st = AX_FAIL(err, AX_EINPUT, "%s: step %lld does not fit this run", path, (long long)v64[1]);
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
    int np = e->spec->n_pops;
    int64_t *tot = calloc((size_t)np, sizeof *tot);
    if (st == AX_OK && tot && attr_get(f, "pop_spikes", H5T_NATIVE_INT64, tot) && e->rank == 0)
        for (int p = 0; p < np; p++) e->vps[0].pop_spikes[p] = tot[p];
    free(tot);
    hid_t gp = st == AX_OK ? H5Gopen2(f, "pop", H5P_DEFAULT) : -1;
    for (int p = 0; st == AX_OK && p < np; p++) {
        hid_t g = H5Gopen2(gp, e->spec->pops[p].name, H5P_DEFAULT);
        if (g < 0 || !pop_io(e, g, p, v64[1], dxpl, 0))
            st = h5fail(err, path, "reading a population's state");
        if (g >= 0) H5Gclose(g);
    }
    int plastic = 0;
    for (int k = 0; k < e->spec->n_proj; k++) plastic |= e->spec->proj[k].syn_model != AX_SYN_STATIC;
    if (st == AX_OK && plastic) {
        hid_t g = H5Gopen2(f, "tso", H5P_DEFAULT);
        if (g < 0 || !tso_io(e, g, dxpl, 0)) st = h5fail(err, path, "reading the tsodyks2 state");
        if (g >= 0) H5Gclose(g);
    }
    *image = NULL;
    *image_len = 0;
    hid_t d = st == AX_OK ? H5Dopen2(f, "output_image", H5P_DEFAULT) : -1;
    if (d >= 0) {
        hid_t s = H5Dget_space(d);
        hsize_t len = 0;
        H5Sget_simple_extent_dims(s, &len, NULL);
        *image_len = len;
        if (e->rank == 0 && len) *image = malloc(len);
        if (e->rank != 0 || len == 0) H5Sselect_none(s);
        hid_t ms = H5Scopy(s);
        if (H5Dread(d, H5T_NATIVE_UINT8, ms, s, dxpl, *image) < 0) st = h5fail(err, path, "reading the output image");
        H5Sclose(ms);
        H5Sclose(s);
        H5Dclose(d);
    }
    if (gp >= 0) H5Gclose(gp);
    H5Pclose(dxpl);
    H5Fclose(f);
    *t_out = v64[1];
    return st;
}
