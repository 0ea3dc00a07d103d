/* axon/model.h - neuron models: a registry of const ops tables by name.
 *
 * A model instance (ax_neurons) is a struct-of-arrays block of n neurons
 * owned by one thread, all sharing one parameter set except for the
 * per-neuron parameters a model exposes through param_array() (E_L and I_e
 * at least, so calibration can sweep resting potentials in one run).
 * create() precomputes every propagator for the resolution h; update() then
 * only multiplies, adds and counts: no allocation, no exp(), no MPI, no I/O.
 * Nothing here knows about ranks, threads or devices.
 *
 * Timing convention (NEST, ../shared/reference/nest/README.md): update()
 * advances the block from t to t+h. in[r][i] holds the summed weights of the
 * spikes that arrive in this step at receptor r of neuron i; i_ext[i] the
 * current (pA) that arrives in this step from current devices (NEST's
 * `currents` ring buffer; it acts from the next step on, as in NEST). The
 * model clears nothing: the caller owns and clears the input arrays.
 */
#ifndef AXON_MODEL_H
#define AXON_MODEL_H

#include <stdint.h>

#include "axon/error.h"

#define AX_MAX_RECEPTORS 2

/* Largest |potential| (mV) a model integrated with an absolute error
 * tolerance takes (iaf_cond_exp: 1e-3 mV): beyond it the solver's steps
 * collapse. Sampling keeps translated rest potentials within it too. */
#define AX_MAX_POTENTIAL_MV 1e6

/* Longest refractory period in steps (the per-neuron counters are int32). */
#define AX_MODEL_MAX_STEPS 2147483647

typedef enum ax_param_kind {
    AX_PARAM_REAL = 0,
    AX_PARAM_BOOL,    /* stored 0/1 */
    AX_PARAM_CHOICE,  /* stored as the index into `choices` */
} ax_param_kind;

typedef struct ax_param_desc {
    const char *name;     /* NEST name: "tau_m" */
    const char *unit;     /* "ms", "mV", "pA", "pF", "nS", "" */
    double def;           /* NEST default */
    ax_param_kind kind;
    const char *choices;  /* AX_PARAM_CHOICE: "threshold|subtract"; else NULL */
    int allow_inf;        /* infinities that are meaningful: 0 none, 1 +inf (tau_m: no
                           * leak), -1 -inf (V_min: no bound), 2 both */
    const char *doc;      /* one line for docs/spec.md and --help */
} ax_param_desc;

/* One thread's block of neurons of one model. Opaque; each model defines it. */
typedef struct ax_neurons ax_neurons;

