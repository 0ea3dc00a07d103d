#!/usr/bin/python3
"""STDPMechanism on pyNN.axon (docs/pynn.md, docs/plasticity.md):

- a plastic network made in PyNN (tests/pynn/net_stdp.py: stdp_synapse with
  the multiplicative, additive and mixed weight dependences; a native rule,
  an explicit list, an inhibitory conductance projection; and a
  TsodyksMarkramSynapse projection, NEST's tsodyks_synapse) gives bitwise the
  spikes and final weights of `axon run` of the spec it writes (with a
  weight_recorder added to read the engine's final weights), on 1 rank,
  2 threads and 2 MPI ranks; Projection.get('weight') after the runs gives
  the plastic weights (they moved), and reset() brings back the initial ones;
- what axon cannot honour is refused with a clear exception: w_min != 0,
  axonal delays (dendritic_delay_fraction != 1), per-synapse STDP
  parameters, initial weights beyond w_max.
Needs Debian's python3-pynn, numpy, h5py; the build tree's libaxon.so."""
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
top_src = os.environ.get("top_srcdir", os.path.join(here, "..", ".."))
top_build = os.environ.get("top_builddir", top_src)
axon = os.environ.get("AXON", os.path.join(top_build, "axon"))
boot = os.path.join(top_src, "tools", "axon-pynn")
py = os.environ.get("PYTHON", "/usr/bin/python3")
env = dict(os.environ, top_srcdir=top_src, top_builddir=top_build)
mpiexec = os.environ.get("MPIEXEC", "mpiexec").split()
mpiargs = os.environ.get("MPIEXEC_ARGS", "--oversubscribe --bind-to none").split()
net = os.path.join(here, "net_stdp.py")
fails = 0


def check(ok, what):
    global fails
    print("%s: %s" % ("PASS" if ok else "FAIL", what), flush=True)
    fails += not ok


def run(cmd):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if p.returncode:
        print(" ".join(cmd), "\n", p.stdout[-2000:], p.stderr[-3000:])
    return p


def spikes(path):
    out = {}
    with h5py.File(path, "r") as f:
        for pop in f["spikes"]:
            ids = f["spikes"][pop]["node_ids"][:]
            t = f["spikes"][pop]["timestamps"][:]
            o = np.lexsort((ids, t))
            out[pop] = (ids[o], t[o])
    return out


def same_spikes(a, b):
    return a.keys() == b.keys() and all(
        np.array_equal(a[k][0], b[k][0]) and np.array_equal(a[k][1], b[k][1]) for k in a)


def by_pair(rows):
    """{(pre, post): weight} of get('weight', format='list') rows (no multapses here)."""
    return {(int(r[0]), int(r[1])): r[2] for r in rows}


