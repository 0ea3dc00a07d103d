/* engine_impl.h - the engine's private data: one ax_vp per OpenMP thread.
 *
 * Invariants:
 * - A thread reads and writes only its own ax_vp (first-touched by it),
 *   except the shared receive buffer, which is read-only while threads run.
 * - Local neuron index i in [0, n_local): blocks (one per population) are
 *   contiguous, in population order; within a block, ascending gid.
 * - Synapses (ax_store): rows[k]..rows[k+1] of syn[] belong to src_gid[k]
 *   (sorted ascending); within a row, synapses keep connection-creation
 *   order, so each projection's synapses in a row are contiguous.
 * - Input buffer slot of step n is n mod n_ring; a slot is zeroed right after
 *   the step that consumed it. Direct delivery: the buffer is the whole ring
 *   (n_ring = n_slots = max delay + D) and deliver adds into it. Deferred
 *   (bucket) delivery: n_ring = D, and deliver only queues references to
 *   runs of synapses per arrival step (q[step mod n_slots]); the queue of a
 *   step is applied into the buffer at the start of its slice (deliver.c).
 */
#ifndef AXON_ENGINE_IMPL_H
#define AXON_ENGINE_IMPL_H

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "axon/engine.h"
#include "axon/model.h"
#include "axon/partition.h"
#include "axon/stdp.h"

/* A spike in flight, as exchanged between ranks: key = lag << LAG_SHIFT |
 * gid, lag = its step within the slice. 48 bits of gid are 2.8e14 neurons. */
#define LAG_SHIFT 48
#define GID_MASK ((UINT64_C(1) << LAG_SHIFT) - 1)

/* A static synapse: 8 bytes. packed = receptor (top bit) | delay steps |
 * target local index (low idx_bits). */
typedef struct ax_syn {
    uint32_t packed;
    float w;
} ax_syn;

/* Synapses grouped by source: rows[k]..rows[k+1] of syn[] belong to
 * src_gid[k] (sorted ascending); seg[p]..seg[p+1] are the rows of source
 * population p, which are all of its neurons when dense[p]. */
typedef struct ax_store {
    int64_t n_src, n_syn;
    /* deferred delivery only: each row sorted by delay (stably), and its runs
     * of one delay: drun[drow[k]..drow[k+1]) = end (relative to the row's
     * start) << delay bits | delay */
    int64_t *drow;        /* [n_src + 1] */
    uint32_t *drun;
    int64_t *src_gid;     /* [n_src] */
    int64_t *rows;        /* [n_src + 1] */
    ax_syn *syn;          /* [n_syn], or NULL in the compact store */
    uint32_t *pk;         /* compact store: [n_syn] packed words only (weight per population) */
    int64_t *seg;         /* [n_pops + 1] */
    uint8_t *dense;       /* [n_pops] */
} ax_store;

/* tsodyks2 state of the plastic store. NEST keeps x, u and t_lastspike per
 * synapse, but they evolve only with the presynaptic spike train and the
 * projection's parameters, so all synapses of one source and projection
 * hold identical values: one state per run (a row's synapses of one
 * projection, contiguous because rows keep creation order) is exact. */
typedef struct ax_tso_rows {
    int64_t *t_last;      /* [n_src]: stamp (steps) of the source's last spike; 0 at start */
    int64_t *run;         /* [n_src + 1]: runs of row k are run[k]..run[k+1] */
    int64_t *run_end;     /* [n_runs]: end of the run in syn[] (start = previous end or row start) */
    int32_t *run_proj;    /* [n_runs]: projection index */
    double *x, *u;        /* [n_runs] */
    double *y;            /* [n_runs]: tsodyks_synapse's active resources (else unused) */
} ax_tso_rows;

/* Neurons of a block that share one parameter vector (block.c). */
typedef struct ax_group {
    ax_neurons *nr;
    int64_t n;
    int64_t *idx;    /* their indices in the block, ascending */
} ax_group;

/* One entry of an arrival step's queue (deferred delivery), applied in
 * queue order, which is delivery order: a run of synapses of one delay in a
 * store's row (8-byte synapses, or packed words carrying the weight f), or
 * one exact value into one input cell (packed receptor | index). */
