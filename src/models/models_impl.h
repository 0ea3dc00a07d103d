/* models_impl.h - private to src/models: the registered ops tables, the
 * parameter checks every model shares, and the exact-integration
 * propagators (propagators.c).
 *
 * Invariant: a model's parameter vector p[] is indexed like its params[]
 * table; each model file names its indices with an enum so the table and
 * the code cannot drift apart.
 */
#ifndef AX_MODELS_IMPL_H
#define AX_MODELS_IMPL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "axon/model.h"

extern const ax_model_ops ax_model_iaf_psc_delta;
extern const ax_model_ops ax_model_iaf_psc_exp;
extern const ax_model_ops ax_model_iaf_psc_alpha;
extern const ax_model_ops ax_model_iaf_cond_exp;
extern const ax_model_ops ax_model_dpi_neuron;
extern const ax_model_ops ax_model_spike_source_poisson;
extern const ax_model_ops ax_model_spike_source_array;
extern const ax_model_ops ax_model_parrot_neuron;

/* Checks every value against its descriptor: no NaN, +-inf only where
 * allow_inf, BOOL is 0 or 1, CHOICE an index into its choices. The message
 * names the model, the parameter and the value. */
ax_status ax_models_check_kinds(const ax_model_ops *m, const double *p, ax_error *err);

/* One-line rule checks shared by the models; each names the rule and value. */
ax_status ax_models_check_positive(const char *model, const char *name, double v,
                                   ax_error *err);
ax_status ax_models_check_nonneg(const char *model, const char *name, double v,
                                 ax_error *err);
ax_status ax_models_check_reset_below_th(const char *model, double v_reset, double v_th,
                                         ax_error *err);

/* Number of whole steps of t_ref at resolution h (NEST rounds ms to the grid);
 * t_ref / h <= AX_MODEL_MAX_STEPS (check_h). */
int64_t ax_models_ref_steps(double t_ref, double h);

/* ---- the shared part of every model (common.c) ----------------------------
 *
 * A model's block (its ax_neurons) is a struct whose first member is
 * `const ax_model_layout *layout` and which has the fields n, p, r, base,
 * y0 and y0_dirty (AX_MODEL_HEAD, then y0 among its arrays); its layout
 * names, by offset, its per-neuron arrays and what they are. The shared
 * code then does the rest: the two ends of create() (validation,
 * allocation, the state at rest, sync), destroy, the state / param_array
 * lookups and the checkpoint, so a model file holds its parameters, state,
 * derived values, equations and references. */

#define AX_MODEL_MAX_ARRAYS 12

/* A rule on the parameters, checked in order by validate() after the kinds
 * (ax_models_check_kinds): p[a] > 0, p[a] >= 0, |p[a]| <= AX_MODEL_MAX_MV
 * (a potential an adaptive solver can integrate), p[a] < p[b], p[a] > p[b]. */
typedef enum { AX_RULE_END = 0, AX_RULE_POSITIVE, AX_RULE_NONNEG, AX_RULE_POTENTIAL,
               AX_RULE_LESS, AX_RULE_GREATER } ax_param_rule_kind;
#define AX_MODEL_MAX_MV AX_MAX_POTENTIAL_MV
typedef struct ax_param_rule { ax_param_rule_kind kind; int a, b; } ax_param_rule;

typedef struct ax_model_pn { int param; size_t array; } ax_model_pn; /* p[param] <-> array */

/* Lists end at the first 0 offset (offset 0 is the layout pointer). */
typedef struct ax_model_layout {
    const ax_model_ops *ops;
    size_t size, p, n, r, fired, base, y0, y0_dirty; /* sizeof the block; offsetof its common fields */
    ax_param_rule rules[24];                   /* validation; ends at AX_RULE_END */
    size_t arrays[AX_MODEL_MAX_ARRAYS + 1];    /* per-neuron double arrays, one allocation */
    size_t state[AX_MODEL_MAX_ARRAYS];         /* the arrays of the state variables, state_names order */
    ax_model_pn per_neuron[3];   /* parameters kept per neuron (param_array), filled from p */
    ax_model_pn rest[3];         /* state at rest: array = p[param] (the others 0) */
    size_t ckpt[AX_MODEL_MAX_ARRAYS + 1];      /* checkpointed arrays, then the refractory counter */
    size_t owned[3];             /* further allocations of the block, free()d with it */
    const char *ref_name;        /* the refractory period's name in messages ("t_ref") */
    double (*ref_ms)(const double *p); /* its length in ms; NULL: the parameter ref_name, if any */
    double (*table_bytes)(const double *p, double h); /* tables of the block; NULL: none */
    struct { size_t c, E_L, I_e, P_leak, P_dc; } lif; /* ax_models_lif_sync's fields */
} ax_model_layout;

