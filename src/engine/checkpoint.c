/* checkpoint.c - the engine's dynamic state as a checkpoint, by node id
 * (docs/reliability.md; the file layout is io/hdf5's, axon/ckpt_file.h).
 *
 * A checkpoint is taken at a slice boundary t (a multiple of the min delay)
 * after the spikes of the last slice were delivered, so the complete state
 * is: every neuron's dynamic state (the model's ckpt_save layout) and every
 * neuron's ring buffer for steps t .. t + slots - 1. Both are stored per
 * population indexed by node id, so a run can continue on any ranks x
 * threads: each rank reads and writes its threads' neurons as strided
 * selections (ids gid0 - first + j * V), one collective call per thread.
 * Generators need nothing (Poisson draws are keyed by step, spike and dc
 * generators follow from t); recorded output travels as a byte image of the
 * flushed output file. The tsodyks2 state depends only on the source's
 * spikes (engine_impl.h), so every thread holding it holds the same values:
 * ranks combine theirs with a MAX over -1 = absent. STDP weights, traces
 * and spike histories: stdp_ckpt.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "axon/ckpt_file.h"
#include "axon/outfile.h"
#include "axon/steps.h"
#include "engine_impl.h"

/* 2: every dataset and the root attributes carry checksums (issue 15) */
#define CKPT_VERSION 2

static ax_status ckpt_fail(ax_error *err, const char *path, const char *what)
{
    return AX_FAIL(err, AX_EIO, "%s: %s failed (checkpoint)", path, what);
}

/* Fill buf with population block b's part of a thread's pending input for
 * steps t.. (ring: [receptor][n mod S][n_local], ax_vp_pending). */
static void ring_out(const ax_vp *v, const double *ring, const ax_block *b, int64_t t, double *buf)
{
    const int64_t S = v->n_slots, NL = v->n_local;
    for (int r = 0; r < v->n_rec; r++)
        for (int64_t k = 0; k < S; k++) {
            const double *src = ring + ((int64_t)r * S + (t + k) % S) * NL + b->offset;
            memcpy(buf + ((size_t)r * S + k) * b->n, src, (size_t)b->n * sizeof *buf);
        }
}

/* The restored pending input goes into the ring (direct delivery) or, with
 * deferred delivery, into an array of the same layout whose slots are added
 * first when their steps are applied: +0.0 + P is P, so both modes continue
 * with the same sums. */
static int ring_in(ax_vp *v, const ax_block *b, int64_t t, const double *buf)
{
    const int64_t S = v->n_slots, NL = v->n_local;
    double *ring = v->ring;
    if (v->deferred) {
        if (!v->restored) v->restored = calloc((size_t)(v->n_rec * S * (NL ? NL : 1)), sizeof *ring);
        if (!v->restored) return 0;
        v->restored_end = t + S;
        ring = v->restored;
    }
    for (int r = 0; r < v->n_rec; r++)
        for (int64_t k = 0; k < S; k++) {
            double *dst = ring + ((int64_t)r * S + (t + k) % S) * NL + b->offset;
            memcpy(dst, buf + ((size_t)r * S + k) * b->n, (size_t)b->n * sizeof *buf);
        }
    return 1;
}

/* Write or read one population's state and ring, thread by thread (pend:
 * each thread's pending input, ax_vp_pending, when writing). */
static int pop_io(struct ax_engine_s *e, ax_ckpt_file f, int p, int64_t t, int write,
                  double *const *pend)
{
    const ax_model_ops *m = e->vps[0].blocks[p].ops;
    const ax_pop_spec *ps = &e->spec->pops[p];
    int64_t nc = m->n_ckpt, n_rec = e->vps[0].n_rec, n_slots = e->vps[0].n_slots;
    if (!ax_ckpt_pop_begin(f, ps->name, ps->n, nc, n_rec, n_slots)) { /* the same on all ranks */
        ax_ckpt_pop_end(f);
        return 0;
    }
    int mine = 1; /* this rank's own steps (a neuron group's checkpoint copy) went well */
    for (int th = 0; th < e->threads; th++) {
        ax_vp *v = &e->vps[th];
        ax_block *b = &v->blocks[p];
        size_t cells = (size_t)(b->n ? b->n : 1) * (size_t)(nc > n_rec * n_slots ? nc : n_rec * n_slots);
        double *buf = malloc(cells * sizeof *buf);
        int64_t off = b->n ? b->gid0 - ps->first_gid : 0;
        for (int which = 0; which < 2; which++) {
            if (write && buf && b->n) {
                if (which) ring_out(v, pend[th], b, t, buf);
                else if (ax_block_ckpt(b, buf, 1, &e->vps[0].err) != AX_OK) mine = 0;
            }
            int ok = ax_ckpt_pop_io(f, which, off, e->part.n_vp, b->n, write && !mine ? NULL : buf);
            if (!write && ok && b->n) {
                if (which) { if (!ring_in(v, b, t, buf)) mine = 0; }
                else if (ax_block_ckpt(b, buf, 0, &e->vps[0].err) != AX_OK) mine = 0;
            }
        }
        free(buf);
    }
    int ok = ax_ckpt_pop_end(f), all = 0; /* pop_end agrees on the I/O; this on the rest */
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, e->comm);
    return ok && all;
}

