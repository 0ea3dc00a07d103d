#!/bin/sh
# weak_series.sh [OUTDIR]: the weak-scaling series of issue 19 item 3 on
# oversubscribed ranks of one machine (correctness and per-rank memory and
# exchange volumes; not timings, unless the machine has the cores).
#   RANKS="4 8 16 32" KINDS="brunel lowdeg mc" benchmarks/weak_series.sh /tmp/weak
# For each kind (benchmarks/gen_weak.py) and R: run R ranks x 1 thread with
# --stats-json, recording all spikes; run the same network on a reference
# decomposition (1x1, or 2x1 for mc) and require bitwise identical spikes
# (tests/compare_h5.py). Then benchmarks/weak_report.py OUTDIR prints the
# tables (RSS per rank, bytes per synapse, every per-rank table, exchange per
# slice) that docs/performance.md quotes. AXON=path/to/axon to use another build;
# PER_RANK=N neurons per rank for brunel/lowdeg (default 2500); T_SIM=ms
# (default 200); MC_MAX_RANKS (default 16: mc grows 0.05 of the full
# microcircuit per rank, 15 M synapses, so 32 ranks would be 3.9 GB);
# MPIEXEC (default mpirun). Exits 1 if any run fails or differs.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/benchmarks/results/weak-$(date +%Y%m%d-%H%M%S)}
AXON=${AXON:-$top/axon}
PY=/usr/bin/python3; [ -x $PY ] || PY=python3
RANKS=${RANKS:-"1 2 4 8 16 32"}
KINDS=${KINDS:-"brunel lowdeg mc"}
T_SIM=${T_SIM:-200}
PER_RANK=${PER_RANK:-2500}
MC_MAX_RANKS=${MC_MAX_RANKS:-16}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPI="${MPIEXEC:-mpirun} --oversubscribe --bind-to none --mca mpi_yield_when_idle 1 -x OMP_NUM_THREADS"
mkdir -p "$out"
fail=0
for kind in $KINDS; do
  for R in $RANKS; do
    # the microcircuit grows 0.05 per rank: by default up to 16 ranks (0.8 scale)
    [ "$kind" = mc ] && [ "$R" -gt "$MC_MAX_RANKS" ] && { echo "SKIP: mc on $R ranks (MC_MAX_RANKS=$MC_MAX_RANKS)"; continue; }
    spec="$out/${kind}_r$R.yaml"
    "$PY" "$top/benchmarks/gen_weak.py" --ranks "$R" --kind "$kind" --per-rank "$PER_RANK" --t-sim "$T_SIM" --record all > "$spec"
    if ! OMP_NUM_THREADS=1 $MPI -n "$R" "$AXON" run "$spec" -t 1 -q --force \
         -o "$out/${kind}_r$R.h5" --stats-json "$out/${kind}_r$R.json"; then
      echo "FAIL: $kind on $R ranks exited non-zero"; fail=1; continue
    fi
    ref=1; [ "$kind" = mc ] && ref=2
    [ "$R" = "$ref" ] && { echo "PASS: $kind $R ranks (reference)"; continue; }
    OMP_NUM_THREADS=1 $MPI -n "$ref" "$AXON" run "$spec" -t 1 -q --force -o "$out/${kind}_r${R}_ref.h5" \
      || { echo "FAIL: $kind reference ${ref}x1 exited non-zero"; fail=1; continue; }
    if res=$("$PY" "$top/tests/compare_h5.py" "$out/${kind}_r${R}_ref.h5" "$out/${kind}_r$R.h5"); then
      echo "PASS: $kind ${R}x1 vs ${ref}x1: $res"
    else echo "FAIL: $kind ${R}x1 vs ${ref}x1: $res"; fail=1; fi
    rm -f "$out/${kind}_r${R}_ref.h5" "$out/${kind}_r$R.h5"
  done
done
"$PY" "$top/benchmarks/weak_report.py" "$out" | tee "$out/report.md"
exit $fail
