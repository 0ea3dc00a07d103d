# core: errors and ownership (no dependencies)
noinst_LTLIBRARIES += libax_core.la
libax_core_la_SOURCES = src/core/error.c partition/partition.c
pkginclude_HEADERS += include/axon/error.h include/axon/partition.h include/axon/spec.h \
	include/axon/model.h include/axon/rng.h include/axon/connect.h include/axon/record.h \
	include/axon/engine.h
