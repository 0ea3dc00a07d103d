/* axon/sampling.h - LIF sampling after sbs (Petrovici et al. 2016): sampler
 * configuration, calibration of the activation function, translation of
 * Boltzmann-machine weights/biases, BM sampling and distributions.
 *
 * Units inside axon are NEST's (ms, mV, pF, nS, pA, Hz); the sbs-compatible
 * JSON written by ax_calib_write_json uses PyNN units (nF, uS, nA) for the
 * neuron parameters and source weights, as sbs does. A sampler is "on"
 * (z = 1) for t_ref after each of its spikes; iaf_cond_exp/iaf_psc_exp can
 * spike again only t_ref + h after a spike, so on-windows never overlap.
 * Functions taking an MPI communicator are COLLECTIVE over it; everything
 * else is local and thread-compatible.
 */
#ifndef AXON_SAMPLING_H
#define AXON_SAMPLING_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mpi.h>

#include "axon/error.h"
#include "axon/input.h"

typedef enum ax_sampler_kind {
    AX_SAMPLER_COND = 0, /* IF_cond_exp semantics through iaf_cond_exp */
    AX_SAMPLER_CURR = 1, /* IF_curr_exp semantics through iaf_psc_exp */
} ax_sampler_kind;

typedef enum ax_fit_kind { AX_FIT_LOGISTIC = 0, AX_FIT_ERF = 1 } ax_fit_kind;

/* One LIF sampler: neuron parameters (NEST names and units; V_th, V_reset
 * absolute) and its Poisson background. */
typedef struct ax_sampler {
    ax_sampler_kind kind;
    double C_m, g_L, E_L, V_th, V_reset, t_ref; /* pF, nS, mV, mV, mV, ms */
    double E_ex, E_in;                          /* mV (COND only) */
    double tau_syn_ex, tau_syn_in, I_e;         /* ms, ms, pA */
    double rate_ex, w_ex;                       /* Hz, nS|pA (w_ex > 0) */
    double rate_in, w_in;                       /* Hz, nS|pA (w_in < 0: inhibitory) */
    double t_ref_virtual; /* ms, sbs's tau_refrac_virtual (0: unset): the on-time of a
                           * spike in p_on, in the weight translation and in the sampled
                           * states in place of t_ref (sbs/db/neuron_parameters.py
                           * tau_refrac_calibration); the neuron's refractory time stays t_ref */
} ax_sampler;

/* The sampler's neuron parameters by NEST name and field, in the order a
 * calibration JSON's nest_parameters lists them: the one map from NEST
 * names to fields (sampler files, the JSON writer). */
#define AX_SAMPLER_N_NEST 12
typedef struct ax_sampler_param {
    const char *nest;
    size_t off; /* offsetof(ax_sampler, field), a double */
} ax_sampler_param;
extern const ax_sampler_param ax_sampler_nest[AX_SAMPLER_N_NEST];
static inline double ax_sampler_get(const ax_sampler *s, int k)
{
    return *(const double *)((const char *)s + ax_sampler_nest[k].off);
}

/* The time a spike switches its sampler on (z = 1): tau_refrac_virtual if
 * set, else t_ref (sbs's tau_refrac_calibration). Can't fail. */
static inline double ax_sampler_t_on(const ax_sampler *s)
{
    return s->t_ref_virtual > 0 ? s->t_ref_virtual : s->t_ref;
}

/* How a calibration is run (defaults: ax_calib_opts_default, = sbs's). */
typedef struct ax_calib_opts {
    double dt;              /* ms (0.01) */
    double duration;        /* ms after burn-in, final sweep (1e5) */
    double burn_in;         /* ms (500) */
    int num_samples;        /* final sweep points (150) */
    uint64_t seed;          /* (12345) */
    ax_fit_kind fit;        /* which fit becomes alpha/v_p05 (logistic) */
    int prescan;            /* 1: search the sloped window first (1) */
    double v_min, v_max;    /* mV: pre-scan range, or the final range when prescan = 0 (-80, -20) */
    double dv;              /* mV, pre-scan step (0.2) */
    double pre_duration;    /* ms per pre-scan (1000) */
    double p_min, p_max;    /* fit window on p_on (0.05, 0.95) */
    int min_points;         /* valid pre-scan points wanted (10) */
    int max_search_steps;   /* pre-scan shifts before giving up (100) */
} ax_calib_opts;

