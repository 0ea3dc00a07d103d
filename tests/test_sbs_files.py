"""axon's calibration JSON as sbs reads it and computes with it.

sbs (electronicvisions/spike-based-sampling, read at 8270fbc) is Python 2
only and cannot be imported on Debian 12, so this test performs the
operations sbs performs on the file, with numpy, each with its source:

- loading: sbs/db/core.py Data.load (l.71-88: json.load, the top level's
  "_type", cls(**dict)) and Data.from_dict (l.195-224): a key that is not a
  declared attribute logs "[Class] Unexpected attribute: key" (l.204-206);
  a dict for a Data-typed attribute is built from its own "_type"
  (l.212-219); an np.ndarray-typed value becomes np.array(value) (l.221-222,
  dtype inferred: integers give int64); anything else stays as parsed.
  Declared attributes, merged over base classes (core.py l.16-49):
  sbs/db/__init__.py Fit l.19-26, Calibration l.29-51, TsoParameters
  l.54-114, SamplerConfiguration l.117-128; sbs/db/neuron_parameters.py
  NeuronParameters l.13-16, NeuronParametersTauRefracVirtual l.58-69,
  ...ConductanceExponential l.94-110, ...CurrentExponential l.131-145;
  sbs/db/sources.py PoissonSourceConfiguration l.212-220, its
  _verify_parameters l.386-392.
- weight translation of a network (sbs/network.py
  convert_weights_theo_to_bio l.192-199: column j with sampler j), per
  sampler sbs/samplers.py convert_weights_theo_to_bio l.394-419 (W >= 0
  excitatory), _calc_factor_weights_theo_to_bio l.656-722 (IF_cond_exp and
  IF_curr_exp branches, tau_r = tau_refrac_calibration), the free-membrane
  statistics get_vmem_dist_theo l.352-368 -> get_calibration_source_parameters
  l.344-350 -> PoissonSourceConfiguration.get_distribution_parameters
  (sources.py l.371-384) -> sbs/utils.py IF_cond_exp_distribution l.61-109
  (rates /= 1000. in place, l.76-77) / IF_curr_exp_distribution l.172-214,
  at v_rest = v_p05 + alpha * b (get_v_rest_from_bias l.227-232).

Checked: an `axon calibrate` output (the tutorial sampler: integral rates
3000 Hz, tau_m 1, e_rev_E 0, ...) loads without "Unexpected attribute",
every attribute sbs declares float is a JSON float, num_samples an integer
np.linspace takes, the weight translation runs (the int64 rates of the old
writer raised UFuncTypeError at `rates_exc /= 1000.`), and its numbers are
the translated weights `axon sample` used (/bm/w_bio) and its resting
potentials; the same for a current-based sampler. Also `axon sweep export`.
"""
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

SRC = os.environ.get("top_srcdir", ".")
AXON = os.environ.get("AXON", "./axon")
fails = []


def check(ok, what):
    print("%s: %s" % ("PASS" if ok else "FAIL", what))
    if not ok:
        fails.append(what)


FLOAT, STR, DICT, ARR, DATA = "float", "str", "dict", "ndarray", "Data"
NEURON = dict(pynn_model=STR, tau_refrac_virtual=FLOAT, cm=FLOAT, tau_m=FLOAT, tau_refrac=FLOAT,
              tau_syn_E=FLOAT, tau_syn_I=FLOAT, i_offset=FLOAT, v_rest=FLOAT, v_reset=FLOAT,
              v_thresh=FLOAT)
ATTRS = {
    "SamplerConfiguration": dict(neuron_parameters=DATA, calibration=DATA, source_config=DATA,
                                 tso_parameters=DATA),
    "Calibration": dict(sim_name=STR, sim_setup_kwargs=DICT, duration=FLOAT, dt=FLOAT,
                        burn_in_time=FLOAT, V_rest_min=FLOAT, V_rest_max=FLOAT,
                        num_samples=FLOAT, samples_p_on=ARR, fit=DATA, source_config=DATA),
    "Fit": dict(alpha=FLOAT, v_p05=FLOAT),
    "TsoParameters": dict(U=FLOAT, u=FLOAT, x=FLOAT, tau_rec=FLOAT, tau_fac=FLOAT,
                          weight_rescale=FLOAT),
    "NeuronParametersConductanceExponential": dict(NEURON, e_rev_E=FLOAT, e_rev_I=FLOAT),
    "NeuronParametersCurrentExponential": dict(NEURON),
    "PoissonSourceConfiguration": dict(rates=ARR, weights=ARR),
}
CONSTANTS = {"pynn_model"}  # class constants: skipped on load (core.py l.208-210)


