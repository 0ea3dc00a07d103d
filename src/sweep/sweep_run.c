/* sweep_run.c - the task farm (docs/sweeps.md §2-4), for both task kinds:
 * a calibration (ax_calibrate) or a Boltzmann-machine run (ax_bm_run).
 *
 * Scheduling: one MPI-3 RMA window on rank 0 holds two counters, `next`
 * (index into the list of unfinished tasks) and `done`. A rank whose local
 * chunk is empty takes the next chunk with one MPI_Fetch_and_op (no message
 * to a master process, no master loop: rank 0 computes like every rank);
 * chunks are guided: remaining / (2 * ranks * slots), at least 1, at most
 * max_chunk, so the end of the sweep is balanced task by task. Within a
 * rank, `slots` OpenMP threads share the chunk (a critical section) and
 * each runs its task on its own duplicate of MPI_COMM_SELF with one engine
 * thread (needs MPI_THREAD_MULTIPLE; with less, one slot runs each task on
 * all threads).
 * Results: every rank appends each finished task to its own journal file
 * (one write() per record) and goes on; rank 0's master thread, between its
 * own tasks, folds new journal records into the table and rewrites OUT
 * atomically every checkpoint_s seconds, and once more at the end, then
 * deletes the journal. A resume reads OUT and every journal, and runs only
 * the tasks found in neither.
 * Invariant: a task's result depends only on (sweep file, task id).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "axon/agree.h"
#include "axon/outfile.h"
#include "sweep_impl.h"

typedef struct farm {
    ax_sweep sw;
    ax_sweep_desc desc;           /* sw as the results table sees it */
    const ax_sweep_run_opts *o;
    MPI_Comm comm;
    int rank, R, slots, eng_threads;
    char dir[4096];
    int run_no, fd;
    int lock_fd;                  /* rank 0: DIR/lock, locked for the whole run */
    int64_t n_todo, *todo;
    MPI_Win win;
    int64_t *cnt;                 /* window memory (rank 0: next, done) */
    int64_t q_next, q_end, seen, done_unreported;
    ax_sweep_table table;         /* rank 0 */
    int n_j;
    char **jpath;
    int64_t *joff;
    double t0, last_ckpt, last_prog;
    ax_status io_st;              /* first journal/checkpoint failure */
    ax_error io_err;
} farm;

static void put_cb(void *ctx, ax_task_res *r) { ax_sweep_table_put(ctx, r); }

static ax_status add_journal(farm *f, const char *name, ax_error *err)
{
    char **p = realloc(f->jpath, (size_t)(f->n_j + 1) * sizeof *p);
    int64_t *o = realloc(f->joff, (size_t)(f->n_j + 1) * sizeof *o);
    if (p) f->jpath = p;
    if (o) f->joff = o;
    AX_CHECK(p && o, err, AX_ENOMEM, "out of memory for the journal list");
    size_t len = strlen(f->dir) + strlen(name) + 2;
    f->jpath[f->n_j] = malloc(len);
    AX_CHECK_ALLOC(f->jpath[f->n_j], err, "a journal name");
    snprintf(f->jpath[f->n_j], len, "%s/%s", f->dir, name);
    f->joff[f->n_j++] = 0;
    return AX_OK;
}

/* Fold every journal's new records into the table (rank 0). */
static ax_status fold(farm *f, ax_error *err)
{
    for (int j = 0; j < f->n_j; j++)
        if (access(f->jpath[j], F_OK) == 0)
            AX_TRY(ax_journal_read(f->jpath[j], &f->joff[j], put_cb, &f->table, err));
    return AX_OK;
}

/* Delete the files of dir but `keep` (NULL: all of them, then dir). */
static void remove_dir(const char *dir, const char *keep)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[8192];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            !(keep && !strcmp(e->d_name, keep))) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d) closedir(d);
    if (!keep) rmdir(dir);
}

/* Rank 0 holds a write lock (fcntl) on DIR/lock for the whole run, so a
 * second sweep on the same OUT (a --resume or --force while this one runs)
 * is refused instead of rewriting OUT with its own table. The kernel drops
 * the lock when the process ends, however it ends, so a killed sweep can be
 * resumed at once; fcntl locks also work on NFS (lockd). The file is never
 * opened elsewhere (closing any descriptor of it would drop the lock). */
