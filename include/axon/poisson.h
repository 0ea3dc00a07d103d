/* axon/poisson.h - the count table of a Poisson process on the 32-bit grid
 * of a random word: what the poisson_generator device (src/engine) and the
 * spike_source_poisson model draw their counts from. src/core.
 */
#ifndef AXON_POISSON_H
#define AXON_POISSON_H

#include <stdint.h>

#include "axon/error.h"

/* *cdf (malloc'd, *n entries): cdf[k] = floor(P(X <= k) 2^32) for
 * X ~ Poisson(mu), k = 0, 1, ... until the tail mass is below the 32-bit
 * grid; the last entry is 2^32 - 1 and takes the rest. Computed in logs,
 * so a large mu does not underflow. The caller bounds mu (its own limit
 * and message). Fails only AX_ENOMEM ("out of memory allocating <what>"). */
ax_status ax_poisson_cdf(double mu, const char *what, uint32_t **cdf, int *n, ax_error *err);

#endif
