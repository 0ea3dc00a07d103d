/* export_spinnaker.c - `axon export --target spinnaker`: a runnable
 * pyNN.spiNNaker script (run.py), one FromFileConnector file per projection
 * and receptor (PyNN text format: population indices, PyNN units and signs)
 * and the report (placement, delays, 16-bit weight quantisation error).
 *
 * Facts (docs/export.md, reference §2): cell types IF_curr_exp/IF_curr_delta/
 * IF_cond_exp/IF_curr_alpha; PyNN units mV, nF, ms, nA, uS (mV weights for
 * IF_curr_delta); inhibitory current weights negative, conductance weights
 * positive; weights are unsigned 16-bit words per (post core, synapse type)
 * scaled by 2^(16-(p+1)) * global from the maximum summed input; delays are
 * whole steps, on-core up to 2^(14 - ceil log2 n - 1) steps, longer through
 * delay extensions (64 blocks of 16 steps). Errors are computed per synapse.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/model.h"
#include "axon/spec_emit.h"
#include "export_impl.h"

#define SPINN_DELAY_BLOCKS 64
#define SPINN_TICKS_PER_BLOCK 16

typedef struct cell_map {
    const char *axon, *pynn;
    int cond;            /* conductance input: global weight scale 1024, |w| */
    double wfac;         /* axon weight unit -> PyNN unit */
} cell_map;

static const cell_map kCells[] = {
    {"iaf_psc_exp", "IF_curr_exp", 0, 1e-3},
    {"iaf_psc_delta", "IF_curr_delta", 0, 1.0},
    {"iaf_cond_exp", "IF_cond_exp", 1, 1e-3},
    {"iaf_psc_alpha", "IF_curr_alpha", 0, 1e-3},
};

static const cell_map *cell_of(const ax_spec *s, int pop)
{
    for (size_t i = 0; i < sizeof kCells / sizeof kCells[0]; i++)
        if (!strcmp(kCells[i].axon, s->pops[pop].model)) return &kCells[i];
    return NULL;
}

static double par(const ax_spec *s, int pop, const char *name)
{
    double v = NAN;
    ax_error e;
    return ax_spec_param(s, pop, name, &v, &e) == AX_OK ? v : NAN;
}

static int ceil_log2(int64_t n)
{
    int b = 0;
    while ((1LL << b) < n) b++;
    return b;
}

/* The PyNN parameter dictionary of a population (Python literal). */
static void cell_params(const ax_spec *s, int i, const cell_map *c, ax_sbuf *b)
{
    double cm = par(s, i, "C_m"), tau_m = c->cond ? cm / par(s, i, "g_L") : par(s, i, "tau_m");
    ax_sbuf_printf(b, "{'cm': %.17g, 'tau_m': %.17g, 'v_rest': %.17g, 'v_reset': %.17g, 'v_thresh': %.17g, "
                      "'tau_refrac': %.17g, 'i_offset': %.17g",
                   cm * 1e-3, tau_m, par(s, i, "E_L"), par(s, i, "V_reset"), par(s, i, "V_th"),
                   par(s, i, "t_ref"), par(s, i, "I_e") * 1e-3);
    if (strcmp(c->pynn, "IF_curr_delta"))
        ax_sbuf_printf(b, ", 'tau_syn_E': %.17g, 'tau_syn_I': %.17g", par(s, i, "tau_syn_ex"),
                       par(s, i, "tau_syn_in"));
    if (c->cond) ax_sbuf_printf(b, ", 'e_rev_E': %.17g, 'e_rev_I': %.17g", par(s, i, "E_ex"), par(s, i, "E_in"));
    ax_sbuf_printf(b, "}");
}

