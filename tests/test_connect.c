/* test_connect.c - connection rules (src/connect/connect.c).
 *
 * Specs are built by hand (no parser). For every rule: the counts the rule
 * defines exactly (in/out-degree, totals), random counts within five binomial
 * standard deviations (fixed seeds, so deterministic), autapse and multapse
 * flags, weight/delay distributions and receptors, and decomposition
 * independence: the per-target sequences of (source, weight, delay,
 * receptor) are identical for partitions 1x1, 1x2, 2x1, 2x2, 3x1. Also prints
 * the fixed_indegree build rate (synapses/s, one thread) for the record.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/Basic.h>

#include "axon/connect.h"

/* ---- hand-built specs ----------------------------------------------------- */

enum { MAX_POPS = 3 };

typedef struct net {
    ax_spec spec;
    ax_pop_spec pops[MAX_POPS];
    ax_proj_spec proj;
} net;

/* Populations of the given sizes (gids contiguous) and one projection
 * src -> tgt with constant weight 1, delay 1 ms, h = 0.1 ms. */
static void net_init(net *n, int n_pops, const int64_t *sizes, int src, int tgt, ax_rule rule)
{
    memset(n, 0, sizeof *n);
    int64_t first = 0;
    for (int i = 0; i < n_pops; i++) {
        snprintf(n->pops[i].name, AX_NAME_MAX, "P%d", i);
        n->pops[i].n = sizes[i];
        n->pops[i].first_gid = first;
        first += sizes[i];
    }
    n->proj = (ax_proj_spec){.src = src, .tgt = tgt, .rule = rule, .allow_autapses = 1,
                             .allow_multapses = 1, .receptor = AX_RECEPTOR_AUTO,
                             .weight = {.kind = AX_DIST_CONST, .value = 1.0},
                             .delay = {.kind = AX_DIST_CONST, .value = 1.0}};
    n->spec = (ax_spec){.sim = {.resolution = 0.1, .seed = 12345}, .n_pops = n_pops,
                        .pops = n->pops, .n_proj = 1, .proj = &n->proj, .n_total = first};
}

/* ---- collecting sink ------------------------------------------------------ */

typedef struct edge {
    int64_t src, tgt;
    double w;
    int32_t d;
    int rec;
    int64_t seq; /* position in the collection, to keep per-target order */
} edge;

typedef struct edges {
    edge *e;
    int64_t n, cap;
    int64_t vp, n_vp;   /* the VP being built, to check ownership */
    int64_t last_tgt;   /* for the ascending-target check */
    int bad_owner, bad_order;
} edges;

static ax_status collect(void *ctx, int64_t src, int64_t tgt, double w, int32_t d, int rec,
                         ax_error *err)
{
    edges *E = ctx;
    if (E->n == E->cap) {
        E->cap = E->cap ? 2 * E->cap : 1024;
        edge *p = realloc(E->e, (size_t)E->cap * sizeof *p);
        AX_CHECK_ALLOC(p, err, "test edges");
        E->e = p;
    }
    E->bad_owner += tgt % E->n_vp != E->vp;
    E->bad_order += tgt < E->last_tgt;
    E->last_tgt = tgt;
    E->e[E->n] = (edge){src, tgt, w, d, rec, E->n};
    E->n++;
    return AX_OK;
}

static int by_tgt_then_seq(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    if (x->tgt != y->tgt) return x->tgt < y->tgt ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* All edges of the projection for an R x T partition, every VP in turn,
 * sorted by target with each target's creation order kept. Returns the
 * status of the first failing VP. */
static ax_status build(const net *n, int R, int T, int n_receptors, edges *E, ax_error *err)
{
    memset(E, 0, sizeof *E);
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) {
            ax_partition part;
            ax_partition_init(&part, R, T, r, n->spec.n_total);
            E->vp = ax_part_vp_of(&part, r, t);
            E->n_vp = part.n_vp;
            E->last_tgt = -1;
            ax_status st = ax_connect_projection(&n->spec, 0, &part, E->vp, n_receptors, collect, E, err);
            if (st != AX_OK) return st;
        }
    if (E->n) qsort(E->e, (size_t)E->n, sizeof *E->e, by_tgt_then_seq);
    return AX_OK;
}

static edges build_ok(const net *n, int R, int T)
{
    edges E;
    ax_error err = {0};
    ax_status st = build(n, R, T, 2, &E, &err);
    CU_ASSERT_EQUAL(st, AX_OK);
    if (st != AX_OK) fprintf(stderr, "build failed: %s\n", err.msg);
    CU_ASSERT_EQUAL(E.bad_owner, 0);
    return E;
}

