#!/bin/sh
# Output reliability of `axon run` (issue 5): a run killed with SIGKILL during
# simulation leaves no file under the final name; an existing output is kept
# without --force and replaced with it; a write that fails (file size limit,
# on a full disk) ends every rank with a clear error and exit 2, no hang
# and no output file.
set -u
: "${MPIEXEC:=mpiexec}" "${MPIEXEC_ARGS:=--oversubscribe --bind-to none}"
dir=$(mktemp -d "${TMPDIR:-/tmp}/axon-rec.XXXXXX")
trap 'umount "$dir/tiny" 2>/dev/null; rm -rf "$dir"' EXIT
fail=0
say() { echo "$1: $2"; [ "$1" = PASS ] || fail=1; }
spec="$top_srcdir/examples/brunel_small.yaml"

# 1. SIGKILL mid-run: a long run (100 s of model time) killed after 2 s.
sed 's/t_sim: *[0-9.]*/t_sim: 100000.0/' "$spec" > "$dir/long.yaml"
OMP_NUM_THREADS=1 $MPIEXEC -n 2 $MPIEXEC_ARGS "$AXON" run "$dir/long.yaml" -o "$dir/killed.h5" -q &
pid=$!
sleep 2
pkill -KILL -f "axon run $dir/long.yaml" ; kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
if [ -e "$dir/killed.h5" ]; then say FAIL "killed run left killed.h5"; else say PASS "killed run left no killed.h5"; fi

# 2. --force semantics through the command line.
echo keep > "$dir/out.h5"
OMP_NUM_THREADS=1 $MPIEXEC -n 2 $MPIEXEC_ARGS "$AXON" run "$spec" -o "$dir/out.h5" -q 2> "$dir/err.txt"
rc=$?
if [ $rc -eq 2 ] && grep -q -- "--force" "$dir/err.txt" && [ "$(cat "$dir/out.h5")" = keep ]; then
  say PASS "existing output refused without --force (exit 2), file kept"
else say FAIL "existing output: rc=$rc, $(cat "$dir/err.txt")"; fi
OMP_NUM_THREADS=1 $MPIEXEC -n 2 $MPIEXEC_ARGS "$AXON" run "$spec" -o "$dir/out.h5" --force -q
if [ $? -eq 0 ] && "${PYTHON:-python3}" -c "import h5py,sys; h5py.File(sys.argv[1])['spikes']" "$dir/out.h5"; then
  say PASS "--force replaced the file with a valid HDF5 output"
else say FAIL "--force did not produce a valid file"; fi

# 3. A full disk: a 512 KiB tmpfs (needs root and mount; skipped otherwise).
full="$dir/tiny"
mkdir -p "$full"
if mount -t tmpfs -o size=512k tmpfs "$full" 2>/dev/null; then
  start=$(date +%s)
  OMP_NUM_THREADS=1 $MPIEXEC -n 2 $MPIEXEC_ARGS "$AXON" run "$spec" -o "$full/full.h5" -q 2> "$dir/full.txt"
  rc=$?
  took=$(( $(date +%s) - start ))
  left=$(ls "$full")
  umount "$full"
  if [ $rc -eq 2 ] && [ $took -lt 60 ] && [ -z "$left" ] && grep -q "full.h5.*no space left on device" "$dir/full.txt"; then
    say PASS "disk full: exit 2 after ${took}s, nothing left; message: $(grep "^axon run" "$dir/full.txt" | head -1)"
  else say FAIL "disk full: rc=$rc took=${took}s left='$left'; $(head -c 600 "$dir/full.txt")"; fi
else
  echo "SKIP: disk-full case needs root and mount -t tmpfs"
fi
exit $fail
