/* api_impl.h - private to src/api: the session (axon/sim.h).
 *
 * A session is an ax_spec (what `axon run` of the equivalent file would
 * load) plus what only this rank knows (per-neuron values of its neurons,
 * its recorded data) plus the engine, built at the first run and rebuilt
 * when the structure changes at t = 0.
 *
 * Invariants:
 * - spec->pops / spec->proj are in creation order; first_gid follows.
 * - The session's own devices (recorders, current sources) are generated
 *   into spec->dev by ax_api_sync_devices from pops[].spk/tr and src[]; no
 *   other code writes spec->dev.
 * - Per-neuron arrays (sim_vals.v) are indexed by local index k: the
 *   neuron with id first_local + k * ranks.
 */
#ifndef AX_API_IMPL_H
#define AX_API_IMPL_H

#include <mpi.h>

#include "axon/engine.h"
#include "axon/record.h"
#include "axon/sim.h"
#include "axon/spec.h"

/* Values for this rank's neurons of one parameter or state variable;
 * dirty: changed here since the spec last took them (ax_api_sync). */
typedef struct sim_vals {
    char name[32];
    double *v;
    int dirty;
} sim_vals;

/* Recorded spikes of one population on this rank. */
typedef struct sim_spikes {
    int on;
    int64_t n_all, *all;        /* recorded ids, every rank's, ascending */
    int64_t n, cap, *id, *step; /* since the last clear; step: emission step */
} sim_spikes;

/* Recorded state variables of one population on this rank: one multimeter. */
typedef struct sim_trace {
    int on;
    int n_vars;
    char (*vars)[32];
    int64_t interval;           /* steps */
    int64_t n_all, *all;        /* recorded ids, every rank's, ascending */
    int64_t n_cols, *cols;      /* this rank's, ascending */
    double *buf;                /* [row][var][col] */
    int64_t rows, cap;
    int64_t step0;              /* step of row 0 */
    int need_row0;              /* row 0 is taken when the next run starts */
} sim_trace;

typedef struct sim_pop {
    int64_t n_local, first_local;
    int n_pn;
    sim_vals *pn;               /* parameters set neuron by neuron */
    int n_st;
    sim_vals *st;               /* state values set at t = 0 (reset returns to them) */
    int64_t *t_off;             /* spike sources: this rank's trains, CSR [n_local + 1] */
    double *t_ms;
    int t_dirty;
    sim_spikes spk;
    sim_trace tr;
} sim_pop;

/* A projection's synapses on this rank after a per-synapse change (in
 * get_local's order); the spec takes them as an explicit list at the next
 * collective call (ax_api_sync). */
typedef struct sim_proj {
    int64_t n;
    int64_t *src, *tgt;
    double *w, *d;
    int dirty;
} sim_proj;

/* A current source: amps[k] from times[k] on; its targets. */
typedef struct sim_src {
    int64_t n;
    double *times, *amps;
    int64_t n_tgt;
    int *tgt_pop;
    int64_t *tgt_id;
} sim_src;

struct ax_sim {
    MPI_Comm comm;
    int rank, size, threads;
    ax_spec *spec;
    double min_delay, max_delay;  /* ms as given (0: from the network) */
    ax_engine eng;
    sim_pop *pops;                /* [spec->n_pops] */
    sim_proj *proj;               /* [spec->n_proj] */
    int n_src;
    sim_src *src;
    ax_recorder rec;
    char out_path[4096];
    int out_force;
    ax_error err;
};

/* sim.c */
/* Agree on a status over the ranks (the lowest failing rank's message). */
int ax_api_agree(ax_sim *s, ax_status st);
/* Whether the session is at t = 0 (structure may change). */
int ax_api_at_zero(const ax_sim *s);
/* The structure changed: drop the engine (at t = 0 only; callers check). */
void ax_api_drop_engine(ax_sim *s);
/* Local index of id in pop, or -1 if another rank owns it. */
int64_t ax_api_local_index(const ax_sim *s, int pop, int64_t id);
/* Spike trains (offsets, times) *off and *t replace those in *dst_off and
 * *dst_t, which are freed; the store owns them now (*off, *t become NULL). */
void ax_api_trains_take(int64_t **dst_off, double **dst_t, int64_t **off, double **t);
/* The spec's entry of parameter / initial value `name` of a population,
 * appended (zeroed, named) when it has none; NULL when out of memory. */
ax_param_value *ax_api_spec_param(ax_pop_spec *ps, const char *name);
ax_init_value *ax_api_spec_init(ax_pop_spec *ps, const char *name);
/* A population index check with a message. */
ax_status ax_api_check_pop(ax_sim *s, int pop);
/* Stamp (ms) of the end of step n, as the engine writes times. */
double ax_api_stamp(const ax_sim *s, int64_t n);
/* One distribution from (kind, par), checked. */
ax_status ax_api_dist(ax_sim *s, int kind, const double *par, const char *what, ax_dist *out);

/* sim_net.c */
void ax_api_pop_free(sim_pop *p);
void ax_api_src_free(sim_src *c);
void ax_api_proj_free(sim_proj *p);
/* Value of neuron i's parameter / initial state as the spec says now. */
double ax_api_param_at(const ax_sim *s, int pop, int param, int64_t i);
double ax_api_init_at(const ax_sim *s, int pop, int var, int64_t i);
/* Replace projection k of the spec by an explicit list (every rank's
 * connections, gathered here; weights in the target's unit). Collective. */
ax_status ax_api_proj_set_list(ax_sim *s, int k, int64_t n, const int64_t *pre,
                               const int64_t *post, const double *w, const double *d);

/* sim_sync.c */
/* What ranks set neuron by neuron or synapse by synapse since the last
 * call goes into the spec (gathered from every rank); a built engine takes
 * changed parameters and spike trains at once (refresh, state carried) and
 * is rebuilt for changed synapses. Collective; call before the spec is
 * used (run, write). */
ax_status ax_api_sync(ax_sim *s);

/* sim_record.c */
/* Regenerate the session's devices in the spec; refresh a built engine. */
ax_status ax_api_sync_devices(ax_sim *s);
/* Sinks of a (re)built engine. */
void ax_api_attach_sinks(ax_sim *s);
/* Take row 0 of traces that need it (before a run). */
ax_status ax_api_take_row0(ax_sim *s);
/* Drop all recorded data (reset). */
void ax_api_clear_all(ax_sim *s);

#endif
