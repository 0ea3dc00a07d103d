"""Population, PopulationView and Assembly of pyNN.axon.

A Population is one population of the session (an entry of its ax_spec):
what every rank agrees on (homogeneous parameters, native distributions) is
set collectively, what PyNN evaluates per neuron is set for this rank's
neurons.
"""
import re
import warnings

import numpy as np
from pyNN import common, errors
from pyNN.parameters import ParameterSpace, Sequence, simplify
from pyNN.random import RandomDistribution
from pyNN.standardmodels import StandardCellType

from . import simulator, _lib
from ._lib import lib, enc, f64, i64, ptr
from .random import NativeRNG, native_dist
from .recording import Recorder

state = simulator.state


def _spec_name(label):
    """A name axon accepts (letters, digits, '_', '-'), unique in the session."""
    base = re.sub(r"[^A-Za-z0-9_-]", "_", label or "population")[:40] or "population"
    taken = {p._axon_name for p in state.populations}
    name, k = base, 1
    while name in taken:
        name = "%s_%d" % (base, k)
        k += 1
    return name


def _grid_t_ref(t):
    dt = state.dt
    g = np.rint(np.asarray(t, dtype=float) / dt) * dt
    if np.any(np.abs(g - t) > 1e-9 * np.maximum(np.abs(t), dt)):
        warnings.warn("tau_refrac %s ms rounded to the time step %g ms: %s ms" % (
            np.unique(t)[:3], dt, np.unique(g)[:3]), errors.RoundingWarning)
    return float(g) if np.ndim(g) == 0 else g


class PopulationMixin(object):

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    @property
    def _root(self):
        """The Population whose neurons these are."""
        p = self
        while isinstance(p, PopulationView):
            p = p.parent
        return p

    def _ids_in_root(self, mask=None):
        """Indices within the root population of this object's cells (local if mask)."""
        cells = self.all_cells if mask is None else self.all_cells[mask]
        return np.asarray(cells, dtype=np.int64) - 1 - self._root._first_gid

    def _native_values(self, ps):
        """(homogeneous {name: value}, per neuron {name: local values}) of a native
        parameter space of this object's shape."""
        homog, local = {}, {}
        for name, value in ps.items():
            if name == "spike_times":
                if value.is_homogeneous:
                    local[name] = [value.evaluate(simplify=True)] * int(self._mask_local.sum())
                else:
                    local[name] = value._partially_evaluate(self._mask_local, simplify=False)
            elif value.is_homogeneous:
                v = value.evaluate(simplify=True)
                homog[name] = v
            else:
                local[name] = np.asarray(value._partially_evaluate(self._mask_local,
                                                                   simplify=False), dtype=float)
        for d in (homog, local):
            if "t_ref" in d:  # D3: the refractory period on the time grid, as NEST rounds it
                d["t_ref"] = _grid_t_ref(d["t_ref"])
        return homog, local

    def _set_parameters(self, parameter_space):
        """parameter_space holds native names and values."""
        parameter_space.shape = (self.size,)
        homog, local = self._native_values(parameter_space)
        root = self._root
        whole = self is root
        ids = self._ids_in_root(self._mask_local)
        for name, v in homog.items():
            v = root._choice_value(name, v)
            if whole:
                state.call(lib.ax_sim_pop_set, root._axon_pop, enc(name), float(v))
            else:
                local[name] = np.full(ids.size, float(v))
        for name, vals in local.items():
            if name == "spike_times":
                root._set_spike_times(ids, vals)
                continue
            vals = f64(vals)
            state.call(lib.ax_sim_pop_set_local, root._axon_pop, enc(name), ids.size,
                       ptr(i64(ids)), ptr(vals))

    def _get_parameters(self, *names):
        root = self._root
        ids = i64(self._ids_in_root(self._mask_local))
        d = {}
        for name in names:
            if name == "spike_times":
                d[name] = [Sequence(t) for t in root._get_spike_times(ids)]
                continue
            out = np.empty(ids.size)
            state.call(lib.ax_sim_pop_get_local, root._axon_pop, enc(name), ids.size, ptr(ids),
                       ptr(out))
            d[name] = simplify(out)
        return ParameterSpace(d, shape=(ids.size,))

    def _set_initial_value_array(self, variable, value):
        root = self._root
        smap = self.celltype.state_map
        if variable not in smap:
            raise errors.NonExistentParameterError(variable, self.celltype.__class__.__name__,
                                                   list(smap))
        native, factor = smap[variable]
        base = value.base_value
        whole = self is root
        if whole and isinstance(base, RandomDistribution) and isinstance(base.rng, NativeRNG) \
                and not value.operations:
            kind, par = native_dist(base, factor)
            state.call(lib.ax_sim_state_init, root._axon_pop, enc(native), kind, ptr(f64(par)))
            return
        if whole and value.is_homogeneous:
            v = value.evaluate(simplify=True) * factor
            state.call(lib.ax_sim_state_init, root._axon_pop, enc(native), 0,
                       ptr(f64([v, 0, 0, 0])))
            return
        if isinstance(base, RandomDistribution) and isinstance(base.rng, NativeRNG):
            raise _lib.AxonNotImplementedError(
                "initial values from NativeRNG distributions are drawn for whole populations "
                "only; use a NumpyRNG for a PopulationView")
        mask = self._mask_local
        if isinstance(base, RandomDistribution) and base.rng.parallel_safe:
            local = value.evaluate()[mask]
        else:
            local = value._partially_evaluate(mask, simplify=True)
        ids = i64(self._ids_in_root(mask))
        vals = f64(np.broadcast_to(np.asarray(local, dtype=float) * factor, ids.shape))
        state.call(lib.ax_sim_state_set_local, root._axon_pop, enc(native), ids.size, ptr(ids),
                   ptr(vals))