void ax_calib_opts_default(ax_calib_opts *o);

/* Result of one least-squares fit of p_on(v_rest). For logistic: p =
 * 1/(1+exp(-(v-v_p05)/alpha)); for erf: p = (1+erf((v-v_p05)/(sqrt2 sigma)))/2
 * and alpha = sigma*sqrt(2 pi)/4 (the logistic with the same central slope). */
typedef struct ax_fit {
    double alpha, v_p05;       /* mV, in v_rest space */
    double alpha_se, v_p05_se; /* standard errors (covariance scaled by chi2/dof) */
    double sigma;              /* erf only: Gaussian std (mV) */
    double rms;                /* RMS residual over the fitted points */
    int n_points;              /* points with p_min < p_on < p_max */
    int iterations;
} ax_fit;

/* sbs's TsoParameters (sbs/db/__init__.py): the saturating ("renewing")
 * synapses onto a sampler, NEST tsodyks2_synapse parameters plus a factor
 * on the translated weights. sbs applies them only with saturating
 * synapses (sbs/network.py create_connectivity), axon with `synapses:
 * renewing`. Defaults (sbs's): U = u = 1, x = 0, weight_rescale = 1,
 * tau_rec unset (= the target's tau_syn of the weight's sign), tau_fac
 * unset (= 0, no facilitation). */
typedef struct ax_calib_tso {
    double U, u, x;
    double tau_rec;        /* ms, 0: unset */
    double tau_fac;        /* ms, 0: unset (no facilitation) */
    double weight_rescale;
} ax_calib_tso;

/* sbs's defaults (TsoParameters.data_attribute_defaults). Can't fail. */
void ax_calib_tso_default(ax_calib_tso *t);
/* 1 when t equals sbs's defaults (a static synapse then means the same). */
int ax_calib_tso_is_default(const ax_calib_tso *t);

/* A calibrated sampler. Arrays are owned (ax_calibration_free). */
typedef struct ax_calibration {
    ax_sampler s;          /* the sampler and its calibration background
                            * (calibration.source_config): calibration and
                            * weight translation use this one */
    ax_calib_opts o;
    double v_rest_min, v_rest_max; /* final sweep range, mV */
    int n;                         /* points */
    double *v_rest;                /* mV */
    double *p_on;                  /* n_spikes * t_ref / duration */
    int64_t *n_spikes;             /* after burn-in */
    ax_fit logistic, erf;          /* both fits, always */
    double alpha, v_p05;           /* the fit named by o.fit */
    double wall_prescan, wall_final; /* s */
    int ranks, threads, prescan_rounds;
    /* sbs's top-level SamplerConfiguration.source_config: the background a
     * sampler gets in a network when it differs from the calibration's
     * (sbs/samplers.py LIFsampler.source_config). Translation still uses
     * s's (sbs's get_calibration_source_parameters). */
    int has_net_bg;
    double net_rate_ex, net_w_ex, net_rate_in, net_w_in; /* Hz, nS|pA (w_in <= 0) */
    int has_tso;           /* the file gave tso_parameters (else null, sbs's defaults) */
    ax_calib_tso tso;
} ax_calibration;

/* The sampler as it runs in a network: s with the top-level background
 * when the calibration has one. Can't fail. */
ax_sampler ax_calib_net_sampler(const ax_calibration *c);

void ax_calibration_free(ax_calibration *c);

/* ---- configuration (src/sampling/sampler_config.c) ---- */

/* Read a sampler file (YAML/JSON): `sampler:` (model, params, background)
 * and optional `calibration:` options. Model IF_cond_exp|iaf_cond_exp|
 * IF_curr_exp|iaf_psc_exp; PyNN names (cm nF, tau_m, v_rest, v_thresh,
 * v_reset, tau_refrac, tau_syn_E/I, e_rev_E/I, i_offset nA) or NEST names.
 * Background weights are uS|nA with a PyNN model name, nS|pA with a NEST
 * one. Errors: AX_EINPUT "file:line:col: ...". o may be NULL. */