typedef struct ax_model_ops {
    const char *name;           /* "iaf_psc_delta" */
    const char *doc;            /* one line */
    int n_params;
    const ax_param_desc *params;
    int n_state;                /* recordable / initialisable per-neuron variables */
    const char *const *state_names; /* "V_m", "I_syn_ex", ... */
    int n_receptors;            /* 1: one port (psc_delta); 2: 0 = excitatory, 1 = inhibitory */
    const char *weight_unit;    /* "mV", "pA" or "nS" */

    /* Check a full parameter vector (p[i] belongs to params[i]); the message
     * names the broken rule with the values ("V_reset must be < V_th (got -50 >= -55)"). */
    ax_status (*validate)(const double *p, ax_error *err);

    /* What depends on the resolution h (ms), checked by the spec loader so
     * that create() can fail only for lack of memory: every step count the
     * model keeps in a counter (the refractory period) is at most
     * AX_MODEL_MAX_STEPS; *table_bytes is what one instance allocates
     * beyond its per-neuron arrays (tables indexed by step), for the
     * memory estimate. The message names the parameter ("t_ref = ..."). */
    ax_status (*check_h)(const double *p, double h, double *table_bytes, ax_error *err);

    /* Allocate n >= 0 neurons with parameters p for resolution h (ms), state
     * at rest (V_m = E_L, currents 0, not refractory). */
    ax_status (*create)(const double *p, double h, int64_t n, ax_neurons **out, ax_error *err);

    /* Free; NULL-safe. */
    void (*destroy)(ax_neurons *nr);

    /* Per-neuron array of state variable `var` (index into state_names), in
     * the variable's unit (V_m in mV, absolute). Writable: set initial state
     * through it. NULL if var is out of range. */
    double *(*state)(ax_neurons *nr, int var);

    /* Per-neuron array of parameter `param` (index into params) if the model
     * keeps it per neuron (E_L, I_e at least), else NULL. After writing into
     * it call sync() so derived per-neuron quantities follow. */
    double *(*param_array)(ax_neurons *nr, int param);
    void (*sync)(ax_neurons *nr);
    /* Put every neuron at rest for its current parameters (V_m = its E_L,
     * ...), e.g. after per-neuron E_L were written at build. NULL: the
     * state at rest does not depend on per-neuron parameters. */
    void (*rest)(ax_neurons *nr);

    /* Advance one step (see timing convention above). in has n_receptors
     * arrays of n doubles; i_ext may be NULL (no current devices). Writes the
     * indices of the neurons that spiked at the end of this step into
     * spiked[] (room for n) and returns how many. */
    int64_t (*update)(ax_neurons *nr, const double *const *in, const double *i_ext,
                      int64_t *spiked);

    /* Checkpoints: the complete dynamic state (state variables, refractory
     * counters, pending current input, carried step sizes) as n_ckpt doubles
     * per neuron, so a run can stop and continue bitwise. ckpt_save writes
     * out[k * n + j] for neuron j; ckpt_load reads the same layout. NULL (and
     * n_ckpt 0): the model cannot be checkpointed yet. */
    int n_ckpt;
    void (*ckpt_save)(const ax_neurons *nr, double *out);
    void (*ckpt_load)(ax_neurons *nr, const double *in);

    /* Spike sources (spike_source_array; NULL for neurons, which take
     * input): neuron j replays the n spike times t[] (ms, multiples of h,
     * >= h, non-decreasing; a repeated time is several spikes in one
     * step). Called by the engine for every neuron after create, before
     * the first update; copies t. */
    ax_status (*set_times)(ax_neurons *nr, int64_t j, const double *t, int64_t n, ax_error *err);
    /* The most spikes one update() can write into spiked[] (indices may
     * repeat for sources); NULL: at most one per neuron (n). */
    int64_t (*max_spikes)(const ax_neurons *nr);
    /* Sources that draw their own spikes (spike_source_poisson): neuron j is
     * gid `gid`; its draws are keyed by (seed, gid, step), so the trains do
     * not depend on the decomposition. Called by the engine for every
     * neuron after create. NULL for other models. */
    void (*bind)(ax_neurons *nr, int64_t j, uint64_t gid, uint64_t seed);
    /* Spikes that repeat others (parrot_neuron): counts_spikes = 1 says the
     * model counts arriving spikes and ignores their weights (the engine
     * sends weight 1 per spike to it); multiplicity(nr, i) is the number of
     * spikes neuron i emitted at the end of the last update (NULL: 1). */
    int counts_spikes;
    uint32_t (*multiplicity)(const ax_neurons *nr, int64_t i);
    /* Integrations the model gave up since create (its state became
     * non-finite or its step size collapsed; the neuron was left as it
     * was): the engine stops the run with an error then, as NEST raises
     * GSLSolverFailure. NULL: the model integrates exactly, never fails. */
    int64_t (*failures)(const ax_neurons *nr);
} ax_model_ops;

/* A spike source (it emits but takes no input: no projection or current
 * device may target it). */
static inline int ax_model_is_source(const ax_model_ops *m)
{
    return m && (m->set_times || m->bind);
}

/* The registry (src/models/registry.c). Unknown name -> NULL. */
const ax_model_ops *ax_model_find(const char *name);
int ax_model_count(void);
const ax_model_ops *ax_model_at(int i);

/* Index of a parameter / state variable by name, -1 if absent. */
int ax_model_param_index(const ax_model_ops *m, const char *name);
int ax_model_state_index(const ax_model_ops *m, const char *name);

/* Fill p[0..n_params-1] with the model's defaults. Can't fail. */
void ax_model_defaults(const ax_model_ops *m, double *p);

/* The known name closest to `name` (edit distance) among the model's
 * parameters, for "did you mean" hints; NULL if nothing is close. */
const char *ax_model_suggest_param(const ax_model_ops *m, const char *name);

/* Comma-separated list of registered model names (static buffer). */
const char *ax_model_names(void);

#endif
