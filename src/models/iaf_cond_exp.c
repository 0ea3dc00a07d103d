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
 * Invariants: RKF45 keeps no state between steps besides the step size,
 * which lives in hstep[]; E_L and I_e per neuron; pow() is called only
 * when the error ratio falls in the narrow band where the step-size factor
 * is neither clamped at 5 nor a rejection.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>


#include "models_impl.h"

enum { P_E_L, P_C_M, P_G_L, P_T_REF, P_V_TH, P_V_RESET, P_E_EX, P_E_IN, P_TAU_SYN_EX,
       P_TAU_SYN_IN, P_I_E, P_TAU_MINUS, N_PARAMS };

static const ax_param_desc kParams[N_PARAMS] = {
    [P_E_L] = {"E_L", "mV", -70.0, AX_PARAM_REAL, NULL, 0, "leak reversal potential"},
    [P_C_M] = AX_LIF_C_M,
    [P_G_L] = {"g_L", "nS", 16.6667, AX_PARAM_REAL, NULL, 0, "leak conductance"},
    [P_T_REF] = AX_LIF_T_REF,
    [P_V_TH] = AX_LIF_V_TH,
    [P_V_RESET] = {"V_reset", "mV", -60.0, AX_PARAM_REAL, NULL, 0, "reset potential"},
    [P_E_EX] = {"E_ex", "mV", 0.0, AX_PARAM_REAL, NULL, 0, "excitatory reversal potential"},
    [P_E_IN] = {"E_in", "mV", -85.0, AX_PARAM_REAL, NULL, 0, "inhibitory reversal potential"},
    AX_SYN_TAU_PARAMS(0.2, 2.0, "decay time of excitatory conductance",
                      "decay time of inhibitory conductance"),
    [P_I_E] = AX_LIF_I_E,
    [P_TAU_MINUS] = AX_ARCHIVE_TAU_MINUS,
};

enum { S_V_M, S_G_EX, S_G_IN, N_STATE };
static const char *const kState[N_STATE] = {"V_m", "g_ex", "g_in"};

/* NEST's error tolerances for this model: absolute 1e-3, relative 0. */
#define COND_EPS_ABS 1e-3
#define COND_EPS_REL 0.0

typedef struct cond_block {
    AX_MODEL_HEAD;
    double h;
    int64_t ref_steps;
    int64_t failures; /* integrations given up (non-finite state; the neuron is left as it was) */
    double *V, *gex, *gin, *E_L, *I_e, *y0, *hstep;
    double *oV, *oge, *ogi; /* state before fast_steps(), for the neurons it flags */
    int64_t *slow;     /* per neuron: 1 = this step needs the general driver */
    /* One full RKF45 step of size h applied to a conductance decaying with
     * tau: its value at stage k is g qx[k] (k = 0..5), after the step g qx[6],
     * its error estimate |g| ex. Exact for the linear decay (create()). */
    double qe[7], qi[7], ee, ei;
    double gl, ic; /* g_L / C_m and 1 / C_m, divided once here: at the head of every step's
                    * dependency chain they cost a division's latency per step */
} cond_block;

#define F(field) offsetof(cond_block, field)

static const ax_model_layout kLayout = {
    .ops = &ax_model_iaf_cond_exp, AX_MODEL_BLOCK(cond_block), AX_LIF_LAYOUT(cond_block),
    .rules = {{AX_RULE_POTENTIAL, P_E_L}, {AX_RULE_POTENTIAL, P_V_TH}, {AX_RULE_POTENTIAL, P_V_RESET},
              {AX_RULE_POTENTIAL, P_E_EX}, {AX_RULE_POTENTIAL, P_E_IN},
              AX_LIF_RULES({AX_RULE_NONNEG, P_G_L}, AX_SYN_TAU_RULES)},
    .arrays = {F(V), F(gex), F(gin), F(E_L), F(I_e), F(y0), F(hstep), F(oV), F(oge), F(ogi)},
    .state = {[S_V_M] = F(V), [S_G_EX] = F(gex), [S_G_IN] = F(gin)},
    .ckpt = {F(V), F(gex), F(gin), F(y0), F(hstep)},
    .owned = {F(slow)},
};
#undef F

AX_MODEL_VALIDATE
AX_MODEL_UPDATE(cond_block)

static void decay_stages(double x, double *q, double *e);