/* The fields every model block starts with, the layout first (the shared
 * code finds the others by the layout's offsets): the N_PARAMS parameters p,
 * y0_dirty (y0 may hold non-zeros), the refractory counters r, fired (a
 * scratch flag per neuron for the vectorised steps, ax_models_list_fired)
 * and base, the one allocation of the per-neuron arrays. */
#define AX_MODEL_HEAD                                                                         \
    const ax_model_layout *layout;                                                            \
    int64_t n;                                                                                \
    double p[N_PARAMS];                                                                       \
    int y0_dirty;                                                                             \
    int32_t *r;                                                                               \
    uint32_t *fired; /* scratch of vectorised steps: 1 where a neuron fired */               \
    double *base

/* The common fields of block type T, for a layout initialiser. */
#define AX_MODEL_BLOCK(T)                                                                    \
    .size = sizeof(T), .p = offsetof(T, p), .n = offsetof(T, n), .r = offsetof(T, r),        \
    .fired = offsetof(T, fired), .base = offsetof(T, base), .y0 = offsetof(T, y0), .y0_dirty = offsetof(T, y0_dirty)

/* The ops table of a model file that defines kParams, kState, N_PARAMS,
 * N_STATE, kLayout, validate (AX_MODEL_VALIDATE), create and update; N_CKPT =
 * the checkpointed arrays + 1 (the refractory counter). */
#define AX_MODEL_OPS(NAME, DOC, RECEPTORS, WEIGHT_UNIT, N_CKPT, SYNC)                        \
    {AX_MODEL_OPS_FIELDS(NAME, DOC, RECEPTORS, WEIGHT_UNIT, N_CKPT, SYNC)}
/* The same fields, for a model that adds its own (`.failures = ...`). */
#define AX_MODEL_OPS_FIELDS(NAME, DOC, RECEPTORS, WEIGHT_UNIT, N_CKPT, SYNC)                 \
    .name = NAME, .doc = DOC, .n_params = N_PARAMS, .params = kParams, .n_state = N_STATE,    \
    .state_names = kState, .n_receptors = RECEPTORS, .weight_unit = WEIGHT_UNIT,              \
    .validate = validate, .check_h = check_h, .create = create, .destroy = ax_models_destroy,  \
    .state = ax_models_state, .param_array = ax_models_param_array, .sync = SYNC,             \
    .rest = ax_models_rest,                                                                   \
    .update = update, .n_ckpt = N_CKPT, .ckpt_save = ax_models_ckpt_save,                     \
    .ckpt_load = ax_models_ckpt_load

/* The ops fields of a spike source (no state variables, no input, one
 * checkpointed word per neuron: its clock), in a file that defines
 * validate, create, destroy, update, ckpt_save (AX_SOURCE_CKPT_SAVE),
 * ckpt_load and max_spikes; the file adds its own (.params, .set_times,
 * .bind). */
#define AX_SOURCE_OPS_FIELDS(NAME, DOC)                                                      \
    .name = NAME, .doc = DOC, .n_state = 0, .state_names = NULL, .n_receptors = 1,            \
    .weight_unit = "", .validate = validate, .create = create, .destroy = destroy,            \
    .state = ax_models_no_array, .param_array = ax_models_no_array,                           \
    .sync = ax_models_sync_none, .update = update, .n_ckpt = 1, .ckpt_save = ckpt_save,       \
    .ckpt_load = ckpt_load, .max_spikes = max_spikes

/* ckpt_save() of a spike source whose block type T has n and now (its
 * clock: updates done): now once per neuron, exact below 2^53 steps. */
#define AX_SOURCE_CKPT_SAVE(T)                                                                \
    static void ckpt_save(const ax_neurons *nr, double *out)                                  \
    {                                                                                         \
        const T *b = (const T *)nr;                                                           \
        for (int64_t j = 0; j < b->n; j++) out[j] = (double)b->now;                           \
    }

/* validate() of a model: the kinds, then the layout's rules; each message
 * names the model, the rule and the values. check_h() (axon/model.h): the
 * refractory period (ref_ms) in steps of h at most AX_MODEL_MAX_STEPS, and
 * the block's tables (table_bytes). */
ax_status ax_models_validate(const ax_model_layout *L, const double *p, ax_error *err);
ax_status ax_models_check_h(const ax_model_layout *L, const double *p, double h,
                            double *table_bytes, ax_error *err);
