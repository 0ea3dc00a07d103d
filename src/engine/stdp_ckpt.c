/* stdp_ckpt.c - the STDP state in a checkpoint, by node id, so a run
 * continues bitwise on any ranks x threads (docs/reliability.md; layout in
 * axon/ckpt_file.h):
 *
 * - per source neuron and projection: Kplus, t_last, t_fac. Every thread
 *   holding the source holds the same values (they follow its spikes only),
 *   so ranks combine theirs with a MAX over -1 = absent, as for tsodyks2;
 * - per synapse: target gid, source gid, weight. A rank writes its rows in
 *   its own order (thread, source, creation order), which lists each
 *   target's synapses by (source, creation order) because a target's
 *   synapses live on one thread. The reader sorts its own synapses of each
 *   target the same way and takes the file's rows of that target in turn
 *   (streaming the table in chunks: every rank reads all of it);
 * - per spike-history entry: gid, stamp, K_minus, in time order.
 */
#include <stdlib.h>
#include <string.h>

#include "axon/ckpt_file.h"
#include "engine_impl.h"

#define CHUNK ((int64_t)1 << 20) /* table rows read at a time */

static const char *const kSynCols[3] = {"target", "source", "weight"};
static const char *const kHistCols[3] = {"gid", "t", "k"};

/* Copy projection k's presynaptic state between the runs of every thread
 * and buf ([3][n] over the n neurons of its source population). */
static void pre_copy(struct ax_engine_s *e, int k, int64_t n, double *buf, int save)
{
    int64_t first = e->spec->pops[e->spec->proj[k].src].first_gid;
    if (save)
        for (int64_t i = 0; i < 3 * n; i++) buf[i] = -1.0;
    for (int th = 0; th < e->threads; th++) {
        ax_stdp_store *sp = &e->vps[th].sp;
        for (int64_t row = 0; sp->run && row < sp->st.n_src; row++)
            for (int64_t r = sp->run[row]; r < sp->run[row + 1]; r++) {
                if (sp->run_proj[r] != k) continue;
                double *b = buf + (sp->st.src_gid[row] - first);
                if (save) {
                    b[0] = sp->kplus[r];
                    b[n] = (double)sp->t_last[row];
                    b[2 * n] = (double)sp->t_fac[row];
                } else {
                    sp->kplus[r] = b[0];
                    sp->t_last[row] = (int64_t)b[n];
                    sp->t_fac[row] = (int64_t)b[2 * n];
                }
            }
    }
}

static int pre_io(struct ax_engine_s *e, ax_ckpt_file f, int k, int write)
{
    const ax_proj_spec *ps = &e->spec->proj[k];
    int64_t n = e->spec->pops[ps->src].n;
    double *buf = malloc((size_t)(3 * n) * sizeof *buf);
    int ok = buf != NULL;
    if (ok && write) {
        pre_copy(e, k, n, buf, 1);
        MPI_Allreduce(MPI_IN_PLACE, buf, (int)(3 * n), MPI_DOUBLE, MPI_MAX, e->comm);
        for (int64_t j = 0; j < n; j++)
            if (buf[j] < 0) buf[j] = ps->stdp.Kplus, buf[n + j] = 0, buf[2 * n + j] = 0;
        ok = ax_ckpt_stdp_pre_io(f, k, n, buf);
    } else if (ok) {
        ok = ax_ckpt_stdp_pre_io(f, k, n, buf);
        if (ok) pre_copy(e, k, n, buf, 0);
    }
    free(buf);
    return ok;
}

/* The rows of projection k's synapses on this rank (fill = 0: count only). */
static int64_t syn_rows(const struct ax_engine_s *e, int k, uint64_t *tgt, uint64_t *src,
                        double *w)
{
    int64_t m = 0;
    int tp = e->spec->proj[k].tgt;
    for (int th = 0; th < e->threads; th++) {
        const ax_vp *v = &e->vps[th];
        const ax_stdp_store *sp = &v->sp;
        for (int64_t row = 0; sp->run && row < sp->st.n_src; row++)
            for (int64_t r = sp->run[row]; r < sp->run[row + 1]; r++) {
                if (sp->run_proj[r] != k) continue;
                int64_t q0 = r == sp->run[row] ? sp->st.rows[row] : sp->run_end[r - 1];
                for (int64_t q = q0; q < sp->run_end[r]; q++, m++) {
                    if (!tgt) continue;
                    tgt[m] = (uint64_t)ax_vp_gid_of(v, &e->part, tp, sp->st.pk[q] & v->idx_mask);
                    src[m] = (uint64_t)sp->st.src_gid[row];
                    w[m] = sp->w[q];
                }
            }
    }
    return m;
}