static ax_status create(const double *p, double h, int64_t n, ax_neurons **out, ax_error *err)
{
    ax_neurons *nr;
    AX_TRY(ax_models_begin(&kLayout, p, h, n, &nr, err));
    cond_block *b = (cond_block *)nr;
    b->h = h;
    b->ref_steps = ax_models_ref_steps(p[P_T_REF], h);
    b->slow = calloc((size_t)((n + 7) & ~(int64_t)7) + 1, sizeof(int64_t)); /* fast_steps: whole vectors */
    b->gl = p[P_G_L] / p[P_C_M];
    b->ic = 1.0 / p[P_C_M];
    decay_stages(h / p[P_TAU_SYN_EX], b->qe, &b->ee);
    decay_stages(h / p[P_TAU_SYN_IN], b->qi, &b->ei);
    AX_TRY(ax_models_finish(nr, out, err));
    for (int64_t i = 0; i < n; i++) b->hstep[i] = h; /* NEST starts each neuron's adaptive step at h */
    /* padding lanes (zero state, zero drive) pass fast_steps()' test, so that
     * "any lane slow" needs no lane mask (a test of i < n made GCC split the
     * vector loop and run the neurons' part without vectors) */
    for (int64_t i = n; i < ((n + 7) & ~(int64_t)7); i++) b->hstep[i] = 2.0 * h;
    return AX_OK;
}

/* Fehlberg 4(5) tableau (as gsl_odeiv2_step_rkf45): stage weights, the
 * fifth-order solution c*, and the error weights e* (c* minus 4th order). */
#define A21 (1.0 / 4)
#define A31 (3.0 / 32)
#define A32 (9.0 / 32)
#define A41 (1932.0 / 2197)
#define A42 (-7200.0 / 2197)
#define A43 (7296.0 / 2197)
#define A51 (8341.0 / 4104)
#define A52 (-32832.0 / 4104)
#define A53 (29440.0 / 4104)
#define A54 (-845.0 / 4104)
#define A61 (-6080.0 / 20520)
#define A62 (41040.0 / 20520)
#define A63 (-28352.0 / 20520)
#define A64 (9295.0 / 20520)
#define A65 (-5643.0 / 20520)
#define C1 (902880.0 / 7618050)
#define C3 (3953664.0 / 7618050)
#define C4 (3855735.0 / 7618050)
#define C5 (-1371249.0 / 7618050)
#define C6 (277020.0 / 7618050)
#define E1 (1.0 / 360)
#define E3 (-128.0 / 4275)
#define E4 (-2197.0 / 75240)
#define E5 (1.0 / 50)
#define E6 (2.0 / 55)

/* Constants of one neuron's right-hand side: dV = (a - gV V - ge (V - E_ex)
 * - gi (V - E_in)) / C written as dV = q0 - q1 V + ge (E_ex - V) ci + ... */
typedef struct rhs_k {
    double a;     /* (g_L E_L + I_e + I_stim) / C_m */
    double gl;    /* g_L / C_m */
    double ic;    /* 1 / C_m */
    double eex, ein, dex, din; /* E_ex, E_in, 1/tau_syn_ex, 1/tau_syn_in */
} rhs_k;

static inline void rhs3(const rhs_k *k, double V, double ge, double gi, double *f)
{
    f[0] = k->a - k->gl * V + k->ic * (ge * (k->eex - V) + gi * (k->ein - V));
    f[1] = -ge * k->dex;
    f[2] = -gi * k->din;
}

/* One RKF45 step of size s from y: fifth-order result in out, the error
 * ratio max|err| / eps_abs returned. */
static inline double rkf45(const rhs_k *k, const double *y, double s, double *out)
{
    double k1[3], k2[3], k3[3], k4[3], k5[3], k6[3], t[3];
    rhs3(k, y[0], y[1], y[2], k1);
    for (int j = 0; j < 3; j++) t[j] = y[j] + s * A21 * k1[j];
    rhs3(k, t[0], t[1], t[2], k2);
    for (int j = 0; j < 3; j++) t[j] = y[j] + s * (A31 * k1[j] + A32 * k2[j]);
    rhs3(k, t[0], t[1], t[2], k3);
    for (int j = 0; j < 3; j++) t[j] = y[j] + s * (A41 * k1[j] + A42 * k2[j] + A43 * k3[j]);
    rhs3(k, t[0], t[1], t[2], k4);
    for (int j = 0; j < 3; j++)
        t[j] = y[j] + s * (A51 * k1[j] + A52 * k2[j] + A53 * k3[j] + A54 * k4[j]);
    rhs3(k, t[0], t[1], t[2], k5);
    for (int j = 0; j < 3; j++)
        t[j] = y[j] + s * (A61 * k1[j] + A62 * k2[j] + A63 * k3[j] + A64 * k4[j] + A65 * k5[j]);
    rhs3(k, t[0], t[1], t[2], k6);
    double r = 0.0;
    for (int j = 0; j < 3; j++) {
        out[j] = y[j] + s * (C1 * k1[j] + C3 * k3[j] + C4 * k4[j] + C5 * k5[j] + C6 * k6[j]);
        double e = fabs(s * (E1 * k1[j] + E3 * k3[j] + E4 * k4[j] + E5 * k5[j] + E6 * k6[j]));
        r = e > r ? e : r;
    }
    return r / COND_EPS_ABS;
}

