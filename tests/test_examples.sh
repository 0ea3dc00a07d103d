#!/bin/sh
# Every spec in examples/ must pass `axon check` (exit 0, "is valid"), so
# the examples never drift from the spec format. Also checks --np and --help.
: "${top_srcdir:=.}" "${AXON:=./axon}"
fails=0 n=0
for f in "$top_srcdir"/examples/*.yaml "$top_srcdir"/examples/*.json; do
  [ -f "$f" ] || continue
  # sampler and Boltzmann-machine files are not network specs: the sampling
  # tests (test_sampling_calib.sh, test_sampling_bm.sh) load and run them.
  grep -qE '^(sampler|boltzmann_machine|sweep):' "$f" && continue
  n=$((n + 1))
  out=$("$AXON" check "$f" 2>&1); rc=$?
  if [ "$rc" -ne 0 ] || ! printf '%s\n' "$out" | grep -q "is valid"; then
    echo "FAIL: axon check $f (exit $rc)"; printf '%s\n' "$out"; fails=$((fails + 1))
  fi
done
[ "$n" -ge 4 ] || { echo "FAIL: expected at least 4 examples, found $n"; fails=$((fails + 1)); }
# brunel_delta: 12500 neurons, 15,625,000 synapses, 1.5 ms = 15 steps.
out=$("$AXON" check --np 4 "$top_srcdir/examples/brunel_delta.yaml")
for want in "12500 neurons" "total synapses: 15625000" "min 15 steps (1.5 ms)" "on 4 rank(s)"; do
  printf '%s\n' "$out" | grep -qF "$want" || { echo "FAIL: brunel_delta summary lacks '$want'"; fails=$((fails + 1)); }
done
"$AXON" check --help | grep -q "usage: axon check" || { echo "FAIL: axon check --help"; fails=$((fails + 1)); }
"$AXON" check --np 0 "$top_srcdir/examples/brunel_small.yaml" 2>/dev/null; [ $? -eq 2 ] || { echo "FAIL: --np 0 accepted"; fails=$((fails + 1)); }
echo "$n examples checked, $fails failures"
[ "$fails" -eq 0 ]
