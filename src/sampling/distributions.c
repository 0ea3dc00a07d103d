/* distributions.c - sampled and theoretical distributions of Boltzmann
 * machines, and Kullback-Leibler divergences.
 *
 * Sampled: exact event-driven time accumulation on the integer step grid.
 * A spike of unit k stamped m*h switches z_k on over (m, m + R_k]; between
 * events the elapsed steps are added to the current state (and to each
 * active unit's on-time and each active pair's co-on time). Only time after
 * t0 (the burn-in) counts; spikes before it still set the state at t0.
 * State index: sum_i z_i 2^(n-1-i) (sampler 0 = most significant bit, sbs).
 * Integer counts make the result independent of summation order.
 * Theory: full enumeration of the 2^n energies, built incrementally.
 * DKL: sum p ln(p/q) over p > 0 and q > 0 (sbs's zero handling); the p mass
 * dropped where q == 0 is reported separately ("missing").
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axon/free_all.h"
#include "sampling_impl.h"

#define AX_JOINT_MAX 20

struct ax_bm_acc {
    int n, na;            /* units, active units */
    int64_t t0, t;        /* start of counting, current stamp index */
    int64_t *R, *off;     /* on-window steps, switch-off index per unit */
    int *act, *pos;       /* active list and each unit's position in it (-1 off) */
    uint32_t state;
    int64_t *jc;          /* joint counts (n <= 20) or NULL */
    int64_t *on, *spk;    /* on-steps, spikes after t0 */
    int64_t *co;          /* co-on steps n*n (n <= corr_max) or NULL */
};

ax_status ax_bm_acc_create(int n, const int64_t *ref_steps, int64_t t0, int corr_max,
                           ax_bm_acc **out, ax_error *err)
{
    AX_CHECK(n > 0, err, AX_EINPUT, "a Boltzmann machine needs at least one unit");
    ax_bm_acc *a = calloc(1, sizeof *a);
    AX_CHECK_ALLOC(a, err, "state accumulator");
    a->n = n;
    a->t0 = a->t = t0;
    a->R = malloc((size_t)n * sizeof *a->R);
    a->off = calloc((size_t)n, sizeof *a->off);
    a->act = malloc((size_t)n * sizeof *a->act);
    a->pos = malloc((size_t)n * sizeof *a->pos);
    a->on = calloc((size_t)n, sizeof *a->on);
    a->spk = calloc((size_t)n, sizeof *a->spk);
    if (n <= AX_JOINT_MAX) a->jc = calloc((size_t)1 << n, sizeof *a->jc);
    if (n <= corr_max) a->co = calloc((size_t)n * (size_t)n, sizeof *a->co);
    if (!a->R || !a->off || !a->act || !a->pos || !a->on || !a->spk ||
        (n <= AX_JOINT_MAX && !a->jc) || (n <= corr_max && !a->co)) {
        ax_bm_acc_destroy(&a);
        return AX_FAIL(err, AX_ENOMEM, "out of memory for the state accumulator (%d units)", n);
    }
    for (int k = 0; k < n; k++) {
        a->R[k] = ref_steps[k];
        a->pos[k] = -1;
    }
    *out = a;
    return AX_OK;
}

void ax_bm_acc_destroy(ax_bm_acc **pa)
{
    ax_bm_acc *a = pa ? *pa : NULL;
    if (!a) return;
    AX_FREE_ALL(a->R, a->off, a->act, a->pos, a->on, a->spk, a->jc, a->co, a);
    *pa = NULL;
}

/* Add the steps from a->t to t (t >= a->t) to the current state. */
static void accumulate(ax_bm_acc *a, int64_t t)
{
    int64_t lo = a->t > a->t0 ? a->t : a->t0;
    a->t = t;
    if (t <= lo) return;
    int64_t d = t - lo;
    if (a->jc) a->jc[a->state] += d;
    for (int i = 0; i < a->na; i++) {
        int u = a->act[i];
        a->on[u] += d;
        if (a->co)
            for (int j = 0; j < a->na; j++) a->co[(size_t)u * a->n + a->act[j]] += d;
    }
}

static void switch_off(ax_bm_acc *a, int u)
{
    int i = a->pos[u];
    a->act[i] = a->act[--a->na];
    a->pos[a->act[i]] = i;
    a->pos[u] = -1;
    if (a->n <= 32) a->state &= ~(1u << (a->n - 1 - u));
}

void ax_bm_acc_advance(ax_bm_acc *a, int64_t t)
{
    for (;;) {
        int first = -1;
        for (int i = 0; i < a->na; i++)
            if (a->off[a->act[i]] <= t && (first < 0 || a->off[a->act[i]] < a->off[first]))
                first = a->act[i];
        if (first < 0) break;
        accumulate(a, a->off[first]);
        switch_off(a, first);
    }
    accumulate(a, t);
}

