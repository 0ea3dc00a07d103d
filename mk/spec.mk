# spec (owner: spec work): YAML/JSON parsing and validation
noinst_LTLIBRARIES += libax_spec.la
libax_spec_la_SOURCES = io/spec_parse.c
