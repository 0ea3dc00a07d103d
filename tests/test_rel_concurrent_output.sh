#!/bin/sh
# Issue 15 item 5: two runs writing the same output never publish each
# other's results.
# Promise (README "Output", docs/reliability.md): the file is written under a
# temporary name and moved into place at the end, "so a killed run never
# leaves a file that looks complete"; an existing file is kept unless
# --force. Before the fix the temporary name was the fixed <out>.partial, so
# a second run with the same -o truncated and reused the first run's file:
# the second run published, then the first kept writing into the published
# inode (4 of 4 tries in the issue), and said "results left in
# out.h5.partial" although that file no longer existed.
#
# Made deterministic with SIGSTOP/SIGCONT instead of timing:
#   1. run A (brunel_small, 10 s model time) starts with -o out.h5 and is
#      stopped as soon as its temporary file exists (any out.h5.partial*);
#   2. run B (another seed, 1 s) runs to the end with the same -o;
#   3. A continues and ends.
# Expected: B exits 0 and out.h5 is B's result, byte for byte, after A
# ended; A does not exit 0 (its target appeared meanwhile) and, if its
# message names a file with its results, that file holds A's results.
# Then the same for sweeps: sweep A on OUT is stopped after its journal
# exists; `axon sweep --resume` on the same OUT (what A's refusal message
# suggests) runs; A continues. Expected: after both end, OUT is a complete
# table (before the fix A replaced B's complete table with an incomplete
# one and failed with an internal error).
. "$(dirname "$0")/rel_lib.sh"

small="$top_srcdir/examples/brunel_small.yaml"
sed 's/t_sim: *[0-9.]*/t_sim: 10000.0/' "$small" > "$dir/a.yaml"
sed 's/seed: *[0-9]*/seed: 999/' "$small" > "$dir/b.yaml"
cmp_h5() { "$PYTHON" "$top_srcdir/tests/compare_h5.py" "$@"; }

# stop_when PID PATTERN: until a file matching PATTERN exists in $dir/w (or
# PID ended); then stop PID. Returns 0 if PID is stopped while running.
stop_when() {
  pid=$1 pat=$2 n=0
  while [ $n -lt 2400 ]; do
    set -- "$dir"/w/$pat
    [ -e "$1" ] && break
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05; n=$((n + 1))
  done
  kill -STOP "$pid" 2>/dev/null || return 1
  sleep 0.2
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = T ]
}

mkdir "$dir/w" "$dir/ref"
(cd "$dir/ref" && axon1 1 run -q "$dir/b.yaml" -o b.h5 && axon1 1 run -q "$dir/a.yaml" -o a.h5) \
  || fail "reference runs"

cd "$dir/w" || exit 1
OMP_NUM_THREADS=1 "$AXON" run -q "$dir/a.yaml" -o out.h5 2>"$dir/errA" &
pa=$!
rel_pids="$pa"
if ! stop_when "$pa" 'out.h5.partial*'; then
  fail "run A ended before it could be stopped (the interleaving did not happen)"
  kill -CONT "$pa" 2>/dev/null; wait "$pa"
else
  axon1 1 run -q "$dir/b.yaml" -o out.h5 2>"$dir/errB"
  rcB=$?
  [ $rcB -eq 0 ] || { fail "run B (while A is stopped): exit $rcB"; show "$dir/errB"; }
  cp out.h5 "$dir/b_published.h5" 2>/dev/null
  kill -CONT "$pa"
  wait "$pa"
  rcA=$?
  if cmp -s out.h5 "$dir/b_published.h5" && cmp_h5 "$dir/ref/b.h5" out.h5 >/dev/null; then
    pass "out.h5 is still B's result after A ended"
  else
    fail "out.h5 is not B's result after A ended ($(cmp_h5 "$dir/ref/b.h5" out.h5 2>&1 | head -1))"
  fi
  if [ $rcA -eq 0 ]; then fail "run A exited 0 although out.h5 appeared while it ran"
  else pass "run A: exit $rcA: $(head -c 200 "$dir/errA")"; fi
  left=$(sed -n 's/.*results left in \([^ ]*\).*/\1/p' "$dir/errA" | head -1)
  if [ -n "$left" ]; then
    if [ -f "$left" ] && cmp_h5 "$dir/ref/a.h5" "$left" >/dev/null; then
      pass "A's results are where its message says: $left"
    else
      fail "A's message says its results are in $left: $( [ -f "$left" ] && echo "it holds other data" || echo "no such file")"
    fi
  fi
fi
rel_pids=""
cd "$dir" || exit 1
rm -rf "$dir/w" "$dir/ref"

# Sweeps: a --resume while the sweep is still running.
cat > "$dir/sw.yaml" <<'EOF'
sweep:
  task: calibrate
  sampler:
    model: IF_cond_exp
    params: {cm: 0.2, tau_m: 1.0, e_rev_E: 0.0, e_rev_I: -100.0, v_thresh: -50.0,
             tau_syn_E: 10.0, tau_syn_I: 10.0, v_rest: -50.0, v_reset: -50.001,
             tau_refrac: 10.0, i_offset: 0.0}
    background:
      excitatory: {rate: 3000.0, weight: 0.001}
      inhibitory: {rate: 3000.0, weight: -0.001}
  calibration: {dt: 0.1, duration: 5000.0, burn_in: 50.0, num_samples: 20, prescan: false,
                v_rest_min: -56.0, v_rest_max: -45.0, seed: 2024}
  axes:
    sampler.params.tau_m: [0.5, 1.0, 2.0, 4.0]
    sampler.background.excitatory.rate: {linspace: [1000.0, 5000.0, 4]}
EOF
mkdir "$dir/w"
cd "$dir/w" || exit 1
OMP_NUM_THREADS=1 "$AXON" sweep -q "$dir/sw.yaml" -o out.h5 --checkpoint 1 2>"$dir/errA" &
pa=$!
rel_pids="$pa"
if ! stop_when "$pa" 'out.h5.journal/run*'; then
  fail "sweep A ended before it could be stopped (the interleaving did not happen)"
  kill -CONT "$pa" 2>/dev/null; wait "$pa"
else
  axon1 1 sweep -q "$dir/sw.yaml" -o out.h5 --resume 2>"$dir/errB"
  rcB=$?
  kill -CONT "$pa"
  wait "$pa"
  rcA=$?
  echo "sweep A exit $rcA: $(head -c 150 "$dir/errA")"
  echo "sweep B (--resume while A runs) exit $rcB: $(head -c 150 "$dir/errB")"
  if out=$(h5py '
a = h5py.File(sys.argv[1], "r")["sweep"].attrs
c, p, n = a["complete"], a["n_pending"], a["n_tasks"]
print(f"complete {c}, pending {p} of {n}")
sys.exit(0 if c == 1 and p == 0 else 1)' out.h5 2>&1); then
    pass "sweep OUT after both ended: $out"
  else
    fail "sweep OUT after both ended is not a complete table: $out"
  fi
  [ $rcA -eq 0 ] || [ $rcB -eq 0 ] || fail "neither sweep succeeded"
  for x in A B; do
    eval "rc=\$rc$x"
    [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || fail "sweep $x: exit $rc (an internal error, not a clear refusal)"
  done
fi
rel_pids=""
cd "$dir" || exit 1

rel_done
