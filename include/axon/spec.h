/* axon/spec.h - the network specification: what a YAML/JSON file describes.
 *
 * ax_spec is plain data, filled and fully validated by ax_spec_load() before
 * anything else is allocated (DESIGN.md §2.1): once a spec loads, building
 * and running it cannot fail on account of its content (only on resources).
 * Every rank parses the same file. Units as NEST: ms, mV, pA, pF, nS, Hz.
 * Global neuron ids (gid) are 0..n_total-1, populations contiguous in file
 * order; devices are not neurons and have no gid.
 */
#ifndef AXON_SPEC_H
#define AXON_SPEC_H

#include <stdint.h>
#include <stdio.h>

#include "axon/error.h"
#include "axon/input.h"
#include "axon/stdp.h"

#define AX_NAME_MAX 64

/* Largest mean count per step a poisson_generator draws (its count table
 * grows with the mean); the spec refuses higher rates at their position. */
#define AX_POISSON_MAX_MEAN 1e6

/* Longest delay in steps: the engine packs a synapse's delay and target
 * index into 31 bits (at least one for the index). Also bounds the ring
 * buffers' length. */
#define AX_MAX_DELAY_STEPS ((INT64_C(1) << 30) - 1)

/* Most neurons in all: the engine stores source ids in 32 bits. */
#define AX_MAX_NEURONS INT64_C(4294967295)

/* Where an item was written in the spec file (1-based; 0 = unknown). */
typedef struct ax_loc { int line, col; } ax_loc;

/* A scalar that is either constant or drawn per item from a distribution. */
typedef enum ax_dist_kind {
    AX_DIST_CONST = 0,
    AX_DIST_UNIFORM,        /* low, high */
    AX_DIST_NORMAL,         /* mean, std */
    AX_DIST_NORMAL_CLIPPED, /* mean, std, low, high (redrawn until inside, as NEST) */
} ax_dist_kind;

typedef struct ax_dist {
    ax_dist_kind kind;
    double value;     /* AX_DIST_CONST */
    double low, high; /* UNIFORM, NORMAL_CLIPPED (+-inf when not given) */
    double mean, std; /* NORMAL, NORMAL_CLIPPED */
    ax_loc loc;
} ax_dist;

/* One model parameter given in the spec; value already checked against the
 * model's parameter table (booleans 0/1, choices as their index). */
typedef struct ax_param_value {
    char name[32];
    double value;     /* the value (with values: neuron 0's) */
    double *values;   /* per neuron (n values), or NULL when `value` holds for all */
    ax_loc loc;
} ax_param_value;

/* Initial value of one state variable (e.g. V_m), constant or distributed. */
typedef struct ax_init_value {
    char name[32];
    ax_dist dist;
    double *values;   /* per neuron (n values), or NULL: dist */
} ax_init_value;

typedef struct ax_pop_spec {
    char name[AX_NAME_MAX];
    char model[32];      /* a name registered in axon/model.h */
    int64_t n;           /* > 0 */
    int64_t first_gid;   /* filled by the loader: sum of n of earlier populations */
    int n_params;        /* only the parameters the spec sets; others are model defaults */
    ax_param_value *params;
    double table_bytes;  /* what one model instance allocates beyond its per-neuron
                          * arrays (model check_h; the largest over neurons) */
    double table_sum;    /* with per-neuron values: the sum over neurons (each may be its
                          * own instance); 0 otherwise */
    int n_init;
    ax_init_value *init;
    /* spike sources (spike_source_array): neuron i's spike times (ms, on
     * the grid, non-decreasing) are times[times_off[i] .. times_off[i+1]) */
    int64_t *times_off;  /* [n + 1], NULL for other models */
    double *times;
    ax_loc loc;
} ax_pop_spec;

typedef enum ax_rule {
    AX_RULE_ALL_TO_ALL = 0,
    AX_RULE_ONE_TO_ONE,
    AX_RULE_FIXED_INDEGREE,     /* k sources per target */
    AX_RULE_FIXED_OUTDEGREE,    /* k targets per source */
    AX_RULE_FIXED_TOTAL_NUMBER, /* k synapses in all */
    AX_RULE_PAIRWISE_BERNOULLI, /* p per pair */
    AX_RULE_FROM_LIST,          /* explicit connections (list_*) */
} ax_rule;

typedef enum ax_receptor {
    AX_RECEPTOR_AUTO = 0, /* by weight sign where the model has ex/in ports (NEST) */
    AX_RECEPTOR_EXCITATORY,
    AX_RECEPTOR_INHIBITORY,
} ax_receptor;

/* Synapse model of a projection. tsodyks2 is NEST's tsodyks2_synapse
 * (short-term depression/facilitation, the weight scaled by x*u); stdp is
 * NEST's stdp_synapse or stdp_pl_synapse_hom (stdp.kind; axon/stdp.h);
 * tsodyks is NEST's tsodyks_synapse (Tsodyks, Uziel & Markram 2000:
 * resources x recovered, y active, decaying with tau_psc; PyNN's
 * TsodyksMarkramSynapse). */
