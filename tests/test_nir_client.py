#!/usr/bin/python3
"""NIR export and import checked with the real client library (nir 1.0.7).

Issue 14, item 1. The contract tested here is written out in the design
notes (docs/export.md "NIR" once implemented): graph time unit seconds,
spikes are Dirac pulses of integral 1 (NIR's own definition, neuromorphs/NIR
paper/01_lif/debug_spike_representation/README.md), exact integration of the
NIR ODEs at the run's resolution, Input nodes driven by `axon run
--nir-input NAME=spikes:FILE|poisson:HZ|const:V[,V...]`, Output nodes
recorded as /spikes/<population>, population = NIR node path ('.' between
subgraph levels) with every character outside [A-Za-z0-9_-] turned into
'_' (and '_' prepended when it does not start with a letter or '_').

Sections (run one with --only a|b|c|d; --large adds brunel_delta/brunel_exp
to (a), also AXON_NIR_LARGE=1):

(a) every network spec in examples/: `axon export --target nir` must be
    refused without --allow-approx when NIR cannot hold a setting (t_ref),
    and with it must give a file that nir.read() loads with its default
    type checks; the graph is then checked against the spec: neuron
    parameters, weights (through the NIR equations, so in axon's units),
    synapse counts per target (fixed_indegree), delays, one Input node per
    generator and target population (companion inputs.json: rate, spike
    times, amplitude), one Output node per recorded population.
(b) graphs written by nir.write (nir/serialization.py) with the nir API:
    the shapes snnTorch (snntorch/export_nir.py: Affine -> CubaLIF, RLeaky/
    RSynaptic subgraph {input, lif, w_rec, output}, r = tau/dt, w_in =
    tau_syn/dt, float32) and Norse (norse/torch/utils/export_nir.py: r = 1,
    w_in = 1) write, recurrent (an Affine from a neuron node back to
    itself), IF, Scale, Threshold, an edge-less graph, and the graphs of
    nir's own test suite (neuromorphs/NIR v1.0.7 tests/test_readwrite.py,
    tests/test_architectures.py), each rewritten in every string encoding
    h5py produces (variable-length UTF-8 as nir writes it, variable-length
    ASCII, fixed-length NUL-padded ASCII and UTF-8, NUL-terminated,
    space-padded, gzip-compressed arrays as nir > 1.0.7 writes them).
    `axon run` must run them, and its spikes must equal those of the NIR
    equations integrated exactly on the same grid (RefNet below); graphs
    with unsupported nodes must be refused with the node named.
(c) Input -> Affine -> CubaLIF -> Output with a constant input: the first
    spike time in closed form (derivation in test_c_closed_form).
(d) Poisson-driven inputs: rate and multiplicity; the same spikes on 1x1
    and 2 ranks x 2 threads.

Exit 0: all pass; 1: a failure (each printed); 77: numpy or h5py missing.
"""
import json
import re
import math
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("top_srcdir") or os.path.dirname(HERE)
BUILD = os.environ.get("top_builddir") or SRC
AXON = os.environ.get("AXON") or os.path.join(BUILD, "axon")

try:
    import h5py
    import numpy as np
except ImportError as e:  # the only reason to skip
    print(f"SKIP: {e} (Debian: apt-get install python3-numpy python3-h5py)")
    sys.exit(77)


def _nir_path():
    """../shared/thirdparty/python next to the source tree, else
    $AXON_THIRDPARTY_PY (a worktree elsewhere, CI)."""
    cands = [os.path.join(SRC, "..", "shared", "thirdparty", "python")]
    if os.environ.get("AXON_THIRDPARTY_PY"):
        cands.append(os.environ["AXON_THIRDPARTY_PY"])
    for c in cands:
        if os.path.isfile(os.path.join(c, "nir", "__init__.py")):
            return os.path.abspath(c)
    print("FAIL: the nir package is not found in " + " or ".join(cands) +
          " (set AXON_THIRDPARTY_PY to the folder holding nir/)")
    sys.exit(1)


sys.path.insert(0, _nir_path())
import nir  # noqa: E402

if getattr(nir, "__version__", None) != "1.0.7":
    print(f"note: nir {getattr(nir, '__version__', '?')} (tests written for 1.0.7)")

FAILS = []
ONLY = None
LARGE = os.environ.get("AXON_NIR_LARGE") == "1"
WORK = tempfile.mkdtemp(prefix="axon_nir_client.")


def fail(case, msg):
    FAILS.append(case)
    print(f"FAIL {case}: {msg}")


def ok(case, msg=""):
    print(f"ok   {case}{': ' + msg if msg else ''}")


def sh(args, timeout=600):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env)
    return p.returncode, p.stdout, p.stderr


def last_line(s):
    s = s.strip().splitlines()
    return s[-1] if s else "(no message)"


# --------------------------------------------------------------------------
# NIR equations on axon's grid (reference for (b) and (c))
# --------------------------------------------------------------------------

class RefNet:
    """The NIR continuous-time equations (nir/ir/neuron.py docstrings)
    integrated exactly between grid points t_k = k h, as axon must:

      LIF      tau dv/dt = (v_leak - v) + r u(t)
      CubaLIF  tau_syn dI/dt = -I + w_in u(t);  tau_mem dv/dt = (v_leak - v) + r I
      IF       dv/dt = r u(t)

    u = W z + b (Affine), z = sum of Dirac pulses of integral `area` (graph
    time units) per spike, so a spike of weight W moves v by r W area / tau
    (LIF), r W area (IF), or I by w_in W area / tau_syn (CubaLIF). A spike
    arriving at t_k acts at t_k (the voltage jump is tested against the
    threshold at t_k; a current jump acts on v after t_k). Spike if
    v >= v_threshold at a grid point, then v = v_reset; no refractory time.
    Initial state v = v_leak (IF: 0), I = 0; constant drives start at t = 0.
    Delays: an Input spike at t arrives at t; an edge from a neuron without
    a Delay node takes one step h; a Delay node d takes d.
    Times in ms; parameters in graph units (tunit ms per unit, 1000 = s).
    """

    def __init__(self, h, t_sim, tunit=1000.0, area=1.0):
        self.h, self.t_sim, self.tu, self.area = h, t_sim, tunit, area
        self.pops, self.order, self.inputs, self.conns = {}, [], {}, []

    def pop(self, name, kind, n, **p):
        q = {k: np.broadcast_to(np.asarray(v, dtype=float).reshape(-1), (n,)).copy() for k, v in p.items()}
        q.setdefault("v_reset", np.zeros(n))
        q.setdefault("v_leak", np.zeros(n))
        self.pops[name] = dict(kind=kind, n=n, p=q, u=np.zeros(n))
        self.order.append(name)

    def spikes_in(self, name, trains):
        self.inputs[name] = ("spikes", trains)

    def const_in(self, name, values):
        self.inputs[name] = ("const", np.asarray(values, dtype=float))

    def conn(self, src, tgt, W, delay_ms=None):
        self.conns.append((src, tgt, np.asarray(W, dtype=float), delay_ms))

    def bias(self, tgt, b):
        self.pops[tgt]["u"] += np.asarray(b, dtype=float).reshape(-1)

    def run(self, eps=0.0):
        h, tu, steps = self.h, self.tu, int(round(self.t_sim / self.h))
        u = {k: p["u"].copy() for k, p in self.pops.items()}
        pend = {}  # step -> list of (pop, vector)
        for src, tgt, W, d in self.conns:
            if src in self.inputs and self.inputs[src][0] == "const":
                u[tgt] += W @ self.inputs[src][1]
            elif src in self.inputs:
                for ch, times in enumerate(self.inputs[src][1]):
                    for t in times:
                        k = int(round(t / h)) + (int(round(d / h)) if d else 0)
                        pend.setdefault(k, []).append((tgt, W[:, ch]))
        st = {}
        for k, P in self.pops.items():
            p = P["p"]
            st[k] = dict(v=(p["v_leak"].copy() if P["kind"] not in ("IF", "CubaIF") else np.zeros(P["n"])),
                         I=np.zeros(P["n"]))
        out = {k: [] for k in self.pops}
        for step in range(1, steps + 1):
            for k in self.order:
                P, s, p = self.pops[k], st[k], self.pops[k]["p"]
                if P["kind"] == "LIF":
                    vinf = p["v_leak"] + p["r"] * u[k]
                    s["v"] = vinf + (s["v"] - vinf) * np.exp(-h / (p["tau"] * tu))
                elif P["kind"] == "IF":
                    s["v"] = s["v"] + p["r"] * u[k] * h / tu
                elif P["kind"] == "CubaIF":   # dv/dt = r I, tau_syn dI/dt = -I + w_in u
                    ts = p["tau_syn"] * tu
                    iinf = p["w_in"] * u[k]
                    s["v"] = s["v"] + p["r"] / tu * (iinf * h + (s["I"] - iinf) * ts * (1 - np.exp(-h / ts)))
                    s["I"] = iinf + (s["I"] - iinf) * np.exp(-h / ts)
                else:
                    ts, tm = p["tau_syn"] * tu, p["tau_mem"] * tu
                    iinf = p["w_in"] * u[k]
                    vinf = p["v_leak"] + p["r"] * iinf
                    K = p["r"] * (s["I"] - iinf) * ts / (ts - tm)
                    s["v"] = vinf + K * np.exp(-h / ts) + (s["v"] - vinf - K) * np.exp(-h / tm)
                    s["I"] = iinf + (s["I"] - iinf) * np.exp(-h / ts)
            for tgt, x in pend.pop(step, []):
                P, s, p = self.pops[tgt], st[tgt], self.pops[tgt]["p"]
                if P["kind"] == "LIF":
                    s["v"] = s["v"] + p["r"] * x * self.area / p["tau"]
                elif P["kind"] == "IF":
                    s["v"] = s["v"] + p["r"] * x * self.area
                elif P["kind"] == "CubaIF":
                    s["I"] = s["I"] + p["w_in"] * x * self.area / p["tau_syn"]
                else:
                    s["I"] = s["I"] + p["w_in"] * x * self.area / p["tau_syn"]
            fired = {}
            for k in self.order:
                s, p = st[k], self.pops[k]["p"]
                z = s["v"] >= p["v_threshold"] + eps
                if z.any():
                    fired[k] = z.astype(float)
                    s["v"] = np.where(z, p["v_reset"], s["v"])
                    out[k] += [(step, int(i)) for i in np.nonzero(z)[0]]
            for src, tgt, W, d in self.conns:
                if src in fired:
                    k = step + (int(round(d / h)) if d else 1)
                    pend.setdefault(k, []).append((tgt, W @ fired[src]))
        return {k: sorted(v) for k, v in out.items()}

    def expected(self):
        """Spikes as sorted (step, id) per population; refuses a case whose
        outcome would flip with a 1e-7 change of the thresholds."""
        a, b, c = self.run(-1e-7), self.run(0.0), self.run(1e-7)
        if not (a == b == c):
            raise RuntimeError("test case is ill-conditioned (a spike within 1e-7 of threshold)")
        return b


