/* netspec.c - in-memory network specs for calibration sweeps and Boltzmann
 * machines, built from plain structs (axon/spec.h) instead of a file.
 *
 * Invariants: every value satisfies the spec validator (delays on the grid
 * and >= h, V_reset < V_th); Poisson generators are shared by populations
 * with the same background, so each target still gets its own independent
 * Poisson train (the engine draws per (device, target gid, step)); every
 * population is covered by one spike recorder. The spec owns nothing it
 * did not allocate here; ax_samp_net_free releases all of it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axon/free_all.h"
#include "axon/grow.h"
#include "sampling_impl.h"

ax_status ax_samp_net_init(ax_samp_net *n, double dt, double t_sim, uint64_t seed,
                           const char *text, ax_error *err)
{
    memset(n, 0, sizeof *n);
    ax_spec *s = &n->spec;
    s->sim = (ax_sim_spec){.resolution = dt, .t_sim = t_sim, .seed = seed, .threads = 0,
                           .flush_interval = 500.0};
    s->text = strdup(text);
    s->path = strdup("(sampling network)");
    AX_CHECK(s->text && s->path, err, AX_ENOMEM, "out of memory for the sampling network");
    return AX_OK;
}

/* Parameter list of one sampler population in the NEST model's names. */
static int sampler_params(const ax_sampler *s, double E_L, ax_param_value *p)
{
    int k = 0;
#define PUT(nm, v) (snprintf(p[k].name, sizeof p[k].name, "%s", nm), p[k++].value = (v))
    PUT("C_m", s->C_m);
    PUT("E_L", E_L);
    PUT("V_th", s->V_th);
    PUT("V_reset", s->V_reset);
    PUT("t_ref", s->t_ref);
    PUT("tau_syn_ex", s->tau_syn_ex);
    PUT("tau_syn_in", s->tau_syn_in);
    PUT("I_e", s->I_e);
    if (s->kind == AX_SAMPLER_COND) {
        PUT("g_L", s->g_L);
        PUT("E_ex", s->E_ex);
        PUT("E_in", s->E_in);
    } else {
        PUT("tau_m", s->C_m / s->g_L);
    }
#undef PUT
    return k;
}

/* Room for more populations: their specs and backgrounds share a capacity. */
static ax_status grow_pops(ax_samp_net *n, ax_error *err)
{
    int cap = (int)ax_grow_cap(n->cap_pops, 8), ok = 1;
    AX_RESIZE(n->spec.pops, cap, ok);
    AX_CHECK(ok, err, AX_ENOMEM, "out of memory allocating %s", "sampler populations");
    AX_RESIZE(n->bg, cap, ok);
    AX_CHECK(ok, err, AX_ENOMEM, "out of memory allocating %s", "sampler backgrounds");
    n->cap_pops = cap;
    return AX_OK;
}

ax_status ax_samp_net_add_pop(ax_samp_net *n, const ax_sampler *s, int64_t count, double E_L,
                              ax_error *err)
{
    return ax_samp_net_add_pop_v(n, s, count, E_L, NULL, err);
}

ax_status ax_samp_net_add_pop_v(ax_samp_net *n, const ax_sampler *s, int64_t count, double E_L,
                                const double *E_Ls, ax_error *err)
{
    ax_spec *sp = &n->spec;
    if (sp->n_pops == n->cap_pops) AX_TRY(grow_pops(n, err));
    ax_pop_spec *p = &sp->pops[sp->n_pops];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "s%d", sp->n_pops);
    snprintf(p->model, sizeof p->model, "%s", ax_sampler_model(s));
    p->n = count;
    p->first_gid = sp->n_total;
    p->params = calloc(16, sizeof *p->params);
    AX_CHECK_ALLOC(p->params, err, "sampler parameters");
    p->n_params = sampler_params(s, E_Ls ? E_Ls[0] : E_L, p->params);
    if (E_Ls) { /* per neuron: the model keeps E_L per neuron (no split into groups) */
        ax_param_value *v = &p->params[1]; /* sampler_params puts E_L second */
        v->values = malloc((size_t)count * sizeof *v->values);
        if (!v->values) {
            free(p->params);
            return AX_FAIL(err, AX_ENOMEM, "out of memory allocating %s", "sampler potentials");
        }
        memcpy(v->values, E_Ls, (size_t)count * sizeof *v->values);
    }
    n->bg[sp->n_pops] = *s;
    sp->n_pops++;
    sp->n_total += count;
    return AX_OK;
}

ax_status ax_samp_net_add_proj(ax_samp_net *n, int src, int tgt, double w, double delay,
                               ax_error *err)
{
    ax_spec *sp = &n->spec;
    if (sp->n_proj == n->cap_proj) {
        int cap = (int)ax_grow_cap(n->cap_proj, 16), ok = 1;
        AX_RESIZE(sp->proj, cap, ok);
        AX_CHECK(ok, err, AX_ENOMEM, "out of memory allocating %s", "sampler projections");
        n->cap_proj = cap;
    }
    sp->proj[sp->n_proj++] = (ax_proj_spec){
        .src = src, .tgt = tgt, .rule = AX_RULE_ONE_TO_ONE, .allow_autapses = 1,
        .allow_multapses = 1, .receptor = AX_RECEPTOR_AUTO,
        .weight = {.kind = AX_DIST_CONST, .value = w},
        .delay = {.kind = AX_DIST_CONST, .value = delay}};
    return AX_OK;
}