static ax_status lock_journal(farm *f, ax_error *err)
{
    char p[8192], who[200] = "";
    snprintf(p, sizeof p, "%s/lock", f->dir);
    int fd = open(p, O_RDWR | O_CREAT, 0666);
    AX_CHECK(fd >= 0, err, AX_EIO, "%s: cannot create the sweep's lock (%s)", p, strerror(errno));
    struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &l) != 0) {
        ssize_t n = pread(fd, who, sizeof who - 1, 0);
        who[n > 0 ? n : 0] = '\0';
        who[strcspn(who, "\n")] = '\0';
        close(fd);
        return AX_FAIL(err, AX_EINPUT, "a sweep is running on %s (%s); wait for it to end or "
                       "stop it before --resume or --force", f->o->out,
                       who[0] ? who : "see its lock");
    }
    char host[128] = "?";
    gethostname(host, sizeof host - 1);
    int n = snprintf(who, sizeof who, "pid %ld on %s\n", (long)getpid(), host);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, who, (size_t)n, 0) != n) { /* only informative */ }
    f->lock_fd = fd;
    return AX_OK;
}

static ax_status write_spec_copy(farm *f, ax_error *err)
{
    char p[8192];
    snprintf(p, sizeof p, "%s/sweep.yaml", f->dir);
    FILE *s = fopen(p, "r");
    if (s) { /* a journal of an earlier run: must be the same sweep */
        fseek(s, 0, SEEK_END);
        long n = ftell(s);
        rewind(s);
        char *t = malloc((size_t)n + 1);
        int same = t && fread(t, 1, (size_t)n, s) == (size_t)n &&
                   (size_t)n == strlen(ax_sweep_text(f->sw)) && !memcmp(t, ax_sweep_text(f->sw), (size_t)n);
        free(t);
        fclose(s);
        AX_CHECK(same, err, AX_EINPUT, "%s: the journal belongs to a different sweep file; resume "
                                       "needs the same file (or --force to start over)", f->dir);
        return AX_OK;
    }
    s = fopen(p, "w");
    AX_CHECK(s, err, AX_EIO, "%s: cannot write (%s)", p, strerror(errno));
    fputs(ax_sweep_text(f->sw), s);
    AX_CHECK(fclose(s) == 0, err, AX_EIO, "%s: write failed", p);
    return AX_OK;
}

/* Rank 0: existing output, --force, --resume; the journal directory; the
 * table of finished tasks; the run number; the todo list. */
/* Does dir hold nothing but our lock (a journal started and refused)? */
static int only_lock(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int other = 0;
    while (d && (e = readdir(d)))
        other |= strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "lock");
    if (d) closedir(d);
    return d && !other;
}

static ax_status load_state(farm *f, int have_out, ax_error *err);

static ax_status prepare0(farm *f, ax_error *err)
{
    const char *out = f->o->out;
    const char *kind = ax_out_kind(out);
    AX_CHECK(!kind, err, AX_EIO, "-o %s is %s, not a regular file; axon writes only regular "
             "files (even with --force): choose another name", out, kind);
    struct stat st;
    int have_out = stat(out, &st) == 0, have_dir = stat(f->dir, &st) == 0;
    AX_CHECK(f->o->resume || f->o->force || (!have_out && !have_dir), err, AX_EINPUT,
             "%s exists%s; use --resume to finish it or --force to start over", out,
             have_dir && !have_out ? " (as a journal of a killed run)" : "");
    /* the journal directory with its lock: taken before anything is touched */
    AX_CHECK(have_dir || mkdir(f->dir, 0777) == 0, err, AX_EIO, "%s: cannot create the journal "
             "directory (%s)%s", f->dir, strerror(errno),
             errno == EEXIST ? "; another sweep on the same output is starting" : "");
    AX_TRY(lock_journal(f, err));
    if (f->o->force) {
        remove_dir(f->dir, "lock");
        if (have_out) unlink(out);
        have_out = 0;
    }
    ax_status s = load_state(f, have_out, err);
    if (s != AX_OK && only_lock(f->dir)) remove_dir(f->dir, NULL); /* refused: leave nothing */
    return s;
}

