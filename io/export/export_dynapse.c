/* export_dynapse.c - `axon export --target dynapse`: a Rockpool-style
 * Dynap-SE2 specification (spec.json + weights.h5 + load_dynapse.py) and
 * the report (placement, limits, per-core currents, 4-bit quantisation
 * error per projection, computed per synapse).
 *
 * Translation (docs/export.md "Dynap-SE2"): each population's LIF
 * parameters become one DynapSim parameter set per core by Rockpool's
 * conversions (Itau = U_T C/(kappa tau), Igain_mem = 4 Itau_mem, Igain_syn =
 * 100 Itau_syn, Iref = Vth C_ref/t_ref, Ipulse = Vth C_pulse/10 us,
 * Ispkthr = Iscale). Weights become dimensionless multiples of Iscale,
 * scaled by rate matching: the input current at which the DPI neuron fires
 * at the LIF neuron's rate under a mean drive of 2 (V_th - E_L) is what that
 * drive becomes, w_dpi = w_mV tau_m I_ref / (2 theta Q), Q = the synaptic
 * charge of one unit-weight spike. Matrices are (pre, post); multapses merge
 * into one CAM entry; sign -> AMPA (+) / GABA (-); masks over Iw_b = unit
 * 2^b per core (partition/hw_quant.c). Inputs: one channel per Poisson
 * train (per generator and target), one per spike generator. Cores
 * (Rockpool's clusters) are numbered by placement slot: cluster c sits on
 * chip c / 4 as local core c % 4, as config_from_specification assumes.
 * load_dynapse.py builds what each Rockpool entry point indexes:
 * mapper_output() for dynapsim_net_from_spec, quantization() as
 * autoencoder_quantization returns it, specification() for
 * config_from_specification (tests/test_dynapse_rockpool.py).
 */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "axon/model.h"
#include "axon/spec_emit.h"
#include "export_impl.h"

#define DYNAP_TAU_SYN_DELTA 2.0 /* ms: the DPI synapse of a delta-synapse population */

static double par(const ax_spec *s, int pop, const char *name)
{
    double v = NAN;
    ax_error e;
    return ax_spec_param(s, pop, name, &v, &e) == AX_OK ? v : NAN;
}

static int is_model(const ax_spec *s, int pop, const char *m) { return !strcmp(s->pops[pop].model, m); }

/* Per population: the translation into DynapSim currents. */
typedef struct dyn_pop {
    double tau_syn;     /* ms, DPI synapse */
    double k;           /* DPI weight per mV of LIF mean-drive weight */
    double i_ref;       /* A: DPI input current matching the LIF rate at 2 theta */
    double cur[8];      /* Itau_mem, Igain_mem, Itau_syn, Igain_syn, Ispkthr, Iref, Ipulse, Idc (A) */
} dyn_pop;

static const char *const kCur[8] = {"Itau_mem", "Igain_mem", "Itau_syn", "Igain_syn",
                                    "Ispkthr", "Iref", "Ipulse", "Idc"};

static void check_models(const ax_spec *s, const ax_export_opts *o, ax_sbuf *approx, ax_sbuf *viol)
{
    for (int i = 0; i < s->n_pops; i++) {
        const ax_pop_spec *p = &s->pops[i];
        int ok = is_model(s, i, "iaf_psc_exp") || is_model(s, i, "iaf_psc_delta") || is_model(s, i, "iaf_psc_alpha");
        if (is_model(s, i, "spike_source_array")) {
            ax_hw_violation(0, approx, viol, "population %s: spike_source_array populations are not exported to "
                            "Dynap-SE2 (its inputs are the generator channels); fix: a spike_generator device",
                            p->name);
            continue;
        }
        if (!ok) {
            ax_hw_violation(0, approx, viol, "model %s of population %s has no Dynap-SE2 translation (supported: "
                            "iaf_psc_exp, iaf_psc_delta, iaf_psc_alpha; conductance synapses and reversal "
                            "potentials do not exist on the chip)", p->model, p->name);
            continue;
        }
        if (is_model(s, i, "iaf_psc_alpha"))
            ax_hw_violation(o->allow_approx, approx, viol, "population %s: alpha-shaped PSCs become DPI "
                            "(exponential) synapses with the same charge", p->name);
        if (!(par(s, i, "tau_m") < INFINITY))
            ax_hw_violation(0, approx, viol, "population %s: tau_m = inf has no DPI equivalent (fix: a finite "
                            "tau_m)", p->name);
        if (!(par(s, i, "V_th") > par(s, i, "E_L")))
            ax_hw_violation(0, approx, viol, "population %s: V_th must be above E_L for the rheobase scaling",
                            p->name);
        if (par(s, i, "reset") > 0)
            ax_hw_violation(o->allow_approx, approx, viol, "population %s: reset: subtract (the DPI resets "
                            "I_mem to Io)", p->name);
        if (par(s, i, "refractory_input") > 0)
            ax_hw_violation(o->allow_approx, approx, viol, "population %s: refractory_input (the DPI blocks "
                            "input while refractory)", p->name);
        if (isfinite(par(s, i, "V_min")))
            ax_hw_violation(o->allow_approx, approx, viol, "population %s: V_min dropped", p->name);
        double te = par(s, i, "tau_syn_ex"), ti = par(s, i, "tau_syn_in");
        if (!isnan(te) && te != ti)
            ax_hw_violation(o->allow_approx, approx, viol, "population %s: tau_syn_ex %g != tau_syn_in %g ms: "
                            "DynapSim shares one Itau_syn per core (their mean is used)", p->name, te, ti);
        if (par(s, i, "I_e") < 0)
            ax_hw_violation(o->allow_approx, approx, viol, "population %s: I_e < 0 cannot be a DPI Idc "
                            "(clamped to Io)", p->name);
        for (int k = 0; k < p->n_params; k++)
            if (p->params[k].values)
                ax_hw_violation(0, approx, viol, "population %s: %s differs per neuron, but a Dynap-SE2 core "
                                "shares one parameter set (fix: one population per value)", p->name,
                                p->params[k].name);
        for (int k = 0; k < p->n_init; k++)
            if (p->init[k].dist.kind != AX_DIST_CONST || p->init[k].values)
                ax_hw_violation(o->allow_approx, approx, viol, "population %s: random initial %s (every DPI "
                                "neuron starts at I_mem = Io)", p->name, p->init[k].name);
    }
    for (int d = 0; d < s->n_dev; d++)
        if (s->dev[d].kind == AX_DEV_DC)
            ax_hw_violation(0, approx, viol, "device %s: dc_generator has no Dynap-SE2 equivalent per neuron "
                            "(fix: the population's I_e, which becomes the core's Idc)", s->dev[d].name);
}

