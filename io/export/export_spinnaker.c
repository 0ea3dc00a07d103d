/* export_spinnaker.c - `axon export --target spinnaker`: a pyNN.spiNNaker
 * script (run.py) that real PyNN runs, one connection file per projection
 * and receptor in PyNN's StandardTextFile format, and the report
 * (placement, delays, 16-bit weight quantisation error, approximations).
 *
 * Units and conversions: partition/hw_spinn.c (axon/hw_spinn.h) and
 * docs/export.md "SpiNNaker". Facts this file relies on (sPyNNaker 7 and
 * PyNN 0.10.1, /work/notes/spinnaker.md):
 * - PyNN's StandardTextFile.get_metadata reads every leading '#' line as
 *   `name = <python list>`; anything else crashes PyNN and sPyNNaker, so a
 *   file has `# columns = [...]` and one `# axon = [...]` list without '='.
 * - A file with exactly one row loads as a 1-D array, which both
 *   FromFileConnectors reject: such a projection is written inline as a
 *   FromListConnector.
 * - sPyNNaker stores |w| and takes the receptor from receptor_type, so every
 *   weight of a file has the sign PyNN expects for that receptor.
 * - Ring buffer (abstract_population_vertex.py get_ring_buffer_shifts): per
 *   population and synapse type M = max(sum over incoming projections of
 *   spikes_per_tick * w_max * n_max, max w_max * global_scale), with
 *   n_max the largest in-degree of the projection; the weight word is
 *   round(|w| * 2^(15-p) * global), p from M (ax_spinn_weight_scale).
 * - Delays: whole steps, at most 9 x 2^(13 - n_bits(neurons per core)).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axon/hw_spinn.h"
#include "axon/model.h"
#include "axon/spec_emit.h"
#include "export_impl.h"

/* A population as the board sees it. */
typedef struct spop {
    ax_spinn_kind kind;  /* AX_SPINN_NONE for a spike source */
    int source;          /* a spike_source_array population: a SpikeSourceArray */
    ax_spinn_nest nest;
    ax_spinn_cell cell;
    double total[2], biggest[2]; /* ring-buffer statistics per synapse type */
    double scale[2];             /* weight words per PyNN unit (global scale included) */
} spop;

/* An STDP projection on the board (sPyNNaker's STDPMechanism): SP_STATIC
 * for a static one or one exported static (--allow-approx). */
enum { SP_STATIC = 0, SP_ADDITIVE, SP_MULTIPLICATIVE };
typedef struct sp_stdp {
    int mech;
    int type;        /* synapse type of its synapses */
    double tau_plus, tau_minus, A_plus, A_minus, w_max; /* PyNN's values (w_max in PyNN weight units) */
    double wmax_sim; /* the NEST Wmax the board's w_max stands for (--simulate) */
} sp_stdp;

typedef struct spinn_ctx {
    const ax_spec *s;
    const ax_hw_net *net;
    const ax_export_opts *o;
    double h;
    spop *pops;
    int npc;
    ax_sbuf *report, *approx, *viol;
    sp_stdp *stdp;   /* [n_proj] */
} spinn_ctx;

static double par(const ax_spec *s, int pop, const char *name)
{
    double v = NAN;
    ax_error e;
    return ax_spec_param(s, pop, name, &v, &e) == AX_OK ? v : NAN;
}

static void nest_of(const ax_spec *s, int i, ax_spinn_nest *n)
{
    *n = (ax_spinn_nest){.C_m = par(s, i, "C_m"), .tau_m = par(s, i, "tau_m"), .E_L = par(s, i, "E_L"),
                         .V_reset = par(s, i, "V_reset"), .V_th = par(s, i, "V_th"), .t_ref = par(s, i, "t_ref"),
                         .I_e = par(s, i, "I_e"), .V_min = par(s, i, "V_min"), .g_L = par(s, i, "g_L"),
                         .tau_syn = {par(s, i, "tau_syn_ex"), par(s, i, "tau_syn_in")},
                         .E_rev = {par(s, i, "E_ex"), par(s, i, "E_in")}};
}

/* Synapse type (0 excitatory, 1 inhibitory) of a synapse onto pop: the
 * receptor port of two-receptor models, the sign for delta synapses. */
static int syn_type(const ax_spec *s, int pop, int port, double w)
{
    const ax_model_ops *m = ax_model_find(s->pops[pop].model);
    return m && m->n_receptors == 2 ? port : w < 0;
}

static int dev_type(const ax_spec *s, const ax_dev_spec *dv, int pop)
{
    const ax_model_ops *m = ax_model_find(s->pops[pop].model);
    if (!m || m->n_receptors != 2) return dv->weight < 0;
    return dv->receptor == AX_RECEPTOR_INHIBITORY || (dv->receptor == AX_RECEPTOR_AUTO && dv->weight < 0);
}

static const char *kTypeName[2] = {"excitatory", "inhibitory"};

/* A generator's delay in steps, as axon rounds it (on the grid, >= 1). */
static int64_t dev_steps(const ax_dev_spec *dv, double h)
{
    double k = nearbyint(dv->delay / h);
    return k < 1 ? 1 : (int64_t)k;
}

/* A NEST weight of sign opposite to its receptor cannot be written:
 * sPyNNaker stores |w| per receptor, so the sign would flip. */
static int sign_ok(const spop *p, int type, double J)
{
    if (J == 0) return 1;
    if (p->kind == AX_SPINN_COND_EXP) return type == 1 || J > 0;
    return type == (J < 0);
}

static const char *weight_unit(ax_spinn_kind k)
{
    switch (k) {
    case AX_SPINN_CURR_DELTA:
    case AX_SPINN_TRUNC_DELTA: return "pC (cm 1 nF: ~mV)";
    case AX_SPINN_CURR_ALPHA: return "nA ms (charge)";
    case AX_SPINN_COND_EXP: return "uS";
    default: return "nA";
    }
}

/* ---- checks ---------------------------------------------------------- */

/* Every s16.15 parameter must lie in [-65536, 65536). */
static void check_range(spinn_ctx *x, int i)
{
    const ax_spinn_cell *c = &x->pops[i].cell;
    const struct { const char *n; double v; } v[] = {
        {"cm", c->cm}, {"tau_m", c->tau_m}, {"v_rest", c->v_rest}, {"v_reset", c->v_reset},
        {"v_thresh", c->v_thresh}, {"tau_refrac", c->tau_refrac}, {"i_offset", c->i_offset},
        {"R = tau_m/cm", c->tau_m / c->cm}};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
        if (!(fabs(v[k].v) < 65536.0))
            ax_hw_violation(0, x->approx, x->viol, "population %s: %s = %g is outside sPyNNaker's s16.15 "
                            "range [-65536, 65536); fix: parameters within that range", x->s->pops[i].name,
                            v[k].n, v[k].v);
}

/* sPyNNaker's SpikeSourceArray sends at most one spike per neuron and
 * tick: a time repeated within a neuron's list would be lost. */
static void check_source(spinn_ctx *x, int i)
{
    const ax_pop_spec *p = &x->s->pops[i];
    int64_t dup = 0, first = -1;
    for (int64_t j = 0; j < p->n; j++)
        for (int64_t k = p->times_off[j] + 1; k < p->times_off[j + 1]; k++)
            if (p->times[k] == p->times[k - 1]) {
                dup++;
                if (first < 0) first = j;
            }
    if (dup)
        ax_hw_violation(x->o->allow_approx, x->approx, x->viol, "population %s: %lld repeated spike times (e.g. "
                        "neuron %lld); a SpikeSourceArray sends one spike per neuron and step, so repeats are "
                        "lost; fix: one time per step and neuron, or a weight times the multiplicity", p->name,
                        (long long)dup, (long long)first);
}

