"""sbs-written calibrations read by axon (tests/data/sbs_calibration_example.json:
sbs's layout, synthetic numbers, see tests/data/sbs_calibration_example.txt).

sbs (electronicvisions/spike-based-sampling @ 8270fbc) cannot run here
(Python 2); its arithmetic is written out in tests/test_sbs_files.py, whose
helpers this test imports. Every sbs setting is honoured or refused:

- `axon sample` with tau_refrac_virtual, i_offset != 0 and a top-level
  source_config gives sbs's translated weights: tau_r = tau_refrac_virtual
  (sbs/samplers.py l.656-722), the free-membrane mean without i_offset
  (sbs/utils.py l.61-109: **sink), the calibration's source_config for the
  translation (sbs/samplers.py get_calibration_source_parameters l.344-350)
  and the top-level one as the network background (LIFsampler.source_config
  l.149-156); states last tau_refrac_virtual (sbs/network.py l.586-588);
- tso_parameters / weight_rescale act with `synapses: renewing` (sbs/network.py
  create_connectivity l.453-533), are refused with static synapses, and must
  be one set for all units (l.68-72);
- `axon calibrate` re-calibrates an sbs file as sbs's calibrate() does
  (sbs/samplers.py l.234-321: the file's duration, dt, burn_in_time,
  num_samples, source_config; p_on = n tau_refrac_calibration / duration,
  sbs/gather_data.py l.230), keeping what sbs's write_config keeps;
- random-refractory and alpha-shaped neuron types, other source types,
  unknown attributes, nulls where sbs would fall back to NEST defaults, and
  simulator settings axon lacks are refused naming the setting at
  file:line:col, exit 2;
- tools/axon-plot-sampling plots the sbs file (no KeyError on rms_residual).
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_sbs_files as sf  # noqa: E402

SRC = sf.SRC
AXON = sf.AXON
FIX = os.path.abspath(os.path.join(SRC, "tests", "data", "sbs_calibration_example.json"))
check = sf.check


def axon(args):
    return subprocess.run([AXON] + args, capture_output=True, text=True)


def write(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
    return path


def bm_file(tmp, name, cals, synapses="static", n=None):
    n = n or len(sf.B)
    cal = json.dumps(cals if isinstance(cals, str) else cals)
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write("boltzmann_machine:\n  weights: %s\n  biases: %s\n  calibration: %s\n"
                "  synapses: %s\nsimulation: {dt: 0.1, duration: 200.0, burn_in: 20.0, seed: 3}\n"
                % (json.dumps(sf.W[:n, :n].tolist()), json.dumps(sf.B[:n].tolist()), cal, synapses))
    return path


def sample(tmp, name, cals, synapses="static"):
    out = os.path.join(tmp, name + ".h5")
    p = axon(["sample", bm_file(tmp, name, cals, synapses), "-o", out, "-q", "-f", "-t", "1"])
    return p, out


def refused(p, setting, where):
    return p.returncode == 2 and setting in p.stderr and where in p.stderr


def settings(tmp, base):
    """tau_refrac_virtual, i_offset and a top-level source_config."""
    c = copy.deepcopy(base)
    c["neuron_parameters"]["tau_refrac_virtual"] = 10.5
    c["neuron_parameters"]["i_offset"] = 0.05
    c["source_config"] = {"_type": "PoissonSourceConfiguration", "rates": [2000.0, 4000.0],
                          "weights": [-0.0015, 0.0012]}
    path = write(os.path.join(tmp, "settings.json"), c)
    cfg, errors, _ = sf.sbs_load(path)
    w_sbs = sf.sbs_weights(cfg, sf.W, sf.B)
    p, out = sample(tmp, "settings", path)
    check(p.returncode == 0, "axon sample of an sbs file with tau_refrac_virtual, i_offset, "
          "top-level source_config (%s)" % p.stderr.strip()[-200:])
    if p.returncode:
        return
    with h5py.File(out, "r") as f:
        w = f["bm/w_bio"][:] / 1000.0
        bg = f["bm/background"][:] if "background" in f["bm"] else None
        t_on = f["bm/t_on"][:] if "t_on" in f["bm"] else None
        v = f["bm/v_rest"][:]
    rel = np.max(np.abs(w - w_sbs) / np.maximum(np.abs(w_sbs), 1e-300))
    check(rel < 1e-10, "translated weights equal sbs's: tau_r = tau_refrac_virtual, mean without "
          "i_offset, calibration.source_config (max rel diff %.2e)" % rel)
    fit = c["calibration"]["fit"]
    check(np.max(np.abs(v - (fit["v_p05"] + fit["alpha"] * sf.B))) < 1e-12, "biases as sbs's")
    check(bg is not None and np.allclose(bg, [[4000.0, 1.2, 2000.0, -1.5]] * len(sf.B),
                                         rtol=1e-12, atol=0),
          "the network background is the top-level source_config (%s)" % bg)
    check(t_on is not None and np.all(t_on == 10.5), "states last tau_refrac_virtual")


def tso(tmp, base):
    c = copy.deepcopy(base)
    c["tso_parameters"] = {"_type": "TsoParameters", "U": 0.5, "u": 0.5, "x": 0.8,
                           "tau_rec": None, "tau_fac": 30.0, "weight_rescale": 1.5}
    path = write(os.path.join(tmp, "tso.json"), c)
    p, out = sample(tmp, "tso_renewing", path, "renewing")
    check(p.returncode == 0, "tso_parameters with renewing synapses run (%s)" % p.stderr[-200:])
    if p.returncode == 0:
        with h5py.File(out, "r") as f:
            a = f["bm"].attrs
            got = [a.get(k) for k in ("tso_U", "tso_u", "tso_x", "tso_tau_rec", "tso_tau_fac",
                                      "weight_rescale")]
        check(got == [0.5, 0.5, 0.8, 0.0, 30.0, 1.5], "the run used the file's tso_parameters "
              "(%s)" % got)
    p, _ = sample(tmp, "tso_static", path, "static")
    check(refused(p, "tso_parameters", "tso_static.yaml:5:"), "tso_parameters with static "
          "synapses are refused, not ignored (%s)" % p.stderr.strip())
    d = copy.deepcopy(base)
    d["tso_parameters"] = dict(c["tso_parameters"], U=0.3)
    other = write(os.path.join(tmp, "tso_other.json"), d)
    p, _ = sample(tmp, "tso_mixed", [path] + [other] * 4, "renewing")
    check(refused(p, "different tso_parameters", "tso_mixed.yaml:4:"),
          "units with different tso_parameters are refused (%s)" % p.stderr.strip())


def refusals(tmp, base):
    cases = []

    def case(name, change, setting, line_hint=None):
        c = copy.deepcopy(base)
        change(c)
        cases.append((name, write(os.path.join(tmp, name + ".json"), c), setting))

    def rtr(c):
        c["neuron_parameters"]["_type"] = "ConductanceExponentialRandomRefractory"
        c["neuron_parameters"]["tau_refrac_dist"] = {"distribution": "uniform", "low": 8.0,
                                                     "high": 12.0}
    case("rtr", rtr, "ConductanceExponentialRandomRefractory")

    def alpha(c):
        c["neuron_parameters"]["_type"] = "NeuronParametersConductanceAlpha"
        c["neuron_parameters"]["pynn_model"] = "IF_cond_alpha"
    case("alpha", alpha, "NeuronParametersConductanceAlpha")
    case("sinus", lambda c: c["calibration"]["source_config"].update(
        _type="SinusPoissonSourceConfiguration"), "SinusPoissonSourceConfiguration")
    case("unknown", lambda c: c["neuron_parameters"].update(nest_model="iaf_cond_exp"),
         "nest_model")
    case("null_u", lambda c: c.update(tso_parameters={"_type": "TsoParameters", "U": None}),
         "tso_parameters.U is null")
    case("three_sources", lambda c: c["calibration"]["source_config"].update(
        rates=[3000.0, 3000.0, 100.0], weights=[-0.001, 0.001, 0.002]), "source_config")
    case("no_fit", lambda c: c["calibration"].update(fit=None), "calibration.fit")
    case("bad_ns", lambda c: c["calibration"].update(num_samples=149), "num_samples")
    for name, path, setting in cases:
        p, _ = sample(tmp, "refuse_" + name, path)
        check(refused(p, setting, path + ":"), "axon sample refuses %s naming %s at file:line:col "
              "(%s)" % (name, setting, p.stderr.strip()[-240:]))
    # a scalar rate is broadcast to every weight (sbs/db/sources.py l.387-388)
    c = copy.deepcopy(base)
    c["calibration"]["source_config"]["rates"] = 3000.0
    p, _ = sample(tmp, "scalar_rate", write(os.path.join(tmp, "scalar.json"), c))
    check(p.returncode == 0, "a scalar source rate applies to every weight (%s)" % p.stderr[-200:])


def recalibrate(tmp, base):
    """`axon calibrate` of an sbs file, as sbs's calibrate() (shortened)."""
    c = copy.deepcopy(base)
    c["calibration"].update(dt=0.1, duration=1000.0, burn_in_time=20.0, num_samples=16,
                            samples_p_on=None)
    c["neuron_parameters"]["tau_refrac_virtual"] = 10.5
    c["source_config"] = {"_type": "PoissonSourceConfiguration", "rates": [2000.0, 4000.0],
                          "weights": [-0.0015, 0.0012]}
    c["tso_parameters"] = {"_type": "TsoParameters", "U": 0.5, "u": 0.5, "x": 0.0,
                           "tau_rec": 4.0, "tau_fac": None, "weight_rescale": 1.0}
    src = write(os.path.join(tmp, "recal_in.json"), c)
    out = os.path.join(tmp, "recal.json")
    p = axon(["calibrate", src, "-o", out, "-q", "-t", "1", "--no-prescan"])
    check(p.returncode == 0, "axon calibrate takes an sbs calibration (%s)" % p.stderr.strip())
    if p.returncode:
        return
    sp = os.path.join(tmp, "recal.axon.json")
    r, side = json.load(open(out)), json.load(open(sp)) if os.path.exists(sp) else {}
    rc = r["calibration"]
    check(rc["dt"] == 0.1 and rc["duration"] == 1000.0 and rc["burn_in_time"] == 20.0 and
          rc["num_samples"] == 16, "it runs with the file's dt, duration, burn_in_time, num_samples")
    check(rc["V_rest_min"] == c["calibration"]["V_rest_min"] and
          rc["V_rest_max"] == c["calibration"]["V_rest_max"],
          "--no-prescan sweeps the file's V_rest_min..V_rest_max (sbs: perform_pre_calibration=False)")
    n = np.array(side.get("samples_n_spikes") or r.get("axon", {}).get("samples_n_spikes"))
    check(np.allclose(rc["samples_p_on"], n * 10.5 / 1000.0, rtol=1e-14, atol=0),
          "p_on = n_spikes * tau_refrac_virtual / duration (sbs/gather_data.py l.230)")
    check(r["neuron_parameters"]["tau_refrac_virtual"] == 10.5 and
          r["source_config"]["rates"] == [2000.0, 4000.0] and
          r["tso_parameters"]["tau_rec"] == 4.0 and r["tso_parameters"]["U"] == 0.5,
          "tau_refrac_virtual, the top-level source_config and tso_parameters are kept")
    cfg, errors, not_float = sf.sbs_load(out)
    check(not errors and not not_float, "the re-calibration is again a file sbs loads cleanly")
    p = axon(["calibrate", src, "-o", os.path.join(tmp, "recal2.json"), "-q", "-t", "1",
              "--duration", "300", "--samples", "12"])
    check(p.returncode == 0, "with its pre-calibration (as sbs's default) (%s)" % p.stderr[-200:])
    bad = copy.deepcopy(c)
    bad["calibration"]["sim_setup_kwargs"] = {"spike_precision": "off_grid"}
    p = axon(["calibrate", write(os.path.join(tmp, "offgrid.json"), bad), "-o",
              os.path.join(tmp, "x.json"), "-q"])
    check(refused(p, "sim_setup_kwargs.spike_precision", "offgrid.json:"),
          "a simulator setting axon lacks is refused (%s)" % p.stderr.strip())


def plot(tmp):
    tool = os.path.join(SRC, "tools", "axon-plot-sampling")
    png = os.path.join(tmp, "sbs.png")
    p = subprocess.run([sys.executable, tool, FIX, "-o", png], capture_output=True, text=True)
    check(p.returncode == 0 and os.path.getsize(png) > 1000,
          "tools/axon-plot-sampling plots an sbs-written calibration (%s)" % p.stderr.strip()[-300:])


def main():
    tmp = tempfile.mkdtemp(prefix="axon_sbs_read_")
    base = json.load(open(FIX))
    p, _ = sample(tmp, "fixture", FIX)
    check(p.returncode == 0, "axon sample reads sbs's own file (%s)" % p.stderr.strip())
    settings(tmp, base)
    tso(tmp, base)
    refusals(tmp, base)
    recalibrate(tmp, base)
    plot(tmp)
    print("%d failures" % len(sf.fails))
    if not sf.fails:
        subprocess.run(["rm", "-rf", tmp])
    return 1 if sf.fails else 0


if __name__ == "__main__":
    sys.exit(main())
