"""Every weight a plastic network transmitted, replayed from its spikes with
NEST's algorithm (issue 16).

tests/data/stdp_replay.yaml is hpc_benchmark in small (E->E
stdp_pl_synapse_hom with every E in-degree equal to the E population, so
multapses and correlated inputs, plus P->E stdp_synapse from Poisson-driven
parrots with another dendritic delay). axon records the spikes of E and P and,
through a weight_recorder, every transmission of the plastic synapses onto
60 E targets. This test recomputes each of those weights from the recorded
spikes alone, with an implementation of NEST 3.10's rules written from NEST's
sources (models/stdp_synapse.h, models/stdp_pl_synapse_hom.{h,cpp},
nestkernel/archiving_node.cpp, nestkernel/nest_time.h; repository
nest/nest-simulator, tag v3.10) that shares no code with axon: post traces
over the whole spike history (nothing pruned), Kplus and t_lastspike per
synapse, times in NEST's tics. The reference cases s1-s3
(test_stdp_reference.py) pin the rule on one synapse; this pins it where a
network stresses it: hundreds of post spikes per synapse, multapses, parrot
spikes of multiplicity > 1, two delays, weights that drift far from their
start (the drift NEST's hpc_benchmark.py describes at scale 1), and the
engine's history sweep moved to every 100 ms (AXON_STDP_SWEEP_MS) so that
pruning and catch-up run a dozen times.

Every transmitted weight must equal the replay bitwise; the final weight of
every synapse must equal its last transmitted weight, or, where its source
was silent for longer than a sweep period, the replay's weight after the
potentiation NEST would apply at the next spike (docs/plasticity.md). Run on
1 rank x 2 threads and 2 ranks x 1 thread.
"""
import math
import os
import subprocess
import sys
import tempfile
from collections import defaultdict

import h5py
import numpy as np

SRC = os.environ.get("top_srcdir", ".")
AXON = os.environ.get("AXON", "./axon")
SPEC = os.path.join(SRC, "tests", "data", "stdp_replay.yaml")
H = 0.1                    # ms, the spec's resolution
TICS_PER_STEP = 100        # NEST's default 1000 tics per ms
EPS = 1e-6                 # NEST's stdp_eps (ms)
SWEEP_MS = 100
T_SIM = 1200.0
D_MIN = 15                 # steps: the spec's shortest synaptic delay, 1.5 ms
# sweeps happen at slice starts every ceil(SWEEP_MS / h / D) slices (stdp_store.c)
SWEEP_STEPS = math.ceil(SWEEP_MS / H / D_MIN - 1e-9) * D_MIN
SWEEPS = [0.001 * s * TICS_PER_STEP for s in range(SWEEP_STEPS, int(T_SIM / H) + 1, SWEEP_STEPS)]


def nest_ms(t):
    """NEST's double for a stamp: 0.001 * tics (Time::get_ms)."""
    return 0.001 * (int(round(t / H)) * TICS_PER_STEP)


def nest_delay(d):
    return int(math.floor(d / H + 0.5)) * (TICS_PER_STEP / 1000.0)


class Post:
    """A post neuron's archive (archiving_node.cpp): K_minus at each spike."""

    def __init__(self, times, tau_minus):
        inv = 1.0 / tau_minus
        self.t, self.k = list(times), []
        k, last = 0.0, -1.0
        for t in self.t:
            k = k * math.exp((last - t) * inv) + 1.0
            last = t
            self.k.append(k)
        self.inv = inv

    def window(self, t1, t2):
        """Spikes with t1 + eps <= t < t2 + eps (get_history)."""
        return [t for t in self.t if t1 + EPS <= t < t2 + EPS]

    def k_minus(self, t):
        for tj, kj in zip(reversed(self.t), reversed(self.k)):
            if t - tj > EPS:
                return kj * math.exp((tj - t) * self.inv)
        return 0.0


