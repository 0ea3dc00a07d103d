#!/bin/sh
# A sweep killed with SIGKILL on every rank mid-way resumes with --resume,
# runs only the unfinished tasks, and its final table equals an
# uninterrupted run's; the result file present after the kill (a
# checkpoint) is readable. tests/sweep/kill.yaml runs ~10 s on an idle
# machine and its first journal bytes appear well under a second in: the
# window to kill it mid-way is long even on a busy one (tiny.yaml's 0.5 s
# run was once finished before the poll below saw it).
: "${top_srcdir:=.}" "${AXON:=./axon}" "${PYTHON:=python3}"
: "${MPIEXEC:=mpiexec}" "${MPIEXEC_ARGS:=--oversubscribe}"
OMP_WAIT_POLICY=passive; export OMP_WAIT_POLICY
d="$top_srcdir/tests/sweep"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf tests/sweep_ref.h5* tests/sweep_kill.h5*

"$AXON" sweep "$d/kill.yaml" -o tests/sweep_ref.h5 -t 2 -q || fail "reference sweep exited $?"
"$MPIEXEC" -n 2 $MPIEXEC_ARGS "$AXON" sweep "$d/kill.yaml" -o tests/sweep_kill.h5 -t 1 \
  --max-chunk 2 --checkpoint 0.01 -q &
pid=$!
# wait until some results are journaled and a checkpoint of the table is
# published, then SIGKILL every rank and mpiexec. No time limit on a busy
# machine (MPI start-up alone can take many seconds there): the wait ends
# when both exist or when the sweep has ended by itself (the checks below
# then say "finished too early").
while kill -0 "$pid" 2>/dev/null; do
  n=$(cat tests/sweep_kill.h5.journal/run0.r* 2>/dev/null | wc -c)
  [ "${n:-0}" -gt 20000 ] && [ -e tests/sweep_kill.h5 ] && break
  sleep 0.05
done
pkill -KILL -P "$pid"; kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
[ -d tests/sweep_kill.h5.journal ] || fail "no journal after the kill (finished too early?)"
[ -e tests/sweep_kill.h5 ] || fail "no checkpoint before the kill"
if [ -e tests/sweep_kill.h5 ]; then
  "$PYTHON" -c 'import sys, h5py; f = h5py.File(sys.argv[1], "r"); print("checkpoint after kill: %d of %d done" % (f["sweep"].attrs["n_tasks"] - f["sweep"].attrs["n_pending"], f["sweep"].attrs["n_tasks"]))' \
    tests/sweep_kill.h5 || fail "result file unreadable after the kill"
fi
"$MPIEXEC" -n 2 $MPIEXEC_ARGS "$AXON" sweep "$d/kill.yaml" -o tests/sweep_kill.h5 -t 1 --resume \
  > tests/sweep_kill.out || fail "resume exited $?"
cat tests/sweep_kill.out
grep -qE ', [1-9][0-9]* already done' tests/sweep_kill.out || fail "resume redid every task"
grep -q ' 2000 run now' tests/sweep_kill.out && fail "resume ran all 2000 tasks"
"$PYTHON" "$top_srcdir/tests/test_sweep_compare.py" tests/sweep_ref.h5 tests/sweep_kill.h5 \
  || fail "resumed table differs from the uninterrupted run"
[ $fails -eq 0 ] && rm -rf tests/sweep_ref.h5* tests/sweep_kill.h5* tests/sweep_kill.out
exit $((fails > 0))
