# io/spec: YAML/JSON reading (the node tree of axon/yaml.h), validation of
# network specs, the spec emitter and the spec hash
noinst_LTLIBRARIES += libax_io_spec.la
libax_io_spec_la_SOURCES = io/spec/spec_impl.h io/spec/spec_yaml.c io/spec/spec_values.c \
	io/spec/spec_parse.c io/spec/spec_net.c io/spec/spec_query.c io/spec/spec_emit.c

check_PROGRAMS += tests/test_spec
tests_test_spec_SOURCES = tests/test_spec.c
tests_test_spec_LDADD = libax_io_spec.la libax_synapses.la libax_models.la libax_core.la $(AX_EXT_LIBS) $(CUNIT_LIBS)
tests_test_spec_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
TESTS += tests/test_spec tests/test_bad_specs.sh tests/test_examples.sh
dist_check_SCRIPTS += tests/test_bad_specs.sh tests/test_examples.sh
EXTRA_DIST += tests/test_spec.c

# Issue 15 item 8: nesting deeper than AX_YAML_MAX_DEPTH is refused with its
# position in every command, aliases and sweep parameter paths included.
TESTS += tests/test_rel_deep_nesting.sh
dist_check_SCRIPTS += tests/test_rel_deep_nesting.sh

# Issue 15 item 10: whatever `axon run` refuses for a spec's content,
# `axon check` refuses first, with the same file:line:col message.
TESTS += tests/test_rel_check_run_agree.sh
dist_check_SCRIPTS += tests/test_rel_check_run_agree.sh
