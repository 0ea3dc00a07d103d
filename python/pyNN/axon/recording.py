"""Recording for pyNN.axon: spikes and state variables kept in memory by the
session (include/axon/sim.h) and handed to PyNN's common Recorder, which
builds the neo Blocks.

record() is collective in axon (it changes the spec's devices on every
rank), so, as pyNN.nest does, every rank passes every id, not only its own.
Traces have a first row that the engine does not sample: the state when
recording began (PyNN's convention; pyNN.nest prepends it too).
"""
import ctypes

import numpy as np
from pyNN import recording, errors

from . import simulator
from ._lib import lib, enc, i64, f64, ptr

state = simulator.state


class Recorder(recording.Recorder):
    _simulator = simulator

    def __init__(self, population, file=None):
        super().__init__(population, file)
        self.recorded_all = {}

    def record(self, variables, ids, sampling_interval=None):
        """Add the cells in ids (all ranks') to what is recorded."""
        self._check_sampling_interval(sampling_interval)
        if sampling_interval is not None:
            self.sampling_interval = sampling_interval
        ids = list(ids)
        local = set(i for i in ids if i.local)
        for variable in recording.normalize_variables_arg(variables):
            if not self.population.can_record(variable):
                raise errors.RecordingError(variable, self.population.celltype)
            self.recorded[variable] = self.recorded[variable].union(local)
            self.recorded_all.setdefault(variable, set()).update(ids)
            self._record(variable, ids, sampling_interval)

    def _pop(self):
        return self.population._root

    def _native(self, variable):
        if variable == 'spikes':
            return 'spikes', 1.0
        return self.population.celltype.state_map[variable]

    def _record(self, variable, new_ids, sampling_interval=None):
        pop = self._pop()
        native, _ = self._native(variable)
        idx = i64(np.asarray(sorted(int(i) for i in new_ids), dtype=np.int64) - 1 - pop._first_gid)
        interval = self.sampling_interval if sampling_interval is None else sampling_interval
        state.call(lib.ax_sim_record, pop._axon_pop, enc(native), idx.size, ptr(idx),
                   float(interval))

    def _reset(self):
        state.call(lib.ax_sim_record_stop, self._pop()._axon_pop)
        self.recorded_all = {}

    def _clear_simulator(self):
        state.call(lib.ax_sim_record_clear, self._pop()._axon_pop)

    def _spikes(self):
        """(ID array, times) of this rank's recorded spikes since the last clear."""
        pop = self._pop()
        n = ctypes.c_int64(0)
        state.call(lib.ax_sim_spikes_get, pop._axon_pop, ctypes.byref(n), None, None)
        ids = np.empty(n.value, dtype=np.int64)
        times = np.empty(n.value)
        if n.value:
            state.call(lib.ax_sim_spikes_get, pop._axon_pop, ctypes.byref(n), ptr(ids),
                       ptr(times))
        return ids + pop._first_gid + 1, times

    def _get_spiketimes(self, ids, clear=False):
        """{id: spike times}: PyNN 0.10.1 annotates spike trains with source_id
        (which gather_blocks() sorts by, under MPI) only on this path."""
        id_array, times = self._spikes()
        order = np.argsort(id_array, kind="stable")
        id_array, times = id_array[order], times[order]
        bounds = np.searchsorted(id_array, np.asarray([int(i) for i in ids], dtype=np.int64))
        ends = np.searchsorted(id_array, np.asarray([int(i) for i in ids], dtype=np.int64),
                               side="right")
        return {int(i): times[a:b] for i, a, b in zip(ids, bounds, ends)}

    def _get_all_signals(self, variable, ids, clear=False):
        ids = list(ids)
        if not ids:
            return np.array([]), None
        pop = self._pop()
        native, factor = self._native(variable)
        idx = i64(np.asarray([int(i) for i in ids], dtype=np.int64) - 1 - pop._first_gid)
        rows, t0 = ctypes.c_int64(), ctypes.c_double()
        state.call(lib.ax_sim_trace_get, pop._axon_pop, enc(native), idx.size, ptr(idx),
                   ctypes.byref(rows), ctypes.byref(t0), None)
        data = np.empty((rows.value, idx.size))
        state.call(lib.ax_sim_trace_get, pop._axon_pop, enc(native), idx.size, ptr(idx),
                   ctypes.byref(rows), ctypes.byref(t0), ptr(data))
        return data / factor, None

    def _local_count(self, variable, filter_ids=None):
        assert variable == 'spikes'
        wanted = self.filter_recorded('spikes', filter_ids)
        id_array, _ = self._spikes()
        counts = {int(i): 0 for i in wanted}
        u, c = np.unique(id_array, return_counts=True)
        for i, k in zip(u, c):
            if int(i) in counts:
                counts[int(i)] = int(k)
        return counts
