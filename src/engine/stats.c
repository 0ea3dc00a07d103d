/* stats.c - what a run measured, per rank (issue 19 item 3): resident
 * memory at three points, the bytes of every per-rank table, and the
 * exchange's volume and messages per slice, reduced over ranks and written
 * as JSON for --stats-json (benchmarks/run reads it). Weak scaling is
 * judged table by table: which stay flat as ranks and neurons grow together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "axon/sbuf.h"
#include "engine_impl.h"

double ax_rss_now(void)
{
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
        fclose(f);
    }
    return (double)res * (double)sysconf(_SC_PAGESIZE);
}

/* The per-rank tables, in bytes. */
enum { T_SYN, T_SRC, T_RUNS, T_TSO, T_RING, T_QUEUE, T_NEURON, T_SPIKEBUF, T_DEVICES, T_RECORD,
       T_TARGETS, T_EXCHANGE, T_COUNTS, T_N };
static const char *const kTable[T_N] = {
    "synapses", "source_index", "delay_runs", "tsodyks2_state", "input_buffers", "delivery_queues",
    "neuron_state", "spike_buffers", "generators", "recorder_buffers", "target_ranks",
    "exchange_buffers", "exchange_counts"};

static double store_bytes(const ax_store *st, int delay_runs)
{
    if (delay_runs)
        return st->drow ? 8.0 * (double)(st->n_src + 1) + 4.0 * (double)st->drow[st->n_src] : 0.0;
    return 16.0 * (double)st->n_src; /* src_gid + rows */
}

static void tables(const struct ax_engine_s *e, double *t)
{
    memset(t, 0, T_N * sizeof *t);
    for (int th = 0; th < e->threads; th++) {
        const ax_vp *v = &e->vps[th];
        t[T_SYN] += 8.0 * (double)(v->st.n_syn + v->pl.n_syn) + 4.0 * (double)v->cp.n_syn;
        t[T_SRC] += store_bytes(&v->st, 0) + store_bytes(&v->cp, 0) + store_bytes(&v->pl, 0);
        t[T_RUNS] += store_bytes(&v->st, 1) + store_bytes(&v->cp, 1);
        if (v->tso.run) t[T_TSO] += 16.0 * (double)(v->pl.n_src + 1) + 28.0 * (double)v->tso.run[v->pl.n_src];
        t[T_RING] += 8.0 * (double)v->n_rec * (double)v->n_ring * (double)v->n_local;
        for (int64_t k = 0; v->q && k < v->n_slots; k++)
            t[T_QUEUE] += (double)v->q[k].cap * sizeof(ax_qent) + sizeof(ax_queue);
        for (int b = 0; b < v->n_blocks; b++)
            t[T_NEURON] += 8.0 * (double)v->blocks[b].n * (double)(v->blocks[b].ops->n_ckpt +
                           (v->blocks[b].i_ext != NULL));
        t[T_SPIKEBUF] += 8.0 * (double)(v->cap_out + v->n_local);
        for (int k = 0; k < v->n_poisson; k++)
            t[T_DEVICES] += 36.0 * (double)v->poisson[k].n + 4.0 * (v->poisson[k].n_cdf + v->poisson[k].n_guide);
        for (int k = 0; k < v->n_spikegen; k++)
            t[T_DEVICES] += 8.0 * (double)(v->spikegen[k].n + v->spikegen[k].n_steps);
        for (int k = 0; k < v->n_dc; k++) t[T_DEVICES] += 8.0 * (double)v->dc[k].n;
        t[T_RECORD] += 16.0 * (double)v->cap_rec_spk;
        for (int k = 0; k < v->n_meter; k++)
            t[T_RECORD] += 8.0 * (double)(v->meter[k].cap_rows * v->meter[k].n_vars * v->meter[k].n) +
                           16.0 * (double)v->meter[k].n;
    }
    t[T_TARGETS] = 8.0 * (double)(e->n_rank_local + 1) +
                   4.0 * (double)(e->tr_start ? e->tr_start[e->n_rank_local] : 0);
    t[T_EXCHANGE] = 8.0 * (double)(e->cap_send + e->cap_recv);
    t[T_COUNTS] = 4.0 * (4.0 * e->ranks + 2.0); /* scount, rcount [R]; sdispl, rdispl [R + 1] */
}