enum { AX_Q_RUN8 = 0, AX_Q_RUN4, AX_Q_VAL };
typedef struct ax_qent {
    const void *p;
    uint32_t len;         /* synapses; AX_Q_VAL: packed receptor << 31 | index */
    uint32_t kind;
    double f;             /* AX_Q_RUN4: the weight; AX_Q_VAL: the value */
} ax_qent;

typedef struct ax_queue {
    ax_qent *e;
    int64_t n, cap;       /* grows, never shrinks: the steady state allocates nothing */
} ax_queue;

/* STDP synapses of one thread (stdp_store.c, docs/plasticity.md): rows by
 * source like the static stores, each synapse a packed word (st.pk) and a
 * double weight (w); per row (source) the stamp of its last spike and how
 * far its synapses have been potentiated; per run (the row's synapses of one
 * projection, contiguous) the presynaptic trace Kplus. NEST keeps Kplus and
 * t_lastspike in every synapse, but they depend only on the source's spikes
 * and the projection's tau_plus, so one copy per run is exact. Per local
 * neuron of a plastic-target population: its spike history. */
typedef struct ax_wrec_buf {
    uint64_t *src, *tgt;  /* gids */
    int64_t *step;        /* stamp of the presynaptic spike */
    double *w;
    int32_t *proj;
    int64_t n, cap;
} ax_wrec_buf;

typedef struct ax_stdp_store {
    ax_store st;          /* st.pk: packed target/delay/receptor per synapse */
    double *w;            /* [n_syn] */
    int64_t *t_last;      /* [n_src] stamp of the source's last spike (0: none yet, as NEST) */
    int64_t *t_fac;       /* [n_src] post spikes arriving (t_post + d) at or before it are applied */
    int64_t *run;         /* [n_src + 1] */
    int64_t *run_end;     /* [n_runs] end of the run in w/pk (start: previous end or row start) */
    int32_t *run_proj;    /* [n_runs] */
    double *kplus;        /* [n_runs] */
    ax_stdp_hist *hist;   /* [n_local] (empty for neurons of other populations) */
    double *tmi;          /* [n_local] 1/tau_minus of plastic targets (NEST multiplies by it) */
    int64_t swept;        /* slice start of the last sweep (-1: none) */
    ax_wrec_buf rec;      /* weight_recorder events since the last flush */
} ax_stdp_store;

/* What delivery needs of one STDP projection (read-only, shared). */
typedef struct ax_stdp_proj {
    ax_stdp_params p;
    int count_only;       /* target counts spikes (parrot_neuron): add 1, not the weight */
    int wrec;             /* weight_recorder device index + 1, 0: none */
    int64_t on0, on1;     /* recorder active for stamps on0 < s <= on1 */
} ax_stdp_proj;

typedef struct ax_block {
    int pop;
    const ax_model_ops *ops;
    ax_neurons *nr;  /* the one instance, or NULL when the block is split into groups */
    int64_t n;       /* neurons of pop in this VP */
    int64_t gid0;    /* first owned gid (stride n_vp) */
    int64_t offset;  /* local index of the first */
    double *i_ext;   /* current devices' input (pA), NULL if none targets this block */
    int64_t max_spk; /* most spikes one step can emit (n, or more for spike sources) */
    /* per-neuron parameter values the model keeps per population: groups */
    int n_groups;    /* 0: one instance (nr) */
    ax_group *groups;
    int32_t *grp_of; /* [n]: group of neuron j */
    int64_t *pos_of; /* [n]: its index in the group */
    double *gbuf;    /* gathered input of one group */
    int64_t *gspk;   /* one group's spikes */
} ax_block;

