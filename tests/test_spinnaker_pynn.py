#!/usr/bin/python3
"""The SpiNNaker export runs under real PyNN and builds axon's connections.

Exports examples/brunel_small.yaml and tests/data/spinnaker_models.yaml
(every model, one-connection and two-receptor projections, a spike source
population with a from_list projection, devices), runs
each run.py with Debian's python3-pynn 0.10.1, pyNN.mock standing in for
pyNN.spiNNaker (tests/pynn_spinnaker_shim.py), and checks per projection
that the connections PyNN builds (Projection.get(..., format="list"), len,
receptor_type) equal the synapses axon builds (tests/hw_net_dump): counts,
population indices, delays (steps x dt), receptor types, and weights in the
units sPyNNaker's C code uses, computed here from the documented formulas
(docs/export.md "SpiNNaker"; derivations in /work/notes/spinnaker.md 2.7):
  IF_curr_delta  w = J (h/tau_m) / (1 - exp(-h/tau_m))  (cm = 1 nF)
  IFTruncDelta   w = J                                  (cm = 1 nF, tau_m = h)
  IF_curr_exp    w = J/1000 h (e_m - d) / ((tau_m - tau_s)(1 - e_m)(1 - d))
  IF_curr_alpha  w = J/1000 e tau_s (1 - d)^2 / ((h/tau_s)^2 d)
  IF_cond_exp    w = |J|/1000
with e_m = exp(-h/tau_m), d = exp(-h/tau_s); DC sources (run.py's `currents`)
carry amplitude x k (k = 1/C_m for IF_curr_delta/IFTruncDelta, 1e-3 else)
and their start/stop, Poisson sources their rate/start/duration. Also runs the whole brunel
script (sim.run, write_data, sim.end) under the mock backend.

Plastic projections (tests/data/spinnaker_stdp.yaml, issue 16 item 6): every
stdp_synapse with mu 0/0 or 1/1 is an STDPMechanism(SpikePairRule,
Additive/MultiplicativeWeightDependence) with the values docs/plasticity.md
derives from NEST's (read back from PyNN, per mechanism and per connection),
static ones StaticSynapse; sPyNNaker's rule run on the PyNN values gives
NEST's weights (over trains that move the weight to its bounds); run.py
saves each plastic projection's final weights. Before issue 16 item 6 the
export refused every STDP projection (the spinnaker_stdp.yaml case fails).

It fails on the export before issue 14: PyNN's StandardTextFile rejects its
second header line ("ValueError: not enough values to unpack").
"""
import json
import math
import os
import subprocess
import sys
import tempfile

SRC = os.environ.get("top_srcdir", ".")
BUILD = os.environ.get("top_builddir", ".")
AXON = os.environ.get("AXON", "./axon")
DUMP = os.path.join(BUILD, "tests", "hw_net_dump")
sys.path.insert(0, os.path.join(SRC, "tests"))

try:
    import pyNN  # noqa: F401
except ImportError:
    print("SKIP: python3-pynn is not installed (setup.sh installs it)")
    sys.exit(77)
import pynn_spinnaker_shim as shim  # noqa: E402

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def cell_of(pop, h):
    """(kind, weight function J, receptor -> PyNN weight) from the formulas above."""
    p, model = pop["params"], pop["model"]
    if model == "iaf_psc_delta":
        if math.isinf(p["tau_m"]):
            return "IFTruncDelta", lambda J, r: J
        tm = p["tau_m"]
        return "IF_curr_delta", lambda J, r: J * (h / tm) / (1 - math.exp(-h / tm))
    if model == "iaf_cond_exp":
        return "IF_cond_exp", lambda J, r: abs(J) / 1000
    tm = p["tau_m"]
    taus = (p["tau_syn_ex"], p["tau_syn_in"])

    def exp_w(J, r):
        ts = taus[r]
        em, d = math.exp(-h / tm), math.exp(-h / ts)
        return J / 1000 * h * (em - d) / ((tm - ts) * (1 - em) * (1 - d))

    def alpha_w(J, r):
        ts = taus[r]
        d = math.exp(-h / ts)
        return J / 1000 * math.e * ts * (1 - d) ** 2 / ((h / ts) ** 2 * d)

    return ("IF_curr_exp", exp_w) if model == "iaf_psc_exp" else ("IF_curr_alpha", alpha_w)


