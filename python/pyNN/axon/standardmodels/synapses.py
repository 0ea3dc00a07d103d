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

    def axon_synapse_params(self, weight_factor=1000.0):
        return 0, None


# ---- STDP: PyNN's STDPMechanism as NEST's stdp_synapse (pyNN.nest's mapping) ----

def _one_value(ps, name, what):
    """The one value of native parameter `name` (axon keeps STDP parameters per
    projection, as NEST keeps stdp_synapse's when PyNN sets them as defaults)."""
    from .._lib import AxonNotImplementedError
    v = ps[name]
    if callable(v.base_value) or not v.is_homogeneous:
        raise AxonNotImplementedError(
            "%s: %s differs per synapse; axon takes one value per projection" % (what, name))
    v.shape = (1,)
    return float(v.evaluate(simplify=True))


def _translate_A_minus_forwards(**parameters):
    # pyNN.nest's rule (pyNN/nest/standardmodels/synapses.py): NEST's alpha is
    # A_minus / A_plus; with A_plus = 0 (lambda = 0, no change at all) alpha
    # keeps A_minus so that it can be read back
    A_minus, A_plus = parameters["A_minus"], parameters["A_plus"]
    for name, v in (("A_plus", A_plus), ("A_minus", A_minus)):
        if callable(getattr(v, "base_value", None)) or not getattr(v, "is_homogeneous", True):
            from .._lib import AxonNotImplementedError
            raise AxonNotImplementedError("SpikePairRule: %s differs per synapse; axon takes "
                                          "one value per projection" % name)
    return A_minus if A_plus == 0 else A_minus / A_plus


def _translate_A_minus_reverse(**parameters):
    alpha, lambda_ = parameters["alpha"], parameters["lambda"]
    return alpha if lambda_ == 0 else alpha * lambda_


class STDPMechanism(synapses.STDPMechanism):
    """PyNN's STDPMechanism on NEST's stdp_synapse (docs/plasticity.md), mapped
    as pyNN.nest maps it: SpikePairRule(tau_plus, tau_minus, A_plus, A_minus)
    -> tau_plus, tau_minus of the postsynaptic cells, lambda = A_plus,
    alpha = A_minus / A_plus; the weight dependence -> Wmax = w_max (x 1000,
    the weight's unit) and mu_plus, mu_minus (additive 0, 0; multiplicative
    1, 1). Every delay is dendritic (dendritic_delay_fraction 1), w_min 0, and
    the parameters are one value per projection, as in NEST."""
    __doc__ = synapses.STDPMechanism.__doc__ + __doc__
    base_translations = build_translations(
        ('weight', 'weight', 1000.0),  # nA -> pA, uS -> nS
        ('delay', 'delay'),
        ('dendritic_delay_fraction', 'dendritic_delay_fraction'),
    )
    axon_synapse = "stdp_synapse"

    def __init__(self, timing_dependence=None, weight_dependence=None,
                 voltage_dependence=None, dendritic_delay_fraction=1.0, weight=0.0, delay=None):
        from .._lib import AxonNotImplementedError
        if dendritic_delay_fraction != 1:
            raise AxonNotImplementedError(
                "STDPMechanism(dendritic_delay_fraction=%g): axon's (NEST's) STDP synapses "
                "treat the whole delay as dendritic; use dendritic_delay_fraction=1"
                % dendritic_delay_fraction)
        if voltage_dependence is not None:
            raise AxonNotImplementedError("STDPMechanism: voltage dependence is not available")
        if timing_dependence is None or weight_dependence is None:
            raise AxonNotImplementedError(
                "STDPMechanism needs a timing dependence (SpikePairRule) and a weight "
                "dependence (AdditiveWeightDependence, MultiplicativeWeightDependence, ...)")
        for c in (timing_dependence, weight_dependence):
            if not getattr(c, "axon_ok", False):
                raise AxonNotImplementedError(
                    "STDPMechanism: %s is not available in pyNN.axon (it has SpikePairRule "
                    "with AdditiveWeightDependence, MultiplicativeWeightDependence, "
                    "AdditivePotentiationMultiplicativeDepression, GutigWeightDependence)"
                    % type(c).__name__)
        super().__init__(timing_dependence, weight_dependence, voltage_dependence,
                         dendritic_delay_fraction, weight, delay)

    def _build_translations(self):
        self.translations = dict(self.__class__.base_translations)  # not the class's
        for component in (self.timing_dependence, self.weight_dependence):
            self.translations.update(component.translations)

    def _get_minimum_delay(self):
        from ..simulator import state
        d = state.min_delay
        return state.dt if d == "auto" else d

    def native_value(self, name):
        """One native parameter (NEST's name and unit), for Projection.get()."""
        return _one_value(self.native_parameters, name, "STDPMechanism")

    @property
    def axon_attributes(self):
        return [n for n in self.native_parameters.keys() if n not in ("weight", "delay")]

    def tau_minus(self):
        return _one_value(self.native_parameters, "tau_minus", "STDPMechanism")

    def axon_synapse_params(self, weight_factor=1000.0):
        """(3: stdp_synapse, {tau_plus, lambda, alpha, mu_plus, mu_minus, Wmax,
        Kplus}); weight_factor: the projection's PyNN -> axon weight factor
        (x 1000, the sign of inhibitory conductances), which Wmax takes too."""
        ps = self.native_parameters
        one = lambda n: _one_value(ps, n, "STDPMechanism")
        w_min = one("w_min_always_zero_in_NEST")
        if w_min != 0:
            from .._lib import AxonNotImplementedError
            raise AxonNotImplementedError("STDPMechanism: w_min = %g; NEST's stdp_synapse (and "
                                          "axon's) has w_min = 0" % w_min)
        return 3, [one("tau_plus"), one("lambda"), one("alpha"), one("mu_plus"),
                   one("mu_minus"), one("Wmax") / 1000.0 * weight_factor, 0.0]


