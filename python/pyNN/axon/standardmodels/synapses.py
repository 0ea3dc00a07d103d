"""PyNN's standard synapse types on axon."""
from pyNN.standardmodels import synapses, build_translations


class StaticSynapse(synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(
        ('weight', 'weight', 1000.0),  # nA -> pA, uS -> nS (pyNN.nest's convention)
        ('delay', 'delay'),
    )
    axon_synapse = "static_synapse"

    def _get_minimum_delay(self):
        from ..simulator import state
        d = state.min_delay
        return state.dt if d == "auto" else d

    def axon_synapse_params(self):
        return 0, None
