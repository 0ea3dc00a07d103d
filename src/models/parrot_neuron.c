/* parrot_neuron.c - NEST's parrot_neuron (models/parrot_neuron.{h,cpp}):
 * no dynamics; every spike that arrives in a step is repeated at the end of
 * that step, k arrivals as one spike of multiplicity k, whatever their
 * weights. So spike_generator (delay h) -> parrot sends the generator's
 * train on, stamped t_gen + h, from a neuron that plastic synapses can have
 * as source (devices cannot) and that keeps a spike history (tau_minus) when
 * it is itself a plastic target.
 *
 * The engine gives the parrot weight 1 per arriving spike (model flag
 * counts_spikes), so in[0][i] is the number of arrivals, an exact integer.
 * The multiplicity goes out as that many spikes with the same stamp, which
 * is what NEST's remote delivery makes of it too (plastic synapses then see
 * separate updates).
 */
#include <math.h>
#include <stdlib.h>

#include "models_impl.h"

enum { P_TAU_MINUS, N_PARAMS };

static const ax_param_desc kParams[N_PARAMS] = {
    [P_TAU_MINUS] = AX_ARCHIVE_TAU_MINUS,
};

/* NEST's parrot_neuron has no recordables. */
#define N_STATE 0
static const char *const kState[1] = {NULL};

typedef struct parrot_block {
    AX_MODEL_HEAD;  /* r unused: no refractoriness */
    double *mult;   /* spikes emitted at the end of the last step, per neuron */
    double *y0;     /* unused: a parrot takes no current */
} parrot_block;

#define F(field) offsetof(parrot_block, field)
static const ax_model_layout kLayout = {
    .ops = &ax_model_parrot_neuron, AX_MODEL_BLOCK(parrot_block),
    .rules = {{AX_RULE_POSITIVE, P_TAU_MINUS}},
    .arrays = {F(mult)},
};
#undef F

AX_MODEL_VALIDATE

static ax_status create(const double *p, double h, int64_t n, ax_neurons **out, ax_error *err)
{
    ax_neurons *nr;
    AX_TRY(ax_models_begin(&kLayout, p, h, n, &nr, err));
    return ax_models_finish(nr, out, err);
}

static int64_t update(ax_neurons *nr, const double *const *in, const double *i_ext,
                      int64_t *spiked)
{
    (void)i_ext;
    parrot_block *b = (parrot_block *)nr;
    const double *restrict x = in[0];
    double *restrict mult = b->mult;
    int64_t ns = 0;
    for (int64_t i = 0; i < b->n; i++) {
        mult[i] = x[i];
        if (x[i] > 0) spiked[ns++] = i;
    }
    return ns;
}

static uint32_t multiplicity(const ax_neurons *nr, int64_t i)
{
    const parrot_block *b = (const parrot_block *)nr;
    return (uint32_t)nearbyint(b->mult[i]);
}

const ax_model_ops ax_model_parrot_neuron = {
    .name = "parrot_neuron",
    .doc = "repeats every arriving spike at the end of the step (NEST's parrot_neuron)",
    .n_params = N_PARAMS, .params = kParams, .n_state = N_STATE, .state_names = kState,
    .n_receptors = 1, .weight_unit = "1", .validate = validate, .check_h = check_h,
    .create = create,
    .destroy = ax_models_destroy, .state = ax_models_state, .param_array = ax_models_param_array,
    .sync = ax_models_sync_none, .update = update, .n_ckpt = 1, .ckpt_save = ax_models_ckpt_save,
    .ckpt_load = ax_models_ckpt_load, .multiplicity = multiplicity, .counts_spikes = 1};