def _no_w_min(cls_name, w_min):
    if w_min != 0:
        from .._lib import AxonNotImplementedError
        raise AxonNotImplementedError(
            "%s(w_min=%g): NEST's stdp_synapse (and axon's) has no minimum weight other than "
            "0; use w_min=0" % (cls_name, w_min))


class AdditiveWeightDependence(synapses.AdditiveWeightDependence):
    __doc__ = synapses.AdditiveWeightDependence.__doc__
    translations = build_translations(
        ('w_max', 'Wmax', 1000.0),
        ('w_min', 'w_min_always_zero_in_NEST'),
    )
    possible_models = set(['stdp_synapse'])
    extra_parameters = {'mu_plus': 0.0, 'mu_minus': 0.0}
    axon_ok = True

    def __init__(self, w_min=0.0, w_max=1.0):
        _no_w_min(type(self).__name__, w_min)
        synapses.AdditiveWeightDependence.__init__(self, w_min, w_max)


class MultiplicativeWeightDependence(synapses.MultiplicativeWeightDependence):
    __doc__ = synapses.MultiplicativeWeightDependence.__doc__
    translations = build_translations(
        ('w_max', 'Wmax', 1000.0),
        ('w_min', 'w_min_always_zero_in_NEST'),
    )
    possible_models = set(['stdp_synapse'])
    extra_parameters = {'mu_plus': 1.0, 'mu_minus': 1.0}
    axon_ok = True

    def __init__(self, w_min=0.0, w_max=1.0):
        _no_w_min(type(self).__name__, w_min)
        synapses.MultiplicativeWeightDependence.__init__(self, w_min, w_max)


class AdditivePotentiationMultiplicativeDepression(
        synapses.AdditivePotentiationMultiplicativeDepression):
    __doc__ = synapses.AdditivePotentiationMultiplicativeDepression.__doc__
    translations = build_translations(
        ('w_max', 'Wmax', 1000.0),
        ('w_min', 'w_min_always_zero_in_NEST'),
    )
    possible_models = set(['stdp_synapse'])
    extra_parameters = {'mu_plus': 0.0, 'mu_minus': 1.0}
    axon_ok = True

    def __init__(self, w_min=0.0, w_max=1.0):
        _no_w_min(type(self).__name__, w_min)
        synapses.AdditivePotentiationMultiplicativeDepression.__init__(self, w_min, w_max)


class GutigWeightDependence(synapses.GutigWeightDependence):
    __doc__ = synapses.GutigWeightDependence.__doc__
    translations = build_translations(
        ('w_max', 'Wmax', 1000.0),
        ('w_min', 'w_min_always_zero_in_NEST'),
        ('mu_plus', 'mu_plus'),
        ('mu_minus', 'mu_minus'),
    )
    possible_models = set(['stdp_synapse'])
    axon_ok = True

    def __init__(self, w_min=0.0, w_max=1.0, mu_plus=0.5, mu_minus=0.5):
        _no_w_min(type(self).__name__, w_min)
        synapses.GutigWeightDependence.__init__(self, w_min, w_max, mu_plus, mu_minus)


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = synapses.SpikePairRule.__doc__
    translations = build_translations(
        ('tau_plus', 'tau_plus'),
        ('tau_minus', 'tau_minus'),  # a parameter of the postsynaptic cells
        ('A_plus', 'lambda'),
        ('A_minus', 'alpha', _translate_A_minus_forwards, _translate_A_minus_reverse),
    )
    possible_models = set(['stdp_synapse'])
    axon_ok = True
