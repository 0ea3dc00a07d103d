/* spike_source_poisson.c - a population of independent Poisson spike sources
 * (PyNN's SpikeSourcePoisson; each neuron as NEST's poisson_generator feeding
 * one parrot neuron, so it has a gid, is recorded and connected like a
 * neuron, and every target of one source sees the same train).
 *
 * Source j emits, in the step that ends at t, a Poisson number of spikes of
 * mean rate * h / 1000 when start < t <= stop (NEST's active window);
 * several spikes in one step are kept (multiplicity, as NEST's parrot keeps
 * it: at 1000 Hz and h = 0.1 ms one step in 200 has two). The count of step
 * n comes from word n mod 4 of the Philox block (seed; n / 4, kind
 * AX_RNG_POISSON_SOURCE; gid): a function of (seed, gid, step) alone, so the
 * trains are the same for every ranks x threads decomposition, after a
 * checkpoint restart and after a reset (which repeats the run). The engine
 * tells each source its gid through bind(). Counts come from an inverse-CDF
 * table of 32-bit thresholds (exact to 2^-32, as the poisson_generator's).
 *
 * Dynamic state: the step counter `now` (what a checkpoint saves). No state
 * variables, no input (the spec refuses a source as a target).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>

#include "axon/poisson.h"
#include "axon/rng.h"
#include "models_impl.h"

enum { P_RATE, P_START, P_STOP, N_PARAMS };

static const ax_param_desc kParams[N_PARAMS] = {
    [P_RATE] = {"rate", "Hz", 0.0, AX_PARAM_REAL, NULL, 0, "mean firing rate"},
    [P_START] = {"start", "ms", 0.0, AX_PARAM_REAL, NULL, 0,
                 "spikes are emitted in steps ending after start"},
    [P_STOP] = {"stop", "ms", INFINITY, AX_PARAM_REAL, NULL, 1,
                "... and at or before stop (inf: never stops)"},
};

typedef struct ssp_block {
    int64_t n;
    double p[N_PARAMS];
    int64_t now;        /* updates done: the next update is emission step `now` */
    int64_t on0, on1;   /* active emission steps: on0 <= e < on1 */
    uint64_t seed;
    uint64_t *gid;      /* [n], from bind() */
    uint32_t *u;        /* [4 n]: the Philox block of steps 4 blk .. 4 blk + 3 */
    int64_t blk;        /* block held in u (-1: none) */
    uint32_t *cdf;      /* count k while u >= cdf[k] (k < n_cdf - 1) */
    int n_cdf;
} ssp_block;

static ax_status validate(const double *p, ax_error *err)
{
    AX_CHECK(isfinite(p[P_RATE]) && p[P_RATE] >= 0, err, AX_EINPUT,
             "spike_source_poisson: rate must be >= 0 Hz (got %g)", p[P_RATE]);
    AX_CHECK(isfinite(p[P_START]) && p[P_START] >= 0, err, AX_EINPUT,
             "spike_source_poisson: start must be >= 0 ms (got %g)", p[P_START]);
    AX_CHECK(!isnan(p[P_STOP]) && p[P_STOP] >= p[P_START], err, AX_EINPUT,
             "spike_source_poisson: stop must be >= start (got %g < %g)", p[P_STOP], p[P_START]);
    return AX_OK;
}

static void destroy(ax_neurons *nr)
{
    ssp_block *b = (ssp_block *)nr;
    if (!b) return;
    free(b->gid);
    free(b->u);
    free(b->cdf);
    free(b);
}

/* The count table for mu spikes per step (axon/poisson.h). */
static ax_status make_table(ssp_block *b, double mu, ax_error *err)
{
    AX_CHECK(mu <= 1e6, err, AX_EINPUT, "spike_source_poisson: %.3g spikes per step on average is "
             "too many; lower the rate or the time step", mu);
    return ax_poisson_cdf(mu, "a Poisson table", &b->cdf, &b->n_cdf, err);
}

/* Emission step window of the stamps (start, stop]. */
static int64_t step_of(double t, double h)
{
    return isinf(t) ? INT64_MAX / 4 : (int64_t)floor(t / h + 1e-9);
}

