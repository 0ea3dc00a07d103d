#!/bin/sh
# Reduced calibration of the sbs tutorial sampler through `axon calibrate`
# (pre-scan + 80 points x 1e4 ms at dt 0.01 ms, ~2 s on 2 threads): alpha
# within 4 % of the reference 0.795 mV and v_p05 within 0.045 mV of
# -50.623 mV (~4-5 standard errors of this shorter run; the full
# 150 x 1e5 ms run is tests/test_sampling_slow.sh). Also: the JSON has sbs's fields and
# our extras, the HDF5 copy holds the raw samples, a fixed seed reproduces
# the counts exactly and 1x1 equals 2 ranks x 2 threads, bad input exits 2.
# (axon's extras are in the sidecar cal.axon.json since the sbs file holds
# only sbs's attributes.)
: "${top_srcdir:=.}" "${AXON:=./axon}" "${PYTHON:=python3}"
: "${MPIEXEC:=mpiexec}" "${MPIEXEC_ARGS:=--oversubscribe}"
ex="$top_srcdir/examples/sampler_tutorial.yaml"
# 2 ranks x 2 threads on a 2-core runner: spinning OpenMP barriers would
# starve each other once per slice; passive waiting keeps the run short.
OMP_WAIT_POLICY=passive; export OMP_WAIT_POLICY
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$AXON" calibrate "$ex" -o tests/sampling_cal.json --duration 10000 --samples 80 --seed 3 -t 2 \
  || fail "axon calibrate exited $?"
"$PYTHON" - tests/sampling_cal.json tests/sampling_cal.h5 <<'PY' || fails=$((fails + 1))
import json, sys
c = json.load(open(sys.argv[1]))
cal = c["calibration"]
ax = json.load(open(sys.argv[1][:-5] + ".axon.json"))  # axon's extras: the sidecar
assert c["_type"] == "SamplerConfiguration" and cal["_type"] == "Calibration"
assert c["neuron_parameters"]["pynn_model"] == "IF_cond_exp" and c["neuron_parameters"]["cm"] == 0.2
assert cal["num_samples"] == 80 and len(cal["samples_p_on"]) == 80 and cal["duration"] == 10000
assert cal["source_config"]["rates"] == [3000.0, 3000.0]
a, v = cal["fit"]["alpha"], cal["fit"]["v_p05"]
print("alpha %.4f mV  v_p05 %.4f mV  (reference 0.795, -50.623)" % (a, v))
assert abs(a / 0.795 - 1) < 0.04, "alpha %g not within 4%% of 0.795" % a
assert abs(v + 50.623) < 0.045, "v_p05 %g not within 0.045 mV of -50.623" % v
lg, ef = ax["logistic"], ax["erf"]
assert lg["alpha"] == a and lg["alpha_se"] > 0 and lg["rms_residual"] > 0 and ef["rms_residual"] > 0
assert abs(ef["v_p05"] - v) < 0.05 and ef["sigma"] > 0
# p_on recomputes from the stored counts
for p, n in zip(cal["samples_p_on"], ax["samples_n_spikes"]):
    assert abs(p - n * 10.0 / 10000) < 1e-12
try:
    import h5py
except ImportError:
    print("h5py missing: HDF5 copy not inspected"); sys.exit(0)
with h5py.File(sys.argv[2], "r") as f:
    g = f["calibration"]
    assert list(g["p_on"][:]) == cal["samples_p_on"] and list(g["v_rest"][:]) == ax["samples_v_rest"]
    assert g.attrs["alpha"] == a and g.attrs["logistic_rms_residual"] == lg["rms_residual"]
PY

# same seed, same counts; 1 x 1 equals 2 ranks x 2 threads (no pre-scan, small)
small="--range -52 -49 --samples 12 --duration 400 --burn-in 100 --seed 9 -q"
"$AXON" calibrate "$ex" -o tests/sampling_c1.json $small -t 1 || fail "small calibration 1x1"
"$AXON" calibrate "$ex" -o tests/sampling_c1b.json $small -t 1 || fail "small calibration again"
$MPIEXEC -n 2 $MPIEXEC_ARGS -x OMP_WAIT_POLICY "$AXON" calibrate "$ex" -o tests/sampling_c4.json $small -t 2 \
  || fail "small calibration 2x2"
"$PYTHON" - tests/sampling_c1.json tests/sampling_c1b.json tests/sampling_c4.json <<'PY' || fails=$((fails + 1))
import json, sys
n = [json.load(open(p[:-5] + ".axon.json"))["samples_n_spikes"] for p in sys.argv[1:]]
assert sum(n[0]) > 0, "no spikes"
assert n[0] == n[1], "same seed, different counts"
assert n[0] == n[2], "1x1 and 2x2 differ: %s vs %s" % (n[0], n[2])
PY

# bad input: file:line:col, exit 2
printf 'sampler:\n  model: IF_cond_exp\n  params: {cm: 0.2, bogus: 1}\n' > tests/sampling_bad.yaml
out=$("$AXON" calibrate tests/sampling_bad.yaml -o tests/sampling_bad.json 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "bad sampler exit $rc (want 2)"
printf '%s\n' "$out" | grep -q "sampling_bad.yaml:3:.*bogus" || fail "no file:line:col in: $out"
rm -f tests/sampling_bad.yaml
"$AXON" calibrate --help | grep -q "usage: \[mpirun -np R\] axon calibrate" || fail "--help"
echo "$fails failures"
[ "$fails" -eq 0 ] && rm -f tests/sampling_cal.json tests/sampling_cal.axon.json tests/sampling_cal.h5 tests/sampling_c1.json tests/sampling_c1.axon.json tests/sampling_c1.h5 tests/sampling_c1b.json tests/sampling_c1b.axon.json tests/sampling_c1b.h5 tests/sampling_c4.json tests/sampling_c4.axon.json tests/sampling_c4.h5
[ "$fails" -eq 0 ]
