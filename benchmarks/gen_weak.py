#!/usr/bin/python3
"""gen_weak.py --ranks R [--kind brunel|lowdeg|mc] [--per-rank N] [--t-sim MS]
Write a weak-scaling spec for R ranks to stdout: the work per rank stays
fixed while the network grows with R (issue 19 item 3, docs/performance.md
"Evidence past two cores").

  brunel  Brunel (2000) model A, iaf_psc_delta, N = per_rank * R neurons
          (80 % E), fixed in-degrees C_E = 400, C_I = 100 (so the rates do
          not drift with N), J = 0.1 mV, g = 5, delay 1.5 ms, Poisson drive
          eta = 2: 1.25 M synapses per rank for per_rank = 2500.
  lowdeg  the same with C_E = 4, C_I = 1 and the drive of C_E = 400: a neuron's
          targets cover few ranks, so keys per spike m(R) < R at 16-32 ranks
          (checks the exchange model where it is not saturated); drive eta = 1.1.
  mc      the Potjans-Diesmann microcircuit at scale 0.05 * R (in-degrees
          kept; benchmarks/gen_microcircuit.py): D = 1 step, delays 1-90
          steps, deferred delivery.
No spike recording by default (--record all adds a recorder)."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_microcircuit  # noqa: E402


def brunel(R, per_rank, ce, ci, eta, t_sim, record, seed):
    ne, ni = per_rank * R * 4 // 5, per_rank * R // 5
    J, g, delay, V_th, tau_m = 0.1, 5.0, 1.5, 20.0, 20.0
    rate = eta * V_th / (J * 400 * tau_m) * 1000.0 * 400  # the drive of C_E = 400, fixed
    params = "C_m: 1.0, tau_m: 20.0, t_ref: 2.0, E_L: 0.0, V_reset: 0.0, V_th: 20.0"
    rec = "  spikes: {model: spike_recorder, sources: [E, I]}\n" if record == "all" else ""
    return f"""# weak scaling: Brunel A, {per_rank} neurons per rank x {R} ranks, C_E {ce}, C_I {ci} (benchmarks/gen_weak.py)
simulation: {{resolution: 0.1, t_sim: {t_sim}, seed: {seed}}}
populations:
  E: {{model: iaf_psc_delta, n: {ne}, params: {{{params}}}, initial: {{V_m: {{distribution: uniform, low: 0.0, high: 20.0}}}}}}
  I: {{model: iaf_psc_delta, n: {ni}, params: {{{params}}}, initial: {{V_m: {{distribution: uniform, low: 0.0, high: 20.0}}}}}}
projections:
  - {{source: E, target: E, rule: fixed_indegree, indegree: {ce}, allow_autapses: false, weight: {J}, delay: {delay}}}
  - {{source: E, target: I, rule: fixed_indegree, indegree: {ce}, allow_autapses: false, weight: {J}, delay: {delay}}}
  - {{source: I, target: E, rule: fixed_indegree, indegree: {ci}, allow_autapses: false, weight: {-g * J}, delay: {delay}}}
  - {{source: I, target: I, rule: fixed_indegree, indegree: {ci}, allow_autapses: false, weight: {-g * J}, delay: {delay}}}
devices:
  noise: {{model: poisson_generator, rate: {rate!r}, weight: {J}, delay: {delay}, targets: [E, I]}}
{rec}"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ranks", type=int, required=True)
    ap.add_argument("--kind", choices=["brunel", "lowdeg", "mc"], default="brunel")
    ap.add_argument("--per-rank", type=int, default=2500)
    ap.add_argument("--t-sim", type=float, default=200.0)
    ap.add_argument("--record", choices=["all", "none"], default="none")
    ap.add_argument("--seed", type=int, default=2024)
    a = ap.parse_args()
    if a.kind == "brunel":
        text = brunel(a.ranks, a.per_rank, 400, 100, 2.0, a.t_sim, a.record, a.seed)
    elif a.kind == "lowdeg":
        text = brunel(a.ranks, a.per_rank, 4, 1, 1.1, a.t_sim, a.record, a.seed)
    else:
        text = gen_microcircuit.spec(0.05 * a.ranks, "poisson", a.t_sim, a.record, 55)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
