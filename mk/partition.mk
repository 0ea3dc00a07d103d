# partition (partition/): who owns what. Neuron -> (rank, thread) for the
# engine (partition.c, hot lookups inline in axon/partition.h), and a
# network's placement onto SpiNNaker cores / Dynap-SE2 chips with its
# weight quantisation (hw_*.c, axon/hw_place.h). Writes no files.
noinst_LTLIBRARIES += libax_partition.la
libax_partition_la_SOURCES = partition/partition.c partition/hw_net.c partition/hw_partition.c \
	partition/hw_quant.c partition/hw_dynapse.c partition/hw_spinn.c