static void py_dist(ax_sbuf *b, const ax_dist *d)
{
    switch (d->kind) {
    case AX_DIST_CONST: ax_sbuf_printf(b, "%.17g", d->value); break;
    case AX_DIST_UNIFORM: ax_sbuf_printf(b, "sim.RandomDistribution('uniform', (%.17g, %.17g))", d->low, d->high); break;
    case AX_DIST_NORMAL: ax_sbuf_printf(b, "sim.RandomDistribution('normal', (%.17g, %.17g))", d->mean, d->std); break;
    case AX_DIST_NORMAL_CLIPPED:
        ax_sbuf_printf(b, "sim.RandomDistribution('normal_clipped', (%.17g, %.17g, %.17g, %.17g))", d->mean,
                       d->std, isfinite(d->low) ? d->low : -1e30, isfinite(d->high) ? d->high : 1e30);
        break;
    }
}

/* Per-synapse state of the quantisation. */
typedef struct spinn_q {
    double *maxin;     /* per (neuron gid, type): summed |w| in PyNN units, worst case per step */
    double *scale;     /* per (core, type) */
} spinn_q;

/* Worst-case spikes per step of a Poisson train (rate Hz, dt ms): mean + 5 sd + 1. */
static double poisson_bound(double rate, double dt)
{
    double lam = rate * dt * 1e-3;
    return ceil(lam + 5.0 * sqrt(lam) + 1.0);
}

static int syn_type(const ax_spec *s, int tgt_pop, int receptor, double w)
{
    const ax_model_ops *m = ax_model_find(s->pops[tgt_pop].model);
    if (m && m->n_receptors == 2) return receptor;
    return w < 0; /* IF_curr_delta still has excitatory/inhibitory synapse types */
}

static ax_status quant_setup(const ax_spec *s, const ax_hw_net *net, const ax_hw_place *pl, spinn_q *q,
                             ax_error *err)
{
    q->maxin = calloc((size_t)(2 * s->n_total + 2), sizeof *q->maxin);
    q->scale = calloc((size_t)(2 * pl->n_cores + 2), sizeof *q->scale);
    AX_CHECK(q->maxin && q->scale, err, AX_ENOMEM, "out of memory for weight scales");
    for (int p = 0; p < s->n_proj; p++) {
        const ax_hw_edges *e = &net->proj[p];
        const cell_map *c = cell_of(s, s->proj[p].tgt);
        for (int64_t k = 0; k < e->n; k++)
            q->maxin[2 * e->tgt[k] + syn_type(s, s->proj[p].tgt, e->r[k], e->w[k])] += fabs(e->w[k]) * c->wfac;
    }
    for (int d = 0; d < s->n_dev; d++) {
        const ax_dev_spec *dv = &s->dev[d];
        if (dv->kind != AX_DEV_POISSON && dv->kind != AX_DEV_SPIKE_GEN) continue;
        double mult = dv->kind == AX_DEV_POISSON ? poisson_bound(dv->rate, s->sim.resolution) : 1.0;
        for (int t = 0; t < dv->n_targets; t++) {
            int pop = dv->targets[t].pop;
            const cell_map *c = cell_of(s, pop);
            int r = dv->receptor == AX_RECEPTOR_INHIBITORY || (dv->receptor == AX_RECEPTOR_AUTO && dv->weight < 0);
            for (int64_t i = 0; i < dv->targets[t].count; i++)
                q->maxin[2 * (s->pops[pop].first_gid + dv->targets[t].first + i) + r] += mult * fabs(dv->weight) * c->wfac;
        }
    }
    for (int c = 0; c < pl->n_cores; c++) {
        const ax_hw_core *k = &pl->cores[c];
        if (k->pop < 0) continue;
        const cell_map *cm = cell_of(s, k->pop);
        for (int t = 0; t < 2; t++) {
            double mx = 0;
            for (int64_t i = 0; i < k->count; i++) {
                double v = q->maxin[2 * (s->pops[k->pop].first_gid + k->first + i) + t];
                if (v > mx) mx = v;
            }
            q->scale[2 * c + t] = ax_spinn_weight_scale(mx, cm->cond ? 1024.0 : 1.0);
        }
    }
    return AX_OK;
}

/* Quantised PyNN weight (signed like w) of weight w (PyNN unit) on (core, type). */
static double quantise(const spinn_q *q, int core, int type, double w)
{
    double sc = q->scale[2 * core + type];
    double v = (double)ax_spinn_weight_word(w, sc) / sc;
    return w < 0 ? -v : v;
}

