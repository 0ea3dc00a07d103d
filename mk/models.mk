# models (src/models): neuron models and their registry
noinst_LTLIBRARIES += libax_models.la
libax_models_la_SOURCES = src/models/models_impl.h src/models/registry.c src/models/common.c \
	src/models/propagators.c src/models/iaf_psc_delta.c src/models/iaf_psc_exp.c \
	src/models/iaf_psc_alpha.c src/models/iaf_cond_exp.c src/models/dpi_neuron.c \
	src/models/spike_source_array.c src/models/spike_source_poisson.c \
	src/models/parrot_neuron.c

check_PROGRAMS += tests/test_models
tests_test_models_SOURCES = tests/test_models.c
tests_test_models_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/models
tests_test_models_LDADD = libax_models.la libax_core.la $(AX_EXT_LIBS) $(CUNIT_LIBS)
TESTS += tests/test_models

noinst_PROGRAMS += bench_models
bench_models_SOURCES = benchmarks/bench_models.c
bench_models_LDADD = libax_models.la libax_core.la $(AX_EXT_LIBS)
