/* rng.c - counter-based random streams on Random123 Philox4x32-10.
 *
 * A stream (include/axon/rng.h) is Philox with key = seed (two 32-bit words,
 * low first) and counter = {block, kind << 24 | a, id low, id high}. Word 0
 * counts 4-word blocks, so a stream holds 2^34 words before it wraps (never
 * reached: the longest stream axon draws is one neuron's connection draws).
 * Words of a block are consumed in order buf[0], buf[1], ...; a u64 is two
 * consecutive words, the first one the low half.
 *
 * Invariants: no global mutable state (every function is reentrant; the
 * ziggurat tables measured from GSL are written once, under pthread_once,
 * and only read after), and a
 * stream's output depends only on (seed, kind, a, id) and how many words
 * were drawn before: the property every decomposition-independent use of
 * randomness in axon rests on. Distributions that GSL already implements
 * exactly (ziggurat normal, BTPE binomial, large-mean Poisson) are drawn
 * through the gsl_rng adapter below so they too come from the stream.
 */
#include "axon/rng.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

#include <Random123/philox.h>
#include <gsl/gsl_randist.h>

void ax_philox4(uint64_t seed, uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t out[4])
{
    philox4x32_ctr_t c = {{c0, c1, c2, c3}};
    philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    philox4x32_ctr_t r = philox4x32(c, k);
    for (int i = 0; i < 4; i++) out[i] = r.v[i];
}

/* Philox4x32-10 of nb consecutive counter blocks starting at ctr (word 0
 * counts), written block after block to out: the same function as
 * philox4x32() (tests/test_rng.c compares), over arrays so the compiler
 * runs the rounds of the blocks side by side in vector registers. */
static inline __attribute__((always_inline)) void
philox_blocks(const uint32_t key[2], const uint32_t ctr[4], const int nb, uint32_t *restrict out)
{
    uint32_t x0[4 * AX_RNG_BATCH], x1[4 * AX_RNG_BATCH], x2[4 * AX_RNG_BATCH], x3[4 * AX_RNG_BATCH];
    #pragma omp simd
    for (int j = 0; j < nb; j++) {
        uint32_t a0 = ctr[0] + (uint32_t)j, a1 = ctr[1], a2 = ctr[2], a3 = ctr[3];
        ax_philox_rounds(&a0, &a1, &a2, &a3, key[0], key[1]);
        x0[j] = a0, x1[j] = a1, x2[j] = a2, x3[j] = a3;
    }
    for (int j = 0; j < nb; j++)
        out[4 * j] = x0[j], out[4 * j + 1] = x1[j], out[4 * j + 2] = x2[j], out[4 * j + 3] = x3[j];
}

void ax_rng_refill(ax_rng *r)
{
    /* the stream's first block alone (short streams: a target's few
     * weights), then AX_RNG_BATCH at a time */
    if (r->ctr[0] == r->first) {
        philox_blocks(r->key, r->ctr, 1, r->buf);
        r->ctr[0] += 1;
        r->n = r->left = 4;
        return;
    }
    philox_blocks(r->key, r->ctr, AX_RNG_BATCH, r->buf);
    r->ctr[0] += AX_RNG_BATCH;
    r->n = r->left = 4 * AX_RNG_BATCH;
}

void ax_rng_open(ax_rng *r, uint64_t seed, ax_rng_kind kind, uint32_t a, uint64_t id)
{
    r->key[0] = (uint32_t)seed;
    r->key[1] = (uint32_t)(seed >> 32);
    r->ctr[0] = 0;
    r->ctr[1] = ((uint32_t)kind << 24) | (a & 0xFFFFFFu);
    r->ctr[2] = (uint32_t)id;
    r->ctr[3] = (uint32_t)(id >> 32);
    r->first = 0;
    r->left = r->n = 0;
}

void ax_rng_seek(ax_rng *r, uint64_t block)
{
    r->ctr[0] = (uint32_t)block;
    r->first = (uint32_t)block;
    r->left = r->n = 0;
}

uint64_t ax_rng_below_wide(ax_rng *r, uint64_t n)
{
    unsigned __int128 m = (unsigned __int128)ax_rng_u64(r) * n;
    if ((uint64_t)m < n) {
        uint64_t t = (-n) % n;
        while ((uint64_t)m < t) m = (unsigned __int128)ax_rng_u64(r) * n;
    }
    return (uint64_t)(m >> 64);
}

/* ---- gsl_rng adapter: the state is an ax_rng ------------------------------ */

static void gsl_set(void *state, unsigned long seed)
{
    ax_rng_open(state, (uint64_t)seed, AX_RNG_USER, 0, 0);
}

static unsigned long gsl_get(void *state) { return ax_rng_u32(state); } /* inline: one call, not two */

static double gsl_get_double(void *state) { return ax_rng_uniform(state); }

static const gsl_rng_type philox_type = {
    "ax_philox4x32", 0xFFFFFFFFUL, 0, sizeof(ax_rng), gsl_set, gsl_get, gsl_get_double,
};

const gsl_rng_type *ax_gsl_rng_philox = &philox_type;

ax_rng *ax_rng_of_gsl(gsl_rng *g) { return (ax_rng *)g->state; }

/* A gsl_rng on the stack that draws from r (no allocation). */
#define AX_GSL_VIEW(name, r) gsl_rng name = {&philox_type, (r)}

/* ---- distributions ------------------------------------------------------- */

double ax_rng_normal_gsl(ax_rng *r)
{
    /* Marsaglia-Tsang ziggurat (GSL's): about 1.02 u32 per draw on average,
     * no state beyond the stream, so any stream position gives one value. */
    AX_GSL_VIEW(g, r);
    return gsl_ran_gaussian_ziggurat(&g, 1.0);
}

