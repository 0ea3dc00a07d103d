/* bm_run.c - sampling a Boltzmann machine with the engine.
 *
 * Rank 0 receives every spike (MPI_Gatherv at each flush), sorts the flush
 * by (step, gid) and feeds the state accumulator; at each checkpoint (ms
 * after burn-in) it records DKL(p_theo || p_sim) of the joint (n <= 20) and
 * of the marginals, so convergence can be plotted. Stamp index m of a spike
 * in step `step` is step + 1; counting starts at the burn-in index.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axon/engine.h"
#include "axon/grow.h"
#include "sampling_impl.h"

#define CORR_MAX 256

typedef struct bm_ctx {
    const ax_bm *bm;
    MPI_Comm comm;
    int rank, ranks;
    ax_bm_acc *acc;         /* rank 0 */
    ax_bm_result *r;
    int64_t t0;             /* burn-in, steps */
    int next_check;
    double *joint;          /* scratch 2^n (rank 0) */
    double *marg;
    int64_t cap_spk;
} bm_ctx;

static int cmp_pair(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

/* Record the divergences at checkpoint k (the accumulator is at its time). */
static void checkpoint(bm_ctx *c, int k)
{
    ax_bm_result *r = c->r;
    int n = c->bm->n;
    r->t_check[k] = c->bm->checkpoints[k];
    if (r->joint_theo) {
        ax_bm_acc_joint(c->acc, c->joint, NULL);
        r->dkl_joint[k] = ax_dkl(r->joint_theo, c->joint, (int64_t)1 << n, &r->missing[k]);
    } else {
        r->dkl_joint[k] = NAN;
        r->missing[k] = NAN;
    }
    ax_bm_acc_marginals(c->acc, c->marg);
    r->dkl_marg[k] = ax_dkl_marginals(r->marg_theo, c->marg, n);
}

static int64_t check_index(const bm_ctx *c, int k)
{
    return c->t0 + llround(c->bm->checkpoints[k] / c->bm->dt);
}

static ax_status keep_spike(bm_ctx *c, int unit, int64_t m)
{
    ax_bm_result *r = c->r;
    if (m <= c->t0) return AX_OK;
    if (r->n_spk_rec == c->cap_spk) {
        int64_t cap = ax_grow_cap(c->cap_spk, 4096);
        int ok = 1;
        AX_RESIZE(r->spk_unit, cap, ok);
        AX_RESIZE(r->spk_time, cap, ok);
        if (!ok) return AX_ENOMEM;
        c->cap_spk = cap;
    }
    r->spk_unit[r->n_spk_rec] = (uint64_t)unit;
    r->spk_time[r->n_spk_rec++] = (double)(m - c->t0) * c->bm->dt;
    return AX_OK;
}

/* Rank 0: feed a sorted flush (pairs of step, gid) through the checkpoints. */
static ax_status feed(bm_ctx *c, const int64_t *pairs, int64_t n, ax_error *err)
{
    for (int64_t k = 0; k < n; k++) {
        int64_t m = pairs[2 * k] + 1;
        while (c->next_check < c->bm->n_checkpoints && check_index(c, c->next_check) <= m) {
            ax_bm_acc_advance(c->acc, check_index(c, c->next_check));
            checkpoint(c, c->next_check++);
        }
        int unit = (int)pairs[2 * k + 1]; /* one neuron per population: gid = unit */
        ax_bm_acc_spike(c->acc, unit, m);
        AX_CHECK(keep_spike(c, unit, m) == AX_OK, err, AX_ENOMEM, "out of memory keeping spikes");
    }
    return AX_OK;
}

static ax_status gather_sink(void *ctx, int64_t n, const uint64_t *gid, const int64_t *step,
                             ax_error *err)
{
    bm_ctx *c = ctx;
    int cnt = (int)(2 * n), *counts = NULL, *displs = NULL;
    int64_t *mine = malloc((size_t)(cnt ? cnt : 1) * sizeof *mine), *all = NULL;
    int ok = mine != NULL, total = 0;
    for (int64_t k = 0; ok && k < n; k++) {
        mine[2 * k] = step[k];
        mine[2 * k + 1] = (int64_t)gid[k];
    }
    if (c->rank == 0) {
        counts = malloc((size_t)c->ranks * sizeof *counts);
        displs = malloc((size_t)c->ranks * sizeof *displs);
        ok = ok && counts && displs;
    }
    MPI_Gather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, 0, c->comm);
    if (c->rank == 0 && counts && displs) {
        for (int r = 0; r < c->ranks; r++) {
            displs[r] = total;
            total += counts[r];
        }
        all = malloc((size_t)(total ? total : 1) * sizeof *all);
        ok = ok && all;
    }
    MPI_Gatherv(mine, cnt, MPI_INT64_T, all, counts, displs, MPI_INT64_T, 0, c->comm);
    ax_status st = AX_OK;
    if (c->rank == 0) {
        if (!ok) st = AX_FAIL(err, AX_ENOMEM, "out of memory gathering spikes");
        else {
            qsort(all, (size_t)total / 2, 2 * sizeof *all, cmp_pair);
            st = feed(c, all, total / 2, err);
        }
    }
    int bad = st != AX_OK || !ok, any;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, c->comm);
    if (any && st == AX_OK) st = AX_FAIL(err, AX_EMPI, "another rank failed while gathering spikes");
    free(mine);
    free(all);
    free(counts);
    free(displs);
    return st;
}

