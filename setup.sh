#!/bin/sh
# setup.sh - one idempotent step from a fresh Debian 12 machine to a built axon.
#
#   ./setup.sh            install missing Debian packages, configure, build
#   ./setup.sh example    ... then run the main example (Brunel, 2 MPI ranks,
#                         HDF5 output, summary printed)
#   ./setup.sh test       ... then run every test (make check) and print the
#                         totals as "N passed, N failed"
#   ./setup.sh install    ... then make install: the axon command, libaxon and
#                         pyNN.axon (into the pyNN package of Debian's python3)
#
# Packages are installed with apt-get when missing (as root, or through sudo);
# without either, the script prints the exact command to run and stops.
# Set AXON_CONFIGURE_FLAGS to pass options to ./configure (CI: --enable-werror).
set -eu
cd "$(dirname "$0")"

PKGS="build-essential autoconf automake libtool pkg-config libopenmpi-dev openmpi-bin \
libhdf5-openmpi-dev hdf5-tools libgsl-dev libcunit1-dev librandom123-dev libfyaml-dev \
python3 python3-h5py python3-numpy python3-matplotlib python3-yaml \
python3-pynn python3-neo python3-quantities python3-scipy python3-mpi4py python3-nose"
sh tools/debian-packages.sh setup $PKGS

# Open MPI refuses to run as root without these (containers, CI).
if [ "$(id -u)" = 0 ]; then
  OMPI_ALLOW_RUN_AS_ROOT=1; OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
  autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
  # -march=native: the Philox and Poisson loops vectorise 4-8 wide (AVX2/AVX-512)
  # instead of 2 (SSE2); results are bitwise the same. Build on the machine
  # (or node type) that runs it.
  ./configure -q CFLAGS="${CFLAGS:--O3 -g -march=native}" ${AXON_CONFIGURE_FLAGS:-}
fi
jobs=$(nproc 2>/dev/null || echo 2)
make -s -j"$jobs"

case "${1:-build}" in
  build) echo "setup: built ./axon (try: ./setup.sh example)";;
  install)
    make -s install
    command -v ldconfig >/dev/null 2>&1 && { ldconfig 2>/dev/null || true; }
    echo "setup: installed axon, libaxon and pyNN.axon (python3 -c 'import pyNN.axon')";;
  example)
    out=brunel_small.h5
    rm -f "$out"
    OMP_NUM_THREADS=1 mpirun -np 2 --oversubscribe --bind-to none \
      ./axon run examples/brunel_small.yaml -o "$out" --force
    ./axon info "$out";;
  test)
    # make check (unit, MPI and end-to-end tests), then the reliability
    # stages (fuzzing, ASan+UBSan make check, valgrind; tests/reliability.sh;
    # AXON_QUICK=1 skips them), then one line with the totals of both.
    rc=0
    make -s -j"$jobs" check >/dev/null 2>&1 || rc=$?
    sh tests/summary.sh tests > tests/summary.txt 2>&1 || rc=1
    cat tests/summary.txt
    set -- $(tail -n 1 tests/summary.txt)
    pass=$1 fail=$3
    if [ -z "${AXON_QUICK:-}" ]; then
      sh tests/reliability.sh > tests/reliability.txt 2>&1 || rc=1
      cat tests/reliability.txt
      pass=$((pass + $(grep '^reliability: [a-z]*: PASS' tests/reliability.txt | sort -u | wc -l)))
      fail=$((fail + $(grep '^reliability: [a-z]*: FAIL' tests/reliability.txt | sort -u | wc -l)))
    fi
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ] || rc=1
    exit $rc;;
  *) echo "usage: ./setup.sh [build|example|test|install]" >&2; exit 2;;
esac
