# engine (src/engine): network build, synapse store, the min-delay slice
# loop, spike exchange, devices, checkpoints
noinst_LTLIBRARIES += libax_engine.la
libax_engine_la_SOURCES = src/engine/engine_impl.h src/engine/engine.c src/engine/block.c src/engine/network.c \
	src/engine/devices.c src/engine/exchange.c src/engine/simulate.c src/engine/deliver.c \
	src/engine/update.c src/engine/recording.c src/engine/checkpoint.c src/engine/fault.c \
	src/engine/sync.c src/engine/stats.c \
	src/engine/stdp_store.c src/engine/stdp_ckpt.c

# The libraries a program that builds and simulates a network links.
AX_ENGINE_LIBS = libax_engine.la libax_io_hdf5.la libax_partition.la libax_connect.la \
	libax_io_spec.la libax_synapses.la libax_models.la libax_comm.la libax_core.la

TESTS += tests/test_decomposition.sh tests/test_brunel_stats.sh tests/test_e2e_reference.py \
	tests/test_e2e_record.sh
EXTRA_DIST += tests/test_decomposition.sh tests/compare_h5.py tests/test_brunel_stats.sh \
	tests/test_e2e_reference.py tests/test_e2e_record.sh
noinst_PROGRAMS += benchmarks/bench_floor
benchmarks_bench_floor_SOURCES = benchmarks/bench_floor.c
EXTRA_DIST += benchmarks/run benchmarks/gen_brunel.py benchmarks/gen_microcircuit.py \
	benchmarks/gen_hpc_benchmark.py benchmarks/stdp_decomposition_large.sh
TESTS += tests/test_e2e_checkpoint.sh tests/test_e2e_faults.sh
EXTRA_DIST += tests/test_e2e_checkpoint.sh tests/test_e2e_faults.sh
TESTS += tests/test_tsodyks.py
EXTRA_DIST += tests/test_tsodyks.py
# the engine driven call by call (run_until, reset, refresh), 2 ranks x 2 threads
check_PROGRAMS += tests/test_mpi_engine_continue
tests_test_mpi_engine_continue_SOURCES = tests/test_mpi_engine_continue.c
tests_test_mpi_engine_continue_LDADD = $(AX_ENGINE_LIBS) $(AX_EXT_LIBS)
TESTS += tests/test_mpi_engine_continue
TESTS += tests/test_explicit.py
EXTRA_DIST += tests/test_explicit.py
# Reliability (issue 15, docs/reliability.md "Promises and their tests");
# tests/rel_lib.sh, their shared setup, is in mk/cli.mk's EXTRA_DIST.
TESTS += tests/test_rel_device_windows.sh tests/test_rel_huge_times.sh \
	tests/test_rel_restart_chain.sh tests/test_rel_ckpt_corrupt.sh
EXTRA_DIST += tests/test_rel_device_windows.sh tests/test_rel_huge_times.sh \
	tests/test_rel_restart_chain.sh tests/test_rel_ckpt_corrupt.sh

# Issue 15 item 12: two threads on one busy core stay within a few times one
# thread (the slice loop's handoff spins boundedly, then sleeps: sync.c).
TESTS += tests/test_rel_busy_machine.sh
dist_check_SCRIPTS += tests/test_rel_busy_machine.sh

# Delivery modes (issue 19): direct and deferred give the same bits on every
# decomposition and restart from each other's checkpoints.
TESTS += tests/test_delivery.sh
dist_check_SCRIPTS += tests/test_delivery.sh
EXTRA_DIST += benchmarks/digest.py benchmarks/digest_suite.sh
TESTS += tests/test_stdp_reference.py tests/test_stdp_decomposition.sh tests/test_stdp_replay.py
EXTRA_DIST += tests/test_stdp_reference.py tests/test_stdp_decomposition.sh tests/test_stdp_replay.py

# Weak-scaling series (issue 19 item 3): the scripts run on 1-3 ranks, the
# decompositions agree bitwise and the stats they report match the code.
TESTS += tests/test_weak_series.sh
dist_check_SCRIPTS += tests/test_weak_series.sh
EXTRA_DIST += benchmarks/weak_series.sh benchmarks/gen_weak.py benchmarks/weak_report.py \
	benchmarks/exchange_model.py