/* sbs's renewing (saturating) synapse (sbs/network.py create_connectivity
 * with saturating_synapses_enabled): NEST tsodyks2 with the calibrations'
 * tso_parameters (sbs's defaults U = u = 1, x = 0: each synapse's first
 * spike has weight 0), tau_rec = theirs or, unset, the target's synaptic
 * time constant of the weight's sign, tau_fac = theirs or 0 (none). With
 * U = 1 the amplitude of spike n is w (1 - exp(-dt_n / tau_rec)), so the
 * residual of the previous PSC plus the new one adds up to w. */
static void renewing(ax_proj_spec *p, const ax_sampler *target, const ax_calib_tso *t)
{
    p->syn_model = AX_SYN_TSODYKS2;
    double tau_syn = p->weight.value >= 0 ? target->tau_syn_ex : target->tau_syn_in;
    p->tso = (ax_tso){.U = t->U, .u = t->u, .x = t->x, .tau_fac = t->tau_fac,
                      .tau_rec = t->tau_rec > 0 ? t->tau_rec : tau_syn};
}

/* Do two samplers run the same neuron and background, whatever their E_L? */
static int same_sampler(const ax_sampler *a, const ax_sampler *b)
{
    if (a->kind != b->kind) return 0;
    for (int k = 0; k < AX_SAMPLER_N_NEST; k++)
        if (ax_sampler_get(a, k) != ax_sampler_get(b, k) && strcmp(ax_sampler_nest[k].nest, "E_L"))
            return 0;
    return ax_samp_same_bg(a, b) && a->t_ref_virtual == b->t_ref_virtual;
}

/* One population for all samplers when they differ only in their resting
 * potential (the bias) and the synapses are static: the models keep E_L per
 * neuron, so the engine steps the n samplers as one block, one vectorised
 * kernel call per step instead of n (with delay = h every step is a slice,
 * and per-call work was most of a step). The gids, the Poisson trains
 * (keyed by device and gid), the synapses and the order of every sum are
 * those of one population per sampler, so the samples are bitwise the same
 * (test_sampling runs both). Renewing synapses keep one projection per pair
 * (their tau_rec follows the target and the weight's sign). */
static int one_pop(const ax_bm *bm)
{
    if (bm->renewing || bm->separate) return 0;
    ax_sampler s0 = ax_calib_net_sampler(&bm->cal[0]);
    for (int i = 1; i < bm->n; i++) {
        ax_sampler s = ax_calib_net_sampler(&bm->cal[i]);
        if (!same_sampler(&s0, &s)) return 0;
    }
    return 1;
}

