/* hw_dynapse.c - Dynap-SE2 facts as code: DynapSim's current conversions
 * (reference §3.2: tau = C U_T/(kappa I_tau), t = Vth C / I), the DPI
 * rheobase used to scale weights, placement onto cores/chips/boards, and the
 * limit checker that re-reads an exported specification.
 *
 * Invariants of an ax_dynap_spec that passes ax_dynap_spec_check: every
 * core holds <= neurons_per_core (<= 256) neurons of one population and so
 * one parameter set; <= 4 cores per chip, 4 chips per board; every neuron
 * has <= 64 CAM entries (non-zero w_in/w_rec entries in its column), sends
 * to <= 3 chips (4 SRAM entries, one reserved for monitoring); n_in +
 * 2 n_neuron <= 2048 tags; masks are 0..15, zero exactly where the weight
 * is, with the weight's sign. Pure functions apart from allocation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axon/free_all.h"
#include "axon/model.h"
#include "axon/hw_place.h"

void ax_dynap_consts_default(ax_dynap_consts *c)
{
    *c = (ax_dynap_consts){.Io = 5e-13, .kappa_n = 0.75, .kappa_p = 0.66, .Ut = 25e-3, .Vth = 0.7,
                           .C_mem = 3e-12, .C_syn = 25e-12, .C_ref = 1.5e-12, .C_pulse = 0.5e-12,
                           .Iscale = 1e-8, .t_pulse = 10e-6};
}

double ax_dynap_kappa(const ax_dynap_consts *c) { return 0.5 * (c->kappa_n + c->kappa_p); }

double ax_dynap_tau_to_itau(const ax_dynap_consts *c, double cap, double tau)
{
    return c->Ut / ax_dynap_kappa(c) * cap / tau;
}

double ax_dynap_itau_to_tau(const ax_dynap_consts *c, double cap, double itau)
{
    return c->Ut / ax_dynap_kappa(c) * cap / itau;
}

double ax_dynap_pw_to_i(const ax_dynap_consts *c, double cap, double t) { return c->Vth * cap / t; }

/* With x = Iin - Ileak, the DPI's fixed points solve
 * (Igain/Itau) x = g(I) = I - Ifb(I)/Ileak (I + Igain); a neuron fires once
 * (Igain/Itau) x exceeds max g. Scanned on a log grid from Io to Ispkthr.
 * Returns the synaptic current: Isyn = x + 2 Ileak - Io (Iin = Isyn -
 * Ileak + Idc with Idc = Io). */
double ax_dynap_rheobase(const ax_dynap_consts *c, double itau, double igain, double ispkthr)
{
    double k = ax_dynap_kappa(c), a = k / (k + 1.0), Io = c->Io, gmax = -INFINITY;
    const int n = 4000;
    for (int i = 0; i <= n; i++) {
        double I = Io * pow(ispkthr / Io, (double)i / n);
        double g = I - Io * pow(I / Io, a) / itau * (I + igain);
        if (g > gmax) gmax = g;
    }
    double x = gmax * itau / igain;
    return x + 2.0 * itau - Io;
}

void ax_dynap_spec_free(ax_dynap_spec *d)
{
    AX_FREE_ALL(d->core_of, d->cores, d->inputs, d->w_in, d->w_rec, d->m_in, d->m_rec, d->s_in,
                d->s_rec);
    *d = (ax_dynap_spec){0};
}

double ax_dynap_wq(const ax_dynap_spec *d, int rec, int64_t pre, int64_t post)
{
    int64_t k = pre * d->n_neuron + post;
    int m = rec ? d->m_rec[k] : d->m_in[k], s = rec ? d->s_rec[k] : d->s_in[k];
    return s * ax_dynap_mask_value(m, d->cores[d->core_of[post]].iw);
}