/* A poisson_generator's targets in this VP and its sampling table. */
typedef struct ax_poisson {
    int dev;
    double w;
    int receptor;
    int64_t delay;      /* steps */
    int64_t n;          /* targets */
    int64_t *idx;       /* local indices */
    uint64_t *gid;      /* their gids (stream keys) */
    uint32_t *u;        /* 4 Philox words per target: the block of steps 4 u_blk .. +3;
                         * with few targets AX_POISSON_GROUP blocks from u_blk (devices.c) */
    int64_t u_blk;      /* (first) block held in u (-1: none); a pure function of the
                         * block, so short slices (min delay < 4 steps) reuse it */
    uint32_t *cnt;      /* scratch: counts of one step */
    double *cw;         /* few targets only: count * w of the steps of u (devices.c) */
    uint64_t *lane_gid; /* few targets only: gid and block offset of each lane of u */
    uint32_t *lane_g;
    int contiguous;     /* idx[j] == idx[0] + j: add without scatter */
    uint32_t *cdf;      /* cdf[k] = floor(P(X <= k) * 2^32), k < n_cdf */
    int n_cdf;
    int32_t *guide;     /* guide[j]: first k with cdf[k] > j * 2^32 / n_guide */
    int n_guide;
    int64_t on0, on1;   /* active for emission steps e with on0 <= e < on1 */
} ax_poisson;

/* A spike_generator's emission steps and its targets here. */
typedef struct ax_spikegen {
    int64_t n_steps;
    int64_t *step;      /* emission steps (stamp/h - 1), sorted; repeats = multiplicity */
    int64_t next;       /* first not yet emitted */
    int64_t n;          /* targets */
    int64_t *idx;
    double w;
    int receptor;
    int64_t delay;
} ax_spikegen;

/* A dc_generator's targets here. */
typedef struct ax_dc {
    double amp;
    int64_t on0, on1;   /* active for arrival steps on0 <= n < on1 */
    int64_t n;
    int64_t *idx;
} ax_dc;

/* Multimeter samples of this thread. */
typedef struct ax_meter {
    int dev, pop, n_vars;
    int64_t interval;   /* steps */
    int64_t n;          /* recorded neurons here */
    uint64_t *node_id;  /* within population */
    double **ptr;       /* [v] -> state array of variable var[v] of block blk; index sidx[j] */
    int *var;           /* [v]: state variable index */
    double **cell;      /* grouped blocks (block.c): [v * n + j] -> the value; else NULL */
    int64_t *sidx;      /* index within its block's arrays */
    int blk;
    double *buf;        /* [row][v][j] */
    int64_t rows, cap_rows;
    int64_t first_step; /* the row 0 sample's time in steps (valid when rows > 0) */
    int64_t on0, on1;   /* samples after steps n with on0 <= n < on1 (window) */
} ax_meter;

/* One spike_recorder source: gids [g0, g1) emitting in steps [on0, on1)
 * (stamps in the recorder's window (start, stop]). */
typedef struct ax_rec_win {
    int64_t g0, g1, on0, on1;
} ax_rec_win;

/* An injected fault (fault.c): AXON_FAULT, parsed once when the engine is made. */
enum { AX_FAULT_NONE = 0, AX_FAULT_BUILD, AX_FAULT_SIMULATE, AX_FAULT_RECORD };
typedef struct ax_fault {
    int phase;            /* AX_FAULT_* */
    int rank;             /* the rank that fails */
    char text[256];       /* the variable's value, for the message */
} ax_fault;

/* The slice loop's synchronisation (sync.c): workers arrive, the master
 * waits for them, works alone, and releases them. Spin, then sleep. */
typedef struct ax_sync {
    atomic_int arrived;               /* workers arrived in this slice */
    atomic_int master_sleeps;
    char pad1[64];                    /* the two words the sides write on different lines */
    atomic_int gen;                   /* release generation */
    atomic_int sleepers;
    char pad2[64];
    int threads;
    int spin_max;                     /* spin iterations at most before sleeping; 0: never spin */
} ax_sync;

void ax_sync_init(ax_sync *s, int threads, int spin_max);
/* Master: wait until every other thread arrived. budget: the caller's
 * adaptive spin budget (in/out). */
void ax_sync_master_wait(ax_sync *s, int *budget);
/* Master: let the waiting threads go on. */
void ax_sync_release(ax_sync *s);
/* Other threads: arrive and wait for the master's release. */
void ax_sync_arrive_wait(ax_sync *s, int *budget);
/* Complete a non-blocking MPI request: MPI_Test up to *budget times
 * (adaptive, at most spin_max), then with growing sleeps. 0, or -1 if
 * MPI_Test failed. */
