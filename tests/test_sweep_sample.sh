#!/bin/sh
# axon sweep with task: sample (docs/sweeps.md): 24 short Boltzmann-machine
# runs on 1 rank and on 3 ranks give bitwise identical per-task results;
# the parameters reach the BM (the exact Boltzmann marginals of each row are
# those of W * weight_scale, b + bias_shift); tasks with bad parameters fail
# with their reasons while the sweep completes; a misspelt parameter is
# file:line:col with exit 2 and no output; synapses static/renewing is a
# parameter and a task equals `axon sample` of its BM with the task's seed;
# export of a sample task and a resume with a sweep of the other kind exit
# 2; the example checks and runs.
: "${top_srcdir:=.}" "${AXON:=./axon}" "${PYTHON:=python3}"
: "${MPIEXEC:=mpiexec}" "${MPIEXEC_ARGS:=--oversubscribe}"
OMP_WAIT_POLICY=passive; export OMP_WAIT_POLICY
d="$top_srcdir/tests/sweep"
o=tests/sweep_bm
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf ${o}_1.h5* ${o}_3.h5* ${o}_bad.h5* ${o}_spec.h5* ${o}_ex.h5* ${o}_syn.h5* ${o}_task0.* \
  ${o}_cal.json ${o}_mixed.yaml ${o}_check.out ${o}_err.out

"$AXON" sweep check "$d/bm_tiny.yaml" > ${o}_check.out || fail "check exited $?"
grep -q ': 24 tasks (sample), 3 swept parameters: seed, weight_scale, bias_shift' ${o}_check.out \
  || fail "check: $(cat ${o}_check.out)"
grep -q 'core-hours' ${o}_check.out || fail "check prints no estimate"

"$AXON" sweep "$d/bm_tiny.yaml" -o ${o}_1.h5 -t 1 -q || fail "1-rank sweep exited $?"
"$MPIEXEC" -n 3 $MPIEXEC_ARGS "$AXON" sweep "$d/bm_tiny.yaml" -o ${o}_3.h5 -t 1 --max-chunk 2 -q \
  || fail "3-rank sweep exited $?"
"$PYTHON" "$top_srcdir/tests/test_sweep_compare.py" ${o}_1.h5 ${o}_3.h5 || fail "1 rank and 3 ranks differ"
[ -e ${o}_1.h5.journal ] && fail "journal left after a complete sweep"
"$PYTHON" - ${o}_1.h5 <<'PY' || fail "results table content"
import sys, itertools, h5py, numpy as np
f = h5py.File(sys.argv[1], "r"); t = f["tasks"]
assert f["sweep"].attrs["task"] == b"sample", f["sweep"].attrs["task"]
st = t["status"][()]
assert list(st) == [1] * 24, st
assert list(t["id"][()]) == list(range(24))
names = [n.decode() for n in t["param_names"][()]]
assert names == ["seed", "weight_scale", "bias_shift"], names
p = t["params"][()]
assert list(p[:, 0]) == [1] * 12 + [2] * 12 and list(p[:12:4, 1]) == [0.5, 1.0, 2.0]
assert np.allclose(p[:4, 2], [-0.5, -1 / 6, 1 / 6, 0.5], rtol=0, atol=1e-15) and p[0, 2] == -0.5 and p[3, 2] == 0.5
assert np.array_equal(t["weight_scale"][()], p[:, 1]) and np.array_equal(t["bias_shift"][()], p[:, 2])
assert np.all(t["duration"][()] == 300.0) and np.all(t["burn_in"][()] == 50.0)
assert np.all(t["dt"][()] == 0.1) and np.all(t["delay"][()] == 0.1) and np.all(t["n_units"][()] == 5)
assert len(set(t["seed"][()])) == 24, "task seeds are not distinct"
# the exact Boltzmann marginals of each task are those of its scaled W and shifted b
W = np.array([[0.0000, -0.0931, 0.0461, 0.2402, 0.3079], [-0.0931, 0.0000, 0.0754, -0.3706, 0.0792],
              [0.0461, 0.0754, 0.0000, -0.3998, -0.4143], [0.2402, -0.3706, -0.3998, 0.0000, -0.7093],
              [0.3079, 0.0792, -0.4143, -0.7093, 0.0000]])
