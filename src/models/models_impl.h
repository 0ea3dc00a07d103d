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

#include <stdint.h>

#include "axon/model.h"

extern const ax_model_ops ax_model_iaf_psc_delta;
extern const ax_model_ops ax_model_iaf_psc_exp;
extern const ax_model_ops ax_model_iaf_psc_alpha;
extern const ax_model_ops ax_model_iaf_cond_exp;

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

/* Number of whole steps of t_ref at resolution h (NEST rounds ms to the grid). */
int64_t ax_models_ref_steps(double t_ref, double h);

/* Allocate `count` arrays of n doubles in one block, 64-byte aligned each,
 * zero-filled; arr[k] receives the k-th. Returns the base to free(), or NULL. */
double *ax_models_alloc_arrays(int64_t n, int count, double **arr[]);

/* End-of-step bookkeeping of device current (NEST's y0/I_stim): copy
 * i_ext into y0 for the next step, or zero y0 once when i_ext is NULL
 * (*dirty says whether y0 may hold non-zeros). Can't fail. */
void ax_models_take_current(double *y0, int *dirty, const double *i_ext, int64_t n);

/* Checkpoint layout shared by the models: the n_arr double arrays, then the
 * refractory counter as a double (exact), each n values. Can't fail. */
void ax_models_ckpt_save(int64_t n, double *const *arr, int n_arr, const int32_t *r, double *out);
void ax_models_ckpt_load(int64_t n, double *const *arr, int n_arr, int32_t *r, const double *in);

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
