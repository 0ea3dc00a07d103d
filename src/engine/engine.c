/* engine.c - the engine's life (DESIGN.md §2): make it for a spec on R ranks
 * x T threads (slice length, recorded ranges, injected faults), build every
 * thread's share of the network in parallel (network.c, devices.c) and the
 * exchange plan (exchange.c), per-neuron parameters, statistics, destroy.
 * The simulation itself is in simulate.c.
 */
#include <math.h>
#include <omp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "axon/agree.h"
#include "axon/free_all.h"
#include "axon/steps.h"
#include "engine_impl.h"

double ax_peak_rss_bytes(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss * 1024.0;
}

/* What the spike_recorders record, per population: one window entry per
 * (recorder, source), so several recorders of one population with other
 * ranges or windows record exactly the union of what each asks for. */
ax_status ax_engine_recorded_ranges(struct ax_engine_s *e, ax_error *err)
{
    const ax_spec *s = e->spec;
    memset(e->pop_recorded, 0, (size_t)s->n_pops);
    int n = 0;
    for (int k = 0; k < s->n_dev; k++)
        if (s->dev[k].kind == AX_DEV_SPIKE_REC) n += s->dev[k].n_targets;
    free(e->rec_win);
    free(e->rec_win_of);
    e->rec_win = malloc((size_t)(n ? n : 1) * sizeof *e->rec_win);
    e->rec_win_of = calloc((size_t)s->n_pops + 1, sizeof *e->rec_win_of);
    AX_CHECK(e->rec_win && e->rec_win_of, err, AX_ENOMEM, "out of memory for spike recorders");
    int w = 0;
    for (int p = 0; p < s->n_pops; p++) {
        e->rec_win_of[p] = w;
        for (int k = 0; k < s->n_dev; k++) {
            const ax_dev_spec *d = &s->dev[k];
            if (d->kind != AX_DEV_SPIKE_REC) continue;
            for (int t = 0; t < d->n_targets; t++) {
                const ax_dev_target *dt = &d->targets[t];
                if (dt->pop != p) continue;
                ax_rec_win *r = &e->rec_win[w++];
                r->g0 = s->pops[p].first_gid + dt->first;
                r->g1 = r->g0 + dt->count;
                ax_device_window(d, e->h, &r->on0, &r->on1);
                e->pop_recorded[p] = 1;
            }
        }
    }
    e->rec_win_of[s->n_pops] = w;
    return AX_OK;
}

static ax_status engine_alloc(const ax_spec *spec, MPI_Comm comm, int threads, ax_engine *out,
                              ax_error *err)
{
    struct ax_engine_s *e = calloc(1, sizeof *e);
    AX_CHECK_ALLOC(e, err, "engine");
    *out = e;
    e->spec = spec;
    e->comm = comm;
    MPI_Comm_rank(comm, &e->rank);
    MPI_Comm_size(comm, &e->ranks);
    e->threads = threads;
    ax_fault_init(&e->fault);
    ax_partition_init(&e->part, e->ranks, threads, e->rank, spec->n_total);
    MPI_Comm node;
    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &e->local_ranks);
    e->mpi_spin = 1024;
    MPI_Comm_free(&node);
    cpu_set_t cs;
    e->cpus = sched_getaffinity(0, sizeof cs, &cs) == 0 ? CPU_COUNT(&cs) : 1;
    e->h = spec->sim.resolution;
    /* the spec loader refused these with a position; NIR and sampling specs land here */
    AX_TRY(ax_time_steps_err(spec->sim.t_sim, e->h, "simulation.t_sim", &e->n_steps, err));
    AX_TRY(ax_time_steps_err(spec->sim.flush_interval, e->h, "simulation.flush_interval",
                             &(int64_t){0}, err));
    /* D: the minimum delay of neuron-to-neuron projections (without any,
     * the max delay, at most 10 steps); max over everything. */
    int64_t lo, hi, dmin = ax_spec_proj_min_delay(spec);
    ax_spec_delay_range(spec, &lo, &hi);
    int64_t dmax = hi > 1 ? hi : 1;
    e->D = dmin > 0 ? dmin : (dmax < 10 ? dmax : 10);
    e->max_delay = dmax > e->D ? dmax : e->D;
    e->vps = calloc((size_t)threads, sizeof *e->vps);
    e->pop_recorded = calloc((size_t)spec->n_pops, 1);
    e->stats.pop_spikes = calloc((size_t)spec->n_pops, sizeof *e->stats.pop_spikes);
    AX_CHECK(e->vps && e->pop_recorded && e->stats.pop_spikes, err, AX_ENOMEM,
             "out of memory for the engine");
    AX_TRY(ax_engine_recorded_ranges(e, err));
    /* AXON_DELIVERY=direct|deferred|auto forces a delivery mode (both give
     * the same bits; tests compare them), read once */
    const char *dm = getenv("AXON_DELIVERY");
    e->delivery = -1;
    if (dm && *dm && strcmp(dm, "auto")) {
        AX_CHECK(!strcmp(dm, "direct") || !strcmp(dm, "deferred"), err, AX_EINPUT,
                 "AXON_DELIVERY=%s: expected direct, deferred or auto (or unset)", dm);
        e->delivery = !strcmp(dm, "deferred");
    }
    AX_TRY(ax_stdp_engine_init(e, err));
    return ax_engine_compact_pops(e, err);
}

