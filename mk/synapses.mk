# synapses (src/synapses): plasticity rules as arithmetic (NEST's STDP rules,
# the postsynaptic spike history); the engine keeps the synapses
noinst_LTLIBRARIES += libax_synapses.la
libax_synapses_la_SOURCES = src/synapses/stdp.c

check_PROGRAMS += tests/test_stdp
tests_test_stdp_SOURCES = tests/test_stdp.c
tests_test_stdp_LDADD = libax_synapses.la libax_core.la $(AX_EXT_LIBS) $(CUNIT_LIBS)
TESTS += tests/test_stdp