int ax_mpi_wait(MPI_Request *rq, int *budget, int spin_max);

/* Build phases, seconds per thread (network.c), reported as the max over
 * threads and ranks (stats.c). DRAW is measured only with
 * AXON_BUILD_PROFILE=1: pass B's rules once more with a sink that drops
 * the synapses (its time is not part of the build's total). */
enum { AX_PH_BLOCKS = 0, AX_PH_COUNT, AX_PH_PLACE, AX_PH_SORT, AX_PH_BUFFERS, AX_PH_DEVICES,
       AX_PH_DRAW, AX_PH_N };

typedef struct ax_vp {
    int64_t vp;
    int thread;
    int spin;             /* sync.c: this thread's spin budget */
    int64_t n_local;
    int n_blocks;
    ax_block *blocks;

    /* synapse stores: static synapses (8 bytes), static synapses of sources
     * whose every static projection has one constant weight (4 bytes: the
     * weight is the population's, engine cw[]), and tsodyks2 synapses */
    ax_store st;
    ax_store cp;
    ax_store pl;
    ax_tso_rows tso;
    ax_stdp_store sp;
    int idx_bits, delay_bits;
    uint32_t idx_mask, delay_mask;

    /* input buffers [receptor][slot][n_local], slot of step n = n mod n_ring */
    int n_rec;
    int64_t n_slots;      /* pending steps: max delay + D (the checkpoint's ring) */
    int64_t n_ring;       /* slots of ring: n_slots (direct) or D (deferred) */
    int64_t slot0;        /* slot of the current slice's first step (t0 mod n_ring), kept
                           * by the slice loop so no step divides */
    double *ring;
    /* deferred delivery (engine_impl.h top): queues per arrival step mod n_slots */
    int deferred;
    ax_queue *q;          /* [n_slots] */
    double *restored;     /* after a restart: the checkpoint's ring, [receptor][n_slots][n_local],
                           * slot n mod n_slots, added first for steps < restored_end */
    int64_t restored_end;

    /* spikes emitted in the current slice: key = lag << 48 | gid */
    uint64_t *out;
    int64_t n_out, cap_out;
    int64_t n_out_sent;   /* n_out of the last exchange (stats) */
    int64_t *spiked;      /* scratch for update(): room for cap_spiked (the largest block max_spk) */
    int64_t cap_spiked;

    /* devices */
    int n_poisson, n_spikegen, n_dc, n_meter;
    ax_poisson *poisson;
    ax_spikegen *spikegen;
    ax_dc *dc;
    ax_meter *meter;

    /* spike recording: gid and step of recorded spikes since the last flush */
    uint64_t *rec_gid;
    int64_t *rec_step;
    int64_t n_rec_spk, cap_rec_spk;

    int64_t *pop_spikes;  /* [n_pops] */
    int dc_force;         /* recompute dc input at the next step (after a restore) */
    uint64_t k_update, k_deliver, k_devices; /* ax_ticks() spent per phase */
    double t_phase[AX_PH_N];  /* build phases (s) */
    int64_t n_events;     /* synaptic events delivered (row lengths of delivered spikes) */
    ax_status status;     /* first failure inside the parallel region */
    ax_error err;
} ax_vp;

