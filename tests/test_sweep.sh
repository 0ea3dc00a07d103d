#!/bin/sh
# axon sweep (docs/sweeps.md): 200 tiny calibrations on 1 rank and on 3
# ranks give identical per-task results (each task has its own seed), the
# check subcommand counts tasks, bad tasks are recorded with their reasons
# while the sweep completes, a bad sweep file is file:line:col with exit 2
# and writes nothing, an existing result is not overwritten without
# --force, and export writes the row as an sbs calibration JSON.
: "${top_srcdir:=.}" "${AXON:=./axon}" "${PYTHON:=python3}"
: "${MPIEXEC:=mpiexec}" "${MPIEXEC_ARGS:=--oversubscribe}"
OMP_WAIT_POLICY=passive; export OMP_WAIT_POLICY
d="$top_srcdir/tests/sweep"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf tests/sweep_1.h5* tests/sweep_3.h5* tests/sweep_bad.h5* tests/sweep_spec.h5* tests/sweep_cal.json

"$AXON" sweep check "$d/tiny.yaml" > tests/sweep_check.out || fail "check exited $?"
grep -q ': 200 tasks' tests/sweep_check.out || fail "check does not count 200 tasks: $(cat tests/sweep_check.out)"
grep -q 'core-hours' tests/sweep_check.out || fail "check prints no estimate"

"$AXON" sweep "$d/tiny.yaml" -o tests/sweep_1.h5 -t 1 -q || fail "1-rank sweep exited $?"
"$MPIEXEC" -n 3 $MPIEXEC_ARGS "$AXON" sweep "$d/tiny.yaml" -o tests/sweep_3.h5 -t 1 --max-chunk 4 -q \
  || fail "3-rank sweep exited $?"
"$PYTHON" "$top_srcdir/tests/test_sweep_compare.py" tests/sweep_1.h5 tests/sweep_3.h5 \
  || fail "1 rank and 3 ranks differ"
[ -e tests/sweep_1.h5.journal ] && fail "journal left after a complete sweep"
"$PYTHON" - tests/sweep_1.h5 <<'PY' || fail "results table content"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r"); t = f["tasks"]
st = t["status"][()]
assert len(st) == 200 and (st == 1).sum() >= 150, "too few ok tasks: %d" % (st == 1).sum()
assert list(t["id"][()]) == list(range(200))
names = [n.decode() for n in t["param_names"][()]]
assert names == ["sampler.params.tau_m", "sampler.background.excitatory.rate"], names
p = t["params"][()]
assert p[0, 0] == 0.5 and p[199, 0] == 2.0 and p[0, 1] == 2000.0 and abs(p[19, 1] - 4000.0) < 1e-9
assert abs(p[1, 1] / p[0, 1] - 2 ** (1 / 19)) < 1e-12   # logspace: geometric steps
assert t["g_L"][5] == 0.2e3 / 0.5 and t["rate_ex"][19] == p[19, 1]   # the parameters reached the sampler
ok = st == 1
assert np.all(t["alpha"][ok] > 0) and np.all(t["logistic_alpha_se"][ok] >= 0)
assert len(set(t["seed"][()])) == 200, "task seeds are not distinct"
off = f["samples/offset"][()]
assert off[-1] == 8 * 200 and np.all(np.diff(off) == 8)
p_on = f["samples/p_on"][()]; n = f["samples/n_spikes"][()]
assert np.allclose(p_on, n * 10.0 / 300.0)
print("table ok: %d ok, %d failed" % (ok.sum(), (~ok).sum()))
PY

# an existing result is kept unless --force
"$AXON" sweep "$d/tiny.yaml" -o tests/sweep_1.h5 -t 1 -q 2> tests/sweep_err.out
[ $? -eq 2 ] || fail "rerun over an existing result did not exit 2"
grep -q 'resume' tests/sweep_err.out || fail "no hint about --resume: $(cat tests/sweep_err.out)"

# deliberately bad tasks: recorded, the sweep completes
"$AXON" sweep "$d/bad_tasks.yaml" -o tests/sweep_bad.h5 -t 2 -q || fail "bad-task sweep exited $?"
"$PYTHON" - tests/sweep_bad.h5 <<'PY' || fail "bad rows"
import sys, h5py, numpy as np
t = h5py.File(sys.argv[1], "r")["tasks"]
st = list(t["status"][()]); err = [e.decode() for e in t["error"][()]]
assert st == [1, 2, 2, 2, 1], st
assert "V_reset must be < V_th" in err[1] and "bad_tasks.yaml:" in err[1], err[1]
assert "points have" in err[2], err[2]
assert "C_m must be > 0" in err[3], err[3]
assert err[0] == "" and err[4] == ""
assert np.isnan(t["alpha"][1]) and t["alpha"][0] > 0
print("bad rows carry their reasons")
PY

# errors in the sweep file: file:line:col, exit 2, nothing written
"$AXON" sweep "$d/bad_spec.yaml" -o tests/sweep_spec.h5 -q 2> tests/sweep_err.out
[ $? -eq 2 ] || fail "bad sweep file did not exit 2"
grep -q 'bad_spec.yaml:9:38: linspace takes' tests/sweep_err.out || fail "message: $(cat tests/sweep_err.out)"
[ -e tests/sweep_spec.h5 ] || [ -e tests/sweep_spec.h5.journal ] && fail "output written for a bad sweep file"
"$AXON" sweep check "$d/bad_spec.yaml" 2>/dev/null; [ $? -eq 2 ] || fail "check of a bad file did not exit 2"

# export a row as an sbs calibration
k=$("$PYTHON" -c 'import sys, h5py; print(list(h5py.File(sys.argv[1], "r")["tasks/status"][()]).index(1, 7))' tests/sweep_1.h5)
"$AXON" sweep export tests/sweep_1.h5 --task "$k" -o tests/sweep_cal.json || fail "export exited $?"
"$PYTHON" - tests/sweep_1.h5 tests/sweep_cal.json "$k" <<'PY' || fail "exported JSON"
import sys, json, h5py
t = h5py.File(sys.argv[1], "r")["tasks"]; c = json.load(open(sys.argv[2])); k = int(sys.argv[3])
assert c["_type"] == "SamplerConfiguration"
assert c["calibration"]["fit"]["alpha"] == t["alpha"][k] and c["calibration"]["fit"]["v_p05"] == t["v_p05"][k]
ax = json.load(open(sys.argv[2][:-5] + ".axon.json"))
assert c["calibration"]["num_samples"] == 8 and ax["seed"] == int(t["seed"][k])
assert abs(c["neuron_parameters"]["tau_m"] - t["params"][k, 0]) < 1e-12
print("export ok")
PY
"$AXON" sweep export tests/sweep_bad.h5 --task 1 -o tests/sweep_cal.json 2>/dev/null
[ $? -eq 2 ] || fail "export of a failed task did not exit 2"

[ $fails -eq 0 ] && rm -rf tests/sweep_1.h5 tests/sweep_3.h5 tests/sweep_bad.h5 tests/sweep_cal.json tests/sweep_cal.axon.json tests/sweep_check.out tests/sweep_err.out
exit $((fails > 0))
