/* iaf_cond_exp.c - leaky integrate-and-fire neuron with exponentially
 * decaying synaptic conductances (NEST's iaf_cond_exp), integrated like
 * NEST: GSL's adaptive Runge-Kutta-Fehlberg 4(5) inside every step, with
 * the per-neuron integration step size carried from step to step.
 *
 *   C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_ext
 *   dg_ex/dt  = -g_ex / tau_syn_ex,   dg_in/dt = -g_in / tau_syn_in
 *
 * Per step (NEST order): integrate (t, t+h]; add the weights (nS) arriving
 * this step to g_ex (receptor 0) and |w| to g_in (receptor 1, where the
 * engine puts negative weights); if refractory, count down and hold V at
 * V_reset, else if V >= V_th: spike, V <- V_reset, refractory for t_ref/h
 * steps. I_ext arriving in a step acts from the next one.
 *
 * Invariants: one GSL stepper/control/evolve per block, allocated in
 * create() and reused for every neuron (RKF45 keeps no state between calls
 * besides the step size, which lives in hstep[]); E_L and I_e per neuron.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>

#include "models/model_impl.h"

enum { P_E_L, P_C_M, P_G_L, P_T_REF, P_V_TH, P_V_RESET, P_E_EX, P_E_IN, P_TAU_SYN_EX,
       P_TAU_SYN_IN, P_I_E, N_PARAMS };

static const ax_param_desc kParams[N_PARAMS] = {
    [P_E_L] = {"E_L", "mV", -70.0, AX_PARAM_REAL, NULL, 0, "leak reversal potential"},
    [P_C_M] = {"C_m", "pF", 250.0, AX_PARAM_REAL, NULL, 0, "membrane capacitance"},
    [P_G_L] = {"g_L", "nS", 16.6667, AX_PARAM_REAL, NULL, 0, "leak conductance"},
    [P_T_REF] = {"t_ref", "ms", 2.0, AX_PARAM_REAL, NULL, 0, "absolute refractory period"},
    [P_V_TH] = {"V_th", "mV", -55.0, AX_PARAM_REAL, NULL, 0, "spike threshold"},
    [P_V_RESET] = {"V_reset", "mV", -60.0, AX_PARAM_REAL, NULL, 0, "reset potential"},
    [P_E_EX] = {"E_ex", "mV", 0.0, AX_PARAM_REAL, NULL, 0, "excitatory reversal potential"},
    [P_E_IN] = {"E_in", "mV", -85.0, AX_PARAM_REAL, NULL, 0, "inhibitory reversal potential"},
    [P_TAU_SYN_EX] = {"tau_syn_ex", "ms", 0.2, AX_PARAM_REAL, NULL, 0,
                      "decay time of excitatory conductance"},
    [P_TAU_SYN_IN] = {"tau_syn_in", "ms", 2.0, AX_PARAM_REAL, NULL, 0,
                      "decay time of inhibitory conductance"},
    [P_I_E] = {"I_e", "pA", 0.0, AX_PARAM_REAL, NULL, 0, "constant external current"},
};

enum { S_V_M, S_G_EX, S_G_IN, N_STATE };
static const char *const kState[N_STATE] = {"V_m", "g_ex", "g_in"};

/* NEST's error tolerances for this model: absolute 1e-3, relative 0. */
#define COND_EPS_ABS 1e-3
#define COND_EPS_REL 0.0

typedef struct cond_block {
    int64_t n;
    double p[N_PARAMS];
    double h;
    int64_t ref_steps;
    int y0_dirty;
    int64_t cur;      /* neuron being integrated (read by the right-hand side) */
    int64_t failures; /* integrations GSL gave up on (the neuron is left as it was) */
    gsl_odeiv2_step *step;
    gsl_odeiv2_control *control;
    gsl_odeiv2_evolve *evolve;
    gsl_odeiv2_system sys;
    double *V, *gex, *gin, *E_L, *I_e, *y0, *hstep;
    int32_t *r;
    double *base;
} cond_block;

static ax_status validate(const double *p, ax_error *err)
{
    const char *m = "iaf_cond_exp";
    AX_TRY(ax_models_check_kinds(&ax_model_iaf_cond_exp, p, err));
    AX_TRY(ax_models_check_reset_below_th(m, p[P_V_RESET], p[P_V_TH], err));
    AX_TRY(ax_models_check_positive(m, "C_m", p[P_C_M], err));
    AX_TRY(ax_models_check_nonneg(m, "g_L", p[P_G_L], err));
    AX_TRY(ax_models_check_positive(m, "tau_syn_ex", p[P_TAU_SYN_EX], err));
    AX_TRY(ax_models_check_positive(m, "tau_syn_in", p[P_TAU_SYN_IN], err));
    AX_TRY(ax_models_check_nonneg(m, "t_ref", p[P_T_REF], err));
    return AX_OK;
}

/* Right-hand side for neuron b->cur; y = (V, g_ex, g_in). */
static int rhs(double t, const double y[], double f[], void *params)
{
    (void)t;
    const cond_block *b = params;
    const double *p = b->p;
    int64_t i = b->cur;
    double V = y[0];
    double I_leak = p[P_G_L] * (V - b->E_L[i]);
    double I_ex = y[1] * (V - p[P_E_EX]);
    double I_in = y[2] * (V - p[P_E_IN]);
    f[0] = (-I_leak - I_ex - I_in + b->I_e[i] + b->y0[i]) / p[P_C_M];
    f[1] = -y[1] / p[P_TAU_SYN_EX];
    f[2] = -y[2] / p[P_TAU_SYN_IN];
    return GSL_SUCCESS;
}