/* Figures gathered per rank, in this order. */
enum { F_RSS_INIT, F_RSS_BUILD, F_RSS_PEAK, F_SLICES, F_SPIKES, F_KEYS, F_SELF, F_RECV, F_DEST,
       F_SRCS, F_KEYMSG, F_MAXKEYS, F_T_COMM, F_MINFLT, F_NIVCSW, F_CPU, F_TAB, F_N = F_TAB + T_N };

static void mine(const struct ax_engine_s *e, double *x)
{
    x[F_RSS_INIT] = e->rss_init;
    x[F_RSS_BUILD] = e->rss_build;
    x[F_RSS_PEAK] = ax_peak_rss_bytes();
    x[F_SLICES] = (double)e->cst.slices;
    x[F_SPIKES] = (double)e->cst.spikes;
    x[F_KEYS] = (double)e->cst.keys_sent;
    x[F_SELF] = (double)e->cst.keys_self;
    x[F_RECV] = (double)e->cst.keys_recv;
    x[F_DEST] = (double)e->cst.nonempty;
    x[F_SRCS] = (double)e->cst.nonempty_recv;
    x[F_KEYMSG] = (double)(e->cst.nonempty + e->cst.nonempty_recv);
    x[F_MAXKEYS] = (double)e->cst.max_keys;
    x[F_T_COMM] = e->stats.t_communicate;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    x[F_MINFLT] = (double)ru.ru_minflt;
    x[F_NIVCSW] = (double)ru.ru_nivcsw;
    x[F_CPU] = (double)ru.ru_utime.tv_sec + 1e-6 * ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec +
               1e-6 * ru.ru_stime.tv_usec;
    tables(e, x + F_TAB);
}

static void mms(ax_sbuf *b, const char *name, const double *all, int R, int f, int per_rank)
{
    double mx = all[f], mn = all[f], sum = 0;
    for (int r = 0; r < R; r++) {
        double v = all[(size_t)r * F_N + f];
        mx = v > mx ? v : mx;
        mn = v < mn ? v : mn;
        sum += v;
    }
    ax_sbuf_printf(b, "\"%s\": {\"max\": %.0f, \"min\": %.0f, \"sum\": %.0f", name, mx, mn, sum);
    if (per_rank) {
        ax_sbuf_printf(b, ", \"per_rank\": [");
        for (int r = 0; r < R; r++) ax_sbuf_printf(b, "%s%.0f", r ? ", " : "", all[(size_t)r * F_N + f]);
        ax_sbuf_printf(b, "]");
    }
    ax_sbuf_printf(b, "}");
}

/* The per-slice averages under "comm", in their order: name, field, scale
 * (a key is 8 bytes). */
static const struct {
    const char *name;
    int field;
    double scale;
} kComm[] = {{"spikes", F_SPIKES, 1.0},       {"keys_sent", F_KEYS, 1.0},
             {"keys_to_self", F_SELF, 1.0},   {"keys_received", F_RECV, 1.0},
             {"key_bytes_sent", F_KEYS, 8.0}, {"destinations", F_DEST, 1.0},
             {"sources", F_SRCS, 1.0}};

/* Per-slice means and maxima over ranks of a summed figure. */
static void per_slice(ax_sbuf *b, const char *name, const double *all, int R, int f, double scale)
{
    double mx = 0, sum = 0;
    for (int r = 0; r < R; r++) {
        double s = all[(size_t)r * F_N + F_SLICES];
        double v = s > 0 ? scale * all[(size_t)r * F_N + f] / s : 0.0;
        mx = v > mx ? v : mx;
        sum += v;
    }
    ax_sbuf_printf(b, "\"%s\": {\"mean\": %.6g, \"max\": %.6g}", name, sum / R, mx);
}

