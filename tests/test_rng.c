/* test_rng.c - counter-based streams (src/connect/rng.c).
 *
 * Known-answer vectors of Random123 Philox4x32-10, the stream layout (key =
 * seed, counter = {block, kind<<24|a, id}), reproducibility and seek, and the
 * statistics of every distribution with fixed seeds and bounds of about five
 * standard errors (deterministic: a fixed seed passes or fails forever).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <gsl/gsl_randist.h>

#include "axon/rng.h"

/* Random123's kat_vectors for philox4x32 with 10 rounds. */
static void test_kat(void)
{
    uint32_t o[4];
    ax_philox4(0, 0, 0, 0, 0, o);
    CU_ASSERT_EQUAL(o[0], 0x6627e8d5u);
    CU_ASSERT_EQUAL(o[1], 0xe169c58du);
    CU_ASSERT_EQUAL(o[2], 0xbc57ac4cu);
    CU_ASSERT_EQUAL(o[3], 0x9b00dbd8u);
    ax_philox4(UINT64_MAX, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, o);
    CU_ASSERT_EQUAL(o[0], 0x408f276du);
    CU_ASSERT_EQUAL(o[3], 0x6d5451fdu);
    /* key words (0xa4093822, 0x299f31d0): the seed's low word is key[0] */
    ax_philox4(0x299f31d0a4093822ull, 0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, o);
    CU_ASSERT_EQUAL(o[0], 0xd16cfe09u);
    CU_ASSERT_EQUAL(o[1], 0x94fdccebu);
    CU_ASSERT_EQUAL(o[2], 0x5001e420u);
    CU_ASSERT_EQUAL(o[3], 0x24126ea1u);
}

/* A stream's words are Philox blocks of counter {block, kind<<24|a, id lo, id hi}. */
static void test_layout_and_seek(void)
{
    uint64_t seed = 0x0123456789abcdefull, id = 0x0000000500000007ull;
    ax_rng r;
    ax_rng_open(&r, seed, AX_RNG_WEIGHT, 42, id);
    /* blocks are made one, then AX_RNG_BATCH at a time (rng.c): 41 blocks
     * cross ten batches, and each word is still block b's word i */
    for (uint32_t b = 0; b < 41; b++) {
        uint32_t o[4];
        ax_philox4(seed, b, (2u << 24) | 42u, 7u, 5u, o);
        for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(ax_rng_u32(&r), o[i]);
    }
    /* seek lands on the same words as drawing through */
    ax_rng a, s;
    ax_rng_open(&a, 99, AX_RNG_CONN, 3, 1000);
    ax_rng_open(&s, 99, AX_RNG_CONN, 3, 1000);
    uint32_t ref[40];
    for (int i = 0; i < 40; i++) ref[i] = ax_rng_u32(&a);
    ax_rng_seek(&s, 7);
    for (int i = 28; i < 40; i++) CU_ASSERT_EQUAL(ax_rng_u32(&s), ref[i]);
    ax_rng_seek(&s, 0);
    for (int i = 0; i < 40; i++) CU_ASSERT_EQUAL(ax_rng_u32(&s), ref[i]);
    ax_rng_seek(&s, 2); /* a seek inside a batch: the next words are block 2's */
    for (int i = 8; i < 40; i++) CU_ASSERT_EQUAL(ax_rng_u32(&s), ref[i]);
    /* u64 = two consecutive words, the first the low half */
    ax_rng_open(&a, 99, AX_RNG_CONN, 3, 1000);
    CU_ASSERT_EQUAL(ax_rng_u64(&a), (uint64_t)ref[0] | ((uint64_t)ref[1] << 32));
}

/* Same key, same stream; any changed key part, another stream. */
static void test_reproducible(void)
{
    ax_rng a, b;
    ax_rng_open(&a, 7, AX_RNG_CONN, 1, 10);
    ax_rng_open(&b, 7, AX_RNG_CONN, 1, 10);
    int same = 1;
    for (int i = 0; i < 1000; i++) same &= ax_rng_uniform(&a) == ax_rng_uniform(&b);
    CU_ASSERT(same);
    const struct { uint64_t seed; ax_rng_kind kind; uint32_t a; uint64_t id; } other[] = {
        {8, AX_RNG_CONN, 1, 10}, {7, AX_RNG_WEIGHT, 1, 10}, {7, AX_RNG_CONN, 2, 10},
        {7, AX_RNG_CONN, 1, 11}, {7, AX_RNG_CONN, 1, 10 + (1ull << 32)},
    };
    for (size_t k = 0; k < sizeof other / sizeof other[0]; k++) {
        ax_rng_open(&a, 7, AX_RNG_CONN, 1, 10);
        ax_rng_open(&b, other[k].seed, other[k].kind, other[k].a, other[k].id);
        int equal = 0;
        for (int i = 0; i < 100; i++) equal += ax_rng_u32(&a) == ax_rng_u32(&b);
        CU_ASSERT(equal < 3);
    }
}

