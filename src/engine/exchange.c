/* exchange.c - directed spike exchange, once per min-delay slice (DESIGN.md §2.4).
 *
 * After the build, every rank tells each other rank which of that rank's
 * neurons it needs (sources with local targets); from then on a spike goes
 * only to ranks that host targets of its sender. A spike travels as one
 * 64-bit key, lag << 48 | gid, so sorting the received keys gives the (lag,
 * source gid) order in which every thread delivers: the order that makes
 * input sums, hence spike trains, identical for every decomposition.
 * All MPI calls are made by the master thread (MPI_THREAD_FUNNELED).
 */
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"

/* MPI_Test calls before the exchange sleeps (sync.c, ax_mpi_wait): a few
 * hundred microseconds, more than a collective takes on a quiet node. */
#define MPI_SPIN_MAX 20000

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Rank-local index of a gid this rank owns: threads' blocks laid end to end. */
static int64_t rank_index(const struct ax_engine_s *e, int64_t gid, const int64_t *thr_off)
{
    int64_t vp = ax_part_vp(&e->part, gid);
    int t = ax_part_thread_of_vp(&e->part, vp);
    return thr_off[t] + ax_vp_local_index(&e->vps[t], &e->part, ax_spec_pop_of(e->spec, gid), gid);
}

/* Rank-local index of the sender of spike key from thread v, whose neurons
 * start at rank-local index off. */
static inline int64_t sender_index(const struct ax_engine_s *e, const ax_vp *v, int64_t off,
                                   uint64_t key)
{
    int64_t gid = (int64_t)(key & GID_MASK);
    return off + ax_vp_local_index(v, &e->part, ax_spec_pop_of(e->spec, gid), gid);
}

static ax_status alloc_counts(struct ax_engine_s *e, ax_error *err)
{
    size_t R = (size_t)e->ranks;
    e->scount = calloc(R, sizeof(int));
    e->sdispl = calloc(R + 1, sizeof(int));
    e->rcount = calloc(R, sizeof(int));
    e->rdispl = calloc(R + 1, sizeof(int));
    AX_CHECK(e->scount && e->sdispl && e->rcount && e->rdispl, err, AX_ENOMEM,
             "out of memory for exchange counts");
    return AX_OK;
}

/* Sorted distinct sources over all threads (every synapse store) of this rank. */
static ax_status needed_sources(struct ax_engine_s *e, uint64_t **out, int64_t *n_out,
                                ax_error *err)
{
    int64_t n = 0;
    for (int t = 0; t < e->threads; t++)
        n += e->vps[t].st.n_src + e->vps[t].cp.n_src + e->vps[t].pl.n_src + e->vps[t].sp.st.n_src;
    uint64_t *s = malloc((size_t)(n ? n : 1) * sizeof *s);
    AX_CHECK_ALLOC(s, err, "source list");
    n = 0;
    for (int t = 0; t < e->threads; t++) {
        const ax_store *st[4] = {&e->vps[t].st, &e->vps[t].cp, &e->vps[t].pl, &e->vps[t].sp.st};
        for (int i = 0; i < 4; i++)
            for (int64_t k = 0; k < st[i]->n_src; k++) s[n++] = (uint64_t)st[i]->src_gid[k];
    }
    qsort(s, (size_t)n, sizeof *s, cmp_u64);
    int64_t m = 0;
    for (int64_t k = 0; k < n; k++)
        if (m == 0 || s[k] != s[m - 1]) s[m++] = s[k];
    *out = s;
    *n_out = m;
    return AX_OK;
}

/* CSR of target ranks for every neuron of this rank from the requests. */
static ax_status build_targets(struct ax_engine_s *e, const uint64_t *req, const int *rc,
                               const int *rd, ax_error *err)
{
    int64_t *thr_off = calloc((size_t)e->threads + 1, sizeof *thr_off);
    AX_CHECK_ALLOC(thr_off, err, "thread offsets");
    for (int t = 0; t < e->threads; t++) thr_off[t + 1] = thr_off[t] + e->vps[t].n_local;
    e->n_rank_local = thr_off[e->threads];
    e->tr_start = calloc((size_t)e->n_rank_local + 1, sizeof *e->tr_start);
    if (!e->tr_start) {
        free(thr_off);
        return AX_FAIL(err, AX_ENOMEM, "out of memory for target-rank table");
    }
    for (int r = 0; r < e->ranks; r++)
        for (int k = rd[r]; k < rd[r] + rc[r]; k++)
            e->tr_start[rank_index(e, (int64_t)req[k], thr_off) + 1]++;
    for (int64_t i = 0; i < e->n_rank_local; i++) e->tr_start[i + 1] += e->tr_start[i];
    int64_t total = e->tr_start[e->n_rank_local];
    e->tr_rank = malloc((size_t)(total ? total : 1) * sizeof *e->tr_rank);
    int64_t *fill = malloc((size_t)(e->n_rank_local ? e->n_rank_local : 1) * sizeof *fill);
    if (!e->tr_rank || !fill) {
        free(thr_off);
        free(fill);
        return AX_FAIL(err, AX_ENOMEM, "out of memory for target-rank table");
    }
    memcpy(fill, e->tr_start, (size_t)e->n_rank_local * sizeof *fill);
    for (int r = 0; r < e->ranks; r++) /* ranks ascending: each list is sorted */
        for (int k = rd[r]; k < rd[r] + rc[r]; k++)
            e->tr_rank[fill[rank_index(e, (int64_t)req[k], thr_off)]++] = r;
    free(fill);
    free(thr_off);
    return AX_OK;
}

