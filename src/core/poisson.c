/* poisson.c - the Poisson count table (include/axon/poisson.h), one for the
 * poisson_generator device and the spike_source_poisson model, so both
 * draw the same counts from the same words.
 */
#include "axon/poisson.h"

#include <math.h>
#include <stdlib.h>

ax_status ax_poisson_cdf(double mu, const char *what, uint32_t **cdf, int *n, ax_error *err)
{
    int kmax = (int)(mu + 12.0 * sqrt(mu) + 30.0);
    uint32_t *c = *cdf = malloc((size_t)(kmax + 1) * sizeof *c);
    AX_CHECK_ALLOC(c, err, what);
    double logpk = -mu, cum = 0.0; /* log P(X = k) */
    int k = 0;
    for (; k < kmax; k++) {
        cum += exp(logpk);
        double f = floor(cum * 4294967296.0);
        c[k] = f >= 4294967295.0 ? 0xFFFFFFFFu : (uint32_t)f;
        if (c[k] == 0xFFFFFFFFu) break;
        logpk += log(mu) - log((double)(k + 1));
    }
    if (k == kmax) k--;
    c[k] = 0xFFFFFFFFu; /* the remaining tail (< 2^-32) folds into the last count */
    *n = k + 1;
    return AX_OK;
}
