/* axon/sim.h - a simulation driven call by call: the C API under pyNN.axon
 * (python/pyNN/axon, ctypes; docs/pynn.md).
 *
 * A session holds the network as the same ax_spec the YAML loader fills
 * (populations and projections in creation order, so gids, projection
 * indices and every random stream are those of `axon run` of the
 * equivalent spec, which ax_sim_write_spec writes), plus what PyNN sets per
 * neuron on each rank, and builds the engine at the first run.
 *
 * Conventions:
 * - Units are NEST's: ms, mV, pA, pF, nS, Hz. Conversion is the caller's.
 * - Neurons are named by (population, id within the population). Neuron id
 *   i of population p lives on rank (first_gid(p) + i) mod ranks.
 * - Collective calls (marked C) are made by every rank in the same order
 *   with the same arguments and return the same status everywhere (the
 *   message of the lowest failing rank); local calls (L) concern this rank's
 *   neurons only, and an id of another rank is an error.
 * - Every call returns 0 or an ax_status code (axon/error.h); the message is
 *   ax_sim_error(). A failed call changes nothing. The library never prints,
 *   exits or aborts.
 * - Arrays are copied; outputs go into caller arrays sized by a count call.
 * - Structure (populations, projections, recorded traces) may change only at
 *   t = 0: before the first run or after ax_sim_reset. Parameters, state,
 *   current sources and spike recording may change between runs.
 */
#ifndef AXON_SIM_H
#define AXON_SIM_H

#include <stddef.h>
#include <stdint.h>

#define AX_SIM_API_VERSION 1

typedef struct ax_sim ax_sim;

int ax_sim_api_version(void);

/* MPI_Init_thread (FUNNELED) unless MPI is already initialised (e.g. by
 * mpi4py); idempotent. finalize: only if ax_sim_mpi_init initialised it. */
int ax_sim_mpi_init(int *rank, int *size);
int ax_sim_mpi_finalize(void);

/* C. h: resolution (ms); min_delay, max_delay: ms, 0 = from the network;
 * threads: OpenMP threads per rank; seed: every random stream's key. On
 * failure *out is NULL and msg holds the reason. */
int ax_sim_create(double h, double min_delay, double max_delay, int threads, uint64_t seed,
                  ax_sim **out, char *msg, size_t msg_len);
void ax_sim_destroy(ax_sim *s); /* NULL-safe; closes an output file (C) */
const char *ax_sim_error(const ax_sim *s);
/* C. Agree on the outcome of local work (code 0 or an ax_status, msg its
 * message): every rank returns the lowest failing rank's code, and
 * ax_sim_error() gives its message. */
int ax_sim_agree(ax_sim *s, int code, const char *msg);

/* ---- models (no session; strings are static) ---- */
int ax_sim_model_count(void);
const char *ax_sim_model_name(int i);
/* n_receptors: 1 or 2 (excitatory, inhibitory); weight_unit "mV"/"pA"/"nS". */
int ax_sim_model_info(const char *model, int *n_params, int *n_state, int *n_receptors,
                      const char **weight_unit, const char **doc);
/* kind: 0 real, 1 bool, 2 choice (value = index into "a|b|c" choices);
 * per_neuron: may differ per neuron (ax_sim_pop_set_local). */
int ax_sim_model_param(const char *model, int i, const char **name, const char **unit,
                       double *def, int *kind, const char **choices, int *per_neuron,
                       const char **doc);
const char *ax_sim_model_state(const char *model, int i);

/* ---- populations ---- */
/* C. name: letters, digits, '_', '-' (unique); params: values of the
 * model's parameters (others default), checked by the model's rules. */
int ax_sim_pop_create(ax_sim *s, const char *name, const char *model, int64_t n, int n_par,
                      const char *const *names, const double *values, int *pop);