ax_status ax_sampler_load(const char *path, ax_sampler *s, ax_calib_opts *o, ax_error *err);
/* The same reading through `in` (axon/input.h; NULL: here), and on every
 * rank of comm (collective: rank 0 reads, every rank parses, the ranks
 * agree; ax_input_load). */
ax_status ax_sampler_load_in(ax_input *in, const char *path, ax_sampler *s, ax_calib_opts *o,
                             ax_error *err);
ax_status ax_sampler_load_comm(const char *path, MPI_Comm comm, ax_sampler *s, ax_calib_opts *o,
                               ax_error *err);
ax_status ax_sampler_parse(const char *text, size_t len, const char *name, ax_sampler *s,
                           ax_calib_opts *o, ax_error *err);

/* Check a sampler's values (V_reset < V_th, C_m > 0, ...). */
ax_status ax_sampler_validate(const ax_sampler *s, ax_error *err);

/* NEST model name for the sampler's kind. */
const char *ax_sampler_model(const ax_sampler *s);

/* ---- calibration (src/sampling/calibration.c) ---- */

/* Simulate n independent samplers with resting potentials v_rest[] and
 * private Poisson background for burn_in + duration ms at resolution dt in
 * ONE engine run; n_spikes[k] = spikes of sampler k stamped after burn_in.
 * Collective; every rank gets the same counts. progress: rank 0 prints to it. */
ax_status ax_calib_sweep(const ax_sampler *s, const double *v_rest, int n, double dt,
                         double duration, double burn_in, uint64_t seed, MPI_Comm comm,
                         int threads, FILE *progress, int64_t *n_spikes, ax_error *err);

/* Fit p(v) on the points with p_min < p < p_max (Levenberg-Marquardt, GSL
 * gsl_multifit_nlinear). AX_EINPUT when fewer than 3 points qualify. */
ax_status ax_calib_fit(ax_fit_kind kind, const double *v, const double *p, int n, double p_min,
                       double p_max, ax_fit *out, ax_error *err);

/* Full calibration: pre-scan (if o->prescan) then the final sweep and both
 * fits. Collective. cal is filled (free with ax_calibration_free). */
ax_status ax_calibrate(const ax_sampler *s, const ax_calib_opts *o, MPI_Comm comm, int threads,
                       FILE *progress, ax_calibration *cal, ax_error *err);

/* ---- translation (src/sampling/translate.c) ---- */

/* Free-membrane (high-conductance state) statistics of a sampler at
 * resting potential v_rest: mean (mV), std (mV), g_tot (nS), tau_eff (ms).
 * reference-sampling-export.md §1.4. For CURR, g_tot = g_L. Can't fail. */
void ax_free_membrane(const ax_sampler *s, double v_rest, double *mean, double *std,
                      double *g_tot, double *tau_eff);

/* Resting potential that encodes bias b (v_p05 + alpha b) and back. */
double ax_bias_to_v_rest(const ax_calibration *c, double b);
double ax_v_rest_to_bias(const ax_calibration *c, double v_rest);

/* Synaptic weight (nS or pA, negative = inhibitory) onto post-synaptic
 * sampler `post` (calibrated, with bias b_post) that realises Boltzmann
 * weight W, by matching the mean PSP over t_ref to alpha_u * W; and back. */
double ax_weight_theo_to_bio(const ax_calibration *post, double b_post, double W);
double ax_weight_bio_to_theo(const ax_calibration *post, double b_post, double w);

/* ---- distributions (src/sampling/distributions.c) ---- */

/* Event-driven accumulator of sampled states. Feed spikes in time order
 * (stamp index m: spike at time m*h, sampler on over (m, m + ref_steps]),
 * time counted from t0 (burn-in, in steps) on. Joint over 2^n states kept
 * for n <= 20, pairwise on-time for n <= corr_max. */
typedef struct ax_bm_acc ax_bm_acc;

ax_status ax_bm_acc_create(int n, const int64_t *ref_steps, int64_t t0, int corr_max,
                           ax_bm_acc **out, ax_error *err);
void ax_bm_acc_destroy(ax_bm_acc **a);
/* Spike of unit k at stamp index m (non-decreasing over calls). */
void ax_bm_acc_spike(ax_bm_acc *a, int k, int64_t m);
/* Accumulate up to stamp index t (>= last). */
void ax_bm_acc_advance(ax_bm_acc *a, int64_t t);
/* Accumulated steps since t0. */
int64_t ax_bm_acc_steps(const ax_bm_acc *a);
/* Normalised joint (2^n, sampler 0 = most significant bit), marginals (n),
 * pairwise <z_i z_j> (n*n) so far; NULL outputs are skipped; the joint and
 * pairwise only when kept (else AX_EINPUT). */