typedef enum ax_syn_model {
    AX_SYN_STATIC = 0, AX_SYN_TSODYKS2, AX_SYN_STDP, AX_SYN_TSODYKS
} ax_syn_model;

/* Short-term plasticity parameters and initial state, NEST's names and
 * defaults: tsodyks2 U 0.5, u 0.5, x 1, tau_rec 800 ms, tau_fac 0 (no
 * facilitation); tsodyks U 0.5, u 0, x 1, y 0, tau_rec 800, tau_fac 0,
 * tau_psc 3 ms (y and tau_psc: tsodyks only). */
typedef struct ax_tso {
    double U, u, x, tau_rec, tau_fac, y, tau_psc;
} ax_tso;

typedef struct ax_proj_spec {
    int src, tgt;          /* population indices */
    ax_rule rule;
    int64_t k;             /* indegree / outdegree / total number */
    double p;              /* pairwise_bernoulli probability */
    int allow_autapses;    /* default 1 (NEST) */
    int allow_multapses;   /* default 1 (NEST) */
    ax_receptor receptor;
    ax_dist weight;        /* model's weight unit: mV (psc_delta), pA (psc_*), nS (cond_*) */
    ax_dist delay;         /* ms; every value a multiple of the resolution, >= resolution */
    ax_syn_model syn_model; /* default (zero) static */
    ax_tso tso;            /* syn_model != AX_SYN_STATIC */
    /* from_list: n_list connections kept sorted by target index (stably, so
     * each target's connections stay in list order); those of target index
     * t are list_off[t] .. list_off[t+1]. list_w / list_d: per connection
     * (weight in the model's unit, delay in ms), or NULL when weight /
     * delay apply; with lists, weight / delay hold their [min, max] as
     * AX_DIST_UNIFORM (ranges, receptor checks), never drawn. */
    int64_t n_list;
    int64_t *list_off;     /* [n_target + 1] */
    int64_t *list_src;     /* source index within the source population */
    double *list_w, *list_d;
    ax_stdp_params stdp;   /* syn_model == AX_SYN_STDP */
    int wrec;              /* weight_recorder recording it: device index + 1; 0: none */
    ax_loc loc;
} ax_proj_spec;

typedef enum ax_dev_kind {
    AX_DEV_POISSON = 0,  /* rate (Hz), start/stop (ms), weight, delay */
    AX_DEV_DC,           /* amplitude (pA), start/stop (ms) */
    AX_DEV_SPIKE_GEN,    /* spike_times (ms, sorted, >0, on the grid), weight, delay */
    AX_DEV_SPIKE_REC,    /* records the spikes of its targets */
    AX_DEV_MULTIMETER,   /* records state variables of its targets every interval */
    AX_DEV_WEIGHT_REC,   /* records the weights plastic projections send (NEST's weight_recorder) */
} ax_dev_kind;

/* A contiguous range of one population, ids within the population. */
typedef struct ax_dev_target {
    int pop;
    int64_t first, count;
} ax_dev_target;

typedef struct ax_dev_spec {
    char name[AX_NAME_MAX];
    ax_dev_kind kind;
    int n_targets;           /* generators: targets; recorders: sources */
    ax_dev_target *targets;
    double rate;             /* Hz (poisson) */
    double amplitude;        /* pA (dc) */
    double start, stop;      /* ms; active window (start, stop] as NEST; stop = +inf default */
    double weight;           /* poisson / spike_generator, model units */
    double delay;            /* ms, poisson / spike_generator (default = resolution) */
    ax_receptor receptor;
    int64_t n_times;         /* spike_generator */
    double *spike_times;     /* ms, sorted non-decreasing, > 0, multiples of resolution */
    int n_record;            /* multimeter */
    char (*record_from)[32]; /* state variable names, checked against the model */
    double interval;         /* ms, multiple of resolution (multimeter; default resolution) */
    int precision_double;    /* multimeter: float64 traces (default float32) */
    /* weight_recorder: filters (n_targets == 0 / n_senders == 0: all), what to write */
    int n_senders;
    ax_dev_target *senders;
    int wr_events;           /* one row per transmitted spike (default 1) */
    int wr_final;            /* the weights at the end of the run (default 0) */
    ax_loc loc;
} ax_dev_spec;

typedef struct ax_sim_spec {
    double resolution;    /* ms, > 0 (default 0.1) */
    double t_sim;         /* ms, >= 0 (required) */
    uint64_t seed;        /* default 12345 */
    int threads;          /* per rank; 0 = from OMP_NUM_THREADS (default) */
    char output[4096];    /* HDF5 output path ("" = none unless -o) */
    double flush_interval;/* ms of model time between collective flushes (default 500) */
} ax_sim_spec;

