#!/bin/sh
# examples/pynn/brunel.py on pyNN.axon gives bitwise the spikes of
# `axon run examples/pynn/brunel.yaml` (the issue's "same script, three
# places"): on 1 rank, on 2 MPI ranks, with 2 threads; the script's
# write_spec() output runs to the same spikes too. 300 ms of the 1000.
# Env: top_srcdir, top_builddir, AXON, PYTHON, MPIEXEC, MPIEXEC_ARGS (launch.sh).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
AXON=${AXON:-$top_builddir/axon}
PYTHON=${PYTHON:-/usr/bin/python3}
MPIEXEC=${MPIEXEC:-mpiexec}
MPIEXEC_ARGS=${MPIEXEC_ARGS:---oversubscribe --bind-to none}
export top_srcdir top_builddir
dir=$(mktemp -d /tmp/axon-brunel-pynn.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fails=0
say() { echo "$1: $2"; [ "$1" = PASS ] || fails=$((fails + 1)); }
boot="$top_srcdir/tools/axon-pynn"
script="$top_srcdir/examples/pynn/brunel.py"
cmp="$top_srcdir/tests/compare_h5.py"

sed 's/^  t_sim: .*/  t_sim: 300.0/' "$top_srcdir/examples/pynn/brunel.yaml" > "$dir/brunel.yaml"
if "$AXON" run "$dir/brunel.yaml" -o "$dir/ref.h5" -q -t 1 > "$dir/ref.txt" 2>&1; then
  say PASS "axon run examples/pynn/brunel.yaml"
else
  cat "$dir/ref.txt"; say FAIL "axon run examples/pynn/brunel.yaml"
fi

check() { # label, output file, command...
  label=$1 out=$2; shift 2
  if "$@" > "$dir/out.txt" 2>&1 && out_cmp=$("$PYTHON" "$cmp" "$out" "$dir/ref.h5"); then
    say PASS "$label: $out_cmp; $(grep '^brunel' "$dir/out.txt")"
  else
    cat "$dir/out.txt"; echo "${out_cmp:-}"; say FAIL "$label: the spikes of axon run brunel.yaml"
  fi
}
check "brunel.py --simulator axon" "$dir/a.h5" \
  "$PYTHON" "$boot" "$script" --simulator axon --t-sim 300 --output "$dir/a.h5" --spec "$dir/w.yaml"
# shellcheck disable=SC2086
check "mpirun -np 2 brunel.py" "$dir/b.h5" \
  $MPIEXEC -n 2 $MPIEXEC_ARGS "$PYTHON" "$boot" "$script" --t-sim 300 --output "$dir/b.h5"
check "brunel.py --threads 2" "$dir/c.h5" \
  "$PYTHON" "$boot" "$script" --t-sim 300 --threads 2 --output "$dir/c.h5"
check "axon run of the spec brunel.py wrote" "$dir/d.h5" \
  "$AXON" run "$dir/w.yaml" -o "$dir/d.h5" -q -t 1
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