static int syn_write(struct ax_engine_s *e, ax_ckpt_file f, int k)
{
    int64_t n = syn_rows(e, k, NULL, NULL, NULL);
    size_t m = (size_t)(n > 0 ? n : 1);
    uint64_t *tgt = malloc(m * sizeof *tgt), *src = malloc(m * sizeof *src);
    double *w = malloc(m * sizeof *w);
    int ok = tgt && src && w;
    int all;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, e->comm);
    if (all) {
        syn_rows(e, k, tgt, src, w);
        char g[32];
        snprintf(g, sizeof g, "syn/%d", k);
        const void *cols[3] = {tgt, src, w};
        all = ax_ckpt_table_write(f, g, 3, kSynCols, "uud", n, cols);
    }
    free(tgt);
    free(src);
    free(w);
    return all;
}

/* Per thread: the positions of projection k's synapses sorted by (target,
 * source, creation order), as CSR over local targets (pos[start[i]..start[i+1]]),
 * and a cursor per target. */
typedef struct {
    int64_t *start, *cur;
    int64_t *pos;
} syn_index;

static int index_build(const struct ax_engine_s *e, const ax_vp *v, int k, syn_index *x)
{
    const ax_stdp_store *sp = &v->sp;
    int64_t n = 0;
    x->start = calloc((size_t)v->n_local + 1, sizeof *x->start);
    x->cur = calloc((size_t)v->n_local + 1, sizeof *x->cur);
    if (!x->start || !x->cur) return 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int64_t row = 0; sp->run && row < sp->st.n_src; row++)
            for (int64_t r = sp->run[row]; r < sp->run[row + 1]; r++) {
                if (sp->run_proj[r] != k) continue;
                int64_t q0 = r == sp->run[row] ? sp->st.rows[row] : sp->run_end[r - 1];
                for (int64_t q = q0; q < sp->run_end[r]; q++) {
                    int64_t i = sp->st.pk[q] & v->idx_mask;
                    if (pass == 0) x->start[i + 1]++;
                    else x->pos[x->cur[i]++] = q;
                }
            }
        if (pass == 0) {
            for (int64_t i = 0; i < v->n_local; i++) x->start[i + 1] += x->start[i];
            n = x->start[v->n_local];
            x->pos = malloc((size_t)(n > 0 ? n : 1) * sizeof *x->pos);
            if (!x->pos) return 0;
            memcpy(x->cur, x->start, (size_t)v->n_local * sizeof *x->cur);
        }
    }
    memcpy(x->cur, x->start, (size_t)v->n_local * sizeof *x->cur);
    (void)e;
    return 1;
}

static void index_free(syn_index *x)
{
    free(x->start);
    free(x->cur);
    free(x->pos);
}

/* Place one row (target gid, source gid, weight) read from the file if
 * this rank owns the target; 0 if it does not fit this network. */
static int syn_place(struct ax_engine_s *e, syn_index *idx, int tp, uint64_t tgt, uint64_t src,
                     double w)
{
    int64_t vp = ax_part_vp(&e->part, (int64_t)tgt);
    if (ax_part_rank_of_vp(&e->part, vp) != e->rank) return 1;
    int th = ax_part_thread_of_vp(&e->part, vp);
    ax_vp *v = &e->vps[th];
    syn_index *x = &idx[th];
    int64_t i = ax_vp_local_index(v, &e->part, tp, (int64_t)tgt);
    if (x->cur[i] >= x->start[i + 1]) return 0;
    int64_t q = x->pos[x->cur[i]++];
    /* the row of synapse q holds source src: find it by the row offsets */
    ax_stdp_store *sp = &v->sp;
    int64_t row = ax_store_find(&sp->st, e->spec, (int64_t)src);
    if (row < 0 || q < sp->st.rows[row] || q >= sp->st.rows[row + 1]) return 0;
    sp->w[q] = w;
    return 1;
}

static int syn_read(struct ax_engine_s *e, ax_ckpt_file f, int k)
{
    char g[32];
    snprintf(g, sizeof g, "syn/%d", k);
    int64_t total = 0;
    int ok = ax_ckpt_table_open(f, g, 3, kSynCols, "uud", &total); /* collective: every rank */
    syn_index *idx = calloc((size_t)e->threads, sizeof *idx);
    ok = ok && idx;
    for (int th = 0; ok && th < e->threads; th++) ok = index_build(e, &e->vps[th], k, &idx[th]);
    int64_t chunk = total < CHUNK ? (total > 0 ? total : 1) : CHUNK;
    uint64_t *tgt = malloc((size_t)chunk * sizeof *tgt), *src = malloc((size_t)chunk * sizeof *src);
    double *w = malloc((size_t)chunk * sizeof *w);
    int fits = 1;
    ok = ok && tgt && src && w;
    int all;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, e->comm);
    int tp = e->spec->proj[k].tgt;
    for (int64_t off = 0; all && off < total; off += chunk) {
        int64_t m = total - off < chunk ? total - off : chunk;
        void *bufs[3] = {tgt, src, w};
        int r = ax_ckpt_table_read(f, off, m, bufs);
        MPI_Allreduce(&r, &all, 1, MPI_INT, MPI_MIN, e->comm); /* every rank reads on or stops */
        for (int64_t j = 0; all && fits && j < m; j++) fits = syn_place(e, idx, tp, tgt[j], src[j], w[j]);
    }
    all = ax_ckpt_table_close(f) && all; /* the digests: collective */
    /* every synapse got its weight */
    for (int th = 0; all && idx && th < e->threads; th++)
        for (int64_t i = 0; i < e->vps[th].n_local; i++) fits &= idx[th].cur[i] == idx[th].start[i + 1];
    for (int th = 0; idx && th < e->threads; th++) index_free(&idx[th]);
    free(idx);
    free(tgt);
    free(src);
    free(w);
    return all && fits;
}

