# core (src/core): errors, the growable text buffer, the input reader, time steps,
# the Poisson count table.
# No dependencies.
noinst_LTLIBRARIES += libax_core.la
libax_core_la_SOURCES = src/core/error.c src/core/sbuf.c src/core/file.c src/core/input.c \
	src/core/steps.c src/core/outfile.c src/core/threads.c \
	src/core/poisson.c

# The tree keeps one folder per module (DESIGN.md section 1): private headers,
# include circles, one fragment per folder.
TESTS += tests/test_layout.py
dist_check_SCRIPTS += tests/test_layout.py
