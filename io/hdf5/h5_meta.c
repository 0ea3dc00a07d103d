/* h5_meta.c - run metadata under /axon.
 *
 * Parallel HDF5 needs identical metadata calls on every rank, so rank 0's
 * ax_run_meta is packed into one buffer and broadcast; every rank then
 * creates the same attributes and datasets, and rank 0 alone supplies the
 * dataset contents (the other ranks select nothing in the collective write).
 *
 * /axon attributes: version, spec_path, spec (strings); seed (uint64); ranks,
 * threads, n_synapses (int64); resolution, t_sim (ms); t_build, t_simulate,
 * t_update, t_deliver, t_communicate (s). Datasets: populations (compound
 * name, model, n) and spike_counts (int64, population order).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hdf5_impl.h"

enum { D_RES, D_TSIM, D_TBUILD, D_TSIMULATE, D_TUPDATE, D_TDELIVER, D_TCOMM, N_D };
enum { I_RANKS, I_THREADS, I_NPOPS, I_NSYN, I_HAS_SPIKES, N_I };

/* The broadcast form of ax_run_meta. */
typedef struct {
    double d[N_D];
    uint64_t seed;
    int64_t i[N_I];
} meta_head;

typedef struct {
    meta_head h;
    const int64_t *sizes, *spikes; /* point into the buffer */
    const char *version, *spec_path, *spec;
    const char **names, **models;
    char *buf;
} meta_flat;

static size_t slen(const char *s) { return s ? strlen(s) + 1 : 1; }

static char *put_str(char *p, const char *s)
{
    size_t n = slen(s);
    memcpy(p, s ? s : "", n);
    return p + n;
}

/* Rank 0: pack meta into one buffer; returns its size or 0 on failure. */
static size_t pack(const ax_run_meta *m, char **out)
{
    meta_head h = {.d = {m->resolution, m->t_sim, m->t_build, m->t_simulate, m->t_update,
                         m->t_deliver, m->t_communicate},
                   .seed = m->seed,
                   .i = {m->ranks, m->threads, m->n_pops, m->n_synapses, m->pop_spikes != NULL}};
    size_t n = sizeof h + 2 * (size_t)m->n_pops * sizeof(int64_t) + slen(m->version) +
               slen(m->spec_path) + slen(m->spec_text);
    for (int p = 0; p < m->n_pops; p++) n += slen(m->pop_names[p]) + slen(m->pop_models[p]);
    char *b = malloc(n), *q = b;
    if (!b) return 0;
    memcpy(q, &h, sizeof h), q += sizeof h;
    for (int p = 0; p < m->n_pops; p++, q += 8) memcpy(q, &m->pop_sizes[p], 8);
    for (int p = 0; p < m->n_pops; p++, q += 8) {
        int64_t v = m->pop_spikes ? m->pop_spikes[p] : 0;
        memcpy(q, &v, 8);
    }
    q = put_str(q, m->version);
    q = put_str(q, m->spec_path);
    q = put_str(q, m->spec_text);
    for (int p = 0; p < m->n_pops; p++) q = put_str(q, m->pop_names[p]);
    for (int p = 0; p < m->n_pops; p++) q = put_str(q, m->pop_models[p]);
    *out = b;
    return n;
}

/* Point the fields of f into its buffer (the buffer is rank 0's packing). */
static int unpack(meta_flat *f)
{
    memcpy(&f->h, f->buf, sizeof f->h);
    int64_t np = f->h.i[I_NPOPS];
    const char *q = f->buf + sizeof f->h;
    f->sizes = (const int64_t *)(const void *)q; /* malloc'd buffer: 8-aligned */
    f->spikes = f->sizes + np;
    q += 2 * np * 8;
    f->version = q, q += strlen(q) + 1;
    f->spec_path = q, q += strlen(q) + 1;
    f->spec = q, q += strlen(q) + 1;
    f->names = malloc((np ? np : 1) * sizeof *f->names);
    f->models = malloc((np ? np : 1) * sizeof *f->models);
    if (!f->names || !f->models) return -1;
    for (int64_t p = 0; p < np; p++) f->names[p] = q, q += strlen(q) + 1;
    for (int64_t p = 0; p < np; p++) f->models[p] = q, q += strlen(q) + 1;
    return 0;
}