/* Count per gid of sources (by_src) or targets. */
static int64_t *degrees(const edges *E, int64_t n_total, int by_src)
{
    int64_t *c = calloc((size_t)n_total, sizeof *c);
    for (int64_t i = 0; i < E->n; i++) c[by_src ? E->e[i].src : E->e[i].tgt]++;
    return c;
}

static int64_t count_autapses(const edges *E)
{
    int64_t a = 0;
    for (int64_t i = 0; i < E->n; i++) a += E->e[i].src == E->e[i].tgt;
    return a;
}

/* Pairs (src, tgt) that occur more than once (E sorted by target). */
static int64_t count_multapses(const edges *E, int64_t n_total)
{
    char *seen = calloc((size_t)n_total, 1);
    int64_t m = 0;
    for (int64_t i = 0, j; i < E->n; i = j) {
        for (j = i; j < E->n && E->e[j].tgt == E->e[i].tgt; j++) {
            m += seen[E->e[j].src];
            seen[E->e[j].src] = 1;
        }
        for (int64_t q = i; q < j; q++) seen[E->e[q].src] = 0;
    }
    free(seen);
    return m;
}

/* Chi-square of counts c[lo..hi) against a flat expectation. */
static double chi2_flat(const int64_t *c, int64_t lo, int64_t hi)
{
    double tot = 0, x = 0;
    for (int64_t i = lo; i < hi; i++) tot += (double)c[i];
    double e = tot / (double)(hi - lo);
    for (int64_t i = lo; i < hi; i++) x += ((double)c[i] - e) * ((double)c[i] - e) / e;
    return x;
}

/* chi2 with df degrees of freedom below mean + 5 sd */
#define CHI2_OK(x, df) ((x) < (df) + 5.0 * sqrt(2.0 * (df)))

/* ---- deterministic rules ---------------------------------------------------- */

static void test_all_to_all(void)
{
    const int64_t sz[] = {37, 50};
    net n;
    net_init(&n, 2, sz, 0, 1, AX_RULE_ALL_TO_ALL);
    edges E = build_ok(&n, 1, 1);
    CU_ASSERT_EQUAL(E.n, 37 * 50);
    CU_ASSERT_EQUAL(count_multapses(&E, 87), 0);
    CU_ASSERT_EQUAL(E.bad_order, 0);
    int64_t *in = degrees(&E, 87, 0), *out = degrees(&E, 87, 1);
    for (int g = 0; g < 37; g++) CU_ASSERT_EQUAL(out[g], 50);
    for (int g = 37; g < 87; g++) CU_ASSERT_EQUAL(in[g], 37);
    /* sources ascending per target */
    for (int64_t i = 1; i < E.n; i++)
        if (E.e[i].tgt == E.e[i - 1].tgt) CU_ASSERT(E.e[i].src > E.e[i - 1].src);
    free(in); free(out); free(E.e);

    net_init(&n, 2, sz, 0, 0, AX_RULE_ALL_TO_ALL);
    n.proj.allow_autapses = 0;
    E = build_ok(&n, 2, 1);
    CU_ASSERT_EQUAL(E.n, 37 * 36);
    CU_ASSERT_EQUAL(count_autapses(&E), 0);
    free(E.e);
    n.proj.allow_autapses = 1;
    E = build_ok(&n, 1, 2);
    CU_ASSERT_EQUAL(E.n, 37 * 37);
    CU_ASSERT_EQUAL(count_autapses(&E), 37);
    free(E.e);
}

static void test_one_to_one(void)
{
    const int64_t sz[] = {40, 40, 7};
    net n;
    net_init(&n, 3, sz, 0, 1, AX_RULE_ONE_TO_ONE);
    edges E = build_ok(&n, 2, 2);
    CU_ASSERT_EQUAL(E.n, 40);
    for (int64_t i = 0; i < E.n; i++) CU_ASSERT_EQUAL(E.e[i].tgt, E.e[i].src + 40);
    free(E.e);
    net_init(&n, 3, sz, 1, 1, AX_RULE_ONE_TO_ONE);
    E = build_ok(&n, 1, 1);
    CU_ASSERT_EQUAL(E.n, 40);
    CU_ASSERT_EQUAL(count_autapses(&E), 40);
    free(E.e);
    n.proj.allow_autapses = 0;
    E = build_ok(&n, 1, 1);
    CU_ASSERT_EQUAL(E.n, 0);
    free(E.e);
    net_init(&n, 3, sz, 0, 2, AX_RULE_ONE_TO_ONE);
    ax_error err = {0};
    CU_ASSERT_EQUAL(build(&n, 1, 1, 2, &E, &err), AX_EINPUT);
    free(E.e);
}