/* Chi-square with 99 degrees of freedom: mean 99, sd 14; bound 99 + 5 sd. */
static void test_uniform_chi2(void)
{
    enum { BINS = 100, N = 1000000 };
    static long cnt[BINS];
    ax_rng r;
    ax_rng_open(&r, 12345, AX_RNG_USER, 0, 0);
    double lo = 1, hi = 0;
    for (int i = 0; i < N; i++) {
        double u = ax_rng_uniform(&r);
        lo = fmin(lo, u);
        hi = fmax(hi, u);
        cnt[(int)(u * BINS)]++;
    }
    CU_ASSERT(lo > 0.0 && hi < 1.0);
    double chi2 = 0, e = (double)N / BINS;
    for (int b = 0; b < BINS; b++) chi2 += (cnt[b] - e) * (cnt[b] - e) / e;
    CU_ASSERT(chi2 < 99 + 5 * 14.1);
    CU_ASSERT(chi2 > 99 - 5 * 14.1);
}

/* below(n): in range and uniform for a small n, a non-power-of-two n near
 * 2^32 (where a biased modulo would show) and a 64-bit n. */
static void test_below(void)
{
    ax_rng r;
    ax_rng_open(&r, 1, AX_RNG_USER, 1, 0);
    enum { N = 700000 };
    long cnt[7] = {0};
    for (int i = 0; i < N; i++) cnt[ax_rng_below(&r, 7)]++;
    double chi2 = 0, e = N / 7.0;
    for (int b = 0; b < 7; b++) chi2 += (cnt[b] - e) * (cnt[b] - e) / e;
    CU_ASSERT(chi2 < 6 + 5 * 3.5);
    /* n = 3*2^30: plain u32 % n would put 2/3 of the mass in the lower
     * third; unbiased gives 1/3 in each third. */
    uint64_t n = 3ull << 30;
    long third[3] = {0};
    for (int i = 0; i < 300000; i++) {
        uint64_t x = ax_rng_below(&r, n);
        CU_ASSERT_FATAL(x < n);
        third[x / (1ull << 30)]++;
    }
    for (int b = 0; b < 3; b++) CU_ASSERT(labs(third[b] - 100000) < 5 * 258);
    uint64_t big = (1ull << 40) + 12345, sum_hi = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t x = ax_rng_below(&r, big);
        CU_ASSERT_FATAL(x < big);
        sum_hi += x >= big / 2;
    }
    CU_ASSERT(fabs((double)sum_hi - 50000) < 5 * 158);
    CU_ASSERT_EQUAL(ax_rng_below(&r, 1), 0);
}

/* Streams of neighbouring ids are uncorrelated: |r| < 5/sqrt(n). */
static void test_independent_ids(void)
{
    enum { N = 100000 };
    for (uint64_t id = 0; id < 4; id++) {
        ax_rng a, b;
        ax_rng_open(&a, 2024, AX_RNG_CONN, 0, id);
        ax_rng_open(&b, 2024, AX_RNG_CONN, 0, id + 1);
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        for (int i = 0; i < N; i++) {
            double x = ax_rng_uniform(&a), y = ax_rng_uniform(&b);
            sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y;
        }
        double cov = sab / N - sa / N * sb / N;
        double rho = cov / sqrt((saa / N - sa / N * sa / N) * (sbb / N - sb / N * sb / N));
        CU_ASSERT(fabs(rho) < 5.0 / sqrt(N));
    }
}

/* Sample moments of n values drawn by f. */
typedef struct moments { double mean, var, skew, kurt; } moments;

