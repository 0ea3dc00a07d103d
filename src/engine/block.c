/* block.c - one thread's neurons of one population (ax_block): making
 * them, stepping them and reaching their state, whatever their parameters.
 *
 * A model instance holds one parameter vector, except for the parameters
 * the model keeps per neuron (param_array: E_L and I_e of the iaf models).
 * A population whose spec gives per-neuron values (docs/spec.md) of other
 * parameters is therefore split, on each thread, into groups of neurons
 * with equal values: one model instance per group. Input is gathered into
 * the group's order and the spikes are scattered back and sorted, so the
 * block looks like one instance to the rest of the engine (local index j,
 * ascending gid). Each neuron's dynamics depend only on its own parameters
 * and input, so any grouping, hence any ranks x threads decomposition,
 * gives bitwise the same result. A homogeneous block (the common case) is
 * one instance and costs nothing extra.
 *
 * Spike sources (models with set_times) get each owned neuron's train
 * from the spec here, Poisson sources (bind) their gids, and initial values (constant, drawn per gid, or
 * listed per neuron) are set here too.
 */
#include <stdlib.h>
#include <string.h>

#include "axon/free_all.h"
#include "axon/rng.h"
#include "engine_impl.h"

/* Index within its population of the block's j-th neuron. */
static int64_t pop_index(const struct ax_engine_s *e, const ax_block *b, int64_t j)
{
    return b->gid0 + j * e->part.n_vp - e->spec->pops[b->pop].first_gid;
}

/* The instance and index within it of the block's j-th neuron. */
static ax_neurons *where(const ax_block *b, int64_t j, int64_t *i)
{
    if (!b->n_groups) {
        *i = j;
        return b->nr;
    }
    *i = b->pos_of[j];
    return b->groups[b->grp_of[j]].nr;
}

/* ---- grouping -------------------------------------------------------------- */

/* Sort context of one thread's build (blocks are made in parallel). */
typedef struct { const double *key; int m; } key_ctx;
static _Thread_local key_ctx kc;

/* Lexicographic on the key vectors, then ascending index: groups come out
 * in a fixed order and each group's members ascending. */
static int cmp_key(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    const double *x = kc.key + a * kc.m, *y = kc.key + b * kc.m;
    for (int q = 0; q < kc.m; q++)
        if (x[q] != y[q]) return x[q] < y[q] ? -1 : 1;
    return (a > b) - (a < b);
}

