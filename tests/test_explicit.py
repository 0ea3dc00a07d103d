"""Explicit networks end to end: spike_source_array populations, per-neuron
parameter values and from_list projections (inline and from an HDF5 file),
docs/spec.md "Explicit networks".

Checked:
- the recorded spikes of a spike_source_array are its spike_times, with
  multiplicity (a repeated time is two spikes in one step);
- NEST spike_generator timing: a source spike at t reaches a target
  (iaf_psc_delta, leak-free, never firing) at t + d, with the listed
  weight: V_m in the multimeter trace equals E_L + sum of arrived weights;
- per-neuron values split a population into groups (tau_m, V_th listed)
  while E_L/I_e are kept per neuron: the same network on 1x1, 1x2, 2x1,
  2x2 and 3x1 ranks x threads is bitwise identical (spikes and V_m traces),
  and a restart from a checkpoint on 2x2 continues a 2x1 run bitwise;
- one neuron per distinct parameter set fires as a homogeneous population
  with that neuron's values does (grouping changes nothing);
- refusals: a list of the wrong length, per-neuron values that break a
  model rule (naming the neuron), a from_list index out of range, an
  off-grid listed delay, a spike source as a projection target, and both
  `weight` and `weights`.
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

SRC = os.environ.get("top_srcdir", ".")
AXON = os.environ.get("AXON", "./axon")
MPIEXEC = os.environ.get("MPIEXEC", "mpiexec")
MPIARGS = os.environ.get("MPIEXEC_ARGS", "--oversubscribe --bind-to none").split()
sys.path.insert(0, os.path.join(SRC, "tests"))
import compare_h5  # noqa: E402

FAILS = []


def check(ok, what, detail=""):
    print(("PASS: " if ok else "FAIL: ") + what + ("" if ok else f" ({detail})"))
    if not ok:
        FAILS.append(what)


def run(spec, out, ranks=1, threads=1, extra=()):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    cmd = [AXON, "run", spec, "-o", out, "-q", "--force", "-t", str(threads), *extra]
    if ranks > 1:
        cmd = [MPIEXEC, "-n", str(ranks), *MPIARGS, *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


def fl(v):
    return "[" + ", ".join(repr(float(x)) for x in v) + "]"


def il(v):
    return "[" + ", ".join(str(int(x)) for x in v) + "]"


def network(d):
    """Sources S (trains with repeats), E (iaf_psc_exp, per-neuron tau_m /
    V_th in 4 groups, per-neuron E_L / I_e), I (iaf_psc_delta); S->E inline
    list, E->E and I->E from an HDF5 file, E->I a rule."""
    rng = np.random.default_rng(5)
    nS, nE, nI = 20, 120, 30
    trains = []
    for j in range(nS):
        t = np.sort(rng.choice(np.arange(1, 3000), size=12) * 0.1)
        if j % 5 == 0:
            t = np.sort(np.concatenate([t, t[:2]]))   # multiplicity
        trains.append(np.round(t, 1))
    tau = rng.choice([8.0, 10.0, 12.5, 20.0], nE)
    vth = np.where(tau > 11, -52.0, -55.0)
    el = rng.uniform(-72, -65, nE)
    ie = rng.uniform(250, 420, nE)
    ss, st = rng.integers(0, nS, 400), rng.integers(0, nE, 400)
    sw = rng.uniform(50, 300, 400)
    with h5py.File(os.path.join(d, "conn.h5"), "w") as f:
        g = f.create_group("ee")
        n = 3000
        g["sources"] = rng.integers(0, nE, n).astype(np.int32)
        g["targets"] = rng.integers(0, nE, n)
        g["weights"] = rng.uniform(5, 60, n)
        g["delays"] = rng.integers(5, 30, n) * 0.1
        g = f.create_group("ie")
        g["sources"] = rng.integers(0, nI, 600)
        g["targets"] = rng.integers(0, nE, 600)
        g["weights"] = -rng.uniform(50, 200, 600)
    spec = f"""simulation: {{resolution: 0.1, t_sim: 400.0, seed: 11}}
populations:
  S: {{model: spike_source_array, n: {nS}, params: {{spike_times: [{", ".join(fl(t) for t in trains)}]}}}}
  E:
    model: iaf_psc_exp
    n: {nE}
    params: {{tau_m: {fl(tau)}, V_th: {fl(vth)}, E_L: {fl(el)}, I_e: {fl(ie)}, t_ref: 2.0}}
    initial: {{V_m: {fl(el + 3.0)}}}
  I: {{model: iaf_psc_delta, n: {nI}, params: {{I_e: 390.0}}}}