static moments sample(double (*f)(ax_rng *, const void *), const void *arg, int n, uint64_t id)
{
    ax_rng r;
    ax_rng_open(&r, 777, AX_RNG_USER, 9, id);
    double *x = malloc((size_t)n * sizeof *x), m = 0;
    for (int i = 0; i < n; i++) m += (x[i] = f(&r, arg));
    m /= n;
    double m2 = 0, m3 = 0, m4 = 0;
    for (int i = 0; i < n; i++) {
        double d = x[i] - m;
        m2 += d * d; m3 += d * d * d; m4 += d * d * d * d;
    }
    free(x);
    m2 /= n; m3 /= n; m4 /= n;
    return (moments){m, m2, m3 / pow(m2, 1.5), m4 / (m2 * m2)};
}

static double f_normal(ax_rng *r, const void *arg) { (void)arg; return ax_rng_normal(r); }

static void test_normal(void)
{
    int n = 400000;
    moments s = sample(f_normal, NULL, n, 0);
    CU_ASSERT(fabs(s.mean) < 5 / sqrt(n));
    CU_ASSERT(fabs(s.var - 1) < 5 * sqrt(2.0 / n));
    CU_ASSERT(fabs(s.skew) < 5 * sqrt(6.0 / n));
    CU_ASSERT(fabs(s.kurt - 3) < 5 * sqrt(24.0 / n));
}

/* The inline ziggurat path (ax_rng_normal_z, tables measured from the
 * linked GSL) gives GSL's own value and stream position on every draw, and
 * is on: this GSL accepts most words at once. A wrong threshold or width
 * shows as a different value or position here. */
static void test_normal_fast_path(void)
{
    const ax_zig *z = ax_rng_zig();
    int on = 0;
    for (int i = 0; i < 128; i++) on += z->k[i] > (1u << 23);
    CU_ASSERT(on >= 120);
    long fast = 0, n = 0;
    for (uint64_t id = 0; id < 16; id++) {
        ax_rng a, b;
        ax_rng_open(&a, 12345 + id, AX_RNG_WEIGHT, 3, id);
        ax_rng_open(&b, 12345 + id, AX_RNG_WEIGHT, 3, id);
        for (int i = 0; i < 100000; i++, n++) {
            uint32_t next = a.left ? a.buf[a.n - a.left] : 0;
            double x = ax_rng_normal_z(&a, z), y = ax_rng_normal_gsl(&b);
            fast += a.left && (next >> 8) < z->k[next & 0x7f];
            if (memcmp(&x, &y, sizeof x) || a.ctr[0] != b.ctr[0] || a.left != b.left) {
                CU_FAIL("inline ziggurat differs from GSL's");
                return;
            }
        }
    }
    CU_ASSERT(fast > n / 2); /* the inline path did the work */
}

typedef struct binarg { double p; uint64_t n; } binarg;

static double f_binomial(ax_rng *r, const void *arg)
{
    const binarg *b = arg;
    return (double)ax_rng_binomial(r, b->p, b->n);
}

/* Mean and variance within 5 standard errors (variance's s.e. from the
 * fourth central moment mu4 of the distribution). */
static void check_mv(moments s, int n, double mean, double var, double mu4)
{
    CU_ASSERT(fabs(s.mean - mean) < 5 * sqrt(var / n));
    CU_ASSERT(fabs(s.var - var) < 5 * sqrt((mu4 - var * var) / n));
}

static void test_binomial(void)
{
    const binarg cases[] = {{0.3, 20}, {0.5, 1000}, {0.001, 5000000000ull}, {0.97, 40}};
    int n = 100000;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        double p = cases[k].p, N = (double)cases[k].n, v = N * p * (1 - p);
        moments s = sample(f_binomial, &cases[k], k == 2 ? 2000 : n, k);
        check_mv(s, k == 2 ? 2000 : n, N * p, v, 3 * v * v + v * (1 - 6 * p * (1 - p)));
    }
    ax_rng r;
    ax_rng_open(&r, 1, AX_RNG_USER, 0, 0);
    CU_ASSERT_EQUAL(ax_rng_binomial(&r, 0.0, 10), 0);
    CU_ASSERT_EQUAL(ax_rng_binomial(&r, 1.0, 10), 10);
    CU_ASSERT_EQUAL(ax_rng_binomial(&r, 0.5, 0), 0);
}

static double f_poisson(ax_rng *r, const void *arg)
{
    return (double)ax_rng_poisson(r, *(const double *)arg);
}

static void test_poisson(void)
{
    const double mus[] = {0.05, 3.0, 9.9, 10.0, 250.0};
    int n = 100000;
    for (size_t k = 0; k < sizeof mus / sizeof mus[0]; k++) {
        double mu = mus[k];
        moments s = sample(f_poisson, &mus[k], n, 100 + k);
        check_mv(s, n, mu, mu, mu * (1 + 3 * mu));
    }
    ax_rng r;
    ax_rng_open(&r, 1, AX_RNG_USER, 0, 0);
    CU_ASSERT_EQUAL(ax_rng_poisson(&r, 0.0), 0);
}

