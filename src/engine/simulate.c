/* simulate.c - the min-delay slice loop (DESIGN.md §2.4).
 *
 * One OpenMP parallel region spans the whole simulation. Per slice of D
 * steps each thread (1) delivers the spikes received at the end of the last
 * slice into its own ring buffers (deliver.c), (2) adds its devices' input
 * (devices.c), (3) updates its neurons D steps (update.c). Then the master
 * thread exchanges spikes (exchange.c), every flush interval writes what the
 * recorders collected (recording.c) and, when due, a checkpoint
 * (checkpoint.c), while the other threads wait at a barrier. Threads write
 * only their own ax_vp: no atomics or locks on the hot path.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "axon/steps.h"
#include "engine_impl.h"

static void progress_line(const struct ax_engine_s *e, FILE *out, int64_t done, int64_t slice,
                          double t_start, double *t_last)
{
    /* the clock only every 64th slice: slices can be one step short */
    if (!out || e->rank != 0 || ((slice & 63) != 0 && done < e->n_steps)) return;
    double now = MPI_Wtime();
    if (now - *t_last < 1.0 && done < e->n_steps) return;
    *t_last = now;
    double model = done * e->h;
    fprintf(out, "\r[%3.0f%%] %10.1f ms  RTF %.3f ", 100.0 * done / (double)(e->n_steps ? e->n_steps : 1),
            model, model > 0 ? (now - t_start) / (model / 1000.0) : 0.0);
    if (done >= e->n_steps) fputc('\n', out);
    fflush(out);
}

typedef struct {
    FILE *progress;
    int64_t flush_steps;
    int64_t next_flush;       /* the next multiple of flush_steps (no division per slice) */
    int64_t slice;            /* slices done */
    int64_t half;             /* e->n_steps / 2: the fault hook's step (no division per slice) */
    int timed;                /* time the phases of this slice (see ax_engine_simulate) */
    int every;                /* 1 slice in `every` is timed; its phase times count `every` times */
    uint64_t k_comm, k_rec;   /* ax_ticks() */
} sim_ctx;

/* The master's work between slices: exchange, flush, progress, checkpoint.
 * last: the slice ends the run_until call. Returns the agreed status
 * (collective). */
static ax_status between_slices(struct ax_engine_s *e, sim_ctx *c, int64_t t_end, int last,
                                double t_start, double *t_last, ax_error *err)
{
    ax_status st = AX_OK;
    for (int t = 0; t < e->threads; t++)
        if (e->vps[t].status != AX_OK && st == AX_OK) {
            if (e->vps[t].status == AX_ENOMEM)
                st = AX_FAIL(err, AX_ENOMEM, "out of memory on thread %d during simulation", t);
            else /* the thread's own message (a model's solver failure) */
                st = AX_FAIL(err, e->vps[t].status, "%s", e->vps[t].err.msg);
        }
    if (st == AX_OK && t_end >= c->half && t_end - e->D < c->half)
        st = ax_engine_fault(e, AX_FAULT_SIMULATE, err); /* once, half way */
    uint64_t a = c->timed ? ax_ticks() : 0;
    int stop = e->stop && *e->stop;
    ax_status x = ax_exchange_slice(e, st != AX_OK, &stop, err);
    int secondary = st == AX_OK && x != AX_OK; /* we only learnt that another rank failed */
    if (st == AX_OK) st = x;
    uint64_t b = c->timed ? ax_ticks() : 0;
    c->k_comm += (b - a) * c->every;
    /* From here every rank knows whether any rank failed (the exchange told
     * it) and flushes agree inside the recorder, so the reduction that picks
     * the message runs only after a failure, on every rank alike. */
    int flushed = 0;
    int flush_due = t_end == c->next_flush; /* multiples of flush_steps lie on the D grid */
    if (flush_due) c->next_flush += c->flush_steps;
    if (st == AX_OK && (last || flush_due)) {
        /* collective writes: every rank calls all of them, then one agreement */
        flushed = 1;
        st = ax_engine_fault(e, AX_FAULT_RECORD, err);
        ax_status w = ax_outputs_flush(e, &e->outs, err);
        if (st == AX_OK) st = w;
    }
    if (c->timed) c->k_rec += (ax_ticks() - b) * c->every;
    if (c->progress) progress_line(e, c->progress, t_end, c->slice + 1, t_start, t_last);
    c->slice++;
    if (flushed || st != AX_OK) st = ax_engine_agree_from(e, st, secondary, err);
    if (st != AX_OK) return st;
    int due = e->ckpt_steps > 0 && t_end % e->ckpt_steps == 0 && !last;
    if (due || (stop && !last)) {
        st = ax_engine_agree(e, ax_engine_checkpoint_now(e, &e->outs, t_end, err), err);
        if (st == AX_OK && stop)
            st = AX_FAIL(err, AX_ESTOPPED, "stopped on a signal at t = %g ms; checkpoint %s; "
                         "continue with: axon run %s --restart %s", t_end * e->h, e->last_ckpt,
                         e->spec->path, e->last_ckpt);
    }
    return st;
}