ax_status ax_exchange_setup(struct ax_engine_s *e, ax_error *err)
{
    AX_TRY(alloc_counts(e, err));
    uint64_t *need = NULL, *req = NULL;
    int64_t n_need = 0;
    AX_TRY(needed_sources(e, &need, &n_need, err));
    for (int64_t k = 0; k < n_need; k++) e->scount[ax_part_rank(&e->part, (int64_t)need[k])]++;
    /* need is sorted by gid, not by owner: regroup by owner rank */
    uint64_t *grouped = malloc((size_t)(n_need ? n_need : 1) * sizeof *grouped);
    AX_CHECK_ALLOC(grouped, err, "request buffer");
    for (int r = 0; r < e->ranks; r++) e->sdispl[r + 1] = e->sdispl[r] + e->scount[r];
    int *pos = malloc((size_t)e->ranks * sizeof *pos);
    AX_CHECK_ALLOC(pos, err, "request positions");
    memcpy(pos, e->sdispl, (size_t)e->ranks * sizeof *pos);
    for (int64_t k = 0; k < n_need; k++) grouped[pos[ax_part_rank(&e->part, (int64_t)need[k])]++] = need[k];
    free(pos);
    free(need);
    MPI_Alltoall(e->scount, 1, MPI_INT, e->rcount, 1, MPI_INT, e->comm);
    for (int r = 0; r < e->ranks; r++) e->rdispl[r + 1] = e->rdispl[r] + e->rcount[r];
    req = malloc((size_t)(e->rdispl[e->ranks] ? e->rdispl[e->ranks] : 1) * sizeof *req);
    AX_CHECK_ALLOC(req, err, "request buffer");
    MPI_Alltoallv(grouped, e->scount, e->sdispl, MPI_UINT64_T, req, e->rcount, e->rdispl,
                  MPI_UINT64_T, e->comm);
    free(grouped);
    ax_status st = build_targets(e, req, e->rcount, e->rdispl, err);
    free(req);
    return st;
}

static ax_status ensure(uint64_t **buf, int64_t *cap, int64_t n, ax_error *err)
{
    if (n <= *cap) return AX_OK;
    int64_t c = *cap ? *cap : 1024;
    while (c < n) c *= 2;
    uint64_t *b = realloc(*buf, (size_t)c * sizeof *b);
    AX_CHECK_ALLOC(b, err, "spike exchange buffer");
    *buf = b;
    *cap = c;
    return AX_OK;
}

/* One rank: every spike stays here. No MPI call, no counts: with one-step
 * slices (Boltzmann machines) the two collectives were a fifth of a step. */
ax_status ax_exchange_self(struct ax_engine_s *e, ax_error *err)
{
    int64_t total = 0;
    for (int t = 0; t < e->threads; t++) total += e->vps[t].n_out;
    if (total > e->cap_recv) AX_TRY(ensure(&e->recv, &e->cap_recv, total, err));
    int64_t n = 0, keep = 0;
    for (int t = 0; t < e->threads; t++) {
        ax_vp *v = &e->vps[t];
        const int64_t off = n;
        for (int64_t k = 0; k < v->n_out; k++) { /* only neurons with targets travel */
            int64_t i = sender_index(e, v, off, v->out[k]);
            if (e->tr_start[i + 1] > e->tr_start[i]) e->recv[keep++] = v->out[k];
        }
        n += v->n_local;
        e->cst.spikes += v->n_out;
        v->n_out_sent = v->n_out;
        v->n_out = 0;
    }
    e->n_recv = keep;
    e->cst.slices++;
    e->cst.keys_sent += keep;
    e->cst.keys_self += keep;
    e->cst.keys_recv += keep;
    if (keep > e->cst.max_keys) e->cst.max_keys = keep;
    if (keep > 1) qsort(e->recv, (size_t)keep, sizeof *e->recv, cmp_u64);
    return AX_OK;
}