static void check_model(spinn_ctx *x, int i)
{
    const ax_spec *s = x->s;
    const ax_pop_spec *p = &s->pops[i];
    spop *sp = &x->pops[i];
    int allow = x->o->allow_approx;
    if (!strcmp(p->model, "spike_source_array")) {
        sp->source = 1;
        sp->kind = AX_SPINN_NONE;
        check_source(x, i);
        return;
    }
    for (int k = 0; k < p->n_params; k++)
        if (p->params[k].values)
            ax_hw_violation(0, x->approx, x->viol, "population %s: %s differs per neuron; the SpiNNaker export "
                            "writes one parameter set per population (fix: one population per value)", p->name,
                            p->params[k].name);
    nest_of(s, i, &sp->nest);
    sp->kind = ax_spinn_kind_of(p->model, sp->nest.tau_m);
    if (sp->kind == AX_SPINN_NONE) {
        if (isinf(sp->nest.tau_m))
            ax_hw_violation(0, x->approx, x->viol, "population %s: %s with tau_m = inf has no sPyNNaker cell "
                            "(the only non-leaky one, IFTruncDelta, has delta synapses); fix: a finite tau_m "
                            "or model iaf_psc_delta", p->name, p->model);
        else
            ax_hw_violation(0, x->approx, x->viol, "model %s of population %s has no sPyNNaker cell type "
                            "(supported: iaf_psc_delta, iaf_psc_exp, iaf_psc_alpha, iaf_cond_exp)", p->model,
                            p->name);
        return;
    }
    ax_spinn_cell_from_nest(sp->kind, &sp->nest, x->h, &sp->cell);
    check_range(x, i);
    if (par(s, i, "reset") > 0)
        ax_hw_violation(allow, x->approx, x->viol, "population %s: reset: subtract has no sPyNNaker model "
                        "(every sPyNNaker LIF resets to v_reset; exported so); fix: reset: absolute", p->name);
    if (par(s, i, "refractory_input") > 0)
        ax_hw_violation(allow, x->approx, x->viol, "population %s: refractory_input: true is not supported by "
                        "sPyNNaker (input during refractoriness is lost)", p->name);
    if (sp->kind == AX_SPINN_TRUNC_DELTA) {
        if (sp->nest.V_min != sp->nest.V_reset)
            ax_hw_violation(allow, x->approx, x->viol, "population %s: tau_m = inf exports as IFTruncDelta, which "
                            "floors V at v_reset = %g mV, but V_min = %g mV; fix: V_min equal to V_reset",
                            p->name, sp->nest.V_reset, sp->nest.V_min);
    } else if (isfinite(sp->nest.V_min))
        ax_hw_violation(allow, x->approx, x->viol, "population %s: V_min = %g mV is not supported by %s "
                        "(dropped)", p->name, sp->nest.V_min, ax_spinn_cell_type(sp->kind));
    double g = ax_spinn_gain_error(&sp->cell, x->h);
    if (g == -1.0)
        ax_hw_violation(0, x->approx, x->viol, "population %s: tau_m = %g ms is too long for sPyNNaker: "
                        "exp(-h/tau_m) rounds to 1 in s16.15 and inputs would have no effect; fix: tau_m below "
                        "%g ms or a larger time step", p->name, sp->cell.tau_m, x->h * 6553.0);
    else if (fabs(g) > x->o->max_rel_error)
        ax_hw_violation(allow, x->approx, x->viol, "population %s: the board's input gain R (1 - exp_TC) with "
                        "s16.15 constants is off by %.3g (tau_m = %g ms, step %g ms) > %.3g; fix: a shorter "
                        "tau_m or a larger time step", p->name, g, sp->cell.tau_m, x->h, x->o->max_rel_error);
    if (sp->kind == AX_SPINN_CURR_ALPHA)
        ax_hw_violation(allow, x->approx, x->viol, "population %s: IF_curr_alpha weights are charges and its "
                        "synapse is not linear: weights written for equal charge (single-PSP peak error %.2g "
                        "excitatory, %.2g inhibitory); inputs arriving within a few tau_syn of each other rise "
                        "with the latest weight (sPyNNaker synapse_types_alpha_impl.h)", p->name,
                        ax_spinn_psp_error(&sp->nest, sp->kind, 0, 100.0, x->h),
                        ax_spinn_psp_error(&sp->nest, sp->kind, 1, -100.0, x->h));
}

/* Conductance PSPs: the board drives with V frozen for the step; the error
 * of the largest weight of each projection and generator is computed
 * against NEST's continuous model. */
static void cond_error(spinn_ctx *x, int pop, int type, double J, const char *what)
{
    double err = ax_spinn_psp_error(&x->pops[pop].nest, AX_SPINN_COND_EXP, type, J, x->h);
    ax_sbuf_printf(x->report, "  %s %s: IF_cond_exp single-PSP peak error %.3g (largest weight %g nS; driving "
                              "force explicit per step)\n", what, kTypeName[type], err, J);
    if (err > x->o->max_rel_error)
        ax_hw_violation(x->o->allow_approx, x->approx, x->viol, "%s: IF_cond_exp PSP of %g nS is off by %.3g > "
                        "%.3g (the board's driving force is explicit per step); fix: a smaller time step or "
                        "weights", what, J, err, x->o->max_rel_error);
}

static void check_cond(spinn_ctx *x)
{
    const ax_spec *s = x->s;
    char what[256];
    for (int p = 0; p < s->n_proj; p++) {
        int t = s->proj[p].tgt;
        if (x->pops[t].kind != AX_SPINN_COND_EXP) continue;
        for (int type = 0; type < 2; type++) {
            const ax_hw_edges *e = &x->net->proj[p];
            double big = 0;
            for (int64_t k = 0; k < e->n; k++)
                if (syn_type(s, t, e->r[k], e->w[k]) == type && fabs(e->w[k]) > fabs(big)) big = e->w[k];
            snprintf(what, sizeof what, "projection %d (%s -> %s)", p, s->pops[s->proj[p].src].name, s->pops[t].name);
            if (big != 0) cond_error(x, t, type, big, what);
        }
    }
    for (int d = 0; d < s->n_dev; d++) {
        const ax_dev_spec *dv = &s->dev[d];
        if (dv->kind != AX_DEV_POISSON && dv->kind != AX_DEV_SPIKE_GEN) continue;
        for (int t = 0; t < dv->n_targets; t++) {
            int pop = dv->targets[t].pop;
            if (x->pops[pop].kind != AX_SPINN_COND_EXP || dv->weight == 0) continue;
            snprintf(what, sizeof what, "device %s -> %s", dv->name, s->pops[pop].name);
            cond_error(x, pop, dev_type(s, dv, pop), dv->weight, what);
        }
    }
}