projections:
  - {{source: S, target: E, rule: from_list, sources: {il(ss)}, targets: {il(st)}, weights: {fl(sw)}, delay: 1.5}}
  - {{source: E, target: E, rule: from_list, file: conn.h5, group: /ee}}
  - {{source: I, target: E, rule: from_list, file: conn.h5, group: ie,
      delay: {{distribution: uniform, low: 0.5, high: 2.0}}}}
  - {{source: E, target: I, rule: fixed_indegree, indegree: 10, weight: 0.6, delay: 1.0}}
devices:
  rec: {{model: spike_recorder, sources: [S, E, I]}}
  mm: {{model: multimeter, sources: [E], record_from: [V_m, I_syn_ex], interval: 0.5}}
"""
    path = os.path.join(d, "explicit.yaml")
    with open(path, "w") as f:
        f.write(spec)
    return path, trains


def test_sources_and_decomposition(d):
    spec, trains = network(d)
    r = run(spec, os.path.join(d, "1x1.h5"))
    if r.returncode:
        check(False, "explicit network runs on 1x1", r.stderr.strip()[-400:])
        return
    with h5py.File(os.path.join(d, "1x1.h5"), "r") as f:
        ids, ts = f["spikes/S/node_ids"][()], f["spikes/S/timestamps"][()]
        got = [sorted(np.round(ts[ids == j], 4).tolist()) for j in range(len(trains))]
        want = [sorted(t.tolist()) for t in trains]
        check(got == want, "spike_source_array emits its spike_times (with multiplicity)",
              f"neuron 0: {got[0][:6]} vs {want[0][:6]}")
        nE = len(f["spikes/E/timestamps"][()])
        check(nE > 300, f"E fires ({nE} spikes) so the comparison means something", nE)
    for ranks, threads, pa in ((1, 2, "count"), (2, 1, "count"), (2, 2, "count"), (3, 1, "sort")):
        out = os.path.join(d, f"{ranks}x{threads}.h5")
        os.environ["AXON_PASS_A"] = pa
        r = run(spec, out, ranks, threads, ())
        os.environ.pop("AXON_PASS_A")
        ok = r.returncode == 0 and compare_h5.main(os.path.join(d, "1x1.h5"), out) == 0
        check(ok, f"{ranks}x{threads} bitwise equal to 1x1", r.stderr.strip()[-300:])
    ck = os.path.join(d, "ck")
    os.makedirs(ck)
    r = run(spec, os.path.join(d, "ck.h5"), 2, 1, ("--checkpoint-every", "200ms", "--checkpoint-dir", ck))
    check(r.returncode == 0, "checkpointing run", r.stderr.strip()[-300:])
    r = run(spec, os.path.join(d, "re.h5"), 2, 2, ("--restart", os.path.join(ck, "ckpt_200ms.h5")))
    ok = r.returncode == 0 and compare_h5.main(os.path.join(d, "1x1.h5"), os.path.join(d, "re.h5")) == 0
    check(ok, "restart at 200 ms on 2x2 continues bitwise (groups, sources, lists)", r.stderr.strip()[-300:])


def test_timing(d):
    """S -> T (leak-free, never fires): V_m = E_L + arrived weights."""
    spec = os.path.join(d, "timing.yaml")
    with open(spec, "w") as f:
        f.write("""simulation: {resolution: 0.1, t_sim: 12.0}
populations:
  S: {model: spike_source_array, n: 2, params: {spike_times: [[1.0, 3.0, 3.0], [2.0]]}}
  T: {model: iaf_psc_delta, n: 2, params: {tau_m: .inf, V_th: 1000.0, E_L: [0.0, 10.0], V_reset: -10.0}}
projections:
  - {source: S, target: T, rule: from_list, sources: [0, 1, 0], targets: [0, 0, 1],
     weights: [1.0, 10.0, 100.0], delays: [0.5, 2.0, 1.0]}
devices:
  mm: {model: multimeter, sources: [T], record_from: [V_m]}