/* ---- random rules ----------------------------------------------------------- */

static void test_pairwise_bernoulli(void)
{
    const int64_t sz[] = {400, 500};
    const double ps[] = {0.02, 0.1, 0.6};
    for (int k = 0; k < 3; k++) {
        double p = ps[k];
        net n;
        net_init(&n, 2, sz, 0, 1, AX_RULE_PAIRWISE_BERNOULLI);
        n.proj.p = p;
        edges E = build_ok(&n, 1, 1);
        double mean = 400.0 * 500 * p, sd = sqrt(mean * (1 - p));
        CU_ASSERT(fabs((double)E.n - mean) < 5 * sd);
        CU_ASSERT_EQUAL(count_multapses(&E, 900), 0);
        /* sources spread evenly: out-degrees flat */
        int64_t *out = degrees(&E, 900, 1);
        CU_ASSERT(CHI2_OK(chi2_flat(out, 0, 400), 399.0));
        free(out);
        free(E.e);
        /* within one population, autapses only when allowed */
        net_init(&n, 2, sz, 1, 1, AX_RULE_PAIRWISE_BERNOULLI);
        n.proj.p = p;
        n.proj.allow_autapses = 0;
        E = build_ok(&n, 1, 1);
        CU_ASSERT_EQUAL(count_autapses(&E), 0);
        free(E.e);
        n.proj.allow_autapses = 1;
        E = build_ok(&n, 1, 1);
        double am = 500 * p;
        CU_ASSERT(fabs((double)count_autapses(&E) - am) < 5 * sqrt(am * (1 - p)) + 1);
        free(E.e);
    }
}

static void test_fixed_indegree(void)
{
    const int64_t sz[] = {300, 200};
    net n;
    net_init(&n, 2, sz, 0, 1, AX_RULE_FIXED_INDEGREE);
    n.proj.k = 50;
    edges E = build_ok(&n, 1, 1);
    CU_ASSERT_EQUAL(E.n, 200 * 50);
    CU_ASSERT_EQUAL(E.bad_order, 0);
    int64_t *in = degrees(&E, 500, 0), *out = degrees(&E, 500, 1);
    for (int g = 300; g < 500; g++) CU_ASSERT_EQUAL(in[g], 50);
    CU_ASSERT(CHI2_OK(chi2_flat(out, 0, 300), 299.0));
    /* multapses allowed: expected pairs drawn twice ~ 200 * C(50,2)/300 */
    CU_ASSERT(count_multapses(&E, 500) > 0);
    free(in); free(out); free(E.e);

    /* no multapses, no autapses, k near the limit */
    net_init(&n, 2, sz, 1, 1, AX_RULE_FIXED_INDEGREE);
    n.proj.k = 180;
    n.proj.allow_multapses = 0;
    n.proj.allow_autapses = 0;
    E = build_ok(&n, 1, 1);
    CU_ASSERT_EQUAL(E.n, 200 * 180);
    CU_ASSERT_EQUAL(count_multapses(&E, 500), 0);
    CU_ASSERT_EQUAL(count_autapses(&E), 0);
    out = degrees(&E, 500, 1);
    CU_ASSERT(CHI2_OK(chi2_flat(out, 300, 500), 199.0));
    free(out); free(E.e);
    /* every allowed source exactly once when k = N - 1 */
    n.proj.k = 199;
    E = build_ok(&n, 1, 1);
    CU_ASSERT_EQUAL(E.n, 200 * 199);
    CU_ASSERT_EQUAL(count_multapses(&E, 500), 0);
    CU_ASSERT_EQUAL(count_autapses(&E), 0);
    free(E.e);
    n.proj.k = 200;
    ax_error err = {0};
    CU_ASSERT_EQUAL(build(&n, 1, 1, 2, &E, &err), AX_EINPUT);
    free(E.e);
}

