/* bench_models.c - single-thread cost of one neuron-step of each model.
 *
 * Each model gets a block of n neurons driven near threshold by I_e plus
 * Poisson-like excitatory and inhibitory input (balanced mean, so neurons
 * fire irregularly and the threshold/refractory branches are taken as in a
 * network). Inputs are drawn before timing into a pool of patterns that
 * the steps cycle through, so only update() is timed.
 * Usage: bench_models [n_neurons] [steps]   (defaults 100000, 1000).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "axon/model.h"

#define POOL 16

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* xorshift64*: uniform in (0, 1). */
static double uniform(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return ((rng_state * 2685821657736338717ull) >> 11) * 0x1.0p-53 + 0x1.0p-54;
}

/* Poisson(lambda) by multiplying uniforms (lambda is small here). */
static int poisson(double lambda)
{
    double L = exp(-lambda), prod = uniform();
    int k = 0;
    while (prod > L) {
        prod *= uniform();
        k++;
    }
    return k;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Weight per excitatory input spike in the model's unit, and I_e that puts
 * the mean membrane potential just below threshold. */
static void drive(const ax_model_ops *m, double *w, double *I_e)
{
    switch (m->weight_unit[0]) {
    case 'm': *w = 0.2, *I_e = 350.0; break;  /* mV jumps (psc_delta) */
    case 'p': *w = 40.0, *I_e = 350.0; break; /* pA currents (psc_exp, psc_alpha) */
    default: *w = 1.0, *I_e = 700.0; break;   /* nS conductances (cond_exp) */
    }
}

static void bench(const ax_model_ops *m, int64_t n, int steps)
{
    double w, I_e;
    drive(m, &w, &I_e);
    double p[64];
    ax_model_defaults(m, p);
    p[ax_model_param_index(m, "I_e")] = I_e;
    ax_neurons *nr = NULL;
    ax_error err;
    if (m->create(p, 0.1, n, &nr, &err) != AX_OK) {
        fprintf(stderr, "%s: %s\n", m->name, err.msg);
        exit(1);
    }
    /* ~0.8 excitatory and 0.2 inhibitory arrivals per neuron-step, inhibition
     * 4x stronger: zero mean, fluctuations drive the spikes. */
    double *pool[POOL][2];
    for (int q = 0; q < POOL; q++)
        for (int r = 0; r < 2; r++) {
            pool[q][r] = malloc((size_t)n * sizeof(double));
            if (!pool[q][r]) exit(1);
        }
    for (int q = 0; q < POOL; q++)
        for (int64_t i = 0; i < n; i++) {
            double ex = w * poisson(0.8), in = -4.0 * w * poisson(0.2);
            if (m->n_receptors == 1) {
                pool[q][0][i] = ex + in;
                pool[q][1][i] = 0.0;
            } else {
                pool[q][0][i] = ex;
                pool[q][1][i] = in;
            }
        }
    int64_t *spiked = malloc((size_t)n * sizeof(int64_t));
    int64_t spikes = 0;
    for (int s = 0; s < 50; s++) { /* warm-up: leave the initial transient */
        const double *in[2] = {pool[s % POOL][0], pool[s % POOL][1]};
        m->update(nr, in, NULL, spiked);
    }
    double t0 = now();
    for (int s = 0; s < steps; s++) {
        const double *in[2] = {pool[s % POOL][0], pool[s % POOL][1]};
        spikes += m->update(nr, in, NULL, spiked);
    }
    double dt = now() - t0;
    printf("%-14s %10lld %7d %12.2f %10.1f\n", m->name, (long long)n, steps,
           1e9 * dt / ((double)n * steps), spikes / ((double)n * steps * 0.1e-3));
    m->destroy(nr);
    free(spiked);
    for (int q = 0; q < POOL; q++) free(pool[q][0]), free(pool[q][1]);
}

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? atoll(argv[1]) : 100000;
    int steps = argc > 2 ? atoi(argv[2]) : 1000;
    printf("%-14s %10s %7s %12s %10s\n", "model", "neurons", "steps", "ns/nrn-step", "rate (Hz)");
    for (int i = 0; i < ax_model_count(); i++) {
        const ax_model_ops *m = ax_model_at(i);
        /* the ODE model is ~100x slower: fewer steps keep the run short */
        int s = m->weight_unit[0] == 'n' ? steps / 10 : steps;
        bench(m, n, s > 0 ? s : 1);
    }
    return 0;
}