with tempfile.TemporaryDirectory(prefix="axon-stdp-pynn.") as d:
    j = lambda name: os.path.join(d, name)
    p = run([py, boot, net, j("a.h5"), j("a.npz"), j("a.yaml")])
    check(p.returncode == 0, "net_stdp.py runs on pyNN.axon")
    if p.returncode:
        sys.exit(1)
    W = np.load(j("a.npz"))
    moved = all(not np.array_equal(W["initial%d" % k][:, 2], W["final%d" % k][:, 2])
                for k in range(3))
    check(moved, "Projection.get('weight') after run() gives the plastic weights (all 3 "
                 "projections moved)")

    # the written spec, with a weight_recorder on every plastic projection
    text = open(j("a.yaml")).read()
    text, n = re.subn(r"synapse: \{model: stdp_synapse", "synapse: {model: stdp_synapse, "
                      "weight_recorder: wr", text)
    check(n == 3, "the written spec has the 3 stdp_synapse projections (%d)" % n)
    check("synapse: {model: tsodyks_synapse" in text and "tau_psc: 5" in text,
          "the written spec has the tsodyks_synapse projection (tau_psc = the cells' tau_syn_E)")
    if "\ndevices:\n" in text:
        text = text.replace("\ndevices:\n", "\ndevices:\n  wr: {model: weight_recorder, final: "
                            "true}\n", 1)
    else:
        text += "devices:\n  wr: {model: weight_recorder, final: true}\n"
    open(j("r.yaml"), "w").write(text)
    p = run([axon, "run", j("r.yaml"), "-o", j("r.h5"), "-q", "-t", "1"])
    check(p.returncode == 0, "axon run of the written spec")
    ref = spikes(j("r.h5"))
    check(same_spikes(spikes(j("a.h5")), ref) and sum(len(v[0]) for v in ref.values()) > 50,
          "pyNN.axon's spikes are axon run's, bitwise (%d spikes)"
          % sum(len(v[0]) for v in ref.values()))
    with h5py.File(j("r.h5"), "r") as f:
        g = f["weights"]["wr"]["final"]
        snd, tgt, w, pj = (g[k][:] for k in ("senders", "targets", "weights", "projections"))
    first, projs = W["first_gid"], W["proj"]
    pre_pop, post_pop, factor = [0, 1, 0], [1, 1, 2], [1000.0, 1000.0, -1000.0]
    ok, n = True, 0
    for k in range(3):
        sel = pj == projs[k]
        eng = {(int(a) - first[pre_pop[k]], int(b) - first[post_pop[k]]): x
               for a, b, x in zip(snd[sel], tgt[sel], w[sel])}
        mine = by_pair(W["final%d" % k])
        ok &= eng.keys() == mine.keys() and all(mine[q] == eng[q] / factor[k] for q in eng)
        n += len(eng)
    check(ok and n > 0, "final weights of %d plastic synapses: pyNN.axon's are axon run's, "
                        "bitwise" % n)

    for label, cmd in [("2 threads", [py, boot, net, j("b.h5"), j("b.npz"), "-", "2"]),
                       ("2 MPI ranks", mpiexec + ["-n", "2"] + mpiargs +
                        [py, boot, net, j("c.h5"), j("c.npz")])]:
        out = j("b" if "threads" in label else "c")
        p = run(cmd)
        ok = p.returncode == 0
        if ok:
            V = np.load(out + ".npz")
            ok = same_spikes(spikes(out + ".h5"), ref) and all(
                by_pair(V["final%d" % k]) == by_pair(W["final%d" % k]) for k in range(3))
        check(ok, "%s: the same spikes and plastic weights, bitwise" % label)

    # reset() brings the initial weights back; refusals, in one session
    script = j("refuse.py")
    open(script, "w").write('''
import numpy as np
import pyNN.axon as sim
from pyNN.axon import AxonInputError, AxonNotImplementedError
sim.setup(timestep=0.1)
a = sim.Population(5, sim.SpikeSourcePoisson(rate=80.0))
b = sim.Population(3, sim.IF_curr_exp(i_offset=0.5))
def stdp(**kw):
    wd = kw.pop("wd", None) or sim.AdditiveWeightDependence(w_min=0.0, w_max=1.0)
    td = kw.pop("td", None) or sim.SpikePairRule(A_plus=0.05, A_minus=0.05)
    return sim.STDPMechanism(timing_dependence=td, weight_dependence=wd, **kw)
def refused(what, exc, words, fn):
    try:
        fn()
    except exc as e:
        ok = all(w in str(e) for w in words)
        print("%s: %s refused: %s" % ("PASS" if ok else "FAIL", what, e))
        return
    except Exception as e:
        print("FAIL: %s raised %s: %s" % (what, type(e).__name__, e))
        return
    print("FAIL: %s accepted" % what)
refused("w_min = 0.1", NotImplementedError, ["w_min", "0"],
        lambda: sim.AdditiveWeightDependence(w_min=0.1, w_max=1.0))
refused("dendritic_delay_fraction = 0.5", NotImplementedError, ["dendritic"],
        lambda: stdp(dendritic_delay_fraction=0.5))
refused("A_plus per synapse", NotImplementedError, ["A_plus", "one value per projection"],
        lambda: sim.Projection(a, b, sim.AllToAllConnector(), stdp(
            weight=0.5, td=sim.SpikePairRule(A_plus=sim.RandomDistribution('uniform', (0.01, 0.02)),
                                             A_minus=0.01))))
refused("weight 1.5 > w_max 1", AxonInputError, ["beyond Wmax"],
        lambda: sim.Projection(a, b, sim.AllToAllConnector(), stdp(weight=1.5)))
prj = sim.Projection(a, b, sim.AllToAllConnector(), stdp(weight=0.5, delay=1.0))
refused("Projection.set(weight=2) > w_max", AxonInputError, ["beyond Wmax"],
        lambda: prj.set(weight=2.0))
w0 = prj.get("weight", format="array")
sim.run(300.0)
w1 = prj.get("weight", format="array")
sim.reset()
w2 = prj.get("weight", format="array")
sim.run(300.0)
w3 = prj.get("weight", format="array")
print("%s: weights moved in the run, reset() restored them, the run repeated exactly"
      % ("PASS" if (w1 != w0).any() and (w2 == w0).all() and (w3 == w1).all() else "FAIL"))
sim.end()
''')
    p = run([py, boot, script])
    lines = [l for l in p.stdout.splitlines() if l.startswith(("PASS", "FAIL"))]
    for l in lines:
        check(l.startswith("PASS"), l.split(": ", 1)[1])
    check(p.returncode == 0 and len(lines) == 6, "the refusal script ran to its end (%d checks)"
          % len(lines))

print("%d failure(s)" % fails)
sys.exit(1 if fails else 0)