static void test_fixed_outdegree(void)
{
    const int64_t sz[] = {300, 200};
    net n;
    net_init(&n, 2, sz, 0, 1, AX_RULE_FIXED_OUTDEGREE);
    n.proj.k = 40;
    edges E = build_ok(&n, 2, 2);
    CU_ASSERT_EQUAL(E.n, 300 * 40);
    int64_t *in = degrees(&E, 500, 0), *out = degrees(&E, 500, 1);
    for (int g = 0; g < 300; g++) CU_ASSERT_EQUAL(out[g], 40);
    CU_ASSERT(CHI2_OK(chi2_flat(in, 300, 500), 199.0));
    CU_ASSERT(count_multapses(&E, 500) > 0);
    free(in); free(out); free(E.e);

    net_init(&n, 2, sz, 1, 1, AX_RULE_FIXED_OUTDEGREE);
    n.proj.k = 150;
    n.proj.allow_multapses = 0;
    n.proj.allow_autapses = 0;
    E = build_ok(&n, 3, 1);
    CU_ASSERT_EQUAL(E.n, 200 * 150);
    CU_ASSERT_EQUAL(count_multapses(&E, 500), 0);
    CU_ASSERT_EQUAL(count_autapses(&E), 0);
    out = degrees(&E, 500, 1);
    for (int g = 300; g < 500; g++) CU_ASSERT_EQUAL(out[g], 150);
    free(out); free(E.e);
    n.proj.k = 200;
    ax_error err = {0};
    CU_ASSERT_EQUAL(build(&n, 1, 1, 2, &E, &err), AX_EINPUT);
    free(E.e);
}

static void test_fixed_total_number(void)
{
    const int64_t sz[] = {300, 211};
    net n;
    net_init(&n, 2, sz, 0, 1, AX_RULE_FIXED_TOTAL_NUMBER);
    n.proj.k = 20000;
    edges E = build_ok(&n, 2, 1);
    CU_ASSERT_EQUAL(E.n, 20000);
    int64_t *in = degrees(&E, 511, 0), *out = degrees(&E, 511, 1);
    CU_ASSERT(CHI2_OK(chi2_flat(in, 300, 511), 210.0));
    CU_ASSERT(CHI2_OK(chi2_flat(out, 0, 300), 299.0));
    free(in); free(out); free(E.e);

    net_init(&n, 2, sz, 1, 1, AX_RULE_FIXED_TOTAL_NUMBER);
    n.proj.k = 30001;
    n.proj.allow_autapses = 0;
    E = build_ok(&n, 3, 1);
    CU_ASSERT_EQUAL(E.n, 30001);
    CU_ASSERT_EQUAL(count_autapses(&E), 0);
    free(E.e);
    n.proj.allow_autapses = 1;
    E = build_ok(&n, 1, 1);
    double am = 30001.0 / 211; /* each synapse an autapse with p = 1/211 */
    CU_ASSERT(fabs((double)count_autapses(&E) - am) < 5 * sqrt(am));
    free(E.e);
    n.proj.allow_multapses = 0;
    ax_error err = {0};
    CU_ASSERT_EQUAL(build(&n, 1, 1, 2, &E, &err), AX_ENOTIMPL);
    free(E.e);
}

/* ---- weights, delays, receptors --------------------------------------------- */