/* Collective: every rank ends with rank 0's meta in f. */
static ax_status share(ax_recorder r, const ax_run_meta *meta, meta_flat *f, ax_error *err)
{
    ax_status st = AX_OK;
    unsigned long long n = 0;
    if (r->rank == 0) {
        if (!meta || (meta->n_pops > 0 && (!meta->pop_names || !meta->pop_models ||
                                           !meta->pop_sizes)) || meta->n_pops < 0)
            st = AX_FAIL(err, AX_EINTERNAL, "run metadata incomplete");
        else if (!(n = pack(meta, &f->buf)))
            st = AX_FAIL(err, AX_ENOMEM, "out of memory packing run metadata");
        else if (n > INT_MAX)
            st = AX_FAIL(err, AX_EINPUT, "run metadata (spec text) larger than 2 GiB");
    }
    AX_TRY(ax_h5_sync(r->comm, st, err));
    if (MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, r->comm) != MPI_SUCCESS)
        return AX_FAIL(err, AX_EMPI, "MPI_Bcast of run metadata failed");
    if (r->rank != 0 && !(f->buf = malloc(n)))
        st = AX_FAIL(err, AX_ENOMEM, "out of memory receiving run metadata");
    AX_TRY(ax_h5_sync(r->comm, st, err));
    if (MPI_Bcast(f->buf, (int)n, MPI_BYTE, 0, r->comm) != MPI_SUCCESS)
        return AX_FAIL(err, AX_EMPI, "MPI_Bcast of run metadata failed");
    if (unpack(f)) st = AX_FAIL(err, AX_ENOMEM, "out of memory unpacking run metadata");
    return ax_h5_sync(r->comm, st, err);
}

static ax_status write_attrs(ax_recorder r, const meta_flat *f, ax_error *err)
{
    hid_t g = r->g_axon;
    static const char *const dnames[N_D] = {"resolution", "t_sim", "t_build", "t_simulate",
                                            "t_update", "t_deliver", "t_communicate"};
    AX_TRY(ax_h5_attr_str(g, "version", f->version, err, r->partial));
    AX_TRY(ax_h5_attr_str(g, "spec_path", f->spec_path, err, r->partial));
    AX_TRY(ax_h5_attr_str(g, "spec", f->spec, err, r->partial));
    AX_TRY(ax_h5_attr_num(g, "seed", H5T_NATIVE_UINT64, 1, &f->h.seed, err, r->partial));
    AX_TRY(ax_h5_attr_num(g, "ranks", H5T_NATIVE_INT64, 1, &f->h.i[I_RANKS], err, r->partial));
    AX_TRY(ax_h5_attr_num(g, "threads", H5T_NATIVE_INT64, 1, &f->h.i[I_THREADS], err,
                          r->partial));
    for (int k = 0; k < N_D; k++)
        AX_TRY(ax_h5_attr_num(g, dnames[k], H5T_NATIVE_DOUBLE, 1, &f->h.d[k], err, r->partial));
    return ax_h5_attr_num(g, "n_synapses", H5T_NATIVE_INT64, 1, &f->h.i[I_NSYN], err,
                          r->partial);
}

