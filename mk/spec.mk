# spec (owner: spec work): YAML/JSON parsing and validation
noinst_LTLIBRARIES += libax_spec.la
libax_spec_la_SOURCES = io/spec_internal.h io/spec_yaml.c io/spec_values.c io/spec_parse.c \
	io/spec_net.c io/spec_query.c