static void test_weights_delays(void)
{
    const int64_t sz[] = {200, 300};
    net n;
    net_init(&n, 2, sz, 0, 1, AX_RULE_FIXED_INDEGREE);
    n.proj.k = 100;
    n.proj.weight = (ax_dist){.kind = AX_DIST_NORMAL, .mean = -0.5, .std = 2.0};
    n.proj.delay = (ax_dist){.kind = AX_DIST_UNIFORM, .low = 0.5, .high = 2.5};
    edges E = build_ok(&n, 1, 1);
    double s = 0, ss = 0, ds = 0;
    int64_t neg = 0, bad_rec = 0, bad_d = 0, d_lo = 0;
    for (int64_t i = 0; i < E.n; i++) {
        double w = E.e[i].w;
        s += w; ss += w * w;
        neg += w < 0;
        bad_rec += E.e[i].rec != (w < 0);
        bad_d += E.e[i].d < 5 || E.e[i].d > 25;
        d_lo += E.e[i].d == 5;
        ds += E.e[i].d;
    }
    double N = (double)E.n, mean = s / N, var = ss / N - mean * mean;
    CU_ASSERT(fabs(mean + 0.5) < 5 * 2.0 / sqrt(N));
    CU_ASSERT(fabs(var - 4.0) < 5 * sqrt(2.0 * 16.0 / N));
    CU_ASSERT_EQUAL(bad_rec, 0);
    /* uniform(0.5, 2.5) ms rounded to 0.1 ms steps: 5..25, the end steps
     * get half a cell (1/40 each), mean 15 steps */
    CU_ASSERT_EQUAL(bad_d, 0);
    CU_ASSERT(fabs((double)d_lo / N - 1.0 / 40) < 5 * sqrt(1.0 / 40 / N));
    CU_ASSERT(fabs(ds / N - 15.0) < 5 * (20 / sqrt(12.0)) / sqrt(N));
    free(E.e);

    /* receptors: fixed ports, single-port models, and negative constants */
    ax_error err = {0};
    n.proj.receptor = AX_RECEPTOR_INHIBITORY;
    CU_ASSERT_EQUAL(build(&n, 1, 1, 2, &E, &err), AX_OK);
    int64_t r1 = 0;
    for (int64_t i = 0; i < E.n; i++) r1 += E.e[i].rec == 1;
    CU_ASSERT_EQUAL(r1, E.n);
    free(E.e);
    n.proj.receptor = AX_RECEPTOR_AUTO;
    CU_ASSERT_EQUAL(build(&n, 1, 1, 1, &E, &err), AX_OK);
    r1 = 0;
    for (int64_t i = 0; i < E.n; i++) r1 += E.e[i].rec != 0;
    CU_ASSERT_EQUAL(r1, 0);
    free(E.e);
    n.proj.weight = (ax_dist){.kind = AX_DIST_CONST, .value = -3.0};
    n.proj.delay = (ax_dist){.kind = AX_DIST_CONST, .value = 1.5};
    CU_ASSERT_EQUAL(build(&n, 1, 1, 2, &E, &err), AX_OK);
    r1 = 0;
    for (int64_t i = 0; i < E.n; i++) r1 += E.e[i].rec == 1 && E.e[i].w == -3.0 && E.e[i].d == 15;
    CU_ASSERT_EQUAL(r1, E.n);
    free(E.e);
    /* a constant delay off the grid is an input error */
    n.proj.delay.value = 0.15;
    CU_ASSERT_EQUAL(build(&n, 1, 1, 2, &E, &err), AX_EINPUT);
    free(E.e);
    /* drawn delays below one step are clipped to one step */
    n.proj.delay = (ax_dist){.kind = AX_DIST_UNIFORM, .low = 0.0, .high = 0.2};
    CU_ASSERT_EQUAL(build(&n, 1, 1, 2, &E, &err), AX_OK);
    int64_t d1 = 0, d2 = 0;
    for (int64_t i = 0; i < E.n; i++) {
        d1 += E.e[i].d == 1;
        d2 += E.e[i].d == 2;
    }
    CU_ASSERT_EQUAL(d1 + d2, E.n);
    CU_ASSERT(fabs((double)d2 / (double)E.n - 0.25) < 0.02);
    free(E.e);
}

static void test_delay_steps(void)
{
    CU_ASSERT_EQUAL(ax_delay_steps(1.5, 0.1), 15);
    CU_ASSERT_EQUAL(ax_delay_steps(0.3, 0.1), 3);
    CU_ASSERT_EQUAL(ax_delay_steps(0.1, 0.1), 1);
    CU_ASSERT_EQUAL(ax_delay_steps(2.0, 0.25), 8);
    CU_ASSERT_EQUAL(ax_delay_steps(100.0, 0.01), 10000);
    CU_ASSERT_EQUAL(ax_delay_steps(0.0, 0.1), 0);
    CU_ASSERT_EQUAL(ax_delay_steps(0.15, 0.1), -1);
    CU_ASSERT_EQUAL(ax_delay_steps(1.0 + 1e-6, 0.1), -1);
    CU_ASSERT_EQUAL(ax_delay_steps(-0.1, 0.1), -1);
    CU_ASSERT_EQUAL(ax_delay_steps(1.0, 0.0), -1);
    CU_ASSERT_EQUAL(ax_delay_steps(INFINITY, 0.1), -1);
}

/* ---- decomposition independence --------------------------------------------- */

static int same_edges(const edges *a, const edges *b)
{
    if (a->n != b->n) return 0;
    for (int64_t i = 0; i < a->n; i++) {
        const edge *x = &a->e[i], *y = &b->e[i];
        if (x->src != y->src || x->tgt != y->tgt || memcmp(&x->w, &y->w, sizeof x->w) != 0 ||
            x->d != y->d || x->rec != y->rec)
            return 0;
    }
    return 1;
}