#define AX_MODEL_VALIDATE                                                                     \
    static ax_status validate(const double *p, ax_error *err)                                 \
    {                                                                                         \
        return ax_models_validate(&kLayout, p, err);                                          \
    }                                                                                         \
    static ax_status check_h(const double *p, double h, double *table_bytes, ax_error *err)   \
    {                                                                                         \
        return ax_models_check_h(&kLayout, p, h, table_bytes, err);                           \
    }

/* create() and update() of a neuron model with block type T, in a file that
 * defines kLayout, derive() and step(): create = ax_models_begin, derive
 * (the derived values, before the arrays exist), ax_models_finish; update =
 * step (the update loop) then the device current's end-of-step bookkeeping
 * (ax_models_take_current). AX_MODEL (below) is both with
 * AX_MODEL_VALIDATE and the ops table; a model that does more in create()
 * uses AX_MODEL_UPDATE(T) alone. */
#define AX_MODEL_CREATE(T)                                                                    \
    static void derive(T *b, const double *p, double h);                                      \
    static ax_status create(const double *p, double h, int64_t n, ax_neurons **out,           \
                            ax_error *err)                                                    \
    {                                                                                         \
        ax_neurons *nr;                                                                       \
        AX_TRY(ax_models_begin(&kLayout, p, h, n, &nr, err));                                 \
        derive((T *)nr, p, h);                                                                \
        return ax_models_finish(nr, out, err);                                                \
    }
#define AX_MODEL_UPDATE(T)                                                                    \
    static int64_t step(T *b, const double *const *in, int64_t *spiked);                      \
    static int64_t update(ax_neurons *nr, const double *const *in, const double *i_ext,      \
                          int64_t *spiked)                                                    \
    {                                                                                         \
        T *b = (T *)nr;                                                                       \
        int64_t ns = step(b, in, spiked);                                                     \
        if (i_ext || b->y0_dirty) ax_models_take_current(b->y0, &b->y0_dirty, i_ext, b->n);  \
        return ns;                                                                            \
    }

/* A neuron model: its layout kLayout (block type T; the layout fields
 * follow SYNC), its functions and its ops table VAR (AX_MODEL_OPS's
 * arguments), in a file that then defines derive() and step(). */
#define AX_MODEL(T, VAR, NAME, DOC, RECEPTORS, WEIGHT_UNIT, N_CKPT, SYNC, ...)                \
    static const ax_model_layout kLayout = {.ops = &VAR, AX_MODEL_BLOCK(T), __VA_ARGS__};    \
    AX_MODEL_VALIDATE                                                                         \
    AX_MODEL_CREATE(T)                                                                        \
    AX_MODEL_UPDATE(T)                                                                        \
    const ax_model_ops VAR = AX_MODEL_OPS(NAME, DOC, RECEPTORS, WEIGHT_UNIT, N_CKPT, SYNC);

/* Leaky integrate-and-fire pieces shared by iaf_psc_*: the reset rule
 * (absolute: V <- V_reset; subtract: V <- V - (V_th - V_reset)) as
 * V <- keep V + offset; and their sync(): the constant input per neuron
 * c = (1 - P_leak) E_L + P_dc I_e, after E_L or I_e change (layout.lif).
 * Models with nothing derived per neuron use ax_models_sync_none. */
void ax_models_lif_reset(double reset, double v_th, double v_reset, double *keep, double *offset);
void ax_models_lif_sync(ax_neurons *nr);
void ax_models_sync_none(ax_neurons *nr);

/* state() and param_array() of a model with no parameters or state
 * variables (the spike sources): always NULL. */
double *ax_models_no_array(ax_neurons *nr, int i);

/* The derived values every iaf_psc_* shares: NEST's P22/P20 (iaf_psc_exp),
 * P33/P30 (iaf_psc_alpha, iaf_psc_delta), the reset rule and t_ref in steps. */
typedef struct ax_lif_props {
    double P_leak;       /* V -> V over h: e^{-h/tau_m} */
    double P_dc;         /* a constant current -> V over h (ax_prop_dc_to_v) */
    double keep, offset; /* the reset rule (ax_models_lif_reset) */
    int64_t ref_steps;   /* t_ref in steps of h */
} ax_lif_props;

/* ax_lif_props at resolution h of these parameters (reset: the model's
 * reset rule, 0 absolute, 1 subtract). */
ax_lif_props ax_models_lif_props(double h, double tau_m, double C_m, double t_ref, double reset,
                                 double V_th, double V_reset);

