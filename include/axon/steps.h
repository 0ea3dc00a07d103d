/* axon/steps.h - model time as whole steps of the resolution: the one
 * conversion every time input goes through (t_sim, device start/stop and
 * spike times, sampling durations, checkpoint intervals).
 *
 * Steps are int64. A time of t ms at resolution h is t / h steps, rounded to
 * the nearest integer (times are validated on the grid first where that
 * matters). llround() of a number beyond 2^63 is undefined, so every
 * conversion bounds |t / h| by AX_STEPS_MAX = 2^62 (4.6e18 steps: 14.6
 * million years at 0.1 ms): sums of two step counts (a time plus a delay, a
 * window plus a slice) then cannot overflow either.
 */
#ifndef AXON_STEPS_H
#define AXON_STEPS_H

#include <stdint.h>

#include "axon/error.h"

#define AX_STEPS_MAX (INT64_C(1) << 62)
/* "Never": a window that does not close or open within any run, a spike
 * time beyond every run. Larger than every valid step count, and adding a
 * step count to it still fits in int64. */
#define AX_STEPS_NEVER (AX_STEPS_MAX + 1)

/* *steps = t / h rounded to the nearest integer. Returns 0, or -1 (and
 * leaves *steps alone) when h is not a positive finite number or t / h is
 * NaN, infinite or beyond +-AX_STEPS_MAX. */
int ax_time_steps(double t, double h, int64_t *steps);

/* For times where "beyond every run" means never (device start/stop, spike
 * times): t / h as above, AX_STEPS_NEVER for +inf, NaN and anything beyond
 * AX_STEPS_MAX, -AX_STEPS_NEVER below -AX_STEPS_MAX. */
int64_t ax_time_steps_or_never(double t, double h);

/* ax_time_steps with a message: "WHAT = T ms is N steps of H ms; at most
 * 2^62 (4.6e18) steps: ..." as AX_EINPUT. */
ax_status ax_time_steps_err(double t, double h, const char *what, int64_t *steps,
                            ax_error *err);

#endif
