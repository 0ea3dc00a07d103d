/* axon/threads.h - how many OpenMP threads a rank uses (issue 15 item 9).
 *
 * In order: the command line (-t), the spec (simulation.threads), the
 * environment (OMP_NUM_THREADS), each 1..AX_THREADS_MAX; otherwise a
 * default fitted to the work: one thread per AX_THREADS_WORK units of work
 * (neurons, samplers, sweep tasks), at most the CPUs this process may run
 * on shared by the ranks of its node, at least 1. So a 5-neuron network
 * runs on 1 thread and the microcircuit on every core. The chosen value
 * goes to every num_threads() clause; libgomp's own default (all cores,
 * whatever the work) is never used.
 */
#ifndef AXON_THREADS_H
#define AXON_THREADS_H

#include <stdint.h>

#include "axon/error.h"

#define AX_THREADS_MAX 4096
#define AX_THREADS_WORK 2000 /* neurons per thread below which a thread costs more than it gives */

/* OMP_NUM_THREADS: *t = its value (the first of a list "4,2"), or 0 when
 * unset or empty; AX_EINPUT naming the variable when it is not a whole
 * number from 1 to AX_THREADS_MAX. */
ax_status ax_threads_env(int *t, ax_error *err);

/* CPUs in this process's affinity mask (at least 1). */
int ax_threads_cpus(void);

/* The default for `work` units on this rank with `local_ranks` ranks on
 * the node (see the top of this file). */
int ax_threads_default(int64_t work, int local_ranks);

#endif