""")
    out = os.path.join(d, "timing.h5")
    r = run(spec, out)
    if r.returncode:
        check(False, "timing network runs", r.stderr.strip())
        return
    with h5py.File(out, "r") as f:
        ids = f["report/T/mapping/node_ids"][()]
        v = f["report/T/V_m/data"][()]
    t = (np.arange(v.shape[0]) + 1) * 0.1
    # neuron 0: S0 at 1.0 (+0.5) and 3.0 twice (+0.5): 1 + 2; S1 at 2.0 (+2.0): 10
    # neuron 1: S0 via d 1.0 with 100 each: at 2.0 and twice at 4.0
    arr = {0: [(1.5, 1.0), (3.5, 2.0), (4.0, 10.0)], 1: [(2.0, 100.0), (4.0, 200.0)]}
    el = {0: 0.0, 1: 10.0}
    ok = True
    for col, nid in enumerate(ids):
        want = el[nid] + np.array([sum(w for ta, w in arr[nid] if ta <= tt + 1e-9) for tt in t])
        ok &= np.allclose(v[:, col], want, atol=1e-9)
    check(ok, "a source spike at t arrives at t + d with the listed weight (NEST spike_generator)",
          f"V_m {v[:50:5].tolist()}")


def test_groups_equal_homogeneous(d):
    """Neuron k of a population with listed tau_m/V_th fires as a
    one-neuron population with neuron k's values does."""
    taus, vths = [5.0, 10.0, 10.0, 25.0], [-55.0, -52.0, -55.0, -54.0]
    ie = [900.0, 500.0, 450.0, 400.0]
    pops = [f"  P: {{model: iaf_psc_delta, n: 4, params: {{tau_m: {fl(taus)}, V_th: {fl(vths)}, I_e: {fl(ie)}}}}}"]
    for k in range(4):
        pops.append(f"  Q{k}: {{model: iaf_psc_delta, n: 1, params: {{tau_m: {taus[k]}, V_th: {vths[k]}, I_e: {ie[k]}}}}}")
    spec = os.path.join(d, "groups.yaml")
    with open(spec, "w") as f:
        f.write("simulation: {resolution: 0.1, t_sim: 200.0}\npopulations:\n" + "\n".join(pops) +
                "\ndevices:\n  rec: {model: spike_recorder, sources: [P, Q0, Q1, Q2, Q3]}\n")
    out = os.path.join(d, "groups.h5")
    r = run(spec, out, 1, 2)
    if r.returncode:
        check(False, "grouped population runs", r.stderr.strip())
        return
    with h5py.File(out, "r") as f:
        ids, ts = f["spikes/P/node_ids"][()], f["spikes/P/timestamps"][()]
        ok = all(np.array_equal(np.sort(ts[ids == k]), np.sort(f[f"spikes/Q{k}/timestamps"][()]))
                 and len(ts[ids == k]) > 3 for k in range(4))
    check(ok, "per-neuron tau_m/V_th: each neuron fires as a homogeneous one-neuron population")


BAD = [
    ("params: {tau_m: [10, 20]}", "2 values for 3 neurons"),
    ("params: {V_reset: [-70, -50, -70], V_th: -55}", "neuron 1: iaf_psc_delta: V_reset must be < V_th"),
    ("initial: {V_m: [1, 2]}", "2 values for 3 neurons"),
]
BAD_PROJ = [
    ("{source: S, target: P, rule: from_list, sources: [0, 5], targets: [0, 1]}", "must be whole indices within S"),
    ("{source: S, target: P, rule: from_list, sources: [0], targets: [0], delays: [0.25]}",
     "delay 0.25 ms must be a positive multiple of the resolution"),
    ("{source: P, target: S, rule: all_to_all}", "is a spike source"),
    ("{source: S, target: P, rule: from_list, sources: [0], targets: [0], weight: 1.0, weights: [2.0]}",
     "either 'weight'"),
    ("{source: S, target: P, rule: from_list, sources: [0], targets: [0], allow_autapses: false}",
     "does not apply to rule from_list"),
    ("{source: S, target: P, rule: from_list, file: missing.h5}", "cannot open the connection list: No such file"),
    ("{source: S, target: P, rule: from_list, file: bad0.yaml}", "cannot open it as HDF5"),
]


def test_refusals(d):
    head = "simulation: {resolution: 0.1, t_sim: 10.0}\npopulations:\n"
    src = "  S: {model: spike_source_array, n: 2, params: {spike_times: [[1.0], [2.0]]}}\n"
    cases = [(head + src + f"  P: {{model: iaf_psc_delta, n: 3, {p}}}\n", want) for p, want in BAD]
    cases += [(head + src + "  P: {model: iaf_psc_delta, n: 3}\nprojections:\n  - " + p + "\n", want)
              for p, want in BAD_PROJ]
    for i, (text, want) in enumerate(cases):
        spec = os.path.join(d, f"bad{i}.yaml")
        with open(spec, "w") as f:
            f.write(text)
        r = subprocess.run([AXON, "check", spec], capture_output=True, text=True)
        check(r.returncode == 2 and want in r.stderr, f"refused: {want}", f"exit {r.returncode}: {r.stderr.strip()}")


def main():
    with tempfile.TemporaryDirectory(prefix="axon-explicit.") as d:
        test_timing(d)
        test_groups_equal_homogeneous(d)
        test_refusals(d)
        test_sources_and_decomposition(d)
    print(f"{len(FAILS)} failure(s)" if FAILS else "all explicit-network checks passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
