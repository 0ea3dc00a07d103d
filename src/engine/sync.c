/* sync.c - the slice loop's one synchronisation per slice (issue 15 item 12).
 *
 * Per slice the master waits until every other thread finished its
 * update, does the exchange and I/O alone, then releases them. OpenMP's
 * barrier did this with two barriers and libgomp's default wait policy,
 * which spins ~300,000 times before sleeping: on a machine whose cores are
 * busy with other work the spinning thread takes the core the thread it
 * waits for needs (a 5-unit BM on 2 threads did not finish in 18 minutes).
 * Here a waiter spins a bounded, adaptive number of times (doubling while
 * spinning succeeds, halving when it had to sleep, so a busy machine soon
 * makes it sleep at once) and then sleeps in the kernel (futex); it never
 * spins when this rank's threads alone oversubscribe its CPUs. On a quiet
 * machine with one-step slices the handoff stays a few hundred ns.
 */
#include <limits.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "engine_impl.h"

#define SPIN_MIN 32 /* > 0 so a machine that becomes quiet is noticed again */

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
}

enum futex_op { WAIT, WAKE };

/* The kernel's futex on a: WAIT sleeps while *a == val, WAKE wakes up to val
 * sleepers. Without futexes a wait yields the CPU (every caller loops until
 * the value changed) and a wake has nobody to wake. */
static void futex(atomic_int *a, enum futex_op op, int val)
{
#if defined(__linux__)
    syscall(SYS_futex, (int *)a, op == WAIT ? FUTEX_WAIT_PRIVATE : FUTEX_WAKE_PRIVATE, val, NULL,
            NULL, 0);
#else
    (void)a; (void)val;
    if (op == WAIT) sched_yield();
#endif
}

void ax_sync_init(ax_sync *s, int threads, int spin_max)
{
    atomic_store(&s->arrived, 0);
    atomic_store(&s->gen, 0);
    atomic_store(&s->master_sleeps, 0);
    atomic_store(&s->sleepers, 0);
    s->threads = threads;
    s->spin_max = spin_max;
}

/* The spin budget after a wait: grow while spinning sufficed, shrink when
 * it did not (at least SPIN_MIN unless spinning is off). */
static int adapt(const ax_sync *s, int budget, int spun_ok)
{
    if (s->spin_max == 0) return 0;
    int b = spun_ok ? 2 * budget : budget / 2;
    return b < SPIN_MIN ? SPIN_MIN : b > s->spin_max ? s->spin_max : b;
}

void ax_sync_master_wait(ax_sync *s, int *budget)
{
    const int want = s->threads - 1;
    for (int i = 0; i < *budget; i++) {
        if (atomic_load(&s->arrived) == want) {
            *budget = adapt(s, *budget, 1);
            return;
        }
        cpu_relax();
    }
    atomic_store(&s->master_sleeps, 1);
    int a;
    while ((a = atomic_load(&s->arrived)) != want) futex(&s->arrived, WAIT, a);
    atomic_store(&s->master_sleeps, 0);
    *budget = adapt(s, *budget, 0);
}

void ax_sync_release(ax_sync *s)
{
    atomic_store(&s->arrived, 0);
    atomic_fetch_add(&s->gen, 1);
    if (atomic_load(&s->sleepers)) futex(&s->gen, WAKE, INT_MAX);
}

void ax_sync_arrive_wait(ax_sync *s, int *budget)
{
    const int g = atomic_load(&s->gen); /* before arriving: the release may follow at once */
    if (atomic_fetch_add(&s->arrived, 1) + 1 == s->threads - 1 && atomic_load(&s->master_sleeps))
        futex(&s->arrived, WAKE, 1);
    for (int i = 0; i < *budget; i++) {
        if (atomic_load(&s->gen) != g) {
            *budget = adapt(s, *budget, 1);
            return;
        }
        cpu_relax();
    }
    atomic_fetch_add(&s->sleepers, 1);
    while (atomic_load(&s->gen) == g) futex(&s->gen, WAIT, g);
    atomic_fetch_sub(&s->sleepers, 1);
    *budget = adapt(s, *budget, 0);
}

/* MPI's blocking collectives busy-poll: with the cores shared (other work,
 * or more ranks than cores) a rank waiting for a descheduled peer burns the
 * core that peer needs (2 ranks of a test slowed to a fifth on a loaded
 * 2-core machine). So the exchange starts its collectives non-blocking and
 * waits here: test for a bounded, adaptive number of times (as the thread
 * handoff above), then test with sleeps growing from 20 us to 1 ms, which
 * gives the core away. On a quiet machine the request completes within the
 * spin and nothing changes. */
int ax_mpi_wait(MPI_Request *rq, int *budget, int spin_max)
{
    int done = 0;
    for (int i = 0; i < *budget || i == 0; i++) {
        if (MPI_Test(rq, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return -1;
        if (done) {
            *budget = *budget * 2 > spin_max ? spin_max : *budget * 2 < SPIN_MIN ? SPIN_MIN : *budget * 2;
            return 0;
        }
        cpu_relax();
    }
    long ns = 20000;
    while (!done) {
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
        ns = ns < 1000000 ? 2 * ns : ns;
        if (MPI_Test(rq, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return -1;
    }
    *budget = *budget / 2 < SPIN_MIN ? SPIN_MIN : *budget / 2;
    return 0;
}
