#!/bin/sh
# digest_suite.sh AXON OUT.txt: run every example and the delivery test specs
# on several ranks x threads (and through a checkpoint/restart) and write one
# digest line per dataset (benchmarks/digest.py). Two builds give the same
# results iff their OUT files are identical; within one file, every
# decomposition of a case must show the same digests (the script checks that
# and exits 1 otherwise). Runs take ~2-4 min on a quiet 2-core machine.
#   benchmarks/digest_suite.sh ./axon /tmp/digests_new.txt
#   diff /tmp/digests_main.txt /tmp/digests_new.txt
set -eu
AXON_SRC=$(readlink -f "$1"); OUTF=$2
top=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3; [ -x $PY ] || PY=python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export AXON_DELIVERY="${AXON_DELIVERY:-auto}"
d=$(mktemp -d "${TMPDIR:-/tmp}/axon-digests.XXXXXX")
trap 'rm -rf "$d"' EXIT
cp "$AXON_SRC" "$d/axon"; AXON="$d/axon" # a rebuild while this runs does not matter
: > "$OUTF"
bad=0
# case name, file, digest: lines "case rt path count sha"
dig() { "$PY" "$top/benchmarks/digest.py" "$3" > "$d/dig.txt"; sed "s|^|$1 $2 |" "$d/dig.txt" >> "$OUTF"; }
mpi() { r=$1 t=$2; shift 2; OMP_NUM_THREADS=$t mpirun -n "$r" --oversubscribe --bind-to none \
          -x OMP_NUM_THREADS -x AXON_DELIVERY "$AXON" "$@"; }
run() { # case label rt spec [args]
  c=$1 l=$2 rt=$3 s=$4; shift 4
  mpi "${rt%x*}" "${rt#*x}" run "$s" -t "${rt#*x}" -q -o "$d/$c.$l.h5" --force "$@"
  dig "$c" "$l" "$d/$c.$l.h5"
}
"$PY" "$top/benchmarks/gen_microcircuit.py" --scale 0.05 --t-sim 300 > "$d/mc.yaml"
for rt in 1x1 1x2 2x1 2x2 3x1; do run brunel_small $rt $rt "$top/examples/brunel_small.yaml"; done
for rt in 1x1 2x2 3x1; do run brunel_2000 $rt $rt "$top/tests/data/brunel_2000.yaml"; done
for rt in 1x1 1x2 2x1 3x1; do run mixed_plastic $rt $rt "$top/tests/data/mixed_plastic.yaml"; done
for rt in 1x1 1x2 2x1 3x1; do run mc005 $rt $rt "$d/mc.yaml"; done
for rt in 1x2 2x1; do
  run brunel_delta $rt $rt "$top/examples/brunel_delta.yaml"
  run brunel_exp $rt $rt "$top/examples/brunel_exp.yaml"
done
run single_neuron 1x1 1x1 "$top/examples/single_neuron.yaml"
for rt in 1x1 2x1; do run tsodyks $rt $rt "$top/tests/data/tsodyks.yaml"; done
# checkpoint on 2x1, restarts on 1x1 and 2x2 must equal the uninterrupted run
for c in brunel_small:examples/brunel_small.yaml:300ms mixed_plastic:tests/data/mixed_plastic.yaml:100ms \
         mc005:$d/mc.yaml:100ms; do
  name=${c%%:*}; rest=${c#*:}; s=${rest%:*}; at=${rest##*:}
  case $s in /*) ;; *) s="$top/$s";; esac
  mkdir -p "$d/ck_$name"
  mpi 2 1 run "$s" -t 1 -q -o "$d/ck_$name.h5" --force --checkpoint-every "$at" --checkpoint-dir "$d/ck_$name"
  dig "$name" ckpt2x1 "$d/ck_$name.h5"
  first=$(ls "$d/ck_$name"/ckpt_*.h5 | sort -V | head -1)
  for rt in 1x1 2x2; do run "$name" "restart$rt" "$rt" "$s" --restart "$first"; done
done
# samplers (sample: 1x1 and 2x1; calibrate: a short sweep)
for bm in bm_5 bm_5_renewing; do
  for rt in 1x1 2x1; do
    mpi "${rt%x*}" 1 sample "$top/examples/$bm.yaml" -t 1 -q -o "$d/$bm.$rt.h5" --force --duration 20000
    dig "$bm" "$rt" "$d/$bm.$rt.h5"
  done
done
for rt in 1x1 2x1; do
  mpi "${rt%x*}" 1 calibrate "$top/examples/sampler_tutorial.yaml" -t 1 -q -o "$d/cal.$rt.json" \
      --h5 "$d/cal.$rt.h5" --duration 2000 --samples 20
  dig calibrate "$rt" "$d/cal.$rt.h5"
done
# within a case, every decomposition must agree
awk '{k=$1" "$3; v=$4" "$5; if (k in s && s[k]!=v) {print "MISMATCH " $0 " vs " s[k]; bad=1} else s[k]=v}
     END {exit bad}' "$OUTF" || bad=1
echo "$(wc -l < "$OUTF") digests in $OUTF; decompositions agree: $([ $bad = 0 ] && echo yes || echo NO)"
exit $bad
