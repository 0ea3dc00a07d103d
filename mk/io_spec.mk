# io/spec: YAML/JSON reading (the node tree of axon/yaml.h), validation of
# network specs, the spec emitter and the spec hash
noinst_LTLIBRARIES += libax_io_spec.la
libax_io_spec_la_SOURCES = io/spec/spec_impl.h io/spec/spec_yaml.c io/spec/spec_values.c \
	io/spec/spec_parse.c io/spec/spec_net.c io/spec/spec_query.c io/spec/spec_emit.c

check_PROGRAMS += tests/test_spec
tests_test_spec_SOURCES = tests/test_spec.c
tests_test_spec_LDADD = libax_io_spec.la libax_synapses.la libax_models.la libax_core.la $(AX_EXT_LIBS) $(CUNIT_LIBS)
EXTRA_DIST += tests/test_spec.c

# Reliability (issue 15): test_rel_deep_nesting (item 8), nesting deeper than
# AX_YAML_MAX_DEPTH is refused with its position in every command, aliases
# and sweep parameter paths included; test_rel_check_run_agree (item 10),
# whatever `axon run` refuses for a spec's content, `axon check` refuses
# first, with the same file:line:col message.
AX_SPEC_CHECKS = tests/test_bad_specs.sh tests/test_examples.sh tests/test_rel_deep_nesting.sh \
	tests/test_rel_check_run_agree.sh
TESTS += tests/test_spec $(AX_SPEC_CHECKS)
dist_check_SCRIPTS += $(AX_SPEC_CHECKS)
