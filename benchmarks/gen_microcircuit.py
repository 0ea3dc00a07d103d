#!/usr/bin/python3
"""gen_microcircuit.py [--scale S] [--drive poisson|dc] [--t-sim MS] [--record all|none]
Write the Potjans & Diesmann (2014) cortical microcircuit as an axon spec.

Parameters are those of the published model as NEST's PyNEST example
(pynest/examples/Potjans_2014/network_params.py) gives them: 8 populations
(L23E ... L6I), connection probabilities, K = ln(1-p)/ln(1-1/(Npre Npost))
synapses per pair (fixed_total_number), PSP 0.15 mV (0.3 mV L4E->L23E),
g = -4, relative weight SD 0.1 (sign-preserving clipped normals), delays
1.5 +- 0.75 ms (exc) and 0.75 +- 0.375 ms (inh) clipped at the resolution,
iaf_psc_exp (C_m 250 pF, tau_m 10 ms, tau_syn 0.5 ms, t_ref 2 ms, E_L -65,
V_th -50, V_reset -65 mV), external drive K_ext x 8 Hz Poisson (or the
equivalent DC), initial V_m from the 'optimized' population-specific normals.
--scale scales the neuron numbers and keeps every neuron's in-degree (total
synapses scale with S), so rates stay close to the full model's."""
import argparse
import math

POPS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
N_FULL = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
P = [[0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
     [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
     [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
     [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
     [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
     [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
     [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
     [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443]]
K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
V0_MEAN = [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]
V0_SD = [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]
C_M, TAU_M, TAU_S, BG_RATE = 250.0, 10.0, 0.5, 8.0
# NEST's reference rates (spikes/s) for the full model, network_params.py
REF_RATES = [0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829]


def psc_per_psp(C_m, tau_m, tau_s):
    """PSC amplitude (pA) whose iaf_psc_exp PSP peaks at 1 mV."""
    sub = 1.0 / (tau_s - tau_m)
    pre = tau_m * tau_s / C_m * sub
    frac = (tau_m / tau_s) ** sub
    return 1.0 / (pre * (frac ** tau_m - frac ** tau_s))


def spec(scale, drive, t_sim, record, seed):
    w = 0.15 * psc_per_psp(C_M, TAU_M, TAU_S)  # 87.81 pA
    n = [max(1, round(x * scale)) for x in N_FULL]
    out = [f"# Potjans & Diesmann (2014) microcircuit, scale {scale}, {drive} drive "
           "(benchmarks/gen_microcircuit.py)",
           f"simulation: {{resolution: 0.1, t_sim: {t_sim}, seed: {seed}, flush_interval: 500.0}}",
           "populations:"]
    params = (f"C_m: {C_M}, tau_m: {TAU_M}, tau_syn_ex: {TAU_S}, tau_syn_in: {TAU_S}, t_ref: 2.0, "
              "E_L: -65.0, V_th: -50.0, V_reset: -65.0")
    for i, p in enumerate(POPS):
        ie = f", I_e: {BG_RATE * K_EXT[i] * w * TAU_S * 0.001!r}" if drive == "dc" else ""
        out.append(f"  {p}: {{model: iaf_psc_exp, n: {n[i]}, params: {{{params}{ie}}}, "
                   f"initial: {{V_m: {{distribution: normal, mean: {V0_MEAN[i]}, std: {V0_SD[i]}}}}}}}")
    out.append("projections:")
    for t in range(8):
        for s in range(8):
            p = P[t][s]
            if p == 0.0:
                continue
            # synapses of the full model for this pair, per target neuron -> keep in-degree
            k_full = math.log(1.0 - p) / math.log(1.0 - 1.0 / (N_FULL[s] * N_FULL[t]))
            k = round(k_full / N_FULL[t] * n[t])
            if k == 0:
                continue
            exc = s % 2 == 0
            mean = w * (2.0 if (s == 2 and t == 0) else 1.0) * (1.0 if exc else -4.0)
            sd = abs(mean) * 0.1
            wd = (f"{{distribution: normal_clipped, mean: {mean!r}, std: {sd!r}, low: 0.0, high: .inf}}"
                  if exc else
                  f"{{distribution: normal_clipped, mean: {mean!r}, std: {sd!r}, low: -.inf, high: 0.0}}")
            dm = 1.5 if exc else 0.75
            dd = (f"{{distribution: normal_clipped, mean: {dm}, std: {dm * 0.5}, low: 0.1, "
                  f"high: {dm + 10 * dm * 0.5}}}")
            out.append(f"  - {{source: {POPS[s]}, target: {POPS[t]}, rule: fixed_total_number, N: {k}, "
                       f"weight: {wd}, delay: {dd}}}")
    out.append("devices:")
    if drive == "poisson":
        for i, p in enumerate(POPS):
            out.append(f"  bg_{p}: {{model: poisson_generator, rate: {K_EXT[i] * BG_RATE}, weight: {w!r}, "
                       f"delay: 1.5, targets: [{p}]}}")
    if record == "all":
        out.append(f"  spikes: {{model: spike_recorder, sources: [{', '.join(POPS)}]}}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--drive", choices=["poisson", "dc"], default="poisson")
    ap.add_argument("--t-sim", type=float, default=1500.0, help="incl. 500 ms warm-up")
    ap.add_argument("--record", choices=["all", "none"], default="all")
    ap.add_argument("--seed", type=int, default=55)
    a = ap.parse_args()
    print(spec(a.scale, a.drive, a.t_sim, a.record, a.seed), end="")