/* Statistics after a simulation of t_sim seconds that took `ticks`. */
static void sim_stats(struct ax_engine_s *e, const sim_ctx *c, double t_sim, uint64_t ticks)
{
    ax_engine_stats *s = &e->stats;
    double sec = ticks > 0 && t_sim > 0 ? t_sim / (double)ticks : 0.0; /* seconds per tick */
    const ax_vp *v = &e->vps[0];
    double loc[6] = {t_sim, v->k_update * sec, v->k_deliver * sec, c->k_comm * sec,
                     c->k_rec * sec, v->k_devices * sec};
    double mx[6];
    MPI_Allreduce(loc, mx, 6, MPI_DOUBLE, MPI_MAX, e->comm);
    s->t_devices = mx[5];
    s->t_simulate = mx[0];
    s->t_update = mx[1];
    s->t_deliver = mx[2];
    s->t_communicate = mx[3];
    s->t_record = mx[4];
    int np = e->spec->n_pops;
    int64_t *cnt = calloc((size_t)np, sizeof *cnt);
    for (int t = 0; cnt && t < e->threads; t++)
        for (int p = 0; p < np; p++) cnt[p] += e->vps[t].pop_spikes[p];
    if (cnt) MPI_Allreduce(cnt, s->pop_spikes, np, MPI_INT64_T, MPI_SUM, e->comm);
    int64_t ev = 0;
    for (int t = 0; t < e->threads; t++) ev += e->vps[t].n_events;
    MPI_Allreduce(&ev, &s->n_events, 1, MPI_INT64_T, MPI_SUM, e->comm);
    free(cnt);
    s->n_steps = e->t_now;
    s->n_spikes = 0;
    for (int p = 0; p < np; p++) s->n_spikes += s->pop_spikes[p];
    double hist = 0, hist_all = 0;
    for (int t = 0; t < e->threads; t++) {
        double h = 0;
        ax_stdp_bytes(&e->vps[t], &h);
        hist += h;
    }
    MPI_Allreduce(&hist, &hist_all, 1, MPI_DOUBLE, MPI_SUM, e->comm);
    s->hist_bytes_end = hist_all;
    double rss = ax_peak_rss_bytes();
    MPI_Allreduce(&rss, &s->peak_rss_max, 1, MPI_DOUBLE, MPI_MAX, e->comm);
    MPI_Allreduce(&rss, &s->peak_rss_sum, 1, MPI_DOUBLE, MPI_SUM, e->comm);
    ax_engine_comm_stats(e);
}

