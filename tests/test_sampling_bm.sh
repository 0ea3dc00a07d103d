#!/bin/sh
# 5-unit Boltzmann machine (examples/bm_5.yaml) through `axon sample`,
# shortened to 2e4 ms (~0.3 s): DKL(p_theo || p_sim) must fall with
# sampling time (1e3 ms > 1e4 ms) and be <= 0.06 at 2e4 ms (the reference
# floor with static synapses is 0.02-0.04 there; wrong weights or biases
# give > 0.1). The sampled joint, marginals and spikes are bitwise the same
# on 1 x 1 and 2 ranks x 2 threads. Then the issue's 1e5 ms figures for
# static and renewing synapses (below).
: "${top_srcdir:=.}" "${AXON:=./axon}" "${PYTHON:=python3}"
: "${MPIEXEC:=mpiexec}" "${MPIEXEC_ARGS:=--oversubscribe}"
ex="$top_srcdir/examples/bm_5.yaml"
# 2 ranks x 2 threads on a 2-core runner: spinning OpenMP barriers would
# starve each other once per slice; passive waiting keeps the run short.
OMP_WAIT_POLICY=passive; export OMP_WAIT_POLICY
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$AXON" sample "$ex" -o tests/sampling_bm1.h5 -f --duration 20000 -t 1 || fail "1x1 run"
$MPIEXEC -n 2 $MPIEXEC_ARGS -x OMP_WAIT_POLICY "$AXON" sample "$ex" -o tests/sampling_bm4.h5 -f --duration 20000 -t 2 -q \
  || fail "2x2 run"
"$PYTHON" - tests/sampling_bm1.h5 tests/sampling_bm4.h5 <<'PY' || fails=$((fails + 1))
import sys
try:
    import h5py, numpy as np
except ImportError:
    print("h5py/numpy missing: skipping the checks of the output"); sys.exit(77)
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
t = list(a["convergence/t"][:]); d = a["convergence/dkl_joint"][:]
for x in (1000.0, 10000.0, 20000.0):
    print("DKL joint at %g ms: %.4f" % (x, d[t.index(x)]))
assert d[t.index(1000.0)] > d[t.index(10000.0)], "DKL does not fall with time"
assert 0 < d[-1] <= 0.06, "DKL at 2e4 ms is %g" % d[-1]
js, jt = a["distributions/joint_sim"][:], a["distributions/joint_theo"][:]
assert abs(js.sum() - 1) < 1e-12 and abs(jt.sum() - 1) < 1e-12 and len(js) == 32
assert np.all(np.abs(a["distributions/marginal_sim"][:] - a["distributions/marginal_theo"][:]) < 0.07)
for k in ("distributions/joint_sim", "distributions/marginal_sim", "distributions/zz_sim",
          "spikes/units", "spikes/times", "convergence/dkl_joint"):
    assert np.array_equal(a[k][:], b[k][:]), k + " differs between 1x1 and 2x2"
assert len(a["spikes/times"]) > 1000
PY
# The issue's check at 1e5 ms: DKL <= 0.03 with static synapses and <= 0.01
# with renewing ones (NEST 3.10: 0.023 and 0.006), falling with time (static:
# from 1e3 ms on; it is at its floor from 1e4 ms); renewing is also bitwise
# equal on 1x1 and 2x2.
sed 's/synapses: static/synapses: renewing/' "$ex" > tests/sampling_renew.yaml
cp "$top_srcdir/examples/sampler_tutorial.yaml" tests/sampler_tutorial.yaml
"$AXON" sample "$ex" -o tests/sampling_s5.h5 -f -q -t 1 || fail "static 1e5 ms run"
"$AXON" sample tests/sampling_renew.yaml -o tests/sampling_r5.h5 -f -q -t 1 || fail "renewing 1e5 ms run"
"$AXON" sample tests/sampling_renew.yaml -o tests/sampling_r1.h5 -f -q --duration 20000 -t 1 || fail "renewing 1x1"
$MPIEXEC -n 2 $MPIEXEC_ARGS -x OMP_WAIT_POLICY "$AXON" sample tests/sampling_renew.yaml -o tests/sampling_r4.h5 \
  -f -q --duration 20000 -t 2 || fail "renewing 2x2"
"$PYTHON" - <<'PY' || fails=$((fails + 1))
import sys
try:
    import h5py, numpy as np
except ImportError:
    print("h5py/numpy missing: skipping the checks of the output"); sys.exit(77)
for name, path, limit in (("static", "tests/sampling_s5.h5", 0.03),
                          ("renewing", "tests/sampling_r5.h5", 0.01)):
    f = h5py.File(path, "r")
    assert f["bm"].attrs["renewing"] == (name == "renewing"), name + ": renewing attribute"
    t = list(f["convergence/t"][:]); d = f["convergence/dkl_joint"][:]
    at = [d[t.index(x)] for x in (1000.0, 10000.0, 100000.0)]
    print("%s: DKL joint at 1e3, 1e4, 1e5 ms: %.4f %.4f %.4f" % (name, *at))
    # static synapses reach their systematic floor (~0.022) by 1e4 ms, so
    # only the fall from 1e3 ms is required there; renewing ones keep falling
    assert at[0] > at[1] and at[0] > at[2], name + ": DKL does not fall with time"
    assert name == "static" or at[1] > at[2], name + ": DKL does not fall from 1e4 to 1e5 ms"
    assert 0 < at[2] <= limit, "%s: DKL at 1e5 ms is %g > %g" % (name, at[2], limit)
a, b = h5py.File("tests/sampling_r1.h5", "r"), h5py.File("tests/sampling_r4.h5", "r")
for k in ("distributions/joint_sim", "spikes/units", "spikes/times", "convergence/dkl_joint"):
    assert np.array_equal(a[k][:], b[k][:]), "renewing: " + k + " differs between 1x1 and 2x2"
PY
rm -f tests/sampling_renew.yaml tests/sampler_tutorial.yaml
echo "$fails failures"
[ "$fails" -eq 0 ] && rm -f tests/sampling_bm1.h5 tests/sampling_bm4.h5 tests/sampling_s5.h5 \
  tests/sampling_r5.h5 tests/sampling_r1.h5 tests/sampling_r4.h5
[ "$fails" -eq 0 ]
