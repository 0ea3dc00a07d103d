/* sweep_bm.c - sample tasks of a sweep (docs/sweeps.md §1): the base
 * Boltzmann machine of a `task: sample` sweep, the names of its parameters,
 * the BM of each task, and its rough cost.
 *
 * The base BM is read once with ax_bm_load (so the BM file means exactly
 * what it means to `axon sample`); a task copies it and applies its
 * parameters: weight_scale multiplies W, bias_shift adds to every b,
 * seed/duration/burn_in/dt/delay/synapses replace the base's (synapses:
 * static = 0, renewing = 1). Two things ax_bm keeps
 * only as resolved values are taken from the BM file's text: whether
 * `delay:` was given (if not, delay = dt of the task, as in ax_bm_load) and
 * the `checkpoints:` list, re-filtered against the task's duration by
 * ax_bm_load's rule (t > 0, t < duration, increasing, then duration; the
 * default 10, 20, 50, 100, ... below duration).
 * Invariants: the base is never modified after parsing (tasks only read
 * it, from any thread); a task BM owns its W, b, cal, checkpoints, and its
 * calibrations own no samples (ax_bm_run needs none), so ax_bm_free
 * releases exactly what ax_sweep_bm_build allocated.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sweep_impl.h"

static const char *const NAMES[AX_BMP_N] = {"seed",         "duration",   "burn_in",
                                            "dt",           "delay",      "weight_scale",
                                            "bias_shift",   "synapses"};

int ax_sweep_bm_param(const char *name)
{
    for (int k = 0; k < AX_BMP_N; k++)
        if (!strcmp(name, NAMES[k])) return k;
    return -1;
}

const char *ax_sweep_bm_param_list(void)
{
    return "seed, duration, burn_in, dt, delay, weight_scale, bias_shift, synapses";
}

ax_status ax_sweep_bm_value(ax_sctx *c, const ax_yn *n, const char *name, double *out)
{
    if (!strcmp(name, "synapses") && n && n->kind == AX_YN_SCALAR &&
        (!strcmp(n->str, "static") || !strcmp(n->str, "renewing"))) {
        *out = !strcmp(n->str, "renewing");
        return AX_OK;
    }
    return ax_spec_number(c, n, name, 0, out);
}

/* The explicit `checkpoints:` list and `delay:` of the BM file (already
 * validated by ax_bm_load, so only their presence and values matter). */
static ax_status read_extras(ax_sweep sw, ax_sctx *c, const char *path)
{
    char *text;
    size_t len;
    AX_TRY(ax_input_read(c->in, path, "Boltzmann machine", 0, &text, &len, c->err));
    ax_ydoc doc = {0};
    ax_status st = ax_ydoc_read(text, len, path, &doc, c->err);
    free(text);
    const ax_yn *m = st == AX_OK && doc.root ? ax_yn_get(doc.root, "boltzmann_machine") : NULL;
    const ax_yn *s = st == AX_OK && doc.root ? ax_yn_get(doc.root, "simulation") : NULL;
    const ax_yn *cp = s && s->kind == AX_YN_MAP ? ax_yn_get(s, "checkpoints") : NULL;
    sw->delay_given = m && m->kind == AX_YN_MAP && ax_yn_get(m, "delay") != NULL;
    sw->n_cp = -1;
    if (st == AX_OK && cp && cp->kind == AX_YN_SEQ) {
        ax_sctx bc = {.name = path, .err = c->err};
        sw->cp = calloc((size_t)cp->n + 1, sizeof *sw->cp);
        st = sw->cp ? AX_OK : AX_FAIL(c->err, AX_ENOMEM, "out of memory for the checkpoints");
        for (int i = 0; st == AX_OK && i < cp->n; i++)
            st = ax_spec_number(&bc, cp->items[i], "a checkpoint", 0, &sw->cp[i]);
        if (st == AX_OK) sw->n_cp = cp->n;
    }
    ax_ydoc_free(&doc);
    return st;
}

ax_status ax_sweep_bm_base(ax_sweep sw, ax_sctx *c, const ax_yn *b)
{
    char rel[2048], path[4096 + 2048];
    AX_TRY(ax_spec_string(c, b, "base", rel, sizeof rel));
    ax_sweep_path(sw, rel, path, sizeof path);
    ax_status st = ax_bm_load_in(c->in, path, &sw->bm, c->err);
    if (st != AX_OK) {
        ax_error_prefix(c->err, "%s:%d:%d: base BM: ", c->name, b->line, b->col);
        return st;
    }
    sw->bm_loaded = 1;
    for (int i = 0; i < sw->bm.n; i++) ax_calibration_free(&sw->bm.cal[i]); /* tasks need no samples */
    return read_extras(sw, c, path);
}


