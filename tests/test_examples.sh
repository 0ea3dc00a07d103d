#!/bin/sh
# Every file in examples/ must pass `axon check` (exit 0, "is a valid ..."):
# network specs, sampler, Boltzmann-machine and sweep files alike (check
# reads each with its command's loader), so the examples never drift from
# their formats. Also checks --np and --help.
: "${top_srcdir:=.}" "${AXON:=./axon}"
fails=0 n=0
for f in "$top_srcdir"/examples/*.yaml "$top_srcdir"/examples/*.json; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  out=$("$AXON" check "$f" 2>&1); rc=$?
  if [ "$rc" -ne 0 ] || ! printf '%s\n' "$out" | grep -q "is a valid"; then
    echo "FAIL: axon check $f (exit $rc)"; printf '%s\n' "$out"; fails=$((fails + 1))
  fi
done
[ "$n" -ge 9 ] || { echo "FAIL: expected at least 9 examples, found $n"; fails=$((fails + 1)); }
# brunel_delta: 12500 neurons, 15,625,000 synapses, 1.5 ms = 15 steps.
out=$("$AXON" check --np 4 "$top_srcdir/examples/brunel_delta.yaml")
for want in "12500 neurons" "total synapses: 15625000" "min 15 steps (1.5 ms)" "on 4 rank(s)"; do
  printf '%s\n' "$out" | grep -qF "$want" || { echo "FAIL: brunel_delta summary lacks '$want'"; fails=$((fails + 1)); }
done
"$AXON" check --help | grep -q "usage: axon check" || { echo "FAIL: axon check --help"; fails=$((fails + 1)); }
"$AXON" check --np 0 "$top_srcdir/examples/brunel_small.yaml" 2>/dev/null; [ $? -eq 2 ] || { echo "FAIL: --np 0 accepted"; fails=$((fails + 1)); }
echo "$n examples checked, $fails failures"
[ "$fails" -eq 0 ]
