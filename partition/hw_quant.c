/* hw_quant.c - the weight formats of the hardware targets, exactly as
 * documented (docs/export.md, reference §2.4 and §3.1):
 *   SpiNNaker: unsigned 16-bit words per (post core, synapse type) with a
 *     power-of-two scale chosen from the maximum expected summed input;
 *   Dynap-SE2: a 4-bit mask per synapse over four base currents Iw_0..Iw_3
 *     per core (axon uses the binary code Iw_b = unit * 2^b).
 * Pure functions; no state.
 */
#include <math.h>

#include "axon/hw_place.h"

double ax_spinn_weight_scale(double max_w, double global)
{
    /* sPyNNaker 7 get_ring_buffer_shifts: p = ceil(max(0, log2 M)), 0 for
     * M <= 0, +1 where 2^p <= M; never negative, so weights below 1 keep an
     * absolute resolution of 2^-15 */
    int p = max_w > 0 ? (int)ceil(fmax(0.0, log2(max_w))) : 0;
    if (max_w > 0 && ldexp(1.0, p) <= max_w) p++;
    return ldexp(1.0, 16 - (p + 1)) * global;
}

uint32_t ax_spinn_weight_word(double w, double scale)
{
    double v = nearbyint(fabs(w) * scale);
    return v > 65535.0 ? 65535u : (uint32_t)v;
}

void ax_dynap_base_currents(double max_abs_w, double iw[4])
{
    double unit = max_abs_w > 0 ? max_abs_w / 15.0 : 1.0;
    for (int b = 0; b < 4; b++) iw[b] = unit * (double)(1 << b);
}

double ax_dynap_mask_value(int mask, const double iw[4])
{
    double v = 0;
    for (int b = 0; b < 4; b++)
        if (mask & (1 << b)) v += iw[b];
    return v;
}

int ax_dynap_mask(double w, const double iw[4])
{
    double a = fabs(w);
    if (a == 0) return 0;
    int best = 1;
    double best_e = INFINITY;
    for (int m = 1; m < 16; m++) {
        double e = fabs(ax_dynap_mask_value(m, iw) - a);
        if (e < best_e) { best_e = e; best = m; }
    }
    return best;
}