ax_status ax_bm_build_net(const ax_bm *bm, ax_samp_net *net, double *w_bio, double *v_rest,
                          ax_error *err)
{
    int n = bm->n;
    char text[256];
    snprintf(text, sizeof text, "Boltzmann machine: %d samplers, %g + %g ms at dt %g ms", n,
             bm->burn_in, bm->duration, bm->dt);
    AX_TRY(ax_samp_net_init(net, bm->dt, bm->burn_in + bm->duration, bm->seed, text, err));
    const int one = one_pop(bm);
    for (int i = 0; i < n; i++) v_rest[i] = ax_bias_to_v_rest(&bm->cal[i], bm->b[i]);
    for (int i = 0; i < (one ? 1 : n); i++) {
        ax_sampler run = ax_calib_net_sampler(&bm->cal[i]); /* its network background */
        AX_TRY(ax_samp_net_add_pop_v(net, &run, one ? n : 1, v_rest[i], one ? v_rest : NULL, err));
    }
    /* sbs multiplies the translated weights by weight_rescale only with
     * saturating synapses; w_bio keeps the translation itself */
    double scale = bm->renewing ? bm->tso.weight_rescale : 1.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double W = bm->W[(size_t)i * n + j];
            double w = W != 0 ? ax_weight_theo_to_bio(&bm->cal[j], bm->b[j], W) : 0.0;
            w_bio[(size_t)i * n + j] = w;
            if (w * scale == 0 || one) continue;
            AX_TRY(ax_samp_net_add_proj(net, i, j, w * scale, bm->delay, err));
            if (bm->renewing)
                renewing(&net->spec.proj[net->spec.n_proj - 1], &bm->cal[j].s, &bm->tso);
        }
    if (one) AX_TRY(ax_samp_net_add_list(net, 0, w_bio, bm->delay, err)); /* scale is 1 */
    return ax_samp_net_finish(net, bm->dt, err);
}

static ax_status alloc_result(const ax_bm *bm, ax_bm_result *r, ax_error *err)
{
    int n = bm->n, nc = bm->n_checkpoints;
    memset(r, 0, sizeof *r);
    r->n = n;
    r->n_checkpoints = nc;
    r->spikes = calloc((size_t)n, sizeof *r->spikes);
    r->marg_sim = calloc((size_t)n, sizeof(double));
    r->marg_theo = calloc((size_t)n, sizeof(double));
    r->w_bio = calloc((size_t)n * n, sizeof(double));
    r->v_rest = calloc((size_t)n, sizeof(double));
    r->t_check = calloc((size_t)nc, sizeof(double));
    r->dkl_joint = calloc((size_t)nc, sizeof(double));
    r->dkl_marg = calloc((size_t)nc, sizeof(double));
    r->missing = calloc((size_t)nc, sizeof(double));
    int ok = r->spikes && r->marg_sim && r->marg_theo && r->w_bio && r->v_rest && r->t_check &&
             r->dkl_joint && r->dkl_marg && r->missing;
    if (n <= 20) {
        r->joint_sim = calloc((size_t)1 << n, sizeof(double));
        r->joint_theo = calloc((size_t)1 << n, sizeof(double));
        ok = ok && r->joint_sim && r->joint_theo;
    }
    if (n <= CORR_MAX) {
        r->zz_sim = calloc((size_t)n * n, sizeof(double));
        r->zz_theo = n <= 20 ? calloc((size_t)n * n, sizeof(double)) : NULL;
        ok = ok && r->zz_sim && (n > 20 || r->zz_theo);
    }
    AX_CHECK(ok, err, AX_ENOMEM, "out of memory for the BM result");
    if (n <= 20) AX_TRY(ax_bm_theory(n, bm->W, bm->b, r->joint_theo, r->marg_theo, r->zz_theo, err));
    return AX_OK;
}

