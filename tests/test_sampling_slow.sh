#!/bin/sh
# Benchmark / slow test (NOT in make check): the full sbs tutorial
# calibration, 150 points x 1e5 ms at dt 0.01 ms after a 500 ms burn-in
# (1.5e9 neuron-steps), and the 5-unit BM sampled for 1e5 ms.
# Checks alpha within 3 % of 0.795 mV, v_p05 within 0.05 mV of -50.623 mV
# (NEST 3.10 reference), BM DKL <= 0.03 at 1e5 ms; prints DKL at 1e3, 1e4,
# 1e5 ms and the calibration wall time / calibrations per hour per core.
# Run: top_srcdir=. AXON=./axon OMP_NUM_THREADS=2 sh tests/test_sampling_slow.sh
: "${top_srcdir:=.}" "${AXON:=./axon}" "${PYTHON:=/usr/bin/python3}"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
"$AXON" calibrate "$top_srcdir/examples/sampler_tutorial.yaml" -o tests/sampling_full.json \
  -t "${OMP_NUM_THREADS:-2}" || fail "calibrate"
"$PYTHON" - tests/sampling_full.json <<'PY' || fails=$((fails + 1))
import json, sys
c = json.load(open(sys.argv[1])); f = c["calibration"]["fit"]
ax = json.load(open(sys.argv[1][:-5] + ".axon.json"))
print("alpha %.4f +- %.4f mV, v_p05 %.4f +- %.4f mV, final sweep %.1f s" % (
    f["alpha"], ax["logistic"]["alpha_se"], f["v_p05"], ax["logistic"]["v_p05_se"], ax["wall_final_s"]))
assert abs(f["alpha"] / 0.795 - 1) < 0.03 and abs(f["v_p05"] + 50.623) < 0.05
PY
"$AXON" sample "$top_srcdir/examples/bm_5.yaml" -o tests/sampling_bm_full.h5 -f || fail "sample"
"$PYTHON" - tests/sampling_bm_full.h5 <<'PY' || fails=$((fails + 1))
import sys, h5py
f = h5py.File(sys.argv[1], "r"); t = list(f["convergence/t"][:]); d = f["convergence/dkl_joint"][:]
for x in (1e3, 1e4, 1e5): print("DKL(theo||sim) at %g ms: %.4f" % (x, d[t.index(x)]))
assert d[t.index(1e5)] <= 0.03 and d[t.index(1e3)] > d[t.index(1e4)]
PY
[ "$fails" -eq 0 ] && rm -f tests/sampling_full.json tests/sampling_full.h5 tests/sampling_bm_full.h5
[ "$fails" -eq 0 ]