ax_status ax_engine_run_until(ax_engine e, int64_t step, FILE *progress, ax_error *err)
{
    AX_CHECK(step >= e->t_now, err, AX_EINPUT,
             "cannot run to step %lld: the simulation is already at step %lld",
             (long long)step, (long long)e->t_now);
    sim_ctx c = {.progress = progress};
    c.flush_steps = (int64_t)ceil(e->spec->sim.flush_interval / e->h / (double)e->D) * e->D;
    if (c.flush_steps < e->D) c.flush_steps = e->D;
    e->n_steps = step;
    c.half = step / 2;
    double t_start = MPI_Wtime(), t_last = t_start;
    uint64_t k_start = ax_ticks();
    /* Slices of fewer than 4 steps (Boltzmann machines: one step) time the
     * phase split on one slice in 17 and count it 17 times: reading the
     * clock 6 times per slice cost 10 % of a step. 17, not 16: the work of
     * a slice repeats with the Poisson draws' period (a Philox block every
     * 4 steps, a 64-step group for few targets), and one slice in 16 was
     * always a refill slice, which made "devices" 2-4x too large. The
     * simulate total is measured exactly. */
    c.every = e->D < 4 ? 17 : 1;
    c.next_flush = (e->t_now / c.flush_steps + 1) * c.flush_steps;
    volatile int stop = 0;
    ax_status st = AX_OK;
    /* spin only when this rank's threads have a CPU each (sync.c) */
    int spin_max = e->threads * e->local_ranks <= e->cpus ? 4096 : 0;
    ax_sync_init(&e->sync, e->threads, spin_max);
    #pragma omp parallel num_threads(e->threads)
    {
        ax_vp *v = &e->vps[omp_get_thread_num()];
        const int master = v->thread == 0;
        v->spin = spin_max / 8;
        v->slot0 = e->t_now % v->n_ring;
        /* A slice ends at the next multiple of D (slices never cross the
         * min-delay grid, so a continued run slices as an uninterrupted one
         * does) or at the end of this call; counted, not divided. */
        int64_t cell_end = (e->t_now / e->D + 1) * e->D;
        int until = 0; /* slices to the next timed one */
        for (int64_t t0 = e->t_now; t0 < step && !stop;) {
            int64_t t1 = cell_end < step ? cell_end : step;
            const int timed = until == 0; /* one slice in c.every */
            until = timed ? c.every - 1 : until - 1;
            uint64_t a = timed ? ax_ticks() : 0;
            /* the tests of "nothing to do" are here, not in the callees: with
             * one-step slices (a Boltzmann machine) the calls cost more than
             * the tests */
            if (e->n_recv) ax_vp_deliver(e, v, e->t_prev); /* the last slice's spikes */
            if (v->deferred) ax_vp_apply(v, t0, t1);
            if (v->sp.hist) ax_stdp_sweep(e, v, t0);
            uint64_t a2 = timed ? ax_ticks() : 0;
            ax_vp_inject(e, v, t0, t1);
            uint64_t b = timed ? ax_ticks() : 0;
            ax_vp_update(e, v, t0, t1);
            if (timed) {
                v->k_deliver += (a2 - a) * c.every;
                v->k_devices += (b - a2) * c.every;
                v->k_update += (ax_ticks() - b) * c.every;
            }
            v->slot0 += t1 - t0; /* <= D <= n_ring */
            v->slot0 -= v->slot0 >= v->n_ring ? v->n_ring : 0;
            if (t1 == cell_end) cell_end += e->D;
            /* one handoff per slice: the master works alone between slices
             * (with one thread there is nothing to wait for) */
            if (!master) {
                ax_sync_arrive_wait(&e->sync, &v->spin);
                t0 = t1;
                continue;
            }
            if (e->threads > 1) ax_sync_master_wait(&e->sync, &v->spin);
            c.timed = timed;
            e->t_prev = t0; /* recv holds this slice's spikes after the exchange */
            ax_status s = between_slices(e, &c, t1, t1 == step, t_start, &t_last, err);
            e->t_now = t1;
            if (s != AX_OK) {
                st = s;
                stop = 1;
            }
            if (e->threads > 1) ax_sync_release(&e->sync);
            t0 = t1;
        }
    }
    sim_stats(e, &c, MPI_Wtime() - t_start, ax_ticks() - k_start);
    return st;
}

ax_status ax_engine_simulate(ax_engine e, ax_recorder rec, FILE *progress, ax_error *err)
{
    int64_t end = 0; /* in range: ax_engine_build refused a t_sim beyond it */
    ax_status st = ax_time_steps_err(e->spec->sim.t_sim, e->h, "simulation.t_sim", &end, err);
    if (st == AX_OK) st = ax_engine_attach_recorder(e, rec, err);
    if (st == AX_OK) st = ax_engine_run_until(e, end, progress, err);
    if (st == AX_OK) st = ax_outputs_final(e, &e->outs, err);
    ax_outputs_free(&e->outs);
    return st;
}

ax_status ax_engine_attach_recorder(ax_engine e, ax_recorder rec, ax_error *err)
{
    ax_outputs_free(&e->outs);
    e->outs.rec = rec;
    return ax_engine_agree(e, ax_outputs_open(e, &e->outs, err), err);
}

int64_t ax_engine_step(ax_engine e)
{
    return e->t_now;
}