/* One rule across partitions 1x1, 1x2, 2x1, 2x2, 3x1 (and 4x2): identical
 * per-target sequences. Three populations of odd sizes, so VPs own uneven
 * shares and the projection's gids do not start at 0. */
static void check_decomposition(ax_rule rule, int src, int tgt, int64_t k, double p, int autapses,
                                int multapses)
{
    static const int parts[][2] = {{1, 1}, {1, 2}, {2, 1}, {2, 2}, {3, 1}, {4, 2}};
    const int64_t sz[] = {23, 61, 47};
    net n;
    net_init(&n, 3, sz, src, tgt, rule);
    n.proj.k = k;
    n.proj.p = p;
    n.proj.allow_autapses = autapses;
    n.proj.allow_multapses = multapses;
    n.proj.weight = (ax_dist){.kind = AX_DIST_NORMAL, .mean = 0.2, .std = 1.0};
    n.proj.delay = (ax_dist){.kind = AX_DIST_NORMAL_CLIPPED, .mean = 1.5, .std = 0.7,
                             .low = 0.1, .high = 4.0};
    edges ref = build_ok(&n, 1, 1);
    CU_ASSERT(ref.n > 0);
    for (size_t i = 1; i < sizeof parts / sizeof parts[0]; i++) {
        edges E = build_ok(&n, parts[i][0], parts[i][1]);
        int same = same_edges(&ref, &E);
        CU_ASSERT(same);
        if (!same)
            fprintf(stderr, "rule %d differs for %dx%d (%lld vs %lld synapses)\n", (int)rule,
                    parts[i][0], parts[i][1], (long long)ref.n, (long long)E.n);
        if (rule != AX_RULE_FIXED_OUTDEGREE) CU_ASSERT_EQUAL(E.bad_order, 0);
        free(E.e);
    }
    free(ref.e);
}

static void test_decomposition(void)
{
    check_decomposition(AX_RULE_ALL_TO_ALL, 1, 1, 0, 0, 0, 1);
    check_decomposition(AX_RULE_ONE_TO_ONE, 2, 2, 0, 0, 1, 1);
    check_decomposition(AX_RULE_PAIRWISE_BERNOULLI, 0, 1, 0, 0.1, 1, 1);
    check_decomposition(AX_RULE_PAIRWISE_BERNOULLI, 1, 1, 0, 0.4, 0, 1);
    check_decomposition(AX_RULE_FIXED_INDEGREE, 1, 2, 30, 0, 1, 1);
    check_decomposition(AX_RULE_FIXED_INDEGREE, 1, 1, 30, 0, 0, 0);
    check_decomposition(AX_RULE_FIXED_OUTDEGREE, 0, 1, 25, 0, 1, 1);
    check_decomposition(AX_RULE_FIXED_OUTDEGREE, 1, 1, 25, 0, 0, 0);
    check_decomposition(AX_RULE_FIXED_TOTAL_NUMBER, 2, 1, 1234, 0, 1, 1);
    check_decomposition(AX_RULE_FIXED_TOTAL_NUMBER, 1, 1, 999, 0, 0, 1);
}

/* The engine calls the rule from T threads at once, one VP each: run 1x4
 * concurrently (OpenMP) and compare with the serial 1x1 network. */
static void test_concurrent_threads(void)
{
    enum { T = 4 };
    const int64_t sz[] = {300, 200};
    net n;
    net_init(&n, 2, sz, 1, 0, AX_RULE_FIXED_TOTAL_NUMBER);
    n.proj.k = 5000;
    n.proj.weight = (ax_dist){.kind = AX_DIST_NORMAL, .mean = 1.0, .std = 0.5};
    edges ref = build_ok(&n, 1, 1);
    edges per[T];
    int status[T];
#pragma omp parallel for num_threads(T) schedule(static, 1)
    for (int t = 0; t < T; t++) {
        ax_partition part;
        ax_error err = {0};
        ax_partition_init(&part, 1, T, 0, n.spec.n_total);
        memset(&per[t], 0, sizeof per[t]);
        per[t].vp = ax_part_vp_of(&part, 0, t);
        per[t].n_vp = T;
        per[t].last_tgt = -1;
        status[t] = ax_connect_projection(&n.spec, 0, &part, per[t].vp, 2, collect, &per[t], &err);
    }
    edges all = {.n_vp = 1, .last_tgt = -1};
    for (int t = 0; t < T; t++) {
        CU_ASSERT_EQUAL(status[t], AX_OK);
        CU_ASSERT_EQUAL(per[t].bad_owner, 0);
        for (int64_t i = 0; i < per[t].n; i++) {
            ax_error err = {0};
            edge e = per[t].e[i];
            collect(&all, e.src, e.tgt, e.w, e.d, e.rec, &err);
        }
        free(per[t].e);
    }
    if (all.n) qsort(all.e, (size_t)all.n, sizeof *all.e, by_tgt_then_seq);
    CU_ASSERT(same_edges(&ref, &all));
    free(all.e);
    free(ref.e);
}

