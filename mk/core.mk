# core (src/core): errors, the growable text buffer, whole-file reads.
# No dependencies.
noinst_LTLIBRARIES += libax_core.la
libax_core_la_SOURCES = src/core/error.c src/core/sbuf.c src/core/file.c