def current_scale(pop):
    """k: the board current (nA) that stands for 1 pA of the NEST neuron's
    (docs/export.md: 1/C_m for IF_curr_delta and IFTruncDelta, whose cm is
    1 nF; 1e-3 otherwise, cm = C_m/1000)."""
    return 1.0 / pop["params"]["C_m"] if pop["model"] == "iaf_psc_delta" else 1e-3


def receptor(pop, port, w):
    return port if pop["model"] != "iaf_psc_delta" else int(w < 0)


def same(a, b):
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b)) + 1e-300


def compare(name, proj, expected, rtype):
    got = sorted(tuple(c) for c in proj.get(["weight", "delay"], format="list"))
    exp = sorted(expected)
    check(len(proj) == len(exp), "%s: PyNN built %d connections, axon has %d" % (name, len(proj), len(exp)))
    check(proj.receptor_type == rtype, "%s: receptor %s, expected %s" % (name, proj.receptor_type, rtype))
    if len(got) != len(exp):
        return
    bad = [(g, e) for g, e in zip(got, exp)
           if int(g[0]) != e[0] or int(g[1]) != e[1] or not same(g[2], e[2]) or abs(g[3] - e[3]) > 1e-9]
    check(not bad, "%s: %d connections differ, first PyNN %s axon %s" % (name, len(bad), *(bad[0] if bad else ("", ""))))


