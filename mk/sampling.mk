# sampling (src/sampling): LIF sampler configuration, calibration, BM
# translation, Boltzmann-machine sampling and distributions (docs/sampling.md)
noinst_LTLIBRARIES += libax_sampling.la
libax_sampling_la_SOURCES = src/sampling/sampling_impl.h src/sampling/sampler_config.c \
	src/sampling/netspec.c src/sampling/precalib.c src/sampling/calibration.c src/sampling/translate.c \
	src/sampling/distributions.c src/sampling/bm.c src/sampling/bm_run.c

# The sampling libraries with their files (io/sampling) and the engine.
AX_SAMPLING_LIBS = libax_io_sampling.la libax_sampling.la $(AX_ENGINE_LIBS)

check_PROGRAMS += tests/test_sampling
tests_test_sampling_SOURCES = tests/test_sampling.c
tests_test_sampling_LDADD = $(AX_SAMPLING_LIBS) $(AX_EXT_LIBS) $(CUNIT_LIBS)
tests_test_sampling_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/sampling
TESTS += tests/test_sampling tests/test_sampling_calib.sh tests/test_sampling_bm.sh
dist_check_SCRIPTS += tests/test_sampling_calib.sh tests/test_sampling_bm.sh \
	tests/test_sampling_slow.sh
CLEANFILES += tests/sampling_*.json tests/sampling_*.h5
