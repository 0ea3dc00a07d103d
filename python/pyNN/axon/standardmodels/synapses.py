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

    def axon_synapse_params(self, weight_factor=1000.0, post=None, receptor_type="excitatory"):
        return 0, None


class TsodyksMarkramSynapse(synapses.TsodyksMarkramSynapse):
    """PyNN's TsodyksMarkramSynapse: NEST's tsodyks_synapse (Tsodyks, Uziel and
    Markram 2000), as pyNN.nest maps it: the active resources decay with the
    target's synaptic time constant (tau_psc = tau_syn_E or tau_syn_I by
    receptor; 3 ms, NEST's default, for cells without one). U, tau_rec and
    tau_facil are one value per projection (axon keeps the state per source
    and projection, which is exact then)."""
    __doc__ = synapses.TsodyksMarkramSynapse.__doc__ + __doc__
    translations = build_translations(
        ('weight', 'weight', 1000.0),
        ('delay', 'delay'),
        ('U', 'U'),
        ('tau_rec', 'tau_rec'),
        ('tau_facil', 'tau_fac'),
    )
    axon_synapse = "tsodyks_synapse"
    axon_attributes = ("U", "tau_rec", "tau_fac")

    def _get_minimum_delay(self):
        from ..simulator import state
        d = state.min_delay
        return state.dt if d == "auto" else d

    def _one(self, name):
        return _one_value(self.parameter_space, name, "TsodyksMarkramSynapse")

    def native_value(self, name):
        return {"U": self._one("U"), "tau_rec": self._one("tau_rec"),
                "tau_fac": self._one("tau_facil")}[name]

    def axon_synapse_params(self, weight_factor=1000.0, post=None, receptor_type="excitatory"):
        """(2: tsodyks_synapse, {U, u, x, tau_rec, tau_fac, y, tau_psc})."""
        tau_psc = 3.0
        if post is not None:
            key = "tau_syn_I" if receptor_type == "inhibitory" else "tau_syn_E"
            native = {"tau_syn_E": "tau_syn_ex", "tau_syn_I": "tau_syn_in"}[key]
            ps = post.celltype.parameter_space
            name = key if key in ps.keys() else native if native in ps.keys() else None
            if name is not None:
                tau_psc = _one_value(ps, name, "TsodyksMarkramSynapse (tau_psc is the target "
                                               "cells' %s)" % name)
        u0 = 0.0
        if "u" in getattr(self, "initial_values", {}):
            u0 = float(self.initial_values["u"])
        return 2, [self._one("U"), u0, 1.0, self._one("tau_rec"), self._one("tau_facil"), 0.0,
                   tau_psc]


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

    def axon_synapse_params(self, weight_factor=1000.0, post=None, receptor_type="excitatory"):
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


def _weight_dependence(base, **mu):
    """axon's class of PyNN's weight dependence `base`: the bounds as NEST's
    stdp_synapse takes them (Wmax in pA or nS, w_min only 0), and NEST's
    mu_plus/mu_minus, fixed by `mu` or (without) the rule's own parameters
    (pyNN.nest's mapping)."""
    bounds = (('w_max', 'Wmax', 1000.0), ('w_min', 'w_min_always_zero_in_NEST'))
    own = () if mu else (('mu_plus', 'mu_plus'), ('mu_minus', 'mu_minus'))

    def __init__(self, w_min=0.0, w_max=1.0, *args, **kwargs):
        _no_w_min(type(self).__name__, w_min)
        base.__init__(self, w_min, w_max, *args, **kwargs)

    body = {'__doc__': base.__doc__, '__module__': __name__, '__init__': __init__,
            'translations': build_translations(*(bounds + own)),
            'possible_models': set(['stdp_synapse']), 'axon_ok': True}
    if mu:
        body['extra_parameters'] = mu
    return type(base)(base.__name__, (base,), body)


# PyNN's weight dependences by NEST's mu_plus/mu_minus (0: additive, 1: multiplicative;
# Gutig: the rule's own exponents)
AdditiveWeightDependence = _weight_dependence(
    synapses.AdditiveWeightDependence, mu_plus=0.0, mu_minus=0.0)
MultiplicativeWeightDependence = _weight_dependence(
    synapses.MultiplicativeWeightDependence, mu_plus=1.0, mu_minus=1.0)
AdditivePotentiationMultiplicativeDepression = _weight_dependence(
    synapses.AdditivePotentiationMultiplicativeDepression, mu_plus=0.0, mu_minus=1.0)
GutigWeightDependence = _weight_dependence(synapses.GutigWeightDependence)


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
