#!/usr/bin/python3
"""Brunel (2000) network, model A, with iaf_psc_delta neurons that reset by
subtraction (V <- V - (V_th - V_reset), as an ANN converted to a spiking
network uses), written once in PyNN:

    python3 examples/pynn/brunel.py --simulator axon            # axon (pyNN.axon)
    mpirun -np 2 python3 examples/pynn/brunel.py --simulator axon
    python3 examples/pynn/brunel.py --simulator nest            # where pyNN.nest is installed

With pyNN.axon the network is exactly that of examples/pynn/brunel.yaml
(`axon run examples/pynn/brunel.yaml` gives bitwise the same spikes, on any
number of ranks and threads; tests/pynn/test_brunel_pynn.sh checks it), and
`axon export --target spinnaker examples/pynn/brunel.yaml` writes the
sPyNNaker script for SpiNNaker. docs/pynn.md walks through all three.

Only native connectors and NativeRNG distributions are used, so each
simulator draws the network with its own generators (pyNN.nest makes the
same two connector kinds native); reset by subtraction is axon's extension
of iaf_psc_delta and is left out where the simulator lacks it.
"""
import argparse
import importlib

p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
p.add_argument("--simulator", default="axon", help="PyNN backend: axon, nest, ... (default axon)")
p.add_argument("--order", type=int, default=250, help="network size: NE = 4 order, NI = order")
p.add_argument("--t-sim", type=float, default=1000.0, help="simulated time (ms)")
p.add_argument("--threads", type=int, default=1, help="threads per MPI rank")
p.add_argument("--seed", type=int, default=12345, help="seed of the simulator's own RNG")
p.add_argument("--output", default="brunel_pynn.h5",
               help="axon: its HDF5 output (docs/output.md); others: neo HDF5 of the spikes")
p.add_argument("--spec", help="axon: also write the network as an axon YAML spec")
p.add_argument("--absolute-reset", action="store_true",
               help="reset to V_reset (NEST's iaf_psc_delta) instead of by subtraction")
args = p.parse_args()

sim = importlib.import_module("pyNN." + args.simulator)
axon = args.simulator == "axon"

# ---- parameters (Brunel 2000, model A; NEST's brunel_delta_nest.py) ----------
order = args.order
NE, NI = 4 * order, order
epsilon = 0.1                    # connection probability
J = 0.1                          # mV: PSP amplitude
g = 5.0                          # inhibitory weight = -g J
eta = 2.0                        # external rate relative to threshold rate
D = 1.5                          # ms: delay
dt = 0.1                         # ms
CE = epsilon * NE
neuron = {"C_m": 1.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": 0.0, "V_reset": 0.0, "V_th": 20.0}
nu_th = neuron["V_th"] / (J * CE * neuron["tau_m"])      # 1/ms
p_rate = 1000.0 * eta * nu_th * CE                        # Hz, per neuron
# PyNN's weights are in nA (uS) and NEST/axon's native models take them x 1000
# (pyNN.nest's convention, which pyNN.axon follows): J mV is written J / 1000.
w_exc, w_inh = J / 1000.0, -g * J / 1000.0

extra = {}
if args.threads > 1:
    extra["threads"] = args.threads
if axon:
    extra.update(output=args.output, force=True)
sim.setup(timestep=dt, min_delay=D, max_delay=D, rng_seed=args.seed, **extra)

celltype = sim.native_cell_type("iaf_psc_delta")
if axon and not args.absolute_reset:
    neuron["reset"] = "subtract"
E = sim.Population(NE, celltype(**neuron), label="E")
I = sim.Population(NI, celltype(**neuron), label="I")
# one independent Poisson train per neuron (NEST's poisson_generator per target)
E_ext = sim.Population(NE, sim.SpikeSourcePoisson(rate=p_rate), label="E_ext")
I_ext = sim.Population(NI, sim.SpikeSourcePoisson(rate=p_rate), label="I_ext")

rng = sim.NativeRNG()
for pop in (E, I):
    pop.initialize(V_m=sim.RandomDistribution("uniform", (0.0, neuron["V_th"]), rng=rng))

recurrent = sim.FixedProbabilityConnector(epsilon, allow_self_connections=False, rng=rng)
exc = sim.StaticSynapse(weight=w_exc, delay=D)
inh = sim.StaticSynapse(weight=w_inh, delay=D)
sim.Projection(E, E, recurrent, exc, receptor_type="excitatory")
sim.Projection(E, I, recurrent, exc, receptor_type="excitatory")
sim.Projection(I, E, recurrent, inh, receptor_type="inhibitory")
sim.Projection(I, I, recurrent, inh, receptor_type="inhibitory")
sim.Projection(E_ext, E, sim.OneToOneConnector(), exc, receptor_type="excitatory")
sim.Projection(I_ext, I, sim.OneToOneConnector(), exc, receptor_type="excitatory")

E.record("spikes")
I.record("spikes")
sim.run(args.t_sim)

if axon and args.spec:
    sim.write_spec(args.spec)
rates = []
for pop in (E, I):
    n = pop.mean_spike_count() if hasattr(pop, "mean_spike_count") else 0.0
    rates.append(1000.0 * n / args.t_sim)
if not axon:
    from neo.io import NeoHdf5IO  # noqa: F401 (only where the simulator has no own file)
    E.write_data(args.output)
if sim.rank() == 0:
    print("brunel (%s, order %d, %g ms): E %.2f Hz, I %.2f Hz" % (
        args.simulator, order, args.t_sim, rates[0], rates[1]))
sim.end()