static void build_stats(struct ax_engine_s *e)
{
    int64_t nsyn[2] = {0, 0};
    double bytes[3] = {0, 0, 0}; /* all stores, the STDP store, spike histories */
    for (int t = 0; t < e->threads; t++) {
        const ax_vp *v = &e->vps[t];
        nsyn[0] += v->st.n_syn + v->cp.n_syn + v->pl.n_syn + v->sp.st.n_syn;
        nsyn[1] += v->sp.st.n_syn;
        double hist = 0, sp = ax_stdp_bytes(v, &hist);
        bytes[0] += (v->st.n_syn + v->pl.n_syn) * (double)sizeof(ax_syn) +
                    v->cp.n_syn * (double)sizeof(uint32_t) +
                    (v->st.n_src + v->cp.n_src + v->pl.n_src) * 16.0 + sp;
        bytes[1] += sp;
        bytes[2] += hist;
    }
    int64_t nsyn_all[2];
    double bytes_all[3];
    MPI_Allreduce(nsyn, nsyn_all, 2, MPI_INT64_T, MPI_SUM, e->comm);
    MPI_Allreduce(bytes, bytes_all, 3, MPI_DOUBLE, MPI_SUM, e->comm);
    e->stats.n_synapses = nsyn_all[0];
    e->stats.n_plastic = nsyn_all[1];
    e->stats.syn_bytes = bytes_all[0];
    e->stats.plastic_bytes = bytes_all[1];
    e->stats.hist_bytes = bytes_all[2];
    e->stats.ranks = e->ranks;
    e->stats.threads = e->threads;
    e->stats.n_neurons = e->spec->n_total;
    e->stats.n_steps = e->n_steps;
    e->stats.min_delay = e->D;
    e->stats.max_delay = e->max_delay;
}

ax_status ax_engine_build(const ax_spec *spec, MPI_Comm comm, int threads, ax_engine *out,
                          ax_error *err)
{
    *out = NULL;
    double t0 = MPI_Wtime();
    ax_engine e = NULL;
    double rss0 = ax_rss_now();
    ax_status st = engine_alloc(spec, comm, threads, &e, err);
    *out = e;
    if (e) e->rss_init = rss0;
    if (st == AX_OK) {
        #pragma omp parallel num_threads(threads)
        {
            int t = omp_get_thread_num();
            ax_vp *v = &e->vps[t];
            v->thread = t;
            v->vp = ax_part_vp_of(&e->part, e->rank, t);
            v->status = ax_vp_build(e, v, &v->err);
            double td = ax_now();
            if (v->status == AX_OK) v->status = ax_vp_devices(e, v, &v->err);
            v->t_phase[AX_PH_DEVICES] = ax_now() - td;
        }
        for (int t = 0; t < threads && st == AX_OK; t++)
            if (e->vps[t].status != AX_OK) {
                *err = e->vps[t].err;
                st = e->vps[t].status;
            }
    }
    if (!e) return ax_agree(comm, st, err); /* no engine on this rank: agree without it */
    if (st == AX_OK) st = ax_engine_fault(e, AX_FAULT_BUILD, err);
    st = ax_engine_agree(e, st, err);
    double ti = MPI_Wtime();
    if (st == AX_OK) st = ax_engine_agree(e, ax_exchange_setup(e, err), err);
    e->t_index = MPI_Wtime() - ti;
    if (st != AX_OK) return st;
    build_stats(e);
    e->rss_build = ax_rss_now();
    for (int t = 0; t < threads; t++) /* the profile's extra pass is not build time */
        if (e->vps[t].t_phase[AX_PH_DRAW] > e->t_draw_profile) e->t_draw_profile = e->vps[t].t_phase[AX_PH_DRAW];
    ax_engine_build_stats_phases(e);
    double dt = MPI_Wtime() - t0 - e->t_draw_profile;
    MPI_Allreduce(&dt, &e->stats.t_build, 1, MPI_DOUBLE, MPI_MAX, comm);
    return AX_OK;
}

