/* axon/rng.h - counter-based random streams (Random123 Philox4x32-10).
 *
 * A stream is identified by (seed, kind, a, id): the seed is the Philox key,
 * (kind, a, id) fill the upper counter words and the lowest word counts
 * draws. Streams are cheap to (re)open, need no shared state, and the same
 * (seed, kind, a, id) gives the same numbers on every rank and thread: this
 * is what makes networks identical for any decomposition. Keep `a` < 2^24.
 */
#ifndef AXON_RNG_H
#define AXON_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "axon/spec.h"

/* What a stream is for (upper byte of counter word 1). */
typedef enum ax_rng_kind {
    AX_RNG_CONN = 1,     /* connection rule draws, a = projection, id = target (or source) gid */
    AX_RNG_WEIGHT = 2,   /* a = projection, id = target gid */
    AX_RNG_DELAY = 3,    /* a = projection, id = target gid */
    AX_RNG_INIT = 4,     /* initial state, a = population * 256 + variable, id = gid */
    AX_RNG_POISSON = 5,  /* a = device, id = target gid; draws counted by step */
    AX_RNG_CONN_SPLIT = 6, /* decomposition-independent count splits (fixed_total_number) */
    AX_RNG_USER = 7,     /* sampling, sweeps: a = task kind, id = task id */
    AX_RNG_SOURCE = 8,   /* spike trains drawn before a run (NIR Poisson inputs): a = population
                          * (or input) index, id = neuron index; draws counted by step */
    AX_RNG_POISSON_SOURCE = 9, /* spike_source_poisson populations: id = gid; blocks of 4 steps */
} ax_rng_kind;

/* Words are made AX_RNG_BATCH blocks at a time once a stream has used its
 * first block (one block first: most streams are short), so the rounds run
 * across blocks in vector registers: 8 blocks are one 512-bit register per
 * word with AVX-512 (two with AVX2; 4 blocks cost 22 % more instructions per
 * word there). The words and their order are those of one block at a time. */
#define AX_RNG_BATCH 8
typedef struct ax_rng {
    uint32_t key[2];
    uint32_t ctr[4];    /* ctr[0]: the next block to make */
    uint32_t first;     /* the block the stream was opened or sought at */
    int left;           /* unused words in buf */
    int n;              /* words in buf */
    uint32_t buf[4 * AX_RNG_BATCH];
} ax_rng;

/* Open a stream. Can't fail. */
void ax_rng_open(ax_rng *r, uint64_t seed, ax_rng_kind kind, uint32_t a, uint64_t id);

/* Skip to draw block `block` of the stream (each block = 4 words). */
void ax_rng_seek(ax_rng *r, uint64_t block);

/* Make the next words (rng.c). */
void ax_rng_refill(ax_rng *r);

/* The hot draws are inline: a build draws several per synapse. */
static inline uint32_t ax_rng_u32(ax_rng *r)
{
    if (__builtin_expect(r->left == 0, 0)) ax_rng_refill(r);
    return r->buf[r->n - r->left--];
}

static inline uint64_t ax_rng_u64(ax_rng *r)
{
    uint64_t lo = ax_rng_u32(r);
    uint64_t hi = ax_rng_u32(r);
    return lo | (hi << 32);
}

/* Uniform on (0, 1) with 53 random bits; never 0 or 1. */
static inline double ax_rng_uniform(ax_rng *r)
{
    /* Centre of one of 2^53 equal cells: symmetric, never 0 or 1. */
    return ((double)(ax_rng_u64(r) >> 11) + 0.5) * 0x1.0p-53;
}

/* Uniform integer in [0, n), unbiased; n >= 1 (rng.c: n >= 2^32). */
uint64_t ax_rng_below_wide(ax_rng *r, uint64_t n);
static inline uint64_t ax_rng_below(ax_rng *r, uint64_t n)
{
    /* Lemire's multiply-shift with rejection of the short cells: unbiased,
     * and almost always a single multiply. */
    if (__builtin_expect(n > UINT32_MAX, 0)) return ax_rng_below_wide(r, n);
    uint32_t n32 = (uint32_t)n;
    uint64_t m = (uint64_t)ax_rng_u32(r) * n32;
    if (__builtin_expect((uint32_t)m < n32, 0)) {
        uint32_t t = (uint32_t)(-n32) % n32;
        while ((uint32_t)m < t) m = (uint64_t)ax_rng_u32(r) * n32;
    }
    return m >> 32;
}
double ax_rng_normal(ax_rng *r);                    /* standard normal */

