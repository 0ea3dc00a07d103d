# comm (src/comm): how the ranks of a job agree on a failure and share the
# input files one rank read (axon/agree.h). Uses core, which stays MPI-free
# (the reader and the record/replay input are in core/input.c), and starts
# MPI in singletons with cheap defaults (axon/mpi_start.h).
noinst_LTLIBRARIES += libax_comm.la
libax_comm_la_SOURCES = src/comm/agree.c src/comm/input_load.c src/comm/mpi_start.c
