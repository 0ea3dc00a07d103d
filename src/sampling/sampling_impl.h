/* sampling_impl.h - private to src/sampling: the in-memory network specs
 * the sampling runs hand to the engine.
 *
 * Invariant: every ax_spec built here satisfies what ax_spec_load would
 * require (grid-aligned delays >= h, V_reset < V_th, positive sizes), so the
 * engine never sees a spec the validator would have refused.
 */
#ifndef AX_SAMPLING_IMPL_H
#define AX_SAMPLING_IMPL_H

#include "axon/sampling.h"
#include "axon/spec.h"

/* Builder of an in-memory spec: populations of samplers and Poisson background. */
typedef struct ax_samp_net {
    ax_spec spec;
    ax_sampler *bg;  /* per population: whose background it gets */
    int cap_pops, cap_proj;
} ax_samp_net;

/* Start a spec with resolution dt, t_sim, seed; description in text. */
ax_status ax_samp_net_init(ax_samp_net *n, double dt, double t_sim, uint64_t seed,
                           const char *text, ax_error *err);
/* Append a population of `count` samplers with resting potential E_L. */
ax_status ax_samp_net_add_pop(ax_samp_net *n, const ax_sampler *s, int64_t count, double E_L,
                              ax_error *err);
/* The same with per-neuron resting potentials E_Ls[count] (E_L unused), or
 * E_Ls NULL: E_L for all. */
ax_status ax_samp_net_add_pop_v(ax_samp_net *n, const ax_sampler *s, int64_t count, double E_L,
                                const double *E_Ls, ax_error *err);
/* Append a from_list projection within population pop (m neurons): i -> j
 * with weight w[i * m + j] for each nonzero one, constant delay; none when
 * all are zero. */
ax_status ax_samp_net_add_list(ax_samp_net *n, int pop, const double *w, double delay,
                               ax_error *err);
/* Append a one_to_one projection src -> tgt with constant weight and delay. */
ax_status ax_samp_net_add_proj(ax_samp_net *n, int src, int tgt, double w, double delay,
                               ax_error *err);
/* Background (two Poisson generators per distinct background, delay
 * `delay`) onto every population, each with its sampler's rates and
 * weights, and one spike recorder over every population. Call last. */
ax_status ax_samp_net_finish(ax_samp_net *n, double delay, ax_error *err);
void ax_samp_net_free(ax_samp_net *n);
/* Do two samplers get the same Poisson background (rates and weights)? */
int ax_samp_same_bg(const ax_sampler *a, const ax_sampler *b);

/* The pre-calibration (precalib.c, sbs's _do_pre_calibration): scan(ctx,
 * v, n, p) fills p_on at the n resting potentials v. Finds the sloped
 * window [*lo, *hi] from o (v_min, v_max, dv, p_min, p_max, min_points,
 * max_search_steps); *rounds counts the scans. AX_EINPUT when no window is
 * found, naming why. */
typedef ax_status (*ax_prescan_fn)(void *ctx, const double *v, int n, double *p, ax_error *err);
ax_status ax_prescan_window(const ax_calib_opts *o, ax_prescan_fn scan, void *ctx, FILE *progress,
                            double *lo, double *hi, int *rounds, ax_error *err);
/* sbs's pre_calib_adjust_v_rest on samples sorted by v: the window from the
 * point before the first valid (p_min < p < p_max) to the point after the
 * last, or around the first point above p_max when none is valid (*lo kept
 * when that is the first point). Returns the number of valid points, -1
 * when there is no window (nothing above p_max, or lo >= hi). */
int ax_prescan_narrow(const double *v, const double *p, int n, double p_min, double p_max,
                      double *lo, double *hi);

/* The network of a Boltzmann machine (bm_run.c): unit i = population i with
 * E_L = v_rest[i] from its bias and its network background, one
 * one_to_one projection per nonzero translated weight (w_bio, n*n, the
 * translation itself; with renewing synapses the projection carries w_bio
 * x tso.weight_rescale and tsodyks2 parameters). Exposed for tests. */
ax_status ax_bm_build_net(const ax_bm *bm, ax_samp_net *net, double *w_bio, double *v_rest,
                          ax_error *err);

#endif