/* Rank 0, holding the lock: OUT's table, the journals, the todo list. */
static ax_status load_state(farm *f, int have_out, ax_error *err)
{
    AX_TRY(ax_sweep_table_init(&f->table, ax_sweep_n_tasks(f->sw), err));
    if (have_out) AX_TRY(ax_sweep_read_h5(&f->desc, f->o->out, &f->table, err));
    AX_TRY(write_spec_copy(f, err));
    DIR *d = opendir(f->dir);
    AX_CHECK(d, err, AX_EIO, "%s: cannot list (%s)", f->dir, strerror(errno));
    struct dirent *e;
    ax_status s = AX_OK;
    while (s == AX_OK && (e = readdir(d))) {
        int run, r;
        if (sscanf(e->d_name, "run%d.r%d", &run, &r) != 2) continue;
        if (run >= f->run_no) f->run_no = run + 1;
        s = add_journal(f, e->d_name, err);
    }
    closedir(d);
    AX_TRY(s);
    AX_TRY(fold(f, err));
    f->todo = malloc((size_t)(f->table.n + 1) * sizeof *f->todo);
    AX_CHECK_ALLOC(f->todo, err, "the task list");
    for (int64_t i = 0; i < f->table.n; i++)
        if (f->table.res[i].row.status == AX_TASK_PENDING) f->todo[f->n_todo++] = i;
    return AX_OK;
}

/* Rank 0's status and message reach every rank. Collective. */
static ax_status share(MPI_Comm comm, int rank, ax_status st, ax_error *err)
{
    (void)rank;
    return ax_share(comm, 0, st, err);
}

static ax_status setup(farm *f, ax_error *err)
{
    ax_status st = f->rank == 0 ? prepare0(f, err) : AX_OK;
    AX_TRY(share(f->comm, f->rank, st, err));
    int64_t hdr[2] = {f->n_todo, f->run_no};
    MPI_Bcast(hdr, 2, MPI_INT64_T, 0, f->comm);
    f->n_todo = hdr[0], f->run_no = (int)hdr[1];
    if (f->rank != 0) f->todo = malloc((size_t)(f->n_todo + 1) * sizeof *f->todo);
    st = f->todo ? AX_OK : AX_FAIL(err, AX_ENOMEM, "out of memory for the task list");
    int ok = st == AX_OK, all;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, f->comm);
    if (!all) return st != AX_OK ? st : AX_FAIL(err, AX_EMPI, "another rank ran out of memory");
    for (int64_t k = 0; k < f->n_todo; k += 1 << 26) {
        int64_t m = f->n_todo - k < (1 << 26) ? f->n_todo - k : (1 << 26);
        MPI_Bcast(f->todo + k, (int)m, MPI_INT64_T, 0, f->comm);
    }
    char name[64];
    snprintf(name, sizeof name, "run%d.r%d", f->run_no, f->rank);
    char p[8192];
    snprintf(p, sizeof p, "%s/%s", f->dir, name);
    f->fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0666);
    st = f->fd >= 0 ? AX_OK : AX_FAIL(err, AX_EIO, "%s: cannot create the journal (%s)", p,
                                      strerror(errno));
    ok = st == AX_OK;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, f->comm);
    if (!all) return st != AX_OK ? st : AX_FAIL(err, AX_EIO, "another rank cannot write its journal");
    for (int r = 0; f->rank == 0 && r < f->R && st == AX_OK; r++) {
        snprintf(name, sizeof name, "run%d.r%d", f->run_no, r);
        st = add_journal(f, name, err);
    }
    return st;
}

/* Next task index into todo, or -1 when none is left. Called inside
 * critical(ax_sweep_sched); *t_sched accumulates time in RMA. */
static int64_t next_task(farm *f, double *t_sched, int64_t *n_fetch)
{
    if (f->q_next < f->q_end) return f->todo[f->q_next++];
    double t = MPI_Wtime();
    int64_t remaining = f->n_todo - f->seen;
    int64_t chunk = remaining / (2 * (int64_t)f->R * f->slots);
    if (chunk > f->o->max_chunk) chunk = f->o->max_chunk;
    if (chunk < 1) chunk = 1;
    int64_t start, done = f->done_unreported;
    MPI_Accumulate(&done, 1, MPI_INT64_T, 0, 1, 1, MPI_INT64_T, MPI_SUM, f->win);
    MPI_Fetch_and_op(&chunk, &start, MPI_INT64_T, 0, 0, MPI_SUM, f->win);
    MPI_Win_flush(0, f->win);
    f->done_unreported = 0;
    *t_sched += MPI_Wtime() - t;
    (*n_fetch)++;
    f->seen = start + chunk;
    if (start >= f->n_todo) return -1;
    f->q_next = start;
    f->q_end = start + chunk < f->n_todo ? start + chunk : f->n_todo;
    return f->todo[f->q_next++];
}

