"""End-to-end check of every NEST 3.10 reference case through `axon run`:
the neuron, its spike_generators and a double-precision multimeter come from
a spec written from the case's JSON; V_m must match NEST's trace within
1e-9 mV at every step and the spike stamps must be identical. This checks the
engine's timing conventions (when generator spikes arrive, what the first
multimeter row is), not only the model kernels (tests/test_models does that).
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

SRC = os.environ.get("top_srcdir", ".")
AXON = os.environ.get("AXON", "./axon")
REF = os.path.join(SRC, "tests", "data", "nest")
PARAMS = {
    "iaf_psc_delta": ["E_L", "C_m", "tau_m", "t_ref", "V_th", "V_reset", "V_min", "I_e",
                      "refractory_input"],
    "iaf_psc_exp": ["E_L", "C_m", "tau_m", "t_ref", "V_th", "V_reset", "I_e", "tau_syn_ex",
                    "tau_syn_in"],
}


def yaml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v in ("inf", "-inf"):
        return ".inf" if v == "inf" else "-.inf"
    if isinstance(v, float) and np.isinf(v):
        return ".inf" if v > 0 else "-.inf"
    return repr(v)


def spec_for(case, out):
    model = case["model"]
    st = case["neuron_status"]
    params = ", ".join(f"{k}: {yaml_value(st[k])}" for k in PARAMS[model] if k in st)
    rec = ", ".join(case["multimeter"]["record_from"])
    lines = [
        f"simulation: {{resolution: {case['resolution_ms']}, t_sim: {case['simtime_ms']}, seed: 1}}",
        "populations:",
        f"  n: {{model: {model}, n: 1, params: {{{params}}}, initial: {{V_m: {st['V_m']!r}}}}}",
        "devices:",
        "  spikes: {model: spike_recorder, sources: [n]}",
        f"  vm: {{model: multimeter, record_from: [{rec}], interval: {case['multimeter']['interval']},"
        " precision: double, sources: [n]}",
    ]
    for i, inp in enumerate(case["inputs"]):
        times = ", ".join(repr(t) for t in inp["spike_times"])
        lines.append(f"  sg{i}: {{model: spike_generator, spike_times: [{times}], "
                     f"weight: {inp['weight']!r}, delay: {inp['delay']!r}, targets: [n]}}")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def check(cid, tmp):
    case = json.load(open(os.path.join(REF, f"case_{cid}.json")))
    spec = os.path.join(tmp, f"{cid}.yaml")
    h5 = os.path.join(tmp, f"{cid}.h5")
    spec_for(case, spec)
    r = subprocess.run([AXON, "run", spec, "-o", h5, "-q", "-t", "1"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        print(f"{cid}: axon run failed ({r.returncode}): {r.stderr.strip()}")
        return False
    ref = np.array([[float(x) for x in row] for row in
                    list(csv.reader(open(os.path.join(REF, f"case_{cid}_vm.csv"))))[1:]])
    ref_spk = [float(row[0]) for row in
               list(csv.reader(open(os.path.join(REF, f"case_{cid}_spikes.csv"))))[1:]]
    with h5py.File(h5, "r") as f:
        vm = f["report/n/V_m/data"][()][:, 0]
        t0, t1, dt = f["report/n/mapping/time"][()]
        spk = list(f["spikes/n/timestamps"][()])
    times = t0 + dt * np.arange(len(vm))
    ok = True
    if len(vm) != len(ref) or abs(times[0] - ref[0, 0]) > 1e-9:
        print(f"{cid}: {len(vm)} rows from t={times[0]} vs NEST {len(ref)} from t={ref[0, 0]}")
        return False
    err = np.max(np.abs(vm - ref[:, 1]))
    steps = [round(t / case["resolution_ms"]) for t in spk]
    ref_steps = [round(t / case["resolution_ms"]) for t in ref_spk]
    if err > 1e-9 or steps != ref_steps or spk != ref_spk:  # same doubles as NEST writes
        ok = False
    print(f"{cid}: max |V_m - NEST| = {err:.3g} mV, spikes {spk} vs NEST {ref_spk}: "
          f"{'ok' if ok else 'MISMATCH'}")
    return ok


def main():
    cases = sorted(f[5:-5] for f in os.listdir(REF) if f.startswith("case_") and f.endswith(".json"))
    with tempfile.TemporaryDirectory() as tmp:
        results = [check(c, tmp) for c in cases]
    print(f"{sum(results)} of {len(results)} NEST reference cases reproduced through axon run")
    return 0 if all(results) and results else 1


if __name__ == "__main__":
    sys.exit(main())