/* A sink error stops the rule and comes back unchanged. */
static ax_status failing_sink(void *ctx, int64_t src, int64_t tgt, double w, int32_t d, int rec,
                              ax_error *err)
{
    (void)src; (void)tgt; (void)w; (void)d; (void)rec;
    int *calls = ctx;
    return ++*calls == 3 ? AX_FAIL(err, AX_ENOMEM, "full") : AX_OK;
}

static void test_sink_error(void)
{
    const int64_t sz[] = {20, 20};
    net n;
    net_init(&n, 2, sz, 0, 1, AX_RULE_FIXED_INDEGREE);
    n.proj.k = 5;
    ax_partition part;
    ax_partition_init(&part, 1, 1, 0, n.spec.n_total);
    ax_error err = {0};
    int calls = 0;
    CU_ASSERT_EQUAL(ax_connect_projection(&n.spec, 0, &part, 0, 2, failing_sink, &calls, &err),
                    AX_ENOMEM);
    CU_ASSERT_EQUAL(calls, 3);
}

/* ---- throughput -------------------------------------------------------------- */

typedef struct counter { int64_t n, src_sum; } counter;

static ax_status count_sink(void *ctx, int64_t src, int64_t tgt, double w, int32_t d, int rec,
                            ax_error *err)
{
    (void)tgt; (void)w; (void)d; (void)rec; (void)err;
    counter *c = ctx;
    c->n++;
    c->src_sum += src;
    return AX_OK;
}

/* Brunel-sized fixed_indegree (12,500 targets, 1,250 sources each) on one
 * VP; asserts the count and prints the rate. */
