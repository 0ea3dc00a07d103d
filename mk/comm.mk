# comm (src/comm): how the ranks of a job agree on a failure and share the
# input files one rank read (axon/agree.h). Uses core; MPI only here and
# above (core, models and io/spec stay MPI-free: the spec fuzzer builds them
# without MPI).
noinst_LTLIBRARIES += libax_comm.la
libax_comm_la_SOURCES = src/comm/agree.c src/comm/input_load.c