/* Create a dataset of n rows; rank 0 writes buf, others select nothing. */
static ax_status write_rows(ax_recorder r, const char *name, hid_t ftype, hid_t mtype,
                            size_t n, const void *buf, ax_error *err)
{
    hsize_t d = n;
    hid_t s = H5Screate_simple(1, &d, NULL), ds = -1;
    herr_t rc = -1;
    if (s >= 0) ds = H5Dcreate2(r->g_axon, name, ftype, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (ds >= 0) {
        rc = r->rank == 0 || !n ? 0 : H5Sselect_none(s);
        if (rc >= 0 && n) rc = H5Dwrite(ds, mtype, s, s, r->dxpl, buf);
    }
    ax_h5_close_obj(&ds);
    ax_h5_close_obj(&s);
    if (rc < 0) {
        char what[96];
        snprintf(what, sizeof what, "writing /axon/%s", name);
        return AX_H5_FAIL(err, r->partial, what);
    }
    return AX_OK;
}

/* /axon/populations: compound of fixed-length strings (parallel HDF5 cannot
 * write variable-length data) and the size. */
static ax_status write_pops(ax_recorder r, const meta_flat *f, ax_error *err)
{
    int64_t np = f->h.i[I_NPOPS];
    size_t ln = 2, lm = 2;
    for (int64_t p = 0; p < np; p++) {
        if (strlen(f->names[p]) + 1 > ln) ln = strlen(f->names[p]) + 1;
        if (strlen(f->models[p]) + 1 > lm) lm = strlen(f->models[p]) + 1;
    }
    size_t row = ln + lm + 8;
    char *buf = calloc(np ? np : 1, row);
    hid_t sn = H5Tcopy(H5T_C_S1), sm = H5Tcopy(H5T_C_S1);
    hid_t ft = H5Tcreate(H5T_COMPOUND, row), mt = H5Tcreate(H5T_COMPOUND, row);
    ax_status st = AX_OK;
    if (sn < 0 || sm < 0 || ft < 0 || mt < 0 || H5Tset_size(sn, ln) < 0 ||
        H5Tset_size(sm, lm) < 0 || H5Tinsert(ft, "name", 0, sn) < 0 ||
        H5Tinsert(ft, "model", ln, sm) < 0 || H5Tinsert(ft, "n", ln + lm, H5T_STD_I64LE) < 0 ||
        H5Tinsert(mt, "name", 0, sn) < 0 || H5Tinsert(mt, "model", ln, sm) < 0 ||
        H5Tinsert(mt, "n", ln + lm, H5T_NATIVE_INT64) < 0)
        st = AX_H5_FAIL(err, r->partial, "building the /axon/populations type");
    for (int64_t p = 0; buf && p < np; p++) {
        memcpy(buf + p * row, f->names[p], strlen(f->names[p]));
        memcpy(buf + p * row + ln, f->models[p], strlen(f->models[p]));
        memcpy(buf + p * row + ln + lm, &f->sizes[p], 8);
    }
    /* Even on a local failure every rank takes part in the collective write. */
    ax_status st2 = st || !buf ? AX_OK : write_rows(r, "populations", ft, mt, np, buf, err);
    if (!buf && !st) st = AX_FAIL(err, AX_ENOMEM, "out of memory writing /axon/populations");
    ax_h5_close_obj(&sn);
    ax_h5_close_obj(&sm);
    ax_h5_close_obj(&ft);
    ax_h5_close_obj(&mt);
    free(buf);
    return st ? st : st2;
}

ax_status ax_rec_write_meta(ax_recorder r, const ax_run_meta *meta, ax_error *err)
{
    ax_status st = r->meta_written ? AX_FAIL(err, AX_EINTERNAL, "run metadata written twice")
                                   : AX_OK;
    AX_TRY(ax_h5_sync(r->comm, st, err));
    meta_flat f = {0};
    st = share(r, meta, &f, err);
    if (!st) st = ax_h5_sync(r->comm, write_attrs(r, &f, err), err);
    if (!st) st = ax_h5_sync(r->comm, write_pops(r, &f, err), err);
    if (!st && f.h.i[I_HAS_SPIKES])
        st = ax_h5_sync(r->comm,
                        write_rows(r, "spike_counts", H5T_STD_I64LE, H5T_NATIVE_INT64,
                                   (size_t)f.h.i[I_NPOPS], f.spikes, err), err);
    free(f.names);
    free(f.models);
    free(f.buf);
    if (!st) r->meta_written = 1;
    return st;
}
