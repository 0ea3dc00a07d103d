# models (owner: models work): neuron models and their registry
noinst_LTLIBRARIES += libax_models.la
libax_models_la_SOURCES = src/models/model_impl.h src/models/registry.c src/models/common.c \
	src/models/propagators.c src/models/iaf_psc_delta.c src/models/iaf_psc_exp.c \
	src/models/iaf_psc_alpha.c src/models/iaf_cond_exp.c
