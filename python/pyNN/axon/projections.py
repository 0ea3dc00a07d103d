"""Projection of pyNN.axon.

Two ways in: a native connector (pyNN.axon.connectors: whole populations,
NativeRNG or a deterministic rule, weights and delays constant or native
distributions) becomes one projection rule of the session's spec, the same
rule `axon run` builds; any other connector runs in PyNN's Python code and
its connections become explicit lists, one per (pre population, post
population) pair (axon's from_list rule).

Units: PyNN's weights are nA (current), uS (conductance) or, for
IF_curr_delta, mV; axon's are pA, nS, mV. As in pyNN.nest, a weight is
scaled by 1000 (StaticSynapse's translation) times the cell's
receptor_scale, and inhibitory conductances are negative in axon.
"""
import ctypes
import warnings

import numpy as np
from pyNN import common, errors
from pyNN.core import ezip
from pyNN.random import RandomDistribution
from pyNN.space import Space

from . import simulator, _lib
from ._lib import lib, enc, f64, i64, ptr
from .random import NativeRNG, native_dist
from .standardmodels.synapses import StaticSynapse

state = simulator.state


def round_delays(d, dt, what="delay"):
    """Delays on the time grid (NEST's rounding, D4): nearest step, a
    RoundingWarning when a value moved, an error below one step."""
    d = np.asarray(d, dtype=float)
    steps = np.floor(d / dt + 0.5)
    if np.any(steps < 1):
        bad = d[steps < 1].min()
        raise errors.ConnectionError("%s %g ms is below the time step %g ms" % (what, bad, dt))
    out = steps * dt
    moved = np.abs(out - d) > 1e-9 * np.maximum(np.abs(d), dt)
    if np.any(moved):
        warnings.warn("%d %s(s) rounded to the time step %g ms (e.g. %g -> %g)" % (
            int(moved.sum()), what, dt, d[moved][0], out[moved][0]), errors.RoundingWarning)
    return out


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=Space(), label=None):
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population,
                                   connector, synapse_type, source, receptor_type, space, label)
        if getattr(self.synapse_type, "axon_synapse", None) is None:
            raise _lib.AxonNotImplementedError(
                "%s is not available in pyNN.axon yet" % type(self.synapse_type).__name__)
        self._plastic = hasattr(self.synapse_type, "tau_minus")
        if self._plastic:
            self._set_tau_minus()
        self._parts = []      # session projection indices
        self._cache = None    # local (pre index, post index, weight, delay), PyNN units
        self._lists = None    # Python connectors: local connections being collected
        state.projections.append(self)
        connector.connect(self)
        if self._lists is not None:
            self._commit_lists()

    def _set_tau_minus(self):
        """STDP: tau_minus is a parameter of the postsynaptic cells (NEST's
        ArchivingNode), set on them as pyNN.nest does (_set_tau_minus)."""
        from pyNN.parameters import ParameterSpace
        tau = self.synapse_type.tau_minus()
        for p in getattr(self.post, "populations", [self.post]):
            p._set_parameters(ParameterSpace({"tau_minus": tau}, shape=(p.size,)))

    # --- units ---------------------------------------------------------------

    def _receptor(self, post_celltype):
        """axon receptor: 0 auto (one-port models), 1 excitatory, 2 inhibitory."""
        if getattr(post_celltype, "axon_ports", 2) == 1:
            return 0  # one input port: the weight's sign says excitatory or inhibitory
        return 2 if self.receptor_type == "inhibitory" else 1

    def _weight_factor(self, post_celltype):
        f = 1000.0 * getattr(post_celltype, "receptor_scale", 1.0)
        if self.receptor_type == "inhibitory" and post_celltype.conductance_based:
            f = -f  # NEST's and axon's inhibitory conductances are negative weights
        return f

    # --- native rules -----------------------------------------------------------

    def _native_value(self, name, factor):
        """(kind, [4]) for a constant or NativeRNG distribution, else None."""
        value = self.synapse_type.parameter_space[name]
        base = value.base_value
        if value.operations:
            return None
        value = value.copy() if hasattr(value, "copy") else value
        value.shape = self.shape
        if isinstance(base, RandomDistribution):
            if isinstance(base.rng, NativeRNG):
                return native_dist(base, factor)
            return None
        if callable(base) or isinstance(base, np.ndarray) or not value.is_homogeneous:
            return None
        v = float(value.evaluate(simplify=True))
        if name == "delay":
            v = float(round_delays([v], state.dt)[0])
        return 0, [v * factor, 0.0, 0.0, 0.0]

    def _connect_native(self, rule, number=0.0, autapses=True, multapses=True):
        """Make the projection one rule of the session; False if it cannot be."""
        from .populations import Population
        if not (isinstance(self.pre, Population) and isinstance(self.post, Population)):
            return False
        w = self._native_value("weight", self._weight_factor(self.post.celltype))
        d = self._native_value("delay", 1.0)
        if w is None or d is None:
            return False
        syn, syn_par = self.synapse_type.axon_synapse_params(
            self._weight_factor(self.post.celltype), self.post, self.receptor_type)
        proj = ctypes.c_int(-1)
        state.call(lib.ax_sim_proj_rule, self.pre._axon_pop, self.post._axon_pop, rule,
                   float(number), int(bool(autapses)), int(bool(multapses)),
                   self._receptor(self.post.celltype), syn,
                   ptr(f64(syn_par)) if syn_par is not None else None,
                   w[0], ptr(f64(w[1])), d[0], ptr(f64(d[1])), ctypes.byref(proj))
        self._parts.append((proj.value, self.pre, self.post))
        return True

    # --- Python connectors ------------------------------------------------------

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            **connection_parameters):
        if self._lists is None:
            self._lists = {"pre": [], "post": [], "weight": [], "delay": []}
        pre = np.asarray(presynaptic_indices, dtype=np.int64).ravel()
        n = pre.size
        L = self._lists
        L["pre"].append(pre)
        L["post"].append(np.full(n, postsynaptic_index, dtype=np.int64))
        for name in ("weight", "delay"):
            v = connection_parameters[name]
            L[name].append(np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy())

    def _commit_lists(self):
        """The connections PyNN's connector made on this rank become explicit
        lists of the session, one per (pre population, post population)."""
        L = self._lists
        cat = lambda k, dt: np.concatenate(L[k]).astype(dt) if L[k] else np.zeros(0, dt)
        pre, post = cat("pre", np.int64), cat("post", np.int64)
        w, d = cat("weight", float), cat("delay", float)
        self._lists = None
        d = round_delays(d, state.dt) if d.size else d
        pre_pop, pre_id = self._split(self.pre, pre)
        post_pop, post_id = self._split(self.post, post)
        for a in self._pops_of(self.pre):
            for b in self._pops_of(self.post):
                syn, syn_par = self.synapse_type.axon_synapse_params(
                    self._weight_factor(b.celltype), b, self.receptor_type)
                sel = (pre_pop == a._axon_pop) & (post_pop == b._axon_pop)
                # the parameter space gave native weights (x 1000): the cell's factor
                ww = w[sel] / 1000.0 * self._weight_factor(b.celltype)
                proj = ctypes.c_int(-1)
                state.call(lib.ax_sim_proj_list, a._axon_pop, b._axon_pop,
                           self._receptor(b.celltype), syn,
                           ptr(f64(syn_par)) if syn_par is not None else None,
                           int(sel.sum()), ptr(i64(pre_id[sel])), ptr(i64(post_id[sel])),
                           ptr(f64(ww)), ptr(f64(d[sel])), ctypes.byref(proj))
                self._parts.append((proj.value, a, b))
        self._cache = None

    @staticmethod
    def _pops_of(p):
        """The root populations of a Population, view or Assembly, in creation order."""
        from .populations import Population
        pops = p.populations if hasattr(p, "populations") else [p]
        roots = {q._root._axon_pop: q._root for q in pops}
        return [roots[k] for k in sorted(roots)]

    @staticmethod
    def _split(p, idx):
        """(root population index, id within it) of cells idx of p."""
        cells = np.asarray(p.all_cells, dtype=np.int64)[idx] if len(idx) else np.zeros(0, np.int64)
        gid = cells - 1
        pop = np.empty(gid.size, dtype=np.int64)
        ids = np.empty(gid.size, dtype=np.int64)
        for root in Projection._pops_of(p):
            m = (gid >= root._first_gid) & (gid < root._first_gid + root.size)
            pop[m] = root._axon_pop
            ids[m] = gid[m] - root._first_gid
        return pop, ids

    def _to_local_index(self, p, root, ids):
        """Index within p (a Population, view or Assembly) of root's ids."""
        cells = np.asarray(p.all_cells, dtype=np.int64)
        order = np.argsort(cells)
        pos = np.searchsorted(cells[order], ids + root._first_gid + 1)
        return order[pos]

    # --- access -------------------------------------------------------------------

    def _arrays(self):
        """This rank's synapses: (pre index, post index, weight, delay), PyNN units."""
        if self._cache is not None:
            return self._cache
        out = [[], [], [], []]
        for proj, pre, post in self._parts:
            n = ctypes.c_int64()
            state.call(lib.ax_sim_proj_count_local, proj, ctypes.byref(n))
            a = [np.empty(n.value, dtype=np.int64), np.empty(n.value, dtype=np.int64),
                 np.empty(n.value), np.empty(n.value)]
            state.call(lib.ax_sim_proj_get_local, proj, n.value, *[ptr(x) for x in a])
            a[2] = a[2] / self._weight_factor(post.celltype)
            if pre is not self.pre:
                a[0] = self._to_local_index(self.pre, pre, a[0])
            if post is not self.post:
                a[1] = self._to_local_index(self.post, post, a[1])
            for k in range(4):
                out[k].append(a[k])
        self._cache = tuple(np.concatenate(x) if x else np.empty(0, dtype=np.int64 if k < 2 else float)
                            for k, x in enumerate(out))
        return self._cache

    def __len__(self):
        return int(self._arrays()[0].size)

    def __getitem__(self, i):
        if isinstance(i, int):
            if i < 0:
                i += len(self)
            if not 0 <= i < len(self):
                raise IndexError("connection %d of %d" % (i, len(self)))
            return simulator.Connection(self, i)
        return [self[j] for j in range(*i.indices(len(self)))]

    @property
    def connections(self):
        for i in range(len(self)):
            yield simulator.Connection(self, i)

    def _columns(self):
        """Every attribute of this rank's synapses: indices, weight and delay
        (PyNN units), and the synapse type's other parameters (native names
        and values, one per projection, as pyNN.nest gives them)."""
        pre, post, w, d = self._arrays()
        cols = {"presynaptic_index": pre, "postsynaptic_index": post, "weight": w, "delay": d}
        for name in getattr(self.synapse_type, "axon_attributes", ()):
            cols[name] = np.full(pre.size, self.synapse_type.native_value(name))
        return cols

    def _get_attributes_as_list(self, names):
        cols = self._columns()
        for n in names:
            if n not in cols:
                raise errors.NonExistentParameterError(n, type(self.synapse_type).__name__,
                                                       list(cols))
        return list(zip(*[cols[n].tolist() for n in names]))

    def _get_attributes_as_arrays(self, names, multiple_synapses='sum'):
        cols = self._columns()
        pre, post = cols["presynaptic_index"], cols["postsynaptic_index"]
        out = []
        for name in names:
            if name not in cols and name.endswith("s"):
                name = name[:-1]  # weights -> weight
            if name not in cols:
                raise errors.NonExistentParameterError(name, type(self.synapse_type).__name__,
                                                       list(cols))
            vals = cols[name]
            a = np.full((self.pre.size, self.post.size), np.nan)
            if multiple_synapses == "first":
                order = np.arange(vals.size)[::-1]
                a[pre[order], post[order]] = vals[order]
            elif multiple_synapses == "last":
                a[pre, post] = vals
            else:
                op = {"sum": np.add, "min": np.fmin, "max": np.fmax}[multiple_synapses]
                acc = np.full(a.shape, np.nan if multiple_synapses != "sum" else 0.0)
                op.at(acc, (pre, post), vals)
                seen = np.zeros(a.shape, dtype=bool)
                seen[pre, post] = True
                a[seen] = acc[seen]
            out.append(a)
        return out

    def _set_attributes(self, parameter_space):
        """Projection.set(): one value for every synapse keeps a rule; values per
        synapse make the projection an explicit list (t = 0)."""
        if all(v.is_homogeneous for _, v in parameter_space.items()):
            parameter_space.evaluate(simplify=True)
            for name, value in parameter_space.items():
                for proj, pre, post in self._parts:
                    v = float(value)
                    if name == "weight":  # translated (x 1000): apply the cell's factor
                        v = v / 1000.0 * self._weight_factor(post.celltype)
                    elif name == "delay":
                        v = float(round_delays([v], state.dt)[0])
                    elif name not in ("weight", "delay"):
                        raise _lib.AxonNotImplementedError(
                            "Projection.set(%s=...): only weight and delay can change after the "
                            "projection is made in pyNN.axon" % name)
                    state.call(lib.ax_sim_proj_set_all, proj, enc(name), v)
            self._cache = None
            return
        pre, post, _, _ = self._arrays()
        parameter_space.shape = (self.pre.size, self.post.size)
        for name, value in parameter_space.items():
            full = value.evaluate(simplify=False)
            vals = np.asarray(full, dtype=float)[pre, post] if pre.size else np.zeros(0)
            if name == "weight":
                vals = vals / 1000.0  # PyNN units; _set_local applies the cell's factor
            self._set_local(np.arange(pre.size), name, vals)

    def _set_local(self, index, name, values):
        """Set weight or delay (PyNN units) of this rank's synapses index[]."""
        if name not in ("weight", "delay"):
            raise _lib.AxonNotImplementedError("setting %s per synapse" % name)
        index = np.asarray(index, dtype=np.int64)
        values = np.asarray(values, dtype=float)
        if name == "delay":
            values = round_delays(values, state.dt) if values.size else values
        start = 0
        for proj, pre, post in self._parts:
            n = ctypes.c_int64()
            state.call(lib.ax_sim_proj_count_local, proj, ctypes.byref(n))
            sel = (index >= start) & (index < start + n.value)
            if sel.any():
                v = values[sel] * (self._weight_factor(post.celltype) if name == "weight" else 1.0)
                idx = i64(index[sel] - start)
                state.call(lib.ax_sim_proj_set_local, proj, enc(name), idx.size, ptr(idx),
                           ptr(f64(v)))
            start += n.value
        self._cache = None

    def _set_one(self, index, name, value):
        self._set_local([index], name, [value])