static void check_delays(spinn_ctx *x)
{
    const ax_spec *s = x->s;
    ax_sbuf_printf(x->report, "delays (steps of %g ms; sPyNNaker >= 6: on-core D, at most 9 D with one "
                              "delay extension):\n", x->h);
    for (int p = 0; p < s->n_proj; p++) {
        const ax_hw_edges *e = &x->net->proj[p];
        int t = s->proj[p].tgt;
        int32_t dmax = 0;
        for (int64_t k = 0; k < e->n; k++) dmax = e->d[k] > dmax ? e->d[k] : dmax;
        int64_t D, max = ax_spinn_max_delay(s->pops[t].n, x->npc, &D);
        ax_sbuf_printf(x->report, "  projection %d %s -> %s: max %d steps, on-core D %lld%s\n", p,
                       s->pops[s->proj[p].src].name, s->pops[t].name, dmax, (long long)D,
                       dmax > D ? " (uses a delay extension)" : "");
        if (dmax > max)
            ax_hw_violation(0, x->approx, x->viol, "projection %d (%s -> %s): delay of %d steps exceeds "
                            "sPyNNaker's maximum of %lld steps (9 x %lld for %d neurons per core); fix: shorter "
                            "delays, a larger time step or fewer --neurons-per-core", p,
                            s->pops[s->proj[p].src].name, s->pops[t].name, dmax, (long long)max, (long long)D,
                            x->npc);
    }
    for (int d = 0; d < s->n_dev; d++) {
        const ax_dev_spec *dv = &s->dev[d];
        if (dv->kind != AX_DEV_POISSON && dv->kind != AX_DEV_SPIKE_GEN) continue;
        int64_t steps = dev_steps(dv, x->h);
        for (int t = 0; t < dv->n_targets; t++) {
            int64_t max = ax_spinn_max_delay(s->pops[dv->targets[t].pop].n, x->npc, NULL);
            if (steps > max)
                ax_hw_violation(0, x->approx, x->viol, "device %s: delay of %lld steps exceeds sPyNNaker's "
                                "maximum of %lld steps; fix: a shorter delay", dv->name, (long long)steps,
                                (long long)max);
        }
    }
}

/* ---- weights --------------------------------------------------------- */

static double pynn_w(const spinn_ctx *x, int pop, int type, double J)
{
    return ax_spinn_weight(&x->pops[pop].cell, type, J, x->h);
}

/* ---- STDP ------------------------------------------------------------------
 *
 * NEST's stdp_synapse (models/stdp_synapse.h: facilitate w^ = w/Wmax +
 * lambda (1 - w/Wmax)^mu_plus K+, clipped at 1; depress w^ = w/Wmax -
 * alpha lambda (w/Wmax)^mu_minus K-, clipped at 0; tau_minus at the target
 * neuron) against sPyNNaker 7's STDPMechanism (sPyNNaker f905ce88:
 * spynnaker/pyNN/models/neuron/plasticity/stdp/timing_dependence/
 * timing_dependence_spike_pair.py, weight_dependence/weight_dependence_
 * additive.py and _multiplicative.py write_parameters; C in
 * neural_modelling/src/neuron/plasticity/stdp/weight_dependence/
 * weight_additive_one_term_impl.h: w += A+ K, clipped at w_max, w -= A- K,
 * clipped at w_min; weight_multiplicative_impl.h: w += A+ (w_max - w) K,
 * w -= A- (w - w_min) K; weights in PyNN units, A+/A- of the additive rule
 * in weight units, not scaled by w_max since sPyNNaker commit e8a67bfc,
 * 2021). With c = |PyNN weight of a NEST weight 1| on the projection's
 * receptor (ax_spinn_weight):
 *   mu_plus = mu_minus = 0: AdditiveWeightDependence(0, c |Wmax|),
 *     SpikePairRule(A_plus = lambda c |Wmax|, A_minus = alpha lambda c |Wmax|);
 *   mu_plus = mu_minus = 1: MultiplicativeWeightDependence(0, c |Wmax|),
 *     A_plus = lambda, A_minus = alpha lambda;
 * tau_plus from the synapse, tau_minus from the target population. Both
 * traces add 1 per spike and decay with tau (timing_pair_impl.h), the
 * whole delay is dendritic (dendritic_delay_fraction 1, backprop_delay),
 * as in NEST. An inhibitory rule (Wmax < 0) is the same rule on |w|:
 * sPyNNaker stores |w| on the inhibitory receptor. */