/* Growth factor of the step after an accepted step with error ratio r
 * (control "standard", order 5): 5 when 0.9 r^-1/6 >= 5, i.e. r <= (0.18)^6. */
static inline double grow(double r)
{
    if (r <= 3.4012224e-5) return 5.0;
    if (r >= 0.5) return 1.0;
    double f = 0.9 / pow(r, 1.0 / 6.0);
    return f < 1.0 ? 1.0 : f > 5.0 ? 5.0 : f;
}

/* The tableau applied to dg/du = -g, g(0) = 1, over u = x: stage inputs
 * q[0..5], result q[6], |error estimate| e. Linear, so g q[k] is what the
 * full 3-dim RKF45 step computes for the conductance g. */
static void decay_stages(double x, double *q, double *e)
{
    double k[6];
    q[0] = 1.0;
    k[0] = -q[0];
    q[1] = 1.0 + x * A21 * k[0];
    k[1] = -q[1];
    q[2] = 1.0 + x * (A31 * k[0] + A32 * k[1]);
    k[2] = -q[2];
    q[3] = 1.0 + x * (A41 * k[0] + A42 * k[1] + A43 * k[2]);
    k[3] = -q[3];
    q[4] = 1.0 + x * (A51 * k[0] + A52 * k[1] + A53 * k[2] + A54 * k[3]);
    k[4] = -q[4];
    q[5] = 1.0 + x * (A61 * k[0] + A62 * k[1] + A63 * k[2] + A64 * k[3] + A65 * k[4]);
    k[5] = -q[5];
    q[6] = 1.0 + x * (C1 * k[0] + C3 * k[2] + C4 * k[3] + C5 * k[4] + C6 * k[5]);
    *e = fabs(x * (E1 * k[0] + E3 * k[2] + E4 * k[3] + E5 * k[4] + E6 * k[5]));
}

/* The common case for every neuron at once, vectorised: the carried step
 * exceeds h, so the driver takes one clipped RKF45 step of size h; it is
 * accepted when the error ratio is <= 1.1 and then leaves the carried step
 * unchanged. Neurons where that does not hold are flagged in slow[]; their
 * state is restored from oV/oge/ogi before integrate() redoes the step. Same arithmetic as rkf45() with the
 * conductance stages taken from qe/qi. */
static int fast_steps(cond_block *b)
{
    const double *p = b->p, h = b->h;
    const double gl = b->gl, ic = b->ic, eex = p[P_E_EX], ein = p[P_E_IN];
    const double gL = p[P_G_L], iC = b->ic;
    const double ee = b->ee, ei = b->ei;
    const double qe0 = b->qe[0], qe1 = b->qe[1], qe2 = b->qe[2], qe3 = b->qe[3], qe4 = b->qe[4],
                 qe5 = b->qe[5], qe6 = b->qe[6];
    const double qi0 = b->qi[0], qi1 = b->qi[1], qi2 = b->qi[2], qi3 = b->qi[3], qi4 = b->qi[4],
                 qi5 = b->qi[5], qi6 = b->qi[6];
    double *restrict V = b->V, *restrict ge = b->gex, *restrict gi = b->gin;
    const double *restrict EL = b->E_L, *restrict Ie = b->I_e, *restrict y0 = b->y0;
    const double *restrict hs = b->hstep;
    int64_t *restrict slow = b->slow;
    double *restrict oV = b->oV, *restrict oge = b->oge, *restrict ogi = b->ogi;
    /* Whole vectors: the arrays are padded to 8 doubles (ax_models_alloc_arrays,
     * zeros; slow[] too), so a few neurons (a Boltzmann machine's samplers)
     * take no scalar tail. The padding lanes stay 0 (a zero state with zero
     * drive, accepted: create()), and step() never reads past n. */
    const int64_t n = (b->n + 7) & ~(int64_t)7;
    int64_t any = 0; /* a neuron needs the general driver (padding lanes never do) */
#define FV(v, k) (a - gl * (v) + ic * (g0 * qe##k * (eex - (v)) + g1 * qi##k * (ein - (v))))
    #pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        double a = (gL * EL[i] + Ie[i] + y0[i]) * iC, g0 = ge[i], g1 = gi[i], v = V[i];
        double k1 = FV(v, 0);
        double k2 = FV(v + h * A21 * k1, 1);
        double k3 = FV(v + h * (A31 * k1 + A32 * k2), 2);
        double k4 = FV(v + h * (A41 * k1 + A42 * k2 + A43 * k3), 3);
        double k5 = FV(v + h * (A51 * k1 + A52 * k2 + A53 * k3 + A54 * k4), 4);
        double k6 = FV(v + h * (A61 * k1 + A62 * k2 + A63 * k3 + A64 * k4 + A65 * k5), 5);
        double vo = v + h * (C1 * k1 + C3 * k3 + C4 * k4 + C5 * k5 + C6 * k6);
        double ev = fabs(h * (E1 * k1 + E3 * k3 + E4 * k4 + E5 * k5 + E6 * k6));
        double e0 = fabs(g0) * ee, e1 = fabs(g1) * ei;
        double m = ev > e0 ? ev : e0;
        double r = (m > e1 ? m : e1) * (1.0 / COND_EPS_ABS);
        int64_t ok = (hs[i] > h) & (r <= 1.1) & (vo - vo == 0.0); /* last: finite */
        slow[i] = !ok;
        any |= !ok;
        oV[i] = v, oge[i] = g0, ogi[i] = g1; /* unconditional stores keep the loop branch-free */
        V[i] = vo;
        ge[i] = g0 * qe6;
        gi[i] = g1 * qi6;
    }