struct ax_engine_s {
    const ax_spec *spec;
    MPI_Comm comm;
    int rank, ranks, threads;
    ax_partition part;
    double h;
    int64_t D, max_delay, n_steps;
    int delivery;             /* AXON_DELIVERY: -1 auto (by the scatter window), 0 direct, 1 deferred */
    uint8_t *pop_recorded;    /* [n_pops]: a spike_recorder covers (part of) it */
    uint8_t *compact;         /* [n_pops]: its static synapses are in the compact store */
    float *cw;                /* [n_pops]: their common weight */
    /* what the spike_recorders record: rec_win[rec_win_of[p] .. rec_win_of[p+1]]
     * of population p, one entry per (recorder, source); a spike is kept if
     * any entry covers it */
    ax_rec_win *rec_win;
    int *rec_win_of;          /* [n_pops + 1] */
    /* STDP (stdp_store.c): per projection (NULL without STDP), per population */
    ax_stdp_proj *stdp_proj;  /* [n_proj]; p.kind == 0 for non-STDP projections */
    uint8_t *stdp_post;       /* [n_pops]: target of an STDP projection (keeps spike histories) */
    ax_stdp_time stdp_tb;
    int64_t stdp_dmax;        /* longest STDP delay, steps */
    int64_t stdp_sweep;       /* steps between sweeps (catch-up and pruning), multiple of D */
    ax_vp *vps;               /* [threads] */
    ax_sync sync;             /* the slice loop's handoff (sync.c) */
    int local_ranks;          /* ranks sharing this node (MPI_COMM_TYPE_SHARED) */
    int mpi_spin;             /* ax_mpi_wait's adaptive budget for the exchange */
    int cpus;                 /* CPUs in this process's affinity mask */

    /* exchange */
    int64_t *tr_start;        /* [n_rank_local + 1]: target ranks of local neurons (CSR) */
    int32_t *tr_rank;
    int64_t n_rank_local;     /* neurons on this rank */
    uint64_t *send, *recv;
    int64_t cap_send, cap_recv, n_recv;
    int *scount, *sdispl, *rcount, *rdispl;

    /* time: t_now is the next step to simulate. Slices lie inside the cells
     * [k D, (k+1) D) of the min-delay grid and are cut short at the end of a
     * run_until call; the spikes of the last slice (which began at t_prev)
     * wait in recv until the next slice delivers them. */
    int64_t t_now, t_prev;
    int64_t t_end;            /* the step the current run_until call runs to */
    int64_t ckpt_steps;       /* checkpoint interval in steps (multiple of D), 0: none */
    const char *ckpt_dir;
    volatile int *stop;       /* set by a signal handler: checkpoint and stop */
    char last_ckpt[4096];
    ax_spike_sink sink;       /* optional in-memory consumer of recorded spikes */
    void *sink_ctx;
    ax_trace_sink trace_sink; /* optional in-memory consumer of multimeter rows */
    void *trace_ctx;
    struct ax_outputs {       /* what a run writes to (recording.c) */
        ax_recorder rec;      /* attached HDF5 writer, or NULL (sinks may still listen) */
        int *spk_ids;         /* [n_pops]: spike dataset ids of recorded populations */
        int n_reports;        /* multimeter reports, one per (device, population) */
        int *report_ids;
        int *wrec_ids;        /* [n_dev]: weight dataset of a weight_recorder with events, else -1 */
    } outs;
    ax_fault fault;

    /* per-rank figures of the exchange (exchange.c), summed over slices */
    struct {
        int64_t slices, spikes, keys_sent, keys_self, keys_recv, nonempty, nonempty_recv, max_keys;
    } cst;
    double rss_init, rss_build;   /* resident bytes before and after the build */
    double t_index;               /* exchange setup (s) */
    double t_draw_profile;        /* AXON_BUILD_PROFILE's extra pass (s), not in t_build */

    ax_engine_stats stats;
};

/* stats.c: current resident set size (bytes); the build-phase and delivery
 * figures after a build, the exchange means after a simulation (both
 * collective). */
double ax_rss_now(void);
void ax_engine_build_stats_phases(struct ax_engine_s *e);
void ax_engine_comm_stats(struct ax_engine_s *e);

/* Timestamps for the per-slice phase split. With slices of one step (min
 * delay = h, as in Boltzmann machines) eight clock_gettime calls per slice
 * were 20 % of the run; the x86 time-stamp counter reads in a few ns and is
 * converted to seconds with the rate measured over the whole simulation. */
static inline uint64_t ax_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __rdtsc();
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

/* Seconds on a monotonic clock (any thread; MPI_Wtime is the master's). */
static inline double ax_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Time stamp (ms) of the end of step n, computed as NEST does: an integer
 * number of tics (1000 per ms) times 0.001, so recorded times are the same
 * doubles NEST writes (e.g. 109.3, not 1093 * 0.1 = 109.30000000000001). */
