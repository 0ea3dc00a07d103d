# cli (src/cli): the `axon` command: main.c dispatches to one file per
# subcommand
noinst_LTLIBRARIES += libax_cli.la
libax_cli_la_SOURCES = src/cli/cli_impl.h src/cli/common.c src/cli/run.c \
	src/cli/check.c src/cli/info.c src/cli/calibrate.c src/cli/sample.c src/cli/sweep.c src/cli/export.c

bin_PROGRAMS = axon
axon_SOURCES = src/cli/main.c
axon_LDADD = libaxon.la $(AX_EXT_LIBS)
# -static: the program links the archive (the same non-PIC code as before
# libaxon became shared for pyNN.axon), so ./axon is a real binary, not a
# libtool wrapper script.
axon_LDFLAGS = -static

# axon check takes every input kind (with the command's loader); axon info
# summarises sampling outputs (issue 14 item 4)
TESTS += tests/test_check_inputs.sh tests/test_info_sampling.sh
dist_check_SCRIPTS += tests/test_check_inputs.sh tests/test_info_sampling.sh

# Issue 15 item 7: an error on one rank ends every rank (rank 0 reads the
# input files, every rank parses the same bytes, every local step agrees).
# tests/rel_lib.sh is the shared setup of the tests/test_rel_*.sh (sourced).
TESTS += tests/test_rel_rank_disagree.sh
dist_check_SCRIPTS += tests/test_rel_rank_disagree.sh
EXTRA_DIST += tests/rel_lib.sh

# Output files (issue 15 items 5, 6; docs/output.md): two runs on one output,
# targets that are not regular files, --stats-json.
TESTS += tests/test_rel_concurrent_output.sh tests/test_rel_force_targets.sh
EXTRA_DIST += tests/test_rel_concurrent_output.sh tests/test_rel_force_targets.sh

# Issue 15 item 9: OMP_NUM_THREADS bounded (1..4096, exit 2 otherwise) and a
# default thread count fitted to the work (core: threads.c; cli: ax_cli_threads).
TESTS += tests/test_rel_threads.sh
dist_check_SCRIPTS += tests/test_rel_threads.sh

# Issue 15 item 11: NUL and tags in values, sampling times on the dt grid,
# checkpoints lists, BM biases, solver failures, input files that are not
# files, options without values, --checkpoint-dir.
TESTS += tests/test_rel_small_items.sh
dist_check_SCRIPTS += tests/test_rel_small_items.sh

# Issue 19 item 4: a process started without a launcher starts MPI with the
# singleton defaults of axon/mpi_start.h (src/comm), never overriding the
# user's or a launcher's settings.
TESTS += tests/test_mpi_singleton.sh
dist_check_SCRIPTS += tests/test_mpi_singleton.sh