def pl_rule(p):
    inv = 1.0 / p["tau_plus"]
    fac = lambda w, k: w + (p["lambda"] * math.pow(w, p["mu"]) * k)

    def dep(w, k):
        n = w - (p["lambda"] * p["alpha"] * w * k)
        return n if n > 0.0 else 0.0
    return fac, dep, (lambda dt: math.exp(dt * inv))


def stdp_rule(p):
    wmax, lam, tau = p["Wmax"], p["lambda"], p["tau_plus"]

    def fac(w, k):
        n = (w / wmax) + (lam * math.pow(1.0 - (w / wmax), p["mu_plus"]) * k)
        return n * wmax if n < 1.0 else wmax

    def dep(w, k):
        n = (w / wmax) - (p["alpha"] * lam * math.pow(w / wmax, p["mu_minus"]) * k)
        return n * wmax if n > 0.0 else 0.0
    return fac, dep, (lambda dt: math.exp(dt / tau))


def replay(pre, post, w, d, rule, t_end):
    """Weights after each pre spike (stdp_synapse.h send()), then the weight
    with the potentiation by post spikes with t_post + d <= t_end applied."""
    fac, dep, decay = rule
    kplus, t_last, out = 0.0, 0.0, []
    for t in pre:
        for tp in post.window(t_last - d, t - d):
            w = fac(w, kplus * decay(t_last - (tp + d)))
        w = dep(w, post.k_minus(t - d))
        out.append(w)
        kplus = kplus * decay(t_last - t) + 1.0
        t_last = t
    pending = w
    for tp in post.window(t_last - d, t_end - d):
        pending = fac(pending, kplus * decay(t_last - (tp + d)))
    return out, pending


def run(out, ranks, threads):
    cmd = [AXON, "run", SPEC, "-o", out, "-q", "-t", str(threads)]
    if ranks > 1:
        cmd = [os.environ.get("MPIEXEC", "mpiexec"), "-n", str(ranks)] + \
            os.environ.get("MPIEXEC_ARGS", "--oversubscribe --bind-to none").split() + \
            ["-x", "AXON_STDP_SWEEP_MS"] + cmd
    env = dict(os.environ, AXON_STDP_SWEEP_MS=str(SWEEP_MS))
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


def load(path, dev="wr"):
    with h5py.File(path, "r") as f:
        names = [p["name"].decode() if isinstance(p["name"], bytes) else p["name"]
                 for p in f["axon/populations"][()]]
        sizes = [int(p["n"]) for p in f["axon/populations"][()]]
        first = dict(zip(names, np.cumsum([0] + sizes[:-1])))
        spikes = defaultdict(list)
        for pop in f["spikes"]:
            g = f["spikes"][pop]
            for nid, t in zip(g["node_ids"][()], g["timestamps"][()]):
                spikes[int(first[pop] + nid)].append(nest_ms(t))
        g = f["weights"][dev]
        ev = {k: g[k][()] for k in ("senders", "targets", "times", "weights", "projections")}
        fin = {k: g["final"][k][()] for k in ("senders", "targets", "weights", "projections")}
    for s in spikes.values():
        s.sort()
    return spikes, ev, fin


