# io/sampling: sampling's files: calibrations (sbs JSON, HDF5), the
# Boltzmann-machine file and its HDF5 results, the sweep journal and
# results table (docs/sampling.md, docs/sweeps.md)
noinst_LTLIBRARIES += libax_io_sampling.la
libax_io_sampling_la_SOURCES = io/sampling/calib_io.c io/sampling/bm_io.c io/sampling/sweep_io.c
