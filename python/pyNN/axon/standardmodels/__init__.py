"""Standard PyNN models on axon (pyNN.axon.standardmodels)."""