/* t is a whole number of steps of dt (within 1e-9 relative). */
static int on_grid(double t, double dt)
{
    double k = t / dt;
    return isfinite(k) && fabs(k - nearbyint(k)) <= 1e-9 * fmax(1.0, fabs(k));
}

/* The task's values: base values, replaced by the swept ones. Returns 0
 * when out of memory for the parameter row. */
static int resolve(const ax_sweep sw, int64_t id, double *v, int *swept)
{
    v[AX_BMP_SEED] = (double)sw->bm.seed, v[AX_BMP_DURATION] = sw->bm.duration;
    v[AX_BMP_BURN_IN] = sw->bm.burn_in, v[AX_BMP_DT] = sw->bm.dt;
    v[AX_BMP_DELAY] = sw->bm.delay, v[AX_BMP_WEIGHT_SCALE] = 1.0, v[AX_BMP_BIAS_SHIFT] = 0.0;
    v[AX_BMP_SYNAPSES] = sw->bm.renewing;
    memset(swept, 0, AX_BMP_N * sizeof *swept);
    double p[64], *pv = sw->n_cols <= 64 ? p : malloc((size_t)sw->n_cols * sizeof *pv);
    if (!pv) return 0;
    ax_sweep_task_params(sw, id, pv);
    for (int k = 0; k < sw->n_cols; k++) {
        v[sw->cols[k].bm_par] = pv[k];
        swept[sw->cols[k].bm_par] = 1;
    }
    if (pv != p) free(pv);
    if (!swept[AX_BMP_DELAY] && !sw->delay_given) v[AX_BMP_DELAY] = v[AX_BMP_DT];
    return 1;
}

/* Every rule a task's values must satisfy, with the broken one named. */
static ax_status validate(const ax_sweep sw, const double *v, int seed_swept, ax_error *err)
{
    double dt = v[AX_BMP_DT], T = v[AX_BMP_DURATION], B = v[AX_BMP_BURN_IN], D = v[AX_BMP_DELAY];
    if (seed_swept)
        AX_CHECK(v[AX_BMP_SEED] >= 0 && v[AX_BMP_SEED] <= 9007199254740992.0 &&
                 v[AX_BMP_SEED] == floor(v[AX_BMP_SEED]), err, AX_EINPUT,
                 "seed must be an integer in [0, 2^53] (got %g)", v[AX_BMP_SEED]);
    AX_CHECK(dt > 0 && isfinite(dt), err, AX_EINPUT, "dt must be > 0 ms (got %g)", dt);
    AX_CHECK(T > 0 && isfinite(T), err, AX_EINPUT, "duration must be > 0 ms (got %g)", T);
    AX_CHECK(B >= 0 && isfinite(B), err, AX_EINPUT, "burn_in must be >= 0 ms (got %g)", B);
    AX_CHECK(isfinite(v[AX_BMP_WEIGHT_SCALE]), err, AX_EINPUT, "weight_scale must be finite "
             "(got %g)", v[AX_BMP_WEIGHT_SCALE]);
    AX_CHECK(isfinite(v[AX_BMP_BIAS_SHIFT]), err, AX_EINPUT, "bias_shift must be finite (got %g)",
             v[AX_BMP_BIAS_SHIFT]);
    AX_CHECK(v[AX_BMP_SYNAPSES] == 0 || v[AX_BMP_SYNAPSES] == 1, err, AX_EINPUT,
             "synapses must be static (0) or renewing (1) (got %g)", v[AX_BMP_SYNAPSES]);
    AX_CHECK(on_grid(T, dt), err, AX_EINPUT, "duration %g ms is not a multiple of dt %g ms", T, dt);
    AX_CHECK(on_grid(B, dt), err, AX_EINPUT, "burn_in %g ms is not a multiple of dt %g ms", B, dt);
    AX_CHECK(D >= dt * (1 - 1e-9) && on_grid(D, dt), err, AX_EINPUT,
             "delay %g ms must be a multiple of dt %g ms and >= dt", D, dt);
    for (int i = 0; i < sw->bm.n; i++) /* the on-window z = 1 lasts whole steps */
        AX_CHECK(on_grid(ax_sampler_t_on(&sw->bm.cal[i].s), dt), err, AX_EINPUT,
                 "%s %g ms of unit %d is not a multiple of dt %g ms",
                 sw->bm.cal[i].s.t_ref_virtual > 0 ? "tau_refrac_virtual" : "t_ref",
                 ax_sampler_t_on(&sw->bm.cal[i].s), i, dt);
    ax_bm probe = {.renewing = v[AX_BMP_SYNAPSES] == 1, .tso = sw->bm.tso};
    return ax_bm_check_tso(&probe, err);
}

