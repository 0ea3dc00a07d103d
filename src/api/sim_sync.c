/* sim_sync.c - what ranks set neuron by neuron or synapse by synapse goes
 * into the spec (api_impl.h: ax_api_sync).
 *
 * PyNN scripts set per-neuron values on the rank that owns the neuron only
 * (pyNN's local cells), and edit only local synapses; the spec, which every
 * rank holds whole, takes them at the next collective call: one MAX
 * reduction of "changed here" flags, then, for each changed item, a SUM
 * reduction of per-neuron arrays (each neuron's value comes from its one
 * owner, the others add exact zeros) or a gather of lists. A built engine
 * re-creates the blocks of populations whose values changed, carrying
 * their state (ax_engine_refresh_pop), and is dropped (rebuilt at the next
 * run, always at t = 0) when synapses changed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axon/free_all.h"
#include "axon/model.h"
#include "api_impl.h"

static const ax_model_ops *model_of(const ax_sim *s, int pop)
{
    return ax_model_find(s->spec->pops[pop].model);
}

static sim_vals *find(sim_vals *list, int n, const char *name)
{
    for (int k = 0; k < n; k++)
        if (!strcmp(list[k].name, name)) return &list[k];
    return NULL;
}

/* Flags: per population its parameters, state variables and trains, then
 * per projection. */
static int64_t n_flags(const ax_sim *s)
{
    int64_t n = s->spec->n_proj;
    for (int p = 0; p < s->spec->n_pops; p++)
        n += model_of(s, p)->n_params + model_of(s, p)->n_state + 1;
    return n;
}

static void local_flags(const ax_sim *s, int *f)
{
    int64_t q = 0;
    for (int p = 0; p < s->spec->n_pops; p++) {
        const ax_model_ops *m = model_of(s, p);
        const sim_pop *sp = &s->pops[p];
        for (int k = 0; k < m->n_params; k++) {
            const sim_vals *v = find(sp->pn, sp->n_pn, m->params[k].name);
            f[q++] = v && v->dirty;
        }
        for (int k = 0; k < m->n_state; k++) {
            const sim_vals *v = find(sp->st, sp->n_st, m->state_names[k]);
            f[q++] = v && v->dirty;
        }
        f[q++] = sp->t_dirty;
    }
    for (int k = 0; k < s->spec->n_proj; k++) f[q++] = s->proj[k].dirty;
}

/* The whole population's values of one parameter or state variable: each
 * rank adds its neurons' (cur: the local array, or the spec's value). */
static ax_status gather_values(ax_sim *s, int pop, const sim_vals *v, int is_param, int index,
                               double **out)
{
    const ax_pop_spec *ps = &s->spec->pops[pop];
    const sim_pop *sp = &s->pops[pop];
    double *full = calloc((size_t)ps->n, sizeof *full);
    AX_CHECK(full, &s->err, AX_ENOMEM, "out of memory for %lld values", (long long)ps->n);
    for (int64_t j = 0; j < sp->n_local; j++) {
        int64_t id = sp->first_local + j * s->size;
        full[id] = v ? v->v[j] : is_param ? ax_api_param_at(s, pop, index, id)
                                          : ax_api_init_at(s, pop, index, id);
    }
    MPI_Allreduce(MPI_IN_PLACE, full, (int)ps->n, MPI_DOUBLE, MPI_SUM, s->comm);
    *out = full;
    return AX_OK;
}

/* Gather one parameter (is_param) or state variable k of pop from every
 * rank into the spec's per-neuron values; its local array is clean then. */
static ax_status take_values(ax_sim *s, int pop, int is_param, int k)
{
    ax_pop_spec *ps = &s->spec->pops[pop];
    const ax_model_ops *m = model_of(s, pop);
    sim_pop *sp = &s->pops[pop];
    const char *name = is_param ? m->params[k].name : m->state_names[k];
    sim_vals *v = is_param ? find(sp->pn, sp->n_pn, name) : find(sp->st, sp->n_st, name);
    double *full = NULL;
    AX_TRY(gather_values(s, pop, v, is_param, k, &full));
    ax_param_value *pv = is_param ? ax_api_spec_param(ps, name) : NULL;
    ax_init_value *iv = is_param ? NULL : ax_api_spec_init(ps, name);
    if (!pv && !iv) {
        free(full);
        return AX_FAIL(&s->err, AX_ENOMEM, "out of memory for %s",
                       is_param ? "parameters" : "initial values");
    }
    if (pv) {
        free(pv->values);
        pv->values = full;
        pv->value = full[0];
    } else {
        free(iv->values);
        iv->values = full;
        iv->dist = (ax_dist){.kind = AX_DIST_CONST, .value = full[0]};
    }
    if (v) v->dirty = 0;
    return AX_OK;
}

/* Every source's train: counts by a SUM over ranks, then the times in rank
 * order (each rank its own sources, ascending) by a gather. */