class Obj(dict):
    pass


def from_dict(cls, d, errors, not_float, where):
    """sbs's Data(**d) for class cls: an Obj of the loaded attributes."""
    o = Obj(_type=cls)
    for name, v in d.items():
        if name == "_type":
            continue
        if name not in ATTRS[cls]:
            errors.append("[%s] Unexpected attribute: %s" % (cls, name))
            continue
        if name in CONSTANTS:
            continue
        kind = ATTRS[cls][name]
        if isinstance(v, dict) and kind == DATA:
            v = from_dict(v["_type"], v, errors, not_float, where + "." + name)  # KeyError: no _type
        elif v is not None and kind == ARR:
            if any(not isinstance(x, float) for x in np.ravel(v)):
                not_float.append(where + "." + name)
            v = np.array(v)
        elif v is not None and kind == FLOAT and not isinstance(v, float) and name != "num_samples":
            not_float.append(where + "." + name)  # Python 2 would floor int / int
        o[name] = v
    for name in ATTRS[cls]:  # set_empty (core.py l.154-160)
        o.setdefault(name, None)
    return o


def sbs_load(path):
    d = json.load(open(path))
    errors, not_float = [], []
    assert d["_type"] == "SamplerConfiguration", d["_type"]
    return from_dict(d["_type"], d, errors, not_float, ""), errors, not_float


def vmem_dist(npar, src, v_rest):
    """sbs/utils.py IF_cond_exp_distribution / IF_curr_exp_distribution:
    mean, std, g_tot, tau_eff (PyNN units: uS, nF, ms, mV)."""
    w = src["weights"]
    if src["rates"].size == 1:  # sources.py _verify_parameters l.387-388
        src["rates"] = np.array([src["rates"]] * w.size)
    is_exc = w > 0.
    rates_exc, rates_inh = src["rates"][is_exc], src["rates"][~is_exc]
    weights_exc, weights_inh = w[is_exc], w[~is_exc]
    rates_exc /= 1000.  # l.76-77: fails for an int64 array
    rates_inh /= 1000.
    cm, g_l = npar["cm"], npar["cm"] / npar["tau_m"]
    te, ti = npar["tau_syn_E"], npar["tau_syn_I"]
    if npar["_type"] == "NeuronParametersConductanceExponential":
        weights_exc, weights_inh = np.abs(weights_exc), np.abs(weights_inh)
        g_exc = np.dot(weights_exc, rates_exc) * te
        g_inh = np.dot(weights_inh, rates_inh) * ti
        g_tot = g_exc + g_inh + g_l
        tau_eff = cm / g_tot
        v_eff = (npar["e_rev_E"] * g_exc + npar["e_rev_I"] * g_inh + v_rest * g_l) / g_tot
        s_exc = weights_exc * (npar["e_rev_E"] - v_eff) * (1 / (1 / te - 1 / tau_eff)) / tau_eff / g_tot
        s_inh = weights_inh * (npar["e_rev_I"] - v_eff) * (1 / (1 / ti - 1 / tau_eff)) / tau_eff / g_tot
    else:
        g_tot = g_l
        tau_eff = cm / g_tot
        v_eff = (np.dot(weights_exc, rates_exc) * te + np.dot(weights_inh, rates_inh) * ti) / g_l + v_rest
        s_exc = weights_exc * (1 / (1 / te - 1 / tau_eff)) / tau_eff / g_tot
        s_inh = weights_inh * (1 / (1 / ti - 1 / tau_eff)) / tau_eff / g_tot
    var = (np.dot(rates_exc, s_exc ** 2) * (te / 2 + tau_eff / 2 - 2 * tau_eff * te / (tau_eff + te)) +
           np.dot(rates_inh, s_inh ** 2) * (ti / 2 + tau_eff / 2 - 2 * tau_eff * ti / (tau_eff + ti)))
    return v_eff, np.sqrt(var), g_tot, tau_eff