int ax_sim_pop_count(const ax_sim *s);
int ax_sim_pop_size(const ax_sim *s, int pop, int64_t *n, int64_t *first_gid);
/* L. This rank's ids of pop, ascending (ids NULL: only *n). */
int ax_sim_pop_local(const ax_sim *s, int pop, int64_t *n, int64_t *ids);
/* C. One value for every neuron (a per-neuron parameter's own values are
 * dropped). */
int ax_sim_pop_set(ax_sim *s, int pop, const char *name, double value);
/* L. Per-neuron values of a (real) parameter; every rank's values go into
 * the spec at the next collective call (run, write_spec). */
int ax_sim_pop_set_local(ax_sim *s, int pop, const char *name, int64_t n, const int64_t *ids,
                         const double *values);
/* L. Any parameter's value for each id. */
int ax_sim_pop_get_local(ax_sim *s, int pop, const char *name, int64_t n, const int64_t *ids,
                         double *out);
/* C. Initial value of a state variable for every neuron: kind 0 constant
 * par[0], 1 uniform(par[0], par[1]), 2 normal(mean, std), 3 normal clipped
 * (mean, std, low, high), drawn per gid as the spec's `initial` is. At
 * t > 0 the current state takes it too. */
int ax_sim_state_init(ax_sim *s, int pop, const char *var, int kind, const double *par);
/* L. The state now (at t = 0 also the value a reset returns to). */
int ax_sim_state_set_local(ax_sim *s, int pop, const char *var, int64_t n, const int64_t *ids,
                           const double *values);
int ax_sim_state_get_local(ax_sim *s, int pop, const char *var, int64_t n, const int64_t *ids,
                           double *out);

/* L. Spike sources (spike_source_array): this rank's sources ids[j] replay
 * times[offsets[j] .. offsets[j+1]) (ms, multiples of h, >= h,
 * non-decreasing; a repeated time is several spikes in one step). Between
 * runs, times before now are not replayed. */
int ax_sim_times_set_local(ax_sim *s, int pop, int64_t n, const int64_t *ids,
                           const int64_t *offsets, const double *times);
/* L. offsets[n + 1] always; times (room for offsets[n]) when not NULL. */
int ax_sim_times_get_local(ax_sim *s, int pop, int64_t n, const int64_t *ids, int64_t *offsets,
                           double *times);

/* ---- projections ---- */
/* C. rule: 0 all_to_all, 1 one_to_one, 2 fixed_indegree, 3 fixed_outdegree,
 * 4 fixed_total_number, 5 pairwise_bernoulli (number = k or p); receptor:
 * 0 auto (by weight sign), 1 excitatory, 2 inhibitory; syn: 0 static,
 * 1 tsodyks2 with syn_par = {U, u, x, tau_rec, tau_fac}, 2 tsodyks (NEST's
 * tsodyks_synapse) with {U, u, x, tau_rec, tau_fac, y, tau_psc}, 3 stdp_synapse
 * with {tau_plus, lambda, alpha, mu_plus, mu_minus, Wmax, Kplus}, 4
 * stdp_pl_synapse_hom with {tau_plus, lambda, alpha, mu, Kplus} (NEST's
 * names; docs/plasticity.md: the target's tau_minus is a parameter of its
 * population; initial weights bounded, within Wmax); weight and delay:
 * kind as ax_sim_state_init (delays on the grid, >= h). */
int ax_sim_proj_rule(ax_sim *s, int src, int tgt, int rule, double number, int allow_autapses,
                     int allow_multapses, int receptor, int syn, const double *syn_par,
                     int w_kind, const double *w_par, int d_kind, const double *d_par, int *proj);
int ax_sim_proj_count(const ax_sim *s);
/* L. This rank's synapses (targets on this rank), in build order. */
int ax_sim_proj_count_local(ax_sim *s, int proj, int64_t *n);
/* L. src/tgt: ids within the populations; weight as the engine uses it
 * (float32-rounded; STDP synapses: double, and after a run the weight they
 * have now); delay ms. Any output may be NULL. */