static ax_status take_trains(ax_sim *s, int pop)
{
    ax_pop_spec *ps = &s->spec->pops[pop];
    sim_pop *sp = &s->pops[pop];
    int64_t n = ps->n;
    int64_t *cnt = calloc((size_t)n + 1, sizeof *cnt);
    AX_CHECK(cnt, &s->err, AX_ENOMEM, "out of memory for spike trains");
    int64_t mine = 0;
    for (int64_t j = 0; j < sp->n_local; j++) {
        int64_t id = sp->first_local + j * s->size;
        cnt[id] = sp->t_off ? sp->t_off[j + 1] - sp->t_off[j]
                : ps->times_off ? ps->times_off[id + 1] - ps->times_off[id] : 0;
        mine += cnt[id];
    }
    MPI_Allreduce(MPI_IN_PLACE, cnt, (int)n, MPI_INT64_T, MPI_SUM, s->comm);
    int64_t *off = malloc((size_t)(n + 1) * sizeof *off);
    double *buf = malloc((size_t)(mine ? mine : 1) * sizeof *buf);
    int *rc = calloc((size_t)s->size, sizeof *rc), *rd = calloc((size_t)s->size, sizeof *rd);
    ax_status st = off && buf && rc && rd ? AX_OK : AX_FAIL(&s->err, AX_ENOMEM, "out of memory");
    int64_t total = 0;
    for (int64_t i = 0; off && i < n; i++) {
        off[i] = total;
        total += cnt[i];
    }
    if (off) off[n] = total;
    double *all = st == AX_OK ? malloc((size_t)(total ? total : 1) * sizeof *all) : NULL;
    if (st == AX_OK && (!all || total > INT32_MAX)) st = AX_FAIL(&s->err, AX_ENOMEM, "too many spike times");
    if (st == AX_OK) { /* this rank's times, its sources ascending */
        int64_t q = 0;
        for (int64_t j = 0; j < sp->n_local; j++) {
            int64_t id = sp->first_local + j * s->size;
            if (!cnt[id]) continue;
            const double *t = sp->t_off ? sp->t_ms + sp->t_off[j] : ps->times + ps->times_off[id];
            memcpy(buf + q, t, (size_t)cnt[id] * sizeof *buf);
            q += cnt[id];
        }
        int c = (int)mine;
        MPI_Allgather(&c, 1, MPI_INT, rc, 1, MPI_INT, s->comm);
        for (int r = 1; r < s->size; r++) rd[r] = rd[r - 1] + rc[r - 1];
        double *tmp = malloc((size_t)(total ? total : 1) * sizeof *tmp);
        if (!tmp) st = AX_FAIL(&s->err, AX_ENOMEM, "out of memory for spike trains");
        else {
            MPI_Allgatherv(buf, c, MPI_DOUBLE, tmp, rc, rd, MPI_DOUBLE, s->comm);
            /* rank r's block holds its sources in ascending id order */
            int64_t *at = calloc((size_t)s->size, sizeof *at);
            for (int64_t id = 0; at && id < n; id++) {
                int r = (int)((ps->first_gid + id) % s->size);
                if (cnt[id])
                    memcpy(all + off[id], tmp + rd[r] + at[r], (size_t)cnt[id] * sizeof *all);
                at[r] += cnt[id];
            }
            if (!at) st = AX_FAIL(&s->err, AX_ENOMEM, "out of memory for spike trains");
            free(at);
            free(tmp);
        }
    }
    if (st == AX_OK) {
        ax_api_trains_take(&ps->times_off, &ps->times, &off, &all);
        sp->t_dirty = 0;
    }
    AX_FREE_ALL(off, all, buf, cnt, rc, rd);
    return st;
}

static ax_status take_synapses(ax_sim *s, int k)
{
    sim_proj *o = &s->proj[k];
    int64_t *pre = o->src, *post = o->tgt;
    double *w = o->w, *d = o->d;
    int64_t n = o->n;
    *o = (sim_proj){0};
    ax_status st = ax_api_proj_set_list(s, k, n, pre, post, w, d);
    free(pre), free(post), free(w), free(d);
    return st;
}

ax_status ax_api_sync(ax_sim *s)
{
    int64_t nf = n_flags(s);
    int *f = calloc((size_t)(nf ? nf : 1), sizeof *f);
    ax_status st = f ? AX_OK : AX_FAIL(&s->err, AX_ENOMEM, "out of memory");
    st = ax_api_agree(s, st);
    if (st != AX_OK) {
        free(f);
        return st;
    }
    local_flags(s, f);
    MPI_Allreduce(MPI_IN_PLACE, f, (int)nf, MPI_INT, MPI_MAX, s->comm);
    int64_t q = 0;
    for (int p = 0; st == AX_OK && p < s->spec->n_pops; p++) {
        const ax_model_ops *m = model_of(s, p);
        int refresh = 0;
        for (int k = 0; st == AX_OK && k < m->n_params; k++, q++)
            if (f[q]) {
                st = ax_api_agree(s, take_values(s, p, 1, k));
                refresh = 1;
            }
        for (int k = 0; st == AX_OK && k < m->n_state; k++, q++)
            if (f[q]) st = ax_api_agree(s, take_values(s, p, 0, k));
        if (st == AX_OK && f[q++]) {
            st = ax_api_agree(s, take_trains(s, p));
            refresh = 1;
        }
        if (st == AX_OK && refresh && s->eng)
            st = ax_api_agree(s, ax_engine_refresh_pop(s->eng, p, &s->err));
    }
    for (int k = 0; st == AX_OK && k < s->spec->n_proj; k++, q++)
        if (f[q]) {
            st = take_synapses(s, k);
            ax_api_drop_engine(s); /* only at t = 0 (edits are refused later) */
        }
    free(f);
    return st;
}
