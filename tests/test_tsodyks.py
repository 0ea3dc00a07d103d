"""tsodyks2 and tsodyks synapses end to end (tests/data/tsodyks.yaml).

The targets are leak-free iaf_psc_delta neurons that never fire, so V_m is
E_L plus the sum of every weight that has arrived. The expected weights
come from NEST's tsodyks2_synapse::send written out here (weight x*u*w with
the current state, then x and u advanced over the interval since the
source's previous spike, t_lastspike starting at 0), applied to the source
spike times axon recorded; for tsodyks_synapse, from the exact solution of
Tsodyks, Uziel & Markram (2000) eqs. (3)-(4) as NEST's
models/tsodyks_synapse.h states it (u, x, y propagated over the interval,
then u += U (1 - u), the spike moves u x from x to y and sends w u x). Checked: 1x1, 2 ranks x 2 threads (bitwise equal
to 1x1), and a restart from a checkpoint at 105 ms on 2 ranks x 1 thread;
both delivery modes (AXON_DELIVERY=direct, deferred) and restarts across
them give the same bits;
the static projection from the same source must stay unscaled.
"""
import math
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
SPEC = os.path.join(SRC, "tests", "data", "tsodyks.yaml")
PROJS = [("src1", 2.0, 1.0, dict(U=0.5, u=0.5, x=1.0, tau_rec=20.0, tau_fac=5.0)),
         ("src1", 0.25, 2.0, None),
         ("src2", -4.0, 1.5, dict(U=1.0, u=1.0, x=0.0, tau_rec=10.0, tau_fac=0.0)),
         ("src2", 3.0, 2.5, dict(U=0.4, u=0.1, x=0.8, y=0.15, tau_rec=30.0, tau_fac=15.0,
                                 tau_psc=4.0))]


def tsodyks(p, times, w, d):
    """NEST's tsodyks_synapse for one source train: (arrival, weight) pairs."""
    x, y, u, last, out = p["x"], p["y"], p["u"], 0.0, []
    for t in times:
        h = t - last
        Puu = math.exp(-h / p["tau_fac"]) if p["tau_fac"] != 0.0 else 0.0
        Pyy, Pzz = math.exp(-h / p["tau_psc"]), math.exp(-h / p["tau_rec"])
        Pxy = ((Pzz - 1.0) * p["tau_rec"] - (Pyy - 1.0) * p["tau_psc"]) / (p["tau_psc"] - p["tau_rec"])
        z = 1.0 - x - y
        u *= Puu
        x += Pxy * y + (1.0 - Pzz) * z
        y *= Pyy
        u += p["U"] * (1.0 - u)
        dy = u * x
        x -= dy
        y += dy
        out.append((t + d, dy * w))
        last = t
    return out


def arrivals(spikes):
    out = []
    for src, w, d, p in PROJS:
        if p is None:
            out += [(t + d, w) for t in spikes[src]]
            continue
        if "tau_psc" in p:
            out += tsodyks(p, spikes[src], w, d)
            continue
        x, u, last = p["x"], p["u"], 0.0
        for t in spikes[src]:
            out.append((t + d, x * u * w))
            h = t - last
            x = 1.0 + (x - x * u - 1.0) * math.exp(-h / p["tau_rec"])
            u_decay = math.exp(-h / p["tau_fac"]) if p["tau_fac"] >= 1e-10 else 0.0
            u = p["U"] + u * (1.0 - p["U"]) * u_decay
            last = t
    return out


def run(out, ranks, threads, extra=(), delivery=None):
    cmd = [AXON, "run", SPEC, "-o", out, "-t", str(threads), "--force", *extra]
    if ranks > 1:
        cmd = [MPIEXEC, "-n", str(ranks), *MPIARGS, *cmd]
    env = dict(os.environ)
    if delivery:  # the engine's two delivery modes (src/engine/deliver.c) give the same bits
        env["AXON_DELIVERY"] = delivery
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {r.returncode}\n{r.stderr}")


def check(path):
    with h5py.File(path, "r") as f:
        spikes = {p: np.array(f["spikes"][p]["timestamps"]) for p in ("src1", "src2")}
        rep = f["report/dst"]
        v = np.array(rep["V_m/data"])
        t0, _, dt = rep["mapping/time"]
    if len(spikes["src1"]) != 8 or len(spikes["src2"]) != 7:
        sys.exit(f"FAIL: {path}: sources fired {len(spikes['src1'])}, {len(spikes['src2'])} "
                 "times, expected 8 and 7 (one per generator spike)")
    arr = arrivals(spikes)
    t = t0 + dt * np.arange(v.shape[0])
    want = np.array([-70.0 + sum(w for ta, w in arr if ta <= tt + 1e-9) for tt in t])
    err = np.abs(v - want[:, None]).max()
    if not err < 1e-9:
        k = int(np.argmax(np.abs(v - want[:, None]).max(axis=1)))
        sys.exit(f"FAIL: {path}: V_m differs from NEST's tsodyks2 by {err:g} mV "
                 f"(first at t = {t[k]:g} ms: {v[k, 0]!r} vs {want[k]!r})")
    print(f"{path}: max |V_m - expected| = {err:.2e} mV")
    return v


def main():
    with tempfile.TemporaryDirectory() as tmp:
        a = os.path.join(tmp, "a.h5")
        run(a, 1, 1, ["--checkpoint-every", "105", "--checkpoint-dir", tmp])
        va = check(a)
        b = os.path.join(tmp, "b.h5")
        run(b, 2, 2)
        if not np.array_equal(va, check(b)):
            sys.exit("FAIL: 1x1 and 2x2 V_m traces are not bitwise equal")
        c = os.path.join(tmp, "c.h5")
        run(c, 2, 1, ["--restart", os.path.join(tmp, "ckpt_105ms.h5")])
        if not np.array_equal(va, check(c)):
            sys.exit("FAIL: the run restarted at 105 ms differs from the uninterrupted one")
        for mode in ("direct", "deferred"):
            m = os.path.join(tmp, mode)
            os.makedirs(m)
            run(os.path.join(m, "d.h5"), 1, 2, ["--checkpoint-every", "105", "--checkpoint-dir", m],
                delivery=mode)
            if not np.array_equal(va, check(os.path.join(m, "d.h5"))):
                sys.exit(f"FAIL: {mode} delivery differs from the 1x1 run")
        other = {"direct": "deferred", "deferred": "direct"}
        for mode in other:  # a checkpoint of one mode restarts in the other
            e = os.path.join(tmp, mode, "e.h5")
            run(e, 1, 1, ["--restart", os.path.join(tmp, other[mode], "ckpt_105ms.h5")],
                delivery=mode)
            if not np.array_equal(va, check(e)):
                sys.exit(f"FAIL: restarted in {mode} delivery from a {other[mode]} checkpoint: "
                         "differs")
    print("tsodyks2 and tsodyks: NEST semantics, decomposition and restart OK")


if __name__ == "__main__":
    main()