def spikes_h5(path, h):
    out = {}
    with h5py.File(path, "r") as f:
        for pop in f.get("spikes", {}):
            ids = f["spikes"][pop]["node_ids"][()]
            ts = f["spikes"][pop]["timestamps"][()]
            out[pop] = sorted((int(round(t / h)), int(i)) for t, i in zip(ts, ids))
    return out


def fmt(sp, h, limit=6):
    return "{" + ", ".join(f"{k}: {[(round(s * h, 4), i) for s, i in v[:limit]]}{'...' if len(v) > limit else ''}"
                           for k, v in sorted(sp.items())) + "}"


# --------------------------------------------------------------------------
# string encodings h5py can produce
# --------------------------------------------------------------------------

ENCODINGS = ["nir", "vlen-ascii", "fixed-ascii-nullpad", "fixed-utf8-nullpad", "fixed-nullterm",
             "fixed-spacepad", "gzip"]


def _put_lowlevel(go, name, strs, shape, pad, cset=h5py.h5t.CSET_ASCII):
    """Fixed-length strings through h5py's low-level API (its high-level
    API cannot write UTF-8, NUL-terminated or space-padded fixed strings)."""
    raw = [s.encode("utf-8") for s in strs]
    size = max([len(b) for b in raw] + [1]) + (1 if pad == h5py.h5t.STR_NULLTERM else 0)
    fill = b" " if pad == h5py.h5t.STR_SPACEPAD else b"\0"
    arr = np.array([b.ljust(size, fill) for b in raw], dtype=f"S{size}").reshape(shape)
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(size)
    tid.set_strpad(pad)
    tid.set_cset(cset)
    space = h5py.h5s.create(h5py.h5s.SCALAR) if shape == () else h5py.h5s.create_simple(shape)
    dset = h5py.h5d.create(go.id, name.encode(), tid, space)
    if arr.size:
        dset.write(h5py.h5s.ALL, h5py.h5s.ALL, arr, mtype=tid)


def _put_str(go, name, value, enc):
    if isinstance(value, (bytes, str)):
        strs, shape = [value.decode() if isinstance(value, bytes) else value], ()
    else:
        shape = value.shape
        strs = [x.decode() if isinstance(x, bytes) else x for x in value.reshape(-1)]
    asc = [s.encode("ascii", "backslashreplace").decode() for s in strs]
    if enc in ("nir", "gzip"):
        d = strs[0] if shape == () else np.array(strs, dtype=object).reshape(shape)
        go.create_dataset(name, data=d, dtype=h5py.string_dtype("utf-8"))
    elif enc == "vlen-ascii":
        d = np.array([s.encode() for s in asc], dtype=object).reshape(shape)
        go.create_dataset(name, data=d if shape else d.reshape(()), dtype=h5py.string_dtype("ascii"))
    elif enc == "fixed-ascii-nullpad":  # numpy 'S': h5py writes NULLPAD, ASCII
        d = np.array([s.encode() for s in asc]).reshape(shape)
        go.create_dataset(name, data=d)
    elif enc == "fixed-utf8-nullpad":
        _put_lowlevel(go, name, strs, shape, h5py.h5t.STR_NULLPAD, h5py.h5t.CSET_UTF8)
    elif enc == "fixed-nullterm":
        _put_lowlevel(go, name, asc, shape, h5py.h5t.STR_NULLTERM)
    elif enc == "fixed-spacepad":
        _put_lowlevel(go, name, asc, shape, h5py.h5t.STR_SPACEPAD)
    else:
        raise ValueError(enc)


def reencode(src, dst, enc, empty_edges_as_strings=False):
    """Copy a NIR file, writing every string dataset in encoding `enc`."""
    with h5py.File(src, "r") as fi, h5py.File(dst, "w") as fo:
        def copy(gi, go):
            for k, v in gi.items():
                if isinstance(v, h5py.Group):
                    copy(v, go.create_group(k))
                elif h5py.check_string_dtype(v.dtype) is not None:
                    _put_str(go, k, v[()], enc)
                elif k == "edges" and v.size == 0 and empty_edges_as_strings:
                    go.create_dataset(k, shape=(0, 2), dtype=h5py.string_dtype("utf-8"))
                elif enc == "gzip" and v.shape not in ((), (0,)):
                    go.create_dataset(k, data=v[()], dtype=v.dtype, compression="gzip")
                else:
                    go.create_dataset(k, data=v[()], dtype=v.dtype)
        copy(fi, fo)


# --------------------------------------------------------------------------
# (b) graphs written by nir.write
# --------------------------------------------------------------------------

def lif(n, tau, r, v_th, v_leak=0.0, v_reset=0.0, dtype=float):
    f = lambda x: np.full(n, x, dtype=dtype) if np.isscalar(x) else np.asarray(x, dtype=dtype)  # noqa: E731
    return nir.LIF(tau=f(tau), r=f(r), v_leak=f(v_leak), v_threshold=f(v_th), v_reset=f(v_reset))


def cubalif(n, tau_syn, tau_mem, r, w_in, v_th, v_leak=0.0, v_reset=0.0, dtype=float):
    f = lambda x: np.full(n, x, dtype=dtype) if np.isscalar(x) else np.asarray(x, dtype=dtype)  # noqa: E731
    return nir.CubaLIF(tau_syn=f(tau_syn), tau_mem=f(tau_mem), r=f(r), v_leak=f(v_leak),
                       v_threshold=f(v_th), v_reset=f(v_reset), w_in=f(w_in))


class Case:
    """A graph, how to drive it, and what the NIR equations say it does."""

    def __init__(self, name, graph, ref=None, inputs=None, t_sim=None, dt=0.1, flags=(), encodings=("nir",),
                 refuse=None):
        self.name, self.graph, self.ref, self.inputs = name, graph, ref, inputs or {}
        self.t_sim, self.dt, self.flags, self.encodings = t_sim, dt, list(flags), encodings
        self.refuse = refuse


def case_ff_lif():
    """Input -> Affine -> LIF -> Output (snnTorch Leaky / Norse LIFBox shape).
    tau = 10 ms, r = 2: a spike of weight W moves v by r W / tau = 200 W.
    The matrix is (out, in): W[2, 0] reaches neuron 2 from channel 0, and a
    transposed reading would not make neuron 2 fire at 5.5 ms. Neuron 1 has
    a bias (constant drive r b = 0.2 from t = 0) and needs two spikes 1 ms
    apart (not 10 ms apart) to fire, which only holds with tau in seconds."""
    W = np.array([[0.01, 0.0, 0.0], [0.0, 0.003, 0.0], [0.004, 0.0, 0.004]])
    b = np.array([0.0, 0.1, 0.0])
    g = nir.NIRGraph(nodes={"in": nir.Input(np.array([3])), "fc": nir.Affine(weight=W, bias=b),
                            "lif": lif(3, 0.01, 2.0, 1.0), "out": nir.Output(np.array([3]))},
                     edges=[("in", "fc"), ("fc", "lif"), ("lif", "out")],
                     metadata={"note": "written by tests/test_nir_client.py", "tau_unit": "s (\u03c4)"})
    trains = [[5.0, 30.0], [20.0, 21.0, 40.0, 50.0], [5.5]]
    ref = RefNet(0.1, 60.0)
    ref.pop("lif", "LIF", 3, tau=0.01, r=2.0, v_threshold=1.0)
    ref.spikes_in("in", trains)
    ref.conn("in", "lif", W)
    ref.bias("lif", b)
    return Case("ff_lif", g, ref, {"in": ("spikes", trains)}, 60.0, encodings=ENCODINGS)