static int cmp_i64(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* Split the block by the values of the m parameters kidx[] (spec params
 * indices; model index pidx[]), creating one instance per distinct vector. */
static ax_status make_groups(const struct ax_engine_s *e, ax_block *b, const double *par,
                             const int *kidx, const int *pidx, int m, ax_error *err)
{
    const ax_pop_spec *ps = &e->spec->pops[b->pop];
    int64_t n = b->n;
    double *key = malloc((size_t)(n * m) * sizeof *key);
    int64_t *ord = malloc((size_t)n * sizeof *ord);
    b->grp_of = malloc((size_t)n * sizeof *b->grp_of);
    b->pos_of = malloc((size_t)n * sizeof *b->pos_of);
    ax_status st = key && ord && b->grp_of && b->pos_of ? AX_OK
                   : AX_FAIL(err, AX_ENOMEM, "out of memory grouping %lld neurons", (long long)n);
    for (int64_t j = 0; st == AX_OK && j < n; j++) {
        ord[j] = j;
        for (int q = 0; q < m; q++) key[j * m + q] = ps->params[kidx[q]].values[pop_index(e, b, j)];
    }
    if (st == AX_OK) {
        kc = (key_ctx){key, m};
        qsort(ord, (size_t)n, sizeof *ord, cmp_key);
        int ng = 0;
        for (int64_t r = 0; r < n; r++)
            ng += r == 0 || memcmp(key + ord[r] * m, key + ord[r - 1] * m, (size_t)m * sizeof *key);
        b->groups = calloc((size_t)ng, sizeof *b->groups);
        if (!b->groups) st = AX_FAIL(err, AX_ENOMEM, "out of memory for %d neuron groups", ng);
        else b->n_groups = ng;
    }
    double p[256];
    for (int64_t r = 0, g = -1; st == AX_OK && r < n; r++) {
        int64_t j = ord[r];
        if (r == 0 || memcmp(key + j * m, key + ord[r - 1] * m, (size_t)m * sizeof *key)) {
            ax_group *G = &b->groups[++g];
            int64_t cnt = 1;
            while (r + cnt < n && !memcmp(key + ord[r + cnt] * m, key + j * m, (size_t)m * sizeof *key)) cnt++;
            G->n = cnt;
            G->idx = malloc((size_t)cnt * sizeof *G->idx);
            if (!G->idx) { st = AX_FAIL(err, AX_ENOMEM, "out of memory for a neuron group"); break; }
            memcpy(G->idx, ord + r, (size_t)cnt * sizeof *G->idx);
            memcpy(p, par, (size_t)b->ops->n_params * sizeof *p);
            for (int q = 0; q < m; q++) p[pidx[q]] = key[j * m + q];
            st = b->ops->create(p, e->h, cnt, &G->nr, err);
            for (int64_t i = 0; i < cnt; i++) {
                b->grp_of[G->idx[i]] = (int32_t)g;
                b->pos_of[G->idx[i]] = i;
            }
        }
    }
    free(key);
    free(ord);
    return st;
}

/* ---- making a block ------------------------------------------------------ */

/* Per-neuron values of the parameters the model keeps per neuron. */
static void set_kept(const struct ax_engine_s *e, ax_block *b, const int *kidx, const int *pidx, int m)
{
    const ax_pop_spec *ps = &e->spec->pops[b->pop];
    for (int q = 0; q < m; q++)
        for (int64_t j = 0; j < b->n; j++) {
            int64_t i;
            ax_neurons *nr = where(b, j, &i);
            b->ops->param_array(nr, pidx[q])[i] = ps->params[kidx[q]].values[pop_index(e, b, j)];
        }
}

/* Initial values: constant, drawn per gid (identical for any decomposition),
 * or listed per neuron. */
static void init_state(const struct ax_engine_s *e, ax_block *b)
{
    const ax_pop_spec *ps = &e->spec->pops[b->pop];
    for (int k = 0; k < ps->n_init; k++) {
        int var = ax_model_state_index(b->ops, ps->init[k].name);
        const ax_dist *d = &ps->init[k].dist;
        for (int64_t j = 0; j < b->n; j++) {
            double *x = ax_block_state_at(b, var, j);
            if (!x) continue; /* validated by the spec loader */
            if (ps->init[k].values) {
                *x = ps->init[k].values[pop_index(e, b, j)];
            } else if (d->kind == AX_DIST_CONST) {
                *x = d->value;
            } else {
                ax_rng r;
                ax_rng_open(&r, e->spec->sim.seed, AX_RNG_INIT, (uint32_t)(b->pop * 256 + var),
                            (uint64_t)(b->gid0 + j * e->part.n_vp));
                *x = ax_rng_dist(&r, d);
            }
        }
    }
}

static ax_status set_trains(const struct ax_engine_s *e, ax_block *b, ax_error *err)
{
    const ax_pop_spec *ps = &e->spec->pops[b->pop];
    for (int64_t j = 0; b->ops->bind && j < b->n; j++) { /* sources keyed by gid */
        int64_t i;
        ax_neurons *nr = where(b, j, &i);
        b->ops->bind(nr, i, (uint64_t)(b->gid0 + j * e->part.n_vp), e->spec->sim.seed);
    }
    if (!b->ops->set_times || !ps->times_off) return AX_OK;
    for (int64_t j = 0; j < b->n; j++) {
        int64_t pi = pop_index(e, b, j), i;
        ax_neurons *nr = where(b, j, &i);
        int64_t a = ps->times_off[pi], z = ps->times_off[pi + 1];
        AX_TRY(b->ops->set_times(nr, i, ps->times + a, z - a, err));
    }
    return AX_OK;
}

ax_status ax_block_make(const struct ax_engine_s *e, ax_block *b, ax_error *err)
{
    const ax_pop_spec *ps = &e->spec->pops[b->pop];
    double par[256];
    AX_CHECK(b->ops->n_params <= 256, err, AX_EINTERNAL, "too many parameters");
    ax_model_defaults(b->ops, par);
    int kept[256], kept_p[256], split[256], split_p[256], nk = 0, nsplit = 0;
    int64_t first = b->n ? pop_index(e, b, 0) : 0;
    for (int k = 0; k < ps->n_params; k++) {
        int idx = ax_model_param_index(b->ops, ps->params[k].name);
        par[idx] = ps->params[k].values ? ps->params[k].values[first] : ps->params[k].value;
    }
    AX_TRY(b->ops->create(par, e->h, b->n, &b->nr, err));
    for (int k = 0; k < ps->n_params; k++) {
        if (!ps->params[k].values) continue;
        int idx = ax_model_param_index(b->ops, ps->params[k].name);
        if (b->ops->param_array(b->nr, idx)) {
            kept[nk] = k;
            kept_p[nk++] = idx;
        } else {
            split[nsplit] = k;
            split_p[nsplit++] = idx;
        }
    }
    if (nsplit && b->n > 0) { /* one instance per group of equal values */
        b->ops->destroy(b->nr);
        b->nr = NULL;
        AX_TRY(make_groups(e, b, par, split, split_p, nsplit, err));
    }
    set_kept(e, b, kept, kept_p, nk);
    if (nk) ax_block_sync(b);
    for (int g = 0; nk && b->ops->rest && g < (b->n_groups ? b->n_groups : 1); g++)
        b->ops->rest(b->n_groups ? b->groups[g].nr : b->nr); /* V_m = each neuron's E_L */
    init_state(e, b);
    AX_TRY(set_trains(e, b, err));
    b->max_spk = 0;
    for (int g = 0; g < (b->n_groups ? b->n_groups : 1); g++) {
        ax_neurons *nr = b->n_groups ? b->groups[g].nr : b->nr;
        int64_t n = b->n_groups ? b->groups[g].n : b->n;
        b->max_spk += b->ops->max_spikes ? b->ops->max_spikes(nr) : n;
    }
    if (!b->n_groups) return AX_OK;
    int64_t big = 0;
    for (int g = 0; g < b->n_groups; g++) big = b->groups[g].n > big ? b->groups[g].n : big;
    b->gbuf = malloc((size_t)(big * (AX_MAX_RECEPTORS + 1)) * sizeof *b->gbuf);
    b->gspk = malloc((size_t)(b->max_spk > big ? b->max_spk : big) * sizeof *b->gspk);
    AX_CHECK(b->gbuf && b->gspk, err, AX_ENOMEM, "out of memory for neuron group buffers");
    return AX_OK;
}

/* ---- using a block ---------------------------------------------------------- */

int64_t ax_block_update_groups(ax_block *b, const double *const *in, int64_t *spiked)
{
    const int nr_in = b->ops->n_receptors;
    int64_t total = 0;
    for (int g = 0; g < b->n_groups; g++) {
        const ax_group *G = &b->groups[g];
        const int64_t n = G->n;
        double *gin[AX_MAX_RECEPTORS];
        for (int r = 0; r < AX_MAX_RECEPTORS; r++) {
            gin[r] = b->gbuf + (size_t)(r < nr_in ? r : 0) * (size_t)n;
            for (int64_t i = 0; r < nr_in && i < n; i++) gin[r][i] = in[r][G->idx[i]];
        }
        double *gext = NULL;
        if (b->i_ext) {
            gext = b->gbuf + (size_t)AX_MAX_RECEPTORS * (size_t)n;
            for (int64_t i = 0; i < n; i++) gext[i] = b->i_ext[G->idx[i]];
        }
        int64_t k = b->ops->update(G->nr, (const double *const *)gin, gext, b->gspk);
        for (int64_t q = 0; q < k; q++) spiked[total++] = G->idx[b->gspk[q]];
    }
    if (b->n_groups > 1 && total > 1) qsort(spiked, (size_t)total, sizeof *spiked, cmp_i64);
    return total;
}

uint32_t ax_block_multiplicity(const ax_block *b, int64_t j)
{
    if (!b->ops->multiplicity) return 1;
    int64_t i;
    ax_neurons *nr = where(b, j, &i);
    return b->ops->multiplicity(nr, i);
}

int64_t ax_block_failures(const ax_block *b)
{
    if (!b->ops->failures) return 0;
    if (!b->n_groups) return b->nr ? b->ops->failures(b->nr) : 0;
    int64_t f = 0;
    for (int g = 0; g < b->n_groups; g++) f += b->ops->failures(b->groups[g].nr);
    return f;
}

double *ax_block_state_at(const ax_block *b, int var, int64_t j)
{
    int64_t i;
    ax_neurons *nr = where(b, j, &i);
    double *x = b->ops->state(nr, var);
    return x ? x + i : NULL;
}

double *ax_block_param_at(const ax_block *b, int param, int64_t j)
{
    int64_t i;
    ax_neurons *nr = where(b, j, &i);
    double *x = b->ops->param_array(nr, param);
    return x ? x + i : NULL;
}

void ax_block_sync(ax_block *b)
{
    if (!b->ops->sync) return;
    if (!b->n_groups) b->ops->sync(b->nr);
    for (int g = 0; g < b->n_groups; g++) b->ops->sync(b->groups[g].nr);
}

ax_status ax_block_ckpt(ax_block *b, double *buf, int save, ax_error *err)
{
    if (!b->n_groups) {
        if (save) b->ops->ckpt_save(b->nr, buf);
        else b->ops->ckpt_load(b->nr, buf);
        return AX_OK;
    }
    const int64_t nc = b->ops->n_ckpt, n = b->n;
    for (int g = 0; g < b->n_groups; g++) {
        const ax_group *G = &b->groups[g];
        double *t = malloc((size_t)(nc * G->n) * sizeof *t);
        AX_CHECK_ALLOC(t, err, "checkpoint of a neuron group");
        if (save) b->ops->ckpt_save(G->nr, t);
        for (int64_t k = 0; k < nc; k++)
            for (int64_t i = 0; i < G->n; i++) {
                double *x = buf + k * n + G->idx[i], *y = t + k * G->n + i;
                if (save) *x = *y;
                else *y = *x;
            }
        if (!save) b->ops->ckpt_load(G->nr, t);
        free(t);
    }
    return AX_OK;
}

void ax_block_free(ax_block *b)
{
    if (b->ops && b->nr) b->ops->destroy(b->nr);
    for (int g = 0; g < b->n_groups; g++) {
        if (b->ops && b->groups[g].nr) b->ops->destroy(b->groups[g].nr);
        free(b->groups[g].idx);
    }
    AX_FREE_ALL(b->groups, b->grp_of, b->pos_of, b->gbuf, b->gspk, b->i_ext);
}