/* Rank 0, after the run: remaining checkpoints and final distributions. */
static ax_status finish(bm_ctx *c, int64_t end, ax_error *err)
{
    while (c->next_check < c->bm->n_checkpoints) {
        int64_t t = check_index(c, c->next_check);
        ax_bm_acc_advance(c->acc, t < end ? t : end);
        checkpoint(c, c->next_check++);
    }
    ax_bm_acc_advance(c->acc, end);
    ax_bm_result *r = c->r;
    if (r->joint_sim) AX_TRY(ax_bm_acc_joint(c->acc, r->joint_sim, err));
    ax_bm_acc_marginals(c->acc, r->marg_sim);
    if (r->zz_sim) AX_TRY(ax_bm_acc_pairwise(c->acc, r->zz_sim, err));
    for (int k = 0; k < r->n; k++) {
        r->spikes[k] = ax_bm_acc_spikes(c->acc, k);
        r->n_spikes_total += r->spikes[k];
    }
    return AX_OK;
}

static ax_status prepare_ctx(const ax_bm *bm, bm_ctx *c, ax_error *err)
{
    int n = bm->n;
    c->t0 = llround(bm->burn_in / bm->dt);
    c->marg = calloc((size_t)n, sizeof *c->marg);
    AX_CHECK_ALLOC(c->marg, err, "marginals");
    if (n <= 20) {
        c->joint = calloc((size_t)1 << n, sizeof *c->joint);
        AX_CHECK_ALLOC(c->joint, err, "joint");
    }
    int64_t *R = malloc((size_t)n * sizeof *R);
    AX_CHECK_ALLOC(R, err, "refractory steps");
    /* on-window of a spike: sbs's tau_refrac_calibration (sbs/network.py
     * get_bm_joint / cutils get_bm_joint_sim: tau_refrac_pss) */
    for (int i = 0; i < n; i++) R[i] = llround(ax_sampler_t_on(&bm->cal[i].s) / bm->dt);
    ax_status st = ax_bm_acc_create(n, R, c->t0, CORR_MAX, &c->acc, err);
    free(R);
    return st;
}

ax_status ax_bm_run(const ax_bm *bm, MPI_Comm comm, int threads, FILE *progress,
                    ax_bm_result *res, ax_error *err)
{
    bm_ctx c = {.bm = bm, .comm = comm, .r = res};
    MPI_Comm_rank(comm, &c.rank);
    MPI_Comm_size(comm, &c.ranks);
    ax_samp_net net = {0};
    ax_engine eng = NULL;
    double t_start = MPI_Wtime();
    ax_status st = alloc_result(bm, res, err);
    if (st == AX_OK && c.rank == 0) st = prepare_ctx(bm, &c, err);
    if (st == AX_OK) st = ax_bm_build_net(bm, &net, res->w_bio, res->v_rest, err);
    int bad = st != AX_OK, any;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, comm);
    if (any && st == AX_OK) st = AX_FAIL(err, AX_EMPI, "another rank failed preparing the BM");
    if (st == AX_OK) st = ax_engine_build(&net.spec, comm, threads, &eng, err);
    if (st == AX_OK) {
        ax_engine_set_spike_sink(eng, gather_sink, &c);
        st = ax_engine_simulate(eng, NULL, progress, err);
    }
    if (st == AX_OK && c.rank == 0) st = finish(&c, c.t0 + llround(bm->duration / bm->dt), err);
    res->wall = MPI_Wtime() - t_start;
    ax_engine_destroy(&eng);
    ax_samp_net_free(&net);
    ax_bm_acc_destroy(&c.acc);
    free(c.joint);
    free(c.marg);
    return st;
}

void ax_bm_result_free(ax_bm_result *r)
{
    void *p[] = {r->spikes, r->joint_sim, r->joint_theo, r->marg_sim, r->marg_theo, r->zz_sim,
                 r->zz_theo, r->w_bio, r->v_rest, r->t_check, r->dkl_joint, r->dkl_marg,
                 r->missing, r->spk_unit, r->spk_time};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) free(p[i]);
    memset(r, 0, sizeof *r);
}