static ax_status write_conn(const ax_spec *s, const ax_hw_net *net, int p, int type, const char *path,
                            int64_t *count, ax_error *err)
{
    const ax_hw_edges *e = &net->proj[p];
    const ax_proj_spec *ps = &s->proj[p];
    const cell_map *c = cell_of(s, ps->tgt);
    FILE *f = fopen(path, "w");
    AX_CHECK(f, err, AX_EIO, "%s: cannot write", path);
    fprintf(f, "# columns = [\"i\", \"j\", \"weight\", \"delay\"]\n");
    fprintf(f, "# axon projection %d: %s -> %s, %s, weights in %s, delays in ms\n", p, s->pops[ps->src].name,
            s->pops[ps->tgt].name, type ? "inhibitory" : "excitatory",
            !strcmp(c->pynn, "IF_curr_delta") ? "mV" : c->cond ? "uS" : "nA");
    *count = 0;
    for (int64_t k = 0; k < e->n; k++) {
        if (syn_type(s, ps->tgt, e->r[k], e->w[k]) != type) continue;
        double w = e->w[k] * c->wfac;
        if (c->cond) w = fabs(w); /* PyNN: conductances positive */
        fprintf(f, "%lld\t%lld\t%.17g\t%.17g\n", (long long)(e->src[k] - s->pops[ps->src].first_gid),
                (long long)(e->tgt[k] - s->pops[ps->tgt].first_gid), w, e->d[k] * s->sim.resolution);
        (*count)++;
    }
    AX_CHECK(fclose(f) == 0, err, AX_EIO, "%s: write failed", path);
    return AX_OK;
}

static void check_models(const ax_spec *s, const ax_export_opts *o, ax_sbuf *approx, ax_sbuf *viol)
{
    for (int i = 0; i < s->n_pops; i++) {
        const ax_pop_spec *p = &s->pops[i];
        if (!cell_of(s, i)) {
            ax_hw_violation(0, approx, viol, "model %s of population %s has no sPyNNaker cell type "
                            "(supported: iaf_psc_exp, iaf_psc_delta, iaf_cond_exp, iaf_psc_alpha)", p->model, p->name);
            continue;
        }
        if (par(s, i, "reset") > 0)
            ax_hw_violation(o->allow_approx, approx, viol, "population %s: reset: subtract has no sPyNNaker "
                            "equivalent (exported as reset to v_reset; fix: reset: absolute)", p->name);
        if (isfinite(par(s, i, "V_min")))
            ax_hw_violation(o->allow_approx, approx, viol, "population %s: V_min = %g mV is not supported "
                            "by sPyNNaker (dropped)", p->name, par(s, i, "V_min"));
        if (par(s, i, "refractory_input") > 0)
            ax_hw_violation(o->allow_approx, approx, viol, "population %s: refractory_input: true is not "
                            "supported by sPyNNaker (input during refractoriness is lost)", p->name);
        if (isinf(par(s, i, "tau_m")))
            ax_hw_violation(0, approx, viol, "population %s: tau_m = inf is not representable on SpiNNaker "
                            "(fix: a large finite tau_m)", p->name);
    }
}