static int64_t hist_rows(const struct ax_engine_s *e, uint64_t *gid, int64_t *t, double *k)
{
    int64_t m = 0;
    for (int th = 0; th < e->threads; th++) {
        const ax_vp *v = &e->vps[th];
        if (!v->sp.hist) continue;
        for (int b = 0; b < v->n_blocks; b++) {
            const ax_block *bl = &v->blocks[b];
            if (!e->stdp_post[b]) continue;
            for (int64_t j = 0; j < bl->n; j++) {
                const ax_stdp_hist *h = &v->sp.hist[bl->offset + j];
                for (uint32_t q = h->first; q < h->end; q++, m++) {
                    if (!gid) continue;
                    gid[m] = (uint64_t)(bl->gid0 + j * e->part.n_vp);
                    t[m] = h->e[q].t;
                    k[m] = h->e[q].k;
                }
            }
        }
    }
    return m;
}

static int hist_write(struct ax_engine_s *e, ax_ckpt_file f)
{
    int64_t n = hist_rows(e, NULL, NULL, NULL);
    size_t m = (size_t)(n > 0 ? n : 1);
    uint64_t *gid = malloc(m * sizeof *gid);
    int64_t *t = malloc(m * sizeof *t);
    double *k = malloc(m * sizeof *k);
    int ok = gid && t && k, all;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, e->comm);
    if (all) {
        hist_rows(e, gid, t, k);
        const void *cols[3] = {gid, t, k};
        all = ax_ckpt_table_write(f, "hist", 3, kHistCols, "uid", n, cols);
    }
    free(gid);
    free(t);
    free(k);
    return all;
}

static int hist_read(struct ax_engine_s *e, ax_ckpt_file f)
{
    int64_t total = 0;
    int ok = ax_ckpt_table_open(f, "hist", 3, kHistCols, "uid", &total);
    int64_t chunk = total < CHUNK ? (total > 0 ? total : 1) : CHUNK;
    uint64_t *gid = malloc((size_t)chunk * sizeof *gid);
    int64_t *t = malloc((size_t)chunk * sizeof *t);
    double *k = malloc((size_t)chunk * sizeof *k);
    ok = ok && gid && t && k;
    int all;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, e->comm);
    int fits = 1;
    for (int64_t off = 0; all && off < total; off += chunk) {
        int64_t m = total - off < chunk ? total - off : chunk;
        void *bufs[3] = {gid, t, k};
        int r = ax_ckpt_table_read(f, off, m, bufs);
        MPI_Allreduce(&r, &all, 1, MPI_INT, MPI_MIN, e->comm); /* every rank reads on or stops */
        for (int64_t j = 0; all && fits && j < m; j++) {
            int64_t g = (int64_t)gid[j], vp = ax_part_vp(&e->part, g);
            if (g < 0 || g >= e->spec->n_total) { fits = 0; break; }
            if (ax_part_rank_of_vp(&e->part, vp) != e->rank) continue;
            ax_vp *v = &e->vps[ax_part_thread_of_vp(&e->part, vp)];
            int pop = ax_spec_pop_of(e->spec, g);
            if (!e->stdp_post[pop]) { fits = 0; break; }
            ax_stdp_hist *h = &v->sp.hist[ax_vp_local_index(v, &e->part, pop, g)];
            if (ax_stdp_hist_put(h, (ax_stdp_entry){t[j], k[j]})) fits = 0;
        }
    }
    all = ax_ckpt_table_close(f) && all;
    free(gid);
    free(t);
    free(k);
    return all && fits;
}

int ax_stdp_ckpt_io(struct ax_engine_s *e, ax_ckpt_file f, int write)
{
    int ok = ax_ckpt_stdp_begin(f);
    for (int k = 0; ok && k < e->spec->n_proj; k++) {
        if (e->spec->proj[k].syn_model != AX_SYN_STDP) continue;
        ok = pre_io(e, f, k, write);
        if (ok) ok = write ? syn_write(e, f, k) : syn_read(e, f, k);
    }
    if (ok) ok = write ? hist_write(e, f) : hist_read(e, f);
    int all;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, e->comm);
    return all;
}