static ax_status create(const double *p, double h, int64_t n, ax_neurons **out, ax_error *err)
{
    AX_TRY(validate(p, err));
    AX_CHECK(h > 0 && isfinite(h), err, AX_EINPUT,
             "spike_source_poisson: resolution must be > 0 (got %g)", h);
    AX_CHECK(n >= 0, err, AX_EINPUT, "spike_source_poisson: neuron count must be >= 0 (got %lld)",
             (long long)n);
    ssp_block *b = calloc(1, sizeof *b);
    AX_CHECK(b, err, AX_ENOMEM, "out of memory allocating a spike_source_poisson block");
    size_t m = (size_t)(n > 0 ? n : 1);
    b->n = n;
    memcpy(b->p, p, sizeof b->p);
    b->on0 = step_of(p[P_START], h);
    b->on1 = step_of(p[P_STOP], h);
    b->blk = -1;
    b->gid = calloc(m, sizeof *b->gid);
    b->u = malloc(4 * m * sizeof *b->u);
    ax_status st = b->gid && b->u ? make_table(b, p[P_RATE] * h / 1000.0, err)
                                  : AX_FAIL(err, AX_ENOMEM, "out of memory for %lld Poisson sources",
                                            (long long)n);
    if (st != AX_OK) {
        destroy((ax_neurons *)b);
        return st;
    }
    *out = (ax_neurons *)b;
    return AX_OK;
}

static void bind(ax_neurons *nr, int64_t j, uint64_t gid, uint64_t seed)
{
    ssp_block *b = (ssp_block *)nr;
    b->gid[j] = gid;
    b->seed = seed;
    b->blk = -1;
}

static int64_t max_spikes(const ax_neurons *nr)
{
    const ssp_block *b = (const ssp_block *)nr;
    return b->n * (b->n_cdf > 1 ? b->n_cdf - 1 : 1);
}

static int64_t update(ax_neurons *nr, const double *const *in, const double *i_ext, int64_t *spiked)
{
    (void)in;
    (void)i_ext;
    ssp_block *b = (ssp_block *)nr;
    const int64_t e = b->now++;
    if (e < b->on0 || e >= b->on1 || b->n_cdf < 2) return 0;
    const int64_t blk = e >> 2;
    if (blk != b->blk) {
        const uint32_t c1 = ((uint32_t)AX_RNG_POISSON_SOURCE << 24) | (uint32_t)((blk >> 32) & 0xFFFFFF);
        /* ax_philox4's block (src/connect/rng.c), from the header: models link no RNG module */
        philox4x32_key_t key = {{(uint32_t)b->seed, (uint32_t)(b->seed >> 32)}};
        for (int64_t j = 0; j < b->n; j++) {
            philox4x32_ctr_t c = {{(uint32_t)blk, c1, (uint32_t)b->gid[j], (uint32_t)(b->gid[j] >> 32)}};
            philox4x32_ctr_t r = philox4x32(c, key);
            memcpy(b->u + 4 * j, r.v, sizeof r.v);
        }
        b->blk = blk;
    }
    const int w = (int)(e & 3), last = b->n_cdf - 1;
    int64_t k = 0;
    for (int64_t j = 0; j < b->n; j++) {
        uint32_t x = b->u[4 * j + w];
        for (int c = 0; c < last && x >= b->cdf[c]; c++) spiked[k++] = j;
    }
    return k;
}

static void ckpt_load(ax_neurons *nr, const double *in)
{
    ssp_block *b = (ssp_block *)nr;
    if (b->n > 0) b->now = (int64_t)in[0];
    b->blk = -1;
}

AX_SOURCE_CKPT_SAVE(ssp_block)

const ax_model_ops ax_model_spike_source_poisson = {
    AX_SOURCE_OPS_FIELDS("spike_source_poisson", "independent Poisson spike sources (rate, "
                         "start, stop), as NEST's poisson_generator into a parrot neuron"),
    .n_params = N_PARAMS, .params = kParams, .bind = bind};
