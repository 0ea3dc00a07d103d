# cli: the subcommands of `axon`
noinst_LTLIBRARIES += libax_cli.la
libax_cli_la_SOURCES = src/cli/cli.h src/cli/common.c src/cli/run.c \
	src/cli/check.c src/cli/info.c src/cli/calibrate.c src/cli/sample.c src/cli/sweep.c src/cli/export.c