/* The end of the iaf_psc_* steps for one neuron, branch-free so that the
 * vector loops take it as it is: v is the potential after the step (held
 * while refractory, r0 > 0, and r0 counts down); the threshold rule (if
 * v >= V_th, never for NaN: reset v <- keep v + offset and hold it for
 * ref_steps); then *V, *R and *fired. Returns 1 if it fired. */
static inline uint32_t ax_lif_fire(double *V, int32_t *R, uint32_t *fired, double v, int32_t r0,
                                   double V_th, double keep, double offset, int32_t ref_steps)
{
    const uint32_t f = v >= V_th;
    *V = f ? keep * v + offset : v;
    *R = f ? ref_steps : r0 == 0 ? 0 : r0 - 1;
    *fired = f;
    return f;
}

/* The iaf_psc_* steps run as branch-free vector loops (the refractory test
 * and the threshold rule as selects, each neuron's arithmetic that of the
 * scalar rule) over chunks of AX_STEP_CHUNK neurons, setting fired[i]; only a
 * chunk where one fired is scanned for the spike list. Spikes are rare per
 * neuron and step, so nearly every chunk costs its vector loop alone. */
enum { AX_STEP_CHUNK = 64 };

/* Appends the neurons i0 <= i < i1 with fired[i] to spiked[ns..], in order;
 * returns the new count. */
static inline int64_t ax_models_list_fired(const uint32_t *fired, int64_t i0, int64_t i1,
                                           int64_t *spiked, int64_t ns)
{
    for (int64_t i = i0; i < i1; i++)
        if (fired[i]) spiked[ns++] = i;
    return ns;
}

/* Parameters NEST's iaf_psc_* models share, with NEST's defaults. */
#define AX_LIF_E_L {"E_L", "mV", -70.0, AX_PARAM_REAL, NULL, 0, "resting membrane potential"}
#define AX_LIF_C_M {"C_m", "pF", 250.0, AX_PARAM_REAL, NULL, 0, "membrane capacitance"}
#define AX_LIF_T_REF {"t_ref", "ms", 2.0, AX_PARAM_REAL, NULL, 0, "absolute refractory period"}
#define AX_LIF_V_TH {"V_th", "mV", -55.0, AX_PARAM_REAL, NULL, 0, "spike threshold"}
#define AX_LIF_V_RESET                                                                        \
    {"V_reset", "mV", -70.0, AX_PARAM_REAL, NULL, 0, "reset potential (reset: absolute)"}
#define AX_LIF_V_MIN                                                                          \
    {"V_min", "mV", -INFINITY, AX_PARAM_REAL, NULL, -1, "lower bound of V_m (-inf: no bound)"}
#define AX_LIF_I_E {"I_e", "pA", 0.0, AX_PARAM_REAL, NULL, 0, "constant external current"}
/* The first six parameters of the iaf_psc_* models, by their P_* indices
 * (= AX_LIF_P_*); AX_LIF_PARAMS_TAU: with tau_m described as TAU_DOC. */
#define AX_LIF_PARAMS AX_LIF_PARAMS_TAU("membrane time constant (inf: no leak)")
#define AX_LIF_PARAMS_TAU(TAU_DOC)                                                             \
    [P_E_L] = AX_LIF_E_L, [P_C_M] = AX_LIF_C_M,                                                \
    [P_TAU_M] = {"tau_m", "ms", 10.0, AX_PARAM_REAL, NULL, 1, TAU_DOC},                        \
    [P_T_REF] = AX_LIF_T_REF, [P_V_TH] = AX_LIF_V_TH, [P_V_RESET] = AX_LIF_V_RESET

/* Layout pieces of the LIF models (block type T with arrays V, E_L, I_e and,
 * for the iaf_psc_* sync, c and `ax_lif_props lif`): refractory period
 * the parameter t_ref, E_L and I_e per neuron, V at rest = E_L; the
 * rules V_reset < V_th, C_m > 0, the model's own (...), t_ref >= 0,
 * tau_minus > 0, in this order (the first broken one is reported). */
#define AX_LIF_LAYOUT(T)                                                                      \
    .ref_name = "t_ref",                                                                      \
    .per_neuron = {{P_E_L, offsetof(T, E_L)}, {P_I_E, offsetof(T, I_e)}},                     \
    .rest = {{P_E_L, offsetof(T, V)}}
#define AX_LIF_SYNC(T)                                                                        \
    .lif = {offsetof(T, c), offsetof(T, E_L), offsetof(T, I_e), offsetof(T, lif.P_leak),      \
            offsetof(T, lif.P_dc)}