/* Every synaptic delay equal: the chip has no programmable delays. */
static void check_delays(const ax_spec *s, const ax_hw_net *net, const ax_export_opts *o, ax_sbuf *report,
                         ax_sbuf *approx, ax_sbuf *viol, double *mean_delay)
{
    int32_t lo = INT32_MAX, hi = 0;
    double sum = 0;
    int64_t n = 0;
    for (int p = 0; p < s->n_proj; p++)
        for (int64_t k = 0; k < net->proj[p].n; k++) {
            int32_t d = net->proj[p].d[k];
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
            sum += d;
            n++;
        }
    *mean_delay = n ? sum / (double)n * s->sim.resolution : NAN;
    if (!n) return;
    ax_sbuf_printf(report, "delays: %g .. %g ms (the chip has no programmable synaptic delays)\n",
                   lo * s->sim.resolution, hi * s->sim.resolution);
    if (lo != hi)
        ax_hw_violation(o->allow_approx, approx, viol, "delays: synaptic delays differ (%g .. %g ms) but "
                        "Dynap-SE2 has no per-synapse delays (the simulated variant uses their mean %g ms); fix: "
                        "one delay for all projections", lo * s->sim.resolution, hi * s->sim.resolution,
                        *mean_delay);
}

/* The dpi_neuron parameter vector (pA, pF, mV) of currents I (A). */
static void dpi_params(const ax_dynap_consts *c, const double *I, double *p)
{
    const ax_model_ops *m = ax_model_find("dpi_neuron");
    ax_model_defaults(m, p);
    const char *names[] = {"Itau_mem", "Igain_mem", "Itau_syn", "Igain_syn", "Ispkthr", "Iref", "Ipulse", "I_e"};
    for (int k = 0; k < 8; k++) p[ax_model_param_index(m, names[k])] = I[k] * 1e12;
    p[ax_model_param_index(m, "Io")] = c->Io * 1e12;
    p[ax_model_param_index(m, "Iscale")] = c->Iscale * 1e12;
}

/* DynapSim currents of population i and its weight scale: the mean input
 * current that makes the DPI neuron fire at the rate the LIF neuron has
 * under a mean drive of twice its threshold distance (2 theta, no noise)
 * is what 2 theta of LIF drive becomes (linear in between). */
static void translate(const ax_spec *s, int i, const ax_dynap_consts *c, dyn_pop *dp)
{
    double h = s->sim.resolution, tau_m = par(s, i, "tau_m"), C_m = par(s, i, "C_m");
    double theta = par(s, i, "V_th") - par(s, i, "E_L"), t_ref = par(s, i, "t_ref");
    double te = par(s, i, "tau_syn_ex"), ti = par(s, i, "tau_syn_in");
    double v_res = par(s, i, "V_reset") - par(s, i, "E_L");
    dp->tau_syn = isnan(te) ? DYNAP_TAU_SYN_DELTA : 0.5 * (te + ti);
    if (t_ref < h) t_ref = h; /* Iref = Vth C_ref / t_ref needs t_ref > 0 */
    double *I = dp->cur;
    I[0] = ax_dynap_tau_to_itau(c, c->C_mem, tau_m * 1e-3);
    I[1] = 4.0 * I[0];
    I[2] = ax_dynap_tau_to_itau(c, c->C_syn, dp->tau_syn * 1e-3);
    I[3] = 100.0 * I[2];
    I[4] = c->Iscale;
    I[5] = ax_dynap_pw_to_i(c, c->C_ref, t_ref * 1e-3);
    I[6] = ax_dynap_pw_to_i(c, c->C_pulse, c->t_pulse);
    I[7] = c->Io;
    double isi_lif = t_ref + tau_m * log((2.0 * theta - v_res) / theta);
    double p[32];
    dpi_params(c, I, p);
    double i_rh = ax_dynap_rheobase(c, I[0], I[1], I[4]) * 1e12;
    double i_ref = ax_dynap_current_for_isi(p, h, isi_lif, i_rh, I[4] * 1e12) * 1e-12; /* A */
    dp->i_ref = i_ref;
    /* charge (A ms) of one unit-weight spike: sum_n wgain f^n h */
    double wgain = -expm1(-c->t_pulse * 1e3 / dp->tau_syn) * (I[3] / I[2]) * c->Iscale;
    double q = wgain * h / -expm1(-h / dp->tau_syn);
    dp->k = tau_m * i_ref / (2.0 * theta * q);
    double ie = par(s, i, "I_e");
    I[7] = c->Io + (ie > 0 ? ie * tau_m / C_m * i_ref / (2.0 * theta) : 0.0);
}

/* Weight of a synapse in mV of mean drive (LIF side) onto population pop. */
static double w_mv(const ax_spec *s, int pop, double w, int receptor)
{
    if (is_model(s, pop, "iaf_psc_delta")) return w;
    double tau = par(s, pop, receptor ? "tau_syn_in" : "tau_syn_ex"), C_m = par(s, pop, "C_m");
    return w * tau / C_m * (is_model(s, pop, "iaf_psc_alpha") ? exp(1.0) : 1.0);
}

static int dev_inh(const ax_dev_spec *dv)
{
    return dv->receptor == AX_RECEPTOR_INHIBITORY || (dv->receptor == AX_RECEPTOR_AUTO && dv->weight < 0);
}

/* Input channels: count, then fill. */
static int64_t count_inputs(const ax_spec *s)
{
    int64_t n = 0;
    for (int d = 0; d < s->n_dev; d++) {
        const ax_dev_spec *dv = &s->dev[d];
        if (dv->kind == AX_DEV_SPIKE_GEN) n++;
        if (dv->kind == AX_DEV_POISSON)
            for (int t = 0; t < dv->n_targets; t++) n += dv->targets[t].count;
    }
    return n;
}

static ax_status alloc_mats(ax_dynap_spec *d, ax_error *err)
{
    size_t nin = (size_t)(d->n_in * d->n_neuron) + 1, nrec = (size_t)(d->n_neuron * d->n_neuron) + 1;
    d->inputs = calloc((size_t)d->n_in + 1, sizeof *d->inputs);
    d->w_in = calloc(nin, sizeof *d->w_in);
    d->w_rec = calloc(nrec, sizeof *d->w_rec);
    d->m_in = calloc(nin, 1);
    d->m_rec = calloc(nrec, 1);
    d->s_in = calloc(nin, 1);
    d->s_rec = calloc(nrec, 1);
    AX_CHECK(d->inputs && d->w_in && d->w_rec && d->m_in && d->m_rec && d->s_in && d->s_rec, err, AX_ENOMEM,
             "out of memory for the Dynap-SE2 weight matrices");
    return AX_OK;
}