def run_case(spec, outdir, extra):
    subprocess.run([AXON, "export", "--target", "spinnaker", spec, "-o", outdir] + extra, check=True,
                   stdout=subprocess.DEVNULL)
    net = json.loads(subprocess.run([DUMP, spec], check=True, stdout=subprocess.PIPE).stdout)
    h, pops = net["resolution"], net["pops"]
    g = shim.load(os.path.join(outdir, "run.py"))
    projs = g["projections"]
    for pop in pops:  # spike sources: a SpikeSourceArray replaying each neuron's times
        if pop["model"] == "spike_source_array":
            got = [list(t.value) for t in g["pops"][pop["name"]].get("spike_times")]
            check(type(g["pops"][pop["name"]].celltype).__name__ == "SpikeSourceArray", "%s: not a SpikeSourceArray" % pop["name"])
            check(got == pop["spike_times"], "%s: spike times %s, axon %s" % (pop["name"], got, pop["spike_times"]))
    seen = set()
    for k, pr in enumerate(net["proj"]):
        src, tgt = pops[pr["src"]], pops[pr["tgt"]]
        kind, wf = cell_of(tgt, h)
        per = {0: [], 1: []}
        for s, t, w, d, port in pr["synapses"]:
            r = receptor(tgt, port, w)
            per[r].append((s - src["first"], t - tgt["first"], wf(w, r), d * h))
        for r, rows in per.items():
            label = "proj%d_%s" % (k, ("exc", "inh")[r])
            if not rows:
                check(label not in projs, "%s: PyNN has a projection axon has not" % label)
                continue
            check(label in projs, "%s: missing from run.py" % label)
            if label in projs:
                compare(label, projs[label], rows, ("excitatory", "inhibitory")[r])
                check(projs[label].post.celltype.__class__.__name__.endswith(kind.split(".")[-1]),
                      "%s: target cell %s, expected %s" % (label, projs[label].post.celltype, kind))
                seen.add(label)
    for dv in net["devices"]:
        if dv["kind"] == "dc_generator":  # a current: amplitude x k of the target (nA)
            for t, (pi, first, count) in enumerate(dv["targets"]):
                label = "%s_%d" % (dv["name"], t)
                src = g.get("currents", {}).get(label)
                check(src is not None, "%s: DC source missing from run.py's currents" % label)
                if src is not None:
                    ps = src.parameter_space
                    ps.shape = (1,)
                    ps.evaluate(simplify=True)
                    want = dv["amplitude"] * current_scale(pops[pi])
                    check(same(ps["amplitude"], want), "%s: DC amplitude %r nA, expected %r (NEST %g pA x k)"
                          % (label, ps["amplitude"], want, dv["amplitude"]))
                    stop = dv["stop"] if math.isfinite(dv["stop"]) else None
                    got = (ps["start"], ps["stop"] if "stop" in ps.keys() and ps["stop"] < 1e300 else None)
                    check(got == (dv["start"], stop), "%s: start/stop %r, expected %r" % (label, got, (dv["start"], stop)))
            continue
        if dv["kind"] not in ("poisson_generator", "spike_generator"):
            continue
        for t, (pi, first, count) in enumerate(dv["targets"]):
            tgt = pops[pi]
            kind, wf = cell_of(tgt, h)
            auto = dv["receptor"] == "auto" or tgt["model"] == "iaf_psc_delta"
            r = int(dv["weight"] < 0) if auto else int(dv["receptor"] == "inhibitory")
            steps = max(1, round(dv["delay"] / h))
            n_src = count if dv["kind"] == "poisson_generator" else 1
            rows = [(i if n_src > 1 else 0, first + i, wf(dv["weight"], r), steps * h) for i in range(count)]
            label = "%s_%d" % (dv["name"], t)
            check(label in projs, "%s: device projection missing" % label)
            if label in projs:
                compare(label, projs[label], rows, ("excitatory", "inhibitory")[r])
                check(projs[label].pre.size == n_src, "%s: %d sources" % (label, projs[label].pre.size))
                if dv["kind"] == "poisson_generator":  # one SpikeSourcePoisson per target neuron
                    pre = projs[label].pre
                    got = {k: list(pre.get(k, simplify=False)) for k in ("rate", "start", "duration")}
                    dur = dv["stop"] - dv["start"] if math.isfinite(dv["stop"]) else None
                    check(got["rate"] == [dv["rate"]] * count and got["start"] == [dv["start"]] * count
                          and (dur is None or got["duration"] == [dur] * count),
                          "%s: SpikeSourcePoisson rate/start/duration %s, expected %g Hz from %g ms for %s ms"
                          % (label, {k: v[:1] for k, v in got.items()}, dv["rate"], dv["start"], dur))
                seen.add(label)
    check(seen == set(projs), "run.py projections not in axon's network: %s" % sorted(set(projs) - seen))
    n_plastic = check_synapse_types(net, projs)
    print("%s: %d PyNN projections match axon's synapses (%d plastic)" % (os.path.basename(spec), len(seen), n_plastic))
    return g


# ---- STDP: NEST's stdp_synapse as sPyNNaker's STDPMechanism ---------------
#
# NEST (nest-simulator models/stdp_synapse.h, nestkernel/archiving_node.cpp),
# in NEST weight units: facilitate w^ = w/Wmax + lambda (1 - w/Wmax)^mu_plus K+,
# at most 1; depress w^ = w/Wmax - alpha lambda (w/Wmax)^mu_minus K-, at least
# 0; w = w^ Wmax. sPyNNaker 7 (sPyNNaker f905ce88 neural_modelling/src/neuron/
# plasticity/stdp/weight_dependence/weight_additive_one_term_impl.h,
# weight_multiplicative_impl.h; the Python side weight_dependence_additive.py
# writes A_plus/A_minus unscaled since sPyNNaker e8a67bfc), in PyNN units:
# additive w + A_plus K (at most w_max), w - A_minus K (at least w_min);
# multiplicative w + A_plus (w_max - w) K, w - A_minus (w - w_min) K.
# Both pair all pre with all post spikes through traces that add 1 per spike
# (timing_pair_impl.h; archiving_node.cpp), the whole delay dendritic.