ax_status ax_engine_set_param(ax_engine e, int pop, const char *name, const double *values,
                              ax_error *err)
{
    AX_CHECK(pop >= 0 && pop < e->spec->n_pops, err, AX_EINPUT, "no population %d", pop);
    const ax_model_ops *m = e->vps[0].blocks[pop].ops;
    int k = ax_model_param_index(m, name);
    AX_CHECK(k >= 0, err, AX_EINPUT, "model %s has no parameter '%s'", m->name, name);
    for (int t = 0; t < e->threads; t++) {
        ax_block *b = &e->vps[t].blocks[pop];
        AX_CHECK(b->n == 0 || ax_block_param_at(b, k, 0), err, AX_EINPUT,
                 "model %s keeps '%s' per population, not per neuron", m->name, name);
        int64_t first = e->spec->pops[pop].first_gid;
        for (int64_t j = 0; j < b->n; j++)
            *ax_block_param_at(b, k, j) = values[b->gid0 + j * e->part.n_vp - first];
        if (b->n) ax_block_sync(b);
    }
    return AX_OK;
}

void ax_engine_set_spike_sink(ax_engine e, ax_spike_sink fn, void *ctx)
{
    e->sink = fn;
    e->sink_ctx = ctx;
}

void ax_engine_set_trace_sink(ax_engine e, ax_trace_sink fn, void *ctx)
{
    e->trace_sink = fn;
    e->trace_ctx = ctx;
}

int ax_engine_owns(ax_engine e, int pop, int64_t id)
{
    if (pop < 0 || pop >= e->spec->n_pops || id < 0 || id >= e->spec->pops[pop].n) return 0;
    return ax_part_rank(&e->part, e->spec->pops[pop].first_gid + id) == e->rank;
}

/* The block and index within it of neuron id of pop, which this rank owns. */
static ax_status locate(ax_engine e, int pop, int64_t id, ax_block **b, int64_t *j,
                        ax_error *err)
{
    AX_CHECK(ax_engine_owns(e, pop, id), err, AX_EINPUT,
             "neuron %lld of population %s is not on rank %d", (long long)id,
             pop >= 0 && pop < e->spec->n_pops ? e->spec->pops[pop].name : "?", e->rank);
    int64_t gid = e->spec->pops[pop].first_gid + id;
    ax_vp *v = &e->vps[ax_part_thread_of_vp(&e->part, ax_part_vp(&e->part, gid))];
    *b = &v->blocks[pop];
    *j = (gid - (*b)->gid0) / e->part.n_vp;
    return AX_OK;
}

/* get (out) or set (in) n values of state variable var. */
static ax_status state_io(ax_engine e, int pop, const char *var, int64_t n, const int64_t *ids,
                          double *out, const double *in, ax_error *err)
{
    AX_CHECK(pop >= 0 && pop < e->spec->n_pops, err, AX_EINPUT, "no population %d", pop);
    const ax_model_ops *m = e->vps[0].blocks[pop].ops;
    int k = ax_model_state_index(m, var);
    AX_CHECK(k >= 0, err, AX_EINPUT, "model %s has no state variable '%s'", m->name, var);
    for (int64_t i = 0; i < n; i++) { /* validate all before changing any */
        ax_block *b = NULL;
        int64_t j = 0;
        AX_TRY(locate(e, pop, ids[i], &b, &j, err));
    }
    for (int64_t i = 0; i < n; i++) {
        ax_block *b = NULL;
        int64_t j = 0;
        locate(e, pop, ids[i], &b, &j, err);
        double *x = ax_block_state_at(b, k, j);
        if (out) out[i] = *x;
        else *x = in[i];
    }
    return AX_OK;
}

ax_status ax_engine_state_get(ax_engine e, int pop, const char *var, int64_t n,
                              const int64_t *ids, double *out, ax_error *err)
{
    return state_io(e, pop, var, n, ids, out, NULL, err);
}