def case_ff_cubalif():
    """Input -> Affine -> CubaLIF -> Output, Norse's convention (r = 1,
    w_in = 1), excitatory and inhibitory weights, a bias."""
    W = np.array([[0.014, -0.01], [0.009, 0.0]])
    b = np.array([0.0, 0.05])
    g = nir.NIRGraph(nodes={"input": nir.Input(np.array([2])), "affine": nir.Affine(weight=W, bias=b),
                            "cuba": cubalif(2, 0.002, 0.01, 1.0, 1.0, 1.0), "output": nir.Output(np.array([2]))},
                     edges=[("input", "affine"), ("affine", "cuba"), ("cuba", "output")])
    trains = [[2.0, 12.0, 12.5, 30.0], [12.2, 40.0]]
    ref = RefNet(0.1, 60.0)
    ref.pop("cuba", "CubaLIF", 2, tau_syn=0.002, tau_mem=0.01, r=1.0, w_in=1.0, v_threshold=1.0)
    ref.spikes_in("input", trains)
    ref.conn("input", "cuba", W)
    ref.bias("cuba", b)
    return Case("ff_cubalif", g, ref, {"input": ("spikes", trains)}, 60.0)


def case_recurrent(delay):
    """Recurrent: an Affine from the LIF node back to itself (snnTorch RLeaky
    flattened). Neuron 0 fires at each input spike; w_rec[1, 0] makes neuron
    1 fire one step later (no Delay node: one step h) or after the Delay."""
    Win = np.array([[0.02, 0.0], [0.0, 0.0]])
    Wrec = np.array([[0.0, 0.0], [0.02, 0.0]])
    nodes = {"in": nir.Input(np.array([2])), "fc": nir.Affine(weight=Win, bias=np.zeros(2)),
             "lif": lif(2, 0.02, 1.0, 0.5), "w_rec": nir.Affine(weight=Wrec, bias=np.zeros(2)),
             "out": nir.Output(np.array([2]))}
    edges = [("in", "fc"), ("fc", "lif"), ("lif", "w_rec"), ("lif", "out")]
    if delay:
        nodes["d"] = nir.Delay(np.array([delay, delay]))
        edges += [("w_rec", "d"), ("d", "lif")]
    else:
        edges += [("w_rec", "lif")]
    g = nir.NIRGraph(nodes=nodes, edges=edges)
    trains = [[10.0, 25.0], []]
    ref = RefNet(0.1, 40.0)
    ref.pop("lif", "LIF", 2, tau=0.02, r=1.0, v_threshold=0.5)
    ref.spikes_in("in", trains)
    ref.conn("in", "lif", Win)
    ref.conn("lif", "lif", Wrec, delay * 1000.0 if delay else None)
    return Case("recurrent" + ("_delay" if delay else ""), g, ref, {"in": ("spikes", trains)}, 40.0)