static void fill_weights(const ax_spec *s, const ax_hw_net *net, const dyn_pop *dp, ax_dynap_spec *d)
{
    int64_t N = d->n_neuron, ch = 0;
    for (int p = 0; p < s->n_proj; p++) {
        int tp = s->proj[p].tgt;
        const ax_hw_edges *e = &net->proj[p];
        for (int64_t k = 0; k < e->n; k++)
            d->w_rec[e->src[k] * N + e->tgt[k]] += dp[tp].k * w_mv(s, tp, e->w[k], e->r[k]);
    }
    for (int dv = 0; dv < s->n_dev; dv++) {
        const ax_dev_spec *x = &s->dev[dv];
        if (x->kind != AX_DEV_SPIKE_GEN && x->kind != AX_DEV_POISSON) continue;
        int64_t ch0 = ch;
        if (x->kind == AX_DEV_SPIKE_GEN) d->inputs[ch++] = (ax_dynap_input){dv, -1};
        for (int t = 0; t < x->n_targets; t++) {
            int tp = x->targets[t].pop;
            double w = dp[tp].k * w_mv(s, tp, x->weight, dev_inh(x));
            for (int64_t i = 0; i < x->targets[t].count; i++) {
                int64_t g = s->pops[tp].first_gid + x->targets[t].first + i;
                int64_t row = x->kind == AX_DEV_SPIKE_GEN ? ch0 : ch;
                if (x->kind == AX_DEV_POISSON) d->inputs[ch++] = (ax_dynap_input){dv, g};
                d->w_in[row * N + g] += w;
            }
        }
    }
}

/* Base currents per core from the largest |w| into it, then masks/signs. */
static void quantise(ax_dynap_spec *d)
{
    int64_t N = d->n_neuron;
    double *mx = calloc((size_t)d->n_cores + 1, sizeof *mx);
    if (!mx) return;
    for (int rec = 0; rec < 2; rec++) {
        int64_t rows = rec ? N : d->n_in;
        const double *w = rec ? d->w_rec : d->w_in;
        for (int64_t k = 0; k < rows * N; k++) {
            int c = d->core_of[k % N];
            if (fabs(w[k]) > mx[c]) mx[c] = fabs(w[k]);
        }
    }
    for (int c = 0; c < d->n_cores; c++) ax_dynap_base_currents(mx[c], d->cores[c].iw);
    free(mx);
    for (int rec = 0; rec < 2; rec++) {
        int64_t rows = rec ? N : d->n_in;
        const double *w = rec ? d->w_rec : d->w_in;
        uint8_t *m = rec ? d->m_rec : d->m_in;
        int8_t *sg = rec ? d->s_rec : d->s_in;
        for (int64_t k = 0; k < rows * N; k++) {
            m[k] = (uint8_t)ax_dynap_mask(w[k], d->cores[d->core_of[k % N]].iw);
            sg[k] = (int8_t)(w[k] > 0 ? 1 : w[k] < 0 ? -1 : 0);
        }
    }
}

/* --allow-approx for fan-in: keep the AX_DYNAP_CAM largest |w| per neuron. */
static int64_t trim_fan_in(ax_dynap_spec *d)
{
    int64_t N = d->n_neuron, R = d->n_in + N, dropped = 0;
    double *a = malloc((size_t)R * sizeof *a);
    if (!a) return -1;
    for (int64_t j = 0; j < N; j++) {
        int64_t n = 0;
        for (int64_t r = 0; r < R; r++) {
            double w = r < d->n_in ? d->w_in[r * N + j] : d->w_rec[(r - d->n_in) * N + j];
            if (w != 0) a[n++] = fabs(w);
        }
        if (n <= AX_DYNAP_CAM) continue;
        /* the CAM-th largest |w|: partial selection by repeated max (n small) */
        int64_t keep = 0;
        for (int64_t r = 0; r < R; r++) {
            double *w = r < d->n_in ? &d->w_in[r * N + j] : &d->w_rec[(r - d->n_in) * N + j];
            if (*w == 0) continue;
            int64_t larger = 0;
            for (int64_t q = 0; q < n; q++) larger += a[q] > fabs(*w);
            if (larger < AX_DYNAP_CAM && keep < AX_DYNAP_CAM) keep++;
            else { *w = 0; dropped++; }
        }
    }
    free(a);
    return dropped;
}

/* Per projection: max and RMS relative error of the merged (pre, post)
 * weight each synapse belongs to; mean quantised weight for the variant. */
static void weight_errors(const ax_spec *s, const ax_hw_net *net, const ax_dynap_spec *d, const dyn_pop *dp,
                          ax_sbuf *report, double *wsim)
{
    int64_t N = d->n_neuron;
    ax_sbuf_printf(report, "weight quantisation (4-bit masks over Iw_0..Iw_3 per core; error of the merged "
                           "(pre, post) weight per synapse), relative error:\n");
    for (int p = 0; p < s->n_proj; p++) {
        const ax_hw_edges *e = &net->proj[p];
        double emax = 0, esum = 0, qsum = 0;
        int64_t nz = 0, dropped = 0;
        for (int64_t k = 0; k < e->n; k++) {
            double w = d->w_rec[e->src[k] * N + e->tgt[k]];
            if (e->w[k] == 0) continue;
            if (w == 0) { dropped++; continue; }
            double wq = ax_dynap_wq(d, 1, e->src[k], e->tgt[k]), rel = fabs(wq - w) / fabs(w);
            emax = rel > emax ? rel : emax;
            esum += rel * rel;
            int tp = s->proj[p].tgt;
            qsum += wq * (dp[tp].k * w_mv(s, tp, e->w[k], e->r[k]) / w); /* this synapse's share */
            nz++;
        }
        ax_sbuf_printf(report, "  projection %d %s -> %s: %lld synapses, max %.3g, RMS %.3g%s", p,
                       s->pops[s->proj[p].src].name, s->pops[s->proj[p].tgt].name, (long long)e->n, emax,
                       nz ? sqrt(esum / (double)nz) : 0.0, dropped ? "" : "\n");
        if (dropped) ax_sbuf_printf(report, ", %lld dropped (fan-in)\n", (long long)dropped);
        wsim[p] = nz ? qsum / (double)nz : 0.0;
    }
}

