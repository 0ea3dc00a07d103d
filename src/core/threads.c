/* threads.c - threads per rank (axon/threads.h). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "axon/threads.h"

ax_status ax_threads_env(int *t, ax_error *err)
{
    *t = 0;
    const char *s = getenv("OMP_NUM_THREADS");
    if (!s || !*s) return AX_OK;
    /* a list sets nested levels; axon has one level: the first counts */
    char first[64];
    size_t n = strcspn(s, ",");
    const char *shown = strlen(s) > 40 ? "(a long value)" : s;
    int ok = n > 0 && n < sizeof first;
    long v = 0;
    if (ok) {
        memcpy(first, s, n);
        first[n] = 0;
        char *end;
        errno = 0;
        v = strtol(first, &end, 10);
        while (*end == ' ') end++;
        ok = !errno && end != first && !*end && v >= 1 && v <= AX_THREADS_MAX;
    }
    AX_CHECK(ok, err, AX_EINPUT,
             "OMP_NUM_THREADS=%s: expected a whole number of threads per rank from 1 to %d; "
             "unset it for a default fitted to the network (docs/spec.md, simulation.threads)",
             shown, AX_THREADS_MAX);
    *t = (int)v;
    return AX_OK;
}

int ax_threads_cpus(void)
{
    cpu_set_t cs;
    int n = sched_getaffinity(0, sizeof cs, &cs) == 0 ? CPU_COUNT(&cs) : 1;
    return n > 0 ? n : 1;
}

int ax_threads_default(int64_t work, int local_ranks)
{
    int64_t cpus = ax_threads_cpus() / (local_ranks > 0 ? local_ranks : 1);
    int64_t want = (work + AX_THREADS_WORK - 1) / AX_THREADS_WORK;
    int64_t t = want < cpus ? want : cpus;
    if (t > AX_THREADS_MAX) t = AX_THREADS_MAX;
    return t > 0 ? (int)t : 1;
}