def check(path, params, tag, dev="wr"):
    spikes, ev, fin = load(path, dev)
    posts = {}
    # events per synapse key (projection, sender, target): time -> weights
    rows = defaultdict(lambda: defaultdict(list))
    for s, t, tm, w, p in zip(ev["senders"], ev["targets"], ev["times"], ev["weights"],
                              ev["projections"]):
        rows[(int(p), int(s), int(t))][nest_ms(tm)].append(float(w))
    finals = defaultdict(list)
    for s, t, w, p in zip(fin["senders"], fin["targets"], fin["weights"], fin["projections"]):
        finals[(int(p), int(s), int(t))].append(float(w))
    n_ev = n_bad = n_fin = n_fin_bad = n_pending = 0
    ranges = defaultdict(lambda: [math.inf, -math.inf])
    for key, fw in finals.items():
        proj, src, tgt = key
        w0, d, rule, tau_minus = params[proj]
        if tgt not in posts:
            posts[tgt] = Post(spikes.get(tgt, []), tau_minus)
        by_time = rows.get(key, {})
        k = len(fw)                     # multapses of this pair
        times = sorted(by_time)
        pre = spikes.get(src, [])
        delivered = [t for t in pre if t in by_time]
        undelivered = [t for t in pre if t not in by_time]
        # a stamp of multiplicity m is m transmissions of each of the k synapses
        mult = [sum(1 for t2 in pre if t2 == t) for t in times]
        if delivered != [t for t, m in zip(times, mult) for _ in range(m)] or \
                any(len(by_time[t]) != k * m for t, m in zip(times, mult)) or \
                any(t < T_SIM - 2 * d for t in undelivered):
            print(f"{tag}: synapse {key}: recorded transmissions do not match the source's "
                  f"spikes ({len(delivered)} delivered, undelivered {undelivered[:3]})")
            return False
        want, pending = replay(delivered, posts[tgt], w0, d, rule, T_SIM)
        i = 0
        for t, m in zip(times, mult):
            got = sorted(by_time[t])
            exp = sorted(want[i + j] for j in range(m) for _ in range(k))
            i += m
            n_ev += len(got)
            n_bad += sum(a != b for a, b in zip(got, exp))
        last = want[-1] if want else w0
        # the last silent gap: a sweep inside it applies the pending potentiation
        t_prev = delivered[-1] if delivered else 0.0
        swept = [s for s in SWEEPS if s - t_prev > SWEEP_MS]
        for w in fw:
            n_fin += 1
            if w == last:
                continue
            # pending potentiation up to a sweep that applied it
            if any(w == replay(delivered, posts[tgt], w0, d, rule, s)[1] for s in swept):
                n_pending += 1
                continue
            n_fin_bad += 1
        r = ranges[proj]
        r[0], r[1] = min(r[0], min(fw)), max(r[1], max(fw))
    # the comparison must be able to fail: both rules moved the weights far
    # from their start, and the sweep's catch-up took part
    moved = all(ranges[p][1] - ranges[p][0] > 0.1 * params[p][0] for p in params)
    ok = n_bad == 0 and n_fin_bad == 0 and n_ev > 100000 and n_pending > 0 and moved
    print(f"{tag}: {n_ev} transmitted weights of {len(finals)} synapse pairs replayed, "
          f"{n_bad} differ; final weights {n_fin} ({n_pending} with the sweep's pending "
          f"potentiation), {n_fin_bad} differ; final ranges " +
          ", ".join(f"projection {p} {ranges[p][0]:.2f}..{ranges[p][1]:.2f}" for p in sorted(ranges)) +
          f": {'ok' if ok else 'MISMATCH'}")
    return ok


def main():
    d_ee, d_pe = nest_delay(1.5), nest_delay(2.3)
    params = {   # projection index -> (initial weight, delay, rule, tau_minus)
        0: (250.0, d_ee, pl_rule({"tau_plus": 15.0, "lambda": 0.1, "alpha": 0.0513,
                                  "mu": 0.4}), 30.0),
        4: (80.0, d_pe, stdp_rule({"tau_plus": 16.8, "lambda": 0.02, "alpha": 1.2,
                                   "mu_plus": 1.0, "mu_minus": 1.0, "Wmax": 200.0}), 30.0),
    }
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for ranks, threads in ((1, 2), (2, 1)):
            out = os.path.join(tmp, f"r{ranks}x{threads}.h5")
            r = run(out, ranks, threads)
            if r.returncode != 0:
                print(f"{ranks}x{threads}: axon run failed ({r.returncode}): {r.stderr.strip()}")
                ok = False
                continue
            ok = check(out, params, f"{ranks}x{threads}") and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