def nest_rule(q):
    W, lam, al, mp, mm = q["Wmax"], q["lambda"], q["alpha"], q["mu_plus"], q["mu_minus"]

    def fac(w, k):
        n = w / W + lam * (1 - w / W) ** mp * k
        return (n if n < 1 else 1.0) * W

    def dep(w, k):
        n = w / W - al * lam * (w / W) ** mm * k
        return (n if n > 0 else 0.0) * W
    return fac, dep


def board_rule(kind, ps):
    ap, am, lo, hi = ps["A_plus"], ps["A_minus"], ps["w_min"], ps["w_max"]
    if kind == "AdditiveWeightDependence":
        return (lambda w, k: min(hi, w + ap * k)), (lambda w, k: max(lo, w - am * k))
    return (lambda w, k: w + ap * (hi - w) * k), (lambda w, k: w - am * (w - lo) * k)


def pair_weights(pre, post, d, tau_plus, tau_minus, fac, dep, w):
    """The weight sent with each presynaptic spike (times in ms, d the
    delay): potentiation by every post spike in (t_last - d, t_pre - d] with
    the pre trace of t_last decayed to t_post + d, then one depression with
    the post trace at t_pre - d (post spikes strictly before: the test's
    trains have no t_post + d = t_pre, where sPyNNaker also depresses)."""
    out, kplus, last = [], 0.0, 0.0
    for t in pre:
        for tp in post:
            if last - d < tp <= t - d:
                w = fac(w, kplus * math.exp((last - (tp + d)) / tau_plus))
        w = dep(w, sum(math.exp(-(t - d - tp) / tau_minus) for tp in post if tp < t - d))
        kplus = kplus * math.exp((last - t) / tau_plus) + 1.0
        last = t
        out.append(w)
    return out


def check_synapse_types(net, projs):
    """Static projections get StaticSynapse; every plastic one the
    STDPMechanism the mapping (docs/plasticity.md "SpiNNaker") gives, with
    the values NEST's parameters imply, and the board's rule on those PyNN
    values sends NEST's weights (in PyNN units) for spike trains that move
    the weight across its whole range."""
    h, pops, n = net["resolution"], net["pops"], 0
    for k, pr in enumerate(net["proj"]):
        tgt = pops[pr["tgt"]]
        kind, wf = cell_of(tgt, h)
        for label in [l for l in ("proj%d_exc" % k, "proj%d_inh" % k) if l in projs]:
            r = int(label.endswith("inh"))
            st = projs[label].synapse_type
            q = pr.get("stdp")
            if q is None:
                check(type(st).__name__ == "StaticSynapse", "%s: static in axon, %s in run.py" % (label, type(st).__name__))
                continue
            n += 1
            check(type(st).__name__ == "STDPMechanism", "%s: plastic in axon, %s in run.py" % (label, type(st).__name__))
            if type(st).__name__ != "STDPMechanism":
                continue
            add = q["mu_plus"] == 0 and q["mu_minus"] == 0
            want_kind = "AdditiveWeightDependence" if add else "MultiplicativeWeightDependence"
            wd = type(st.weight_dependence).__name__
            check(type(st.timing_dependence).__name__ == "SpikePairRule" and wd == want_kind,
                  "%s: %s + %s, expected SpikePairRule + %s" % (label, type(st.timing_dependence).__name__, wd, want_kind))
            ps = st.parameter_space
            ps.shape = (1,)
            ps.evaluate(simplify=True)
            c = abs(wf(1.0, r))  # PyNN weight units per NEST weight unit on this receptor
            W = c * abs(q["Wmax"])
            want = {"tau_plus": q["tau_plus"], "tau_minus": tgt["params"]["tau_minus"], "w_min": 0.0, "w_max": W,
                    "A_plus": q["lambda"] * (W if add else 1.0),
                    "A_minus": q["alpha"] * q["lambda"] * (W if add else 1.0), "dendritic_delay_fraction": 1.0}
            for name, v in want.items():
                check(same(ps[name], v), "%s: %s = %r, expected %r" % (label, name, ps[name], v))
            # per connection too: PyNN hands these to every synapse
            rows = projs[label].get(["tau_plus", "A_plus", "w_max"], format="list", with_address=False)
            check(all(same(a, want["tau_plus"]) and same(b, want["A_plus"]) and same(m, W) for a, b, m in rows),
                  "%s: per-connection STDP values differ from the mechanism's" % label)
            # the board's rule on the written numbers = NEST's rule on NEST's:
            # pairs with the post spikes 1.5 and 3 ms after the pre spike (at
            # the synapse) drive the weight up, then post 4.2 ms before down
            d = pr["synapses"][0][3] * h
            pre = [5.0 + 50.0 * i for i in range(40)] + [2020.0 + 25.0 * i for i in range(40)]
            post = sorted([t + a - d for t in pre[:40] for a in (1.5, 3.0)] + [t - 4.2 - d for t in pre[40:]])
            w0, Wm = abs(pr["synapses"][0][2]), abs(q["Wmax"])
            nest = pair_weights(pre, post, d, q["tau_plus"], want["tau_minus"], *nest_rule(dict(q, Wmax=Wm)), w0)
            board = pair_weights(pre, post, d, ps["tau_plus"], ps["tau_minus"], *board_rule(wd, ps), c * w0)
            bad = [(i, b / c, x) for i, (b, x) in enumerate(zip(board, nest)) if abs(b / c - x) > 1e-9 * Wm]
            check(not bad, "%s: board rule on run.py's values departs from NEST's weights: %d of %d, first %s"
                  % (label, len(bad), len(nest), bad[:1]))
            moved = (max(nest) > 0.9 * Wm and min(nest) == 0) if add else max(nest) - min(nest) > 0.5 * Wm
            check(moved, "%s: the test trains do not move the weight across its range (max %g, min %g, Wmax %g)"
                  % (label, max(nest), min(nest), Wm))
    return n


