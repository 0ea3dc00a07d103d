#!/bin/sh
# No hang on error (issue 10): a failure on one rank (AXON_FAULT=phase:rank
# injects one in build, simulate or record) ends every rank within seconds
# with one message naming the failing rank, exit 2, and no output file. The
# memory guard refuses a network that cannot fit before allocating anything.
set -u
: "${MPIEXEC:=mpiexec}" "${MPIEXEC_ARGS:=--oversubscribe --bind-to none}"
dir=$(mktemp -d "${TMPDIR:-/tmp}/axon-fault.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail=0
for f in build:1 simulate:1 record:1 simulate:0; do
  start=$(date +%s)
  AXON_FAULT=$f OMP_NUM_THREADS=1 MPIEXEC_TIMEOUT=60 $MPIEXEC -n 2 $MPIEXEC_ARGS "$AXON" run \
    "$top_srcdir/examples/brunel_small.yaml" -o "$dir/out.h5" -q 2> "$dir/err.txt"
  rc=$?
  took=$(( $(date +%s) - start ))
  rank=${f#*:}
  if [ $rc -eq 2 ] && [ $took -lt 30 ] && grep -q "rank $rank: injected fault in phase '${f%:*}'" "$dir/err.txt" &&
     [ -z "$(ls "$dir" | grep out.h5)" ]; then
    echo "PASS: AXON_FAULT=$f: exit 2 after ${took}s: $(grep '^axon run' "$dir/err.txt")"
  else
    echo "FAIL: AXON_FAULT=$f: rc=$rc took=${took}s: $(head -c 500 "$dir/err.txt")"; fail=1
  fi
done
# memory guard: 4e9 neurons (below the 2^32 id limit) cannot fit on this machine
sed "0,/n: 1000$/s//n: 4000000000/" "$top_srcdir/examples/brunel_small.yaml" > "$dir/huge.yaml"
OMP_NUM_THREADS=1 $MPIEXEC -n 2 $MPIEXEC_ARGS "$AXON" run "$dir/huge.yaml" -o "$dir/out.h5" -q 2> "$dir/err.txt"
rc=$?
if [ $rc -eq 2 ] && grep -qi "memory" "$dir/err.txt"; then
  echo "PASS: memory guard: $(grep '^axon run' "$dir/err.txt" | cut -c1-200)"
else echo "FAIL: memory guard: rc=$rc $(head -c 300 "$dir/err.txt")"; fail=1; fi
exit $fail