def factor(cfg, bias, excitatory):
    """sbs/samplers.py _calc_factor_weights_theo_to_bio (uS|nA per unit W)."""
    npar, cal = cfg["neuron_parameters"], cfg["calibration"]
    alpha, v_p05 = cal["fit"]["alpha"], cal["fit"]["v_p05"]
    src = {k: np.array(v) for k, v in cal["source_config"].items() if k != "_type"}
    mean, std, g_tot, tau_eff = vmem_dist(npar, src, v_p05 + alpha * bias)
    cm = npar["cm"]
    tau = npar["tau_syn_E"] if excitatory else npar["tau_syn_I"]
    tau_r = npar["tau_refrac_virtual"] if npar["tau_refrac_virtual"] is not None else npar["tau_refrac"]
    if npar["_type"] == "NeuronParametersConductanceExponential":
        g_l = cm / npar["tau_m"]
        delta_e = npar["e_rev_E"] - mean if excitatory else mean - npar["e_rev_I"]
        return (alpha * g_l / g_tot * tau_r / tau /
                (delta_e / (cm - g_tot * tau) *
                 (-cm / g_tot * (np.exp(-tau_r * g_tot / cm) - 1.) + tau * (np.exp(-tau_r / tau) - 1.))))
    return (alpha * tau_r / tau /
            (1. / (cm - g_tot * tau) *
             (-cm / g_tot * (np.exp(-tau_r * g_tot / cm) - 1.) + tau * (np.exp(-tau_r / tau) - 1.))))


def sbs_weights(cfg, W, b):
    """sbs/network.py convert_weights_theo_to_bio: column j with sampler j."""
    n = len(b)
    out = np.zeros((n, n))
    for j in range(n):
        f = np.array([factor(cfg, b[j], False), factor(cfg, b[j], True)])
        out[:, j] = W[:, j] * f[np.array(W[:, j] >= 0., dtype=int)]
    return out


W = np.array([[0.0, -0.0931, 0.0461, 0.2402, 0.3079], [-0.0931, 0.0, 0.0754, -0.3706, 0.0792],
              [0.0461, 0.0754, 0.0, -0.3998, -0.4143], [0.2402, -0.3706, -0.3998, 0.0, -0.7093],
              [0.3079, 0.0792, -0.4143, -0.7093, 0.0]])
B = np.array([0.0555, -0.5755, 0.1878, -0.3003, -0.1458])


def run(args, what):
    p = subprocess.run([AXON] + args, capture_output=True, text=True)
    check(p.returncode == 0, "%s exits 0 (%s)" % (what, p.stderr.strip()[-300:]))
    return p.returncode == 0