with tempfile.TemporaryDirectory() as tmp:
    b = os.path.join(tmp, "b.yaml")
    with open(os.path.join(SRC, "examples", "brunel_small.yaml")) as f:
        text = f.read().replace("t_sim: 1000.0", "t_sim: 20.0")
    with open(b, "w") as f:
        f.write(text)
    run_case(b, os.path.join(tmp, "brunel"), [])
    check(shim.neurons_per_core == [("IF_curr_delta", 256)], "neurons per core: %s" % shim.neurons_per_core)
    # the whole script as `python3 run.py` runs it (mock backend)
    shim.run(os.path.join(tmp, "brunel", "run.py"))
    for pop in ("E", "I"):
        check(os.path.exists(os.path.join(tmp, "brunel", "result_%s.pkl" % pop)), "run.py wrote no result_%s" % pop)
    run_case(os.path.join(SRC, "tests", "data", "spinnaker_models.yaml"), os.path.join(tmp, "models"),
             ["--allow-approx"])
    # plastic projections: sPyNNaker's STDPMechanism, values from NEST's (docs/plasticity.md)
    g = run_case(os.path.join(SRC, "tests", "data", "spinnaker_stdp.yaml"), os.path.join(tmp, "stdp"), [])
    check(sum(type(p.synapse_type).__name__ == "STDPMechanism" for p in g["projections"].values()) == 4,
          "spinnaker_stdp.yaml: expected 4 plastic PyNN projections")
    shim.run(os.path.join(tmp, "stdp", "run.py"))
    for label in g["plastic"]:  # the final weights of each plastic projection, one row per connection
        path = os.path.join(tmp, "stdp", "weights_%s.txt" % label)
        rows = [l for l in open(path) if not l.startswith("#")] if os.path.exists(path) else []
        check(len(rows) == len(g["projections"][label]), "%s: %d final weights written" % (path, len(rows)))
    check(sorted(g["plastic"]) == ["proj0_exc", "proj1_exc", "proj2_inh", "proj3_exc"], "plastic: %s" % g["plastic"])

if failures:
    print("%d failure(s)" % len(failures))
    sys.exit(1)
print("ok")
