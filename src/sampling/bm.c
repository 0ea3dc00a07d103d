/* bm.c - Boltzmann machines of LIF samplers: their checkpoint times and
 * memory. The BM file is read by io/sampling/bm_io.c; bm_run.c builds the
 * network (one population per sampler, one one_to_one projection per
 * nonzero W_ij, so n^2 projections: fine up to ~1000 samplers) and samples.
 *
 * Spikes are gathered to rank 0 at every flush (MPI_Gatherv) and sorted by
 * (step, gid), so what rank 0 accumulates does not depend on the
 * decomposition; the engine makes the spikes themselves bitwise identical
 * for every ranks x threads. Convention: W[i][j] couples pre i to post j,
 * translated with the post-synaptic sampler's calibration (sbs).
 * Synapses are static or, with `synapses: renewing`, sbs's renewing
 * Tsodyks-Markram synapses (the engine's tsodyks2; bm_run.c).
 */
#include <stdlib.h>
#include <string.h>

#include "sampling_impl.h"

ax_status ax_bm_set_checkpoints(ax_bm *bm, const double *list, int n, ax_error *err)
{
    bm->checkpoints = malloc((size_t)(n >= 0 ? n + 1 : 64) * sizeof *bm->checkpoints);
    AX_CHECK_ALLOC(bm->checkpoints, err, "checkpoints");
    int k = 0;
    double T = bm->duration;
    if (n >= 0) {
        for (int i = 0; i < n; i++)
            if (list[i] > 0 && list[i] < T && (k == 0 || list[i] > bm->checkpoints[k - 1]))
                bm->checkpoints[k++] = list[i];
    } else { /* 1, 2, 5 per decade from 10 ms */
        for (double d = 10; d < T && k < 60; d *= 10)
            for (int j = 0; j < 3; j++) {
                double t = d * (j == 0 ? 1 : j == 1 ? 2 : 5);
                if (t < T) bm->checkpoints[k++] = t;
            }
    }
    bm->checkpoints[k++] = T;
    bm->n_checkpoints = k;
    return AX_OK;
}

ax_status ax_bm_check_tso(const ax_bm *bm, ax_error *err)
{
    const ax_calib_tso *t = &bm->tso;
    AX_CHECK(bm->renewing || ax_calib_tso_is_default(t), err, AX_EINPUT,
             "the calibrations' tso_parameters (U %g, u %g, x %g, tau_rec %g, tau_fac %g, "
             "weight_rescale %g; 0 = unset) act only on saturating synapses, as in sbs (its "
             "saturating_synapses_enabled); use `synapses: renewing`, or remove tso_parameters "
             "from the calibration", t->U, t->u, t->x, t->tau_rec, t->tau_fac, t->weight_rescale);
    return AX_OK;
}

void ax_bm_free(ax_bm *bm)
{
    /* units sharing unit 0's calibration hold NULL sample arrays */
    for (int i = 0; bm->cal && i < bm->n; i++) ax_calibration_free(&bm->cal[i]);
    free(bm->W);
    free(bm->b);
    free(bm->cal);
    free(bm->checkpoints);
    memset(bm, 0, sizeof *bm);
}