static void sync(ax_neurons *nr) { (void)nr; /* nothing is derived from E_L or I_e */ }

static void destroy(ax_neurons *nr)
{
    cond_block *b = (cond_block *)nr;
    if (!b) return;
    if (b->evolve) gsl_odeiv2_evolve_free(b->evolve);
    if (b->control) gsl_odeiv2_control_free(b->control);
    if (b->step) gsl_odeiv2_step_free(b->step);
    free(b->base);
    free(b->r);
    free(b);
}

static ax_status create(const double *p, double h, int64_t n, ax_neurons **out, ax_error *err)
{
    AX_TRY(validate(p, err));
    AX_CHECK(h > 0 && isfinite(h), err, AX_EINPUT, "iaf_cond_exp: resolution must be > 0 (got %g)", h);
    AX_CHECK(n >= 0, err, AX_EINPUT, "iaf_cond_exp: neuron count must be >= 0 (got %lld)", (long long)n);
    /* GSL's default handler aborts the process; library code must not. */
    gsl_set_error_handler_off();
    cond_block *b = calloc(1, sizeof *b);
    AX_CHECK_ALLOC(b, err, "iaf_cond_exp block");
    memcpy(b->p, p, sizeof b->p);
    b->n = n;
    b->h = h;
    b->ref_steps = ax_models_ref_steps(p[P_T_REF], h);
    b->step = gsl_odeiv2_step_alloc(gsl_odeiv2_step_rkf45, 3);
    b->control = gsl_odeiv2_control_y_new(COND_EPS_ABS, COND_EPS_REL);
    b->evolve = gsl_odeiv2_evolve_alloc(3);
    b->sys = (gsl_odeiv2_system){rhs, NULL, 3, b};
    b->r = calloc((size_t)(n > 0 ? n : 1), sizeof(int32_t));
    double **arrs[] = {&b->V, &b->gex, &b->gin, &b->E_L, &b->I_e, &b->y0, &b->hstep};
    b->base = ax_models_alloc_arrays(n, 7, arrs);
    if (!b->step || !b->control || !b->evolve || !b->r || !b->base) {
        destroy((ax_neurons *)b);
        return AX_FAIL(err, AX_ENOMEM, "out of memory allocating %lld iaf_cond_exp neurons",
                       (long long)n);
    }
    for (int64_t i = 0; i < n; i++) {
        b->E_L[i] = p[P_E_L];
        b->I_e[i] = p[P_I_E];
        b->V[i] = p[P_E_L];
        b->hstep[i] = h; /* NEST starts each neuron's adaptive step at h */
    }
    *out = (ax_neurons *)b;
    return AX_OK;
}

static double *state(ax_neurons *nr, int var)
{
    cond_block *b = (cond_block *)nr;
    switch (var) {
    case S_V_M: return b->V;
    case S_G_EX: return b->gex;
    case S_G_IN: return b->gin;
    default: return NULL;
    }
}

static double *param_array(ax_neurons *nr, int param)
{
    cond_block *b = (cond_block *)nr;
    if (param == P_E_L) return b->E_L;
    if (param == P_I_E) return b->I_e;
    return NULL;
}

/* Integrates neuron i over one step of length h with adaptive RKF45.
 * On a GSL failure (non-finite state) the neuron keeps its old state and
 * the failure is counted; the loop can't spin because evolve_apply either
 * advances t or fails. */
static void integrate(cond_block *b, int64_t i)
{
    double y[3] = {b->V[i], b->gex[i], b->gin[i]};
    double t = 0.0;
    b->cur = i;
    gsl_odeiv2_evolve_reset(b->evolve);
    while (t < b->h) {
        int status = gsl_odeiv2_evolve_apply(b->evolve, b->control, b->step, &b->sys, &t, b->h,
                                             &b->hstep[i], y);
        if (status != GSL_SUCCESS) {
            b->failures++;
            b->hstep[i] = b->h;
            return;
        }
    }
    b->V[i] = y[0];
    b->gex[i] = y[1];
    b->gin[i] = y[2];
}

static int64_t update(ax_neurons *nr, const double *const *in, const double *i_ext,
                      int64_t *spiked)
{
    cond_block *b = (cond_block *)nr;
    const double *in_ex = in[0], *in_in = in[1];
    const double V_th = b->p[P_V_TH], V_reset = b->p[P_V_RESET];
    const int32_t ref_steps = (int32_t)b->ref_steps;
    int64_t ns = 0;
    for (int64_t i = 0; i < b->n; i++) {
        integrate(b, i);
        b->gex[i] += in_ex[i];
        b->gin[i] += fabs(in_in[i]);
        if (b->r[i] > 0) {
            b->r[i]--;
            b->V[i] = V_reset;
        } else if (b->V[i] >= V_th) {
            b->r[i] = ref_steps;
            b->V[i] = V_reset;
            spiked[ns++] = i;
        }
    }
    ax_models_take_current(b->y0, &b->y0_dirty, i_ext, b->n);
    return ns;
}

const ax_model_ops ax_model_iaf_cond_exp = {
    .name = "iaf_cond_exp",
    .doc = "leaky integrate-and-fire, exponential conductance synapses, adaptive RKF45 (GSL)",
    .n_params = N_PARAMS,
    .params = kParams,
    .n_state = N_STATE,
    .state_names = kState,
    .n_receptors = 2,
    .weight_unit = "nS",
    .validate = validate,
    .create = create,
    .destroy = destroy,
    .state = state,
    .param_array = param_array,
    .sync = sync,
    .update = update,
};
