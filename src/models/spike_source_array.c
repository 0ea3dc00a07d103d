/* spike_source_array.c - a population of spike sources that replay given
 * spike times (PyNN's SpikeSourceArray; each neuron as NEST's
 * spike_generator with on-grid times).
 *
 * A spike with stamp t (ms, a multiple of h, >= h) is emitted in the step
 * that ends at t, i.e. in update number t/h - 1 counted from 0, exactly as a
 * neuron that crosses threshold in that step; with a connection delay d it
 * therefore arrives at t + d (NEST's spike_generator). A time repeated k
 * times is k spikes in that step (multiplicity, as NEST keeps it): the
 * index is written k times into spiked[], and max_spikes() tells the engine
 * how many that can be at most.
 *
 * The block counts the updates it has done (`now`); that counter is the
 * whole dynamic state and is what a checkpoint saves (one value per neuron,
 * all equal). Sources take no input: in[] and i_ext are ignored (the spec
 * refuses a source as a projection or device target). No parameters, no
 * state variables.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models_impl.h"

typedef struct ssa_block {
    int64_t n;
    double h;
    int64_t now;       /* updates done; the next update emits the spikes of emission step `now` */
    int64_t **step;    /* [n]: neuron j's emission steps, sorted (NULL: none) */
    int64_t *cnt;      /* [n] */
    int64_t *next;     /* [n]: first index of step[j] not yet emitted */
    int64_t *mult;     /* [n]: largest multiplicity of neuron j */
    int64_t max_spk;   /* sum of mult: the most spikes of one update */
} ssa_block;

static ax_status validate(const double *p, ax_error *err)
{
    (void)p;
    (void)err;
    return AX_OK;
}

static void destroy(ax_neurons *nr)
{
    ssa_block *b = (ssa_block *)nr;
    if (!b) return;
    for (int64_t j = 0; b->step && j < b->n; j++) free(b->step[j]);
    free(b->step);
    free(b->cnt);
    free(b->next);
    free(b->mult);
    free(b);
}

static ax_status create(const double *p, double h, int64_t n, ax_neurons **out, ax_error *err)
{
    (void)p;
    AX_CHECK(h > 0 && isfinite(h), err, AX_EINPUT, "spike_source_array: resolution must be > 0 (got %g)", h);
    AX_CHECK(n >= 0, err, AX_EINPUT, "spike_source_array: neuron count must be >= 0 (got %lld)", (long long)n);
    ssa_block *b = calloc(1, sizeof *b);
    AX_CHECK(b, err, AX_ENOMEM, "out of memory allocating spike_source_array block");
    size_t m = (size_t)(n > 0 ? n : 1);
    b->n = n;
    b->h = h;
    b->step = calloc(m, sizeof *b->step);
    b->cnt = calloc(m, sizeof *b->cnt);
    b->next = calloc(m, sizeof *b->next);
    b->mult = calloc(m, sizeof *b->mult);
    if (!b->step || !b->cnt || !b->next || !b->mult) {
        destroy((ax_neurons *)b);
        return AX_FAIL(err, AX_ENOMEM, "out of memory allocating %lld spike sources", (long long)n);
    }
    *out = (ax_neurons *)b;
    return AX_OK;
}

/* First index of neuron j's steps that is >= now. */
static int64_t first_due(const ssa_block *b, int64_t j)
{
    int64_t lo = 0, hi = b->cnt[j];
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (b->step[j][mid] < b->now) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static ax_status set_times(ax_neurons *nr, int64_t j, const double *t, int64_t n, ax_error *err)
{
    ssa_block *b = (ssa_block *)nr;
    AX_CHECK(j >= 0 && j < b->n, err, AX_EINTERNAL, "spike_source_array: no neuron %lld", (long long)j);
    int64_t *s = malloc((size_t)(n > 0 ? n : 1) * sizeof *s);
    AX_CHECK(s, err, AX_ENOMEM, "out of memory for %lld spike times", (long long)n);
    int64_t mult = 0, run = 0;
    for (int64_t k = 0; k < n; k++) {
        double x = t[k] / b->h, r = nearbyint(x);
        if (!(r >= 1.0) || fabs(x - r) > 1e-9 * r || r > 4.0e18 || (k && r < (double)s[k - 1] + 1)) {
            free(s);
            return AX_FAIL(err, AX_EINPUT, "spike_source_array: spike time %g ms must be a multiple of "
                           "the resolution %g ms, >= it, and not before the previous one", t[k], b->h);
        }
        s[k] = (int64_t)r - 1; /* emission step */
        run = k && s[k] == s[k - 1] ? run + 1 : 1;
        if (run > mult) mult = run;
    }
    free(b->step[j]);
    b->step[j] = s;
    b->cnt[j] = n;
    b->max_spk += mult - b->mult[j];
    b->mult[j] = mult;
    b->next[j] = first_due(b, j);
    return AX_OK;
}

static int64_t max_spikes(const ax_neurons *nr)
{
    const ssa_block *b = (const ssa_block *)nr;
    return b->max_spk;
}

static int64_t update(ax_neurons *nr, const double *const *in, const double *i_ext, int64_t *spiked)
{
    (void)in;
    (void)i_ext;
    ssa_block *b = (ssa_block *)nr;
    const int64_t now = b->now;
    int64_t k = 0;
    for (int64_t j = 0; j < b->n; j++) {
        int64_t q = b->next[j];
        while (q < b->cnt[j] && b->step[j][q] == now) {
            spiked[k++] = j;
            q++;
        }
        b->next[j] = q;
    }
    b->now = now + 1;
    return k;
}

static void ckpt_load(ax_neurons *nr, const double *in)
{
    ssa_block *b = (ssa_block *)nr;
    if (b->n == 0) return;
    b->now = (int64_t)in[0];
    for (int64_t j = 0; j < b->n; j++) b->next[j] = first_due(b, j);
}

AX_SOURCE_CKPT_SAVE(ssa_block)

const ax_model_ops ax_model_spike_source_array = {
    AX_SOURCE_OPS_FIELDS("spike_source_array", "spike sources that replay given spike times "
                         "(params: spike_times), as NEST's spike_generator"),
    .n_params = 0, .params = NULL, .set_times = set_times};
