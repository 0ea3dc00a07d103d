"""NativeRNG for pyNN.axon: numbers drawn inside axon, from the Philox streams
keyed by (seed, projection or population, gid) that make a network the same
for every ranks x threads decomposition (docs/connectivity.md).

axon has one seed per run (setup(rng_seed=...)); a NativeRNG with another
seed is refused (D12 of the design note) rather than silently ignored.
"""
from pyNN import random as _random

from . import _lib

# PyNN distribution -> (axon kind, PyNN parameter names in axon's order)
NATIVE_DISTRIBUTIONS = {
    'uniform': (1, ('low', 'high')),
    'normal': (2, ('mu', 'sigma')),
    'normal_clipped': (3, ('mu', 'sigma', 'low', 'high')),
}


class NativeRNG(_random.NativeRNG):
    """Signals that axon's own random streams draw the numbers."""

    def __init__(self, seed=None):
        super().__init__(seed)

    def next(self, n=None, distribution=None, parameters=None, mask=None):
        # TypeError: PyNN's receptor guess catches it and uses 'excitatory'
        raise TypeError("NativeRNG numbers are drawn by axon's engine, for whole populations "
                        "(initial values) and for native connectors (weights, delays); "
                        "use a NumpyRNG where PyNN must draw them in Python")


def native_dist(rd, factor=1.0):
    """(kind, [4 parameters]) of a RandomDistribution for axon, scaled by factor."""
    from .simulator import state
    if rd.rng.seed is not None and rd.rng.seed != state.rng_seed:
        raise ValueError("NativeRNG(seed=%s): axon draws every native number from the one seed "
                         "given to setup(rng_seed=%s); leave the NativeRNG seed out"
                         % (rd.rng.seed, state.rng_seed))
    if rd.name not in NATIVE_DISTRIBUTIONS:
        raise _lib.AxonNotImplementedError(
            "distribution '%s' with NativeRNG: axon draws %s natively; use one of them or a "
            "NumpyRNG" % (rd.name, ", ".join(sorted(NATIVE_DISTRIBUTIONS))))
    kind, names = NATIVE_DISTRIBUTIONS[rd.name]
    p = [float(rd.parameters[k]) for k in names]
    if kind == 1:
        p = sorted([p[0] * factor, p[1] * factor])
    elif kind == 2:
        p = [p[0] * factor, abs(p[1] * factor)]
    else:
        lo, hi = sorted([p[2] * factor, p[3] * factor])
        p = [p[0] * factor, abs(p[1] * factor), lo, hi]
    return kind, (p + [0.0] * 4)[:4]
