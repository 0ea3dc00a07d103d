/* steps.c - model time as whole steps (include/axon/steps.h). */
#include <math.h>

#include "axon/steps.h"

int ax_time_steps(double t, double h, int64_t *steps)
{
    if (!(h > 0) || !isfinite(h)) return -1;
    double q = t / h;
    if (!(fabs(q) <= (double)AX_STEPS_MAX)) return -1; /* also NaN and inf */
    *steps = (int64_t)llround(q);
    return 0;
}

int64_t ax_time_steps_or_never(double t, double h)
{
    int64_t s;
    if (ax_time_steps(t, h, &s) == 0) return s;
    return t < 0 ? -AX_STEPS_NEVER : AX_STEPS_NEVER;
}

ax_status ax_time_steps_err(double t, double h, const char *what, int64_t *steps,
                            ax_error *err)
{
    if (ax_time_steps(t, h, steps) == 0) return AX_OK;
    return AX_FAIL(err, AX_EINPUT,
                   "%s = %g ms is %.3g steps of %g ms; axon counts at most 2^62 (%.2g) "
                   "steps: give a shorter time or a coarser resolution",
                   what, t, t / h, h, (double)AX_STEPS_MAX);
}