char *ax_engine_stats_json(ax_engine e)
{
    const int R = e->ranks;
    double x[F_N];
    mine(e, x);
    double *all = e->rank == 0 ? malloc((size_t)R * F_N * sizeof *all) : NULL;
    MPI_Gather(x, F_N, MPI_DOUBLE, all, F_N, MPI_DOUBLE, 0, e->comm);
    if (e->rank != 0 || !all) {
        free(all);
        return NULL;
    }
    const ax_engine_stats *s = &e->stats;
    const int pr = R <= 64;
    ax_sbuf b = {0};
    ax_sbuf_printf(&b, "\"delivery\": \"%s\", \"threads_deferred\": %d, ",
                   s->threads_deferred == 0 ? "direct"
                   : s->threads_deferred == R * e->threads ? "deferred" : "mixed",
                   s->threads_deferred);
    ax_sbuf_printf(&b, "\"build_phases\": {\"blocks\": %.6f, \"count\": %.6f, \"place\": %.6f, "
                   "\"sort\": %.6f, \"buffers\": %.6f, \"devices\": %.6f, \"index\": %.6f, "
                   "\"draw\": %.6f}, ", s->tb_blocks, s->tb_count, s->tb_place, s->tb_sort,
                   s->tb_buffers, s->tb_devices, s->tb_index, s->tb_draw);
    ax_sbuf_printf(&b, "\"rss\": {");
    mms(&b, "after_init", all, R, F_RSS_INIT, pr);
    ax_sbuf_printf(&b, ", ");
    mms(&b, "after_build", all, R, F_RSS_BUILD, pr);
    ax_sbuf_printf(&b, ", ");
    mms(&b, "peak", all, R, F_RSS_PEAK, pr);
    double syn = (double)(s->n_synapses > 0 ? s->n_synapses : 1), net = 0;
    for (int r = 0; r < R; r++) net += all[(size_t)r * F_N + F_RSS_PEAK] - all[(size_t)r * F_N + F_RSS_INIT];
    ax_sbuf_printf(&b, ", \"bytes_per_synapse\": %.4f, \"bytes_per_synapse_net\": %.4f}, ",
                   s->peak_rss_sum / syn, net / syn);
    ax_sbuf_printf(&b, "\"tables\": {");
    double tsum = 0;
    for (int k = 0; k < T_N; k++) {
        ax_sbuf_printf(&b, "%s", k ? ", " : "");
        mms(&b, kTable[k], all, R, F_TAB + k, pr);
        for (int r = 0; r < R; r++) tsum += all[(size_t)r * F_N + F_TAB + k];
    }
    ax_sbuf_printf(&b, ", \"total_bytes_per_synapse\": %.4f}, ", tsum / syn);
    /* Alltoall of counts: R-1 messages out per rank; Alltoallv of keys: Open
     * MPI's basic algorithms post a send and a receive to every other rank,
     * zero counts included (ompi/mca/coll/base/coll_base_alltoallv.c) */
    ax_sbuf_printf(&b, "\"comm\": {\"slices\": %.0f, ", all[F_SLICES]);
    for (int k = 0; k < (int)(sizeof kComm / sizeof kComm[0]); k++) {
        ax_sbuf_printf(&b, "%s", k ? ", " : "");
        per_slice(&b, kComm[k].name, all, R, kComm[k].field, kComm[k].scale);
    }
    double mx = 0;
    for (int r = 0; r < R; r++) mx = all[(size_t)r * F_N + F_MAXKEYS] > mx ? all[(size_t)r * F_N + F_MAXKEYS] : mx;
    /* Messages posted per slice by this rank (sends + receives), as Open MPI's
     * libnbc schedules them (ompi/mca/coll/libnbc, linear algorithms): the
     * Ialltoall of counts exchanges with every other rank, the Ialltoallv of
     * keys only with ranks whose count is not zero (measured). */
    ax_sbuf_printf(&b, ", \"max_keys_in_a_slice\": %.0f, \"count_bytes_per_slice\": %d, "
                   "\"messages_per_slice\": {\"alltoall_counts\": %d, ",
                   mx, 4 * R, 2 * (R - 1));
    per_slice(&b, "alltoallv_keys", all, R, F_KEYMSG, 1.0);
    ax_sbuf_printf(&b, "}");
    double tc = 0;
    for (int r = 0; r < R; r++) tc = all[(size_t)r * F_N + F_T_COMM] > tc ? all[(size_t)r * F_N + F_T_COMM] : tc;
    ax_sbuf_printf(&b, ", \"seconds_per_slice\": %.6g}, ", all[F_SLICES] > 0 ? tc / all[F_SLICES] : 0.0);
    double la[3] = {0, 0, 0};
    if (getloadavg(la, 3) < 0) la[0] = la[1] = la[2] = -1;
    ax_sbuf_printf(&b, "\"system\": {\"cpus_allowed\": %d, \"ranks_per_node\": %d, \"loadavg\": [%.2f, %.2f, %.2f], ",
                   e->cpus, e->local_ranks, la[0], la[1], la[2]);
    mms(&b, "minor_faults", all, R, F_MINFLT, 0);
    ax_sbuf_printf(&b, ", ");
    mms(&b, "involuntary_switches", all, R, F_NIVCSW, 0);
    ax_sbuf_printf(&b, ", \"cpu_s\": {");
    double cmax = 0, csum = 0;
    for (int r = 0; r < R; r++) {
        double c = all[(size_t)r * F_N + F_CPU];
        cmax = c > cmax ? c : cmax;
        csum += c;
    }
    ax_sbuf_printf(&b, "\"max\": %.3f, \"sum\": %.3f}}", cmax, csum);
    free(all);
    return ax_sbuf_take(&b);
}

