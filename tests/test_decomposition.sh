#!/bin/sh
# Decomposition test (issue 4): the same spec and seed on 1x1, 1x2, 2x1, 2x2
# and 3x1 ranks x threads gives bitwise identical spike trains and V_m traces
# (3x1 also with the other construction path of pass A, see network.c).
set -u
: "${MPIEXEC:=mpiexec}" "${MPIEXEC_ARGS:=--oversubscribe --bind-to none}"
spec="$top_srcdir/tests/data/brunel_2000.yaml"
dir=$(mktemp -d "${TMPDIR:-/tmp}/axon-decomp.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail=0
for rt in 1x1 1x2 2x1 2x2 3x1; do
  r=${rt%x*}; t=${rt#*x}
  # 3x1 builds with the sorting pass A (the others count per source): both
  # must give the same network
  pa=count; [ "$rt" = 3x1 ] && pa=sort
  if ! AXON_PASS_A=$pa OMP_NUM_THREADS=$t $MPIEXEC -n "$r" $MPIEXEC_ARGS -x AXON_PASS_A "$AXON" run "$spec" -t "$t" \
       -o "$dir/$rt.h5" -q; then
    echo "FAIL: run $rt exited non-zero"; fail=1; continue
  fi
done
[ $fail = 0 ] || exit 1
n=$("${PYTHON:-python3}" -c "import h5py,sys; f=h5py.File(sys.argv[1]); print(sum(len(f['spikes'][p]['timestamps']) for p in f['spikes']))" "$dir/1x1.h5")
echo "1x1: $n spikes"
[ "$n" -gt 1000 ] || { echo "FAIL: too few spikes ($n) for a meaningful comparison"; exit 1; }
for rt in 1x2 2x1 2x2 3x1; do
  printf '%s vs 1x1: ' "$rt"
  "${PYTHON:-python3}" "$top_srcdir/tests/compare_h5.py" "$dir/1x1.h5" "$dir/$rt.h5" || fail=1
done
exit $fail
