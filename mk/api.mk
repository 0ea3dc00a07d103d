# api (src/api): the session API under pyNN.axon (include/axon/sim.h): a
# network built call by call over the same ax_spec and engine `axon run` uses
noinst_LTLIBRARIES += libax_api.la
libax_api_la_SOURCES = src/api/api_impl.h src/api/sim.c src/api/sim_net.c src/api/sim_record.c src/api/sim_sync.c
