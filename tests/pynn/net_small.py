"""A small recurrent network built with native connectors (helper of
test_pynn_session.py): python3 net_small.py OUT.h5 [SPEC.yaml] [THREADS] [SPLIT]
writes axon's HDF5 output of 100 ms, the equivalent spec (rank 0), and, with
SPLIT, runs 100 ms as 37.3 + 62.7 ms."""
import sys

import pyNN.axon as sim

out = sys.argv[1]
spec = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "-" else None
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
split = len(sys.argv) > 4
sim.setup(timestep=0.1, min_delay=0.5, rng_seed=42, threads=threads, output=out, force=True)
rng = sim.NativeRNG()
E = sim.Population(80, sim.IF_curr_exp(i_offset=0.8, tau_refrac=2.0), label="E")
I = sim.Population(20, sim.IF_cond_exp(i_offset=0.4), label="I")
E.initialize(v=sim.RandomDistribution('uniform', (-65.0, -52.0), rng=rng))
sim.Projection(E, E, sim.FixedProbabilityConnector(0.1, rng=rng),
               sim.StaticSynapse(weight=0.05, delay=1.0))
sim.Projection(E, I, sim.FixedNumberPreConnector(8, rng=rng),
               sim.StaticSynapse(weight=0.002,
                                 delay=sim.RandomDistribution('uniform', (0.5, 2.0), rng=rng)))
sim.Projection(I, E, sim.AllToAllConnector(), sim.StaticSynapse(weight=-0.2, delay=0.5),
               receptor_type='inhibitory')
sim.Projection(I, I, sim.FixedTotalNumberConnector(30, rng=rng),
               sim.StaticSynapse(weight=0.004, delay=0.7), receptor_type='inhibitory')
E.record('spikes')
I.record(['spikes', 'v', 'gsyn_exc'])
if split:
    sim.run(37.3)
    sim.run(62.7)
else:
    sim.run(100.0)
if spec:
    sim.write_spec(spec)
sim.end()
