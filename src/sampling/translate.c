/* translate.c - free-membrane statistics and the Boltzmann <-> neuron
 * translation of sbs (reference-sampling-export.md §1.4-1.6).
 *
 * Bias: v_rest = v_p05 + alpha b. Weight: the mean over t_on (t_ref, or
 * sbs's tau_refrac_virtual) of the
 * high-conductance-state PSP of the post-synaptic sampler (at its biased
 * mean potential) equals alpha_u W, with alpha_u = alpha g_L / g_tot
 * (COBA: the slope moved from v_rest space to membrane space) or alpha
 * (CUBA). Excitatory (tau_syn_ex, E_ex) for W >= 0, inhibitory otherwise;
 * the returned weight carries the sign (negative = inhibitory). Units NEST:
 * rates Hz (1e-3 per ms), conductances nS, currents pA, C pF, times ms.
 */
#include <math.h>

#include "sampling_impl.h"

/* Mean conductances (nS) or currents (pA) of the background. */
static void background(const ax_sampler *s, double *x_ex, double *x_in)
{
    *x_ex = fabs(s->w_ex) * s->rate_ex * 1e-3 * s->tau_syn_ex;
    *x_in = fabs(s->w_in) * s->rate_in * 1e-3 * s->tau_syn_in;
}

/* Mean potential, total conductance and effective time constant at v_rest.
 * The offset current I_e is left out of the mean, as sbs does
 * (sbs/utils.py IF_cond_exp_distribution, IF_curr_exp_distribution take
 * i_offset into **sink), so translated weights equal sbs's for any
 * i_offset. With I_e != 0 this mean is off the true free-membrane mean by
 * I_e / g_tot (COBA: dE in the weight factor then differs by as much);
 * docs/sampling.md §3 says so. */
static void hcs(const ax_sampler *s, double v_rest, double *u, double *g_tot, double *tau_eff)
{
    double a, b;
    background(s, &a, &b);
    if (s->kind == AX_SAMPLER_COND) {
        *g_tot = s->g_L + a + b;
        *u = (s->E_ex * a + s->E_in * b + v_rest * s->g_L) / *g_tot;
    } else {
        *g_tot = s->g_L;
        *u = v_rest + (a - b) / s->g_L;
    }
    *tau_eff = s->C_m / *g_tot;
}

/* Variance contribution of one Poisson source (rate Hz, |weight|, tau_syn, reversal). */
static double var_term(const ax_sampler *s, double rate, double w, double tau, double E, double u,
                       double g_tot, double tau_eff)
{
    if (rate <= 0 || w == 0) return 0.0;
    double tau_g = 1.0 / (1.0 / tau - 1.0 / tau_eff);
    double drive = s->kind == AX_SAMPLER_COND ? fabs(w) * (E - u) : w;
    double S = drive * tau_g / (tau_eff * g_tot);
    double k = tau / 2 + tau_eff / 2 - 2 * tau_eff * tau / (tau_eff + tau);
    return rate * 1e-3 * S * S * k;
}

void ax_free_membrane(const ax_sampler *s, double v_rest, double *mean, double *std,
                      double *g_tot, double *tau_eff)
{
    double u, g, te;
    hcs(s, v_rest, &u, &g, &te);
    double v = var_term(s, s->rate_ex, s->w_ex, s->tau_syn_ex, s->E_ex, u, g, te) +
               var_term(s, s->rate_in, s->w_in, s->tau_syn_in, s->E_in, u, g, te);
    if (mean) *mean = u;
    if (std) *std = sqrt(v);
    if (g_tot) *g_tot = g;
    if (tau_eff) *tau_eff = te;
}

double ax_bias_to_v_rest(const ax_calibration *c, double b) { return c->v_p05 + c->alpha * b; }

double ax_v_rest_to_bias(const ax_calibration *c, double v_rest)
{
    return (v_rest - c->v_p05) / c->alpha;
}

/* f(tau) = tau (1 - e^{-t_r/tau}); returns (a - b) / (f(a) - f(b)), with
 * the limit 1 / f'(a) when a and b coincide (tau_eff == tau_syn). */
static double psp_ratio(double a, double b, double t_r)
{
    if (fabs(a - b) <= 1e-9 * fabs(a)) {
        double x = t_r / a;
        return 1.0 / (-expm1(-x) - x * exp(-x));
    }
    return (a - b) / (-a * expm1(-t_r / a) + b * expm1(-t_r / b));
}

/* Weight per unit of W (positive magnitude) for the sign of W or w. */
static double factor(const ax_calibration *post, double b_post, int inhibitory)
{
    const ax_sampler *s = &post->s;
    double u, g, te;
    hcs(s, ax_bias_to_v_rest(post, b_post), &u, &g, &te);
    double tau = inhibitory ? s->tau_syn_in : s->tau_syn_ex;
    double t_r = ax_sampler_t_on(s); /* sbs: tau_refrac_calibration */
    double alpha_u = s->kind == AX_SAMPLER_COND ? post->alpha * s->g_L / g : post->alpha;
    double dE = s->kind == AX_SAMPLER_COND ? (inhibitory ? u - s->E_in : s->E_ex - u) : 1.0;
    return alpha_u * t_r * g * psp_ratio(te, tau, t_r) / (dE * tau);
}

double ax_weight_theo_to_bio(const ax_calibration *post, double b_post, double W)
{
    return W * factor(post, b_post, W < 0);
}

double ax_weight_bio_to_theo(const ax_calibration *post, double b_post, double w)
{
    return w / factor(post, b_post, w < 0);
}