typedef struct ax_spec {
    char *path;           /* as given */
    char *text;           /* the file's full text (stored in output metadata) */
    ax_sim_spec sim;
    int n_pops;
    ax_pop_spec *pops;
    int n_proj;
    ax_proj_spec *proj;
    int n_dev;
    ax_dev_spec *dev;
    int64_t n_total;      /* neurons in all populations */
} ax_spec;

/* Read, parse (YAML or JSON) and validate a spec file. On error, *out is
 * NULL and err holds "file:line:col: what is wrong; what is allowed".
 * Reads the file here (`axon check`, tests, PyNN). */
ax_status ax_spec_load(const char *path, ax_spec **out, ax_error *err);

/* The same, reading through `in` (axon/input.h; NULL: here). */
ax_status ax_spec_load_in(ax_input *in, const char *path, ax_spec **out, ax_error *err);
/* On every rank of a job: ax_input_load(comm, ...) around
 * ax_spec_load_in (axon/agree.h; the CLI's ax_cli_load_network). */

/* The same from text in memory (name is used in messages). Used by tests and
 * the fuzzer. */
ax_status ax_spec_parse(const char *text, size_t len, const char *name,
                        ax_spec **out, ax_error *err);

/* Free a spec; NULL-safe, NULLs the handle. */
void ax_spec_destroy(ax_spec **spec);

/* Make p a from_list projection that owns the lists of its n connections:
 * off (by target, n_targets + 1 entries), src and w (spec.h's list_*). The
 * weights' range wlo..whi stands in for the weight distribution (range and
 * sign checks, synapse classes); it is never drawn. Can't fail. */
void ax_proj_set_list(ax_proj_spec *p, int64_t n, int64_t *off, int64_t *src, double *w,
                      double wlo, double whi);

/* Index of a population by name, -1 if absent. */
int ax_spec_find_pop(const ax_spec *spec, const char *name);

/* Index of the population holding gid (0 <= gid < n_total; populations are
 * contiguous in gid order): a binary search, inline as the engine looks up
 * every spike it delivers. Can't fail. */
static inline int ax_spec_pop_of(const ax_spec *s, int64_t gid)
{
    int lo = 0, hi = s->n_pops - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (s->pops[mid].first_gid <= gid) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

/* FNV-1a hash of the spec text (checkpoints must match their spec). */
uint64_t ax_spec_hash(const ax_spec *s);

/* Value of a population's parameter: the spec's if set, else the model
 * default. Returns AX_EINPUT for a name the model does not have, and for a
 * parameter whose values differ per neuron (use ax_spec_param_at). */
ax_status ax_spec_param(const ax_spec *spec, int pop, const char *name, double *value,
                        ax_error *err);

/* The value of neuron i (0 <= i < n) of a population's parameter. */
ax_status ax_spec_param_at(const ax_spec *spec, int pop, const char *name, int64_t i,
                           double *value, ax_error *err);

/* Expected number of synapses of a projection (exact for deterministic rules,
 * the mean for pairwise_bernoulli). */
double ax_spec_expected_synapses(const ax_spec *spec, int proj);

/* min and max delay over projections and devices, in steps (>= 1). */
void ax_spec_delay_range(const ax_spec *spec, int64_t *min_steps, int64_t *max_steps);

/* The minimum delay of neuron-to-neuron projections in steps (>= 1), the
 * engine's slice length (devices act locally and do not limit it); 0 when
 * the spec has no projections. */
int64_t ax_spec_proj_min_delay(const ax_spec *spec);

/* Print `axon check`'s summary: neurons per population, expected synapses per
 * projection and in all, delay range in steps, estimated memory per rank for
 * `ranks` ranks. */
void ax_spec_print_summary(const ax_spec *spec, int ranks, FILE *out);

/* Estimated peak memory per rank in bytes for `ranks` ranks (neurons, synapses
 * at 8 B + row overhead, ring buffers, recording buffers). Also used by the
 * memory guard before building. */
double ax_spec_estimate_bytes_per_rank(const ax_spec *spec, int ranks);

/* Memory guard (additive, spec module): AX_ENOMEM, "needs an estimated X GiB
 * per rank on R ranks; this machine has Y GiB", when the estimate for `ranks`
 * ranks exceeds the physical memory one rank can have (machine memory divided
 * by the ranks on this node). ax_spec_load/parse run it with
 * ax_spec_env_ranks(). Can be called again with the real communicator size. */
ax_status ax_spec_check_memory(const ax_spec *spec, int ranks, ax_error *err);

/* Ranks the guard in ax_spec_load assumes: $AXON_NP if set (`axon check --np`
 * sets it), else the launcher's OMPI_COMM_WORLD_SIZE / PMI_SIZE /
 * SLURM_NTASKS, else 1. */
int ax_spec_env_ranks(void);

#endif