/* Rows of a plastic projection's checkpointed state: x, u, t_last, and
 * tsodyks_synapse's y. */
static int tso_rows(const ax_proj_spec *ps)
{
    return ps->syn_model == AX_SYN_TSODYKS ? 4 : 3;
}

/* Copy the short-term plasticity state of projection k between every
 * thread's runs and buf ([rows][n]: x, u, t_last (, y) per source neuron of
 * the n in its population): save = 1 fills buf (-1 where no thread has the
 * source), 0 restores. */
static void tso_copy(struct ax_engine_s *e, int k, int64_t n, double *buf, int save)
{
    int64_t first = e->spec->pops[e->spec->proj[k].src].first_gid;
    int rows = tso_rows(&e->spec->proj[k]);
    if (save)
        for (int64_t i = 0; i < rows * n; i++) buf[i] = -1.0;
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
                    if (rows > 3) b[3 * n] = v->tso.y[r];
                } else {
                    v->tso.x[r] = b[0];
                    v->tso.u[r] = b[n];
                    v->tso.t_last[row] = (int64_t)b[2 * n];
                    if (rows > 3) v->tso.y[r] = b[3 * n];
                }
            }
    }
}

/* Write (rank 0, after a MAX over ranks) or read (all ranks) the tsodyks2
 * state of every plastic projection. Collective. */