static inline double ax_stamp_ms(const struct ax_engine_s *e, int64_t steps)
{
    double tics = e->h * 1000.0;
    if (fabs(tics - nearbyint(tics)) < 1e-9 * tics)
        return (double)(steps * (int64_t)nearbyint(tics)) * (1.0 / 1000.0);
    return (double)steps * e->h;
}

/* Local index (in v's blocks) of gid, owned by v, of population pop. */
static inline int64_t ax_vp_local_index(const ax_vp *v, const ax_partition *p, int pop, int64_t gid)
{
    const ax_block *b = &v->blocks[pop];
    return b->offset + (gid - b->gid0) / p->n_vp;
}

/* network.c */
ax_status ax_vp_build(struct ax_engine_s *e, ax_vp *v, ax_error *err);
/* (Re)create the neuron block of population p in v from the spec's
 * parameters, at rest with the spec's initial values; the old block (if
 * any) is destroyed. keep_state: carry the old block's dynamic state
 * across (a parameter change between runs). */
ax_status ax_vp_make_block(struct ax_engine_s *e, ax_vp *v, int p, int keep_state, ax_error *err);
/* Zero ring buffers and spike buffers, tsodyks2 state to its initial
 * values (reset to t = 0). */
void ax_vp_clear_dynamics(const struct ax_engine_s *e, ax_vp *v);
void ax_vp_free(ax_vp *v, int n_pops);
/* Row of source gid (of population p) in a store, or -1. */
int64_t ax_store_find_in(const ax_store *st, const ax_spec *s, int p, int64_t gid);
int64_t ax_store_find(const ax_store *st, const ax_spec *s, int64_t gid);
void ax_store_free(ax_store *st);
/* Runs of a store's rows: the stretches of one projection within a row
 * (rows keep creation order, so they are contiguous; proj_of[i]: synapse
 * i's projection). ax_store_count_runs: how many; ax_store_split_runs:
 * run[k] the first run of row k (run[n_src]: the count), run_end[r] one
 * past run r's last synapse, run_proj[r] its projection. */
int64_t ax_store_count_runs(const ax_store *st, const int32_t *proj_of);
void ax_store_split_runs(const ax_store *st, const int32_t *proj_of, int64_t *run,
                         int64_t *run_end, int32_t *run_proj);
/* Which source populations get compact (4-byte) synapses; fills e->compact, e->cw. */
ax_status ax_engine_compact_pops(struct ax_engine_s *e, ax_error *err);

/* block.c: make a block (b->pop, ops, n, gid0, offset set): its model
 * instance(s) with the spec's parameters, initial values and spike trains.
 * The rest reaches neuron j of a block (local index) whatever its grouping. */
ax_status ax_block_make(const struct ax_engine_s *e, ax_block *b, ax_error *err);
int64_t ax_block_update_groups(ax_block *b, const double *const *in, int64_t *spiked);
static inline int64_t ax_block_update(ax_block *b, const double *const *in, int64_t *spiked)
{
    if (!b->n_groups) return b->ops->update(b->nr, in, b->i_ext, spiked);
    return ax_block_update_groups(b, in, spiked);
}
/* Integrations the block's model gave up so far (model.h failures), summed
 * over its groups; 0 for exact models. */
int64_t ax_block_failures(const ax_block *b);
double *ax_block_state_at(const ax_block *b, int var, int64_t j);
/* Spikes neuron j emitted at the end of the last update (parrot_neuron: its multiplicity; else 1). */
uint32_t ax_block_multiplicity(const ax_block *b, int64_t j);
double *ax_block_param_at(const ax_block *b, int param, int64_t j); /* NULL: not per neuron */
void ax_block_sync(ax_block *b);
/* Checkpoint layout of the model (buf[k * n + j]) for the whole block. */
ax_status ax_block_ckpt(ax_block *b, double *buf, int save, ax_error *err);
void ax_block_free(ax_block *b);

