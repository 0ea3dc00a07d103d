"""Current sources of pyNN.axon: DCSource and StepCurrentSource.

Each is a piecewise constant current of the session (ax_sim_current_*). Its
timing is PyNN's (the scenarios ticket226, issue321, issue451, issue487 pin
it): an amplitude that starts at t moves the membrane from the step t -> t + h
on, so v(t) is still untouched and v(t + h) is not. Times are put on the
time grid (nearest step); steps that fall together keep the last amplitude,
as PyNN's other backends do (scenario issue512).
"""
import ctypes

import numpy as np
from pyNN import errors
from pyNN.parameters import ParameterSpace, Sequence
from pyNN.standardmodels import electrodes, build_translations, StandardCurrentSource
from pyNN.common import Population, PopulationView, Assembly

from .. import simulator
from .._lib import lib, f64, i64, ptr

state = simulator.state


class AxonCurrentSource(StandardCurrentSource):
    """Base class: a schedule of (time, amplitude) in the session."""

    def __init__(self, **parameters):
        object.__setattr__(self, "_native", {})
        object.__setattr__(self, "_times", np.zeros(0))
        object.__setattr__(self, "_amps", np.zeros(0))
        object.__setattr__(self, "cell_list", [])
        super().__init__(**parameters)
        src = ctypes.c_int(-1)
        state.call(lib.ax_sim_current_create, 0, None, None, ctypes.byref(src))
        object.__setattr__(self, "_src", src.value)
        state.current_sources.append(self)
        self.set_native_parameters(self.translate(self.parameter_space))

    def inject_into(self, cells):
        if isinstance(cells, (Population, PopulationView, Assembly)):
            cell_list = list(cells.all_cells)
        else:
            cell_list = list(cells)
        for c in cell_list:
            if not c.celltype.injectable:
                raise TypeError("Can't inject current into a spike source.")
        by_pop = {}
        for c in cell_list:
            root = c.parent._root if hasattr(c.parent, "_root") else c.parent
            by_pop.setdefault(root, []).append(int(c) - 1 - root._first_gid)
        for root in sorted(by_pop, key=lambda p: p._axon_pop):
            ids = i64(sorted(by_pop[root]))
            state.call(lib.ax_sim_current_inject, self._src, root._axon_pop, ids.size, ptr(ids))
        self.cell_list.extend(cell_list)

    def _schedule(self, native):
        raise NotImplementedError

    def set_native_parameters(self, parameters):
        parameters.shape = (1,)
        parameters.evaluate(simplify=True)
        native = dict(self._native)
        for name, value in parameters.items():
            native[name] = value.value if isinstance(value, Sequence) else value
        times, amps = self._schedule(native)
        state.call(lib.ax_sim_current_set, self._src, times.size, ptr(f64(times)),
                   ptr(f64(amps)))
        object.__setattr__(self, "_native", native)
        object.__setattr__(self, "_times", times)
        object.__setattr__(self, "_amps", amps)

    def get_native_parameters(self):
        d = {}
        for k, v in self._native.items():
            d[k] = Sequence(v) if isinstance(v, np.ndarray) else v
        return ParameterSpace(d, shape=(1,))

    def get_parameters(self):
        """The source's parameters in PyNN units, evaluated (times on the grid)."""
        ps = self.reverse_translate(self.get_native_parameters())
        ps.evaluate(simplify=True)
        return {k: (v.value if isinstance(v, Sequence) else v) for k, v in ps.items()}

    def _reset(self):
        pass  # schedules are in absolute time; reset changes nothing

    def record(self):
        object.__setattr__(self, "_recording", True)

    def _get_data(self):
        """The injected current at every step from 0 to now (nA), from the
        schedule (exact: it is piecewise constant), with PyNN's convention
        that the value at t is the amplitude that starts at t."""
        dt = state.dt
        n = int(round(state.t / dt))
        t = np.arange(n + 1) * dt
        i = np.zeros(n + 1)
        steps = np.rint(self._times / dt).astype(np.int64)
        for k, s in enumerate(steps):
            if s <= n:
                i[s:] = self._amps[k] / 1000.0
        return t, i


def _on_grid(t, dt):
    return np.rint(np.asarray(t, dtype=float) / dt) * dt


class DCSource(AxonCurrentSource, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = build_translations(
        ('amplitude', 'amplitude', 1000.0),  # nA -> pA
        ('start', 'start'),
        ('stop', 'stop'),
    )

    def _schedule(self, p):
        dt = state.dt
        start, stop, amp = float(p["start"]), float(p["stop"]), float(p["amplitude"])
        if start < 0 or stop < 0:
            raise ValueError("DCSource start and stop must be >= 0 ms")
        start = float(_on_grid(start, dt))
        if stop >= 1e11:  # PyNN's default stop (1e12 ms): never
            return np.array([start]), np.array([amp])
        stop = float(_on_grid(stop, dt))
        if stop <= start:
            return np.zeros(0), np.zeros(0)
        return np.array([start, stop]), np.array([amp, 0.0])


class StepCurrentSource(AxonCurrentSource, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__
    translations = build_translations(
        ('amplitudes', 'amplitude_values', 1000.0),  # nA -> pA
        ('times', 'amplitude_times'),
    )

    def _schedule(self, p):
        times = np.asarray(p.get("amplitude_times", []), dtype=float)
        amps = np.asarray(p.get("amplitude_values", []), dtype=float)
        if times.size != amps.size:
            raise ValueError("StepCurrentSource: %d times but %d amplitudes" % (times.size,
                                                                                 amps.size))
        if times.size and times.min() < 0:
            raise ValueError("Step current cannot accept negative timestamps.")
        if times.size > 1 and np.min(np.diff(times)) <= 0:
            raise ValueError("Step current timestamps should be monotonically increasing.")
        grid = _on_grid(times, state.dt)
        keep = np.ones(grid.size, dtype=bool)
        keep[:-1] = grid[1:] != grid[:-1]  # equal steps: the last amplitude holds
        times, amps = grid[keep], amps[keep]
        p["amplitude_times"] = times
        p["amplitude_values"] = amps
        return times, amps
