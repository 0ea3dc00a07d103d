#!/bin/sh
# Print every test log (the parallel harness hides them) and the totals as
# one line "N passed, N failed" counted from tests/*.trs and tests/*/*.trs
# (tests/pynn). Exit 1 on failures.
dir="${1:-tests}"
for f in "$dir"/*.log "$dir"/*/*.log; do
  [ -f "$f" ] || continue
  echo "===== $f"; cat "$f"
done
pass=$(cat "$dir"/*.trs "$dir"/*/*.trs 2>/dev/null | grep -c '^:test-result: PASS')
fail=$(cat "$dir"/*.trs "$dir"/*/*.trs 2>/dev/null | grep -c -E '^:test-result: (FAIL|ERROR|XPASS)')
skip=$(cat "$dir"/*.trs "$dir"/*/*.trs 2>/dev/null | grep -c '^:test-result: SKIP')
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
