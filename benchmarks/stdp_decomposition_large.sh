#!/bin/sh
# hpc_benchmark at scale S (default 1: 11,250 neurons, 126.6 M synapses, 81 M
# of them stdp_pl_synapse_hom) for T ms (default 200) on 1x1, 1x2, 2x1, 2x2
# and 3x1 ranks x threads, and restarted on 2x2 and 3x1 from the 1x1 run's
# checkpoint at T/2: every run's spikes (all E and I neurons), transmitted
# weights (weight_recorder events of 20 E targets, 180,000 synapses) and
# final weights must be bitwise those of 1x1 (tests/compare_h5.py). Issue 16's
# "plastic Brunel-size network"; too large for `make check` (1.5 GiB per
# run), so it is a script: benchmarks/stdp_decomposition_large.sh [S] [T].
set -eu
S=${1:-1} T=${2:-200}
top=$(cd "$(dirname "$0")/.." && pwd)
: "${AXON:=$top/axon}" "${PYTHON:=/usr/bin/python3}" "${MPIEXEC:=mpiexec}"
: "${MPIEXEC_ARGS:=--oversubscribe --bind-to none}"
dir=$(mktemp -d "${TMPDIR:-/tmp}/axon-stdp-large.XXXXXX")
trap 'rm -rf "$dir"' EXIT
half=$(( T / 2 ))
"$PYTHON" "$top/benchmarks/gen_hpc_benchmark.py" --scale "$S" --t-sim "$T" |
  sed -e 's/spikes: {model: spike_recorder, sources: .*/spikes: {model: spike_recorder, sources: [E, I]}/' \
      -e 's/weights: {model: weight_recorder, events: false,/weights: {model: weight_recorder, events: true,/' \
      -e 's/targets: \[{population: E, first: 0, count: [0-9]*}\]}/targets: [{population: E, first: 0, count: 20}]}/' \
  > "$dir/net.yaml"
grep -q 'sources: \[E, I\]' "$dir/net.yaml" && grep -q 'events: true' "$dir/net.yaml" &&
  grep -q 'count: 20}' "$dir/net.yaml" || { echo "FAIL: could not edit the generated spec"; exit 1; }
run() { # name ranks threads [args]
  n=$1 r=$2 t=$3; shift 3
  OMP_NUM_THREADS=$t $MPIEXEC -n "$r" $MPIEXEC_ARGS "$AXON" run "$dir/net.yaml" -t "$t" \
    -o "$dir/$n.h5" -q "$@"
  echo "ran $n"
}
run 1x1 1 1 --checkpoint-every "${half}ms" --checkpoint-dir "$dir"
run 1x2 1 2
run 2x1 2 1
run 2x2 2 2
run 3x1 3 1
# the checkpoint is taken at the first slice boundary at or after T/2
ck=$(ls "$dir"/ckpt_*ms.h5 | head -n 1)
run restart_2x2 2 2 --restart "$ck"
run restart_3x1 3 1 --restart "$ck"
"$PYTHON" - "$dir/1x1.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
g = f["weights/weights"]
n = sum(len(f["spikes"][p]["timestamps"]) for p in f["spikes"])
w, fw = g["weights"][()], g["final/weights"][()]
print(f"1x1: {n} spikes, {len(w)} transmitted weights, {len(fw)} final weights "
      f"{fw.min():.3f}..{fw.max():.3f} pA")
sys.exit(0 if n > 100 and len(w) > 10000 and np.any(fw != fw[0]) else 1)
PY
fail=0
for n in 1x2 2x1 2x2 3x1 restart_2x2 restart_3x1; do
  printf '%s vs 1x1: ' "$n"
  "$PYTHON" "$top/tests/compare_h5.py" "$dir/1x1.h5" "$dir/$n.h5" || fail=1
done
[ $fail = 0 ] && echo "PASS: bitwise identical on every decomposition and restart" || echo FAIL
exit $fail