static void check_delays(const ax_spec *s, const ax_hw_net *net, const ax_hw_place *pl, const ax_export_opts *o,
                         ax_sbuf *report, ax_sbuf *approx, ax_sbuf *viol)
{
    ax_sbuf_printf(report, "delays (steps of %g ms):\n", s->sim.resolution);
    for (int p = 0; p < s->n_proj; p++) {
        const ax_hw_edges *e = &net->proj[p];
        int32_t dmax = 0;
        for (int64_t k = 0; k < e->n; k++) dmax = e->d[k] > dmax ? e->d[k] : dmax;
        int64_t oncore = INT64_MAX;
        for (int c = 0; c < pl->n_cores; c++)
            if (pl->cores[c].pop == s->proj[p].tgt) {
                int bits = 14 - ceil_log2(pl->cores[c].count) - 1;
                int64_t v = 1LL << (bits > 0 ? bits : 0);
                if (v < oncore) oncore = v;
            }
        int64_t max = oncore + SPINN_DELAY_BLOCKS * SPINN_TICKS_PER_BLOCK;
        ax_sbuf_printf(report, "  projection %d %s -> %s: max %d steps, on-core limit %lld%s\n", p,
                       s->pops[s->proj[p].src].name, s->pops[s->proj[p].tgt].name, dmax, (long long)oncore,
                       dmax > oncore ? " (uses delay extension cores)" : "");
        if (dmax > max)
            ax_hw_violation(o->allow_approx, approx, viol, "projection %d (%s -> %s): delay of %d steps exceeds "
                            "SpiNNaker's maximum of %lld steps (on-core %lld + %d x %d extension); fix: shorter "
                            "delays or a larger time step", p, s->pops[s->proj[p].src].name,
                            s->pops[s->proj[p].tgt].name, dmax, (long long)max, (long long)oncore,
                            SPINN_DELAY_BLOCKS, SPINN_TICKS_PER_BLOCK);
    }
}

/* Quantisation error of every projection (computed per synapse); fills the
 * weights the simulated variant uses. */
static void weight_errors(const ax_spec *s, const ax_hw_net *net, const ax_hw_place *pl, const spinn_q *q,
                          const ax_export_opts *o, ax_sbuf *report, ax_sbuf *approx, ax_sbuf *viol,
                          double *wsim)
{
    ax_sbuf_printf(report, "weight quantisation (16-bit per core and synapse type), relative error:\n");
    for (int p = 0; p < s->n_proj; p++) {
        const ax_hw_edges *e = &net->proj[p];
        const cell_map *c = cell_of(s, s->proj[p].tgt);
        double emax = 0, esum = 0, qsum = 0;
        int64_t zero = 0, nz = 0, bad_id = -1;
        for (int64_t k = 0; k < e->n; k++) {
            if (e->w[k] == 0) continue;
            int core = ax_hw_core_of(s, pl, e->tgt[k]);
            double w = e->w[k] * c->wfac;
            double wq = quantise(q, core, syn_type(s, s->proj[p].tgt, e->r[k], e->w[k]), w);
            double rel = fabs(wq - w) / fabs(w);
            if (wq == 0) { zero++; bad_id = e->tgt[k]; }
            if (rel > emax) emax = rel;
            esum += rel * rel;
            qsum += wq / c->wfac;
            nz++;
        }
        double rms = nz ? sqrt(esum / (double)nz) : 0;
        ax_sbuf_printf(report, "  projection %d %s -> %s: %lld synapses, max %.3g, RMS %.3g\n", p,
                       s->pops[s->proj[p].src].name, s->pops[s->proj[p].tgt].name, (long long)e->n, emax, rms);
        wsim[p] = s->proj[p].weight.kind == AX_DIST_CONST && nz ? qsum / (double)nz : NAN;
        if (zero)
            ax_hw_violation(o->allow_approx, approx, viol, "projection %d (%s -> %s): %lld weights round to 0 "
                            "in 16 bits (e.g. onto neuron gid %lld); fix: fewer/larger inputs per neuron",
                            p, s->pops[s->proj[p].src].name, s->pops[s->proj[p].tgt].name, (long long)zero,
                            (long long)bad_id);
        else if (emax > o->max_rel_error)
            ax_hw_violation(o->allow_approx, approx, viol, "projection %d (%s -> %s): weight quantisation error "
                            "%.3g > %.3g (16-bit weights per core); fix: smaller --neurons-per-core or weights of "
                            "similar size per target", p, s->pops[s->proj[p].src].name,
                            s->pops[s->proj[p].tgt].name, emax, o->max_rel_error);
    }
}