/* GSL's ziggurat (gsl_ran_gaussian_ziggurat, what ax_rng_normal draws)
 * takes one word k per try and returns at once, without a further word,
 * when j = k >> 8 is below a threshold of its step i = k & 0x7f (~99 % of
 * draws): the value is then +-j times the step's width. ax_rng_zig()
 * measures both tables of the linked GSL once (rng.c: it feeds chosen
 * words to GSL's own function, and checks the result on every step's
 * threshold), so ax_rng_normal_z() returns those draws inline and hands the
 * others, the word still unread, to GSL: the same values and the same
 * stream positions as ax_rng_normal. If the check fails (another GSL), all
 * thresholds are 0 and every draw goes to GSL. */
typedef struct ax_zig {
    uint32_t k[128];    /* threshold of step i: j < k[i] returns at once */
    double w[128];      /* width of step i: the value is +-(double)j * w[i] */
} ax_zig;
const ax_zig *ax_rng_zig(void);         /* measured once per process; thread-safe */
double ax_rng_normal_gsl(ax_rng *r);    /* GSL's ziggurat on the stream */
static inline double ax_rng_normal_z(ax_rng *r, const ax_zig *z)
{
    if (__builtin_expect(r->left == 0, 0)) ax_rng_refill(r);
    const uint32_t k = r->buf[r->n - r->left], i = k & 0x7f, j = k >> 8;
    if (__builtin_expect(j < z->k[i], 1)) {
        r->left--;
        const double sign = (k & 0x80) ? 1.0 : -1.0;
        return sign * 1.0 * ((double)j * z->w[i]); /* GSL: sign * sigma * x, sigma = 1 */
    }
    return ax_rng_normal_gsl(r);
}
/* NEST's normal_clipped: mean + std * N(0, 1), redrawn until strictly
 * inside (low, high) (the spec loader guarantees the window has mass), its
 * normals from ax_rng_normal_z. */
static inline double ax_rng_normal_clipped_z(ax_rng *r, const ax_zig *z, double mean, double std,
                                             double low, double high)
{
    double x;
    do x = mean + std * ax_rng_normal_z(r, z);
    while (!(x > low && x < high));
    return x;
}
uint64_t ax_rng_binomial(ax_rng *r, double p, uint64_t n);
uint64_t ax_rng_poisson(ax_rng *r, double mu);

/* One value of a spec distribution (normal_clipped redraws until inside). */
double ax_rng_dist(ax_rng *r, const ax_dist *d);

/* Stateless block: the 4 words of Philox(key = seed, ctr = {c0, c1, c2, c3}).
 * For per-(target, step) draws without keeping stream state. */
void ax_philox4(uint64_t seed, uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t out[4]);

/* The ten Philox4x32 rounds on one block (x0..x3 in, the block out) with
 * key (k0, k1): what ax_philox4 computes, for the loops that run many blocks
 * side by side in vector registers (stream refills, Poisson generators).
 * Always inlined, so such a loop compiles as if the rounds were written in
 * it. */
static inline __attribute__((always_inline)) void
ax_philox_rounds(uint32_t *x0, uint32_t *x1, uint32_t *x2, uint32_t *x3, uint32_t k0, uint32_t k1)
{
    uint32_t a0 = *x0, a1 = *x1, a2 = *x2, a3 = *x3;
    for (int q = 0; q < 10; q++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * a0, p1 = (uint64_t)0xCD9E8D57u * a2;
        uint32_t y0 = (uint32_t)(p1 >> 32) ^ a1 ^ k0, y2 = (uint32_t)(p0 >> 32) ^ a3 ^ k1;
        a1 = (uint32_t)p1;
        a3 = (uint32_t)p0;
        a0 = y0;
        a2 = y2;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    *x0 = a0, *x1 = a1, *x2 = a2, *x3 = a3;
}

/* A gsl_rng whose state is an ax_rng, so every gsl_ran_* distribution can
 * draw from a counter-based stream. ax_rng_of_gsl() gives the state to
 * re-open it in place (no allocation per stream). */
extern const gsl_rng_type *ax_gsl_rng_philox;
ax_rng *ax_rng_of_gsl(gsl_rng *g);

#endif