ax_status ax_dynap_place(const ax_hw_net *net, int npc, ax_dynap_spec *d, ax_error *err)
{
    const ax_spec *s = net->spec;
    ax_hw_limits lim = {.neurons_per_core = npc, .cores_per_chip = AX_DYNAP_CORES_PER_CHIP,
                        .chips_per_board = AX_DYNAP_CHIPS_PER_BOARD};
    ax_hw_place pl;
    AX_TRY(ax_hw_place_build(net, &lim, &pl, err));
    d->neurons_per_core = npc;
    d->n_cores = pl.n_cores;
    d->n_chips = pl.n_chips;
    d->n_boards = pl.n_boards;
    d->core_of = calloc((size_t)(s->n_total ? s->n_total : 1), sizeof *d->core_of);
    d->cores = calloc((size_t)(pl.n_cores ? pl.n_cores : 1), sizeof *d->cores);
    if (!d->core_of || !d->cores) {
        ax_hw_place_free(&pl);
        return AX_FAIL(err, AX_ENOMEM, "out of memory placing %d cores", pl.n_cores);
    }
    /* core index = placement slot (no device cores on Dynap-SE2: slots are
     * 0 .. n_cores-1), so that Rockpool's cluster c -> chip c / 4, core c % 4
     * is where the placement put it and no two clusters share a core */
    for (int c = 0; c < pl.n_cores; c++)
        d->cores[pl.cores[c].slot] = (ax_dynap_core){.pop = pl.cores[c].pop, .chip = pl.cores[c].chip,
                                                     .board = pl.cores[c].board, .first = pl.cores[c].first,
                                                     .count = pl.cores[c].count};
    for (int64_t g = 0; g < s->n_total; g++) d->core_of[g] = pl.cores[ax_hw_core_of(s, &pl, g)].slot;
    ax_hw_place_free(&pl);
    return AX_OK;
}

/* Fan-in of every neuron: list the neurons above the CAM limit. */
static int check_fan_in(const ax_dynap_spec *d, ax_sbuf *viol)
{
    int64_t bad = 0, worst = 0;
    ax_sbuf ids = {0};
    for (int64_t j = 0; j < d->n_neuron; j++) {
        int64_t n = 0;
        for (int64_t i = 0; i < d->n_in; i++) n += d->m_in[i * d->n_neuron + j] != 0;
        for (int64_t i = 0; i < d->n_neuron; i++) n += d->m_rec[i * d->n_neuron + j] != 0;
        if (n <= AX_DYNAP_CAM) continue;
        if (bad < 20) ax_sbuf_printf(&ids, "%s%lld (%lld)", bad ? ", " : "", (long long)j, (long long)n);
        bad++;
        if (n > worst) worst = n;
    }
    if (bad)
        ax_hw_violation(0, NULL, viol, "fan-in: %lld neuron(s) have more than %d CAM entries (max %lld); "
                        "neuron (entries): %s%s", (long long)bad, AX_DYNAP_CAM, (long long)worst,
                        ids.s ? ids.s : "", bad > 20 ? ", ..." : "");
    ax_sbuf_free(&ids);
    return bad > 0;
}

static int check_fan_out(const ax_dynap_spec *d, ax_sbuf *viol)
{
    int64_t bad = 0, first = -1;
    int *seen = calloc((size_t)(d->n_chips ? d->n_chips : 1), sizeof *seen);
    if (!seen) { ax_hw_violation(0, NULL, viol, "fan-out: out of memory checking"); return 1; }
    for (int64_t i = 0; i < d->n_neuron; i++) {
        int n = 0;
        memset(seen, 0, (size_t)(d->n_chips ? d->n_chips : 1) * sizeof *seen);
        for (int64_t j = 0; j < d->n_neuron; j++) {
            if (!d->m_rec[i * d->n_neuron + j]) continue;
            int c = d->core_of[j];
            int ch = c >= 0 && c < d->n_cores ? d->cores[c].chip : -1;
            if (ch < 0 || ch >= d->n_chips) continue; /* reported by the core checks */
            if (!seen[ch]) { seen[ch] = 1; n++; }
        }
        if (n > AX_DYNAP_DEST) { if (first < 0) first = i; bad++; }
    }
    free(seen);
    if (bad)
        ax_hw_violation(0, NULL, viol, "fan-out: %lld neuron(s) (first: %lld) send to more than %d chips "
                        "(%d SRAM destinations, one reserved for monitoring)", (long long)bad, (long long)first,
                        AX_DYNAP_DEST, AX_DYNAP_SRAM);
    return bad > 0;
}

/* Masks, signs and base currents agree with the weights. */
static int check_weights(const ax_dynap_spec *d, ax_sbuf *viol)
{
    int bad = 0;
    for (int c = 0; c < d->n_cores && !bad; c++)
        for (int b = 0; b < 4; b++)
            if (!(d->cores[c].iw[b] > 0) || fabs(d->cores[c].iw[b] - d->cores[c].iw[0] * (1 << b)) >
                                                1e-12 * d->cores[c].iw[b]) {
                ax_hw_violation(0, NULL, viol, "core %d: Iw_%d is not a positive binary multiple of Iw_0", c, b);
                bad = 1;
                break;
            }
    for (int rec = 0; rec < 2 && !bad; rec++) {
        int64_t rows = rec ? d->n_neuron : d->n_in;
        const double *w = rec ? d->w_rec : d->w_in;
        const uint8_t *m = rec ? d->m_rec : d->m_in;
        const int8_t *sg = rec ? d->s_rec : d->s_in;
        for (int64_t k = 0; k < rows * d->n_neuron; k++) {
            int want = w[k] > 0 ? 1 : w[k] < 0 ? -1 : 0;
            if (m[k] > 15 || (m[k] == 0) != (w[k] == 0) || sg[k] != want) {
                ax_hw_violation(0, NULL, viol, "%s[%lld, %lld]: mask %d / sign %d do not encode weight %g",
                                rec ? "w_rec" : "w_in", (long long)(k / d->n_neuron),
                                (long long)(k % d->n_neuron), m[k], sg[k], w[k]);
                bad = 1;
                break;
            }
        }
    }
    return bad;
}