ax_status ax_exchange_ranks(struct ax_engine_s *e, int failed, int *stop, ax_error *err)
{
    if (failed) { /* take part in the count exchange with -1: every rank learns of it here */
        for (int r = 0; r < e->ranks; r++) e->scount[r] = -1;
        MPI_Request rq; /* non-blocking as on the other ranks: the two kinds never match */
        if (MPI_Ialltoall(e->scount, 1, MPI_INT, e->rcount, 1, MPI_INT, e->comm, &rq) == MPI_SUCCESS)
            ax_mpi_wait(&rq, &e->mpi_spin, MPI_SPIN_MAX);
        e->n_recv = 0;
        for (int t = 0; t < e->threads; t++) e->vps[t].n_out = 0;
        return AX_OK; /* the caller's own error stands */
    }
    memset(e->scount, 0, (size_t)e->ranks * sizeof(int));
    int64_t off = 0;
    /* Count per destination. The rank-local index of a spike's sender is
     * thread offset + local index, recomputed from its gid. */
    int64_t total = 0;
    for (int t = 0; t < e->threads; t++) {
        ax_vp *v = &e->vps[t];
        for (int64_t k = 0; k < v->n_out; k++) {
            int64_t i = sender_index(e, v, off, v->out[k]);
            for (int64_t q = e->tr_start[i]; q < e->tr_start[i + 1]; q++) e->scount[e->tr_rank[q]]++;
            total += e->tr_start[i + 1] - e->tr_start[i];
        }
        off += v->n_local;
    }
    AX_TRY(ensure(&e->send, &e->cap_send, total, err));
    for (int r = 0; r < e->ranks; r++) e->sdispl[r + 1] = e->sdispl[r] + e->scount[r];
    int *pos = e->rcount; /* reuse as fill cursor before the Alltoall overwrites it */
    memcpy(pos, e->sdispl, (size_t)e->ranks * sizeof *pos);
    off = 0;
    for (int t = 0; t < e->threads; t++) {
        ax_vp *v = &e->vps[t];
        for (int64_t k = 0; k < v->n_out; k++) {
            int64_t i = sender_index(e, v, off, v->out[k]);
            for (int64_t q = e->tr_start[i]; q < e->tr_start[i + 1]; q++)
                e->send[pos[e->tr_rank[q]]++] = v->out[k];
        }
        off += v->n_local;
        v->n_out_sent = v->n_out;
        v->n_out = 0;
    }
    /* per-rank figures (stats.c): spikes, keys, destinations */
    e->cst.slices++;
    for (int t = 0; t < e->threads; t++) e->cst.spikes += e->vps[t].n_out_sent;
    e->cst.keys_sent += total;
    e->cst.keys_self += e->scount[e->rank];
    if (total > e->cst.max_keys) e->cst.max_keys = total;
    for (int r = 0; r < e->ranks; r++) e->cst.nonempty += r != e->rank && e->scount[r] > 0;
    /* counts travel as 2 * count + stop-request bit: a signal on any rank
     * reaches every rank in this collective, with no extra reduction */
    for (int r = 0; r < e->ranks; r++) e->scount[r] = 2 * e->scount[r] + (*stop != 0);
    MPI_Request rq;
    if (MPI_Ialltoall(e->scount, 1, MPI_INT, e->rcount, 1, MPI_INT, e->comm, &rq) != MPI_SUCCESS ||
        ax_mpi_wait(&rq, &e->mpi_spin, MPI_SPIN_MAX) != 0)
        return AX_FAIL(err, AX_EMPI, "MPI_Alltoall of spike counts failed");
    for (int r = 0; r < e->ranks; r++)
        if (e->rcount[r] < 0) { /* rank r failed: skip the Alltoallv with everyone */
            e->n_recv = 0;
            return AX_FAIL(err, AX_EMPI, "rank %d failed during the simulation", r);
        }
    for (int r = 0; r < e->ranks; r++) {
        *stop |= e->rcount[r] & 1;
        e->rcount[r] >>= 1;
        e->scount[r] >>= 1;
    }
    for (int r = 0; r < e->ranks; r++) {
        e->rdispl[r + 1] = e->rdispl[r] + e->rcount[r];
        e->cst.nonempty_recv += r != e->rank && e->rcount[r] > 0;
    }
    e->n_recv = e->rdispl[e->ranks];
    e->cst.keys_recv += e->n_recv;
    AX_TRY(ensure(&e->recv, &e->cap_recv, e->n_recv, err));
    if (MPI_Ialltoallv(e->send, e->scount, e->sdispl, MPI_UINT64_T, e->recv, e->rcount,
                       e->rdispl, MPI_UINT64_T, e->comm, &rq) != MPI_SUCCESS ||
        ax_mpi_wait(&rq, &e->mpi_spin, MPI_SPIN_MAX) != 0)
        return AX_FAIL(err, AX_EMPI, "MPI_Alltoallv of spikes failed");
    /* recv is NULL until a spike arrives; qsort(NULL, 0) is undefined (UBSan) */
    if (e->n_recv > 1) qsort(e->recv, (size_t)e->n_recv, sizeof *e->recv, cmp_u64);
    return AX_OK;
}

void ax_exchange_free(struct ax_engine_s *e)
{
    free(e->tr_start);
    free(e->tr_rank);
    free(e->send);
    free(e->recv);
    free(e->scount);
    free(e->sdispl);
    free(e->rcount);
    free(e->rdispl);
}