#define AX_LIF_RULES(...)                                                                     \
    {AX_RULE_LESS, P_V_RESET, P_V_TH}, {AX_RULE_POSITIVE, P_C_M}, __VA_ARGS__,                \
        {AX_RULE_NONNEG, P_T_REF}, {AX_RULE_POSITIVE, P_TAU_MINUS}
#define AX_SYN_TAU_RULES {AX_RULE_POSITIVE, P_TAU_SYN_EX}, {AX_RULE_POSITIVE, P_TAU_SYN_IN}
/* The synaptic time constants tau_syn_ex and tau_syn_in (ms), defaults and docs. */
#define AX_SYN_TAU_PARAMS(DEF_EX, DEF_IN, DOC_EX, DOC_IN)                                     \
    [P_TAU_SYN_EX] = {"tau_syn_ex", "ms", DEF_EX, AX_PARAM_REAL, NULL, 0, DOC_EX},             \
    [P_TAU_SYN_IN] = {"tau_syn_in", "ms", DEF_IN, AX_PARAM_REAL, NULL, 0, DOC_IN}

/* NEST's ArchivingNode parameter of every model that can be the target of
 * an STDP synapse: the engine reads it by name (axon/stdp.h). */
#define AX_ARCHIVE_TAU_MINUS                                                                  \
    {"tau_minus", "ms", 20.0, AX_PARAM_REAL, NULL, 0,                                         \
     "time constant of the postsynaptic STDP trace K_minus (plastic targets)"}
#define AX_LIF_RESET                                                                          \
    {"reset", "", 0.0, AX_PARAM_CHOICE, "absolute|subtract", 0,                                \
     "absolute: V <- V_reset; subtract: V <- V - (V_th - V_reset)"}

/* First end of create(): validate p, check h and n, allocate the block (zero),
 * set its layout, p and n. *b is the model's until ax_models_finish. */
ax_status ax_models_begin(const ax_model_layout *L, const double *p, double h, int64_t n,
                          ax_neurons **b, ax_error *err);
/* Last end of create(), after the model computed its derived values (and
 * allocated what it owns): allocate the refractory counters and the arrays,
 * put the state at rest and the per-neuron parameters, sync, *out = b. On
 * failure b is destroyed. */
ax_status ax_models_finish(ax_neurons *b, ax_neurons **out, ax_error *err);

/* The ops every model shares (see axon/model.h). */
void ax_models_destroy(ax_neurons *nr);
double *ax_models_state(ax_neurons *nr, int var);
double *ax_models_param_array(ax_neurons *nr, int param);
void ax_models_rest(ax_neurons *nr);
void ax_models_ckpt_save(const ax_neurons *nr, double *out);
void ax_models_ckpt_load(ax_neurons *nr, const double *in);

/* Allocate `count` arrays of n doubles in one block, 64-byte aligned each,
 * zero-filled; arr[k] receives the k-th. Returns the base to free(), or NULL. */
double *ax_models_alloc_arrays(int64_t n, int count, double **arr[]);

/* End-of-step bookkeeping of device current (NEST's y0/I_stim): copy
 * i_ext into y0 for the next step, or zero y0 once when i_ext is NULL
 * (*dirty says whether y0 may hold non-zeros). Can't fail. */
void ax_models_take_current(double *y0, int *dirty, const double *i_ext, int64_t n);

/* Exact-integration helpers, accurate to a few ulp for every x including 0:
 *   phi1(x) = (1 - e^-x) / x          = int_0^1 e^{-x u} du
 *   phi2(x) = (1 - e^-x (1 + x)) / x^2 = int_0^1 u e^{-x u} du */
double ax_prop_phi1(double x);
double ax_prop_phi2(double x);

/* Propagator from a synaptic current I (decaying with tau_s) to V over h:
 * (1/C) int_0^h e^{-(h-s)/tau_m} e^{-s/tau_s} ds. Stable at tau_s == tau_m
 * and for tau_m = +inf. */
double ax_prop_exp_to_v(double h, double tau_m, double tau_s, double c_m);

/* Propagator from the alpha-current derivative state dI to V over h:
 * (1/C) int_0^h e^{-(h-s)/tau_m} s e^{-s/tau_s} ds. Same stability. */
double ax_prop_alpha_to_v(double h, double tau_m, double tau_s, double c_m);

/* Propagator from a constant current to V over h: tau_m/C (1 - e^{-h/tau_m}),
 * h/C for tau_m = +inf. */
double ax_prop_dc_to_v(double h, double tau_m, double c_m);

#endif