/* Copy the base with the task's values (bm zeroed on failure). */
static ax_status copy_base(const ax_sweep sw, const double *v, uint64_t seed, ax_bm *bm,
                           ax_error *err)
{
    const ax_bm *b = &sw->bm;
    size_t n = (size_t)b->n;
    *bm = (ax_bm){.n = b->n, .duration = v[AX_BMP_DURATION], .burn_in = v[AX_BMP_BURN_IN],
                  .dt = v[AX_BMP_DT], .delay = v[AX_BMP_DELAY], .seed = seed,
                  .renewing = v[AX_BMP_SYNAPSES] != 0, .diag_warning = b->diag_warning,
                  .asym_warning = b->asym_warning, .tso = b->tso};
    bm->W = malloc(n * n * sizeof *bm->W);
    bm->b = malloc(n * sizeof *bm->b);
    bm->cal = malloc(n * sizeof *bm->cal);
    ax_status st = bm->W && bm->b && bm->cal ? AX_OK : AX_FAIL(err, AX_ENOMEM, "out of memory "
                                                                "for the task's BM");
    if (st == AX_OK) st = ax_bm_set_checkpoints(bm, sw->cp, sw->n_cp, err);
    if (st != AX_OK) {
        ax_bm_free(bm);
        return st;
    }
    for (size_t k = 0; k < n * n; k++) bm->W[k] = b->W[k] * v[AX_BMP_WEIGHT_SCALE];
    for (size_t k = 0; k < n; k++) {
        bm->b[k] = b->b[k] + v[AX_BMP_BIAS_SHIFT];
        bm->cal[k] = b->cal[k];
        bm->cal[k].v_rest = bm->cal[k].p_on = NULL; /* the base keeps none; never shared */
        bm->cal[k].n_spikes = NULL;
    }
    return AX_OK;
}

ax_status ax_sweep_bm_build(const ax_sweep sw, int64_t id, ax_bm *bm, ax_bm_row *info,
                            uint64_t *seed, ax_error *err)
{
    memset(bm, 0, sizeof *bm);
    AX_CHECK(sw->kind == AX_SWEEP_SAMPLE, err, AX_EINPUT, "%s is a task: calibrate sweep, not a "
             "sample sweep", sw->name);
    AX_CHECK(id >= 0 && id < sw->n_tasks, err, AX_EINPUT, "task %lld out of range (0..%lld)",
             (long long)id, (long long)sw->n_tasks - 1);
    double v[AX_BMP_N];
    int swept[AX_BMP_N];
    AX_CHECK(resolve(sw, id, v, swept), err, AX_ENOMEM, "task %lld: out of memory for its "
             "parameters", (long long)id);
    uint64_t s0 = swept[AX_BMP_SEED] ? (uint64_t)fmax(0.0, fmin(v[AX_BMP_SEED], 9007199254740992.0))
                                       : sw->bm.seed;
    uint64_t s = ax_sweep_task_seed(s0, id);
    if (seed) *seed = s;
    if (info)
        *info = (ax_bm_row){.n_units = sw->bm.n, .dt = v[AX_BMP_DT],
                            .duration = v[AX_BMP_DURATION], .burn_in = v[AX_BMP_BURN_IN],
                            .delay = v[AX_BMP_DELAY], .weight_scale = v[AX_BMP_WEIGHT_SCALE],
                            .bias_shift = v[AX_BMP_BIAS_SHIFT],
                            .renewing = v[AX_BMP_SYNAPSES] == 1, .dkl_joint = NAN,
                            .dkl_marg = NAN, .missing = NAN};
    ax_status st = validate(sw, v, swept[AX_BMP_SEED], err);
    if (st == AX_OK) st = copy_base(sw, v, s, bm, err);
    if (st != AX_OK) ax_error_prefix(err, "task %lld: ", (long long)id);
    return st;
}

ax_status ax_sweep_task_bm(const ax_sweep sw, int64_t id, ax_bm *bm, ax_error *err)
{
    return ax_sweep_bm_build(sw, id, bm, NULL, NULL, err);
}

/* Measured on one core (5 units, tests/sweep/bm_kill.yaml and
 * examples/sweep_bm.yaml): ~140 ns per sampler-step (update, Poisson
 * input, delivery to the other units, the state accumulator) and ~0.5 ms
 * per engine run (build, spec). Delivery grows with n^2 x rate, so large
 * BMs cost more per step: rough by design. */
#define AX_BM_S_PER_UNIT_STEP 140e-9
#define AX_BM_S_PER_RUN 0.5e-3

double ax_sweep_bm_cost(const ax_bm *bm)
{
    double steps = (bm->burn_in + bm->duration) / bm->dt;
    return steps * bm->n * AX_BM_S_PER_UNIT_STEP + AX_BM_S_PER_RUN;
}