b = np.array([0.0555, -0.5755, 0.1878, -0.3003, -0.1458])
Z = np.array(list(itertools.product([0, 1], repeat=5)), dtype=float)
m = f["marginals"]; mo = m["offset"][()]; c = f["convergence"]; co = c["offset"][()]
for i in range(24):
    ws, bs = p[i, 1], p[i, 2]
    e = 0.5 * np.einsum("si,ij,sj->s", Z, W * ws, Z) + Z @ (b + bs)
    q = np.exp(e - e.max()); q /= q.sum()
    s = slice(mo[i], mo[i + 1])
    assert mo[i + 1] - mo[i] == 5
    assert np.allclose(m["p_theo"][s], q @ Z, rtol=0, atol=1e-12), (i, m["p_theo"][s], q @ Z)
    assert np.allclose(m["v_rest"][s], -50.623 + 0.795 * (b + bs), rtol=0, atol=1e-12)
    assert np.all((m["p_sim"][s] >= 0) & (m["p_sim"][s] <= 1))
    assert m["n_spikes"][s].sum() == t["n_spikes_total"][i] > 0
    k = slice(co[i], co[i + 1])
    assert co[i + 1] - co[i] == t["n_checkpoints"][i] == 6      # 10, 20, 50, 100, 200, 300 ms
    assert list(c["t_check"][k]) == [10, 20, 50, 100, 200, 300]
    assert c["dkl_joint"][k][-1] == t["dkl_joint"][i] and c["dkl_marg"][k][-1] == t["dkl_marg"][i]
    assert c["missing"][k][-1] == t["missing"][i]
err = np.abs(m["p_sim"][()] - m["p_theo"][()])
assert err.mean() < 0.15, "sampled marginals far from the Boltzmann ones: mean |dp| %.3f" % err.mean()
print("table ok: 24 tasks, mean |p_sim - p_theo| %.3f, final DKL joint %.3f .. %.3f"
      % (err.mean(), t["dkl_joint"][()].min(), t["dkl_joint"][()].max()))
PY

# deliberately bad tasks: recorded with their reasons, the sweep completes
"$AXON" sweep "$d/bm_bad_tasks.yaml" -o ${o}_bad.h5 -t 2 -q || fail "bad-task sweep exited $?"
"$PYTHON" - ${o}_bad.h5 <<'PY' || fail "bad rows"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r"); t = f["tasks"]
st = list(t["status"][()]); err = [e.decode() for e in t["error"][()]]
assert st == [1, 2, 2, 2, 1], st
assert "duration must be > 0 ms (got -100)" in err[1], err[1]
assert "duration 200 ms is not a multiple of dt 0.3 ms" in err[2], err[2]
assert "burn_in 50.05 ms is not a multiple of dt 0.1 ms" in err[3], err[3]
assert err[0] == "" and err[4] == ""
assert t["delay"][4] == 0.05, "the delay does not follow dt when the base file sets none"
assert np.isnan(t["dkl_joint"][1]) and not np.isnan(t["dkl_joint"][0])
off = f["convergence/offset"][()]
assert list(np.diff(off) > 0) == [True, False, False, False, True], off   # failed rows keep no arrays
print("bad rows carry their reasons")
PY