static double f_dist(ax_rng *r, const void *arg) { return ax_rng_dist(r, arg); }

static void test_dist(void)
{
    int n = 200000;
    ax_dist c = {.kind = AX_DIST_CONST, .value = 2.5};
    ax_rng r;
    ax_rng_open(&r, 1, AX_RNG_USER, 0, 0);
    CU_ASSERT_EQUAL(ax_rng_dist(&r, &c), 2.5);
    CU_ASSERT_EQUAL(r.left, 0); /* a constant draws nothing */

    ax_dist u = {.kind = AX_DIST_UNIFORM, .low = -1.0, .high = 3.0};
    moments s = sample(f_dist, &u, n, 1);
    check_mv(s, n, 1.0, 16.0 / 12, 256.0 / 80);

    ax_dist g = {.kind = AX_DIST_NORMAL, .mean = 5.0, .std = 2.0};
    s = sample(f_dist, &g, n, 2);
    check_mv(s, n, 5.0, 4.0, 48.0);

    /* clipped to (0, 1.5) around mean 1: every value inside; the mean of
     * the truncated normal N(1, 1) on (0, 1.5) is 1 - (phi(.5)-phi(-1))/Z */
    ax_dist nc = {.kind = AX_DIST_NORMAL_CLIPPED, .mean = 1.0, .std = 1.0, .low = 0.0, .high = 1.5};
    ax_rng_open(&r, 3, AX_RNG_USER, 0, 0);
    double sum = 0, lo = 1e9, hi = -1e9;
    for (int i = 0; i < n; i++) {
        double x = ax_rng_dist(&r, &nc);
        sum += x; lo = fmin(lo, x); hi = fmax(hi, x);
    }
    CU_ASSERT(lo > 0.0 && hi < 1.5);
    double phi_a = exp(-0.5) / sqrt(2 * M_PI), phi_b = exp(-0.125) / sqrt(2 * M_PI);
    double z = 0.5 * (erf(0.5 / sqrt(2)) - erf(-1 / sqrt(2)));
    double mean = 1 - (phi_b - phi_a) / z;
    CU_ASSERT(fabs(sum / n - mean) < 5 * 0.45 / sqrt(n));
}

/* gsl_rng adapter: same words as the stream it wraps, usable by gsl_ran_*. */
static void test_gsl_adapter(void)
{
    gsl_rng *g = gsl_rng_alloc(ax_gsl_rng_philox);
    CU_ASSERT_FATAL(g != NULL);
    CU_ASSERT_EQUAL(gsl_rng_max(g), 0xFFFFFFFFUL);
    ax_rng ref;
    ax_rng_open(ax_rng_of_gsl(g), 55, AX_RNG_POISSON, 4, 17);
    ax_rng_open(&ref, 55, AX_RNG_POISSON, 4, 17);
    for (int i = 0; i < 10; i++) CU_ASSERT_EQUAL(gsl_rng_get(g), ax_rng_u32(&ref));
    double u = gsl_rng_uniform(g);
    CU_ASSERT(u == ax_rng_uniform(&ref));
    double sum = 0;
    int n = 100000;
    for (int i = 0; i < n; i++) sum += gsl_ran_exponential(g, 2.0);
    CU_ASSERT(fabs(sum / n - 2.0) < 5 * 2.0 / sqrt(n));
    gsl_rng_free(g);
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("rng", NULL, NULL);
    CU_add_test(s, "philox4x32-10 known answers", test_kat);
    CU_add_test(s, "stream layout and seek", test_layout_and_seek);
    CU_add_test(s, "reproducible, keys separate", test_reproducible);
    CU_add_test(s, "uniform chi-square", test_uniform_chi2);
    CU_add_test(s, "below unbiased", test_below);
    CU_add_test(s, "independent ids", test_independent_ids);
    CU_add_test(s, "normal moments", test_normal);
    CU_add_test(s, "normal inline = GSL", test_normal_fast_path);
    CU_add_test(s, "binomial moments", test_binomial);
    CU_add_test(s, "poisson moments", test_poisson);
    CU_add_test(s, "spec distributions", test_dist);
    CU_add_test(s, "gsl adapter", test_gsl_adapter);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
