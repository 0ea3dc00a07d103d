"""The simulator state of pyNN.axon: one libaxon session (include/axon/sim.h).

:copyright: axon authors. PyNN's API is PyNN's (CeCILL); this module is axon's.
"""
import ctypes
import logging

import numpy as np
from pyNN import common

from . import _lib
from ._lib import lib, check

name = "axon"
logger = logging.getLogger("PyNN")


class ID(int, common.IDMixin):
    """A neuron: its value is gid + 1 (gid 0 would be a false ID)."""

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)

    @property
    def local(self):
        return (int(self) - 1) % state.num_processes == state.mpi_rank


class State(common.control.BaseState):
    """Time, the session, and what a reset must restore."""

    def __init__(self):
        super().__init__()
        self.mpi_rank = _lib.MPI_RANK
        self.num_processes = _lib.MPI_SIZE
        self.session = None
        self.dt = 0.1
        self._min_delay = "auto"
        self._max_delay = "auto"
        self.threads = 1
        self.rng_seed = 12345
        self.output = None
        self.output_force = False
        self.populations = []
        self.projections = []
        self.current_sources = []
        self.segment_counter = -1
        self.spike_precision = "on_grid"
        self.t_flush = 0.0

    # --- the session -------------------------------------------------------

    def new_session(self):
        """A fresh session with the current settings (setup())."""
        self.close_session()
        s = ctypes.c_void_p()
        msg = ctypes.create_string_buffer(2048)
        mind = 0.0 if self._min_delay == "auto" else float(self._min_delay)
        maxd = 0.0 if self._max_delay == "auto" else float(self._max_delay)
        rc = lib.ax_sim_create(float(self.dt), mind, maxd, int(self.threads),
                               int(self.rng_seed) & 0xFFFFFFFFFFFFFFFF, ctypes.byref(s),
                               msg, len(msg))
        _lib.raise_for(rc, msg.value.decode("utf-8", "replace"))
        self.session = s
        if self.output:
            self.call(lib.ax_sim_output_open, _lib.enc(self.output), int(self.output_force))

    def close_session(self):
        if self.session is not None:
            lib.ax_sim_destroy(self.session)
            self.session = None

    def call(self, fn, *args):
        """Call fn(session, *args); a non-zero status raises with C's message."""
        check(fn(self.session, *args), self.session)

    def collectively(self, work):
        """Run work() (which touches this rank's neurons only) where PyNN's call
        is collective: a failure on any rank is raised on every rank, with
        the lowest failing rank's message."""
        code, msg = 0, ""
        try:
            work()
        except Exception as e:  # agreed below, re-raised as libaxon's exception
            code, msg = _lib.code_of(e), str(e)
        self.call(lib.ax_sim_agree, code, _lib.enc(msg))

    # --- BaseState ------------------------------------------------------------

    @property
    def t(self):
        return lib.ax_sim_time(self.session) if self.session is not None else 0.0

    @property
    def min_delay(self):
        return self._delay(self._min_delay, 0)

    @property
    def max_delay(self):
        return self._delay(self._max_delay, 1)

    def _delay(self, given, bound):
        """A delay bound as set, or with "auto" in a session the network's
        (bound 0: min, 1: max; ax_sim_delays)."""
        if given != "auto" or self.session is None:
            return given
        lo, hi = ctypes.c_double(), ctypes.c_double()
        self.call(lib.ax_sim_delays, ctypes.byref(lo), ctypes.byref(hi))
        return (lo.value, hi.value)[bound]

    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        steps = round(tstop / self.dt)
        if abs(steps * self.dt - tstop) > 1e-9 * max(abs(tstop), self.dt):
            raise ValueError("run_until(%r): axon runs on the time grid; %g ms is not a multiple "
                             "of the time step %g ms" % (tstop, tstop, self.dt))
        self.running = True
        self.call(lib.ax_sim_run_until, steps * self.dt)
        self._plastic_changed()

    def _plastic_changed(self):
        """Plastic weights moved (a run) or went back (a reset): read them anew."""
        for p in self.projections:
            if getattr(p, "_plastic", False):
                p._cache = None

    def reset(self):
        """Back to t = 0: the network stays, state returns to the initial values."""
        if self.session is not None:
            self.call(lib.ax_sim_reset)
            self._plastic_changed()
        for p in self.populations:
            for variable, initial_value in p.initial_values.items():
                p._set_initial_value_array(variable, initial_value)
        self.running = False
        self.t_start = 0
        self.segment_counter += 1

    def clear(self):
        self.populations = []
        self.projections = []
        self.current_sources = []
        self.recorders = set()
        self.write_on_end = []
        self.segment_counter = -1
        self.new_session()
        self.reset()


state = State()


class Connection(common.Connection):
    """One synapse of a projection on this rank (index into its local arrays)."""

    def __init__(self, projection, index):
        self.projection = projection
        self.index = index

    @property
    def presynaptic_index(self):
        return int(self.projection._arrays()[0][self.index])

    @property
    def postsynaptic_index(self):
        return int(self.projection._arrays()[1][self.index])

    @property
    def source(self):
        return self.projection.pre[self.presynaptic_index]
    presynaptic_cell = source

    @property
    def target(self):
        return self.projection.post[self.postsynaptic_index]
    postsynaptic_cell = target

    def _get_weight(self):
        return float(self.projection._arrays()[2][self.index])

    def _set_weight(self, w):
        self.projection._set_one(self.index, "weight", w)

    def _get_delay(self):
        return float(self.projection._arrays()[3][self.index])

    def _set_delay(self, d):
        self.projection._set_one(self.index, "delay", d)

    weight = property(_get_weight, _set_weight)
    delay = property(_get_delay, _set_delay)

    def as_tuple(self, *attribute_names):
        return tuple(getattr(self, name) for name in attribute_names)