static ax_status run_calibration(farm *f, int64_t id, MPI_Comm comm, ax_task_res *r,
                                 ax_error *e)
{
    ax_sampler s;
    ax_calib_opts o;
    ax_status st = ax_sweep_task(f->sw, id, &s, &o, e);
    r->row.s = s, r->row.o = o, r->row.seed = o.seed;
    if (st == AX_OK) {
        ax_calibration cal;
        st = ax_calibrate(&s, &o, comm, f->eng_threads, NULL, &cal, e);
        r->row.n = cal.n;
        r->a[AX_TA_V_REST] = cal.v_rest, r->a[AX_TA_P_ON] = cal.p_on;
        r->a[AX_TA_N_SPIKES] = cal.n_spikes;
        r->row.v_rest_min = cal.v_rest_min, r->row.v_rest_max = cal.v_rest_max;
        r->row.prescan_rounds = cal.prescan_rounds;
        r->row.logistic = cal.logistic, r->row.erf = cal.erf;
        r->row.alpha = cal.alpha, r->row.v_p05 = cal.v_p05;
        if (!cal.p_on || !cal.v_rest || !cal.n_spikes) { /* all or none (they are r's now) */
            ax_task_res_free(r);
            r->row.n = 0;
        }
    }
    if (st != AX_OK) r->row.alpha = r->row.v_p05 = NAN;
    return st;
}

/* Move what a BM run measured into the row (the result keeps the rest). */
static void take_bm(ax_task_res *r, ax_bm_result *res)
{
    int n = res->n, nc = res->n_checkpoints;
    r->row.n = n, r->row.nc = nc;
    r->row.bm.n_spikes_total = res->n_spikes_total;
    r->a[AX_TA_V_REST] = res->v_rest, r->a[AX_TA_P_ON] = res->marg_sim;
    r->a[AX_TA_N_SPIKES] = res->spikes, r->a[AX_TA_P_THEO] = res->marg_theo;
    r->a[AX_TA_T_CHECK] = res->t_check, r->a[AX_TA_DKL_JOINT] = res->dkl_joint;
    r->a[AX_TA_DKL_MARG] = res->dkl_marg, r->a[AX_TA_MISSING] = res->missing;
    res->v_rest = res->marg_sim = res->marg_theo = NULL, res->spikes = NULL;
    res->t_check = res->dkl_joint = res->dkl_marg = res->missing = NULL;
    if (!res->joint_theo) { /* n > 20: no exact Boltzmann distribution to compare with */
        double *pt = r->a[AX_TA_P_THEO], *dm = r->a[AX_TA_DKL_MARG];
        for (int k = 0; pt && k < n; k++) pt[k] = NAN;
        for (int k = 0; dm && k < nc; k++) dm[k] = NAN;
    }
    if (nc > 0 && r->a[AX_TA_DKL_JOINT] && r->a[AX_TA_DKL_MARG] && r->a[AX_TA_MISSING]) {
        r->row.bm.dkl_joint = ((double *)r->a[AX_TA_DKL_JOINT])[nc - 1];
        r->row.bm.dkl_marg = ((double *)r->a[AX_TA_DKL_MARG])[nc - 1];
        r->row.bm.missing = ((double *)r->a[AX_TA_MISSING])[nc - 1];
    }
}

static ax_status run_bm(farm *f, int64_t id, MPI_Comm comm, ax_task_res *r, ax_error *e)
{
    ax_bm bm;
    ax_bm_result res = {0};
    ax_status st = ax_sweep_bm_build(f->sw, id, &bm, &r->row.bm, &r->row.seed, e);
    if (st == AX_OK) st = ax_bm_run(&bm, comm, f->eng_threads, NULL, &res, e);
    if (st == AX_OK) take_bm(r, &res);
    ax_bm_result_free(&res);
    ax_bm_free(&bm);
    return st;
}

static void run_task(farm *f, int64_t id, MPI_Comm comm, ax_task_res *r)
{
    memset(r, 0, sizeof *r);
    r->row.id = id;
    r->row.kind = ax_sweep_task_kind(f->sw);
    double t0 = MPI_Wtime();
    ax_error e = {0};
    ax_status st = r->row.kind == AX_SWEEP_SAMPLE ? run_bm(f, id, comm, r, &e)
                                                  : run_calibration(f, id, comm, r, &e);
    if (st != AX_OK)
        snprintf(r->row.msg, sizeof r->row.msg, "%.40s: %.200s", ax_status_name(st), e.msg);
    r->row.status = st == AX_OK ? AX_TASK_OK : AX_TASK_FAILED;
    r->row.runtime = MPI_Wtime() - t0;
}