ax_status ax_bm_acc_joint(const ax_bm_acc *a, double *joint, ax_error *err);
void ax_bm_acc_marginals(const ax_bm_acc *a, double *marg);
ax_status ax_bm_acc_pairwise(const ax_bm_acc *a, double *zz, ax_error *err);
int64_t ax_bm_acc_spikes(const ax_bm_acc *a, int k);

/* Boltzmann distribution p(z) ~ exp(z'Wz/2 + b'z) over 2^n states (n <= 20,
 * same state order), marginals and pairwise <z_i z_j> (may be NULL). */
ax_status ax_bm_theory(int n, const double *W, const double *b, double *joint, double *marg,
                       double *zz, ax_error *err);

/* D_KL(p || q) in nats over entries with p > 0 and q > 0 (as sbs: entries
 * where q == 0 < p are skipped; *missing gets their total p mass, may be NULL). */
double ax_dkl(const double *p, const double *q, int64_t n, double *missing);
/* sum_k Bernoulli D_KL(p_k || q_k), same zero handling. */
double ax_dkl_marginals(const double *p, const double *q, int n);

/* ---- Boltzmann machines (src/sampling/bm.c, bm_run.c; the file: io/sampling/bm_io.c) ---- */

typedef struct ax_bm {
    int n;
    double *W;             /* n*n, symmetric, zero diagonal */
    double *b;             /* n */
    ax_calibration *cal;   /* n (each owns its arrays) */
    double duration, burn_in, dt, delay; /* ms */
    uint64_t seed;
    int n_checkpoints;
    double *checkpoints;   /* ms after burn-in, increasing, last = duration */
    int diag_warning;      /* 1 if a nonzero diagonal was zeroed */
    int asym_warning;      /* 1 if W was not symmetric and was symmetrised */
    int renewing;          /* 1: tsodyks2 synapses as sbs's renewing (saturating) ones,
                            * with tso's parameters (sbs's defaults: U = u = 1, x = 0,
                            * tau_rec = the target's tau_syn, no facilitation) */
    ax_calib_tso tso;      /* the calibrations' tso_parameters (all units share one, as
                            * in sbs/network.py); used only when renewing */
    int separate;          /* 1: one population per sampler even where all could share
                            * one (bm_run.c one_pop; tests compare the two) */
} ax_bm;

/* Read a BM file (YAML/JSON): weights, biases, sampler (cal.json path or
 * inline calibration: {sampler file + alpha, v_p05}), duration, burn_in, dt,
 * delay, seed, synapses (static | renewing). */
ax_status ax_bm_load(const char *path, ax_bm *bm, ax_error *err);
/* The same reading the BM file and the sampler/calibration files it names
 * through `in`, and on every rank of comm (collective, as
 * ax_sampler_load_comm). */
ax_status ax_bm_load_in(ax_input *in, const char *path, ax_bm *bm, ax_error *err);
ax_status ax_bm_load_comm(const char *path, MPI_Comm comm, ax_bm *bm, ax_error *err);
void ax_bm_free(ax_bm *bm);

/* bm->tso against bm->renewing: with static synapses only sbs's default
 * tso_parameters are allowed (sbs applies them only to saturating synapses;
 * axon refuses rather than ignores them). AX_EINPUT naming the values. */
ax_status ax_bm_check_tso(const ax_bm *bm, ax_error *err);

/* bm->checkpoints for bm->duration: the list's entries in (0, duration),
 * increasing, (n = -1: 1, 2, 5 per decade from 10 ms), then the duration. */
ax_status ax_bm_set_checkpoints(ax_bm *bm, const double *list, int n, ax_error *err);

