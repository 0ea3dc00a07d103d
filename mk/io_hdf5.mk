# io/hdf5: collective HDF5 output (spikes, reports, metadata, merge of a
# restored run's output), checkpoint files, axon info
noinst_LTLIBRARIES += libax_io_hdf5.la
libax_io_hdf5_la_SOURCES = io/hdf5/hdf5_impl.h io/hdf5/h5_util.c io/hdf5/h5_record.c \
	io/hdf5/h5_report.c io/hdf5/h5_merge.c io/hdf5/h5_meta.c io/hdf5/h5_info.c io/hdf5/h5_ckpt.c \
	io/hdf5/h5_weights.c

# test_mpi_h5 runs under mpiexec -n 2 (tests/launch.sh); test_h5_writer is
# the helper test_h5_layout.py runs with 1, 2 and 3 ranks.
check_PROGRAMS += tests/test_mpi_h5 tests/test_h5_writer
tests_test_mpi_h5_SOURCES = tests/test_mpi_h5.c
tests_test_mpi_h5_LDADD = libax_io_hdf5.la libax_comm.la libax_core.la $(AX_EXT_LIBS)
tests_test_h5_writer_SOURCES = tests/test_h5_writer.c
tests_test_h5_writer_LDADD = libax_io_hdf5.la libax_comm.la libax_core.la $(AX_EXT_LIBS)
TESTS += tests/test_mpi_h5 tests/test_h5_layout.py
dist_check_SCRIPTS += tests/test_h5_layout.py
CLEANFILES += tests/h5_layout_*.h5 tests/h5_layout_*.png tests/mpi_h5_*.h5 \
	tests/mpi_h5_*.partial* tests/h5_layout_*.partial*