ax_status ax_samp_net_add_list(ax_samp_net *n, int pop, const double *w, double delay,
                               ax_error *err)
{
    ax_spec *sp = &n->spec;
    const int64_t m = sp->pops[pop].n;
    int64_t k = 0;
    double wlo = INFINITY, whi = -INFINITY;
    for (int64_t q = 0; q < m * m; q++) k += w[q] != 0;
    int64_t *off = malloc((size_t)(m + 1) * sizeof *off), *src = malloc((size_t)(k ? k : 1) * sizeof *src);
    double *lw = malloc((size_t)(k ? k : 1) * sizeof *lw);
    if (!off || !src || !lw) {
        free(off), free(src), free(lw);
        return AX_FAIL(err, AX_ENOMEM, "out of memory allocating %s", "sampler connections");
    }
    k = 0;
    for (int64_t j = 0; j < m; j++) { /* by target, each target's sources ascending */
        off[j] = k;
        for (int64_t i = 0; i < m; i++) {
            double x = w[i * m + j];
            if (x == 0) continue;
            src[k] = i, lw[k++] = x;
            wlo = fmin(wlo, x), whi = fmax(whi, x);
        }
    }
    off[m] = k;
    ax_status st = ax_samp_net_add_proj(n, pop, pop, 0.0, delay, err);
    if (st != AX_OK || k == 0) { /* no connection: no projection */
        if (st == AX_OK) sp->n_proj--;
        free(off), free(src), free(lw);
        return st;
    }
    ax_proj_set_list(&sp->proj[sp->n_proj - 1], k, off, src, lw, wlo, whi);
    return AX_OK;
}

int ax_samp_same_bg(const ax_sampler *a, const ax_sampler *b)
{
    return a->rate_ex == b->rate_ex && a->w_ex == b->w_ex && a->rate_in == b->rate_in &&
           a->w_in == b->w_in;
}

/* Add one device over the populations whose background equals ref's. */
static ax_status add_dev(ax_samp_net *n, ax_dev_kind kind, const ax_sampler *ref, int inh,
                         double delay, ax_error *err)
{
    ax_spec *sp = &n->spec;
    ax_dev_spec *d = &sp->dev[sp->n_dev];
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "dev%d", sp->n_dev);
    d->kind = kind;
    d->targets = calloc((size_t)sp->n_pops, sizeof *d->targets);
    AX_CHECK_ALLOC(d->targets, err, "device targets");
    sp->n_dev++;
    for (int p = 0; p < sp->n_pops; p++)
        if (!ref || ax_samp_same_bg(ref, &n->bg[p]))
            d->targets[d->n_targets++] = (ax_dev_target){p, 0, sp->pops[p].n};
    d->start = 0.0;
    d->stop = INFINITY; /* background runs to the end of the recording (unlike sbs) */
    d->delay = delay;
    d->interval = sp->sim.resolution;
    if (ref) {
        d->rate = inh ? ref->rate_in : ref->rate_ex;
        d->weight = inh ? ref->w_in : ref->w_ex;
        d->receptor = AX_RECEPTOR_AUTO; /* by sign: negative = inhibitory */
    }
    return AX_OK;
}

ax_status ax_samp_net_finish(ax_samp_net *n, double delay, ax_error *err)
{
    ax_spec *sp = &n->spec;
    sp->dev = calloc((size_t)(2 * sp->n_pops + 1), sizeof *sp->dev);
    AX_CHECK_ALLOC(sp->dev, err, "devices");
    for (int p = 0; p < sp->n_pops; p++) {
        int seen = 0;
        for (int q = 0; q < p && !seen; q++) seen = ax_samp_same_bg(&n->bg[q], &n->bg[p]);
        if (seen) continue;
        if (n->bg[p].rate_ex > 0) AX_TRY(add_dev(n, AX_DEV_POISSON, &n->bg[p], 0, delay, err));
        if (n->bg[p].rate_in > 0) AX_TRY(add_dev(n, AX_DEV_POISSON, &n->bg[p], 1, delay, err));
    }
    return add_dev(n, AX_DEV_SPIKE_REC, NULL, 0, delay, err);
}

void ax_samp_net_free(ax_samp_net *n)
{
    ax_spec *sp = &n->spec;
    for (int p = 0; p < sp->n_pops; p++) {
        for (int k = 0; k < sp->pops[p].n_params; k++) free(sp->pops[p].params[k].values);
        free(sp->pops[p].params);
    }
    for (int k = 0; k < sp->n_proj; k++)
        free(sp->proj[k].list_off), free(sp->proj[k].list_src), free(sp->proj[k].list_w);
    for (int d = 0; d < sp->n_dev; d++) free(sp->dev[d].targets);
    AX_FREE_ALL(sp->pops, sp->proj, sp->dev, sp->text, sp->path, n->bg);
    memset(n, 0, sizeof *n);
}
