# connect (owner: connectivity work): Philox streams and connection rules
noinst_LTLIBRARIES += libax_connect.la
libax_connect_la_SOURCES = src/rng/rng.c src/net/connect.c
