#!/bin/sh
# axon started without a launcher (an MPI singleton) brings MPI up with the
# defaults of axon/mpi_start.h: only the ob1 messaging layer (Debian's
# default config opened every layer; the cm layer's PSM/PSM2 probes took
# 0.2 s per process), no orted, and a private session directory base under
# $TMPDIR that is gone after the run. A user's own OMPI_MCA_pml wins,
# and a process started by mpiexec is left as the launcher set it up. The
# checks read Open MPI's own selection log (pml_base_verbose), not timings.
: "${top_srcdir:=.}" "${AXON:=./axon}"
: "${MPIEXEC:=mpiexec}" "${MPIEXEC_ARGS:=--oversubscribe}"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
spec="$top_srcdir/examples/bm_5.yaml"
run() { # $1: log; the rest: the command before axon's arguments
  log=$1; shift
  OMPI_MCA_pml_base_verbose=10 "$@" "$AXON" sample "$spec" -t 1 -q --duration 100 \
    -o tests/mpi_singleton.h5 --force > "$log" 2>&1 || fail "$* axon sample exited $?"
}

# a singleton: ob1 only, and nothing else opened
(unset OMPI_MCA_pml; run tests/mpi_singleton.log env)
grep -q "select: component ob1 selected" tests/mpi_singleton.log ||
  fail "singleton: ob1 not selected: $(grep 'select' tests/mpi_singleton.log | head -3)"
grep -q "found loaded component cm" tests/mpi_singleton.log &&
  fail "singleton: the cm layer was opened (the 0.2 s probe is back)"

# the private session directory base is removed at exit
t=$(mktemp -d)
(unset OMPI_MCA_pml OMPI_MCA_ess_singleton_isolated OMPI_MCA_orte_tmpdir_base
 TMPDIR=$t; export TMPDIR; run tests/mpi_singleton_tmp.log env)
left=$(ls "$t")
[ -z "$left" ] || fail "left in TMPDIR after the run: $left"
rm -rf "$t"

# the user's setting wins: with pml = ^ucx, Open MPI opens cm again
run tests/mpi_singleton_user.log env OMPI_MCA_pml=^ucx
grep -q "found loaded component cm" tests/mpi_singleton_user.log ||
  fail "OMPI_MCA_pml=^ucx was overridden (cm not opened)"

# under a launcher axon changes nothing: Open MPI opens every layer (cm too)
(unset OMPI_MCA_pml; run tests/mpi_singleton_launched.log "$MPIEXEC" -n 1 $MPIEXEC_ARGS)
grep -q "found loaded component cm" tests/mpi_singleton_launched.log ||
  fail "under mpiexec the messaging layer was narrowed (cm not opened)"

rm -f tests/mpi_singleton*.h5 tests/mpi_singleton*.log
[ "$fails" -eq 0 ] && echo "test_mpi_singleton: all checks passed"
exit $((fails != 0))
