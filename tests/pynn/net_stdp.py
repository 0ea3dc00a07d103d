"""A small plastic network (helper of test_stdp_pynn.py):
python3 net_stdp.py OUT.h5 WEIGHTS.npz [SPEC.yaml] [THREADS]
Poisson sources and a recurrent population drive IF_curr_exp and IF_cond_exp
cells through STDPMechanism projections (native rule, explicit list,
inhibitory conductance) and a TsodyksMarkramSynapse projection (NEST's
tsodyks_synapse); 600 ms run as 230 + 370 ms. Writes axon's HDF5
output, the final weights of every plastic projection (rank 0, gathered;
columns pre index, post index, weight in PyNN units) and the equivalent spec."""
import sys

import numpy as np
import pyNN.axon as sim

out, wfile = sys.argv[1], sys.argv[2]
spec = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "-" else None
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 1
sim.setup(timestep=0.1, min_delay=0.5, rng_seed=7, threads=threads, output=out, force=True)
src = sim.Population(30, sim.SpikeSourcePoisson(rate=25.0), label="src")
E = sim.Population(12, sim.IF_curr_exp(i_offset=0.3, tau_refrac=2.0), label="E")
C = sim.Population(6, sim.IF_cond_exp(i_offset=0.9), label="C")
E.initialize(v=sim.RandomDistribution('uniform', (-65.0, -55.0), rng=sim.NativeRNG()))
rule = sim.SpikePairRule(tau_plus=16.8, tau_minus=33.7, A_plus=0.01, A_minus=0.012)
p1 = sim.Projection(src, E, sim.AllToAllConnector(), sim.STDPMechanism(
    timing_dependence=rule,
    weight_dependence=sim.MultiplicativeWeightDependence(w_min=0.0, w_max=0.8),
    weight=0.4, delay=1.0))
p2 = sim.Projection(E, E, sim.FixedNumberPreConnector(4, rng=sim.NumpyRNG(seed=3)),
                    sim.STDPMechanism(
    timing_dependence=sim.SpikePairRule(tau_plus=20.0, tau_minus=33.7, A_plus=0.02, A_minus=0.01),
    weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=0.5),
    weight=sim.RandomDistribution('uniform', (0.1, 0.4), rng=sim.NumpyRNG(seed=5)),
    delay=sim.RandomDistribution('uniform', (0.5, 2.5), rng=sim.NumpyRNG(seed=6))))
p3 = sim.Projection(src, C, sim.FixedProbabilityConnector(0.5, rng=sim.NativeRNG()),
                    sim.STDPMechanism(
    timing_dependence=sim.SpikePairRule(tau_plus=10.0, tau_minus=15.0, A_plus=0.05, A_minus=0.06),
    weight_dependence=sim.AdditivePotentiationMultiplicativeDepression(w_min=0.0, w_max=0.02),
    weight=0.01, delay=0.5), receptor_type='inhibitory')
p4 = sim.Projection(src, C, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.02, delay=0.5))
p5 = sim.Projection(src, C, sim.FixedProbabilityConnector(0.3, rng=sim.NativeRNG()),
                    sim.TsodyksMarkramSynapse(U=0.4, tau_rec=50.0, tau_facil=20.0, weight=0.03,
                                              delay=0.7))
for p in (E, C):
    p.record('spikes')
w0 = [np.array(p.get('weight', format='list', gather=True)) for p in (p1, p2, p3)]
sim.run(230.0)
sim.run(370.0)
w1 = [np.array(p.get('weight', format='list', gather=True)) for p in (p1, p2, p3)]
if spec:
    sim.write_spec(spec)
if sim.rank() == 0:
    np.savez(wfile, **{"initial%d" % i: w for i, w in enumerate(w0)},
             **{"final%d" % i: w for i, w in enumerate(w1)},
             first_gid=np.array([p.first_id - 1 for p in (src, E, C)]),
             proj=np.array([p._parts[0][0] for p in (p1, p2, p3)]))
sim.end()
