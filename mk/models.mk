# models (owner: models work): neuron models and their registry
noinst_LTLIBRARIES += libax_models.la
libax_models_la_SOURCES = src/models/registry.c
