# cli (src/cli): the `axon` command: main.c dispatches to one file per
# subcommand
noinst_LTLIBRARIES += libax_cli.la
libax_cli_la_SOURCES = src/cli/cli_impl.h src/cli/common.c src/cli/run.c \
	src/cli/check.c src/cli/info.c src/cli/calibrate.c src/cli/sample.c src/cli/sweep.c src/cli/export.c

bin_PROGRAMS = axon
axon_SOURCES = src/cli/main.c
axon_LDADD = libaxon.la $(AX_EXT_LIBS)

# axon check takes every input kind (with the command's loader); axon info
# summarises sampling outputs (issue 14 item 4)
TESTS += tests/test_check_inputs.sh tests/test_info_sampling.sh
dist_check_SCRIPTS += tests/test_check_inputs.sh tests/test_info_sampling.sh