static void bench_indegree(ax_dist weight, const char *what)
{
    const int64_t sz[] = {12500};
    net n;
    net_init(&n, 1, sz, 0, 0, AX_RULE_FIXED_INDEGREE);
    n.proj.k = 1250;
    n.proj.allow_autapses = 0;
    n.proj.weight = weight;
    ax_partition part;
    ax_partition_init(&part, 1, 1, 0, n.spec.n_total);
    ax_error err = {0};
    counter c = {0, 0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CU_ASSERT_EQUAL(ax_connect_projection(&n.spec, 0, &part, 0, 2, count_sink, &c, &err), AX_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CU_ASSERT_EQUAL(c.n, 12500 * 1250);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("\n    fixed_indegree 12500 x 1250, %s weights: %.1f M synapses/s (one thread)",
           what, (double)c.n / s / 1e6);
}

/* The batched entry points (what the engine's build uses) hand over the
 * synapses of the per-synapse ones (what the API and export use), in the
 * same order, bit for bit: every rule, clipped-normal weights (both
 * receptors) and delays, targets with more synapses than one batch, 1x1 and
 * a VP of 2x2; and the _sources_ variants the same sources. */
static ax_status collect_batch(void *ctx, const ax_edge_batch *b, ax_error *err)
{
    for (int i = 0; i < b->n; i++) AX_TRY(collect(ctx, b->src[i], b->tgt, b->w[i], b->d[i], b->rec[i], err));
    return AX_OK;
}

static int same_batched(const edges *a, const edges *b, int sources_only)
{
    if (a->n != b->n) return 0;
    for (int64_t i = 0; i < a->n; i++) {
        const edge *x = &a->e[i], *y = &b->e[i];
        if (x->src != y->src || x->tgt != y->tgt) return 0;
        if (!sources_only && (memcmp(&x->w, &y->w, sizeof x->w) || x->d != y->d || x->rec != y->rec))
            return 0;
    }
    return 1;
}

static void test_batched(void)
{
    const int64_t sizes[2] = {300, 200};
    const struct { ax_rule rule; int64_t k; int multapses; double p; } cases[] = {
        {AX_RULE_ALL_TO_ALL, 0, 1, 0}, {AX_RULE_ONE_TO_ONE, 0, 1, 0},
        {AX_RULE_FIXED_INDEGREE, 600, 1, 0}, {AX_RULE_FIXED_INDEGREE, 150, 0, 0},
        {AX_RULE_FIXED_OUTDEGREE, 40, 1, 0}, {AX_RULE_FIXED_OUTDEGREE, 40, 0, 0},
        {AX_RULE_FIXED_TOTAL_NUMBER, 120000, 1, 0}, {AX_RULE_PAIRWISE_BERNOULLI, 0, 1, 0.1},
        {AX_RULE_PAIRWISE_BERNOULLI, 0, 1, 0.6},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (int same_pop = 0; same_pop < 2; same_pop++)
            for (int rt = 0; rt < 2; rt++) {
                net n;
                int tgt = same_pop ? 0 : 1;
                net_init(&n, 2, sizes, 0, cases[c].rule == AX_RULE_ONE_TO_ONE ? 0 : tgt, cases[c].rule);
                n.proj.k = cases[c].k;
                n.proj.p = cases[c].p;
                n.proj.allow_multapses = cases[c].multapses;
                n.proj.allow_autapses = cases[c].rule == AX_RULE_ONE_TO_ONE; /* else no synapse */
                n.proj.weight = (ax_dist){.kind = AX_DIST_NORMAL_CLIPPED, .mean = 0.1, .std = 1.0,
                                          .low = -1.5, .high = 2.0};
                n.proj.delay = (ax_dist){.kind = AX_DIST_NORMAL_CLIPPED, .mean = 1.5, .std = 0.75,
                                         .low = 0.1, .high = 9.0};
                ax_partition part;
                ax_partition_init(&part, rt ? 2 : 1, rt ? 2 : 1, 0, n.spec.n_total);
                int64_t vp = rt ? 1 : 0;
                for (int so = 0; so < 2; so++) {
                    edges A = {.vp = vp, .n_vp = part.n_vp, .last_tgt = -1};
                    edges B = A;
                    ax_error err = {0};
                    ax_status sa = so ? ax_connect_sources(&n.spec, 0, &part, vp, collect, &A, &err)
                                      : ax_connect_projection(&n.spec, 0, &part, vp, 2, collect, &A, &err);
                    ax_status sb = so ? ax_connect_sources_batched(&n.spec, 0, &part, vp, collect_batch, &B, &err)
                                      : ax_connect_projection_batched(&n.spec, 0, &part, vp, 2, collect_batch,
                                                                      &B, &err);
                    CU_ASSERT_EQUAL(sa, AX_OK);
                    CU_ASSERT_EQUAL(sb, AX_OK);
                    CU_ASSERT(A.n > 0);
                    if (!same_batched(&A, &B, so)) {
                        fprintf(stderr, "batched differs: case %zu same_pop %d rt %d sources_only %d\n", c,
                                same_pop, rt, so);
                        CU_FAIL("batched sink differs from the per-synapse sink");
                    }
                    free(A.e);
                    free(B.e);
                }
            }
}

static void test_throughput(void)
{
    bench_indegree((ax_dist){.kind = AX_DIST_CONST, .value = 87.8}, "constant");
    bench_indegree((ax_dist){.kind = AX_DIST_NORMAL, .mean = 87.8, .std = 8.8}, "normal");
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    CU_pSuite s = CU_add_suite("connect", NULL, NULL);
    CU_add_test(s, "ax_delay_steps", test_delay_steps);
    CU_add_test(s, "all_to_all", test_all_to_all);
    CU_add_test(s, "one_to_one", test_one_to_one);
    CU_add_test(s, "pairwise_bernoulli", test_pairwise_bernoulli);
    CU_add_test(s, "fixed_indegree", test_fixed_indegree);
    CU_add_test(s, "fixed_outdegree", test_fixed_outdegree);
    CU_add_test(s, "fixed_total_number", test_fixed_total_number);
    CU_add_test(s, "weights, delays, receptors", test_weights_delays);
    CU_add_test(s, "decomposition independence", test_decomposition);
    CU_add_test(s, "concurrent threads", test_concurrent_threads);
    CU_add_test(s, "sink error stops the rule", test_sink_error);
    CU_add_test(s, "batched = per synapse", test_batched);
    CU_add_test(s, "throughput (printed)", test_throughput);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