def against_sample(cal, tmp, name):
    """Load cal as sbs does, translate bm_5's W and b, compare with axon sample."""
    cfg, errors, not_float = sbs_load(cal)
    check(not errors, "%s: sbs logs no Unexpected attribute (%s)" % (name, errors))
    check(not not_float, "%s: every attribute sbs declares float is a JSON float (%s)"
          % (name, not_float))
    c = cfg["calibration"]
    ns = json.load(open(cal))["calibration"]["num_samples"]
    check(isinstance(ns, int) and len(np.linspace(c["V_rest_min"], c["V_rest_max"], ns)) == ns,
          "%s: num_samples is an integer np.linspace takes" % name)
    try:
        w_sbs = sbs_weights(cfg, W, B)
    except Exception as e:  # noqa: BLE001 - the old files raised UFuncTypeError here
        check(False, "%s: sbs's weight translation computes (%s: %s)" % (name, type(e).__name__, e))
        return
    check(True, "%s: sbs's weight translation computes" % name)
    bm = os.path.join(tmp, name + "_bm.yaml")
    with open(bm, "w") as f:
        f.write("boltzmann_machine:\n  weights: %s\n  biases: %s\n  calibration: %s\n"
                "simulation: {dt: 0.1, duration: 100.0, burn_in: 10.0, seed: 1}\n"
                % (json.dumps(W.tolist()), json.dumps(B.tolist()), os.path.abspath(cal)))
    out = os.path.join(tmp, name + "_bm.h5")
    if not run(["sample", bm, "-o", out, "-q", "-t", "1"], "%s: axon sample" % name):
        return
    with h5py.File(out, "r") as f:
        w_axon = f["bm/w_bio"][:] / 1000.0  # nS|pA -> uS|nA
        v_axon = f["bm/v_rest"][:]
    rel = np.max(np.abs(w_axon - w_sbs) / np.maximum(np.abs(w_sbs), 1e-300))
    check(rel < 1e-10, "%s: axon's translated weights equal sbs's (max rel diff %.2e)" % (name, rel))
    v_sbs = c["fit"]["v_p05"] + c["fit"]["alpha"] * B
    check(np.max(np.abs(v_axon - v_sbs)) < 1e-12, "%s: resting potentials equal sbs's" % name)


def main():
    tmp = tempfile.mkdtemp(prefix="axon_sbs_files_")
    ex = os.path.join(SRC, "examples", "sampler_tutorial.yaml")
    cal = os.path.join(tmp, "cal.json")
    fast = ["--range", "-53", "-48", "--samples", "12", "--duration", "300", "--burn-in", "20",
            "-q", "-t", "1"]
    if run(["calibrate", ex, "-o", cal] + fast, "axon calibrate (IF_cond_exp)"):
        against_sample(cal, tmp, "cond")
        sp = os.path.join(tmp, "cal.axon.json")
        side = json.load(open(sp)) if os.path.exists(sp) else {}
        check(side.get("axon_sidecar_of") == "cal.json" and len(side["samples_n_spikes"]) == 12
              and "rms_residual" in side["logistic"], "the sidecar cal.axon.json holds axon's extras")
    curr = os.path.join(tmp, "curr.yaml")
    with open(curr, "w") as f:  # a current-based sampler with integral numbers
        f.write("sampler:\n  model: IF_curr_exp\n  params: {cm: 0.2, tau_m: 10.0, v_thresh: -50.0,"
                " tau_syn_E: 5.0, tau_syn_I: 5.0, v_rest: -60.0, v_reset: -60.0, tau_refrac: 10.0,"
                " i_offset: 0.0}\n  background:\n    excitatory: {rate: 2000.0, weight: 0.05}\n"
                "    inhibitory: {rate: 2000.0, weight: -0.05}\n")
    calc = os.path.join(tmp, "curr.json")
    fastc = ["--range", "-70", "-40", "--samples", "12", "--duration", "300", "--burn-in", "20",
             "-q", "-t", "1"]
    if run(["calibrate", curr, "-o", calc] + fastc, "axon calibrate (IF_curr_exp)"):
        against_sample(calc, tmp, "curr")
    # a sweep row exported as an sbs calibration
    sweep = os.path.join(tmp, "sweep.yaml")
    with open(sweep, "w") as f:
        f.write("sweep:\n  base: %s\n  calibration: {dt: 0.1, duration: 300.0, burn_in: 20.0, "
                "num_samples: 12, prescan: false, v_rest_min: -53.0, v_rest_max: -48.0}\n"
                "  axes:\n    sampler.params.tau_m: [1.0, 2.0]\n" % os.path.abspath(ex))
    sh5, sj = os.path.join(tmp, "sweep.h5"), os.path.join(tmp, "exported.json")
    if run(["sweep", sweep, "-o", sh5, "-t", "1"], "axon sweep") and \
            run(["sweep", "export", sh5, "--task", "0", "-o", sj], "axon sweep export"):
        against_sample(sj, tmp, "export")
    print("%d failures" % len(fails))
    if not fails:
        subprocess.run(["rm", "-rf", tmp])
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