# synapses as a parameter; a sweep task equals `axon sample` of the same BM
# with the task's seed (splitmix64 rule of docs/sweeps.md) bitwise
"$AXON" sweep "$d/bm_synapses.yaml" -o ${o}_syn.h5 -t 1 -q || fail "synapses sweep exited $?"
"$PYTHON" - "$d/bm_base.yaml" ${o}_syn.h5 ${o}_task0.yaml <<'PY' || fail "synapses rows"
import sys, h5py
t = h5py.File(sys.argv[2], "r")["tasks"]
assert list(t["status"][()]) == [1, 1, 2] and list(t["renewing"][()]) == [1, 0, 0], t["status"][()]
assert "synapses must be static (0) or renewing (1) (got 0.5)" in t["error"][2].decode()
M = (1 << 64) - 1
z = (3 + 0x9E3779B97F4A7C15 * 1) & M                    # base seed 3, task 0
z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
z ^= z >> 31
assert int(t["seed"][0]) == z and z < 2 ** 63, (int(t["seed"][0]), z)
text = open(sys.argv[1]).read().replace("synapses: static", "synapses: renewing").replace("seed: 3", "seed: %d" % z)
open(sys.argv[3], "w").write(text.replace("bm_base.yaml", "task 0"))
PY
"$AXON" sample ${o}_task0.yaml -o ${o}_task0.h5 -t 1 -q > /dev/null || fail "axon sample of task 0 exited $?"
"$PYTHON" - ${o}_syn.h5 ${o}_task0.h5 <<'PY' || fail "sweep task 0 differs from axon sample of its BM"
import sys, h5py, numpy as np
f, g = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert g["bm"].attrs["renewing"] == 1
m, c = f["marginals"], f["convergence"]
a, b = m["offset"][0:2], c["offset"][0:2]
assert np.array_equal(m["p_sim"][a[0]:a[1]], g["distributions/marginal_sim"][()])
assert np.array_equal(m["n_spikes"][a[0]:a[1]], g["distributions/spike_counts"][()])
assert np.array_equal(c["dkl_joint"][b[0]:b[1]], g["convergence/dkl_joint"][()])
assert np.array_equal(c["t_check"][b[0]:b[1]], g["convergence/t"][()])
print("synapses: renewing task == axon sample of its BM (DKL %.4f)" % f["tasks/dkl_joint"][0])
PY

# errors in the sweep file: file:line:col, exit 2, nothing written
"$AXON" sweep "$d/bm_bad_spec.yaml" -o ${o}_spec.h5 -q 2> ${o}_err.out
[ $? -eq 2 ] || fail "misspelt parameter did not exit 2"
grep -q "bm_bad_spec.yaml:7:5: unknown sample parameter 'weight_scal'" ${o}_err.out || fail "message: $(cat ${o}_err.out)"
[ -e ${o}_spec.h5 ] || [ -e ${o}_spec.h5.journal ] && fail "output written for a bad sweep file"
printf 'sweep:\n  task: sample\n  base: %s\n  sampler: {model: IF_cond_exp}\n' "$(cd "$d" && pwd)/bm_base.yaml" > ${o}_mixed.yaml
"$AXON" sweep check ${o}_mixed.yaml 2> ${o}_err.out
[ $? -eq 2 ] || fail "sampler: in a sample sweep did not exit 2"
grep -q "sweep_bm_mixed.yaml:4:3: unknown key 'sampler'" ${o}_err.out || fail "message: $(cat ${o}_err.out)"

# a sample task is no calibration; a sample result is not resumed by a calibrate sweep
"$AXON" sweep export ${o}_1.h5 --task 3 -o ${o}_cal.json 2> ${o}_err.out
[ $? -eq 2 ] || fail "export of a sample task did not exit 2"
grep -q 'task 3 is a Boltzmann-machine sampling task (task: sample), not a calibration' ${o}_err.out \
  || fail "export message: $(cat ${o}_err.out)"
[ -e ${o}_cal.json ] && fail "export wrote a file for a sample task"
"$AXON" sweep "$d/tiny.yaml" -o ${o}_1.h5 --resume -q 2> ${o}_err.out
[ $? -eq 2 ] || fail "resume with a calibrate sweep over a sample result did not exit 2"
grep -q 'holds a task: sample sweep, this sweep file is task: calibrate' ${o}_err.out \
  || fail "resume message: $(cat ${o}_err.out)"
[ -e ${o}_1.h5.journal ] && fail "the refused resume left a journal directory"

# the example stays valid and runs
"$AXON" sweep check "$top_srcdir/examples/sweep_bm.yaml" | grep -q ': 12 tasks (sample)' || fail "example check"
"$AXON" sweep "$top_srcdir/examples/sweep_bm.yaml" -o ${o}_ex.h5 -t 2 -q || fail "example exited $?"
"$PYTHON" -c 'import sys, h5py; a = h5py.File(sys.argv[1], "r")["sweep"].attrs; assert a["n_ok"] == 12, a["n_ok"]' \
  ${o}_ex.h5 || fail "example tasks not all ok"

[ $fails -eq 0 ] && rm -rf ${o}_1.h5 ${o}_3.h5 ${o}_bad.h5 ${o}_ex.h5 ${o}_syn.h5 ${o}_task0.yaml ${o}_task0.h5 \
  ${o}_mixed.yaml ${o}_check.out ${o}_err.out
exit $((fails > 0))
