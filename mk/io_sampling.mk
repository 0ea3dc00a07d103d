# io/sampling: sampling's files: calibrations (sbs JSON, HDF5), the
# Boltzmann-machine file and its HDF5 results, the sweep journal and
# results table (docs/sampling.md, docs/sweeps.md)
noinst_LTLIBRARIES += libax_io_sampling.la
libax_io_sampling_la_SOURCES = io/sampling/calib_io.c io/sampling/calib_json.c io/sampling/bm_io.c io/sampling/sweep_io.c \
	io/sampling/samp_info.c

# sbs compatibility (issue 14): axon's calibration JSON through sbs's load
# and weight-translation arithmetic; sbs-written files (tests/data/
# sbs_calibration_example.json) through axon sample / calibrate / the plot tool
TESTS += tests/test_sbs_files.py tests/test_sbs_read.py
EXTRA_DIST += tests/test_sbs_files.py tests/test_sbs_read.py
