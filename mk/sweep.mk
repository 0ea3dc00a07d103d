# sweep (src/sweep): calibration and Boltzmann-machine sampling sweeps as an
# MPI task farm, resumable, one HDF5 table (docs/sweeps.md)
noinst_LTLIBRARIES += libax_sweep.la
libax_sweep_la_SOURCES = src/sweep/sweep_impl.h src/sweep/sweep_spec.c src/sweep/sweep_tasks.c src/sweep/sweep_bm.c \
	src/sweep/sweep_run.c

TESTS += tests/test_sweep.sh tests/test_sweep_kill.sh tests/test_sweep_sample.sh \
	tests/test_sweep_sample_kill.sh tests/test_sweep_window.sh
dist_check_SCRIPTS += tests/test_sweep.sh tests/test_sweep_kill.sh tests/test_sweep_sample.sh \
	tests/test_sweep_sample_kill.sh tests/test_sweep_compare.py tests/test_sweep_window.sh
EXTRA_DIST += tests/sweep
CLEANFILES += tests/sweep_*.h5 tests/sweep_*.json