/* Mean quantised input weight of each Poisson/spike generator. */
static void device_weights(const ax_spec *s, const ax_dynap_spec *d, ax_sbuf *report, double *dsim)
{
    int64_t N = d->n_neuron;
    for (int dv = 0; dv < s->n_dev; dv++) dsim[dv] = NAN;
    for (int dv = 0; dv < s->n_dev; dv++) {
        double sum = 0, emax = 0;
        int64_t n = 0;
        for (int64_t r = 0; r < d->n_in; r++) {
            if (d->inputs[r].dev != dv) continue;
            for (int64_t j = 0; j < N; j++) {
                double w = d->w_in[r * N + j];
                if (w == 0) continue;
                double wq = ax_dynap_wq(d, 0, r, j);
                sum += wq;
                emax = fmax(emax, fabs(wq - w) / fabs(w));
                n++;
            }
        }
        if (!n) continue;
        dsim[dv] = sum / (double)n;
        ax_sbuf_printf(report, "  device %s (input channels): %lld entries, max %.3g\n", s->dev[dv].name,
                       (long long)n, emax);
    }
}

static void report_cores(const ax_spec *s, const ax_dynap_spec *d, ax_sbuf *report)
{
    int64_t N = d->n_neuron;
    ax_sbuf_printf(report, "target: Dynap-SE2 (Rockpool specification), dt %g s, Iscale %g A\n", d->dt, d->Iscale);
    ax_sbuf_printf(report, "placement: %d cores on %d chips on %d board(s) (<= %d neurons/core, %d cores/chip, "
                           "%d chips/board); inputs %lld, tags %lld of %d\n",
                   d->n_cores, d->n_chips, d->n_boards, d->neurons_per_core, AX_DYNAP_CORES_PER_CHIP,
                   AX_DYNAP_CHIPS_PER_BOARD, (long long)d->n_in, (long long)(d->n_in + 2 * N), AX_DYNAP_TAGS);
    int64_t cross_core = 0, cross_chip = 0;
    for (int64_t i = 0; i < N; i++)
        for (int64_t j = 0; j < N; j++)
            if (d->w_rec[i * N + j] != 0) {
                cross_core += d->core_of[i] != d->core_of[j];
                cross_chip += d->cores[d->core_of[i]].chip != d->cores[d->core_of[j]].chip;
            }
    ax_sbuf_printf(report, "traffic: %lld connections cross cores, %lld cross chips\n", (long long)cross_core,
                   (long long)cross_chip);
    ax_sbuf_printf(report, "load per core (core chip board: population[ids], neurons, max CAM fan-in; currents A):\n");
    for (int c = 0; c < d->n_cores; c++) {
        const ax_dynap_core *k = &d->cores[c];
        int64_t fmax_in = 0;
        for (int64_t j = 0; j < N; j++) {
            if (d->core_of[j] != c) continue;
            int64_t n = 0;
            for (int64_t r = 0; r < d->n_in; r++) n += d->w_in[r * N + j] != 0;
            for (int64_t r = 0; r < N; r++) n += d->w_rec[r * N + j] != 0;
            fmax_in = n > fmax_in ? n : fmax_in;
        }
        ax_sbuf_printf(report, "  core %d chip %d board %d: %s[%lld:%lld] %lld neurons (%.0f%%), fan-in <= %lld/%d; "
                               "Itau_mem %.3g Igain_mem %.3g Itau_syn %.3g Igain_syn %.3g Ispkthr %.3g Iref %.3g "
                               "Ipulse %.3g Idc %.3g Iw_0..3 %.3g %.3g %.3g %.3g\n",
                       c, k->chip, k->board, s->pops[k->pop].name, (long long)k->first,
                       (long long)(k->first + k->count), (long long)k->count,
                       100.0 * (double)k->count / AX_DYNAP_NEURONS_PER_CORE, (long long)fmax_in, AX_DYNAP_CAM,
                       k->Itau_mem, k->Igain_mem, k->Itau_syn, k->Igain_syn, k->Ispkthr, k->Iref, k->Ipulse, k->Idc,
                       k->iw[0] * d->Iscale, k->iw[1] * d->Iscale, k->iw[2] * d->Iscale, k->iw[3] * d->Iscale);
    }
}

/* ---- files -------------------------------------------------------------- */

static int h5_put(hid_t f, const char *name, hid_t ftype, hid_t mtype, int64_t rows, int64_t cols, const void *v)
{
    hsize_t dims[2] = {(hsize_t)rows, (hsize_t)cols};
    hid_t sp = H5Screate_simple(2, dims, NULL);
    hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
    if (rows > 0 && cols > 0 && rows * cols > 4096 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
        hsize_t ch[2] = {rows < 64 ? (hsize_t)rows : 64, (hsize_t)cols};
        H5Pset_chunk(pl, 2, ch);
        H5Pset_deflate(pl, 4);
    }
    hid_t d = sp >= 0 ? H5Dcreate2(f, name, ftype, sp, H5P_DEFAULT, pl, H5P_DEFAULT) : -1;
    int bad = d < 0 || (rows * cols > 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0);
    if (d >= 0) H5Dclose(d);
    if (pl >= 0) H5Pclose(pl);
    if (sp >= 0) H5Sclose(sp);
    return bad;
}

static ax_status write_h5(const ax_dynap_spec *d, const char *path, ax_error *err)
{
    int64_t N = d->n_neuron, R = d->n_in;
    double *q = malloc((size_t)((R > N ? R : N) * N + 1) * sizeof *q);
    AX_CHECK(q, err, AX_ENOMEM, "out of memory writing %s", path);
    hid_t f = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) { free(q); return AX_FAIL(err, AX_EIO, "%s: cannot create", path); }
    int bad = 0;
    bad |= h5_put(f, "weights_in", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, R, N, d->w_in);
    bad |= h5_put(f, "weights_rec", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, N, N, d->w_rec);
    bad |= h5_put(f, "mask_in", H5T_STD_U8LE, H5T_NATIVE_UINT8, R, N, d->m_in);
    bad |= h5_put(f, "mask_rec", H5T_STD_U8LE, H5T_NATIVE_UINT8, N, N, d->m_rec);
    bad |= h5_put(f, "sign_in", H5T_STD_I8LE, H5T_NATIVE_INT8, R, N, d->s_in);
    bad |= h5_put(f, "sign_rec", H5T_STD_I8LE, H5T_NATIVE_INT8, N, N, d->s_rec);
    for (int64_t k = 0; k < R * N; k++) q[k] = ax_dynap_wq(d, 0, k / N, k % N);
    bad |= h5_put(f, "weights_in_quantised", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, R, N, q);
    for (int64_t k = 0; k < N * N; k++) q[k] = ax_dynap_wq(d, 1, k / N, k % N);
    bad |= h5_put(f, "weights_rec_quantised", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, N, N, q);
    free(q);
    if (H5Fclose(f) < 0) bad = 1;
    AX_CHECK(!bad, err, AX_EIO, "%s: HDF5 write failed", path);
    return AX_OK;
}