double ax_rng_normal(ax_rng *r) { return ax_rng_normal_z(r, ax_rng_zig()); }

/* ---- the ziggurat's fast path, measured from GSL -------------------------- */

/* A gsl_rng that returns a chosen first word, then words that GSL's
 * ziggurat accepts at once (step 1..127 in turn, j = 0), and 0.5 for
 * uniforms; it counts what GSL drew. */
typedef struct probe {
    uint32_t first;
    int words, uniforms;
} probe;

static unsigned long probe_get(void *state)
{
    probe *p = state;
    int n = p->words++;
    return n == 0 ? p->first : 0x80u | (uint32_t)(1 + (n - 1) % 127);
}

static double probe_get_double(void *state)
{
    ((probe *)state)->uniforms++;
    return 0.5;
}

static void probe_set(void *state, unsigned long seed) { (void)state; (void)seed; }

static const gsl_rng_type probe_type = {
    "ax_zig_probe", 0xFFFFFFFFUL, 0, sizeof(probe), probe_set, probe_get, probe_get_double,
};

/* GSL's ziggurat on word k: its value, and whether it took k alone. */
static double probe_draw(uint32_t k, int *alone)
{
    probe p = {k, 0, 0};
    gsl_rng g = {&probe_type, &p};
    double x = gsl_ran_gaussian_ziggurat(&g, 1.0);
    *alone = p.words == 1 && p.uniforms == 0;
    return x;
}

static uint32_t zig_word(uint32_t i, uint32_t j) { return j << 8 | i; }

/* Every step, both signs, at j = 0, 1, 2, the threshold's neighbours, the
 * top and 62 j between: the fast path must give GSL's value bit for bit
 * where it applies, and GSL must need more than the word where it does not. */
static int zig_agrees(const ax_zig *z)
{
    for (uint32_t i = 0; i < 256; i++) {
        const uint32_t s = i & 0x7f, kt = z->k[s];
        uint32_t js[8 + 64] = {0, 1, 2, kt > 0 ? kt - 1 : 0, kt, kt + 1 < (1u << 24) ? kt + 1 : kt,
                               (1u << 24) - 1, (1u << 24) - 2};
        for (int q = 0; q < 64; q++) js[8 + q] = (uint32_t)q * 262139u + 7u;
        for (int q = 0; q < 72; q++) {
            const uint32_t j = js[q] & 0xFFFFFFu, k = zig_word(i, j);
            int alone;
            double x = probe_draw(k, &alone);
            if (alone != (j < kt)) return 0;
            if (!alone) continue;
            ax_rng r = {.left = 1, .n = 1, .buf = {k}};
            double y = ax_rng_normal_z(&r, z);
            if (memcmp(&x, &y, sizeof x) || r.left != 0) return 0;
        }
    }
    return 1;
}

static ax_zig zig;
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void zig_measure(void)
{
    for (uint32_t s = 0; s < 128; s++) {
        /* threshold: the first j that GSL does not accept on the word alone */
        uint32_t lo = 0, hi = 1u << 24;
        int alone;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            probe_draw(zig_word(0x80u | s, mid), &alone);
            if (alone) lo = mid + 1;
            else hi = mid;
        }
        zig.k[s] = lo;
        /* width: the value at j = 1, positive sign, is 1 * w exactly */
        double x = probe_draw(zig_word(0x80u | s, 1), &alone);
        zig.w[s] = lo > 1 && alone ? x : 0.0;
    }
    if (!zig_agrees(&zig)) memset(zig.k, 0, sizeof zig.k); /* another GSL: always ask it */
}

const ax_zig *ax_rng_zig(void)
{
    pthread_once(&zig_once, zig_measure);
    return &zig;
}

uint64_t ax_rng_binomial(ax_rng *r, double p, uint64_t n)
{
    if (n == 0 || !(p > 0.0)) return 0;
    if (p >= 1.0) return n;
    /* GSL's exact BTPE takes an unsigned int n: a sum of independent
     * binomials with the same p is binomial, so split larger n. */
    AX_GSL_VIEW(g, r);
    const uint64_t chunk = 1u << 31;
    uint64_t k = 0;
    while (n > chunk) {
        k += gsl_ran_binomial(&g, p, (unsigned int)chunk);
        n -= chunk;
    }
    return k + gsl_ran_binomial(&g, p, (unsigned int)n);
}

uint64_t ax_rng_poisson(ax_rng *r, double mu)
{
    if (!(mu > 0.0)) return 0;
    if (mu < 10.0) {
        /* Inversion by sequential search: one uniform, O(mu) steps. The
         * p > 0 guard ends the search if rounding leaves cdf just below u. */
        double u = ax_rng_uniform(r), p = exp(-mu), cdf = p;
        uint64_t k = 0;
        while (u > cdf && p > 0.0) {
            k++;
            p *= mu / (double)k;
            cdf += p;
        }
        return k;
    }
    /* Exact for large mu (Ahrens-Dieter gamma reduction + binomial). */
    AX_GSL_VIEW(g, r);
    return gsl_ran_poisson(&g, mu);
}

double ax_rng_dist(ax_rng *r, const ax_dist *d)
{
    switch (d->kind) {
    case AX_DIST_CONST:
        return d->value;
    case AX_DIST_UNIFORM:
        return d->low + (d->high - d->low) * ax_rng_uniform(r);
    case AX_DIST_NORMAL:
        return d->mean + d->std * ax_rng_normal(r);
    case AX_DIST_NORMAL_CLIPPED: /* NEST's normal_clipped */
        return ax_rng_normal_clipped_z(r, ax_rng_zig(), d->mean, d->std, d->low, d->high);
    }
    return d->value;
}
