#!/usr/bin/python3
"""exchange_model.py [--alpha US] [--o US] [--beta NS_PER_B] [--n N] [--k K] [--rate HZ] [--f F]
The per-slice spike exchange at scale, as a model (docs/performance.md, "The
exchange at 1,000 and 100,000 ranks"). Prints, for a network with n neurons
per exchange unit (rank), out-degree K to random targets and rate nu, the
expected traffic per slice per unit and the time of three exchanges:

  today   axon's ax_exchange_slice as Open MPI 4.1's libnbc runs it: an
          Ialltoall of 4-byte counts (linear: R - 1 sends and R - 1 receives),
          then an Ialltoallv of 8-byte keys that posts only the non-empty
          messages (d sends, d receives):
            t = 2 alpha + 2 (R - 1) o + 2 d o + (4 R + 8 s m) beta
  nest    NEST 5g's one MPI_Alltoall of fixed chunks of c keys per peer, the
          counts folded into the chunks (c = 2 max(1, s m / R): the chunk
          follows the largest per-peer count with headroom), the better of
          Bruck (log2 R rounds of R/2 blocks) and linear:
            t = min(ceil(log2 R) (alpha + 4 c R beta), alpha + 2 (R - 1) o + 8 c R beta)
  sparse  a sparse exchange (NBX: Issend to the d targets, Iprobe, Ibarrier;
          or a neighbourhood collective over a fixed graph):
            t = 2 d o + 8 s m beta + ceil(log2 R) alpha
Traffic: s = n nu T_s spikes per slice, m = R (1 - exp(-K / R)) ranks per
spike (Poisson out-degrees of mean K), d = (R - 1) (1 - exp(-s m / R))
other ranks with keys. A row "node P" is the two-level exchange: one unit
per node of P ranks or threads, i.e. R / P units of P n neurons.
alpha = latency of one collective round, o = cost of one posted message
when many are in flight, beta = 1 / injection bandwidth. They are
assumptions (defaults: 2 us, 0.4 us, 0.1 ns/B = 10 GB/s), not measurements:
no machine here has more than 2 cores. The limit is the smallest R (powers
of 2) where t > f T_s (f = 0.2: the exchange may take a fifth of a slice at
real time)."""
import argparse
import math


def traffic(R, n, K, rate, T_s):
    s = n * rate * T_s / 1000.0
    m = R * (1.0 - math.exp(-K / R))
    d = (R - 1) * (1.0 - math.exp(-s * m / R))
    return s, m, d


def times(R, s, m, d, a, o, b):
    lg = math.ceil(math.log2(R)) if R > 1 else 0
    today = 2 * a + 2 * (R - 1) * o + 2 * d * o + (4 * R + 8 * s * m) * b
    c = 2.0 * max(1.0, s * m / R)
    nest = min(lg * (a + 4 * c * R * b), a + 2 * (R - 1) * o + 8 * c * R * b)
    sparse = 2 * d * o + 8 * s * m * b + lg * a
    return today, nest, sparse


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--alpha", type=float, default=2.0, help="us")
    ap.add_argument("--o", type=float, default=0.4, help="us")
    ap.add_argument("--beta", type=float, default=0.1, help="ns per byte")
    ap.add_argument("--n", type=float, default=1e4)
    ap.add_argument("--k", type=float, default=1e4)
    ap.add_argument("--rate", type=float, default=5.0)
    ap.add_argument("--f", type=float, default=0.2)
    a = ap.parse_args()
    al, o, b = a.alpha * 1e-6, a.o * 1e-6, a.beta * 1e-9
    print(f"n = {a.n:g} neurons per rank, K = {a.k:g}, nu = {a.rate:g} Hz; alpha {a.alpha:g} us, "
          f"o {a.o:g} us, beta {a.beta:g} ns/B\n")
    print("| exchange units | T_s ms | s | m | d | key kB sent | count kB sent | messages today | "
          "t today | t NEST-like | t sparse |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for T_s in (0.1, 1.5):
        for label, R, P in (("32 ranks", 32, 1), ("1,000 ranks", 1000, 1), ("100,000 ranks", 100000, 1),
                            ("1,563 nodes of 64 (100,000 ranks)", 1563, 64)):
            s, m, d = traffic(R, a.n * P, a.k, a.rate, T_s)
            t = times(R, s, m, d, al, o, b)
            print(f"| {label} | {T_s:g} | {s:.4g} | {m:.4g} | {d:.4g} | {8 * s * m / 1e3:.4g} | "
                  f"{4 * R / 1e3:.3g} | {2 * (R - 1) + 2 * d:.4g} | "
                  + " | ".join(f"{x * 1e3:.3g} ms" if x >= 1e-3 else f"{x * 1e6:.3g} us" for x in t) + " |")
    print(f"\nSmallest R (power of 2) where the exchange exceeds {a.f:g} x T_s (real time):\n")
    print("| T_s ms | today | NEST-like | sparse |")
    print("|---|---|---|---|")
    for T_s in (0.1, 1.5):
        lim = []
        for k in range(3):
            R = 2
            while R <= 2 ** 24:
                s, m, d = traffic(R, a.n, a.k, a.rate, T_s)
                if times(R, s, m, d, al, o, b)[k] > a.f * T_s * 1e-3:
                    break
                R *= 2
            lim.append(f"{R:,}" if R <= 2 ** 24 else "> 16 M")
        print(f"| {T_s:g} | " + " | ".join(lim) + " |")


if __name__ == "__main__":
    main()
