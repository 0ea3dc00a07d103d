# pyNN.axon (python/pyNN/axon): the PyNN backend over libaxon.so (ctypes;
# include/axon/sim.h). `make install` puts it into the pyNN package
# directory ($(PYNN_DIR)/axon, from configure) with _paths.py naming
# $(libdir); tests run it from the tree (tools/axon-pynn).
PYNN_AXON_PY = python/pyNN/axon/__init__.py python/pyNN/axon/_lib.py \
	python/pyNN/axon/simulator.py python/pyNN/axon/populations.py \
	python/pyNN/axon/projections.py python/pyNN/axon/connectors.py \
	python/pyNN/axon/recording.py python/pyNN/axon/cells.py python/pyNN/axon/random.py
PYNN_AXON_STD_PY = python/pyNN/axon/standardmodels/__init__.py \
	python/pyNN/axon/standardmodels/cells.py python/pyNN/axon/standardmodels/synapses.py \
	python/pyNN/axon/standardmodels/electrodes.py
EXTRA_DIST += $(PYNN_AXON_PY) $(PYNN_AXON_STD_PY)
if INSTALL_PYNN
pynnaxondir = $(PYNN_DIR)/axon
pynnaxon_DATA = $(PYNN_AXON_PY)
pynnaxonstddir = $(PYNN_DIR)/axon/standardmodels
pynnaxonstd_DATA = $(PYNN_AXON_STD_PY)
# _paths.py names the libdir of this install (prefix/libdir as given to make install)
install-data-hook:
	printf '"""Written by make install: where libaxon.so is."""\nLIBDIR = "%s"\n' \
	  '$(libdir)' > '$(DESTDIR)$(pynnaxondir)/_paths.py'
uninstall-hook:
	rm -f '$(DESTDIR)$(pynnaxondir)/_paths.py'
endif
AM_DISTCHECK_CONFIGURE_FLAGS = --with-pynn-dir='$${prefix}/pynn'

# PyNN's own system scenarios (one test per scenario module; each scenario in
# its own process; tests/pynn/expected.txt lists what must pass and what is
# out of scope), the MPI set, and pyNN.axon's own tests.
PYNN_SCEN = tests/pynn/scen_cell_types.py tests/pynn/scen_connection_handling.py \
	tests/pynn/scen_connectors.py tests/pynn/scen_electrodes.py tests/pynn/scen_issue231.py \
	tests/pynn/scen_issue274.py tests/pynn/scen_parameter_handling.py \
	tests/pynn/scen_procedural_api.py tests/pynn/scen_recording.py tests/pynn/scen_scenario1.py \
	tests/pynn/scen_scenario2.py tests/pynn/scen_scenario3.py tests/pynn/scen_scenario4.py \
	tests/pynn/scen_simulation_control.py tests/pynn/scen_synapse_types.py \
	tests/pynn/scen_ticket166.py tests/pynn/scen_mpi.py
TESTS += tests/pynn/test_lib_decl.py tests/pynn/test_pynn_session.py tests/pynn/test_brunel_pynn.sh \
	tests/pynn/test_stdp_pynn.py $(PYNN_SCEN)
EXTRA_DIST += tests/pynn/test_lib_decl.py tests/pynn/test_pynn_session.py \
	tests/pynn/test_brunel_pynn.sh $(PYNN_SCEN) \
	tests/pynn/check_scenarios.py tests/pynn/run_scenario.py tests/pynn/expected.txt \
	tests/pynn/testconfig.py tests/pynn/net_small.py tests/pynn/test_stdp_pynn.py \
	tests/pynn/net_stdp.py
