#!/usr/bin/python3
"""pyNN.axon over libaxon's session API (include/axon/sim.h):

- a network made with native connectors is the network `axon run` builds
  from the spec pyNN.axon writes: their HDF5 outputs have bitwise the same
  spikes and traces, on 1 rank, 2 threads, 2 MPI ranks, and with the run cut
  in two (continuation);
- C errors arrive as Python exceptions carrying the C message (the same text
  `axon check` prints for the equivalent spec), the process goes on and the
  session stays usable;
- setup() refuses what axon cannot honour; reset() repeats a run exactly.
Needs Debian's python3-pynn, numpy, h5py; the build tree's libaxon.so."""
import os
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


def contents(path):
    """Spikes per population sorted by (time, id), and traces, of an axon file."""
    out = {}
    with h5py.File(path, "r") as f:
        for pop in f.get("spikes", {}):
            ids = f["spikes"][pop]["node_ids"][:]
            t = f["spikes"][pop]["timestamps"][:]
            o = np.lexsort((ids, t))
            out["spikes/" + pop] = (ids[o], t[o])
        for pop in f.get("report", {}):
            g = f["report"][pop]
            for var in g:
                if var in ("mapping", "data"):
                    continue
                cols = g["mapping"]["node_ids"][:]
                o = np.argsort(cols)
                out["report/%s/%s" % (pop, var)] = g[var]["data"][:][:, o]
    return out


def same(a, b):
    if set(a) != set(b):
        return False
    return all(all(np.array_equal(x, y) for x, y in zip(a[k], b[k])) if isinstance(a[k], tuple)
               else np.array_equal(a[k], b[k]) for k in a)


tmp = tempfile.mkdtemp(prefix="axon-pynn-session-")
net = os.path.join(here, "net_small.py")
spec = os.path.join(tmp, "net.yaml")
p1 = run([py, boot, net, os.path.join(tmp, "p1.h5"), spec])
check(p1.returncode == 0 and os.path.exists(spec), "pyNN.axon runs the network and writes its spec")
ref = run([axon, "run", spec, "-o", os.path.join(tmp, "ref.h5"), "-f", "-q", "-t", "1"])
check(ref.returncode == 0, "axon run takes the written spec")
if p1.returncode == 0 and ref.returncode == 0:
    a, r = contents(os.path.join(tmp, "p1.h5")), contents(os.path.join(tmp, "ref.h5"))
    n_spk = sum(v[0].size for k, v in a.items() if k.startswith("spikes"))
    check(n_spk > 50 and "report/I/V_m" in a, "the network is active (%d spikes) and traced" % n_spk)
    check(same(a, r), "pyNN.axon = axon run of the written spec, bitwise (spikes and traces)")
    for label, cmd in [
            ("2 threads", [py, boot, net, os.path.join(tmp, "t2.h5"), "-", "2"]),
            ("run(37.3) + run(62.7)", [py, boot, net, os.path.join(tmp, "t2.h5"), "-", "1", "split"]),
            ("2 MPI ranks", mpiexec + ["-n", "2"] + mpiargs + [py, boot, net,
                                                               os.path.join(tmp, "t2.h5")])]:
        p = run(cmd)
        check(p.returncode == 0 and same(contents(os.path.join(tmp, "t2.h5")), r),
              "%s: the same spikes and traces, bitwise" % label)

# ---- errors, in this process --------------------------------------------------
os.environ.setdefault("AXON_LIBRARY", os.path.join(top_build, ".libs", "libaxon.so"))
import pyNN  # noqa: E402
pyNN.__path__.insert(0, os.path.join(top_src, "python", "pyNN"))  # the tree's pyNN.axon (tools/axon-pynn)
import pyNN.axon as sim  # noqa: E402
from pyNN import errors  # noqa: E402

sim.setup(timestep=0.1)
try:
    sim.Population(2, sim.IF_curr_exp(v_reset=-50.0, v_thresh=-55.0), label="bad")
    check(False, "V_reset >= V_th refused")
except ValueError as e:
    msg = str(e)
    bad = os.path.join(tmp, "bad.yaml")
    with open(bad, "w") as f:
        f.write("simulation: {t_sim: 10}\npopulations:\n  bad: {model: iaf_psc_exp, n: 2, "
                "params: {V_reset: -50.0, V_th: -55.0}}\n")
    chk = run([axon, "check", bad])
    check(isinstance(e, errors.InvalidParameterValueError) and "V_reset must be < V_th" in msg,
          "a C error is a Python exception with C's message: %s" % msg)
    check(chk.returncode == 2 and msg in chk.stderr,
          "the message is the one axon check prints for the equivalent spec")
p = sim.Population(2, sim.IF_curr_exp(i_offset=1.0), label="ok")
p.record("v")
sim.run(5.0)
check(p.get_data().segments[0].analogsignals[0].shape == (51, 2),
      "after the error the session builds and runs")
for what, f, exc in [
        ("off-grid run", lambda: sim.run(0.05), ValueError),
        ("running backwards", lambda: sim.run_until(1.0), ValueError),
        ("a population at t > 0", lambda: sim.Population(1, sim.IF_curr_exp()), NotImplementedError),
        ("an unknown parameter", lambda: p.set(tau_xyz=1.0), Exception),
        ("unknown setup() keyword", lambda: sim.setup(timestep=0.1, bogus=1), ValueError),
        ("off_grid spike precision", lambda: sim.setup(spike_precision="off_grid"),
         NotImplementedError)]:
    try:
        f()
        check(False, "%s refused" % what)
    except exc as e:
        check(True, "%s refused: %s: %s" % (what, type(e).__name__, str(e).splitlines()[0][:120]))

# reset repeats a run exactly
sim.setup(timestep=0.1, rng_seed=7)
rng = sim.NativeRNG()
q = sim.Population(30, sim.IF_curr_alpha(i_offset=0.9), label="q")
q.initialize(v=sim.RandomDistribution('normal', (-60.0, 3.0), rng=rng))
sim.Projection(q, q, sim.FixedProbabilityConnector(0.2, rng=rng), sim.StaticSynapse(weight=0.3))
q.record(["v", "spikes"])
sim.run(40.0)
sim.reset()
sim.run(40.0)
seg = q.get_data().segments
check(len(seg) == 2 and np.array_equal(seg[0].analogsignals[0].magnitude,
                                       seg[1].analogsignals[0].magnitude)
      and sum(len(s) for s in seg[0].spiketrains) > 0
      and [list(s) for s in seg[0].spiketrains] == [list(s) for s in seg[1].spiketrains],
      "reset(): the second run repeats the first bitwise")
sim.end()
print("%d failure(s)" % fails)
sys.exit(1 if fails else 0)