class Assembly(common.Assembly):
    __doc__ = common.Assembly.__doc__
    _simulator = simulator


class PopulationView(common.PopulationView, PopulationMixin):
    __doc__ = common.PopulationView.__doc__
    _simulator = simulator
    _assembly_class = Assembly


class Population(common.Population, PopulationMixin):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def __init__(self, size, cellclass, cellparams=None, structure=None, initial_values={},
                 label=None):
        super().__init__(size, cellclass, cellparams, structure, initial_values, label)
        state.populations.append(self)

    def _choice_value(self, name, v):
        ch = getattr(self.celltype, "choices", {}).get(name)
        if ch and isinstance(v, str):
            return ch.index(v)
        return v

    def _create_cells(self):
        ct = self.celltype
        model = getattr(ct, "axon_model", None)
        if model is None:
            raise errors.InvalidModelError("%s is not available in pyNN.axon" % type(ct).__name__)
        if isinstance(ct, StandardCellType):
            ps = ct.native_parameters
        else:
            ps = ct.parameter_space
        ps.shape = (self.size,)
        self._axon_name = _spec_name(self.label)
        gids = np.arange(self.size)  # relative; first_gid known after creation
        n = state.num_processes
        # local mask needs the first gid: every population is appended, so it is the total so far
        first = sum(p.size for p in state.populations)
        self._mask_local = (first + gids) % n == state.mpi_rank
        homog, local = self._native_values(ps)
        times = local.pop("spike_times", None)
        names = [enc(k) for k in homog]
        values = f64([float(self._choice_value(k, v)) for k, v in homog.items()])
        arr_names = (_lib.ctypes.c_char_p * max(len(names), 1))(*names)
        pop = _lib.ctypes.c_int(-1)
        state.call(lib.ax_sim_pop_create, enc(self._axon_name), enc(model), self.size,
                   len(names), _lib.ctypes.cast(arr_names, _lib.ctypes.c_void_p), ptr(values),
                   _lib.ctypes.byref(pop))
        self._axon_pop = pop.value
        n_, first_gid = _lib.ctypes.c_int64(), _lib.ctypes.c_int64()
        lib.ax_sim_pop_size(state.session, self._axon_pop, _lib.ctypes.byref(n_),
                            _lib.ctypes.byref(first_gid))
        self._first_gid = first_gid.value
        assert self._first_gid == first
        self.all_cells = np.array([simulator.ID(self._first_gid + 1 + i) for i in range(self.size)],
                                  dtype=simulator.ID)
        for c in self.all_cells:
            c.parent = self
        ids = i64(np.nonzero(self._mask_local)[0])

        def per_neuron():
            for name, vals in local.items():
                state.call(lib.ax_sim_pop_set_local, self._axon_pop, enc(name), ids.size,
                           ptr(ids), ptr(f64(vals)))
            if times is not None:
                self._set_spike_times(ids, times)
        state.collectively(per_neuron)  # a bad value on any rank fails the creation everywhere

    def _set_spike_times(self, ids, seqs):
        """Spike trains of this rank's sources ids (D7: times off the time grid go
        out in the step that contains them, stamped at its end, as NEST's
        spike_generator with precise times does through a parrot neuron)."""
        dt = state.dt
        trains = []
        for seq in seqs:
            t = np.asarray(seq.value if hasattr(seq, "value") else seq, dtype=float)  # Sequence, ArrayParameter
            if t.size > 1 and np.any(np.diff(t) < 0):
                raise errors.InvalidParameterValueError(
                    "Spike times given to SpikeSourceArray must be in increasing order")
            steps = np.ceil(t / dt - 1e-9)
            if t.size and steps.min() < 1:
                raise errors.InvalidParameterValueError(
                    "spike time %g ms: axon's spike sources emit from the first step on (times "
                    "> 0)" % t.min())
            trains.append(steps * dt)
        ids = i64(ids)
        off = i64(np.concatenate([[0], np.cumsum([t.size for t in trains])]))
        times = f64(np.concatenate(trains) if trains else np.zeros(0))
        state.call(lib.ax_sim_times_set_local, self._axon_pop, ids.size, ptr(ids), ptr(off),
                   ptr(times))

    def _get_spike_times(self, ids):
        ids = i64(ids)
        off = np.zeros(ids.size + 1, dtype=np.int64)
        state.call(lib.ax_sim_times_get_local, self._axon_pop, ids.size, ptr(ids), ptr(off), None)
        times = np.empty(int(off[-1]))
        state.call(lib.ax_sim_times_get_local, self._axon_pop, ids.size, ptr(ids), ptr(off),
                   ptr(times))
        return [times[off[j]:off[j + 1]] for j in range(ids.size)]
