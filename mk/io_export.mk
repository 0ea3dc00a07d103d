# io/export: SpiNNaker (sPyNNaker), Dynap-SE2 (Rockpool) and NIR writers,
# the NIR reader, and ax_export, which places the network (partition/) and
# hands it to the target's writer (docs/export.md)
noinst_LTLIBRARIES += libax_io_export.la
libax_io_export_la_SOURCES = io/export/export_impl.h io/export/export.c \
	io/export/export_spinnaker.c io/export/export_dynapse.c io/export/export_nir.c \
	io/export/nir_graph.c io/export/nir_read.c

AX_EXPORT_LIBS = libax_io_export.la $(AX_ENGINE_LIBS)
AX_EXPORT_TEST_LDADD = $(AX_EXPORT_LIBS) $(AX_EXT_LIBS) $(CUNIT_LIBS)

# unit tests (each from tests/<name>.c, automake's default source);
# test_spinnaker: sPyNNaker arithmetic, ring buffer/delay rules, and
# --simulate's board model turning a unit slip into a rate change (runs
# brunel_small 3 x 300 ms)
check_PROGRAMS += tests/test_export tests/test_dynapse tests/test_spinnaker
tests_test_export_LDADD = $(AX_EXPORT_TEST_LDADD)
tests_test_dynapse_LDADD = $(AX_EXPORT_TEST_LDADD)
tests_test_spinnaker_LDADD = $(AX_EXPORT_TEST_LDADD)
# NIR both ways with the real nir 1.0.7 package (../shared/thirdparty/python or
# $AXON_THIRDPARTY_PY; python3-yaml for the example specs)
TESTS += tests/test_nir_client.py
# test helper (not a test): the synapses axon builds, as JSON, for the client-library tests
check_PROGRAMS += tests/hw_net_dump
tests_hw_net_dump_SOURCES = tests/hw_net_dump.c
tests_hw_net_dump_LDADD = $(AX_EXPORT_LIBS) $(AX_EXT_LIBS)
TESTS += tests/test_export tests/test_export_cli.sh tests/test_dynapse tests/test_dynapse_cli.sh \
	tests/test_spinnaker tests/test_spinnaker_pynn.py tests/test_spinnaker_psp.py tests/test_dynapse_rockpool.py
dist_check_SCRIPTS += tests/test_export_cli.sh tests/test_dynapse_cli.sh \
	tests/test_dynapse_files.py tests/test_nir_client.py tests/test_spinnaker_pynn.py tests/test_spinnaker_psp.py \
	tests/test_dynapse_rockpool.py \
	tests/pynn_spinnaker_shim.py
EXTRA_DIST += tests/test_export.c tests/test_dynapse.c tests/test_spinnaker.c tests/hw_net_dump.c
CLEANFILES += tests/export_*.nir