#undef FV
    return any != 0;
}

/* Integrates neuron i over one step of length h (gsl_odeiv2_evolve_apply
 * semantics, see the file comment). A non-finite state or a step size
 * collapsing to nothing leaves the neuron as it was and counts a failure;
 * the loop ends because every accepted substep advances t. */
static void integrate(cond_block *b, int64_t i)
{
    const double *p = b->p, h = b->h;
    rhs_k k = {.a = (p[P_G_L] * b->E_L[i] + b->I_e[i] + b->y0[i]) / p[P_C_M],
               .gl = p[P_G_L] / p[P_C_M], .ic = 1.0 / p[P_C_M], .eex = p[P_E_EX],
               .ein = p[P_E_IN], .dex = 1.0 / p[P_TAU_SYN_EX], .din = 1.0 / p[P_TAU_SYN_IN]};
    double y[3] = {b->V[i], b->gex[i], b->gin[i]}, out[3];
    double t = 0.0, hs = b->hstep[i];
    while (t < h) {
        double dt = h - t, s = hs;
        int final = s > dt;
        if (final) s = dt;
        double r = rkf45(&k, y, s, out);
        if (r > 1.1) { /* reject: shrink and retry from the same point */
            double f = 0.9 / pow(r, 0.2);
            hs = s * (f > 0.2 ? f : 0.2);
            if (!(hs > 1e-12 * h)) goto fail;
            continue;
        }
        if (!isfinite(out[0] + out[1] + out[2])) goto fail;
        y[0] = out[0], y[1] = out[1], y[2] = out[2];
        t = final ? h : t + s;
        if (!final) hs = s * grow(r);
    }
    b->hstep[i] = hs;
    b->V[i] = y[0];
    b->gex[i] = y[1];
    b->gin[i] = y[2];
    return;
fail:
    b->failures++;
    b->hstep[i] = h;
}

/* Per neuron in NEST's order: integrate, add this step's input, then the
 * refractory count or the threshold. Neurons are independent, so the
 * general driver first redoes the neurons fast_steps() flagged (the loop
 * is entered only when it flagged one), then one pass adds the input and
 * applies the refractory count or the threshold. */
static int64_t step(cond_block *b, const double *const *in, int64_t *spiked)
{
    const double *restrict in_ex = in[0], *restrict in_in = in[1];
    const double V_th = b->p[P_V_TH], V_reset = b->p[P_V_RESET];
    const int32_t ref_steps = (int32_t)b->ref_steps;
    const int64_t n = b->n;
    if (fast_steps(b))
        for (int64_t i = 0; i < n; i++)
            if (b->slow[i]) {
                b->V[i] = b->oV[i], b->gex[i] = b->oge[i], b->gin[i] = b->ogi[i];
                integrate(b, i);
            }
    double *restrict V = b->V, *restrict ge = b->gex, *restrict gi = b->gin;
    int32_t *restrict r = b->r;
    int64_t ns = 0;
    for (int64_t i = 0; i < n; i++) {
        ge[i] += in_ex[i];
        gi[i] += fabs(in_in[i]);
        if (r[i] > 0) {
            r[i]--;
            V[i] = V_reset;
        } else if (V[i] >= V_th) {
            r[i] = ref_steps;
            V[i] = V_reset;
            spiked[ns++] = i;
        }
    }
    return ns;
}

static int64_t failures(const ax_neurons *nr)
{
    return ((const cond_block *)nr)->failures;
}

const ax_model_ops ax_model_iaf_cond_exp =
    {AX_MODEL_OPS_FIELDS("iaf_cond_exp",
                         "leaky integrate-and-fire, exponential conductance synapses, adaptive RKF45",
                         2, "nS", 6, ax_models_sync_none),
     .failures = failures};
