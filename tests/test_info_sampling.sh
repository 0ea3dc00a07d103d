#!/bin/sh
# `axon info` summarises the outputs of axon sample, axon calibrate (its
# HDF5 copy and its JSON) and axon sweep (issue 14 item 4); before, every
# one of them was "HDF5 but not an axon output file (no /axon group)",
# exit 2. Checked against the files themselves: the marginals, the last
# DKL and the spike count of a BM run; the fits of a calibration; a
# sweep's task counts and failure reasons (tests/sweep/bad_tasks.yaml: 3
# of 5 tasks fail); a network run still gets its own summary.
: "${top_srcdir:=.}" "${AXON:=./axon}" "${PYTHON:=python3}"
top_srcdir=$(cd "$top_srcdir" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/axon-info.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat > "$tmp/bm.yaml" <<EOF
boltzmann_machine:
  weights: [[0, 0.5, 0.1], [0.5, 0, -0.3], [0.1, -0.3, 0]]
  biases: [0.0, 0.1, -0.2]
  calibration: $top_srcdir/tests/data/sbs_calibration_example.json
  synapses: renewing
simulation: {dt: 0.1, duration: 500.0, burn_in: 50.0, seed: 4}
EOF
"$AXON" sample "$tmp/bm.yaml" -o "$tmp/bm.h5" -q -t 1 || fail "sample exited $?"
"$AXON" info "$tmp/bm.h5" > "$tmp/bm.txt" 2>&1 || fail "info of a BM output exited $?: $(cat "$tmp/bm.txt")"
"$AXON" calibrate "$top_srcdir/examples/sampler_tutorial.yaml" -o "$tmp/cal.json" -q -t 1 \
  --range -53 -48 --samples 10 --duration 300 --burn-in 20 || fail "calibrate exited $?"
"$AXON" info "$tmp/cal.h5" > "$tmp/cal.txt" 2>&1 || fail "info of cal.h5 exited $?: $(cat "$tmp/cal.txt")"
"$AXON" info "$tmp/cal.json" > "$tmp/calj.txt" 2>&1 || fail "info of cal.json exited $?: $(cat "$tmp/calj.txt")"
"$AXON" sweep "$top_srcdir/tests/sweep/bad_tasks.yaml" -o "$tmp/sw.h5" -t 1 -q || fail "sweep exited $?"
"$AXON" info "$tmp/sw.h5" > "$tmp/sw.txt" 2>&1 || fail "info of a sweep exited $?: $(cat "$tmp/sw.txt")"

"$PYTHON" - "$tmp" <<'PY' || fails=$((fails + 1))
import sys, h5py, numpy as np
d = sys.argv[1]
bad = []
txt = open(d + "/bm.txt").read()
with h5py.File(d + "/bm.h5", "r") as f:
    ms, mt = f["distributions/marginal_sim"][:], f["distributions/marginal_theo"][:]
    dj, t = f["convergence/dkl_joint"][:], f["convergence/t"][:]
    nsp = len(f["spikes/times"])
rows = [l.split() for l in txt.split("units\n")[1].split("\n\n")[0].splitlines()[1:]]
if not ("axon sample output" in txt and len(rows) == 3 and
        all(abs(float(r[7]) - ms[i]) < 6e-5 and abs(float(r[8]) - mt[i]) < 6e-5 for i, r in enumerate(rows))):
    bad.append("BM units/marginals: " + txt)
last = [l.split() for l in txt.splitlines() if l.strip().startswith("%g " % t[-1])]
if not last or abs(float(last[-1][1]) / dj[-1] - 1) > 1e-4:
    bad.append("BM last DKL %g not in %s" % (dj[-1], last))
if "spikes after burn-in: %d" % nsp not in txt:
    bad.append("BM spike count %d" % nsp)
if "renewing" not in txt or "tsodyks2: U 1, u 1, x 0" not in txt:
    bad.append("BM synapses")
txt = open(d + "/cal.txt").read()
with h5py.File(d + "/cal.h5", "r") as f:
    a = dict(f["calibration"].attrs)
if not ("axon calibrate output" in txt and "10 points" in txt and
        "alpha %.5g" % a["logistic_alpha"] in txt and "v_p05 %.5g" % a["erf_v_p05"] in txt):
    bad.append("calibration fits: " + txt)
txt = open(d + "/calj.txt").read()
if "valid calibration" not in txt or "cal.axon.json" not in txt:
    bad.append("calibration JSON: " + txt)
txt = open(d + "/sw.txt").read()
with h5py.File(d + "/sw.h5", "r") as f:
    st = f["tasks/status"][()]
    err = [e.decode() for e, s in zip(f["tasks/error"][()], st) if s == 2]
head = "%d tasks: %d ok, %d failed, 0 pending; complete" % (len(st), (st == 1).sum(), (st == 2).sum())
reasons = [l for l in txt.splitlines() if " x " in l and "error" in l]
if head not in txt or sum(int(l.split(" x ")[0]) for l in reasons) != len(err) or \
        not all(any(e in l for l in reasons) for e in err):
    bad.append("sweep: %s / %s" % (head, txt))
for b in bad:
    print("FAIL:", b)
if not bad:
    print("PASS: info of BM, calibration (h5, json) and sweep outputs matches the files")
sys.exit(1 if bad else 0)
PY

# a network run's output still gets the run summary
"$AXON" run "$top_srcdir/examples/single_neuron.yaml" -o "$tmp/run.h5" -q -t 1 > /dev/null 2>&1 \
  || fail "run exited $?"
"$AXON" info "$tmp/run.h5" 2>&1 | grep -q "populations" || fail "info of a run output"
[ $fails -eq 0 ] && echo "all passed" || echo "$fails failures"
exit $((fails > 0))