static void json_list_int(ax_sbuf *b, const char *key, int64_t n, const int *v)
{
    ax_sbuf_printf(b, "  \"%s\": [", key);
    for (int64_t i = 0; i < n; i++) ax_sbuf_printf(b, "%s%d", i ? ", " : "", v[i]);
    ax_sbuf_printf(b, "],\n");
}

static void write_json(const ax_spec *s, const ax_dynap_spec *d, double delay, ax_sbuf *b)
{
    ax_sbuf_printf(b, "{\n  \"format\": \"axon-dynapse-spec 1\",\n  \"producer\": \"axon " PACKAGE_VERSION "\",\n"
                      "  \"units\": \"SI: currents A, time s; weights dimensionless multiples of Iscale, "
                      "(pre, post)\",\n  \"matrices\": \"weights.h5\",\n");
    ax_sbuf_printf(b, "  \"dt\": %.17g,\n  \"t_sim\": %.17g,\n  \"delay\": %.17g,\n  \"Iscale\": %.17g,\n", d->dt,
                   s->sim.t_sim * 1e-3, isnan(delay) ? 0.0 : delay * 1e-3, d->Iscale);
    ax_sbuf_printf(b, "  \"n_in\": %lld,\n  \"n_neuron\": %lld,\n  \"n_cluster\": %d,\n  \"n_chips\": %d,\n"
                      "  \"n_boards\": %d,\n", (long long)d->n_in, (long long)d->n_neuron, d->n_cores, d->n_chips,
                   d->n_boards);
    json_list_int(b, "core_map", d->n_neuron, d->core_of);
    ax_sbuf_printf(b, "  \"chip_map\": [");
    for (int c = 0; c < d->n_cores; c++) ax_sbuf_printf(b, "%s%d", c ? ", " : "", d->cores[c].chip);
    ax_sbuf_printf(b, "],\n  \"cluster_population\": [");
    for (int c = 0; c < d->n_cores; c++) ax_sbuf_printf(b, "%s\"%s\"", c ? ", " : "", s->pops[d->cores[c].pop].name);
    ax_sbuf_printf(b, "],\n");
    for (int k = 0; k < 8; k++) {
        ax_sbuf_printf(b, "  \"%s\": [", kCur[k]);
        for (int c = 0; c < d->n_cores; c++) {
            const ax_dynap_core *x = &d->cores[c];
            const double v[8] = {x->Itau_mem, x->Igain_mem, x->Itau_syn, x->Igain_syn, x->Ispkthr, x->Iref,
                                 x->Ipulse, x->Idc};
            ax_sbuf_printf(b, "%s%.17g", c ? ", " : "", v[k]);
        }
        ax_sbuf_printf(b, "],\n");
    }
    /* AHP and NMDA blocks are unused: Io for the NMDA gate, 0 for the AHP
     * currents (Rockpool's own LIF conversion writes 0 for all five) */
    static const char *const unused[5] = {"If_nmda", "Igain_ahp", "Ipulse_ahp", "Itau_ahp", "Iw_ahp"};
    ax_dynap_consts dc;
    ax_dynap_consts_default(&dc);
    for (int k = 0; k < 5; k++) {
        ax_sbuf_printf(b, "  \"%s\": [", unused[k]);
        for (int c = 0; c < d->n_cores; c++) ax_sbuf_printf(b, "%s%.17g", c ? ", " : "", k ? 0.0 : dc.Io);
        ax_sbuf_printf(b, "],\n");
    }
    for (int w = 0; w < 4; w++) {
        ax_sbuf_printf(b, "  \"Iw_%d\": [", w);
        for (int c = 0; c < d->n_cores; c++) ax_sbuf_printf(b, "%s%.17g", c ? ", " : "", d->cores[c].iw[w] * d->Iscale);
        ax_sbuf_printf(b, "],\n");
    }
    ax_sbuf_printf(b, "  \"populations\": [");
    for (int i = 0; i < s->n_pops; i++)
        ax_sbuf_printf(b, "%s{\"name\": \"%s\", \"model\": \"%s\", \"first\": %lld, \"n\": %lld}", i ? ", " : "",
                       s->pops[i].name, s->pops[i].model, (long long)s->pops[i].first_gid, (long long)s->pops[i].n);
    ax_sbuf_printf(b, "],\n  \"inputs\": [");
    for (int64_t r = 0; r < d->n_in; r++)
        ax_sbuf_printf(b, "%s{\"device\": \"%s\", \"target\": %lld}", r ? ", " : "", s->dev[d->inputs[r].dev].name,
                       (long long)d->inputs[r].target_gid);
    ax_sbuf_printf(b, "],\n  \"limits\": {\"neurons_per_core\": %d, \"cores_per_chip\": %d, \"chips_per_board\": %d, "
                      "\"cam_per_neuron\": %d, \"sram_per_neuron\": %d, \"usable_destinations\": %d, \"tags\": %d}\n}\n",
                   AX_DYNAP_NEURONS_PER_CORE, AX_DYNAP_CORES_PER_CHIP, AX_DYNAP_CHIPS_PER_BOARD, AX_DYNAP_CAM,
                   AX_DYNAP_SRAM, AX_DYNAP_DEST, AX_DYNAP_TAGS);
}

/* load_dynapse.py: the structures each Rockpool entry point indexes
 * (docs/export.md "Dynap-SE2"; checked by tests/test_dynapse_rockpool.py). */