static int64_t global_done(farm *f)
{
    int64_t zero = 0, d = 0;
    MPI_Fetch_and_op(&zero, &d, MPI_INT64_T, 0, 1, MPI_NO_OP, f->win);
    MPI_Win_flush(0, f->win);
    return d;
}

static void progress(farm *f, int64_t done, int last)
{
    double el = MPI_Wtime() - f->t0, rate = el > 0 ? (double)done / el : 0;
    double eta = rate > 0 ? (double)(f->n_todo - done) / rate : 0;
    fprintf(f->o->progress, "sweep: %lld/%lld tasks (%.1f%%), %.1f tasks/s, elapsed %.0f s, ETA %.0f s%s",
            (long long)done, (long long)f->n_todo, f->n_todo ? 100.0 * (double)done / (double)f->n_todo : 100.0,
            rate, el, eta, last ? "\n" : "\n");
    fflush(f->o->progress);
}

/* Rank 0, master thread, between tasks: checkpoint and progress. */
static void housekeeping(farm *f, double *t_io)
{
    double now = MPI_Wtime();
    if (f->o->progress && now - f->last_prog >= 2.0) {
        int64_t d;
        #pragma omp critical(ax_sweep_sched)
        d = global_done(f);
        progress(f, d, 0);
        f->last_prog = now;
    }
    if (f->io_st == AX_OK && now - f->last_ckpt >= f->o->checkpoint_s) {
        f->io_st = fold(f, &f->io_err);
        if (f->io_st == AX_OK) f->io_st = ax_sweep_write_h5(&f->desc, &f->table, f->o->out, 0, &f->io_err);
        f->last_ckpt = MPI_Wtime();
        *t_io += f->last_ckpt - now;
    }
}

typedef struct slot_stats {
    double t_tasks, t_sched, t_io;
    int64_t n_run, n_ok, n_failed, n_fetch;
} slot_stats;

static void slot_loop(farm *f, MPI_Comm comm, slot_stats *ss)
{
    int master = omp_get_thread_num() == 0 && f->rank == 0;
    for (;;) {
        int64_t id;
        #pragma omp critical(ax_sweep_sched)
        id = next_task(f, &ss->t_sched, &ss->n_fetch);
        if (id < 0) break;
        ax_task_res r;
        double t = MPI_Wtime();
        run_task(f, id, comm, &r);
        ss->t_tasks += MPI_Wtime() - t;
        ss->n_run++;
        if (r.row.status == AX_TASK_OK) ss->n_ok++;
        else ss->n_failed++;
        t = MPI_Wtime();
        ax_error e = {0};
        ax_status st = ax_journal_append(f->fd, &r, &e);
        ax_task_res_free(&r);
        #pragma omp critical(ax_sweep_sched)
        {
            f->done_unreported++;
            if (st != AX_OK && f->io_st == AX_OK) f->io_st = st, f->io_err = e;
        }
        ss->t_io += MPI_Wtime() - t;
        if (master) housekeeping(f, &ss->t_io);
    }
}

static ax_status farm_run(farm *f, ax_sweep_stats *stats, ax_error *err)
{
    MPI_Comm *comms = malloc((size_t)f->slots * sizeof *comms);
    AX_CHECK_ALLOC(comms, err, "slot communicators");
    for (int s = 0; s < f->slots; s++) MPI_Comm_dup(MPI_COMM_SELF, &comms[s]);
    MPI_Win_allocate(f->rank == 0 ? 2 * sizeof(int64_t) : 0, sizeof(int64_t), MPI_INFO_NULL,
                     f->comm, &f->cnt, &f->win);
    if (f->rank == 0) f->cnt[0] = f->cnt[1] = 0;
    MPI_Barrier(f->comm);
    MPI_Win_lock_all(0, f->win);
    f->t0 = f->last_ckpt = f->last_prog = MPI_Wtime();
    slot_stats tot = {0};
    #pragma omp parallel num_threads(f->slots)
    {
        slot_stats ss = {0};
        slot_loop(f, comms[omp_get_thread_num()], &ss);
        #pragma omp critical(ax_sweep_sched)
        {
            tot.t_tasks += ss.t_tasks, tot.t_sched += ss.t_sched, tot.t_io += ss.t_io;
            tot.n_run += ss.n_run, tot.n_ok += ss.n_ok, tot.n_failed += ss.n_failed;
            tot.n_fetch += ss.n_fetch;
        }
    }
    int64_t done = f->done_unreported;
    MPI_Accumulate(&done, 1, MPI_INT64_T, 0, 1, 1, MPI_INT64_T, MPI_SUM, f->win);
    MPI_Win_flush(0, f->win);
    MPI_Win_unlock_all(f->win);
    MPI_Barrier(f->comm);
    if (f->rank == 0 && f->o->progress) progress(f, f->cnt[1], 1);
    MPI_Win_free(&f->win);
    for (int s = 0; s < f->slots; s++) MPI_Comm_free(&comms[s]);
    free(comms);
    double d[3] = {tot.t_tasks, tot.t_sched, tot.t_io}, ds[3];
    int64_t n[4] = {tot.n_run, tot.n_ok, tot.n_failed, tot.n_fetch}, ns[4];
    MPI_Reduce(d, ds, 3, MPI_DOUBLE, MPI_SUM, 0, f->comm);
    MPI_Reduce(n, ns, 4, MPI_INT64_T, MPI_SUM, 0, f->comm);
    if (f->rank == 0) {
        stats->t_tasks = ds[0], stats->t_sched = ds[1], stats->t_io = ds[2];
        stats->n_run = ns[0], stats->n_fetch = ns[3];
    }
    return AX_OK;
}

