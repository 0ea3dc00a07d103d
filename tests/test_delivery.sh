#!/bin/sh
# Delivery modes (issue 19 item 1, docs/engine.md "Delivery"): direct adds
# into the ring buffer and deferred queues runs of one delay per arrival step
# and applies them into a D-slot buffer; both must give bitwise the same
# spikes and V_m traces on every decomposition, and checkpoints written in
# one mode must restart bitwise in the other. Specs: the microcircuit at
# scale 0.05 (one-step slices, delays 1..90 steps, two receptors, multapses,
# drawn weights: the case deferred delivery is for) and tests/data/
# mixed_plastic.yaml (D = 3 steps, tsodyks2 values queued as exact doubles,
# spike_generator and Poisson input into the same cells).
set -u
: "${MPIEXEC:=mpiexec}" "${MPIEXEC_ARGS:=--oversubscribe --bind-to none}" "${PYTHON:=python3}"
dir=$(mktemp -d "${TMPDIR:-/tmp}/axon-delivery.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail=0
say() { echo "$1: $2"; [ "$1" = PASS ] || fail=1; }
run() { # mode ranks threads args...
  m=$1 r=$2 t=$3; shift 3
  AXON_DELIVERY=$m OMP_NUM_THREADS=$t $MPIEXEC -n "$r" $MPIEXEC_ARGS -x AXON_DELIVERY "$AXON" run -t "$t" -q "$@"
}
same() { # label a b
  if out=$("$PYTHON" "$top_srcdir/tests/compare_h5.py" "$2" "$3"); then say PASS "$1: $out"
  else say FAIL "$1: $out"; fi
}
mode_of() { "$PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))['delivery'])" "$1" 2>/dev/null; }

"$PYTHON" "$top_srcdir/benchmarks/gen_microcircuit.py" --scale 0.05 --t-sim 100 > "$dir/mc.yaml"
mp="$top_srcdir/tests/data/mixed_plastic.yaml"
for c in mc:"$dir/mc.yaml" mp:"$mp"; do
  name=${c%%:*} spec=${c#*:}
  run direct 1 1 "$spec" -o "$dir/$name.direct.h5" --stats-json "$dir/$name.direct.json" || say FAIL "$name direct 1x1 exited non-zero"
  [ "$(mode_of "$dir/$name.direct.json")" = direct ] && say PASS "$name: AXON_DELIVERY=direct is direct" \
    || say FAIL "$name: stats say '$(mode_of "$dir/$name.direct.json")', not direct"
  for rt in 1x1 1x2 2x1 2x2; do
    r=${rt%x*} t=${rt#*x}
    run deferred "$r" "$t" "$spec" -o "$dir/$name.$rt.h5" --stats-json "$dir/$name.$rt.json" \
      || { say FAIL "$name deferred $rt exited non-zero"; continue; }
    [ "$(mode_of "$dir/$name.$rt.json")" = deferred ] || say FAIL "$name $rt: stats say '$(mode_of "$dir/$name.$rt.json")', not deferred"
    same "$name deferred $rt vs direct 1x1" "$dir/$name.direct.h5" "$dir/$name.$rt.h5"
  done
done
n=$("$PYTHON" -c "import h5py,sys; f=h5py.File(sys.argv[1]); print(sum(len(f['spikes'][p]['timestamps']) for p in f['spikes']))" "$dir/mc.direct.h5")
[ "${n:-0}" -gt 500 ] && say PASS "microcircuit: $n spikes to compare" || say FAIL "microcircuit: too few spikes (${n:-0})"

# Checkpoints: written deferred (2x1), restarted direct (1x1) and deferred
# (1x2); a checkpoint taken right after a restart, while the restored input
# is still pending, holds the same bits in both modes.
mkdir "$dir/ck" "$dir/c1" "$dir/c2"
run deferred 2 1 "$mp" -o "$dir/ck.h5" --checkpoint-every 100ms --checkpoint-dir "$dir/ck" || say FAIL "checkpointing run"
ck=$(ls "$dir/ck"/ckpt_*.h5 | sort | head -1)
same "checkpointing (deferred) does not change the run" "$dir/mp.direct.h5" "$dir/ck.h5"
run direct 1 1 "$mp" -o "$dir/re1.h5" --restart "$ck" || say FAIL "restart direct"
same "restart direct 1x1 from a deferred checkpoint" "$dir/mp.direct.h5" "$dir/re1.h5"
run deferred 1 2 "$mp" -o "$dir/re2.h5" --restart "$ck" || say FAIL "restart deferred"
same "restart deferred 1x2" "$dir/mp.direct.h5" "$dir/re2.h5"
run direct 1 1 "$mp" -o "$dir/c1.h5" --restart "$ck" --checkpoint-every 100.5ms --checkpoint-dir "$dir/c1" || say FAIL "restart + checkpoint, direct"
run deferred 1 1 "$mp" -o "$dir/c2.h5" --restart "$ck" --checkpoint-every 100.5ms --checkpoint-dir "$dir/c2" || say FAIL "restart + checkpoint, deferred"
"$PYTHON" - "$dir/c1" "$dir/c2" <<'PY' && say PASS "checkpoint inside the restored window: same state and ring in both modes" || say FAIL "checkpoint inside the restored window differs between modes"
import glob, os, sys, h5py, numpy as np
a, b = (sorted(glob.glob(os.path.join(d, "ckpt_*.h5")))[0] for d in sys.argv[1:3])
with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
    for pop in fa["pop"]:
        for ds in ("state", "ring"):
            x, y = fa["pop"][pop][ds][()], fb["pop"][pop][ds][()]
            if x.shape != y.shape or not np.array_equal(x.view(np.uint64), y.view(np.uint64)):
                sys.exit(f"{pop}/{ds} differs")
    assert np.count_nonzero(fa["pop"]["E"]["ring"][()]) > 0, "no pending input to compare"
PY

AXON_DELIVERY=sideways "$AXON" run -q "$mp" -o "$dir/x.h5" 2> "$dir/err.txt"
rc=$?
[ $rc = 2 ] && grep -q "AXON_DELIVERY=sideways" "$dir/err.txt" && say PASS "AXON_DELIVERY=sideways refused (exit 2)" \
  || say FAIL "AXON_DELIVERY=sideways: exit $rc: $(cat "$dir/err.txt")"
exit $fail
