"""pyNN.mock (Debian python3-pynn 0.10.1) standing in for pyNN.spiNNaker,
for tests only: runs an axon SpiNNaker export's run.py with real PyNN, so
its FromFileConnector / FromListConnector / Population code builds the
network exactly as PyNN does (sPyNNaker's FromFileConnector reads files with
the same pyNN.recording.files.StandardTextFile).

pyNN.mock lacks the sPyNNaker-only names an export uses; the shim adds them
with sPyNNaker's parameter names and defaults (sPyNNaker
spynnaker/pyNN/__init__.py, builds/if_curr_delta.py, builds/if_trunc_delta.py,
extra_models/__init__.py, read for the names only):
  - IF_curr_delta: PyNN's own standard cell (pyNN/standardmodels/cells.py),
    which mock does not implement, with an identity translation;
  - extra_models.IFTruncDelta: tau_m, cm, v_reset, v_thresh, tau_refrac,
    i_offset, initial v;
  - set_number_of_neurons_per_core(neuron_type, max_permitted): recorded; like
    sPyNNaker it refuses a neuron_type that is not a cell class.

usage:
    import pynn_spinnaker_shim as shim
    g = shim.load("DIR/run.py")   # builds the network, does not run it
    g["projections"]["proj0_exc"].get(["weight", "delay"], format="list")
    shim.run("DIR/run.py")       # runs the whole script (mock run, write_data)
"""
import runpy
import sys
import types

import pyNN
import pyNN.mock as sim
from pyNN.standardmodels import StandardCellType, build_translations, cells

neurons_per_core = []


def _identity(cls):
    return build_translations(*[(n, n) for n in cls.default_parameters])


class IF_curr_delta(cells.IF_curr_delta):
    __doc__ = cells.IF_curr_delta.__doc__
    translations = _identity(cells.IF_curr_delta)


class IFTruncDelta(StandardCellType):
    """Non-leaky IF, delta synapses, V floored at v_reset (sPyNNaker extra model)."""
    default_parameters = {"tau_m": 1.0, "cm": 1.0, "v_reset": 0.0, "v_thresh": 1.0,
                          "tau_refrac": 1.0, "i_offset": 0.0}
    recordable = ["spikes", "v"]
    default_initial_values = {"v": 0.0}
    units = {"v": "mV", "tau_m": "ms", "cm": "nF", "v_reset": "mV", "v_thresh": "mV",
             "tau_refrac": "ms", "i_offset": "nA"}
    conductance_based = False
    voltage_based_synapses = True


IFTruncDelta.translations = _identity(IFTruncDelta)


def set_number_of_neurons_per_core(neuron_type, max_permitted):
    if not isinstance(neuron_type, type) or not issubclass(neuron_type, StandardCellType):
        raise TypeError("set_number_of_neurons_per_core: %r is not a cell class" % (neuron_type,))
    if not isinstance(max_permitted, int) or max_permitted < 1:
        raise TypeError("set_number_of_neurons_per_core: %r is not a positive int" % (max_permitted,))
    neurons_per_core.append((neuron_type.__name__, max_permitted))


def _install():
    sim.IF_curr_delta = IF_curr_delta
    sim.extra_models = types.SimpleNamespace(IFTruncDelta=IFTruncDelta)
    sim.set_number_of_neurons_per_core = set_number_of_neurons_per_core
    sys.modules["pyNN.spiNNaker"] = sim
    pyNN.spiNNaker = sim


def load(run_py):
    """Execute run.py up to (not including) its `if __name__ == '__main__'`
    block and return its globals: pops, projections, ..."""
    _install()
    del neurons_per_core[:]
    return runpy.run_path(run_py, run_name="axon_export_under_test")


def run(run_py):
    """Execute the whole script as `python3 run.py` would."""
    _install()
    del neurons_per_core[:]
    return runpy.run_path(run_py, run_name="__main__")