/* stdp_store.c */
ax_status ax_stdp_engine_init(struct ax_engine_s *e, ax_error *err);
void ax_stdp_engine_free(struct ax_engine_s *e);
/* After network.c placed the thread's STDP synapses (proj_of[q]: projection of synapse q). */
ax_status ax_stdp_build(const struct ax_engine_s *e, ax_vp *v, const int32_t *proj_of, ax_error *err);
void ax_stdp_free(ax_vp *v);
/* One spike of source gid (population pop), emitted in step n, through this
 * thread's STDP synapses (input through ax_vp_add_input). */
void ax_stdp_deliver(const struct ax_engine_s *e, ax_vp *v, int pop, int64_t gid, int64_t n);
/* At the start of slice t0, once every spike stamped <= t0 was delivered:
 * potentiate the synapses of long silent sources and prune the histories
 * (when t0 is a multiple of stdp_sweep; a second call at t0 does nothing). */
void ax_stdp_sweep(const struct ax_engine_s *e, ax_vp *v, int64_t t0);
/* Local neuron `local` spiked `mult` times with stamp s. -1: out of memory. */
int ax_stdp_post_spike(const struct ax_engine_s *e, ax_vp *v, int64_t local, int64_t s,
                       uint32_t mult);
/* 1/tau_minus of pop's local neurons from the spec (build, refresh). */
ax_status ax_stdp_tau_minus(const struct ax_engine_s *e, ax_vp *v, int pop, ax_error *err);
/* Back to t = 0: traces, histories and weights as built (reset). */
ax_status ax_stdp_reset(struct ax_engine_s *e, ax_vp *v, ax_error *err);
/* network.c: the STDP weights back to their initial values (rules rerun). */
ax_status ax_vp_stdp_initial_weights(struct ax_engine_s *e, ax_vp *v, ax_error *err);
/* stdp_ckpt.c: write (1) or read (0) the STDP state of a checkpoint
 * (collective; 1 on success on every rank, 0 if any failed or the file does
 * not fit this network). */
struct ax_ckpt_file_s;
int ax_stdp_ckpt_io(struct ax_engine_s *e, struct ax_ckpt_file_s *f, int write);
/* Bytes this thread holds for its STDP synapses (with rows and runs) and for histories. */
double ax_stdp_bytes(const ax_vp *v, double *hist_bytes);
/* gid of local index i of population pop on v. */
static inline int64_t ax_vp_gid_of(const ax_vp *v, const ax_partition *p, int pop, int64_t i)
{
    const ax_block *b = &v->blocks[pop];
    return b->gid0 + (i - b->offset) * p->n_vp;
}

/* devices.c (built after network.c's blocks, freed before them) */
ax_status ax_vp_devices(struct ax_engine_s *e, ax_vp *v, ax_error *err);
void ax_vp_inject(struct ax_engine_s *e, ax_vp *v, int64_t t0, int64_t t1);
void ax_vp_dc(ax_vp *v, int64_t n);
void ax_vp_sample(ax_vp *v, int64_t n);
void ax_vp_devices_free(ax_vp *v);
/* Bring v's devices to step t: spike generators skip what was emitted
 * before t, Poisson blocks and dc input are recomputed (after a restore,
 * a reset or a device change). */
void ax_vp_devices_seek(ax_vp *v, int64_t t);
/* Point multimeters at the state arrays of block b (after it was re-created). */
void ax_vp_meters_bind(ax_vp *v, int b);
/* What the spike recorders record (engine.c; again after device changes). */
ax_status ax_engine_recorded_ranges(struct ax_engine_s *e, ax_error *err);
/* A device's activity window (start, stop] as emission steps [on0, on1):
 * a spike emitted in step e carries the stamp (e+1) h, so it is inside when
 * start / h <= e < stop / h. Beyond every run (stop .inf or huge):
 * AX_STEPS_NEVER (axon/steps.h). */
void ax_device_window(const ax_dev_spec *d, double h, int64_t *on0, int64_t *on1);
/* The vectorised Philox of devices.c, exposed so a test can compare it with ax_philox4. */
void ax_philox_many_for_test(uint64_t seed, uint32_t c0, uint32_t c1, const uint64_t *gid,
                             int64_t n, uint32_t *u);

