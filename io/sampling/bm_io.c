/* bm_io.c - the Boltzmann-machine file (YAML or JSON): weights, biases,
 * one calibration per unit (a calibration JSON path, or inline: a sampler
 * or sampler file with alpha and v_p05), synapses, delay and the
 * simulation settings, checked with file:line:col messages (docs/sampling.md).
 * Convention: W[i][j] couples pre i to post j.
 */
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axon/agree.h"
#include "axon/model.h"
#include "axon/sampling.h"
#include "axon/sampling_yaml.h"
#include "axon/yaml.h"

/* ---- the BM file ---- */

static ax_status parse_vec(ax_sctx *c, const ax_yn *n, const char *what, int len, double *out)
{
    AX_TRY(ax_spec_need_seq(c, n, what));
    if (n->n != len) return ax_spec_fail(c, n, "%s must have %d entries (got %d)", what, len, n->n);
    for (int i = 0; i < len; i++) AX_TRY(ax_spec_number(c, n->items[i], what, 0, &out[i]));
    return AX_OK;
}

/* Path relative to the directory of the BM file. */
static void rel_path(const char *base, const char *p, char *out, size_t size)
{
    if (p[0] == '/') {
        snprintf(out, size, "%s", p);
        return;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", base);
    snprintf(out, size, "%s/%s", dirname(tmp), p);
}

/* One calibration: "cal.json" or {sampler_file | sampler, alpha, v_p05}. */
static ax_status parse_cal(ax_sctx *c, const ax_yn *n, ax_calibration *cal)
{
    memset(cal, 0, sizeof *cal);
    char path[4096], full[8300];
    if (n && n->kind == AX_YN_SCALAR) {
        AX_TRY(ax_spec_string(c, n, "calibration", path, sizeof path));
        rel_path(c->name, path, full, sizeof full);
        ax_status st = ax_calib_read_json_in(c->in, full, cal, c->err);
        if (st != AX_OK) ax_error_prefix(c->err, "%s:%d:%d: ", c->name, n->line, n->col);
        return st;
    }
    static const char *const keys[] = {"sampler_file", "sampler", "alpha", "v_p05", NULL};
    AX_TRY(ax_spec_need_map(c, n, "calibration"));
    AX_TRY(ax_spec_keys(c, n, "calibration", keys));
    const ax_yn *sf = ax_yn_get(n, "sampler_file"), *sm = ax_yn_get(n, "sampler");
    const ax_yn *a = ax_yn_get(n, "alpha"), *v = ax_yn_get(n, "v_p05");
    if ((!sf == !sm) || !a || !v)
        return ax_spec_fail(c, n, "an inline calibration needs alpha, v_p05 and one of "
                                  "sampler_file or sampler");
    AX_TRY(ax_spec_number(c, a, "alpha", 0, &cal->alpha));
    AX_TRY(ax_spec_number(c, v, "v_p05", 0, &cal->v_p05));
    if (!(cal->alpha > 0)) return ax_spec_fail(c, a, "alpha must be > 0 (got %g)", cal->alpha);
    ax_calib_opts_default(&cal->o);
    ax_calib_tso_default(&cal->tso);
    if (sm) return ax_samp_parse_sampler(c, sm, &cal->s);
    AX_TRY(ax_spec_string(c, sf, "sampler_file", path, sizeof path));
    rel_path(c->name, path, full, sizeof full);
    ax_status st = ax_sampler_load_in(c->in, full, &cal->s, NULL, c->err);
    if (st != AX_OK) ax_error_prefix(c->err, "%s:%d:%d: ", c->name, sf->line, sf->col);
    return st;
}

static ax_status parse_weights(ax_sctx *c, const ax_yn *w, ax_bm *bm)
{
    AX_TRY(ax_spec_need_seq(c, w, "weights"));
    int n = w->n;
    if (n < 1) return ax_spec_fail(c, w, "weights must be a non-empty n x n matrix");
    bm->n = n;
    bm->W = calloc((size_t)n * n, sizeof *bm->W);
    bm->b = calloc((size_t)n, sizeof *bm->b);
    bm->cal = calloc((size_t)n, sizeof *bm->cal);
    AX_CHECK(bm->W && bm->b && bm->cal, c->err, AX_ENOMEM, "out of memory for the BM");
    for (int i = 0; i < n; i++) AX_TRY(parse_vec(c, w->items[i], "a row of weights", n, bm->W + (size_t)i * n));
    for (int i = 0; i < n; i++) {
        if (bm->W[(size_t)i * n + i] != 0) bm->diag_warning = 1;
        bm->W[(size_t)i * n + i] = 0;
        for (int j = 0; j < i; j++) {
            double *a = &bm->W[(size_t)i * n + j], *b = &bm->W[(size_t)j * n + i];
            if (*a != *b) {
                bm->asym_warning = 1;
                *a = *b = 0.5 * (*a + *b);
            }
        }
    }
    return AX_OK;
}

static ax_status parse_samplers(ax_sctx *c, const ax_yn *s, ax_bm *bm)
{
    if (!s) return ax_spec_fail(c, NULL, "the BM needs `calibration:` (a cal.json path, an inline "
                                         "calibration, or a list of n of them)");
    if (s->kind == AX_YN_SEQ) {
        if (s->n != bm->n)
            return ax_spec_fail(c, s, "calibration list has %d entries for %d units", s->n, bm->n);
        for (int i = 0; i < bm->n; i++) AX_TRY(parse_cal(c, s->items[i], &bm->cal[i]));
        return AX_OK;
    }
    AX_TRY(parse_cal(c, s, &bm->cal[0]));
    for (int i = 1; i < bm->n; i++) {
        bm->cal[i] = bm->cal[0];
        bm->cal[i].v_rest = bm->cal[i].p_on = NULL; /* only unit 0 owns the samples */
        bm->cal[i].n_spikes = NULL;
    }
    return AX_OK;
}

/* An explicit list: every entry in (0, duration], increasing, on the dt
 * grid, each refused at its position (never dropped). */
static ax_status parse_checkpoints(ax_sctx *c, const ax_yn *n, ax_bm *bm)
{
    if (!n) return ax_bm_set_checkpoints(bm, NULL, -1, c->err);
    AX_TRY(ax_spec_need_seq(c, n, "checkpoints"));
    double *t = malloc((size_t)(n->n + 1) * sizeof *t);
    AX_CHECK_ALLOC(t, c->err, "checkpoints");
    ax_status st = AX_OK;
    for (int i = 0; i < n->n && st == AX_OK; i++) {
        const ax_yn *v = n->items[i];
        st = ax_spec_number(c, v, "a checkpoint", 0, &t[i]);
        if (st == AX_OK && !(t[i] > 0 && t[i] <= bm->duration))
            st = ax_spec_fail(c, v, "checkpoint %g ms is outside (0, duration = %g ms]", t[i],
                              bm->duration);
        if (st == AX_OK && i > 0 && !(t[i] > t[i - 1]))
            st = ax_spec_fail(c, v, "checkpoint %g ms does not come after %g ms; list them in "
                              "increasing order", t[i], t[i - 1]);
        if (st == AX_OK) st = ax_spec_on_grid(c, v, "a checkpoint", t[i], bm->dt, NULL);
    }
    if (st == AX_OK) st = ax_bm_set_checkpoints(bm, t, n->n, c->err);
    free(t);
    return st;
}

static ax_status parse_sim(ax_sctx *c, const ax_yn *m, ax_bm *bm)
{
    static const char *const keys[] = {"dt", "duration", "burn_in", "seed", "checkpoints", NULL};
    bm->dt = 0.1;
    bm->burn_in = 500.0;
    bm->seed = 12345;
    bm->duration = 0;
    if (!m) return ax_spec_fail(c, NULL, "the BM file needs `simulation: {duration: ms}`");
    AX_TRY(ax_spec_need_map(c, m, "simulation"));
    AX_TRY(ax_spec_keys(c, m, "simulation", keys));
    const ax_yn *n;
    if ((n = ax_yn_get(m, "dt"))) AX_TRY(ax_spec_number(c, n, "dt", 0, &bm->dt));
    if ((n = ax_yn_get(m, "burn_in"))) AX_TRY(ax_spec_number(c, n, "burn_in", 0, &bm->burn_in));
    if (!(n = ax_yn_get(m, "duration"))) return ax_spec_fail(c, m, "simulation needs duration (ms)");
    AX_TRY(ax_spec_number(c, n, "duration", 0, &bm->duration));
    if (!(bm->duration > 0)) return ax_spec_fail(c, n, "duration must be > 0");
    if (!(bm->dt > 0) || bm->burn_in < 0) return ax_spec_fail(c, m, "need dt > 0 and burn_in >= 0");
    /* the run is burn_in + duration steps of dt: each, and their sum, must count */
    const ax_yn *nb = ax_yn_get(m, "burn_in");
    AX_TRY(ax_spec_steps(c, nb ? nb : m, "burn_in", bm->burn_in, bm->dt, NULL));
    AX_TRY(ax_spec_steps(c, n, "duration", bm->duration, bm->dt, NULL));
    AX_TRY(ax_spec_steps(c, n, "burn_in + duration", bm->burn_in + bm->duration, bm->dt, NULL));
    /* whole steps of dt, as a sweep of this BM requires (src/sweep/sweep_bm.c) */
    AX_TRY(ax_spec_on_grid(c, n, "duration", bm->duration, bm->dt, NULL));
    AX_TRY(ax_spec_on_grid(c, nb ? nb : ax_yn_get(m, "dt"), nb ? "burn_in" : "burn_in (default 500 ms)",
                           bm->burn_in, bm->dt, NULL));
    if ((n = ax_yn_get(m, "seed"))) {
        int64_t s;
        AX_TRY(ax_spec_int(c, n, "seed", 0, &s));
        bm->seed = (uint64_t)s;
    }
    return parse_checkpoints(c, ax_yn_get(m, "checkpoints"), bm);
}

/* The calibrations' tso_parameters: one set for all units (sbs/network.py
 * refuses samplers with different ones), and acting only on renewing
 * synapses (sbs applies them only with saturating synapses), so with
 * static synapses anything but sbs's defaults is refused, never ignored. */
static ax_status combine_tso(ax_sctx *c, const ax_yn *cal, const ax_yn *syn, ax_bm *bm)
{
    ax_calib_tso_default(&bm->tso);
    for (int i = 0; i < bm->n; i++) {
        ax_calib_tso t;
        if (bm->cal[i].has_tso) t = bm->cal[i].tso;
        else ax_calib_tso_default(&t);
        if (i == 0) bm->tso = t;
        else if (memcmp(&t, &bm->tso, sizeof t))
            return ax_spec_fail(c, cal, "the calibrations of units 0 and %d have different "
                                        "tso_parameters; sbs and axon take one set for all "
                                        "samplers of a network", i);
    }
    ax_error e = {0};
    if (ax_bm_check_tso(bm, &e) != AX_OK) return ax_spec_fail(c, syn ? syn : cal, "%s", e.msg);
    return AX_OK;
}

/* Each unit's on-window (t_ref or tau_refrac_virtual) is whole steps. */
static ax_status check_t_on(ax_sctx *c, const ax_yn *at, const ax_bm *bm)
{
    for (int i = 0; i < bm->n; i++) {
        double t = ax_sampler_t_on(&bm->cal[i].s), k = t / bm->dt;
        if (fabs(k - nearbyint(k)) > 1e-9 * fmax(1.0, k))
            return ax_spec_fail(c, at, "unit %d: its on-time %g ms (%s) is not a multiple of dt "
                                       "%g ms", i, t, bm->cal[i].s.t_ref_virtual > 0
                                                          ? "tau_refrac_virtual" : "t_ref",
                                bm->dt);
    }
    return AX_OK;
}

/* A bias becomes the unit's rest potential v_p05 + alpha b (translate.c);
 * beyond +-AX_MAX_POTENTIAL_MV no neuron model integrates it (a unit with a
 * bias of 1e300 froze, p 0 instead of 1), and p(on) is 0 or 1 to double
 * precision from |b| ~ 37 on: refused at the bias. */
static ax_status check_biases(ax_sctx *c, const ax_yn *b, const ax_bm *bm)
{
    for (int i = 0; i < bm->n; i++) {
        const ax_calibration *k = &bm->cal[i];
        double v = ax_bias_to_v_rest(k, bm->b[i]);
        if (fabs(v) <= AX_MAX_POTENTIAL_MV) continue;
        double lim = (AX_MAX_POTENTIAL_MV - fabs(k->v_p05)) / k->alpha;
        return ax_spec_fail(c, b->items[i], "bias %g of unit %d makes its rest potential %g mV "
                            "(v_p05 + alpha b), beyond +-%g mV; p(on) is already 0 or 1 to double "
                            "precision from |b| ~ 37: use a bias within +-%.4g", bm->b[i], i, v,
                            AX_MAX_POTENTIAL_MV, lim);
    }
    return AX_OK;
}

/* The whole BM file (an ax_yaml_parse_fn; out is the ax_bm). */
static ax_status parse_bm(ax_sctx *c, const ax_yn *root, void *out)
{
    ax_bm *bm = out;
    static const char *const rk[] = {"boltzmann_machine", "simulation", NULL};
    static const char *const bk[] = {"weights", "biases", "calibration", "synapses", "delay", NULL};
    AX_TRY(ax_spec_need_map(c, root, "the BM file"));
    AX_TRY(ax_spec_keys(c, root, "the BM file", rk));
    const ax_yn *m = ax_yn_get(root, "boltzmann_machine");
    if (!m) return ax_spec_fail(c, root, "the BM file needs a `boltzmann_machine:` section");
    AX_TRY(ax_spec_need_map(c, m, "boltzmann_machine"));
    AX_TRY(ax_spec_keys(c, m, "boltzmann_machine", bk));
    const ax_yn *syn = ax_yn_get(m, "synapses");
    if (syn) {
        char s[32];
        AX_TRY(ax_spec_string(c, syn, "synapses", s, sizeof s));
        bm->renewing = !strcmp(s, "renewing");
        if (!bm->renewing && strcmp(s, "static"))
            return ax_spec_fail(c, syn, "synapses must be static or renewing (got '%s')", s);
    }
    const ax_yn *w = ax_yn_get(m, "weights"), *b = ax_yn_get(m, "biases");
    if (!w || !b) return ax_spec_fail(c, m, "boltzmann_machine needs weights (n x n) and biases (n)");
    AX_TRY(parse_weights(c, w, bm));
    AX_TRY(parse_vec(c, b, "biases", bm->n, bm->b));
    AX_TRY(parse_sim(c, ax_yn_get(root, "simulation"), bm));
    bm->delay = bm->dt;
    const ax_yn *d = ax_yn_get(m, "delay");
    if (d) {
        AX_TRY(ax_spec_number(c, d, "delay", 0, &bm->delay));
        double k = bm->delay / bm->dt;
        if (k < 1 - 1e-9 || fabs(k - nearbyint(k)) > 1e-9 * k)
            return ax_spec_fail(c, d, "delay must be a multiple of dt and >= dt (got %g, dt %g)",
                                bm->delay, bm->dt);
    }
    const ax_yn *cal = ax_yn_get(m, "calibration");
    AX_TRY(parse_samplers(c, cal, bm));
    AX_TRY(combine_tso(c, cal, syn, bm));
    AX_TRY(check_biases(c, b, bm));
    return check_t_on(c, cal, bm);
}

ax_status ax_bm_load_in(ax_input *in, const char *path, ax_bm *bm, ax_error *err)
{
    memset(bm, 0, sizeof *bm);
    ax_status st = ax_yaml_load(in, path, "Boltzmann machine", parse_bm, bm, err);
    if (st != AX_OK) ax_bm_free(bm);
    return st;
}

/* ax_bm_load and ax_bm_load_comm */
AX_INPUT_LOADERS(ax_bm_load, ax_bm, ax_bm_free)

