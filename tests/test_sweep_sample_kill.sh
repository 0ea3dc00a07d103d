#!/bin/sh
# A sample sweep (Boltzmann-machine runs) killed with SIGKILL on every rank
# mid-way resumes with --resume, runs only the unfinished tasks, and its
# final table (rows, /marginals, /convergence) equals an uninterrupted
# run's bitwise; the result file present after the kill is readable.
: "${top_srcdir:=.}" "${AXON:=./axon}" "${PYTHON:=python3}"
: "${MPIEXEC:=mpiexec}" "${MPIEXEC_ARGS:=--oversubscribe}"
OMP_WAIT_POLICY=passive; export OMP_WAIT_POLICY
d="$top_srcdir/tests/sweep"
o=tests/sweep_bmk
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf ${o}_ref.h5* ${o}.h5* ${o}.out

"$AXON" sweep "$d/bm_kill.yaml" -o ${o}_ref.h5 -t 2 -q || fail "reference sweep exited $?"
"$MPIEXEC" -n 2 $MPIEXEC_ARGS "$AXON" sweep "$d/bm_kill.yaml" -o ${o}.h5 -t 1 \
  --max-chunk 1 --checkpoint 0.01 -q &
pid=$!
# wait until ~10 of the 40 results (~1.2 kB each) are journaled, then
# SIGKILL every rank and mpiexec
i=0
while [ $i -lt 400 ]; do
  n=$(cat ${o}.h5.journal/run0.r* 2>/dev/null | wc -c)
  [ "${n:-0}" -gt 12000 ] && break
  sleep 0.02; i=$((i + 1))
done
pkill -KILL -P "$pid"; kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
[ -d ${o}.h5.journal ] || fail "no journal after the kill (finished too early?)"
[ -e ${o}.h5 ] || fail "no checkpoint before the kill"
if [ -e ${o}.h5 ]; then
  "$PYTHON" -c 'import sys, h5py; a = h5py.File(sys.argv[1], "r")["sweep"].attrs; assert a["task"] == b"sample"; print("checkpoint after kill: %d of %d done" % (a["n_tasks"] - a["n_pending"], a["n_tasks"]))' \
    ${o}.h5 || fail "result file unreadable after the kill"
fi
"$MPIEXEC" -n 2 $MPIEXEC_ARGS "$AXON" sweep "$d/bm_kill.yaml" -o ${o}.h5 -t 1 --resume > ${o}.out \
  || fail "resume exited $?"
cat ${o}.out
grep -qE ', [1-9][0-9]* already done' ${o}.out || fail "resume redid every task"
grep -q ' 40 run now' ${o}.out && fail "resume ran all 40 tasks"
"$PYTHON" "$top_srcdir/tests/test_sweep_compare.py" ${o}_ref.h5 ${o}.h5 \
  || fail "resumed table differs from the uninterrupted run"
[ $fails -eq 0 ] && rm -rf ${o}_ref.h5* ${o}.h5* ${o}.out
exit $((fails > 0))