def snntorch_rsynaptic(n_in, n, seed, nested):
    """The graph snnTorch's export_to_nir writes for Linear -> RSynaptic ->
    Linear -> Synaptic (snntorch/export_nir.py: dt = 1e-4 s, tau = dt/(1-x),
    r = tau_mem/dt, w_in = tau_syn/dt, v_leak = 0, v_reset = 0, float32),
    either nested ({input, lif, w_rec, output} subgraph named lif1, as the
    export writes it) or flattened (nodes lif1.lif / lif1.w_rec, as in the
    braille graph of the NIR paper, paper/03_rnn). With area = dt a spike
    of weight W moves I by W/dt * dt ... as snnTorch's own step does."""
    rng = np.random.default_rng(seed)
    dt = 1e-4
    f32 = np.float32
    alpha, beta = 0.5, 0.9
    ts, tm = dt / (1 - alpha), dt / (1 - beta)

    def syn(k):
        return cubalif(k, ts, tm, tm / dt, ts / dt, 1.0, dtype=f32)
    W1 = (rng.uniform(0.0, 0.6, (n, n_in))).astype(f32)
    b1 = rng.uniform(-0.02, 0.02, n).astype(f32)
    Wr = (rng.uniform(-0.3, 0.3, (n, n))).astype(f32)
    W2 = (rng.uniform(0.0, 0.5, (2, n))).astype(f32)
    b2 = np.zeros(2, dtype=f32)
    if nested:
        sub = nir.NIRGraph(nodes={"input": nir.Input(np.array([n])), "lif": syn(n),
                                  "w_rec": nir.Linear(weight=Wr), "output": nir.Output(np.array([n]))},
                           edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")])
        nodes = {"input": nir.Input(np.array([n_in])), "fc1": nir.Affine(weight=W1, bias=b1), "lif1": sub,
                 "fc2": nir.Affine(weight=W2, bias=b2), "lif2": syn(2), "output": nir.Output(np.array([2]))}
        edges = [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"), ("lif2", "output"),
                 ("lif1", "hidden")]
    else:
        nodes = {"input": nir.Input(np.array([n_in])), "fc1": nir.Affine(weight=W1, bias=b1),
                 "lif1.lif": syn(n), "lif1.w_rec": nir.Affine(weight=Wr, bias=np.zeros(n, dtype=f32)),
                 "fc2": nir.Affine(weight=W2, bias=b2), "lif2": syn(2), "output": nir.Output(np.array([2]))}
        edges = [("input", "fc1"), ("lif1.w_rec", "lif1.lif"), ("fc2", "lif2"), ("lif1.lif", "lif1.w_rec"),
                 ("lif2", "output"), ("fc1", "lif1.lif"), ("lif1.lif", "fc2"), ("lif1.lif", "hidden")]
    nodes["hidden"] = nir.Output(np.array([n]))   # record the recurrent layer too
    g = nir.NIRGraph(nodes=nodes, edges=edges)
    trains = [sorted(set(np.round(rng.uniform(1.0, 45.0, 6), 1).tolist())) for _ in range(n_in)]
    ref = RefNet(0.1, 50.0, area=dt)
    P = dict(tau_syn=f32(ts), tau_mem=f32(tm), r=f32(tm / dt), w_in=f32(ts / dt), v_threshold=1.0)
    ref.pop("lif1_lif", "CubaLIF", n, **P)
    ref.pop("lif2", "CubaLIF", 2, **P)
    ref.spikes_in("input", trains)
    ref.conn("input", "lif1_lif", W1)
    ref.bias("lif1_lif", b1)
    ref.conn("lif1_lif", "lif1_lif", Wr)
    ref.conn("lif1_lif", "lif2", W2)
    name = "snntorch_rsynaptic_" + ("nested" if nested else "flat")
    return Case(name, g, ref, {"input": ("spikes", trains)}, 50.0, flags=["--nir-spike-area", "1e-4"],
                encodings=ENCODINGS if nested else ("nir", "fixed-ascii-nullpad"))


def case_if():
    """Input -> Linear -> IF -> Output: no leak, so two spikes of 0.6 fire
    the neuron however far apart (Norse IAFCell: r = 1)."""
    W = np.array([[0.6, 0.0], [0.0, 0.3]])
    g = nir.NIRGraph(nodes={"in": nir.Input(np.array([2])), "lin": nir.Linear(weight=W),
                            "iaf": nir.IF(r=np.ones(2), v_threshold=np.ones(2), v_reset=np.zeros(2)),
                            "out": nir.Output(np.array([2]))},
                     edges=[("in", "lin"), ("lin", "iaf"), ("iaf", "out")])
    trains = [[5.0, 55.0], [10.0, 20.0, 30.0, 40.0]]
    ref = RefNet(0.1, 80.0)
    ref.pop("iaf", "IF", 2, r=1.0, v_threshold=1.0)
    ref.spikes_in("in", trains)
    ref.conn("in", "iaf", W)
    return Case("if", g, ref, {"in": ("spikes", trains)}, 80.0)


def case_cubaif():
    """A CubaIF node (current-based integrate-and-fire: no leak). Neither
    nir 1.0.7 nor NIR main has it, so the file is a CubaLIF graph rewritten
    with h5py: type "CubaIF", no tau_mem / v_leak (the fields a CubaIF
    would have). Spikes through the synapse plus a bias."""
    W = np.array([[1.2, 0.0], [0.5, 0.5]])   # a spike moves I by W / tau_syn, so v by r W in all
    b = np.array([0.0, 20.0])                 # neuron 1 also integrates a bias: 10 per s
    g = nir.NIRGraph(nodes={"in": nir.Input(np.array([2])), "fc": nir.Affine(weight=W, bias=b),
                            "ci": cubalif(2, 0.005, 1.0, 0.5, 1.0, 1.0), "out": nir.Output(np.array([2]))},
                     edges=[("in", "fc"), ("fc", "ci"), ("ci", "out")])
    trains = [[3.0, 3.5, 4.0, 20.0, 60.0, 61.0], [10.0, 30.0]]
    ref = RefNet(0.1, 150.0)
    ref.pop("ci", "CubaIF", 2, tau_syn=0.005, r=0.5, w_in=1.0, v_threshold=1.0)
    ref.spikes_in("in", trains)
    ref.conn("in", "ci", W)
    ref.bias("ci", b)
    c = Case("cubaif", g, ref, {"in": ("spikes", trains)}, 150.0)

    def to_cubaif(path):
        with h5py.File(path, "r+") as f:
            n = f["node/nodes/ci"]
            del n["type"], n["tau_mem"], n["v_leak"]
            n.create_dataset("type", data="CubaIF", dtype=h5py.string_dtype())
    c.rewrite = to_cubaif
    return c


def case_scale():
    """Scale after an Affine, and Scale straight from an Input into a LIF
    (y = s * x, folded into the weights). Neuron 0 fires at 5.5 ms only if
    the factor 2 is applied (0.8 + 0.8 e^{-0.05} >= 1; 0.4 + ... is not)."""
    W = np.array([[0.004, 0.0], [0.0, 0.004]])
    s1, s2 = np.array([2.0, 0.5]), np.array([0.0, 0.004])
    g = nir.NIRGraph(nodes={"in": nir.Input(np.array([2])), "fc": nir.Affine(weight=W, bias=np.zeros(2)),
                            "sc": nir.Scale(scale=s1), "in2": nir.Input(np.array([2])),
                            "sc2": nir.Scale(scale=s2), "lif": lif(2, 0.01, 1.0, 1.0),
                            "out": nir.Output(np.array([2]))},
                     edges=[("in", "fc"), ("fc", "sc"), ("sc", "lif"), ("in2", "sc2"), ("sc2", "lif"),
                            ("lif", "out")])
    t1, t2 = [[5.0, 5.5, 20.0], [5.0, 20.0]], [[], [30.0, 30.5, 31.0, 31.5]]
    ref = RefNet(0.1, 40.0)
    ref.pop("lif", "LIF", 2, tau=0.01, r=1.0, v_threshold=1.0)
    ref.spikes_in("in", t1)
    ref.spikes_in("in2", t2)
    ref.conn("in", "lif", s1[:, None] * W)
    ref.conn("in2", "lif", np.diag(s2))
    return Case("scale", g, ref, {"in": ("spikes", t1), "in2": ("spikes", t2)}, 40.0)


def case_threshold():
    """LIF -> Threshold(0.5) -> Affine -> LIF: a Threshold right after a
    spiking node passes its 0/1 output unchanged (NIR: z = 1 if x > 0.5)."""
    g = nir.NIRGraph(nodes={"in": nir.Input(np.array([1])), "fc": nir.Affine(weight=np.array([[0.02]]),
                                                                             bias=np.zeros(1)),
                            "a": lif(1, 0.01, 1.0, 1.0), "th": nir.Threshold(np.array([0.5])),
                            "fc2": nir.Affine(weight=np.array([[0.015]]), bias=np.zeros(1)),
                            "b": lif(1, 0.01, 1.0, 1.0), "out": nir.Output(np.array([1]))},
                     edges=[("in", "fc"), ("fc", "a"), ("a", "th"), ("th", "fc2"), ("fc2", "b"), ("b", "out")])
    trains = [[4.0, 17.0]]
    ref = RefNet(0.1, 30.0)
    ref.pop("a", "LIF", 1, tau=0.01, r=1.0, v_threshold=1.0)
    ref.pop("b", "LIF", 1, tau=0.01, r=1.0, v_threshold=1.0)
    ref.spikes_in("in", trains)
    ref.conn("in", "a", [[0.02]])
    ref.conn("a", "b", [[0.015]])
    # only b feeds the Output; --nir-record all records a too
    return Case("threshold", g, ref, {"in": ("spikes", trains)}, 30.0, flags=["--nir-record", "all"])


def case_edgeless():
    """One self-driven LIF and no edges at all (nir.write stores `edges` as
    a float64 array of shape (0,)); no Output node, so axon records every
    spiking node. v_leak = 1.2 > v_threshold: v starts at v_leak, fires at
    the first grid point, then every tau ln(1.2/0.2) (two_lif_neurons.nir's
    lif1, neuromorphs/NIR paper/01_lif/debug_spike_representation)."""
    g = nir.NIRGraph(nodes={"lif1": lif(1, 0.01, 1.0, 1.0, v_leak=1.2)}, edges=[], type_check=False)
    ref = RefNet(0.1, 100.0)
    ref.pop("lif1", "LIF", 1, tau=0.01, r=1.0, v_threshold=1.0, v_leak=1.2)
    return Case("edgeless", g, ref, t_sim=100.0, encodings=ENCODINGS)


def case_two_lif():
    """neuromorphs/NIR paper/01_lif/debug_spike_representation/create_model.py
    rebuilt: in -> linear1 -> lif1 (self-spiking) -> linear2 -> lif2 with
    Dirac spikes: each lif1 spike moves lif2 by r W / tau = 100 >= 20."""
    one = np.array([1.0])
    g = nir.NIRGraph(nodes={"in": nir.Input(np.array([1])), "linear1": nir.Linear(weight=np.array([[1.0]])),
                            "lif1": nir.LIF(tau=np.array([0.01]), r=one, v_leak=np.array([1.2]), v_threshold=one),
                            "linear2": nir.Linear(weight=np.array([[1.0]])),
                            "lif2": nir.LIF(tau=np.array([0.01]), r=one, v_leak=np.array([0.0]),
                                            v_threshold=np.array([20.0])),
                            "out": nir.Output(np.array([1]))},
                     edges=[("in", "linear1"), ("linear1", "lif1"), ("lif1", "linear2"), ("linear2", "lif2"),
                            ("lif2", "out")])
    ref = RefNet(0.1, 100.0)
    ref.pop("lif1", "LIF", 1, tau=0.01, r=1.0, v_threshold=1.0, v_leak=1.2)
    ref.pop("lif2", "LIF", 1, tau=0.01, r=1.0, v_threshold=20.0)
    ref.conn("lif1", "lif2", [[1.0]])
    c = Case("two_lif_neurons", g, ref, t_sim=100.0)
    c.record_only = ["lif2"]   # only lif2 feeds an Output node
    return c


def nir_suite():
    """Graphs of nir's own test suite (neuromorphs/NIR v1.0.7 tests/), built
    with the same nir calls (mock_affine = Affine(randn(in, out).T,
    randn(out)); fixed seed). Integer parameter arrays as there."""
    rng = np.random.default_rng(7)

    def mock_affine(i, o):
        return nir.Affine(weight=rng.standard_normal((i, o)).T, bias=rng.standard_normal(o))

    def lifh(tau, thr):
        n = len(tau)
        return nir.LIF(tau=np.array(tau), r=np.ones(n, dtype=int), v_leak=np.zeros(n, dtype=int),
                       v_reset=np.zeros(n, dtype=int), v_threshold=np.array(thr))
    cases = []
    # test_readwrite.test_leaky_integrator_and_fire and
    # test_current_based_leaky_integrator_and_fire call LIF(tau, r, v_leak,
    # v_reset, v_threshold) and CubaLIF(tau_mem, tau_syn, r, v_leak, v_reset,
    # v_threshold) positionally, but the fields are (..., v_threshold,
    # v_reset) and (tau_syn, tau_mem, ...): the graphs hold v_threshold = 0,
    # v_reset = 3. A neuron reset above its threshold is refused, naming it.
    g = nir.NIRGraph.from_list(mock_affine(2, 3), nir.LIF(np.array([1, 1, 1]), np.array([1, 1, 1]),
                                                          np.array([1, 1, 1]), np.array([0, 0, 0]),
                                                          np.array([3, 3, 3])))
    cases.append(Case("nir_tests.leaky_integrator_and_fire", g, refuse="lif"))
    g = nir.NIRGraph.from_list(mock_affine(2, 3), nir.CubaLIF(np.array([1, 1, 1]), np.array([2, 2, 2]),
                                                              np.array([1, 1, 1]), np.array([1, 1, 1]),
                                                              np.array([0, 0, 0]), np.array([3, 3, 3]),
                                                              w_in=np.array([2, 2, 2])))
    cases.append(Case("nir_tests.current_based_leaky_integrator_and_fire", g, refuse="cubalif"))
    # the same shapes with the arguments by name: must run; a bias above
    # threshold makes neuron(s) fire (NIR equations on the grid as reference)
    a = mock_affine(2, 3)
    a.bias = np.array([4.0, 1.0, 0.5])
    g = nir.NIRGraph.from_list(a, nir.LIF(tau=np.array([1, 1, 1]), r=np.array([1, 1, 1]),
                                          v_leak=np.array([1, 1, 1]), v_reset=np.array([0, 0, 0]),
                                          v_threshold=np.array([3, 3, 3])))
    ref = RefNet(0.1, 1000.0)
    ref.pop("lif", "LIF", 3, tau=1.0, r=1.0, v_leak=1.0, v_threshold=3.0)
    ref.bias("lif", a.bias)
    cases.append(Case("nir_tests.leaky_integrator_and_fire_by_name", g, ref))
    a = mock_affine(2, 3)
    a.bias = np.array([3.0, 1.2, -1.0])
    g = nir.NIRGraph.from_list(a, nir.CubaLIF(tau_mem=np.array([1, 1, 1]), tau_syn=np.array([2, 2, 2]) / 10,
                                              r=np.array([1, 1, 1]), v_leak=np.array([1, 1, 1]),
                                              v_reset=np.array([0, 0, 0]), v_threshold=np.array([3, 3, 3]),
                                              w_in=np.array([2, 2, 2])))
    ref = RefNet(0.1, 1000.0)
    ref.pop("cubalif", "CubaLIF", 3, tau_syn=0.2, tau_mem=1.0, r=1.0, v_leak=1.0, w_in=2.0, v_threshold=3.0)
    ref.bias("cubalif", a.bias)
    cases.append(Case("nir_tests.current_based_leaky_integrator_and_fire_by_name", g, ref))
    # test_readwrite.test_integrate_and_fire: IF(r, v_reset, v_threshold) passes
    # v_threshold = 1 as v_reset and 0 as v_threshold: v_reset > v_threshold
    g = nir.NIRGraph(nodes={"a": mock_affine(2, 2), "b": nir.IF(np.array([1, 1]), np.array([0, 0]),
                                                                np.array([1, 1]))}, edges=[("a", "b")])
    cases.append(Case("nir_tests.integrate_and_fire", g, refuse="b"))
    # test_readwrite.test_simple: an Affine fed back into itself, no neuron
    g = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([2])), "a": mock_affine(2, 2),
                            "output": nir.Output(output_type=None)},
                     edges=[("input", "a"), ("a", "a"), ("a", "output")])
    cases.append(Case("nir_tests.simple", g, refuse="a"))
    # test_readwrite.test_nested: an I (integrator) node: not supported
    i = np.array([2])
    g = nir.NIRGraph(nodes={"a": nir.I(r=np.array([1, 1])),
                            "b": nir.NIRGraph(nodes={"a": nir.Input(i), "b": nir.Delay(np.array([1, 1])),
                                                     "c": nir.Output(i)}, edges=[("a", "b"), ("b", "c")]),
                            "c": nir.Output(np.array([1, 1]))},
                     edges=[("a", "b"), ("b", "a")])
    cases.append(Case("nir_tests.nested", g, refuse="a"))
    # test_architectures.test_recurrent_on_first_node: I node
    g = nir.NIRGraph(nodes={"input": nir.Input(np.array([2])), "affine": mock_affine(2, 2),
                            "integrator": nir.I(r=rng.standard_normal(2)), "output": nir.Output(np.array([2]))},
                     edges=[("input", "affine"), ("affine", "integrator"), ("integrator", "affine"),
                            ("integrator", "output")])
    cases.append(Case("nir_tests.recurrent_on_first_node", g, refuse="integrator"))
    # test_readwrite.test_conv1d_2 (mock_conv with a 4-d weight: a Conv2d):
    # convolutions are not supported
    g = nir.NIRGraph.from_list(nir.Conv2d(input_shape=(100, 100), weight=rng.standard_normal((1, 2, 3, 3)),
                                          bias=rng.standard_normal(1), stride=1, padding=0, dilation=1, groups=1))
    cases.append(Case("nir_tests.conv1d_2", g, refuse="conv2d"))
    # test_architectures: LIF/Affine/Delay graphs (heterogeneous LIF parameters,
    # Affine -> Affine, Affine readouts, nested branches, an empty top-level
    # edge list): supported primitives only, so they must run.
    g = nir.NIRGraph.from_list(mock_affine(2, 3), nir.Delay(np.array([0.5, 0.1, 0.2])), lifh([10, 20, 30], [1, 2, 3]),
                               mock_affine(3, 2))
    cases.append(Case("nir_tests.sequential", g))
    br1 = nir.NIRGraph.from_list(mock_affine(2, 3), nir.Delay(np.array([0.5, 0.1, 0.2])), lifh([10, 20, 30], [1, 2, 3]),
                                 mock_affine(3, 2))
    br2 = nir.NIRGraph.from_list(mock_affine(2, 2), lifh([10, 20], [1, 2]), mock_affine(2, 2))
    g = nir.NIRGraph(nodes={"branch_1": br1, "branch_2": br2}, edges=[])
    cases.append(Case("nir_tests.two_independent_branches", g))
    br1 = nir.NIRGraph.from_list(mock_affine(2, 3), nir.Delay(np.array([0.5, 0.1, 0.2])), lifh([10, 20, 30], [1, 2, 3]),
                                 mock_affine(3, 3))
    br2 = nir.NIRGraph.from_list(mock_affine(2, 2), lifh([10, 20], [1, 2]), mock_affine(2, 3))
    g = nir.NIRGraph(nodes={"branch_1": br1, "branch_2": br2, "junction": lifh([5, 2, 1], [1, 1, 1])},
                     edges=[("branch_1", "junction"), ("branch_2", "junction")])
    cases.append(Case("nir_tests.two_independent_branches_merging", g))
    pre = nir.NIRGraph.from_list(mock_affine(2, 3), lifh([10, 20, 30], [1, 2, 3]))
    br1 = nir.NIRGraph.from_list(mock_affine(3, 2), lifh([10, 20], [1, 2]))
    br2 = nir.NIRGraph.from_list([mock_affine(3, 2), lifh([15, 5], [1, 1])])
    jn = nir.Affine(weight=np.array([[2, 0], [1, 3], [4, 1]]), bias=np.array([0, 1]))
    g = nir.NIRGraph(nodes={"pre_split": pre, "branch_1": br1, "branch_2": br2, "junction": jn},
                     edges=[("pre_split", "branch_1"), ("pre_split", "branch_2"), ("branch_1", "junction"),
                            ("branch_2", "junction")])
    cases.append(Case("nir_tests.merge_and_split_single_output", g))
    g = nir.NIRGraph(nodes={"a": mock_affine(2, 2), "b": lifh([10, 20], [1, 2]), "c": mock_affine(2, 2),
                            "d": lifh([10, 20], [1, 2]), "e": mock_affine(2, 2), "f": lifh([15, 5], [1, 1])},
                     edges=[("a", "b"), ("b", "c"), ("c", "d"), ("d", "e"), ("a", "e"), ("e", "f")])
    cases.append(Case("nir_tests.residual", g))
    g = nir.NIRGraph(nodes={"a": nir.Affine(weight=np.array([[1], [2], [3]]), bias=np.array([[0, 0, 0]])),
                            "b": lifh([10, 20, 30], [1, 2, 3]), "c": lifh([5, 20, 1], [1, 1, 1]),
                            "d": nir.Affine(weight=np.array([[1, 3], [2, 3], [1, 4]]).T, bias=np.array([0, 0])),
                            "e": nir.Affine(weight=np.array([[1, 3], [2, 3], [1, 4]]).T, bias=np.array([0, 0])),
                            "f": nir.Affine(weight=np.array([[1, 3], [1, 4]]), bias=np.array([0, 0]))},
                     edges=[("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("c", "e"), ("d", "f"), ("e", "f")])
    cases.append(Case("nir_tests.complex", g))
    return cases


def run_graph(case, path, enc):
    out = os.path.join(WORK, f"{case.name}.{enc}.h5")
    args = [AXON, "run", path, "-q", "-t", "1", "-o", out]
    if case.t_sim is not None:
        args += ["--nir-t-sim", case.t_sim]
    if case.dt != 0.1 or case.t_sim is not None:
        args += ["--nir-dt", case.dt]
    for name, (kind, val) in sorted(case.inputs.items()):
        if kind == "spikes":
            fn = os.path.join(WORK, f"{case.name}.{name}.spikes.txt")
            with open(fn, "w") as f:
                f.write(f"# input spikes for Input node {name}: channel time_ms\n")
                for ch, times in enumerate(val):
                    for t in times:
                        f.write(f"{ch} {t!r}\n")
            args += ["--nir-input", f"{name}=spikes:{fn}"]
        else:
            args += ["--nir-input", f"{name}=const:" + ",".join(repr(float(x)) for x in np.atleast_1d(val))]
    args += case.flags
    rc, so, se = sh(args)
    return rc, so, se, out


def test_b():
    cases = [case_ff_lif(), case_ff_cubalif(), case_recurrent(None), case_recurrent(0.002),
             snntorch_rsynaptic(3, 4, 11, nested=True), snntorch_rsynaptic(3, 4, 11, nested=False),
             case_if(), case_cubaif(), case_scale(), case_threshold(), case_edgeless(), case_two_lif()] + nir_suite()
    for c in cases:
        base = os.path.join(WORK, c.name + ".nir")
        try:
            nir.write(base, c.graph)
            nir.read(base)  # the file is one nir itself accepts
            if getattr(c, "rewrite", None):   # a primitive nir cannot write (CubaIF)
                c.rewrite(base)
        except Exception as e:  # a bug in this test, not in axon
            fail("b." + c.name, f"test graph rejected by nir itself: {type(e).__name__}: {e}")
            continue
        expect = None
        if c.ref is not None:
            try:
                expect = c.ref.expected()
            except RuntimeError as e:
                fail("b." + c.name, str(e))
                continue
            only = getattr(c, "record_only", None)
            if only:
                expect = {k: v for k, v in expect.items() if k in only}
        encs = list(c.encodings) + (["empty-edges-as-strings"] if c.name == "edgeless" else [])
        for enc in encs:
            name = f"b.{c.name}[{enc}]"
            path = base
            if enc != "nir":
                path = os.path.join(WORK, f"{c.name}.{enc}.nir")
                try:
                    if enc == "empty-edges-as-strings":
                        reencode(base, path, "nir", empty_edges_as_strings=True)
                    else:
                        reencode(base, path, enc)
                    nir.read(path)   # nir itself reads every encoding
                except Exception as e:
                    fail(name, f"test bug: re-encoding failed: {type(e).__name__}: {e}")
                    continue
            rc, so, se, out = run_graph(c, path, enc)
            if c.refuse is not None:
                if rc == 2 and re.search(r"\bnode '?%s'?\b" % re.escape(c.refuse), se):
                    ok(name, f"refused naming node {c.refuse!r}")
                else:
                    fail(name, f"expected a refusal (exit 2) naming node {c.refuse!r}; got exit {rc}: "
                               f"{last_line(se)}")
                continue
            if rc != 0:
                why = last_line(se)
                if "unknown option" in se:   # show what the reader does with the file itself
                    rc2, _, se2, _ = run_graph(Case(c.name + ".probe", c.graph), path, enc)
                    why += f" [without --nir-* options: exit {rc2}: {last_line(se2)}]"
                fail(name, f"axon run exit {rc}: {why}")
                continue
            if not os.path.exists(out):
                fail(name, "no output file")
                continue
            if expect is None:
                ok(name, "ran")
                continue
            got = spikes_h5(out, c.dt)
            missing = [k for k in expect if k not in got]
            if missing:
                fail(name, f"no /spikes/{missing[0]} (recorded: {sorted(got)})")
                continue
            got = {k: got[k] for k in expect}
            if got != expect:
                fail(name, f"spikes differ from the NIR equations:\n      axon {fmt(got, c.dt)}\n"
                           f"      NIR  {fmt(expect, c.dt)}")
                continue
            ok(name, f"{sum(len(v) for v in got.values())} spikes as the NIR equations give")


# --------------------------------------------------------------------------
# (c) closed-form first spike of a CubaLIF under constant input
# --------------------------------------------------------------------------

def test_c_closed_form():
    """Input -> Affine (W, b) -> CubaLIF -> Output, the Input held at the
    constant c from t = 0 (`--nir-input in=const:c`). The Affine output is
    the constant u = W c + b, so with I(0) = 0, v(0) = v_leak = 0:

      tau_s dI/dt = -I + w_in u   =>  I(t) = w_in u (1 - e^{-t/tau_s})
      tau_m dv/dt = -v + r I      =>  v(t) = A [1 - (tau_m e^{-t/tau_m} - tau_s e^{-t/tau_s}) / (tau_m - tau_s)]

    with A = r w_in u (check: v(0) = 0, v'(0) = 0 since I(0) = 0, and v ->
    A). Choosing tau_m = 2 tau_s and x = e^{-t/tau_m} (so e^{-t/tau_s} = x^2):

      (tau_m x - tau_s x^2) / (tau_m - tau_s) = (2 tau_s x - tau_s x^2) / tau_s = 2x - x^2
      v(t) = A (1 - 2x + x^2) = A (1 - x)^2

    v rises monotonically, and v(t*) = theta gives x* = 1 - sqrt(theta / A):

      t* = -tau_m ln(1 - sqrt(theta / A))        (needs A > theta)

    axon integrates exactly and tests the threshold at the end of each step,
    so its first spike is at the first grid point at or after t*:
    h ceil(t*/h). Times in the graph are seconds."""
    name = "c.cubalif_constant_input"
    tau_s, tau_m = 0.004, 0.008
    r, w_in, W, b, c, theta = 1.5, 0.8, 1.25, 0.3, 1.0, 1.0
    h = 0.1
    u = W * c + b
    A = r * w_in * u
    tstar = -tau_m * 1000.0 * math.log(1.0 - math.sqrt(theta / A))   # ms
    frac = tstar / h - math.floor(tstar / h)
    assert A > theta and 0.05 < frac < 0.95, "test parameters put t* too close to a grid point"
    expect_step = math.ceil(tstar / h)
    g = nir.NIRGraph(nodes={"in": nir.Input(np.array([1])),
                            "fc": nir.Affine(weight=np.array([[W]]), bias=np.array([b])),
                            "lif": cubalif(1, tau_s, tau_m, r, w_in, theta),
                            "out": nir.Output(np.array([1]))},
                     edges=[("in", "fc"), ("fc", "lif"), ("lif", "out")])
    # the exact-grid reference must agree with the closed form (checks RefNet)
    ref = RefNet(h, 20.0)
    ref.pop("lif", "CubaLIF", 1, tau_syn=tau_s, tau_mem=tau_m, r=r, w_in=w_in, v_threshold=theta)
    ref.const_in("in", [c])
    ref.conn("in", "lif", [[W]])
    ref.bias("lif", [b])
    rsp = ref.expected()["lif"]
    if not rsp or rsp[0][0] != expect_step:
        fail(name, f"test bug: RefNet first spike {rsp[:1]} != closed form step {expect_step}")
        return
    path = os.path.join(WORK, "c.nir")
    nir.write(path, g)
    case = Case("c", g, inputs={"in": ("const", [c])}, t_sim=20.0)
    rc, so, se, out = run_graph(case, path, "nir")
    if rc != 0:
        fail(name, f"axon run exit {rc}: {last_line(se)}")
        return
    got = spikes_h5(out, h).get("lif", [])
    if not got:
        fail(name, f"no spike recorded in /spikes/lif (t* = {tstar:.4f} ms)")
    elif got[0][0] != expect_step:
        fail(name, f"first spike at {got[0][0] * h:.4f} ms, closed form t* = {tstar:.4f} ms -> "
                   f"{expect_step * h:.1f} ms on the grid")
    else:
        ok(name, f"first spike {expect_step * h:.1f} ms (t* = {tstar:.4f} ms)")


# --------------------------------------------------------------------------
# (d) Poisson inputs and ranks x threads
# --------------------------------------------------------------------------

def test_d_poisson_decomposition():
    """`--nir-input NAME=poisson:HZ` draws an independent Poisson train per
    channel (a count per step, so more than one spike per step is kept):
    the recorded input (`--nir-record all`) has rate*T spikes per channel
    within 5 sigma; and the snnTorch RSynaptic graph driven by it gives
    bitwise the same spikes on 1 rank x 1 thread and 2 ranks x 2 threads."""
    name = "d.poisson_input"
    c = snntorch_rsynaptic(8, 30, 5, nested=True)
    path = os.path.join(WORK, "d.nir")
    nir.write(path, c.graph)
    rate, t_sim = 2000.0, 200.0
    args = ["--nir-input", f"input={'poisson:' + str(rate)}", "--nir-spike-area", "1e-4", "--nir-t-sim", t_sim,
            "--nir-record", "all", "-q"]
    out1 = os.path.join(WORK, "d1.h5")
    rc, _, se = sh([AXON, "run", path, "-t", "1", "-o", out1] + args)
    if rc:
        fail(name, f"axon run exit {rc}: {last_line(se)}")
        return
    got = spikes_h5(out1, 0.1)
    counts = np.bincount([i for _, i in got.get("input", [])], minlength=8)
    mean = rate * (t_sim - 0.2) / 1000.0   # no spike can act before 2 h
    per_step = max(np.bincount([s for s, _ in got.get("input", [])]).max(initial=0), 0)
    if np.any(np.abs(counts - mean) > 5 * math.sqrt(mean)):
        fail(name, f"spikes per channel {counts.tolist()}, expected {mean:.0f} +- {5 * math.sqrt(mean):.0f}")
    elif per_step < 2:
        fail(name, "never two input spikes in one step: multiplicity lost")
    else:
        ok(name, f"{counts.sum()} input spikes, {mean:.0f} per channel expected")
    mpi = os.environ.get("MPIEXEC", "mpiexec")
    if not shutil.which(mpi):
        print(f"SKIP d.decomposition: no {mpi}")
        return
    out4 = os.path.join(WORK, "d4.h5")
    env = dict(os.environ, OMP_NUM_THREADS="2", OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    p = subprocess.run([mpi, "-n", "2"] + os.environ.get("MPIEXEC_ARGS", "--oversubscribe --bind-to none").split() +
                       [AXON, "run", path, "-t", "2", "-o", out4] + [str(a) for a in args],
                       capture_output=True, text=True, env=env, timeout=600)
    if p.returncode:
        fail("d.decomposition", f"2x2 run exit {p.returncode}: {last_line(p.stderr)}")
    elif spikes_h5(out4, 0.1) != got:
        fail("d.decomposition", "2 ranks x 2 threads differ from 1 x 1")
    else:
        ok("d.decomposition", f"2x2 = 1x1 bitwise ({sum(len(v) for v in got.values())} spikes)")


# --------------------------------------------------------------------------
# (a) axon export --target nir of every example, read by nir.read
# --------------------------------------------------------------------------

# NEST defaults (docs/models.md) for the parameters a spec may leave out
DEFAULTS = {
    "iaf_psc_delta": dict(E_L=-70.0, C_m=250.0, tau_m=10.0, t_ref=2.0, V_th=-55.0, V_reset=-70.0, I_e=0.0),
    "iaf_psc_exp": dict(E_L=-70.0, C_m=250.0, tau_m=10.0, t_ref=2.0, V_th=-55.0, V_reset=-70.0, I_e=0.0,
                        tau_syn_ex=2.0, tau_syn_in=2.0),
    "iaf_psc_alpha": dict(E_L=-70.0, C_m=250.0, tau_m=10.0, t_ref=2.0, V_th=-55.0, V_reset=-70.0, I_e=0.0,
                          tau_syn_ex=2.0, tau_syn_in=2.0),
}
LINEAR = ("Affine", "Linear", "Scale", "Delay")


def network_examples():
    out = []
    for fn in sorted(os.listdir(os.path.join(SRC, "examples"))):
        if not fn.endswith((".yaml", ".json")):
            continue
        with open(os.path.join(SRC, "examples", fn)) as f:
            tops = {ln.split(":")[0] for ln in f if ln[:1].isalpha() and ":" in ln}
        if "populations" in tops and tops <= {"simulation", "populations", "projections", "devices"}:
            out.append(fn)
    return out


def paths_from(g, start):
    """Every path start -> linear nodes (Affine, Linear, Scale, Delay) ->
    neuron or Output node, composed: (end, W, D). W is a dense (n_end x
    n_start) matrix, or ("diag", v) while only Scale/Delay nodes were
    passed (no dense identity for 10^4 channels); D the delay (s) per row."""
    succ = {}
    for a, b in g.edges:
        succ.setdefault(a, []).append(b)
    n0 = int(np.prod(g.nodes[start].output_type["output"]))
    res = []

    def walk(node, W, D, depth):
        if depth > 16:
            raise AssertionError(f"a cycle through linear nodes at {node}")
        for nxt in succ.get(node, []):
            m = g.nodes[nxt]
            t = type(m).__name__
            if t in ("Affine", "Linear"):
                if np.any(D):
                    raise AssertionError(f"path through {nxt}: a Delay before an Affine (the test reads Affine -> Delay)")
                A = np.asarray(m.weight, float)
                W2 = A * W[1][None, :] if isinstance(W, tuple) else A @ W
                walk(nxt, W2, np.zeros(A.shape[0]), depth + 1)
            elif t == "Scale":
                sc = np.asarray(m.scale, float).reshape(-1)
                walk(nxt, ("diag", sc * W[1]) if isinstance(W, tuple) else sc[:, None] * W, D, depth + 1)
            elif t == "Delay":
                walk(nxt, W, D + np.asarray(m.delay, float).reshape(-1), depth + 1)
            else:
                res.append((nxt, W, D))
    walk(start, ("diag", np.ones(n0)), np.zeros(n0), 0)
    return res


def axon_factor(node, spec_pop):
    """Per target neuron, the factor f with axon weight = f * NIR weight for
    the same effect under NIR's equations (Dirac spike of integral 1 s):
    LIF: jump r W / tau (mV); IF: r W; CubaLIF: the kick to dv/dt,
    r w_in W / (tau_syn tau_mem) per s, equals axon's 1000 w / C_m."""
    t = type(node).__name__
    r = np.asarray(node.r, float)
    if t == "LIF":
        return r / np.asarray(node.tau, float)
    if t == "IF":
        return r
    if t == "CubaLIF":
        return r * np.asarray(node.w_in, float) * spec_pop["C_m"] / (
            1000.0 * np.asarray(node.tau_syn, float) * np.asarray(node.tau_mem, float))
    raise AssertionError(f"{t} is not a neuron node")


def to_axon_weight(node, W, spec_pop):
    f = axon_factor(node, spec_pop)
    return ("diag", W[1] * f) if isinstance(W, tuple) else W * f[:, None]


def dense(W):
    return np.diag(W[1]) if isinstance(W, tuple) else W


def close(a, b, rel=1e-6):
    return np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=rel, atol=1e-12)


def check_export(ex, spec, d, g):
    """Compare the graph g (nir.read) with the spec; returns a list of problems."""
    probs = []
    pops = {}
    for pname, p in spec["populations"].items():
        q = dict(DEFAULTS.get(p["model"], {}))
        q.update(p.get("params", {}))
        q["n"], q["model"] = p["n"], p["model"]
        pops[pname] = q
    # populations: node type, shapes, parameters in NIR units (time: s)
    for pname, q in pops.items():
        node = g.nodes.get(pname)
        want = {"iaf_psc_delta": "IF" if math.isinf(q["tau_m"]) else "LIF", "iaf_psc_exp": "CubaLIF"}.get(q["model"])
        if node is None or type(node).__name__ != want:
            probs.append(f"population {pname}: expected a {want} node named {pname}, got "
                         f"{type(node).__name__ if node is not None else 'none'}")
            continue
        n = q["n"]
        for k, v in vars(node).items():
            if isinstance(v, np.ndarray) and k not in ("input_type", "output_type") and v.shape != (n,):
                probs.append(f"{pname}.{k}: shape {v.shape}, expected ({n},)")
        vl = q["E_L"] + q["I_e"] * q["tau_m"] / q["C_m"]
        if want == "LIF" and not close(node.tau, q["tau_m"] / 1000.0):
            probs.append(f"{pname}.tau = {node.tau[0]} s, expected tau_m/1000 = {q['tau_m'] / 1000.0}")
        if want == "CubaLIF":
            if not close(node.tau_mem, q["tau_m"] / 1000.0):
                probs.append(f"{pname}.tau_mem = {node.tau_mem[0]} s, expected {q['tau_m'] / 1000.0}")
            if not close(node.tau_syn, q["tau_syn_ex"] / 1000.0):
                probs.append(f"{pname}.tau_syn = {node.tau_syn[0]} s, expected {q['tau_syn_ex'] / 1000.0}")
        if want != "IF" and not close(node.v_leak, vl):
            probs.append(f"{pname}.v_leak = {node.v_leak[0]}, expected E_L + I_e tau_m/C_m = {vl}")
        if not close(node.v_threshold, q["V_th"]):
            probs.append(f"{pname}.v_threshold = {node.v_threshold[0]}, expected {q['V_th']}")
        with h5py.File(os.path.join(d, "network.nir"), "r") as f:
            has_reset = "v_reset" in f["node/nodes"][pname] if pname in f["node/nodes"] else False
        if not has_reset or not close(node.v_reset, q["V_reset"]):
            probs.append(f"{pname}.v_reset: expected {q['V_reset']} stored as a parameter")
    # projections: every path pop -> [Affine] -> [Delay] -> pop, in axon units
    eff = {}
    for src in pops:
        if src not in g.nodes:
            continue
        for end, W, D in paths_from(g, src):
            if end in pops:
                eff.setdefault((src, end), []).append((to_axon_weight(g.nodes[end], W, pops[end]), D))
                del W
    for pj in spec.get("projections", []):
        s, t, w = pj["source"], pj["target"], float(pj["weight"])
        terms = eff.get((s, t), [])
        if not terms:
            probs.append(f"projection {s} -> {t}: no Affine path in the graph")
            continue
        Wt = sum(dense(x) for x, _ in terms)
        k = Wt / w
        if not close(k, np.round(k), 1e-5) or np.any(np.round(k) < 0):
            probs.append(f"projection {s} -> {t}: weights are not whole multiples of {w}")
        rule = pj["rule"]
        if rule == "fixed_indegree":
            rows = np.round(k).sum(axis=1)
            if not np.all(rows == pj["indegree"]):
                probs.append(f"projection {s} -> {t}: synapses per target {sorted(set(rows.tolist()))[:5]}, "
                             f"expected indegree {pj['indegree']}")
        elif rule == "all_to_all":
            if not np.all(np.round(k) >= 1):
                probs.append(f"projection {s} -> {t}: all_to_all has zero entries")
        elif rule == "one_to_one":
            if not np.array_equal(np.round(k), np.eye(len(k))):
                probs.append(f"projection {s} -> {t}: not one_to_one")
        else:
            probs.append(f"projection {s} -> {t}: rule {rule} not checked by this test")
        if s == t and not pj.get("allow_autapses", True) and np.any(np.diag(np.round(k))):
            probs.append(f"projection {s} -> {t}: autapses in the matrix")
        dly = float(pj.get("delay", spec["simulation"].get("resolution", 0.1))) / 1000.0
        for x, D in terms:
            used = (dense(x) != 0).any(axis=1)
            if np.any(np.abs(D[used] - dly) > 1e-12):
                probs.append(f"projection {s} -> {t}: delays {sorted(set(D[used].tolist()))[:3]} s, expected {dly}")
    # devices
    comp = os.path.join(d, "inputs.json")
    inputs = {}
    if os.path.exists(comp):
        with open(comp) as f:
            inputs = json.load(f).get("inputs", {})
    else:
        probs.append("no companion inputs.json")
    graph_inputs = [k for k, v in g.nodes.items() if isinstance(v, nir.Input)]
    for k in graph_inputs:
        if k not in inputs and not k.startswith("input_"):
            probs.append(f"Input node {k} is not described in inputs.json")
    for dname, dev in spec.get("devices", {}).items():
        m = dev["model"]
        if m in ("poisson_generator", "spike_generator", "dc_generator"):
            mine = {k: v for k, v in inputs.items() if v.get("device") == dname}
            if not mine:
                probs.append(f"device {dname} ({m}): no Input node in inputs.json")
                continue
            for k, v in mine.items():
                if k not in g.nodes or not isinstance(g.nodes[k], nir.Input):
                    probs.append(f"inputs.json names {k}, not an Input node of the graph")
                if v.get("model") != m:
                    probs.append(f"inputs.json {k}: model {v.get('model')}, expected {m}")
                if m == "poisson_generator" and not close(v.get("rate_hz", -1), dev["rate"]):
                    probs.append(f"inputs.json {k}: rate_hz {v.get('rate_hz')}, expected {dev['rate']}")
                if m == "spike_generator" and not close(v.get("spike_times_ms", []), dev["spike_times"]):
                    probs.append(f"inputs.json {k}: spike_times_ms {v.get('spike_times_ms')}")
                if m == "dc_generator":
                    for key, sk in (("amplitude_pA", "amplitude"), ("start_ms", "start"), ("stop_ms", "stop")):
                        if sk in dev and not close(v.get(key, float("nan")), dev[sk]):
                            probs.append(f"inputs.json {k}: {key} {v.get(key)}, expected {dev[sk]}")
            if m == "dc_generator":
                continue
            for tg in dev["targets"]:
                pname = tg if isinstance(tg, str) else tg["population"]
                n = pops[pname]["n"]
                first = 0 if isinstance(tg, str) else tg.get("first", 0)
                count = n - first if isinstance(tg, str) else tg.get("count", n - first)
                rows = np.zeros(n)
                for k in mine:
                    if k not in g.nodes:
                        continue
                    for end, W, D in paths_from(g, k):
                        if end != pname:
                            continue
                        x = to_axon_weight(g.nodes[end], W, pops[end])
                        if isinstance(x, tuple):   # channel i drives neuron i
                            vals, per_row, shared = x[1][x[1] != 0], (x[1] != 0).astype(int), False
                        else:
                            nz = x != 0
                            vals, per_row, shared = x[nz], nz.sum(axis=1), bool(np.any(nz.sum(axis=0) > 1))
                        rows += per_row
                        if not close(vals, float(dev["weight"])):
                            probs.append(f"device {dname} -> {pname}: weights {sorted(set(vals.round(9)))[:3]}, "
                                         f"expected {dev['weight']}")
                        dly = float(dev.get("delay", spec["simulation"].get("resolution", 0.1))) / 1000.0
                        if np.any(np.abs(D[per_row > 0] - dly) > 1e-12):
                            probs.append(f"device {dname} -> {pname}: delay {sorted(set(D[per_row > 0].tolist()))[:2]} s, "
                                         f"expected {dly}")
                        if m == "poisson_generator" and shared:
                            probs.append(f"device {dname} -> {pname}: a Poisson channel drives several neurons "
                                         "(each target needs its own independent train)")
                want = np.zeros(n)
                want[first:first + count] = 1
                if not np.array_equal(rows, want):
                    probs.append(f"device {dname} -> {pname}: drives {int((rows > 0).sum())} neurons "
                                 f"(some {int(rows.max()) if n else 0} times), expected each of {count} once")
        elif m == "spike_recorder":
            for sname in dev["sources"]:
                pname = sname if isinstance(sname, str) else sname["population"]
                outs = [b for a, b in g.edges if a == pname and isinstance(g.nodes[b], nir.Output)]
                if not outs:
                    probs.append(f"recorder {dname}: no Output node fed by {pname}")
                elif not any(np.array_equal(g.nodes[o].output_type["output"], [pops[pname]["n"]]) for o in outs):
                    probs.append(f"recorder {dname}: Output of {pname} has the wrong shape")
    return probs


def test_a():
    try:
        import yaml
    except ImportError:
        fail("a", "python3-yaml is needed to read the example specs (apt-get install python3-yaml)")
        return
    for ex in network_examples():
        name = "a." + ex
        with open(os.path.join(SRC, "examples", ex)) as f:
            spec = yaml.safe_load(f)
        nsyn = sum(p["n"] for p in spec["populations"].values()) ** 2
        if nsyn > 4e7 and not LARGE:
            print(f"SKIP {name}: dense matrices of {nsyn:.3g} entries; run with --large or AXON_NIR_LARGE=1")
            continue
        d = os.path.join(WORK, "export_" + ex.rsplit(".", 1)[0])
        needs_approx = any(dict(DEFAULTS.get(p["model"], {}), **p.get("params", {})).get("t_ref", 0) > 0
                           for p in spec["populations"].values())
        if needs_approx:
            rc, so, se = sh([AXON, "export", "--target", "nir", os.path.join(SRC, "examples", ex), "-o", d])
            if rc != 2 or "t_ref" not in se or os.path.exists(d):
                fail(name + "[no --allow-approx]", f"t_ref > 0 (NIR has no refractory period) must be refused "
                     f"(exit 2 naming t_ref, nothing written); got exit {rc}: {last_line(se or so)}")
            else:
                ok(name + "[no --allow-approx]", "refused: t_ref")
            shutil.rmtree(d, ignore_errors=True)
        rc, so, se = sh([AXON, "export", "--target", "nir", os.path.join(SRC, "examples", ex), "-o", d,
                         "--allow-approx"])
        if rc != 0:
            fail(name, f"export exit {rc}: {last_line(se)}")
            continue
        if needs_approx:
            with open(os.path.join(d, "report.txt")) as f:
                if "t_ref" not in f.read():
                    fail(name, "report.txt does not list the t_ref approximation")
        try:
            g = nir.read(os.path.join(d, "network.nir"))
        except Exception as e:
            fail(name, f"nir.read (default type checks): {type(e).__name__}: {e}")
            continue
        probs = check_export(ex, spec, d, g)
        if probs:
            fail(name, "graph does not match the spec:\n      " + "\n      ".join(probs[:12]) +
                 (f"\n      ... {len(probs) - 12} more" if len(probs) > 12 else ""))
        else:
            ok(name, f"nir.read loads it; {len(g.nodes)} nodes, {len(g.edges)} edges match the spec")


def main():
    global ONLY, LARGE
    args = sys.argv[1:]
    if "--large" in args:
        LARGE = True
    if "--only" in args:
        ONLY = args[args.index("--only") + 1]
    if not os.access(AXON, os.X_OK):
        print(f"FAIL: no axon binary at {AXON} (set AXON)")
        return 1
    try:
        for sec, fn in (("a", test_a), ("b", test_b), ("c", test_c_closed_form), ("d", test_d_poisson_decomposition)):
            if ONLY in (None, sec):
                fn()
    finally:
        if os.environ.get("AXON_KEEP_TMP") != "1":
            shutil.rmtree(WORK, ignore_errors=True)
        else:
            print(f"kept {WORK}")
    print(f"{len(FAILS)} failure(s)" if FAILS else "all NIR client checks passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