/* Build-phase figures and the delivery mode (after the build; collective). */
void ax_engine_build_stats_phases(struct ax_engine_s *e)
{
    double ph[AX_PH_N + 1] = {0};
    int deferred = 0;
    for (int t = 0; t < e->threads; t++) {
        for (int k = 0; k < AX_PH_N; k++) ph[k] = e->vps[t].t_phase[k] > ph[k] ? e->vps[t].t_phase[k] : ph[k];
        deferred += e->vps[t].deferred;
    }
    ph[AX_PH_N] = e->t_index;
    double mx[AX_PH_N + 1];
    MPI_Allreduce(ph, mx, AX_PH_N + 1, MPI_DOUBLE, MPI_MAX, e->comm);
    MPI_Allreduce(&deferred, &e->stats.threads_deferred, 1, MPI_INT, MPI_SUM, e->comm);
    ax_engine_stats *s = &e->stats;
    s->tb_blocks = mx[AX_PH_BLOCKS];
    s->tb_count = mx[AX_PH_COUNT];
    s->tb_place = mx[AX_PH_PLACE];
    s->tb_sort = mx[AX_PH_SORT];
    s->tb_buffers = mx[AX_PH_BUFFERS];
    s->tb_devices = mx[AX_PH_DEVICES];
    s->tb_draw = getenv("AXON_BUILD_PROFILE") ? mx[AX_PH_DRAW] : -1.0;
    s->tb_index = mx[AX_PH_N];
}

/* Exchange means after a simulation (collective). */
void ax_engine_comm_stats(struct ax_engine_s *e)
{
    double x[2] = {e->cst.slices ? (double)e->cst.keys_sent / (double)e->cst.slices : 0.0,
                   e->cst.slices ? (double)e->cst.nonempty / (double)e->cst.slices : 0.0}, s[2];
    MPI_Allreduce(x, s, 2, MPI_DOUBLE, MPI_SUM, e->comm);
    e->stats.keys_per_slice = s[0] / e->ranks;
    e->stats.dest_per_slice = s[1] / e->ranks;
}