int ax_sim_proj_get_local(ax_sim *s, int proj, int64_t n, int64_t *src, int64_t *tgt,
                          double *weight, double *delay);
/* C. One weight or delay for every synapse of the projection (t = 0). */
int ax_sim_proj_set_all(ax_sim *s, int proj, const char *attr, double value);
/* C. Explicit connections (axon's from_list rule): each rank gives the
 * connections of its own targets (pre, post: ids within the populations),
 * in the order they were made (kept per target); weights in the target's
 * unit, delays in ms on the grid (>= h). */
int ax_sim_proj_list(ax_sim *s, int src, int tgt, int receptor, int syn, const double *syn_par,
                     int64_t n, const int64_t *pre, const int64_t *post, const double *weight,
                     const double *delay, int *proj);
/* L. weight or delay of this rank's synapses syn[] (indices in get_local's
 * order), t = 0 only; the projection becomes an explicit list at the next
 * collective call. */
int ax_sim_proj_set_local(ax_sim *s, int proj, const char *attr, int64_t n, const int64_t *syn,
                          const double *values);

/* ---- current sources: a piecewise constant current ----
 * C. amps[k] (pA) holds from times[k] (ms, on the grid, increasing) to the
 * next time: the step from times[k] to times[k] + h is the first whose
 * membrane it moves (PyNN's convention; from t = 0 it moves the membrane
 * from the second step on). A DC source is {start, stop}, {a, 0}. */
int ax_sim_current_create(ax_sim *s, int64_t n, const double *times, const double *amps,
                          int *src);
int ax_sim_current_set(ax_sim *s, int src, int64_t n, const double *times, const double *amps);
/* C. ids of every rank (the same list everywhere). */
int ax_sim_current_inject(ax_sim *s, int src, int pop, int64_t n, const int64_t *ids);

/* ---- recording (in memory; and into an output file when one is open) ---- */
/* C. what: "spikes" or a state variable of the model; ids of every rank;
 * interval (ms, a multiple of h) for state variables, one per population. */
int ax_sim_record(ax_sim *s, int pop, const char *what, int64_t n, const int64_t *ids,
                  double interval);
/* C. Record nothing more from pop; its recorded data is dropped. */
int ax_sim_record_stop(ax_sim *s, int pop);
/* L. Spikes since the last clear: *n on input = room (ids/times NULL: only
 * count); ids within the population, times in ms (NEST's stamps). */
int ax_sim_spikes_get(ax_sim *s, int pop, int64_t *n, int64_t *ids, double *times);
/* L. Samples of var since the last clear, one row per interval from
 * *t0 (ms), for the given recorded ids: data[row * n + j] (data NULL: only
 * *rows). The first row is the state when recording began (or at the
 * last clear). */
int ax_sim_trace_get(ax_sim *s, int pop, const char *var, int64_t n, const int64_t *ids,
                     int64_t *rows, double *t0, double *data);
/* L. Drop recorded data of pop (traces keep their last row as the first). */
int ax_sim_record_clear(ax_sim *s, int pop);

/* ---- time ---- */
/* C. Simulate to t (ms, on the grid; >= now). Builds the network first. */
int ax_sim_run_until(ax_sim *s, double t);
double ax_sim_time(const ax_sim *s);
/* C. Back to t = 0 (network kept, initial values, recorded data dropped). */
int ax_sim_reset(ax_sim *s);
/* Min and max delay (ms) the network has now (or was given). */
int ax_sim_delays(ax_sim *s, double *min_delay, double *max_delay);

/* ---- files ---- */
/* C. axon's HDF5 output (docs/output.md) from now on; reset is refused
 * while it is open. */
int ax_sim_output_open(ax_sim *s, const char *path, int force);
int ax_sim_output_close(ax_sim *s);
/* C. Rank 0 writes the equivalent YAML spec (t_sim = now, or t_sim if > 0). */
int ax_sim_write_spec(ax_sim *s, const char *path, double t_sim);

#endif
