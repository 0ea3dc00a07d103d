# engine: network build, synapse store, simulation loop, spike exchange, devices
noinst_LTLIBRARIES += libax_engine.la
libax_engine_la_SOURCES = src/sim/engine.c