void ax_bm_acc_spike(ax_bm_acc *a, int k, int64_t m)
{
    ax_bm_acc_advance(a, m);
    if (m > a->t0) a->spk[k]++;
    a->off[k] = m + a->R[k];
    if (a->pos[k] >= 0) return; /* still on: the window is extended */
    a->pos[k] = a->na;
    a->act[a->na++] = k;
    if (a->n <= 32) a->state |= 1u << (a->n - 1 - k);
}

int64_t ax_bm_acc_steps(const ax_bm_acc *a) { return a->t > a->t0 ? a->t - a->t0 : 0; }

int64_t ax_bm_acc_spikes(const ax_bm_acc *a, int k) { return a->spk[k]; }

ax_status ax_bm_acc_joint(const ax_bm_acc *a, double *joint, ax_error *err)
{
    AX_CHECK(a->jc, err, AX_EINPUT, "the joint distribution is kept for n <= %d units only (n = %d)",
             AX_JOINT_MAX, a->n);
    double T = (double)ax_bm_acc_steps(a);
    for (size_t s = 0; s < (size_t)1 << a->n; s++) joint[s] = T > 0 ? a->jc[s] / T : 0.0;
    return AX_OK;
}

void ax_bm_acc_marginals(const ax_bm_acc *a, double *marg)
{
    double T = (double)ax_bm_acc_steps(a);
    for (int k = 0; k < a->n; k++) marg[k] = T > 0 ? a->on[k] / T : 0.0;
}

ax_status ax_bm_acc_pairwise(const ax_bm_acc *a, double *zz, ax_error *err)
{
    AX_CHECK(a->co, err, AX_EINPUT, "pairwise statistics were not kept for %d units", a->n);
    double T = (double)ax_bm_acc_steps(a);
    for (size_t i = 0; i < (size_t)a->n * a->n; i++) zz[i] = T > 0 ? a->co[i] / T : 0.0;
    return AX_OK;
}

ax_status ax_bm_theory(int n, const double *W, const double *b, double *joint, double *marg,
                       double *zz, ax_error *err)
{
    AX_CHECK(n >= 1 && n <= AX_JOINT_MAX, err, AX_EINPUT,
             "the exact Boltzmann distribution is enumerated for 1 <= n <= %d (n = %d)",
             AX_JOINT_MAX, n);
    size_t N = (size_t)1 << n;
    double *E = malloc(N * sizeof *E);
    AX_CHECK_ALLOC(E, err, "Boltzmann energies");
    E[0] = 0.0;
    double emax = 0.0;
    for (size_t s = 1; s < N; s++) {
        int bit = __builtin_ctzll(s), u = n - 1 - bit;
        size_t rest = s & (s - 1);
        double e = E[rest] + b[u];
        for (size_t r = rest; r; r &= r - 1) e += W[(size_t)u * n + (n - 1 - __builtin_ctzll(r))];
        E[s] = e;
        if (e > emax) emax = e;
    }
    double Z = 0.0;
    for (size_t s = 0; s < N; s++) Z += (E[s] = exp(E[s] - emax));
    if (marg) memset(marg, 0, (size_t)n * sizeof *marg);
    if (zz) memset(zz, 0, (size_t)n * n * sizeof *zz);
    for (size_t s = 0; s < N; s++) {
        double p = E[s] / Z;
        if (joint) joint[s] = p;
        for (size_t r = s; r && (marg || zz); r &= r - 1) {
            int i = n - 1 - __builtin_ctzll(r);
            if (marg) marg[i] += p;
            for (size_t q = s; zz && q; q &= q - 1) zz[(size_t)i * n + (n - 1 - __builtin_ctzll(q))] += p;
        }
    }
    free(E);
    return AX_OK;
}

double ax_dkl(const double *p, const double *q, int64_t n, double *missing)
{
    double d = 0.0, miss = 0.0;
    for (int64_t i = 0; i < n; i++) {
        if (p[i] > 0 && q[i] > 0) d += p[i] * log(p[i] / q[i]);
        else if (p[i] > 0) miss += p[i];
    }
    if (missing) *missing = miss;
    return d;
}

double ax_dkl_marginals(const double *p, const double *q, int n)
{
    double d = 0.0;
    for (int k = 0; k < n; k++) {
        double pp[2] = {p[k], 1 - p[k]}, qq[2] = {q[k], 1 - q[k]};
        d += ax_dkl(pp, qq, 2, NULL);
    }
    return d;
}
