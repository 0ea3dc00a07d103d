#!/bin/sh
# STDP decomposition and restart test (issue 16): a plastic balanced network
# (tests/data/brunel_stdp.yaml: stdp_pl_synapse_hom E->E, stdp_synapse with
# drawn weights and delays from long-silent parrots) gives bitwise identical
# spikes, transmitted weights (weight_recorder) and final weights on 1x1,
# 1x2, 2x1, 2x2 and 3x1 ranks x threads, after checkpoint/restart on another
# decomposition, and with the history sweep at other times
# (AXON_STDP_SWEEP_MS: the sweep must never change a result), and in both
# delivery modes (AXON_DELIVERY: direct adds, deferred queues the STDP
# weights as exact values), restarting across them.
set -u
: "${MPIEXEC:=mpiexec}" "${MPIEXEC_ARGS:=--oversubscribe --bind-to none}"
spec="$top_srcdir/tests/data/brunel_stdp.yaml"
dir=$(mktemp -d "${TMPDIR:-/tmp}/axon-stdp-decomp.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail=0
run() { # name ranks threads [extra args...]
  name=$1 r=$2 t=$3; shift 3
  if ! OMP_NUM_THREADS=$t $MPIEXEC -n "$r" $MPIEXEC_ARGS -x AXON_PASS_A -x AXON_STDP_SWEEP_MS -x AXON_DELIVERY \
       "$AXON" run "$spec" -t "$t" -o "$dir/$name.h5" -q "$@"; then
    echo "FAIL: run $name exited non-zero"; fail=1
  fi
}
export AXON_PASS_A=count AXON_STDP_SWEEP_MS=1000 AXON_DELIVERY=direct
run 1x1 1 1 --checkpoint-every 1200ms --checkpoint-dir "$dir"
run 1x2 1 2
run 2x1 2 1
run 2x2 2 2
AXON_PASS_A=sort run 3x1 3 1
run restart_2x2 2 2 --restart "$dir/ckpt_1200ms.h5"
run restart_3x1 3 1 --restart "$dir/ckpt_2400ms.h5"
AXON_STDP_SWEEP_MS=300 run sweep300 1 2
AXON_DELIVERY=deferred run deferred_2x2 2 2
AXON_DELIVERY=deferred run deferred_restart 1 1 --restart "$dir/ckpt_1200ms.h5"
[ $fail = 0 ] || exit 1
# the comparison must be able to fail: the weights moved, the silent sources'
# synapses were potentiated between their two spikes, and the network spiked
"${PYTHON:-python3}" - "$dir/1x1.h5" <<'PY' || exit 1
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
n = sum(len(f["spikes"][p]["timestamps"]) for p in f["spikes"])
g = f["weights/wr"]
p, t, w = g["projections"][()], g["times"][()], g["weights"][()]
fw, fp = g["final/weights"][()], g["final/projections"][()]
late = np.unique(t[(p == 4)])
print(f"1x1: {n} spikes, {len(w)} weight rows, {len(fw)} final weights; E->E final "
      f"{fw[fp == 0].min():.3f}..{fw[fp == 0].max():.3f} (from 120), silent-source spikes at {late} ms")
ok = n > 10000 and len(fw) > 2000 and np.any(fw[fp == 0] != 120.0) and list(late) == [50.1, 2300.1]
sys.exit(0 if ok else 1)
PY
for name in 1x2 2x1 2x2 3x1 restart_2x2 restart_3x1 sweep300 deferred_2x2 deferred_restart; do
  printf '%s vs 1x1: ' "$name"
  "${PYTHON:-python3}" "$top_srcdir/tests/compare_h5.py" "$dir/1x1.h5" "$dir/$name.h5" || fail=1
done
# a changed STDP weight in a checkpoint is caught by its checksum (exit 2, named)
cp "$dir/ckpt_1200ms.h5" "$dir/bad.h5"
"${PYTHON:-python3}" -c "
import h5py, sys
with h5py.File(sys.argv[1], 'r+') as f:
    d = f['stdp/syn/0/weight']; a = d[()]; a[len(a) // 2] += 1e-9; d[...] = a
" "$dir/bad.h5" || exit 1
"$AXON" run "$spec" -t 1 -o "$dir/bad_out.h5" -q --restart "$dir/bad.h5" 2> "$dir/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "/stdp/syn/0/weight is corrupted" "$dir/err"; then
  echo "corrupted STDP weight refused"
else
  echo "FAIL: corrupted STDP weight not refused (rc $rc)"; cat "$dir/err"; fail=1
fi
exit $fail