static void script_devices(const ax_spec *s, const ax_hw_place *pl, const spinn_q *q, ax_sbuf *b,
                           double *dsim)
{
    for (int d = 0; d < s->n_dev; d++) {
        const ax_dev_spec *dv = &s->dev[d];
        dsim[d] = NAN;
        for (int t = 0; t < dv->n_targets; t++) {
            const ax_dev_target *tg = &dv->targets[t];
            const cell_map *c = cell_of(s, tg->pop);
            char view[256];
            snprintf(view, sizeof view, "pops[%s%s%s][%lld:%lld]", "'", s->pops[tg->pop].name, "'",
                     (long long)tg->first, (long long)(tg->first + tg->count));
            int inh = dv->receptor == AX_RECEPTOR_INHIBITORY || (dv->receptor == AX_RECEPTOR_AUTO && dv->weight < 0);
            double w = dv->weight * c->wfac;
            if (c->cond) w = fabs(w);
            if (dv->kind == AX_DEV_POISSON || dv->kind == AX_DEV_SPIKE_GEN) {
                int core = ax_hw_core_of(s, pl, s->pops[tg->pop].first_gid + tg->first);
                double wq = quantise(q, core, inh, dv->weight * c->wfac) / c->wfac;
                if (t == 0) dsim[d] = wq;
            }
            if (dv->kind == AX_DEV_POISSON) {
                ax_sbuf_printf(b, "src = sim.Population(%lld, sim.SpikeSourcePoisson(rate=%.17g, start=%.17g",
                               (long long)tg->count, dv->rate, dv->start);
                if (isfinite(dv->stop)) ax_sbuf_printf(b, ", duration=%.17g", dv->stop - dv->start);
                ax_sbuf_printf(b, "), label='%s_%d')\n", dv->name, t);
                ax_sbuf_printf(b, "sim.Projection(src, %s, sim.OneToOneConnector(), sim.StaticSynapse(weight=%.17g, "
                                  "delay=%.17g), receptor_type='%s')\n",
                               view, w, dv->delay, inh ? "inhibitory" : "excitatory");
            } else if (dv->kind == AX_DEV_SPIKE_GEN) {
                ax_sbuf_printf(b, "src = sim.Population(1, sim.SpikeSourceArray(spike_times=[");
                for (int64_t k = 0; k < dv->n_times; k++) ax_sbuf_printf(b, "%s%.17g", k ? ", " : "", dv->spike_times[k]);
                ax_sbuf_printf(b, "]), label='%s_%d')\n", dv->name, t);
                ax_sbuf_printf(b, "sim.Projection(src, %s, sim.AllToAllConnector(), sim.StaticSynapse(weight=%.17g, "
                                  "delay=%.17g), receptor_type='%s')\n",
                               view, w, dv->delay, inh ? "inhibitory" : "excitatory");
            } else if (dv->kind == AX_DEV_DC) {
                ax_sbuf_printf(b, "sim.DCSource(amplitude=%.17g, start=%.17g%s", dv->amplitude * 1e-3, dv->start,
                               isfinite(dv->stop) ? ", stop=" : "");
                if (isfinite(dv->stop)) ax_sbuf_printf(b, "%.17g", dv->stop);
                ax_sbuf_printf(b, ").inject_into(%s)\n", view);
            } else if (dv->kind == AX_DEV_SPIKE_REC) {
                ax_sbuf_printf(b, "%s.record('spikes')\nrecorded.add('%s')\n", view, s->pops[tg->pop].name);
            } else {
                for (int k = 0; k < dv->n_record; k++)
                    if (!strcmp(dv->record_from[k], "V_m"))
                        ax_sbuf_printf(b, "%s.record('v')\nrecorded.add('%s')\n", view, s->pops[tg->pop].name);
            }
        }
    }
}

