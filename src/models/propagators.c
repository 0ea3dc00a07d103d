/* propagators.c - exact-integration propagators for the current-based
 * models, written to stay accurate where the textbook formulas cancel:
 * tau_syn == tau_m (0/0) and tau_m = +inf (no leak).
 *
 * Every propagator is an integral of e^{-(h-s)/tau_m} times a synaptic
 * kernel over one step. Pulling e^{-h/tau_m} out leaves integrals of
 * e^{-d s} with d = 1/tau_s - 1/tau_m, i.e. h*phi1(d h) and h^2*phi2(d h);
 * phi1 and phi2 are smooth through 0 and evaluated by their Taylor series
 * near 0 and by closed forms elsewhere, so no formula divides by a
 * difference of nearly equal numbers. Called only from create()/sync().
 */
#include <math.h>

#include "models_impl.h"

/* Below this |x| the series are used; at 0.5 the 25-term series error is
 * < 1e-25 and the closed forms lose at most a few ulp above it. */
#define AX_PROP_SERIES_MAX 0.5

/* phi1(x) = sum_k (-x)^k / (k+1)!  (Taylor series of (1-e^-x)/x). */
static double phi1_series(double x)
{
    double term = 1.0, sum = 1.0; /* term_k = (-x)^k / (k+1)! */
    for (int k = 1; k < 25; k++) {
        term *= -x / (double)(k + 1);
        sum += term;
    }
    return sum;
}

/* phi2(x) = sum_k (-x)^k / (k! (k+2))  (Taylor series of int_0^1 u e^{-xu} du). */
static double phi2_series(double x)
{
    double fact = 1.0, sum = 0.5; /* fact = (-x)^k / k! */
    for (int k = 1; k < 25; k++) {
        fact *= -x / (double)k;
        sum += fact / (double)(k + 2);
    }
    return sum;
}

/* See models_impl.h. */
double ax_prop_phi1(double x)
{
    if (fabs(x) < AX_PROP_SERIES_MAX) return phi1_series(x);
    return -expm1(-x) / x;
}

/* See models_impl.h. 1 - e^-x (1+x) = -expm1(-x) - x e^-x. */
double ax_prop_phi2(double x)
{
    if (fabs(x) < AX_PROP_SERIES_MAX) return phi2_series(x);
    return (-expm1(-x) - x * exp(-x)) / (x * x);
}

/* 1/tau_s - 1/tau_m written as one quotient, so near tau_s == tau_m the
 * subtraction tau_m - tau_s is exact (Sterbenz) instead of cancelling. */
static double rate_difference(double tau_m, double tau_s)
{
    if (isinf(tau_m)) return 1.0 / tau_s;
    return (tau_m - tau_s) / (tau_s * tau_m);
}

/* See models_impl.h. exp(-h/inf) = 1, so tau_m = inf needs no branch here. */
double ax_prop_exp_to_v(double h, double tau_m, double tau_s, double c_m)
{
    double d = rate_difference(tau_m, tau_s);
    return exp(-h / tau_m) * h * ax_prop_phi1(d * h) / c_m;
}

/* See models_impl.h. */
double ax_prop_alpha_to_v(double h, double tau_m, double tau_s, double c_m)
{
    double d = rate_difference(tau_m, tau_s);
    return exp(-h / tau_m) * h * h * ax_prop_phi2(d * h) / c_m;
}

/* See models_impl.h. */
double ax_prop_dc_to_v(double h, double tau_m, double c_m)
{
    if (isinf(tau_m)) return h / c_m;
    return -tau_m * expm1(-h / tau_m) / c_m;
}
