# h5 (owner: recording work): collective HDF5 output, axon info
noinst_LTLIBRARIES += libax_h5.la
libax_h5_la_SOURCES = io/h5_record.c