/* Rank 0 after every rank closed its journal: the final table. */
static ax_status finish0(farm *f, ax_sweep_stats *stats, ax_error *err)
{
    AX_TRY(fold(f, err));
    int64_t pending = 0;
    stats->n_ok = stats->n_failed = 0;
    for (int64_t i = 0; i < f->table.n; i++) {
        int s = f->table.res[i].row.status;
        pending += s == AX_TASK_PENDING;
        stats->n_ok += s == AX_TASK_OK;
        stats->n_failed += s == AX_TASK_FAILED;
    }
    AX_CHECK(pending == 0, err, AX_EINTERNAL, "%lld tasks have no result after the run",
             (long long)pending);
    AX_TRY(ax_sweep_write_h5(&f->desc, &f->table, f->o->out, 1, err));
    remove_dir(f->dir, NULL); /* the lock goes with it; farm_free releases it */
    return AX_OK;
}

static void farm_free(farm *f)
{
    if (f->fd >= 0) close(f->fd);
    if (f->lock_fd >= 0) close(f->lock_fd);
    free(f->todo);
    for (int j = 0; j < f->n_j; j++) free(f->jpath[j]);
    free(f->jpath);
    free(f->joff);
    ax_sweep_table_free(&f->table);
}

ax_status ax_sweep_run(ax_sweep sw, const ax_sweep_run_opts *o, MPI_Comm comm,
                       ax_sweep_stats *stats, ax_error *err)
{
    farm f = {.sw = sw, .o = o, .comm = comm, .fd = -1, .lock_fd = -1};
    ax_sweep_describe(sw, &f.desc);
    memset(stats, 0, sizeof *stats);
    MPI_Comm_rank(comm, &f.rank);
    MPI_Comm_size(comm, &f.R);
    int level;
    MPI_Query_thread(&level);
    int threads = o->threads > 0 ? o->threads : 1;
    f.slots = level >= MPI_THREAD_MULTIPLE ? threads : 1;
    f.eng_threads = level >= MPI_THREAD_MULTIPLE ? 1 : threads;
    snprintf(f.dir, sizeof f.dir, "%s.journal", o->out);
    double t0 = MPI_Wtime();
    ax_status st = setup(&f, err);
    if (st == AX_OK) {
        stats->n_tasks = ax_sweep_n_tasks(sw);
        stats->n_skipped = stats->n_tasks - f.n_todo;
        stats->ranks = f.R, stats->slots = f.slots;
        st = farm_run(&f, stats, err);
        if (f.fd >= 0) {
            if (fsync(f.fd) != 0 && f.io_st == AX_OK)
                f.io_st = AX_FAIL(&f.io_err, AX_EIO, "journal fsync failed (%s)", strerror(errno));
            close(f.fd);
            f.fd = -1;
        }
        int bad = f.io_st != AX_OK, any;
        MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, comm);
        if (any) {
            st = bad ? f.io_st : AX_EIO;
            if (bad) *err = f.io_err;
            else AX_FAIL(err, AX_EIO, "another rank failed to write its journal");
        }
        if (st == AX_OK) {
            ax_status s0 = f.rank == 0 ? finish0(&f, stats, err) : AX_OK;
            st = share(comm, f.rank, s0, err);
        }
    }
    stats->wall = MPI_Wtime() - t0;
    farm_free(&f);
    return st;
}
