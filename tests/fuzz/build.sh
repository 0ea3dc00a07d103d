#!/bin/sh
# build.sh - build the spec-parser fuzzer (tests/fuzz/fuzz_spec) with clang.
#
#   sh tests/fuzz/build.sh [OUTPUT]     (default: tests/fuzz/fuzz_spec)
#
# Compiles the spec loader's own sources (io/spec/*.c, src/models/*.c, src/synapses/*.c,
# src/core/*.c) straight into the fuzzer with
# -fsanitize=fuzzer,address,undefined; libfyaml, GSL and HDF5 (io/spec reads
# from_list connection lists; Debian's parallel HDF5 also brings MPI's
# headers and library) are linked. Independent of ./configure, so it works on
# a tree configured with gcc/mpicc. Needs clang and libclang-rt-14-dev.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$here/fuzz_spec}
CLANG=${CLANG:-clang}

if ! command -v "$CLANG" >/dev/null 2>&1; then
  echo "build.sh: $CLANG not found; apt-get install clang libclang-rt-14-dev" >&2
  exit 2
fi
if ! pkg-config --exists libfyaml gsl hdf5; then
  echo "build.sh: pkg-config cannot find libfyaml, gsl and hdf5 (libfyaml-dev libgsl-dev libhdf5-openmpi-dev)" >&2
  exit 2
fi

srcs=$(cd "$top" && ls io/spec/*.c src/models/*.c src/synapses/*.c src/core/*.c)
# -fno-sanitize-recover: a UBSan finding is a crash the fuzzer keeps, not a note.
cflags="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I$top/include $(pkg-config --cflags libfyaml gsl hdf5)"

cd "$top"
# shellcheck disable=SC2086  # word splitting of the flag lists is intended
"$CLANG" $cflags -o "$out" tests/fuzz/fuzz_spec.c $srcs $(pkg-config --libs libfyaml gsl hdf5) -lm
echo "build.sh: built $out"
