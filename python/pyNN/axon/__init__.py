"""pyNN.axon: PyNN 0.10 on axon (docs/pynn.md).

A PyNN script's objects are the simulator's objects: populations,
projections, recorders and current sources live in one libaxon session
(include/axon/sim.h) built over the same network specification `axon run`
reads, so a network made with native connectors is bit for bit the network
of the equivalent YAML spec (write_spec() writes it), on any number of MPI
ranks (mpirun -np R python3 script.py) and threads (setup(threads=T)).
"""
import logging
import warnings

from pyNN import common, recording, errors, space, __doc__ as _pynn_doc  # noqa: F401
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_TIMESTEP, DEFAULT_MIN_DELAY
from pyNN.random import NumpyRNG, GSLRNG, RandomDistribution  # noqa: F401
from pyNN.space import Space  # noqa: F401
from pyNN.standardmodels import StandardCellType
from pyNN.recording import get_io

from . import simulator
from ._lib import AxonError, AxonInputError, AxonNotImplementedError, lib, enc  # noqa: F401
from .cells import NativeCellType, native_cell_type  # noqa: F401
from .connectors import *  # noqa: F401,F403
from .populations import Population, PopulationView, Assembly
from .projections import Projection
from .random import NativeRNG  # noqa: F401
from .standardmodels.cells import *  # noqa: F401,F403
from .standardmodels.electrodes import DCSource, StepCurrentSource  # noqa: F401
from .standardmodels.synapses import (StaticSynapse, TsodyksMarkramSynapse,  # noqa: F401
                                     STDPMechanism, SpikePairRule,
                                     AdditiveWeightDependence, MultiplicativeWeightDependence,
                                     AdditivePotentiationMultiplicativeDepression,
                                     GutigWeightDependence)
from .connectors import FixedProbabilityConnector

logger = logging.getLogger("PyNN")
state = simulator.state

# setup() keywords besides timestep, min_delay, max_delay (D8 of the design):
_SETUP_KEYS = ("threads", "rng_seed", "grng_seed", "rng_seeds", "rng_seeds_seed", "verbosity",
               "spike_precision", "t_flush", "output", "force", "max_delay")


def list_standard_models():
    """The standard cell types pyNN.axon provides."""
    return [obj.__name__ for obj in globals().values()
            if isinstance(obj, type) and issubclass(obj, StandardCellType)
            and obj is not StandardCellType and getattr(obj, "axon_model", None)]


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Start a new simulation (any earlier network is dropped).

    axon-specific keywords: threads (OpenMP threads per MPI rank), rng_seed
    (the seed of every random stream axon draws; NativeRNG), output (an axon
    HDF5 file written from t = 0 to end(); docs/output.md), force (overwrite
    it), spike_precision ('on_grid' only: axon integrates on the time grid),
    t_flush and verbosity (accepted, no effect: axon's reset is exact).
    """
    unknown = sorted(k for k in extra_params if k not in _SETUP_KEYS)
    if unknown:
        raise ValueError("setup(): unknown argument(s) %s; pyNN.axon accepts timestep, "
                         "min_delay and %s" % (", ".join(unknown), ", ".join(_SETUP_KEYS)))
    max_delay = extra_params.get("max_delay", DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    precision = extra_params.get("spike_precision", "on_grid")
    if precision != "on_grid":
        raise AxonNotImplementedError(
            "spike_precision='%s': axon integrates on the time grid (spikes at multiples of "
            "the time step); use spike_precision='on_grid'" % precision)
    seed = extra_params.get("rng_seed", 12345)
    for old in ("grng_seed", "rng_seeds_seed"):
        if old in extra_params:
            warnings.warn("setup(%s=...) is called rng_seed in PyNN 0.10" % old)
            seed = extra_params[old]
    if "rng_seeds" in extra_params:
        warnings.warn("setup(rng_seeds=[...]): axon has one seed; taking the first")
        seed = extra_params["rng_seeds"][0]
    state.dt = timestep
    state._min_delay = min_delay
    state._max_delay = max_delay
    state.threads = int(extra_params.get("threads") or 1)
    state.rng_seed = int(seed)
    state.output = extra_params.get("output")
    state.output_force = bool(extra_params.get("force", False))
    state.t_flush = extra_params.get("t_flush", 0.0)
    state.clear()
    return rank()


def end(compatible_output=True):
    """Write what record(..., to_file) asked for and close axon's output file.
    Recorded data stays readable (get_data()) after end()."""
    for (population, variables, filename) in state.write_on_end:
        io = get_io(filename)
        population.write_data(io, variables)
    state.write_on_end = []
    if state.session is not None:
        state.call(lib.ax_sim_output_close)
        state.output = None


def write_spec(path, t_sim=0.0):
    """Write the network as an axon YAML spec (rank 0) that `axon run` simulates
    the same way (t_sim: its simulated time; 0: the time simulated so far)."""
    state.call(lib.ax_sim_write_spec, enc(path), float(t_sim))


run, run_until = common.build_run(simulator)
run_for = run

reset = common.build_reset(simulator)

initialize = common.initialize

get_current_time, get_time_step, get_min_delay, get_max_delay, \
    num_processes, rank = common.build_state_queries(simulator)

create = common.build_create(Population)

connect = common.build_connect(Projection, FixedProbabilityConnector, StaticSynapse)

set = common.set

record = common.build_record(simulator)


def record_v(source, filename):
    return record(['v'], source, filename)


def record_gsyn(source, filename):
    return record(['gsyn_exc', 'gsyn_inh'], source, filename)