/* Result of sampling a BM (valid on rank 0; other ranks get spikes only). */
typedef struct ax_bm_result {
    int n;
    int64_t n_spikes_total;
    int64_t *spikes;        /* per unit */
    double *joint_sim, *joint_theo;  /* 2^n (n <= 20) else NULL */
    double *marg_sim, *marg_theo;    /* n */
    double *zz_sim, *zz_theo;        /* n*n or NULL */
    double *w_bio, *v_rest;          /* n*n (nS|pA), n (mV) */
    int n_checkpoints;
    double *t_check, *dkl_joint, *dkl_marg, *missing; /* per checkpoint */
    int64_t n_spk_rec;               /* all spikes after burn-in (rank 0) */
    uint64_t *spk_unit;              /* unit of each spike */
    double *spk_time;                /* ms after burn-in */
    double wall;                     /* s */
} ax_bm_result;

/* Sample: build n samplers (one population each, or one population of n
 * when they differ only in their bias and the synapses are static: bitwise
 * the same samples, one kernel call per step), Poisson background, one
 * projection per nonzero W_ij (or one from_list projection); gather spikes to rank 0 in (step, gid)
 * order and accumulate. Collective. */
ax_status ax_bm_run(const ax_bm *bm, MPI_Comm comm, int threads, FILE *progress,
                    ax_bm_result *res, ax_error *err);
void ax_bm_result_free(ax_bm_result *r);

/* ---- files (io/sampling/calib_io.c, bm_io.c) ---- */

/* sbs's calibration JSON (SamplerConfiguration, PyNN units; every number
 * sbs declares float written as a JSON float, num_samples an integer;
 * only sbs's attributes, so sbs logs no "Unexpected attribute"), and next
 * to it the sidecar ax_calib_sidecar_path(path) with what only axon knows
 * (both fits with errors and residuals, v_rest samples, spike counts,
 * NEST-unit parameters, seed, ranks x threads, timings). */
ax_status ax_calib_write_json(const ax_calibration *c, const char *path, ax_error *err);
/* The same into other files (temporaries published later): the sbs JSON
 * into json_file, the sidecar into side_file, both written as if the JSON
 * were at path (the sidecar names it). */
ax_status ax_calib_write_json_as(const ax_calibration *c, const char *path, const char *json_file,
                                 const char *side_file, ax_error *err);
/* "cal.json" -> "cal.axon.json" (a path without .json gets .axon.json). */
void ax_calib_sidecar_path(const char *json, char *out, size_t size);
/* Read a calibration JSON written by axon (also the older layout with an
 * "axon" block) or by sbs, for sampling: the fit is required. Every sbs
 * setting is honoured or refused with file:line:col naming it (unknown
 * keys, random-refractory or alpha-shaped neuron types, source types other
 * than PoissonSourceConfiguration, ...). */
ax_status ax_calib_read_json(const char *path, ax_calibration *c, ax_error *err);
/* The same file as the input of a (re-)calibration, as sbs's
 * LIFsampler(SamplerConfiguration.load(path)).calibrate() takes it: the fit
 * may be missing; c->o gets axon's defaults overridden by the calibration's
 * duration, dt, burn_in_time, num_samples, V_rest_min/max. Simulator
 * settings (sim_setup_kwargs) other than spike_precision "on_grid" and the
 * thread count are refused. */
ax_status ax_calib_read_config(const char *path, ax_calibration *c, ax_error *err);
ax_status ax_calib_read_json_in(ax_input *in, const char *path, ax_calibration *c, ax_error *err);
ax_status ax_calib_read_config_in(ax_input *in, const char *path, ax_calibration *c,
                                  ax_error *err);
/* HDF5 copy with the raw samples (serial; call from one rank). */
ax_status ax_calib_write_h5(const ax_calibration *c, const char *path, ax_error *err);
/* Sampling outputs for `axon info` (io/sampling/samp_info.c, serial):
 * which one an HDF5 file is (AX_SAMP_NONE for anything else, a network
 * run's output included), and a summary of it on out. */
typedef enum ax_samp_file {
    AX_SAMP_NONE = 0, AX_SAMP_BM, AX_SAMP_CALIB, AX_SAMP_SWEEP
} ax_samp_file;
ax_samp_file ax_samp_file_kind(const char *path);
ax_status ax_samp_info(const char *path, FILE *out, ax_error *err);
/* BM output (serial; rank 0). */
ax_status ax_bm_write_h5(const ax_bm *bm, const ax_bm_result *r, const char *path, int force,
                         ax_error *err);

#endif