ax_status ax_export_spinnaker(const ax_spec *s, const ax_hw_net *net, const ax_export_opts *o,
                              const char *dir, ax_sbuf *report, ax_sbuf *approx, ax_export_result *res,
                              ax_error *err)
{
    ax_sbuf viol = {0}, py = {0};
    ax_hw_place pl = {0};
    spinn_q q = {0};
    double *wsim = calloc((size_t)s->n_proj + 1, sizeof *wsim), *dsim = calloc((size_t)s->n_dev + 1, sizeof *dsim);
    ax_status st = AX_OK;
    char path[4300];
    AX_CHECK(wsim && dsim, err, AX_ENOMEM, "out of memory");
    ax_hw_limits lim = {.neurons_per_core = o->neurons_per_core > 0 ? o->neurons_per_core : 256,
                        .cores_per_chip = 16, .chips_per_board = o->spinn_version == 3 ? 4 : 48,
                        .max_boards = o->spinn_version == 3 ? 1 : 0, .count_sources = 1};
    check_models(s, o, approx, &viol);
    if (lim.neurons_per_core > 256)
        ax_hw_violation(0, approx, &viol, "--neurons-per-core %d exceeds sPyNNaker's maximum of 256 "
                        "(the master population table's row length)", lim.neurons_per_core);
    double dt_us = s->sim.resolution * 1000.0;
    if (fabs(dt_us - nearbyint(dt_us)) > 1e-9)
        ax_hw_violation(0, approx, &viol, "time step %g ms is not a whole number of microseconds "
                        "(SpiNNaker's timer); fix: resolution 0.1 or 1.0 ms", s->sim.resolution);
    if (viol.len) goto fail;
    if ((st = ax_hw_place_build(net, &lim, &pl, err)) != AX_OK) goto done;
    ax_sbuf_printf(report, "target: SpiNNaker (sPyNNaker), SpiNN-%d boards, time step %g ms\n",
                   o->spinn_version == 3 ? 3 : 5, s->sim.resolution);
    ax_hw_place_report(s, &pl, &lim, report);
    if (lim.max_boards && pl.n_boards > lim.max_boards)
        ax_hw_violation(0, approx, &viol, "%d chips needed but a SpiNN-3 board has 4 (16 application cores "
                        "each); fix: --spinn-version 5 or fewer neurons", pl.n_chips);
    check_delays(s, net, &pl, o, report, approx, &viol);
    if ((st = quant_setup(s, net, &pl, &q, err)) != AX_OK) goto done;
    weight_errors(s, net, &pl, &q, o, report, approx, &viol, wsim);
    if (viol.len) goto fail;

    int tsf = s->sim.resolution < 1.0 ? (int)ceil(1.0 / s->sim.resolution - 1e-9) : 1;
    ax_sbuf_printf(&py, "#!/usr/bin/env python3\n\"\"\"Generated by axon export --target spinnaker from %s.\n\n"
                        "Run with sPyNNaker installed: python3 run.py\nUnits: PyNN (mV, nF, ms, nA, uS; mV weights "
                        "for IF_curr_delta). Connection files: FromFileConnector text format.\n"
                        "time_scale_factor %d: a %g ms step runs slower than real time so cores keep up.\n\"\"\"\n"
                        "import os\nimport pyNN.spiNNaker as sim\n\nHERE = os.path.dirname(os.path.abspath(__file__))\n"
                        "sim.setup(timestep=%.17g, time_scale_factor=%d)\n",
                   s->path ? s->path : "a spec", tsf, s->sim.resolution, s->sim.resolution, tsf);
    for (size_t k = 0; k < sizeof kCells / sizeof kCells[0]; k++)
        for (int i = 0; i < s->n_pops; i++)
            if (cell_of(s, i) == &kCells[k]) {
                ax_sbuf_printf(&py, "sim.set_number_of_neurons_per_core(sim.%s, %d)\n", kCells[k].pynn,
                               lim.neurons_per_core);
                break;
            }
    ax_sbuf_printf(&py, "\npops = {}\nrecorded = set()\n");
    for (int i = 0; i < s->n_pops; i++) {
        ax_sbuf_printf(&py, "pops['%s'] = sim.Population(%lld, sim.%s(**", s->pops[i].name, (long long)s->pops[i].n,
                       cell_of(s, i)->pynn);
        cell_params(s, i, cell_of(s, i), &py);
        ax_sbuf_printf(&py, "), label='%s')\n", s->pops[i].name);
        double v0 = par(s, i, "E_L");
        ax_dist d0 = {.kind = AX_DIST_CONST, .value = v0};
        const ax_dist *dv = &d0;
        for (int k = 0; k < s->pops[i].n_init; k++)
            if (!strcmp(s->pops[i].init[k].name, "V_m")) dv = &s->pops[i].init[k].dist;
        ax_sbuf_printf(&py, "pops['%s'].initialize(v=", s->pops[i].name);
        py_dist(&py, dv);
        ax_sbuf_printf(&py, ")\n");
    }
    ax_sbuf_printf(&py, "\nprojections = []\n");
    for (int p = 0; p < s->n_proj; p++)
        for (int type = 0; type < 2; type++) {
            char fname[256];
            snprintf(fname, sizeof fname, "conn_%d_%s_%s_%s.txt", p, s->pops[s->proj[p].src].name,
                     s->pops[s->proj[p].tgt].name, type ? "inh" : "exc");
            snprintf(path, sizeof path, "%s/%s", dir, fname);
            int64_t cnt = 0;
            if ((st = write_conn(s, net, p, type, path, &cnt, err)) != AX_OK) goto done;
            if (!cnt) {
                remove(path);
                continue;
            }
            ax_sbuf_printf(&py, "projections.append(sim.Projection(pops['%s'], pops['%s'], "
                                "sim.FromFileConnector(os.path.join(HERE, '%s')), synapse_type=sim.StaticSynapse(), "
                                "receptor_type='%s'))\n",
                           s->pops[s->proj[p].src].name, s->pops[s->proj[p].tgt].name, fname,
                           type ? "inhibitory" : "excitatory");
        }
    ax_sbuf_printf(&py, "\n");
    script_devices(s, &pl, &q, &py, dsim);
    ax_sbuf_printf(&py, "\nsim.run(%.17g)\nfor name in sorted(recorded):\n"
                        "    pops[name].write_data(os.path.join(HERE, 'result_%%s.pkl' %% name))\nsim.end()\n",
                   s->sim.t_sim);
    if (py.oom) { st = AX_FAIL(err, AX_ENOMEM, "out of memory writing run.py"); goto done; }
    snprintf(path, sizeof path, "%s/run.py", dir);
    FILE *f = fopen(path, "w");
    if (!f || fwrite(py.s, 1, py.len, f) != py.len) st = AX_FAIL(err, AX_EIO, "%s: cannot write", path);
    if (f && fclose(f) != 0 && st == AX_OK) st = AX_FAIL(err, AX_EIO, "%s: write failed", path);
    if (st != AX_OK) goto done;
    {
        ax_sbuf y = {0}, notes = {0};
        ax_spec_override ov = {.proj_weight = wsim, .dev_weight = dsim, .no_output = 1};
        if ((st = ax_spec_emit(s, &ov, &y, err)) != AX_OK) { ax_sbuf_free(&y); goto done; }
        res->sim_spec_yaml = ax_sbuf_take(&y);
        ax_sbuf_printf(&notes, "simulated: the same network and time step with each constant weight replaced by the "
                               "mean of its 16-bit quantised values (exact where all target cores share one scale); "
                               "generator weights quantised on their first target's core.\nnot simulated: per-synapse "
                               "quantisation of distributed weights (its error is in the report), sPyNNaker's s16.15 "
                               "state arithmetic, ring-buffer saturation and real-time packet loss.\n");
        for (int p = 0; p < s->n_proj; p++)
            if (isnan(wsim[p]))
                ax_sbuf_printf(&notes, "  projection %d: distributed weight kept unquantised\n", p);
        res->sim_notes = ax_sbuf_take(&notes);
    }
    goto done;
fail:
    st = AX_FAIL(err, AX_EINPUT, "SpiNNaker export: hardware limits violated (--allow-approx accepts those that "
                                 "can be approximated):\n%s", viol.s);
done:
    free(q.maxin);
    free(q.scale);
    free(wsim);
    free(dsim);
    ax_hw_place_free(&pl);
    ax_sbuf_free(&py);
    ax_sbuf_free(&viol);
    return st;
}