static const char kLoader[] =
    "#!/usr/bin/env python3\n"
    "\"\"\"Loader for an axon Dynap-SE2 export (axon export --target dynapse).\n"
    "\n"
    "Needs numpy and h5py. Hands each Rockpool entry point (synsense/rockpool,\n"
    "rockpool/devices/dynapse) exactly the structure it indexes:\n"
    "\n"
    "    import load_dynapse\n"
    "    from rockpool.devices.dynapse import dynapsim_net_from_spec, config_from_specification\n"
    "    net = dynapsim_net_from_spec(**load_dynapse.mapper_output())        # simulation (jax)\n"
    "    config, channels = config_from_specification(**load_dynapse.specification())  # chip (samna)\n"
    "\n"
    "mapper_output(): the dict Rockpool's mapper(graph) returns, plus dt:\n"
    "    weights_in  float64 (n_in, n_neuron), (pre, post), multiples of Iscale,\n"
    "                signed (+ AMPA, - GABA); None without input channels\n"
    "    weights_rec float64 (n_neuron, n_neuron), (pre, post); None without synapses\n"
    "    Iscale, dt  float, A and s\n"
    "    n_cluster, n_neuron  int; a cluster is a core, numbered by placement slot\n"
    "                (cluster c sits on chip c // 4, local core c % 4)\n"
    "    core_map    numpy int64 array (n_neuron,): cluster of each neuron\n"
    "    Idc If_nmda Igain_ahp Igain_mem Igain_syn Ipulse_ahp Ipulse Iref Ispkthr\n"
    "    Itau_ahp Itau_mem Itau_syn Iw_ahp: lists of n_cluster floats (A)\n"
    "    unclustered dict of the same 13 names -> lists of n_neuron floats\n"
    "    mapped_graph None\n"
    "  This is also what autoencoder_quantization(**spec) takes (Rockpool's own\n"
    "  quantiser, jax); it fails on a cluster with no incoming weight.\n"
    "quantization(): the dict autoencoder_quantization returns, computed by axon:\n"
    "    weights_in/weights_rec: per cluster c an int64 4-bit mask matrix (0..15)\n"
    "    of full size with the columns of other clusters zeroed (lists of None\n"
    "    without that matrix); sign_in/sign_rec: the same as float64 -1/0/+1;\n"
    "    Iw_0..Iw_3: per cluster the base currents (A, Iw_b = unit 2^b);\n"
    "    quantization_loss: per cluster the mean squared error of the quantised\n"
    "    weights over the cluster's nonzero weights, in Iscale units (0.0 without).\n"
    "specification(): mapper_output() updated with quantization(), as Rockpool\n"
    "    chains them, plus chip_map {c: c // 4} and chip_pos (chip 0..3 of one\n"
    "    board; Rockpool's default lacks chip 2). Refuses (ValueError) what\n"
    "    Rockpool's config_from_specification cannot configure: more than 256\n"
    "    neurons in total (it writes neuron n to slot n of its core), more than\n"
    "    4 chips, and a neuron whose 64th CAM entry of one matrix is not in its\n"
    "    last row (allocator.py matrix_to_synapse stops there).\n"
    "weights(): every matrix of weights.h5 (float, masks, signs, quantised).\n"
    "\"\"\"\n"
    "import json\n"
    "import os\n"
    "\n"
    "import h5py\n"
    "import numpy as np\n"
    "\n"
    "HERE = os.path.dirname(os.path.abspath(__file__))\n"
    "CURRENTS = ['Idc', 'If_nmda', 'Igain_ahp', 'Igain_mem', 'Igain_syn', 'Ipulse_ahp', 'Ipulse',\n"
    "            'Iref', 'Ispkthr', 'Itau_ahp', 'Itau_mem', 'Itau_syn', 'Iw_ahp']\n"
    "CHIP_POS = {-1: (0, 0), 0: (1, 0), 1: (2, 0), 2: (3, 0), 3: (4, 0)}\n"
    "\n"
    "\n"
    "def spec_json(path=HERE):\n"
    "    with open(os.path.join(path, 'spec.json')) as f:\n"
    "        return json.load(f)\n"
    "\n"
    "\n"
    "def weights(path=HERE):\n"
    "    \"\"\"All datasets of weights.h5 as numpy arrays.\"\"\"\n"
    "    with h5py.File(os.path.join(path, spec_json(path)['matrices']), 'r') as f:\n"
    "        return {k: np.asarray(f[k][()]) for k in f.keys()}\n"
    "\n"
    "\n"
    "def _matrices(j, w):\n"
    "    w_in = w['weights_in'].astype(np.float64) if j['n_in'] > 0 else None\n"
    "    w_rec = w['weights_rec'].astype(np.float64)\n"
    "    return w_in, (w_rec if np.any(w_rec) else None)\n"
    "\n"
    "\n"
    "def mapper_output(path=HERE):\n"
    "    j, w = spec_json(path), weights(path)\n"
    "    w_in, w_rec = _matrices(j, w)\n"
    "    core_map = np.asarray(j['core_map'], dtype=np.int64)\n"
    "    out = {'mapped_graph': None, 'weights_in': w_in, 'weights_rec': w_rec,\n"
    "           'Iscale': float(j['Iscale']), 'dt': float(j['dt']), 'n_cluster': int(j['n_cluster']),\n"
    "           'core_map': core_map, 'n_neuron': int(j['n_neuron'])}\n"
    "    for k in CURRENTS:\n"
    "        out[k] = [float(v) for v in j[k]]\n"
    "    out['unclustered'] = {k: [out[k][c] for c in core_map] for k in CURRENTS}\n"
    "    return out\n"
    "\n"
    "\n"
    "def _per_cluster(mat, core_map, n_cluster, dtype):\n"
    "    if mat is None:\n"
    "        return [None] * n_cluster\n"
    "    out = []\n"
    "    for c in range(n_cluster):\n"
    "        m = np.zeros(mat.shape, dtype=dtype)\n"
    "        m[:, core_map == c] = mat[:, core_map == c]\n"
    "        out.append(m)\n"
    "    return out\n"
    "\n"
    "\n"
    "def quantization(path=HERE):\n"
    "    j, w = spec_json(path), weights(path)\n"
    "    w_in, w_rec = _matrices(j, w)\n"
    "    core_map = np.asarray(j['core_map'], dtype=np.int64)\n"
    "    C = int(j['n_cluster'])\n"
    "    out = {}\n"
    "    for name, mat in (('in', w_in), ('rec', w_rec)):\n"
    "        has = mat is not None\n"
    "        mask = w['mask_' + name].astype(np.int64) if has else None\n"
    "        sign = np.sign(w['sign_' + name].astype(np.float64)) if has else None\n"
    "        out['weights_' + name] = _per_cluster(mask, core_map, C, np.int64)\n"
    "        out['sign_' + name] = _per_cluster(sign, core_map, C, np.float64)\n"
    "    for b in range(4):\n"
    "        out['Iw_%d' % b] = [float(v) for v in j['Iw_%d' % b]]\n"
    "    loss = []\n"
    "    for c in range(C):\n"
    "        err = []\n"
    "        for n, m in (('in', w_in), ('rec', w_rec)):\n"
    "            if m is not None:\n"
    "                cols = core_map == c\n"
    "                diff = (w['weights_%s_quantised' % n] - m)[:, cols]\n"
    "                err.append(diff[m[:, cols] != 0])\n"
    "        err = np.concatenate(err) if err else np.zeros(0)\n"
    "        loss.append(float(np.mean(err ** 2)) if err.size else 0.0)\n"
    "    out['quantization_loss'] = loss\n"
    "    return out\n"
    "\n"
    "\n"
    "def _cam_check(spec):\n"
    "    \"\"\"Rockpool's matrix_to_synapse walks pre rows in order and raises once a\n"
    "    post neuron holds 64 entries and rows remain; the merged CAM holds 64.\"\"\"\n"
    "    bad = []\n"
    "    for c in range(spec['n_cluster']):\n"
    "        total = np.zeros(spec['n_neuron'], dtype=np.int64)\n"
    "        for key in ('weights_in', 'weights_rec'):\n"
    "            m = spec[key][c]\n"
    "            if m is None:\n"
    "                continue\n"
    "            nz = m > 0\n"
    "            total += nz.sum(0)\n"
    "            for post in np.nonzero(nz.sum(0) >= 64)[0]:\n"
    "                rows = np.nonzero(nz[:, post])[0]\n"
    "                if rows[63] != m.shape[0] - 1:\n"
    "                    bad.append(int(post))\n"
    "        bad += [int(p) for p in np.nonzero(total > 64)[0]]\n"
    "    if bad:\n"
    "        raise ValueError('the CAM allocator of Rockpool (hardware/config/allocator.py '\n"
    "                         'matrix_to_synapse) cannot place 64 or more entries per matrix for '\n"
    "                         'neuron(s) %s; export fewer inputs per neuron' % sorted(set(bad))[:20])\n"
    "\n"
    "\n"
    "def specification(path=HERE):\n"
    "    \"\"\"mapper_output() updated with quantization(): config_from_specification(**spec).\"\"\"\n"
    "    spec = mapper_output(path)\n"
    "    spec.update(quantization(path))\n"
    "    n, C = spec['n_neuron'], spec['n_cluster']\n"
    "    if n > 256:\n"
    "        raise ValueError('config_from_specification of Rockpool writes neuron n to slot n of '\n"
    "                         'its core (hardware/config/from_spec.py), so it configures at most 256 '\n"
    "                         'neurons in total; this export has %d. mapper_output() still serves '\n"
    "                         'dynapsim_net_from_spec' % n)\n"
    "    chips = sorted({c // 4 for c in range(C)})\n"
    "    if chips[-1] > 3:\n"
    "        raise ValueError('%d clusters need %d chips; the chip positions of Rockpool cover one '\n"
    "                         'board of 4' % (C, len(chips)))\n"
    "    spec['chip_map'] = {c: c // 4 for c in range(C)}\n"
    "    spec['chip_pos'] = dict(CHIP_POS)\n"
    "    _cam_check(spec)\n"
    "    return spec\n"
    "\n"
    "\n"
    "if __name__ == '__main__':\n"
    "    s = mapper_output()\n"
    "    print('n_neuron %d, n_cluster %d, n_in %d, dt %g s' % (s['n_neuron'], s['n_cluster'],\n"
    "          0 if s['weights_in'] is None else s['weights_in'].shape[0], s['dt']))\n";

