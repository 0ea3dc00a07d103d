"""NEST 3.10's STDP reference cases s1-s3 end to end through `axon run`
(issue 16): tests/data/stdp_s<k>.yaml (spike_generator -> parrot_neuron ->
stdp_synapse / stdp_pl_synapse_hom -> iaf_psc_alpha, plus a driver) against
../shared/reference/nest_stdp/. Every weight the plastic synapse transmitted
(NEST's weight_recorder: the pre spike's stamp and the weight after its
update) within 1e-12 relative with bitwise equal times, the final weight
within 1e-12, V_m within 1e-9 mV at every step, identical post spike times.
Run with 1x1 and with 2 ranks x 2 threads (the same numbers).

The reference lives beside the repository (../shared/reference, or
$AXON_SHARED/reference): without it the test fails, as a skip would let a
broken checkout pass.
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
SHARED = os.environ.get("AXON_SHARED", os.path.join(SRC, "..", "shared"))
REF = os.path.join(SHARED, "reference", "nest_stdp")


def column(path, key):
    with open(path) as f:
        return [float(r[key]) for r in csv.DictReader(f)]


def run(spec, out, ranks, threads):
    cmd = [AXON, "run", spec, "-o", out, "-q", "-t", str(threads)]
    if ranks > 1:
        cmd = [os.environ.get("MPIEXEC", "mpiexec"), "-n", str(ranks)] + \
            os.environ.get("MPIEXEC_ARGS", "--oversubscribe --bind-to none").split() + cmd
    return subprocess.run(cmd, capture_output=True, text=True)


def check(cid, tmp, ranks, threads):
    spec = os.path.join(SRC, "tests", "data", f"stdp_{cid}.yaml")
    out = os.path.join(tmp, f"{cid}_{ranks}x{threads}.h5")
    r = run(spec, out, ranks, threads)
    tag = f"{cid} {ranks}x{threads}"
    if r.returncode != 0:
        print(f"{tag}: axon run failed ({r.returncode}): {r.stderr.strip()}")
        return False
    base = os.path.join(REF, f"stdp_{cid}")
    ref_t = column(base + "_weights.csv", "time_ms")
    ref_w = np.array(column(base + "_weights.csv", "weight"))
    ref_v = np.array(column(base + "_vm.csv", "V_m"))
    ref_s = column(base + "_spikes.csv", "time_ms")
    ref_final = json.load(open(base + "_final.json"))["final_weight"]
    with h5py.File(out, "r") as f:
        t = f["weights/wr/times"][()]
        w = f["weights/wr/weights"][()]
        final = f["weights/wr/final/weights"][()]
        vm = f["report/post/V_m/data"][()][:, 0]
        spikes = list(f["spikes/post/timestamps"][()])
    ok = len(w) == len(ref_w) and list(t) == ref_t
    rel = np.max(np.abs(w - ref_w) / np.abs(ref_w)) if ok else np.inf
    bitwise = int(np.sum(w == ref_w)) if ok else 0
    rel_final = abs(final[0] - ref_final) / abs(ref_final) if len(final) == 1 else np.inf
    dv = np.max(np.abs(vm - ref_v)) if len(vm) == len(ref_v) else np.inf
    ok = ok and rel <= 1e-12 and rel_final <= 1e-12 and dv <= 1e-9 and spikes == ref_s
    print(f"{tag}: {len(w)} weights (NEST {len(ref_w)}), max rel err {rel:.3g}, bitwise {bitwise}/"
          f"{len(ref_w)}; final {final[0] if len(final) else None!r} vs {ref_final!r} (rel {rel_final:.3g}); "
          f"max |V_m - NEST| {dv:.3g} mV; {len(spikes)} post spikes (NEST {len(ref_s)}, "
          f"{'same' if spikes == ref_s else 'DIFFERENT'}): {'ok' if ok else 'MISMATCH'}")
    return ok


def main():
    if not os.path.isdir(REF):
        print(f"FAIL: no NEST STDP reference at {REF} (set AXON_SHARED to the folder "
              "holding reference/nest_stdp)")
        return 1
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for cid in ("s1", "s2", "s3"):
            results.append(check(cid, tmp, 1, 1))
        results.append(check("s1", tmp, 2, 2))
    print(f"{sum(results)} of {len(results)} runs reproduce NEST's STDP reference")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