static int tso_io(struct ax_engine_s *e, ax_ckpt_file f, int write)
{
    int ok = 1; /* tso_io agrees: the same on every rank */
    for (int k = 0; ok && k < e->spec->n_proj; k++) {
        const ax_proj_spec *ps = &e->spec->proj[k];
        if (ps->syn_model != AX_SYN_TSODYKS2 && ps->syn_model != AX_SYN_TSODYKS) continue;
        int64_t n = e->spec->pops[ps->src].n;
        int rows = tso_rows(ps);
        double *buf = malloc((size_t)(rows * n) * sizeof *buf);
        if (write) {
            int have = buf != NULL, all = 0;
            MPI_Allreduce(&have, &all, 1, MPI_INT, MPI_MIN, e->comm);
            if (all) {
                tso_copy(e, k, n, buf, 1);
                MPI_Allreduce(MPI_IN_PLACE, buf, (int)(rows * n), MPI_DOUBLE, MPI_MAX, e->comm);
                for (int64_t j = 0; j < n; j++)
                    if (buf[j] < 0) {
                        buf[j] = ps->tso.x, buf[n + j] = ps->tso.u, buf[2 * n + j] = 0;
                        if (rows > 3) buf[3 * n + j] = ps->tso.y;
                    }
            }
            ok = ax_ckpt_tso_io(f, k, rows, n, all ? buf : NULL);
        } else {
            ok = ax_ckpt_tso_io(f, k, rows, n, buf);
            if (ok) tso_copy(e, k, n, buf, 0);
        }
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

/* Write the checkpoint as path.partial, renamed to path once every rank
 * wrote its part. Collective. */
static ax_status checkpoint_write(struct ax_engine_s *e, const char *path, int64_t t,
                                  const void *image, uint64_t image_len, ax_error *err)
{
    AX_TRY(check_models(e, err));
    /* rank 0 reserves a temporary of this run's own (axon/outfile.h: an
     * existing checkpoint of that name is replaced, a FIFO or device is not) */
    char tmp[4200] = "", *own = NULL;
    ax_status st = e->rank == 0 ? ax_out_begin(path, 1, "the checkpoint", &own, err) : AX_OK;
    if (own) snprintf(tmp, sizeof tmp, "%s", own);
    free(own);
    AX_TRY(ax_engine_agree(e, st, err));
    MPI_Bcast(tmp, sizeof tmp, MPI_CHAR, 0, e->comm);
    int np = e->spec->n_pops;
    int64_t *tot = calloc((size_t)np, sizeof *tot);
    pop_spike_totals(e, tot);
    ax_ckpt_file f = ax_ckpt_create(tmp, e->comm);
    int ok = f != NULL;
    int64_t v64[AX_CKPT_HEADER_LEN] = {CKPT_VERSION, t, e->spec->n_total, e->vps[0].n_slots, e->D,
                                       (int64_t)e->spec->sim.seed};
    if (ok) ok = ax_ckpt_put_header(f, v64, ax_spec_hash(e->spec), tot, np);
    if (ok) ok = ax_ckpt_pops_begin(f);
    double **pend = calloc((size_t)e->threads, sizeof *pend);
    ok = ok && pend;
    for (int th = 0; ok && th < e->threads; th++) ok = (pend[th] = ax_vp_pending(&e->vps[th], t)) != NULL;
    for (int p = 0; ok && p < np; p++) ok = pop_io(e, f, p, t, 1, pend);
    for (int th = 0; pend && th < e->threads; th++)
        if (pend[th] != e->vps[th].ring) free(pend[th]);
    free(pend);
    if (ok) ok = ax_ckpt_tso_begin(f) && tso_io(e, f, 1);
    if (ok && e->stdp_proj) ok = ax_stdp_ckpt_io(e, f, 1);
    if (ok) ok = ax_ckpt_put_image(f, image, image_len); /* rank 0 holds it */
    if (f && !ax_ckpt_close(f)) ok = 0;
    free(tot);
    int all;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, e->comm);
    if (!all) {
        if (e->rank == 0) unlink(tmp);
        return ax_engine_agree(e, ckpt_fail(err, path, "writing the checkpoint (disk full or "
                                            "directory not writable?)"), err);
    }
    st = e->rank == 0 ? ax_out_publish(tmp, path, 1, err) : AX_OK;
    if (st != AX_OK && e->rank == 0) unlink(tmp); /* a checkpoint we cannot name is no use */
    return ax_engine_agree(e, st, err);
}

/* Check that the checkpoint fits this engine's spec and run. */
static ax_status check_header(const struct ax_engine_s *e, const char *path, int ok,
                              const int64_t *v64, uint64_t hash, ax_error *err)
{
    if (!ok || v64[0] != CKPT_VERSION)
        return AX_FAIL(err, AX_EINPUT, "%s: not an axon checkpoint (version %lld)", path,
                       (long long)v64[0]);
    if (hash != ax_spec_hash(e->spec) || v64[2] != e->spec->n_total || v64[3] != e->vps[0].n_slots)
        return AX_FAIL(err, AX_EINPUT, "%s: written for another spec (the spec text differs from "
                       "%s); restart with the spec the checkpoint was made from", path, e->spec->path);
    if (v64[1] % e->D != 0 || v64[1] > e->n_steps)
        return AX_FAIL(err, AX_EINPUT, "%s: step %lld does not fit this run", path, (long long)v64[1]);
    return AX_OK;
}

/* A failed read: the layer says what it found (a dataset whose checksum
 * does not match), else `what`. */
static ax_status read_fail(ax_error *err, ax_ckpt_file f, const char *path, const char *what)
{
    const char *why = ax_ckpt_why(f);
    if (why)
        return AX_FAIL(err, AX_EIO, "%s: %s; the checkpoint is damaged: restart from an earlier "
                       "one", path, why);
    return ckpt_fail(err, path, what);
}

/* Read a checkpoint into the engine; *t_out its step; rank 0 receives the
 * output image. Every dataset is checked against its digest as it is read,
 * so a damaged checkpoint fails here (the caller then discards the engine)
 * instead of continuing with wrong state. Collective; every step's result is
 * the same on every rank (the file is shared, digests are agreed). */
static ax_status checkpoint_read(struct ax_engine_s *e, const char *path, int64_t *t_out,
                                 void **image, uint64_t *image_len, ax_error *err)
{
    AX_TRY(check_models(e, err));
    *image = NULL;
    *image_len = 0;
    ax_ckpt_file f = ax_ckpt_open(path, e->comm);
    AX_CHECK(f, err, AX_EIO, "%s: cannot open the checkpoint (missing or not an HDF5 file)", path);
    int64_t v64[AX_CKPT_HEADER_LEN] = {0};
    uint64_t hash = 0;
    ax_status st = AX_OK;
    int attrs = ax_ckpt_check_attrs(f);
    if (attrs < 0)
        st = AX_FAIL(err, AX_EINPUT, "%s: not a checkpoint of this axon version (no checksums: "
                     "written before checkpoints were verified, or not a checkpoint); restart "
                     "from the beginning", path);
    else if (attrs == 0) st = read_fail(err, f, path, "checking the attributes");
    if (st == AX_OK) {
        int have = ax_ckpt_get_header(f, v64, &hash);
        st = check_header(e, path, have, v64, hash, err);
    }
    int np = e->spec->n_pops;
    int64_t *tot = calloc((size_t)np, sizeof *tot);
    if (st == AX_OK && tot && ax_ckpt_get_pop_spikes(f, tot) && e->rank == 0)
        for (int p = 0; p < np; p++) e->vps[0].pop_spikes[p] = tot[p];
    free(tot);
    if (st == AX_OK && !ax_ckpt_pops_begin(f)) st = read_fail(err, f, path, "reading /pop");
    for (int p = 0; st == AX_OK && p < np; p++)
        if (!pop_io(e, f, p, v64[1], 0, NULL))
            st = read_fail(err, f, path, "reading a population's state");
    int plastic = 0;
    for (int k = 0; k < e->spec->n_proj; k++) plastic |= e->spec->proj[k].syn_model != AX_SYN_STATIC;
    if (st == AX_OK && plastic && !(ax_ckpt_tso_begin(f) && tso_io(e, f, 0)))
        st = read_fail(err, f, path, "reading the tsodyks2 state");
    if (st == AX_OK && e->stdp_proj && !ax_stdp_ckpt_io(e, f, 0))
        st = read_fail(err, f, path, "reading the STDP state (weights, traces, spike histories)");
    if (st == AX_OK && !ax_ckpt_get_image(f, image, image_len))
        st = read_fail(err, f, path, "reading the output image");
    ax_ckpt_close(f);
    *t_out = v64[1];
    return st;
}

/* Deliver the last slice's spikes now (the master, for every thread: the
 * others wait at the barrier), flush all recorders and write DIR/ckpt_<t>ms.h5
 * with the output file's image. Collective. */
ax_status ax_engine_checkpoint_now(struct ax_engine_s *e, const ax_outputs *o, int64_t t,
                                   ax_error *err)
{
    for (int th = 0; th < e->threads; th++) {
        ax_vp_deliver(e, &e->vps[th], e->t_prev);
        ax_stdp_sweep(e, &e->vps[th], t); /* as the next slice would: the state at t */
    }
    e->n_recv = 0;
    void *image = NULL;
    uint64_t len = 0;
    ax_status st = ax_outputs_flush(e, o, err);
    if (o->rec) {
        ax_status w = ax_rec_flush(o->rec, err);
        if (st == AX_OK) st = w;
        if (st == AX_OK && e->rank == 0) st = ax_rec_image(o->rec, &image, &len, err);
    }
    st = ax_engine_agree(e, st, err);
    snprintf(e->last_ckpt, sizeof e->last_ckpt, "%s/ckpt_%.10gms.h5",
             e->ckpt_dir && *e->ckpt_dir ? e->ckpt_dir : ".", t * e->h);
    if (st == AX_OK) st = checkpoint_write(e, e->last_ckpt, t, image, len, err);
    free(image);
    return st;
}

void ax_engine_set_checkpoints(ax_engine e, double every_ms, const char *dir,
                               volatile int *stop)
{
    int64_t steps = 0, nearest; /* the CLI refused intervals beyond the step range */
    if (every_ms > 0)
        steps = ax_time_steps(every_ms, e->h, &nearest) == 0 ? (int64_t)ceil(every_ms / e->h - 1e-9)
                                                              : AX_STEPS_NEVER;
    e->ckpt_steps = steps > 0 ? (steps + e->D - 1) / e->D * e->D : 0;
    e->ckpt_dir = dir;
    e->stop = stop;
}

const char *ax_engine_last_checkpoint(ax_engine e)
{
    return e->last_ckpt;
}

ax_status ax_engine_restore(ax_engine e, const char *path, void **image, uint64_t *len,
                            ax_error *err)
{
    int64_t t = 0;
    ax_status st = ax_engine_agree(e, checkpoint_read(e, path, &t, image, len, err), err);
    if (st != AX_OK) {
        free(*image);
        *image = NULL;
        return st;
    }
    e->t_now = e->t_prev = t;
    for (int th = 0; th < e->threads; th++) ax_vp_devices_seek(&e->vps[th], t); /* generators continue */
    return AX_OK;
}