static ax_status write_text(const char *dir, const char *name, const char *text, size_t len, ax_error *err)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ax_status st = AX_OK;
    if (!f || fwrite(text, 1, len, f) != len) st = AX_FAIL(err, AX_EIO, "%s: cannot write", path);
    if (f && fclose(f) != 0 && st == AX_OK) st = AX_FAIL(err, AX_EIO, "%s: write failed", path);
    return st;
}

/* The variant axon simulates: dpi_neuron populations with the per-core
 * currents (pA), quantised weights, the common delay. */
static ax_status sim_variant(const ax_spec *s, const ax_dynap_spec *d, const dyn_pop *dp, const double *wsim,
                             const double *dsim, double delay, int trimmed, ax_export_result *res, ax_error *err)
{
    const char **models = calloc((size_t)s->n_pops + 1, sizeof *models);
    char **params = calloc((size_t)s->n_pops + 1, sizeof *params);
    double *pd = malloc(((size_t)s->n_proj + 1) * sizeof *pd);
    ax_sbuf y = {0}, notes = {0};
    ax_status st = AX_OK;
    if (!models || !params || !pd) { st = AX_FAIL(err, AX_ENOMEM, "out of memory"); goto out; }
    ax_dynap_consts c;
    ax_dynap_consts_default(&c);
    for (int i = 0; i < s->n_pops; i++) {
        const double *I = dp[i].cur;
        ax_sbuf t = {0};
        ax_sbuf_printf(&t, "{Itau_mem: %.17g, Igain_mem: %.17g, Itau_syn: %.17g, Igain_syn: %.17g, Ispkthr: %.17g, "
                           "Iref: %.17g, Ipulse: %.17g, I_e: %.17g, Io: %.17g, Iscale: %.17g, C_mem: %.17g, "
                           "C_syn: %.17g, C_ref: %.17g, C_pulse: %.17g, kappa_n: %.17g, kappa_p: %.17g, U_T: %.17g, "
                           "Vth: %.17g}",
                       I[0] * 1e12, I[1] * 1e12, I[2] * 1e12, I[3] * 1e12, I[4] * 1e12, I[5] * 1e12, I[6] * 1e12,
                       I[7] * 1e12, c.Io * 1e12, c.Iscale * 1e12, c.C_mem * 1e12, c.C_syn * 1e12, c.C_ref * 1e12,
                       c.C_pulse * 1e12, c.kappa_n, c.kappa_p, c.Ut * 1e3, c.Vth * 1e3);
        models[i] = "dpi_neuron";
        params[i] = ax_sbuf_take(&t);
        if (!params[i]) { st = AX_FAIL(err, AX_ENOMEM, "out of memory"); goto out; }
    }
    for (int p = 0; p < s->n_proj; p++) pd[p] = delay;
    ax_spec_override ov = {.static_synapses = 1, /* the board has no plasticity */
                           .proj_weight = wsim, .dev_weight = dsim, .proj_delay = pd,
                           .pop_model = models, .pop_params = (const char *const *)params,
                           .drop_init = 1, .drop_multimeters = 1, .no_output = 1};
    if ((st = ax_spec_emit(s, &ov, &y, err)) != AX_OK) goto out;
    res->sim_spec_yaml = ax_sbuf_take(&y);
    ax_sbuf_printf(&notes, "simulated: dpi_neuron (DynapSim dynamics, forward Euler at %g ms) with the per-core "
                           "currents of spec.json, each projection's weight the mean of its 4-bit quantised values "
                           "(exact where a projection's weights are equal), %s.\nnot simulated: mismatch, AHP/NMDA, "
                           "coarse/fine bias rounding, per-synapse variation of distributed weights",
                   s->sim.resolution, isnan(delay) ? "no synapses" : "one common delay");
    ax_sbuf_printf(&notes, "%s.\n", trimmed ? "; the simulation keeps the synapses dropped from the spec for fan-in" : "");
    res->sim_notes = ax_sbuf_take(&notes);
    (void)d;
out:
    for (int i = 0; params && i < s->n_pops; i++) free(params[i]);
    free(params);
    free(models);
    free(pd);
    ax_sbuf_free(&y);
    ax_sbuf_free(&notes);
    return st;
}

