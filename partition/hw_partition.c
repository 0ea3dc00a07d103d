/* hw_partition.c - placement of populations onto neuromorphic cores, chips
 * and boards under a target's limits (SpiNNaker, Dynap-SE2).
 *
 * Invariants: a core holds neurons of exactly one population (a core shares
 * one parameter set on Dynap-SE2; sPyNNaker splits each population into its
 * own machine vertices), at most neurons_per_core of them; a chip holds at
 * most cores_per_chip cores; cores are numbered population by population
 * (core_of is O(1)) while their chips follow a greedy order that puts
 * strongly connected populations next to each other, so that synapses
 * between them stay on-chip where the target pays for chip crossings.
 */
#include <stdlib.h>
#include <string.h>

#include "axon/hw_place.h"

static int64_t div_up(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* Order populations greedily: start with the one with most synapses, then
 * always take the unplaced one most connected to those already placed. */
static ax_status pop_order(const ax_hw_net *net, int *order, ax_error *err)
{
    const ax_spec *s = net->spec;
    int np = s->n_pops;
    double *traffic = calloc((size_t)np * (size_t)np, sizeof *traffic);
    int *done = calloc((size_t)np, sizeof *done);
    if (!traffic || !done) {
        free(traffic);
        free(done);
        return AX_FAIL(err, AX_ENOMEM, "out of memory ordering populations");
    }
    for (int p = 0; p < s->n_proj; p++) {
        double n = (double)net->proj[p].n;
        traffic[s->proj[p].src * np + s->proj[p].tgt] += n;
        traffic[s->proj[p].tgt * np + s->proj[p].src] += n;
    }
    for (int k = 0; k < np; k++) {
        int best = -1;
        double best_v = -1;
        for (int i = 0; i < np; i++) {
            if (done[i]) continue;
            double v = 0;
            for (int j = 0; j < np; j++)
                if (k == 0 || done[j]) v += traffic[i * np + j];
            if (v > best_v) { best_v = v; best = i; }
        }
        done[best] = 1;
        order[k] = best;
    }
    free(traffic);
    free(done);
    return AX_OK;
}

static int64_t dev_target_count(const ax_dev_spec *d)
{
    int64_t n = 0;
    for (int t = 0; t < d->n_targets; t++) n += d->targets[t].count;
    return n;
}

/* Cores a device's spike sources need on SpiNNaker (0 for others). */
static int64_t dev_cores(const ax_dev_spec *d, int npc)
{
    if (d->kind == AX_DEV_POISSON) return div_up(dev_target_count(d), npc);
    if (d->kind == AX_DEV_SPIKE_GEN) return 1;
    return 0;
}

static void put_slot(ax_hw_core *c, int *slot, const ax_hw_limits *lim)
{
    c->slot = (*slot)++;
    c->chip = c->slot / lim->cores_per_chip;
}

ax_status ax_hw_place_build(const ax_hw_net *net, const ax_hw_limits *lim, ax_hw_place *pl,
                            ax_error *err)
{
    const ax_spec *s = net->spec;
    int npc = lim->neurons_per_core;
    *pl = (ax_hw_place){0};
    AX_CHECK(npc >= 1, err, AX_EINPUT, "neurons per core must be >= 1 (got %d)", npc);
    int64_t nc = 0;
    for (int i = 0; i < s->n_pops; i++) nc += div_up(s->pops[i].n, npc);
    if (lim->count_sources)
        for (int d = 0; d < s->n_dev; d++) nc += dev_cores(&s->dev[d], npc);
    AX_CHECK(nc < (1 << 30), err, AX_EINPUT, "%lld cores: too many to place", (long long)nc);
    pl->cores = calloc((size_t)(nc ? nc : 1), sizeof *pl->cores);
    pl->core_of_pop0 = calloc((size_t)(s->n_pops ? s->n_pops : 1), sizeof(int));
    int *order = calloc((size_t)(s->n_pops ? s->n_pops : 1), sizeof(int));
    if (!pl->cores || !pl->core_of_pop0 || !order) {
        free(order);
        ax_hw_place_free(pl);
        return AX_FAIL(err, AX_ENOMEM, "out of memory placing %lld cores", (long long)nc);
    }
    int c = 0;
    for (int i = 0; i < s->n_pops; i++) {
        pl->core_of_pop0[i] = c;
        for (int64_t f = 0; f < s->pops[i].n; f += npc, c++) {
            int64_t cnt = s->pops[i].n - f < npc ? s->pops[i].n - f : npc;
            pl->cores[c] = (ax_hw_core){.pop = i, .dev = -1, .first = f, .count = cnt};
        }
    }
    int n_pop_cores = c;
    if (lim->count_sources)
        for (int d = 0; d < s->n_dev; d++) {
            int64_t n = s->dev[d].kind == AX_DEV_POISSON ? dev_target_count(&s->dev[d]) : 1;
            for (int64_t k = 0; k < dev_cores(&s->dev[d], npc); k++, c++)
                pl->cores[c] = (ax_hw_core){.pop = -1, .dev = d, .first = k * npc,
                                            .count = n - k * npc < npc ? n - k * npc : npc};
        }
    pl->n_cores = c;
    ax_status st = pop_order(net, order, err);
    if (st != AX_OK) {
        free(order);
        ax_hw_place_free(pl);
        return st;
    }
    /* Slots in greedy order: a population's cores, then the source cores of
     * devices whose first target is that population. */
    int slot = 0;
    for (int k = 0; k < s->n_pops; k++) {
        int p = order[k];
        for (int cc = pl->core_of_pop0[p]; cc < n_pop_cores && pl->cores[cc].pop == p; cc++)
            put_slot(&pl->cores[cc], &slot, lim);
        for (int cc = n_pop_cores; cc < pl->n_cores; cc++) {
            const ax_dev_spec *d = &s->dev[pl->cores[cc].dev];
            if (d->n_targets && d->targets[0].pop == p) put_slot(&pl->cores[cc], &slot, lim);
        }
    }
    for (int cc = n_pop_cores; cc < pl->n_cores; cc++)
        if (!s->dev[pl->cores[cc].dev].n_targets) put_slot(&pl->cores[cc], &slot, lim);
    free(order);
    pl->n_chips = (int)div_up(slot, lim->cores_per_chip);
    pl->n_boards = (int)div_up(pl->n_chips, lim->chips_per_board);
    for (int cc = 0; cc < pl->n_cores; cc++) pl->cores[cc].board = pl->cores[cc].chip / lim->chips_per_board;
    for (int p = 0; p < s->n_proj; p++) {
        const ax_hw_edges *e = &net->proj[p];
        for (int64_t k = 0; k < e->n; k++) {
            int a = ax_hw_core_of(s, pl, e->src[k]), b = ax_hw_core_of(s, pl, e->tgt[k]);
            pl->cores[b].syn_in++;
            pl->cross_core += a != b;
            pl->cross_chip += pl->cores[a].chip != pl->cores[b].chip;
        }
    }
    return AX_OK;
}

void ax_hw_place_free(ax_hw_place *pl)
{
    free(pl->cores);
    free(pl->core_of_pop0);
    *pl = (ax_hw_place){0};
}

int ax_hw_core_of(const ax_spec *spec, const ax_hw_place *pl, int64_t gid)
{
    int p = ax_spec_pop_of(spec, gid);
    int npc = (int)pl->cores[pl->core_of_pop0[p]].count;
    if (npc < 1) npc = 1;
    /* every core of a population but the last is full, so the first core's
     * count is the split size unless the population fits one core */
    return pl->core_of_pop0[p] + (int)((gid - spec->pops[p].first_gid) / npc);
}

void ax_hw_place_report(const ax_spec *spec, const ax_hw_place *pl, const ax_hw_limits *lim,
                        ax_sbuf *out)
{
    ax_sbuf_printf(out, "placement: %d cores on %d chips on %d board(s) "
                        "(<= %d neurons/core, %d cores/chip, %d chips/board)\n",
                   pl->n_cores, pl->n_chips, pl->n_boards, lim->neurons_per_core,
                   lim->cores_per_chip, lim->chips_per_board);
    int64_t total = 0;
    for (int p = 0; p < spec->n_proj; p++) total += (int64_t)ax_spec_expected_synapses(spec, p);
    ax_sbuf_printf(out, "traffic: %lld synapses cross cores, %lld cross chips\n",
                   (long long)pl->cross_core, (long long)pl->cross_chip);
    ax_sbuf_printf(out, "load per core (core chip board: what, neurons, incoming synapses):\n");
    for (int c = 0; c < pl->n_cores; c++) {
        const ax_hw_core *k = &pl->cores[c];
        if (k->pop >= 0)
            ax_sbuf_printf(out, "  core %d chip %d board %d: %s[%lld:%lld] %lld neurons (%.0f%%), %lld synapses in\n",
                           c, k->chip, k->board, spec->pops[k->pop].name, (long long)k->first,
                           (long long)(k->first + k->count), (long long)k->count,
                           100.0 * (double)k->count / lim->neurons_per_core, (long long)k->syn_in);
        else
            ax_sbuf_printf(out, "  core %d chip %d board %d: source %s [%lld:%lld] %lld sources\n", c,
                           k->chip, k->board, spec->dev[k->dev].name, (long long)k->first,
                           (long long)(k->first + k->count), (long long)k->count);
    }
}
