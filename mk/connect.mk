# connect (src/connect): Philox random streams and connection rules
noinst_LTLIBRARIES += libax_connect.la
libax_connect_la_SOURCES = src/connect/rng.c src/connect/connect.c

check_PROGRAMS += tests/test_rng tests/test_connect
TESTS += tests/test_rng tests/test_connect
tests_test_rng_SOURCES = tests/test_rng.c
tests_test_rng_LDADD = libax_connect.la libax_core.la $(AX_EXT_LIBS) $(CUNIT_LIBS)
tests_test_connect_SOURCES = tests/test_connect.c
tests_test_connect_LDADD = libax_connect.la libax_partition.la libax_core.la $(AX_EXT_LIBS) $(CUNIT_LIBS)