int ax_dynap_spec_check(const ax_dynap_spec *d, ax_sbuf *viol)
{
    int n = 0;
    if (d->neurons_per_core > AX_DYNAP_NEURONS_PER_CORE) {
        ax_hw_violation(0, NULL, viol, "neurons per core: %d > %d", d->neurons_per_core, AX_DYNAP_NEURONS_PER_CORE);
        n++;
    }
    int *per_chip = calloc((size_t)(d->n_chips ? d->n_chips : 1), sizeof *per_chip);
    for (int c = 0; c < d->n_cores && per_chip; c++) {
        const ax_dynap_core *k = &d->cores[c];
        if (k->count > d->neurons_per_core || k->count > AX_DYNAP_NEURONS_PER_CORE) {
            ax_hw_violation(0, NULL, viol, "core %d holds %lld neurons (> %d)", c, (long long)k->count,
                            AX_DYNAP_NEURONS_PER_CORE);
            n++;
        }
        if (k->chip < 0 || k->chip >= d->n_chips || k->board != k->chip / AX_DYNAP_CHIPS_PER_BOARD) {
            ax_hw_violation(0, NULL, viol, "core %d: chip %d / board %d out of range", c, k->chip, k->board);
            n++;
        } else if (++per_chip[k->chip] > AX_DYNAP_CORES_PER_CHIP) {
            ax_hw_violation(0, NULL, viol, "chip %d holds more than %d cores", k->chip, AX_DYNAP_CORES_PER_CHIP);
            n++;
        }
    }
    if (!per_chip) { ax_hw_violation(0, NULL, viol, "out of memory checking cores"); n++; }
    free(per_chip);
    /* every neuron sits on a core that covers it: one parameter set per neuron */
    for (int64_t j = 0; j < d->n_neuron; j++) {
        int c = d->core_of[j];
        if (c < 0 || c >= d->n_cores) { ax_hw_violation(0, NULL, viol, "neuron %lld has no core", (long long)j); n++; break; }
    }
    if (d->n_in + 2 * d->n_neuron > AX_DYNAP_TAGS) {
        ax_hw_violation(0, NULL, viol, "tags: n_in + 2 n_neuron = %lld + 2 x %lld = %lld > %d", (long long)d->n_in,
                        (long long)d->n_neuron, (long long)(d->n_in + 2 * d->n_neuron), AX_DYNAP_TAGS);
        n++;
    }
    n += check_fan_in(d, viol);
    n += check_fan_out(d, viol);
    n += check_weights(d, viol);
    return n;
}

double ax_dynap_isi(const double *p, double h, double isyn)
{
    const ax_model_ops *m = ax_model_find("dpi_neuron");
    double q[32];
    ax_error err;
    ax_neurons *nr = NULL;
    if (!m || m->n_params > 32) return INFINITY;
    memcpy(q, p, (size_t)m->n_params * sizeof *q);
    q[ax_model_param_index(m, "I_e")] += isyn;
    if (m->create(q, h, 1, &nr, &err) != AX_OK) return INFINITY;
    double zero = 0, t_first = -1, isi = INFINITY;
    const double *in[2] = {&zero, &zero};
    int64_t spk, steps = (int64_t)(4000.0 / h);
    for (int64_t k = 1; k <= steps; k++)
        if (m->update(nr, in, NULL, &spk)) {
            if (t_first >= 0) { isi = (double)k * h - t_first; break; }
            t_first = (double)k * h;
        }
    m->destroy(nr);
    return isi;
}

double ax_dynap_current_for_isi(const double *p, double h, double isi, double lo, double hi)
{
    for (int it = 0; it < 50 && hi / lo > 1.0 + 1e-6; it++) {
        double mid = sqrt(lo * hi);
        if (ax_dynap_isi(p, h, mid) > isi) lo = mid;
        else hi = mid;
    }
    return hi;
}