/* fault.c */
void ax_fault_init(ax_fault *f);
/* AX_EIO on the rank AXON_FAULT names, in its phase; AX_OK otherwise. */
ax_status ax_engine_fault(const struct ax_engine_s *e, int phase, ax_error *err);
/* Agree on a status across ranks (collective); the first failing rank's
 * message is broadcast so every rank reports the same text. secondary: this
 * rank only learnt that another failed (the other's message wins). */
ax_status ax_engine_agree_from(struct ax_engine_s *e, ax_status st, int secondary, ax_error *err);
ax_status ax_engine_agree(struct ax_engine_s *e, ax_status st, ax_error *err);

/* deliver.c: add the spikes received (emitted in steps t_prev + lag) to v's
 * ring buffers (direct) or queue them per arrival step (deferred); then
 * ax_vp_apply adds the queues of steps t0 .. t1-1 into the input buffer
 * (nothing to do in direct mode). update.c: v's neurons for steps t0 ..
 * t1-1, keeping the spikes they emit. Per thread, no MPI. */
void ax_vp_deliver(const struct ax_engine_s *e, ax_vp *v, int64_t t_prev);
void ax_vp_apply(ax_vp *v, int64_t t0, int64_t t1);
/* Add the exact value x to the input of local neuron idx, receptor r, in
 * step n (> the current step's slice start), in delivery order: for
 * deliveries other than the static stores' (plastic synapses). */
void ax_vp_add_input(ax_vp *v, int64_t n, int r, int64_t idx, double x);
/* The pending input of steps t .. t + n_slots - 1 in the direct layout
 * ([receptor][n mod n_slots][n_local]): v->ring itself in direct mode, a new
 * array (free() it) in deferred mode; NULL if out of memory. */
double *ax_vp_pending(ax_vp *v, int64_t t);
/* Delivery mode of a thread's buffers (network.c, from AXON_DELIVERY and the
 * scatter window) and the rows' delay sort for deferred delivery. */
ax_status ax_vp_sort_rows(ax_vp *v, ax_store *st, ax_error *err);
void ax_vp_update(const struct ax_engine_s *e, ax_vp *v, int64_t t0, int64_t t1);

/* recording.c: what a simulation writes to (e->outs). */
typedef struct ax_outputs ax_outputs;
/* Declare the datasets of o->rec from step e->t_now on (collective). */
ax_status ax_outputs_open(struct ax_engine_s *e, ax_outputs *o, ax_error *err);
/* Hand the buffered spikes to the sink and the writer and the buffered
 * traces to the trace sink and the writer (collective; the first failure
 * is returned). */
ax_status ax_outputs_flush(struct ax_engine_s *e, const ax_outputs *o, ax_error *err);
void ax_outputs_free(ax_outputs *o);
/* The final weights of the weight_recorders that ask for them (collective,
 * at the end of the run). */
ax_status ax_outputs_final(struct ax_engine_s *e, const ax_outputs *o, ax_error *err);

/* checkpoint.c: deliver the last slice's spikes now (the master, for every
 * thread: the others wait at the barrier), flush all outputs and write
 * DIR/ckpt_<t>ms.h5 with the output file's image. Collective. */
ax_status ax_engine_checkpoint_now(struct ax_engine_s *e, const ax_outputs *o, int64_t t,
                                   ax_error *err);

/* exchange.c */
ax_status ax_exchange_setup(struct ax_engine_s *e, ax_error *err);
/* One exchange; a rank that already failed passes failed = 1 and still takes
 * part (it sends -1 counts), so no rank waits in a collective. *stop: in,
 * this rank's stop request; out, whether any rank requested a stop. */
ax_status ax_exchange_ranks(struct ax_engine_s *e, int failed, int *stop, ax_error *err);
ax_status ax_exchange_self(struct ax_engine_s *e, ax_error *err); /* one rank, no failure */
static inline ax_status ax_exchange_slice(struct ax_engine_s *e, int failed, int *stop, ax_error *err)
{
    /* here, not in the callee: one-step slices paid the MPI path's prologue */
    if (e->ranks == 1 && !failed) return ax_exchange_self(e, err); /* *stop stays this rank's */
    return ax_exchange_ranks(e, failed, stop, err);
}
void ax_exchange_free(struct ax_engine_s *e);

#endif