static void stdp_static(spinn_ctx *x, int p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void stdp_static(spinn_ctx *x, int p, const char *fmt, ...)
{
    const ax_spec *s = x->s;
    char why[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    ax_hw_violation(x->o->allow_approx, x->approx, x->viol, "%s:%d:%d: projection %d (%s -> %s): %s has no "
                    "sPyNNaker STDPMechanism: %s (exported as a static synapse of its initial weight)", s->path,
                    s->proj[p].loc.line, s->proj[p].loc.col, p,
                    s->pops[s->proj[p].src].name, s->pops[s->proj[p].tgt].name, ax_stdp_name(s->proj[p].stdp.kind),
                    why);
    x->stdp[p].mech = SP_STATIC;
}

/* The one synapse type (0/1) of projection p's synapses; -1 if both, 2 if none. */
static int proj_type(const spinn_ctx *x, int p)
{
    const ax_hw_edges *e = &x->net->proj[p];
    int t = x->s->proj[p].tgt, seen = 0;
    for (int64_t k = 0; k < e->n; k++) seen |= 1 << syn_type(x->s, t, e->r[k], e->w[k]);
    return seen == 3 ? -1 : seen == 2 ? 1 : seen == 1 ? 0 : 2;
}

static int same_mech(const sp_stdp *a, const sp_stdp *b)
{
    return a->mech == b->mech && a->tau_plus == b->tau_plus && a->tau_minus == b->tau_minus &&
           a->A_plus == b->A_plus && a->A_minus == b->A_minus && a->w_max == b->w_max;
}

static const char *mech_name(int mech)
{
    return mech == SP_ADDITIVE ? "Additive" : "Multiplicative";
}

/* The mapping of every plastic projection, or its refusal (approximable:
 * exported static). Before ring_buffers: a plastic projection's w_max
 * enters the weight scale. */
static void check_stdp(spinn_ctx *x)
{
    const ax_spec *s = x->s;
    for (int p = 0; p < s->n_proj; p++) {
        const ax_proj_spec *ps = &s->proj[p];
        sp_stdp *m = &x->stdp[p];
        *m = (sp_stdp){SP_STATIC};
        if (ps->syn_model != AX_SYN_STDP) continue;
        const ax_stdp_params *q = &ps->stdp;
        int t = ps->tgt, type = proj_type(x, p);
        if (q->kind == AX_STDP_PL_HOM) {
            stdp_static(x, p, "its power-law potentiation lambda w^mu K+ (mu = %g) and unnormalised "
                        "multiplicative depression are neither sPyNNaker's Additive nor its Multiplicative "
                        "weight dependence; fix: stdp_synapse with mu_plus = mu_minus = 0 or 1", q->mu_plus);
            continue;
        }
        int add = q->mu_plus == 0 && q->mu_minus == 0, mul = q->mu_plus == 1 && q->mu_minus == 1;
        if (!add && !mul) {
            stdp_static(x, p, "mu_plus = %g, mu_minus = %g; sPyNNaker's AdditiveWeightDependence is NEST's "
                        "mu_plus = mu_minus = 0 and MultiplicativeWeightDependence mu_plus = mu_minus = 1 (it "
                        "has no other weight dependence PyNN names); fix: one of those pairs", q->mu_plus,
                        q->mu_minus);
            continue;
        }
        if (type == 2) continue; /* no synapse: nothing written */
        if (type < 0) {
            stdp_static(x, p, "its synapses are on both receptors, and sPyNNaker's rule bounds |w| per "
                        "receptor; fix: weights of one sign");
            continue;
        }
        double c = fabs(pynn_w(x, t, type, 1.0)), W = c * fabs(q->Wmax);
        *m = (sp_stdp){.mech = add ? SP_ADDITIVE : SP_MULTIPLICATIVE, .type = type, .tau_plus = q->tau_plus,
                       .tau_minus = par(s, t, "tau_minus"), .w_max = W,
                       .A_plus = add ? q->lambda * W : q->lambda,
                       .A_minus = add ? q->alpha * q->lambda * W : q->alpha * q->lambda,
                       .wmax_sim = copysign(fabs(ax_spinn_board_weight(&x->pops[t].cell, type, W, x->h)), q->Wmax)};
        const ax_dev_spec *wr = ps->wrec ? &s->dev[ps->wrec - 1] : NULL;
        if (wr && wr->wr_events)
            ax_hw_violation(x->o->allow_approx, x->approx, x->viol, "projection %d (%s -> %s): weight_recorder "
                            "%s records the weight of every transmitted spike, which sPyNNaker cannot; run.py "
                            "saves the final weights (weights_proj%d_%s.txt; exported so); fix: the recorder's "
                            "events: false, final: true", p, s->pops[ps->src].name, s->pops[t].name, wr->name, p,
                            type ? "inh" : "exc");
        if (q->Kplus != 0)
            ax_hw_violation(x->o->allow_approx, x->approx, x->viol, "projection %d (%s -> %s): Kplus = %g, "
                            "but sPyNNaker's presynaptic trace starts at 0 (exported so); fix: Kplus 0", p,
                            s->pops[ps->src].name, s->pops[t].name, q->Kplus);
    }
    /* sPyNNaker merges the synapse dynamics of every projection onto a
     * population and raises SynapticConfigurationException unless the STDP
     * parts are equal (synapse_dynamics_stdp.py merge/is_same_as) */
    for (int p = 0; p < s->n_proj; p++)
        for (int r = 0; r < p && x->stdp[p].mech != SP_STATIC; r++)
            if (x->stdp[r].mech != SP_STATIC && s->proj[r].tgt == s->proj[p].tgt &&
                !same_mech(&x->stdp[r], &x->stdp[p]))
                stdp_static(x, p, "population %s already receives projection %d's STDPMechanism (%s, w_max %g, "
                            "A_plus %g, A_minus %g, tau_plus %g), and sPyNNaker requires every plastic projection "
                            "onto a population to have the same one (this one: %s, w_max %g, A_plus %g, A_minus "
                            "%g, tau_plus %g); fix: equal rule parameters and receptor scale", s->pops[s->proj[p].tgt].name, r,
                            mech_name(x->stdp[r].mech), x->stdp[r].w_max, x->stdp[r].A_plus, x->stdp[r].A_minus,
                            x->stdp[r].tau_plus, mech_name(x->stdp[p].mech), x->stdp[p].w_max,
                            x->stdp[p].A_plus, x->stdp[p].A_minus, x->stdp[p].tau_plus);
}

/* After ring_buffers: the board truncates the weight to its 16-bit word
 * after every presynaptic spike (weight_get_final: bits >> shift), so a
 * change below one word is lost. Reported per projection against the
 * smallest single-pair change (K = 1); above --max-rel-error a violation
 * (approximable: exported so). */
static void stdp_resolution(spinn_ctx *x)
{
    const ax_spec *s = x->s;
    int any = 0;
    for (int p = 0; p < s->n_proj; p++) {
        const sp_stdp *m = &x->stdp[p];
        if (m->mech == SP_STATIC) continue;
        int t = s->proj[p].tgt;
        const char *sn = s->pops[s->proj[p].src].name, *tn = s->pops[t].name;
        double lsb = 1.0 / x->pops[t].scale[m->type];
        double up = m->mech == SP_ADDITIVE ? m->A_plus : m->A_plus * m->w_max;
        double down = m->mech == SP_ADDITIVE ? m->A_minus : m->A_minus * m->w_max;
        double step = up > 0 && (down <= 0 || up < down) ? up : down, rel = step > 0 ? lsb / step : 0;
        if (!any++)
            ax_sbuf_printf(x->report, "STDP (sPyNNaker STDPMechanism, values in PyNN units; weight word = "
                                      "the truncation step):\n");
        ax_sbuf_printf(x->report, "  projection %d %s -> %s: %s -> SpikePairRule(tau_plus %g, tau_minus %g, "
                                  "A_plus %.6g, A_minus %.6g) + %sWeightDependence(w_min 0, w_max %.6g); weight "
                                  "word %.3g = %.3g of the smallest single-pair change\n", p, sn, tn,
                       ax_stdp_name(s->proj[p].stdp.kind), m->tau_plus, m->tau_minus, m->A_plus, m->A_minus,
                       mech_name(m->mech), m->w_max, lsb, rel);
        if (rel > x->o->max_rel_error)
            ax_hw_violation(x->o->allow_approx, x->approx, x->viol, "projection %d (%s -> %s): the board truncates "
                            "plastic weights to 16-bit words of %.3g after every presynaptic spike, %.3g of the "
                            "smallest single-pair change %.3g > %.3g%s (exported so); fix: larger lambda or Wmax "
                            "relative to the other weights onto %s", p, sn, tn, lsb, rel, step,
                            x->o->max_rel_error, rel >= 1 ? ": single pairs do not change the weight" : "", tn);
    }
    if (any)
        ax_sbuf_printf(x->report, "  not NEST's to the bit on the board: traces in 4.11 fixed point from floored "
                                  "look-up tables (0 below 1/2048), weights truncated to their word after every "
                                  "presynaptic spike, at most 15 postsynaptic spikes between two presynaptic ones, "
                                  "a postsynaptic spike arriving with the presynaptic one (t_post + d = t_pre) "
                                  "also depresses (NEST: potentiates only), multiplicative potentiation can pass "
                                  "w_max when lambda K+ > 1 (NEST clips at Wmax)\n");
}

/* The PyNN synapse_type of projection p. */
static void synapse_type(const spinn_ctx *x, int p, ax_sbuf *py)
{
    const sp_stdp *m = &x->stdp[p];
    if (m->mech == SP_STATIC) {
        ax_sbuf_printf(py, "sim.StaticSynapse()");
        return;
    }
    ax_sbuf_printf(py, "sim.STDPMechanism(timing_dependence=sim.SpikePairRule(tau_plus=%.17g, tau_minus=%.17g, "
                       "A_plus=%.17g, A_minus=%.17g), weight_dependence=sim.%sWeightDependence(w_min=0.0, "
                       "w_max=%.17g))",
                   m->tau_plus, m->tau_minus, m->A_plus, m->A_minus, mech_name(m->mech), m->w_max);
}

/* Ring-buffer statistics of one written projection onto pop. */
static void add_stats(spop *p, int type, double spt, double wmax, int64_t nmax)
{
    double gs = p->kind == AX_SPINN_COND_EXP ? 1024.0 : 1.0;
    p->total[type] += spt * wmax * (double)nmax; /* not times gs, as sPyNNaker 7's _Stats does */
    if (wmax * gs > p->biggest[type]) p->biggest[type] = wmax * gs;
}

static ax_status ring_buffers(spinn_ctx *x, ax_error *err)
{
    const ax_spec *s = x->s;
    int64_t *deg = calloc((size_t)s->n_total + 1, sizeof *deg);
    AX_CHECK(deg, err, AX_ENOMEM, "out of memory for in-degrees");
    for (int p = 0; p < s->n_proj; p++) {
        const ax_hw_edges *e = &x->net->proj[p];
        int t = s->proj[p].tgt;
        for (int type = 0; type < 2; type++) {
            double wmax = 0;
            int64_t nmax = 0;
            for (int64_t k = 0; k < e->n; k++) {
                if (syn_type(s, t, e->r[k], e->w[k]) != type) continue;
                wmax = fmax(wmax, fabs(pynn_w(x, t, type, e->w[k])));
                if (++deg[e->tgt[k]] > nmax) nmax = deg[e->tgt[k]];
            }
            for (int64_t k = 0; k < e->n; k++) deg[e->tgt[k]] = 0;
            /* a plastic projection: sPyNNaker takes max(w_max, weights) (get_weight_maximum) */
            if (x->stdp[p].mech != SP_STATIC) wmax = fmax(wmax, x->stdp[p].w_max);
            if (nmax) add_stats(&x->pops[t], type, ax_spinn_spikes_per_tick(0, x->h), wmax, nmax);
        }
    }
    free(deg);
    for (int d = 0; d < s->n_dev; d++) {
        const ax_dev_spec *dv = &s->dev[d];
        if (dv->kind != AX_DEV_POISSON && dv->kind != AX_DEV_SPIKE_GEN) continue;
        double spt = ax_spinn_spikes_per_tick(dv->kind == AX_DEV_POISSON ? dv->rate : 0, x->h);
        for (int t = 0; t < dv->n_targets; t++) {
            int pop = dv->targets[t].pop, type = dev_type(s, dv, pop);
            add_stats(&x->pops[pop], type, spt, fabs(pynn_w(x, pop, type, dv->weight)), 1);
        }
    }
    for (int i = 0; i < s->n_pops; i++)
        for (int type = 0; type < 2; type++) {
            spop *p = &x->pops[i];
            double M = fmax(p->total[type], p->biggest[type]);
            p->scale[type] = ax_spinn_weight_scale(M, p->kind == AX_SPINN_COND_EXP ? 1024.0 : 1.0);
        }
    return AX_OK;
}

/* The weight the board holds for PyNN weight w (signed like w). */
static double quantise(const spinn_ctx *x, int pop, int type, double w)
{
    double sc = x->pops[pop].scale[type];
    double v = (double)ax_spinn_weight_word(w, sc) / sc;
    return w < 0 ? -v : v;
}

/* Signs, quantisation error per projection (computed per synapse) and the
 * variant's weight: the NEST weight the board's arithmetic makes of the
 * quantised written weight (mean over synapses), or for distributed weights
 * the factor that unit conversion and board arithmetic apply. */
static void weight_errors(spinn_ctx *x, double *wsim, double *wscale)
{
    const ax_spec *s = x->s;
    ax_sbuf_printf(x->report, "weight quantisation (16-bit words per population and synapse type), "
                              "relative error:\n");
    for (int p = 0; p < s->n_proj; p++) {
        const ax_hw_edges *e = &x->net->proj[p];
        int t = s->proj[p].tgt;
        const char *sn = s->pops[s->proj[p].src].name, *tn = s->pops[t].name;
        double emax = 0, esum = 0, qsum = 0, r[2] = {NAN, NAN};
        int64_t zero = 0, nz = 0, bad_sign = 0, bad_id = -1;
        for (int64_t k = 0; k < e->n; k++) {
            int type = syn_type(s, t, e->r[k], e->w[k]);
            if (!sign_ok(&x->pops[t], type, e->w[k])) { bad_sign++; continue; }
            if (e->w[k] == 0) continue;
            double w = pynn_w(x, t, type, e->w[k]), wq = quantise(x, t, type, w);
            double rel = fabs(wq - w) / fabs(w);
            if (wq == 0) { zero++; bad_id = e->tgt[k]; }
            emax = fmax(emax, rel);
            esum += rel * rel;
            qsum += ax_spinn_board_weight(&x->pops[t].cell, type, wq, x->h);
            if (isnan(r[type])) r[type] = ax_spinn_board_weight(&x->pops[t].cell, type, w, x->h) / e->w[k];
            nz++;
        }
        ax_sbuf_printf(x->report, "  projection %d %s -> %s: %lld synapses, max %.3g, RMS %.3g\n", p, sn, tn,
                       (long long)e->n, emax, nz ? sqrt(esum / (double)nz) : 0.0);
        wsim[p] = s->proj[p].weight.kind == AX_DIST_CONST && nz ? qsum / (double)nz : NAN;
        wscale[p] = isnan(r[0]) ? r[1] : isnan(r[1]) ? r[0] : 0.5 * (r[0] + r[1]);
        if (bad_sign)
            ax_hw_violation(0, x->approx, x->viol, "projection %d (%s -> %s): %lld weights have the sign opposite "
                            "to their receptor (%s); sPyNNaker stores |w| per receptor, so they would change "
                            "sign; fix: receptor: auto, or weights of the receptor's sign", p, sn, tn,
                            (long long)bad_sign, s->pops[t].model);
        if (zero)
            ax_hw_violation(x->o->allow_approx, x->approx, x->viol, "projection %d (%s -> %s): %lld weights round "
                            "to 0 in 16 bits (e.g. onto neuron gid %lld); fix: fewer/larger inputs per neuron",
                            p, sn, tn, (long long)zero, (long long)bad_id);
        else if (emax > x->o->max_rel_error)
            ax_hw_violation(x->o->allow_approx, x->approx, x->viol, "projection %d (%s -> %s): weight "
                            "quantisation error %.3g > %.3g (16-bit weights per population); fix: weights of "
                            "similar size per target population", p, sn, tn, emax, x->o->max_rel_error);
    }
}

/* ---- run.py ------------------------------------------------------------ */

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

static void py_list(ax_sbuf *b, const double *v, int64_t n)
{
    ax_sbuf_printf(b, "[");
    for (int64_t k = 0; k < n; k++) ax_sbuf_printf(b, "%s%.17g", k ? ", " : "", v[k]);
    ax_sbuf_printf(b, "]");
}

/* A spike_source_array population: one spike-time list per neuron. */
static void source_population(const ax_pop_spec *p, ax_sbuf *b)
{
    ax_sbuf_printf(b, "# %s: spike_source_array -> SpikeSourceArray\npops['%s'] = sim.Population(%lld, "
                      "sim.SpikeSourceArray(spike_times=[", p->name, p->name, (long long)p->n);
    for (int64_t j = 0; j < p->n; j++) {
        ax_sbuf_printf(b, "%s", j ? ", " : "");
        py_list(b, p->times + p->times_off[j], p->times_off[j + 1] - p->times_off[j]);
    }
    ax_sbuf_printf(b, "]), label='%s')\n", p->name);
}

static void cell_params(const ax_spinn_cell *c, ax_sbuf *b)
{
    ax_sbuf_printf(b, "{'cm': %.17g, 'tau_m': %.17g, ", c->cm, c->tau_m);
    if (c->kind != AX_SPINN_TRUNC_DELTA) ax_sbuf_printf(b, "'v_rest': %.17g, ", c->v_rest);
    ax_sbuf_printf(b, "'v_reset': %.17g, 'v_thresh': %.17g, 'tau_refrac': %.17g, 'i_offset': %.17g", c->v_reset,
                   c->v_thresh, c->tau_refrac, c->i_offset);
    if (c->kind == AX_SPINN_CURR_EXP || c->kind == AX_SPINN_CURR_ALPHA || c->kind == AX_SPINN_COND_EXP)
        ax_sbuf_printf(b, ", 'tau_syn_E': %.17g, 'tau_syn_I': %.17g", c->tau_syn[0], c->tau_syn[1]);
    if (c->kind == AX_SPINN_COND_EXP) ax_sbuf_printf(b, ", 'e_rev_E': %.17g, 'e_rev_I': %.17g", c->e_rev[0], c->e_rev[1]);
    ax_sbuf_printf(b, "}");
}

static const char *kUnits =
    "Units: PyNN's (mV, nF, ms, nA, uS), with weights in the units sPyNNaker's C code uses\n"
    "(docs/export.md): IF_curr_delta and IFTruncDelta have cm = 1 nF, so a weight is a charge\n"
    "in pC that moves V by about that many mV (w = J f, f = (h/tau_m)/(1 - exp(-h/tau_m))),\n"
    "and i_offset = I_e/C_m; IF_curr_exp weights are nA scaled so that each step's PSP equals\n"
    "NEST's; IF_curr_alpha weights are charges (nA ms); IF_cond_exp weights are uS.\n";

static void script_head(const spinn_ctx *x, ax_sbuf *py)
{
    const ax_spec *s = x->s;
    int tsf = x->h < 1.0 ? (int)ceil(1.0 / x->h - 1e-9) : 1;
    ax_sbuf_printf(py, "#!/usr/bin/env python3\n\"\"\"Generated by axon export --target spinnaker from %s.\n\n"
                       "Run with sPyNNaker installed: python3 run.py\n%s"
                       "Connection files: PyNN StandardTextFile (FromFileConnector); a projection with one\n"
                       "connection is written inline (FromListConnector).\n"
                       "time_scale_factor %d: a %g ms step runs slower than real time so cores keep up.\n\"\"\"\n"
                       "import os\nimport pyNN.spiNNaker as sim\n\nHERE = os.path.dirname(os.path.abspath(__file__))\n"
                       "sim.setup(timestep=%.17g, min_delay=%.17g, time_scale_factor=%d)\n",
                   s->path ? s->path : "a spec", kUnits, tsf, x->h, x->h, x->h, tsf);
    for (int k = 0; k < AX_SPINN_N_KINDS; k++)
        for (int i = 0; i < s->n_pops; i++)
            if ((int)x->pops[i].kind == k) {
                ax_sbuf_printf(py, "sim.set_number_of_neurons_per_core(sim.%s, %d)\n", ax_spinn_cell_type(k),
                               x->npc);
                break;
            }
    ax_sbuf_printf(py, "\npops = {}\nrecorded = set()\n");
    for (int i = 0; i < s->n_pops; i++) {
        const spop *p = &x->pops[i];
        if (p->source) {
            source_population(&s->pops[i], py);
            continue;
        }
        ax_sbuf_printf(py, "# %s: %s -> %s, weights in %s\n", s->pops[i].name, s->pops[i].model,
                       ax_spinn_cell_type(p->kind), weight_unit(p->kind));
        ax_sbuf_printf(py, "pops['%s'] = sim.Population(%lld, sim.%s(**", s->pops[i].name, (long long)s->pops[i].n,
                       ax_spinn_cell_type(p->kind));
        cell_params(&p->cell, py);
        ax_sbuf_printf(py, "), label='%s')\n", s->pops[i].name);
        ax_dist d0 = {.kind = AX_DIST_CONST, .value = p->nest.E_L};
        const ax_dist *dv = &d0;
        const double *values = NULL;
        for (int k = 0; k < s->pops[i].n_init; k++)
            if (!strcmp(s->pops[i].init[k].name, "V_m")) {
                dv = &s->pops[i].init[k].dist;
                values = s->pops[i].init[k].values;
            }
        ax_sbuf_printf(py, "pops['%s'].initialize(v=", s->pops[i].name);
        if (values) py_list(py, values, s->pops[i].n);
        else py_dist(py, dv);
        ax_sbuf_printf(py, ")\n");
    }
}

/* One projection and synapse type: a connection file, or inline for one
 * connection; nothing for none. */
static ax_status write_projection(const spinn_ctx *x, int p, int type, const char *dir, ax_sbuf *py,
                                  ax_error *err)
{
    const ax_spec *s = x->s;
    const ax_hw_edges *e = &x->net->proj[p];
    int src = s->proj[p].src, t = s->proj[p].tgt;
    int64_t n = 0, one = -1;
    for (int64_t k = 0; k < e->n; k++)
        if (syn_type(s, t, e->r[k], e->w[k]) == type) { n++; one = k; }
    if (!n) return AX_OK;
    char label[128], fname[256], path[4400];
    snprintf(label, sizeof label, "proj%d_%s", p, type ? "inh" : "exc");
    ax_sbuf_printf(py, "projections['%s'] = sim.Projection(pops['%s'], pops['%s'], ", label, s->pops[src].name,
                   s->pops[t].name);
    if (n == 1) {
        ax_sbuf_printf(py, "sim.FromListConnector([(%lld, %lld, %.17g, %.17g)], column_names=['weight', 'delay'])",
                       (long long)(e->src[one] - s->pops[src].first_gid),
                       (long long)(e->tgt[one] - s->pops[t].first_gid), pynn_w(x, t, type, e->w[one]),
                       e->d[one] * x->h);
    } else {
        snprintf(fname, sizeof fname, "conn_%d_%s_%s_%s.txt", p, s->pops[src].name, s->pops[t].name,
                 type ? "inh" : "exc");
        snprintf(path, sizeof path, "%s/%s", dir, fname);
        FILE *f = fopen(path, "w");
        AX_CHECK(f, err, AX_EIO, "%s: cannot write", path);
        /* only `name = [list]` header lines: PyNN evaluates each one */
        fprintf(f, "# columns = [\"i\", \"j\", \"weight\", \"delay\"]\n");
        fprintf(f, "# axon = [\"projection %d: %s -> %s\", \"%s\", \"%s\", \"weight unit %s\", \"delay unit ms\"]\n",
                p, s->pops[src].name, s->pops[t].name, kTypeName[type], ax_spinn_cell_type(x->pops[t].kind),
                weight_unit(x->pops[t].kind));
        for (int64_t k = 0; k < e->n; k++)
            if (syn_type(s, t, e->r[k], e->w[k]) == type)
                fprintf(f, "%lld\t%lld\t%.17g\t%.17g\n", (long long)(e->src[k] - s->pops[src].first_gid),
                        (long long)(e->tgt[k] - s->pops[t].first_gid), pynn_w(x, t, type, e->w[k]),
                        e->d[k] * x->h);
        AX_CHECK(fclose(f) == 0, err, AX_EIO, "%s: write failed", path);
        ax_sbuf_printf(py, "sim.FromFileConnector(os.path.join(HERE, '%s'))", fname);
    }
    ax_sbuf_printf(py, ", synapse_type=");
    synapse_type(x, p, py);
    ax_sbuf_printf(py, ", receptor_type='%s', label='%s')\n", kTypeName[type], label);
    return AX_OK;
}

static void script_devices(const spinn_ctx *x, ax_sbuf *b, double *dsim)
{
    const ax_spec *s = x->s;
    for (int d = 0; d < s->n_dev; d++) {
        const ax_dev_spec *dv = &s->dev[d];
        dsim[d] = NAN;
        for (int t = 0; t < dv->n_targets; t++) {
            const ax_dev_target *tg = &dv->targets[t];
            const spop *p = &x->pops[tg->pop];
            char view[256], label[160];
            snprintf(view, sizeof view, "pops['%s'][%lld:%lld]", s->pops[tg->pop].name, (long long)tg->first,
                     (long long)(tg->first + tg->count));
            snprintf(label, sizeof label, "%s_%d", dv->name, t);
            int type = dev_type(s, dv, tg->pop);
            if (dv->kind == AX_DEV_POISSON || dv->kind == AX_DEV_SPIKE_GEN) {
                double w = pynn_w(x, tg->pop, type, dv->weight), wq = quantise(x, tg->pop, type, w);
                if (t == 0) dsim[d] = ax_spinn_board_weight(&p->cell, type, wq, x->h);
                if (dv->kind == AX_DEV_POISSON) {
                    ax_sbuf_printf(b, "src = sim.Population(%lld, sim.SpikeSourcePoisson(rate=%.17g, start=%.17g",
                                   (long long)tg->count, dv->rate, dv->start);
                    if (isfinite(dv->stop)) ax_sbuf_printf(b, ", duration=%.17g", dv->stop - dv->start);
                } else {
                    ax_sbuf_printf(b, "src = sim.Population(1, sim.SpikeSourceArray(spike_times=[");
                    for (int64_t k = 0; k < dv->n_times; k++)
                        ax_sbuf_printf(b, "%s%.17g", k ? ", " : "", dv->spike_times[k]);
                    ax_sbuf_printf(b, "]");
                }
                ax_sbuf_printf(b, "), label='%s')\n", label);
                ax_sbuf_printf(b, "projections['%s'] = sim.Projection(src, %s, sim.%s(), sim.StaticSynapse("
                                  "weight=%.17g, delay=%.17g), receptor_type='%s', label='%s')\n",
                               label, view, dv->kind == AX_DEV_POISSON ? "OneToOneConnector" : "AllToAllConnector",
                               w, (double)dev_steps(dv, x->h) * x->h, kTypeName[type], label);
            } else if (dv->kind == AX_DEV_DC) {
                /* kept in `currents` (like `projections`) so the source can be read back and changed */
                ax_sbuf_printf(b, "currents['%s'] = sim.DCSource(amplitude=%.17g, start=%.17g", label,
                               dv->amplitude * p->cell.k, dv->start);
                if (isfinite(dv->stop)) ax_sbuf_printf(b, ", stop=%.17g", dv->stop);
                ax_sbuf_printf(b, ")\ncurrents['%s'].inject_into(%s)\n", label, view);
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

static ax_status write_script(const spinn_ctx *x, const char *dir, double *dsim, ax_error *err)
{
    const ax_spec *s = x->s;
    ax_sbuf py = {0};
    ax_status st = AX_OK;
    script_head(x, &py);
    ax_sbuf_printf(&py, "\nprojections = {}\n");
    for (int p = 0; p < s->n_proj && st == AX_OK; p++)
        for (int type = 0; type < 2 && st == AX_OK; type++) st = write_projection(x, p, type, dir, &py, err);
    if (st == AX_OK) {
        ax_sbuf_printf(&py, "\ncurrents = {}\n");
        script_devices(x, &py, dsim);
        /* the plastic projections' final weights (PyNN units), read before sim.end */
        ax_sbuf_printf(&py, "\nplastic = [");
        for (int p = 0, n = 0; p < s->n_proj; p++)
            if (x->stdp[p].mech != SP_STATIC)
                ax_sbuf_printf(&py, "%s'proj%d_%s'", n++ ? ", " : "", p, x->stdp[p].type ? "inh" : "exc");
        ax_sbuf_printf(&py, "]\n");
        ax_sbuf_printf(&py, "\nif __name__ == '__main__':\n    sim.run(%.17g)\n    for name in sorted(recorded):\n"
                            "        pops[name].write_data(os.path.join(HERE, 'result_%%s.pkl' %% name))\n"
                            "    for label in plastic:\n"
                            "        projections[label].save(['weight'], os.path.join(HERE, 'weights_%%s.txt' %% label), "
                            "format='list')\n"
                            "    sim.end()\n", s->sim.t_sim);
        if (py.oom) st = AX_FAIL(err, AX_ENOMEM, "out of memory writing run.py");
    }
    char path[4300];
    snprintf(path, sizeof path, "%s/run.py", dir);
    FILE *f = st == AX_OK ? fopen(path, "w") : NULL;
    if (st == AX_OK && (!f || fwrite(py.s, 1, py.len, f) != py.len)) st = AX_FAIL(err, AX_EIO, "%s: cannot write", path);
    if (f && fclose(f) != 0 && st == AX_OK) st = AX_FAIL(err, AX_EIO, "%s: write failed", path);
    ax_sbuf_free(&py);
    return st;
}

/* ---- the variant --simulate runs ----------------------------------------- */

/* tau_minus: the population's (an STDP rule's post trace; NaN: none). */
static void emit_nest(ax_sbuf *b, const char *model, const ax_spinn_nest *n, double tau_minus)
{
    ax_sbuf_printf(b, "{C_m: %.17g, ", n->C_m);
    if (strcmp(model, "iaf_cond_exp")) {
        if (isinf(n->tau_m)) ax_sbuf_printf(b, "tau_m: .inf, ");
        else ax_sbuf_printf(b, "tau_m: %.17g, ", n->tau_m);
    } else ax_sbuf_printf(b, "g_L: %.17g, E_ex: %.17g, E_in: %.17g, ", n->g_L, n->E_rev[0], n->E_rev[1]);
    ax_sbuf_printf(b, "E_L: %.17g, V_reset: %.17g, V_th: %.17g, t_ref: %.17g, I_e: %.17g", n->E_L, n->V_reset,
                   n->V_th, n->t_ref, n->I_e);
    if (strcmp(model, "iaf_psc_delta"))
        ax_sbuf_printf(b, ", tau_syn_ex: %.17g, tau_syn_in: %.17g", n->tau_syn[0], n->tau_syn[1]);
    if (isfinite(n->V_min)) ax_sbuf_printf(b, ", V_min: %.17g", n->V_min);
    if (!isnan(tau_minus)) ax_sbuf_printf(b, ", tau_minus: %.17g", tau_minus);
    ax_sbuf_printf(b, "}");
}

static ax_status sim_variant(const spinn_ctx *x, const double *wsim, const double *wscale, const double *dsim,
                             ax_export_result *res, ax_error *err)
{
    const ax_spec *s = x->s;
    const char **models = calloc((size_t)s->n_pops + 1, sizeof *models);
    char **params = calloc((size_t)s->n_pops + 1, sizeof *params);
    ax_sbuf y = {0}, notes = {0};
    ax_status st = models && params ? AX_OK : AX_FAIL(err, AX_ENOMEM, "out of memory");
    for (int i = 0; i < s->n_pops && st == AX_OK; i++) {
        ax_spinn_nest n;
        ax_sbuf t = {0};
        if (x->pops[i].source) continue; /* the spike source as it is */
        ax_spinn_board_neuron(&x->pops[i].cell, x->h, &n);
        models[i] = s->pops[i].model;
        emit_nest(&t, models[i], &n, par(s, i, "tau_minus"));
        if (!(params[i] = ax_sbuf_take(&t))) st = AX_FAIL(err, AX_ENOMEM, "out of memory");
    }
    double *keep = calloc((size_t)s->n_proj + 1, sizeof *keep);
    if (!keep && st == AX_OK) st = AX_FAIL(err, AX_ENOMEM, "out of memory");
    for (int p = 0; keep && p < s->n_proj; p++) /* listed weights stay in NEST units, and so does their Wmax */
        keep[p] = x->stdp[p].mech == SP_STATIC ? NAN : s->proj[p].list_w ? s->proj[p].stdp.Wmax : x->stdp[p].wmax_sim;
    /* static but for the plastic projections sPyNNaker's STDPMechanism takes (tsodyks2, refused STDP: static) */
    ax_spec_override ov = {.static_synapses = 1, .proj_stdp_wmax = keep,
                           .proj_weight = wsim, .proj_weight_scale = wscale, .dev_weight = dsim,
                           .pop_model = models, .pop_params = (const char *const *)params, .no_output = 1};
    if (st == AX_OK) st = ax_spec_emit(s, &ov, &y, err);
    if (st == AX_OK) {
        res->sim_spec_yaml = ax_sbuf_take(&y);
        ax_sbuf_printf(&notes, "simulated: what the board computes with the written numbers: each population the "
                               "NEST neuron with the board's leak and input gain (s16.15 parameters, R and exp_TC "
                               "as the chip holds them, refractory steps rounded up), each constant weight the "
                               "NEST weight the board makes of its 16-bit word (alpha: equal charge; conductances: "
                               "driving force not explicit), generator weights on their first target population.\n"
                               "not simulated: the board's explicit conductance driving force and non-linear alpha "
                               "summation, per-synapse quantisation of distributed weights (their unit conversion "
                               "is applied), ring-buffer saturation and real-time packet loss.\n");
        for (int p = 0; p < s->n_proj; p++)
            if (x->stdp[p].mech != SP_STATIC)
                ax_sbuf_printf(&notes, "  projection %d: plastic, sPyNNaker's pair rule in exact arithmetic (NEST's "
                                       "stdp_synapse with the board's w_max; not simulated: fixed-point traces, "
                                       "weight truncation, the 15-spike history, coincident pairs)\n", p);
        for (int p = 0; p < s->n_proj; p++)
            if (s->proj[p].list_w)
                ax_sbuf_printf(&notes, "  projection %d: listed weights kept (NEST units, unquantised)\n", p);
            else if (isnan(wsim[p]))
                ax_sbuf_printf(&notes, "  projection %d: distributed weight scaled by %.6g (unit conversion, "
                                       "unquantised)\n", p, wscale[p]);
        res->sim_notes = ax_sbuf_take(&notes);
    }
    for (int i = 0; params && i < s->n_pops; i++) free(params[i]);
    free(params);
    free(models);
    free(keep);
    ax_sbuf_free(&y);
    ax_sbuf_free(&notes);
    return st;
}

static void report_pops(const spinn_ctx *x)
{
    const ax_spec *s = x->s;
    ax_sbuf_printf(x->report, "populations (cell, cm, current scale k = board nA per NEST pA, s16.15 input-gain "
                              "error, weight scale per synapse type):\n");
    for (int i = 0; i < s->n_pops; i++) {
        const spop *p = &x->pops[i];
        if (p->source) {
            ax_sbuf_printf(x->report, "  %s: spike_source_array -> SpikeSourceArray\n", s->pops[i].name);
            continue;
        }
        ax_sbuf_printf(x->report, "  %s: %s -> %s, cm %g nF, k %g, gain error %.3g, words/unit %g (exc) %g (inh)\n",
                       s->pops[i].name, s->pops[i].model, ax_spinn_cell_type(p->kind), p->cell.cm, p->cell.k,
                       ax_spinn_gain_error(&p->cell, x->h), p->scale[0], p->scale[1]);
        if (p->kind == AX_SPINN_TRUNC_DELTA)
            ax_sbuf_printf(x->report, "    IFTruncDelta needs sPyNNaker with extra_models.IFTruncDelta (2024 or "
                                      "later); tau_m = %g ms is its resistance R = tau_m/cm, not a leak\n", x->h);
    }
}

ax_status ax_export_spinnaker(const ax_spec *s, const ax_hw_net *net, const ax_export_opts *o,
                              const char *dir, ax_sbuf *report, ax_sbuf *approx, ax_export_result *res,
                              ax_error *err)
{
    ax_sbuf viol = {0};
    ax_hw_place pl = {0};
    spinn_ctx x = {.s = s, .net = net, .o = o, .h = s->sim.resolution, .report = report, .approx = approx,
                   .viol = &viol, .npc = o->neurons_per_core > 0 ? o->neurons_per_core : 256};
    x.pops = calloc((size_t)s->n_pops + 1, sizeof *x.pops);
    x.stdp = calloc((size_t)s->n_proj + 1, sizeof *x.stdp);
    double *wsim = calloc((size_t)s->n_proj + 1, sizeof *wsim), *wscale = calloc((size_t)s->n_proj + 1, sizeof *wscale);
    double *dsim = calloc((size_t)s->n_dev + 1, sizeof *dsim);
    ax_status st = AX_OK;
    if (!x.pops || !x.stdp || !wsim || !wscale || !dsim) { st = AX_FAIL(err, AX_ENOMEM, "out of memory"); goto done; }
    ax_hw_limits lim = {.neurons_per_core = x.npc, .cores_per_chip = 16,
                        .chips_per_board = o->spinn_version == 3 ? 4 : 48,
                        .max_boards = o->spinn_version == 3 ? 1 : 0, .count_sources = 1};
    for (int i = 0; i < s->n_pops; i++) check_model(&x, i);
    if (x.npc > 256)
        ax_hw_violation(0, approx, &viol, "--neurons-per-core %d exceeds sPyNNaker's maximum of 256 "
                        "(the master population table's row length)", x.npc);
    double dt_us = x.h * 1000.0;
    if (fabs(dt_us - nearbyint(dt_us)) > 1e-9)
        ax_hw_violation(0, approx, &viol, "time step %g ms is not a whole number of microseconds "
                        "(SpiNNaker's timer); fix: resolution 0.1 or 1.0 ms", x.h);
    for (int i = 0; i < s->n_pops; i++)
        if (x.pops[i].kind == AX_SPINN_NONE && !x.pops[i].source) goto fail; /* nothing further can be checked */
    if ((st = ax_hw_place_build(net, &lim, &pl, err)) != AX_OK) goto done;
    ax_sbuf_printf(report, "target: SpiNNaker (sPyNNaker), SpiNN-%d boards, time step %g ms\n",
                   o->spinn_version == 3 ? 3 : 5, x.h);
    ax_hw_place_report(s, &pl, &lim, report);
    if (lim.max_boards && pl.n_boards > lim.max_boards)
        ax_hw_violation(0, approx, &viol, "%d chips needed but a SpiNN-3 board has 4 (16 application cores "
                        "each); fix: --spinn-version 5 or fewer neurons", pl.n_chips);
    check_delays(&x);
    check_cond(&x);
    check_stdp(&x);
    if ((st = ring_buffers(&x, err)) != AX_OK) goto done;
    stdp_resolution(&x);
    report_pops(&x);
    weight_errors(&x, wsim, wscale);
    if (viol.len) goto fail;
    if ((st = write_script(&x, dir, dsim, err)) != AX_OK) goto done;
    st = sim_variant(&x, wsim, wscale, dsim, res, err);
    goto done;
fail:
    st = AX_FAIL(err, AX_EINPUT, "SpiNNaker export: hardware limits violated (--allow-approx accepts those that "
                                 "can be approximated):\n%s", viol.s);
done:
    free(x.pops);
    free(x.stdp);
    free(wsim);
    free(wscale);
    free(dsim);
    ax_hw_place_free(&pl);
    ax_sbuf_free(&viol);
    return st;
}