ax_status ax_export_dynapse(const ax_spec *s, const ax_hw_net *net, const ax_export_opts *o, const char *dir,
                            ax_sbuf *report, ax_sbuf *approx, ax_export_result *res, ax_error *err)
{
    ax_sbuf viol = {0}, js = {0};
    ax_dynap_spec d = {0};
    ax_dynap_consts c;
    ax_dynap_consts_default(&c);
    dyn_pop *dp = calloc((size_t)s->n_pops + 1, sizeof *dp);
    double *wsim = calloc((size_t)s->n_proj + 1, sizeof *wsim), *dsim = calloc((size_t)s->n_dev + 1, sizeof *dsim);
    ax_status st = AX_OK;
    double delay = NAN;
    int64_t trimmed = 0;
    if (!dp || !wsim || !dsim) { st = AX_FAIL(err, AX_ENOMEM, "out of memory"); goto done; }
    int npc = o->neurons_per_core > 0 ? o->neurons_per_core : AX_DYNAP_NEURONS_PER_CORE;
    check_models(s, o, approx, &viol);
    if (npc > AX_DYNAP_NEURONS_PER_CORE)
        ax_hw_violation(0, approx, &viol, "--neurons-per-core %d exceeds Dynap-SE2's %d neurons per core", npc,
                        AX_DYNAP_NEURONS_PER_CORE);
    double dt_us = s->sim.resolution * 1000.0;
    if (fabs(dt_us - nearbyint(dt_us)) > 1e-9)
        ax_hw_violation(0, approx, &viol, "time step %g ms is not a whole number of microseconds (the FPGA's "
                        "event time resolution); fix: e.g. resolution 0.1 or 1.0 ms", s->sim.resolution);
    d.n_neuron = s->n_total;
    d.n_in = count_inputs(s);
    if (d.n_in + 2 * d.n_neuron > AX_DYNAP_TAGS)
        ax_hw_violation(0, approx, &viol, "tags: %lld input channels + 2 x %lld neurons = %lld > %d tags; fix: "
                        "fewer neurons or inputs (each Poisson target is one input channel)", (long long)d.n_in,
                        (long long)d.n_neuron, (long long)(d.n_in + 2 * d.n_neuron), AX_DYNAP_TAGS);
    check_delays(s, net, o, report, approx, &viol, &delay);
    if (viol.len) goto fail;
    d.dt = s->sim.resolution * 1e-3;
    d.Iscale = c.Iscale;
    if ((st = ax_dynap_place(net, npc, &d, err)) != AX_OK) goto done;
    for (int i = 0; i < s->n_pops; i++) translate(s, i, &c, &dp[i]);
    for (int k = 0; k < d.n_cores; k++) {
        const double *I = dp[d.cores[k].pop].cur;
        ax_dynap_core *x = &d.cores[k];
        x->Itau_mem = I[0]; x->Igain_mem = I[1]; x->Itau_syn = I[2]; x->Igain_syn = I[3];
        x->Ispkthr = I[4]; x->Iref = I[5]; x->Ipulse = I[6]; x->Idc = I[7];
    }
    if ((st = alloc_mats(&d, err)) != AX_OK) goto done;
    fill_weights(s, net, dp, &d);
    quantise(&d);
    ax_sbuf first = {0};
    if (ax_dynap_spec_check(&d, &first)) {
        /* a fan-in overflow is approximable: keep the largest weights */
        for (char *line = first.s, *nl; line && *line; line = nl ? nl + 1 : NULL) {
            nl = strchr(line, '\n');
            if (nl) *nl = 0;
            int fan_in = !strncmp(line, "  - fan-in", 10);
            if (fan_in && o->allow_approx)
                ax_hw_violation(1, approx, &viol, "%s; kept the %d largest |w| per neuron (fix: fewer inputs "
                                "per neuron)", line + 4, AX_DYNAP_CAM);
            else ax_sbuf_printf(&viol, "%s%s\n", line, fan_in ? "; fix: at most 64 distinct sources per neuron "
                                                                "(or --allow-approx to keep the largest)" : "");
        }
        if (!viol.len) {
            trimmed = trim_fan_in(&d);
            quantise(&d);
        }
    }
    ax_sbuf_free(&first);
    if (!viol.len) {
        ax_sbuf again = {0};
        if (ax_dynap_spec_check(&d, &again)) ax_sbuf_printf(&viol, "%s", again.s);
        ax_sbuf_free(&again);
    }
    if (viol.len) goto fail;
    report_cores(s, &d, report);
    if (trimmed) ax_sbuf_printf(report, "fan-in: %lld connections dropped to fit %d CAM entries\n", (long long)trimmed, AX_DYNAP_CAM);
    weight_errors(s, net, &d, dp, report, wsim);
    device_weights(s, &d, report, dsim);
    ax_sbuf_printf(report, "limit check of the written spec: passed\n");
    char path[4300];
    snprintf(path, sizeof path, "%s/weights.h5", dir);
    if ((st = write_h5(&d, path, err)) != AX_OK) goto done;
    write_json(s, &d, delay, &js);
    if (js.oom) { st = AX_FAIL(err, AX_ENOMEM, "out of memory writing spec.json"); goto done; }
    if ((st = write_text(dir, "spec.json", js.s, js.len, err)) != AX_OK) goto done;
    if ((st = write_text(dir, "load_dynapse.py", kLoader, sizeof kLoader - 1, err)) != AX_OK) goto done;
    st = sim_variant(s, &d, dp, wsim, dsim, delay, trimmed > 0, res, err);
    goto done;
fail:
    st = AX_FAIL(err, AX_EINPUT, "Dynap-SE2 export: hardware limits violated (--allow-approx accepts those that "
                                 "can be approximated):\n%s", viol.s);
done:
    ax_dynap_spec_free(&d);
    free(dp);
    free(wsim);
    free(dsim);
    ax_sbuf_free(&viol);
    ax_sbuf_free(&js);
    return st;
}