ax_status ax_engine_state_set(ax_engine e, int pop, const char *var, int64_t n,
                              const int64_t *ids, const double *values, ax_error *err)
{
    return state_io(e, pop, var, n, ids, NULL, values, err);
}

ax_status ax_engine_param_set_local(ax_engine e, int pop, const char *name, int64_t n,
                                    const int64_t *ids, const double *values, ax_error *err)
{
    AX_CHECK(pop >= 0 && pop < e->spec->n_pops, err, AX_EINPUT, "no population %d", pop);
    const ax_model_ops *m = e->vps[0].blocks[pop].ops;
    int k = ax_model_param_index(m, name);
    AX_CHECK(k >= 0, err, AX_EINPUT, "model %s has no parameter '%s'", m->name, name);
    for (int64_t i = 0; i < n; i++) {
        ax_block *b = NULL;
        int64_t j = 0;
        AX_TRY(locate(e, pop, ids[i], &b, &j, err));
        AX_CHECK(ax_block_param_at(b, k, j), err, AX_EINPUT,
                 "model %s keeps '%s' per population, not per neuron", m->name, name);
    }
    for (int64_t i = 0; i < n; i++) {
        ax_block *b = NULL;
        int64_t j = 0;
        locate(e, pop, ids[i], &b, &j, err);
        *ax_block_param_at(b, k, j) = values[i];
    }
    for (int t = 0; t < e->threads; t++) {
        ax_block *b = &e->vps[t].blocks[pop];
        if (b->n) ax_block_sync(b);
    }
    return AX_OK;
}

ax_status ax_engine_reset(ax_engine e, ax_error *err)
{
    ax_status st = AX_OK;
    if (e->outs.rec)
        st = AX_FAIL(err, AX_EINPUT, "cannot reset while an output file is being written; "
                     "close it first");
    for (int t = 0; st == AX_OK && t < e->threads; t++) {
        ax_vp *v = &e->vps[t];
        for (int p = 0; st == AX_OK && p < e->spec->n_pops; p++)
            st = ax_vp_make_block(e, v, p, 0, err);
        ax_vp_clear_dynamics(e, v);
        if (st == AX_OK) st = ax_stdp_reset(e, v, err);
        ax_vp_devices_seek(v, 0);
    }
    e->n_recv = 0;
    e->t_now = e->t_prev = 0;
    return ax_engine_agree(e, st, err);
}

ax_status ax_engine_refresh_pop(ax_engine e, int pop, ax_error *err)
{
    AX_CHECK(pop >= 0 && pop < e->spec->n_pops, err, AX_EINPUT, "no population %d", pop);
    for (int t = 0; t < e->threads; t++) {
        AX_TRY(ax_vp_make_block(e, &e->vps[t], pop, 1, err));
        AX_TRY(ax_stdp_tau_minus(e, &e->vps[t], pop, err)); /* tau_minus may have changed */
    }
    return AX_OK;
}

ax_status ax_engine_refresh_devices(ax_engine e, ax_error *err)
{
    AX_CHECK(!e->outs.rec, err, AX_EINPUT,
             "devices cannot change while an output file is being written");
    int64_t lo, hi;
    ax_spec_delay_range(e->spec, &lo, &hi);
    AX_CHECK(hi <= e->max_delay, err, AX_EINPUT,
             "a device delay of %lld steps exceeds the built maximum delay of %lld steps",
             (long long)hi, (long long)e->max_delay);
    AX_TRY(ax_engine_recorded_ranges(e, err));
    for (int t = 0; t < e->threads; t++) {
        ax_vp *v = &e->vps[t];
        ax_vp_devices_free(v);
        AX_TRY(ax_vp_devices(e, v, err));
        ax_vp_devices_seek(v, e->t_now);
    }
    return AX_OK;
}

const ax_engine_stats *ax_engine_get_stats(ax_engine e)
{
    return &e->stats;
}

void ax_engine_destroy(ax_engine *ep)
{
    if (!ep || !*ep) return;
    struct ax_engine_s *e = *ep;
    for (int t = 0; e->vps && t < e->threads; t++) {
        ax_vp_devices_free(&e->vps[t]);
        ax_vp_free(&e->vps[t], e->spec->n_pops);
    }
    free(e->vps);
    ax_outputs_free(&e->outs);
    ax_stdp_engine_free(e);
    ax_exchange_free(e);
    AX_FREE_ALL(e->pop_recorded, e->compact, e->cw, e->rec_win, e->rec_win_of, e->stats.pop_spikes,
                e);
    *ep = NULL;
}
