# rel_lib.sh - shared setup of the reliability tests tests/test_rel_*.sh
# (issue 15). Sourced, not run. Gives every test the same defaults, so a test
# runs under `make check` (tests/launch.sh exports AXON, top_srcdir, MPIEXEC,
# MPIEXEC_ARGS, PYTHON) and by hand from the source tree:
#     sh tests/test_rel_restart_chain.sh
# Provides: $dir (a private temporary directory, removed on exit), pass/fail
# (one line per check; fail makes the test exit 1), axon1 (one rank, no
# mpiexec, threads from its first argument), mpi (R ranks under $MPIEXEC),
# h5py (a Python snippet with h5py), vlimit (a memory cap), and rel_done
# (the exit status).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${AXON:=$top_srcdir/axon}"
: "${MPIEXEC:=mpiexec}"
: "${MPIEXEC_ARGS:=--oversubscribe --bind-to none}"
if [ -z "${PYTHON:-}" ]; then
  if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
if [ "$(id -u)" = 0 ]; then   # Open MPI refuses root without both
  OMPI_ALLOW_RUN_AS_ROOT=1; OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
fi
export AXON top_srcdir PYTHON
[ -x "$AXON" ] || { echo "FAIL: $AXON is not built (./setup.sh build)"; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/axon-rel.XXXXXX") || exit 1
rel_cleanup() {
  for p in ${rel_pids:-}; do kill -9 "$p" 2>/dev/null; done
  chmod -R u+w "$dir" 2>/dev/null
  rm -rf "$dir"
}
trap rel_cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM
rel_fail=0
rel_pids=""

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; rel_fail=1; }

# axon1 THREADS ARGS...: one process (an MPI singleton), THREADS threads.
axon1() {
  t=$1; shift
  OMP_NUM_THREADS=$t "$AXON" "$@"
}

# mpi RANKS THREADS ARGS...: under mpiexec; a hung job is killed after
# $REL_HANG s (default 120: every run in these tests needs seconds).
mpi() {
  r=$1 t=$2; shift 2
  OMP_NUM_THREADS=$t timeout -k 5 "${REL_HANG:-120}" $MPIEXEC -n "$r" $MPIEXEC_ARGS "$@"
}

# h5py 'python code' ARGS...: run code with h5py/numpy imported, sys.argv = ARGS.
h5py() {
  code=$1; shift
  "$PYTHON" -c "import sys, h5py, numpy as np
$code" "$@"
}

# Print the first lines of a file, indented (for failure messages).
show() { sed -n '1,6s/^/    | /p' "$1"; }

rel_done() {
  [ "$rel_fail" -eq 0 ] && echo "all checks passed" || echo "some checks failed"
  exit "$rel_fail"
}

# A memory cap in KiB for what follows in this (sub)shell: `ulimit -v`, or,
# under ASan (which reserves terabytes of address space for its shadow and
# aborts under any `ulimit -v`), ASan's own cap on resident memory.
vlimit() {
  if [ -n "${AXON_SANITIZER:-}" ]; then
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=$(($1 / 1024))"; export ASAN_OPTIONS
  else ulimit -v "$1"; fi
}
