#!/usr/bin/python3
"""weak_report.py DIR: tables from the --stats-json files of a weak-scaling
series (benchmarks/weak_series.sh): per rank memory (RSS at three points,
bytes per synapse, every per-rank table, max over ranks) and the exchange
per slice per rank (spikes, keys, destinations, bytes, messages), one row per
(kind, ranks). Markdown, as docs/performance.md quotes it."""
import glob
import json
import math
import os
import re
import sys

MIB = 2.0 ** 20


def load(d):
    rows = []
    for f in glob.glob(os.path.join(d, "*_r*.json")):
        m = re.match(r"(\w+?)_r(\d+)\.json$", os.path.basename(f))
        if m:
            rows.append((m.group(1), int(m.group(2)), json.load(open(f))))
    return sorted(rows, key=lambda r: (r[0], r[1]))


def main(d):
    rows = load(d)
    if not rows:
        sys.exit(f"weak_report: no <kind>_r<R>.json in {d}")
    print("### Memory per rank (max over ranks)\n")
    print("| kind | R | neurons | synapses | RSS after init MiB | after build MiB | peak MiB | "
          "B/synapse (peak RSS) | B/synapse (net of init) | tables B/synapse |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for k, R, s in rows:
        r = s["rss"]
        print(f"| {k} | {R} | {s['neurons']} | {s['synapses']} | {r['after_init']['max'] / MIB:.1f} | "
              f"{r['after_build']['max'] / MIB:.1f} | {r['peak']['max'] / MIB:.1f} | "
              f"{r['bytes_per_synapse']:.2f} | {r['bytes_per_synapse_net']:.2f} | "
              f"{s['tables']['total_bytes_per_synapse']:.2f} |")
    names = [n for n in rows[0][2]["tables"] if n != "total_bytes_per_synapse"]
    print("\n### Per-rank tables, KiB (max over ranks)\n")
    print("| kind | R | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for k, R, s in rows:
        t = s["tables"]
        print(f"| {k} | {R} | " + " | ".join(f"{t[n]['max'] / 1024:.4g}" for n in names) + " |")
    print("\n### Exchange per slice per rank (mean over ranks; max in brackets)\n")
    print("Messages: point-to-point operations this rank posts per slice (sends + receives) as "
          "Open MPI's libnbc schedules them: the Ialltoall of counts with all R - 1 other ranks, "
          "the Ialltoallv of keys with the ranks whose count is not zero (measured).\n")
    print("| kind | R | slices | D steps | spikes | keys sent | to self | keys received | "
          "key bytes sent | count bytes | ranks sent to | ranks received from | messages: counts + keys |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for k, R, s in rows:
        c = s["comm"]
        msg = c["messages_per_slice"]
        kv = msg["alltoallv_keys"]
        kv = kv["mean"] if isinstance(kv, dict) else kv
        src = c.get("sources", {}).get("mean", float("nan"))
        print(f"| {k} | {R} | {c['slices']:.0f} | {s.get('min_delay', '')} | "
              f"{c['spikes']['mean']:.3g} [{c['spikes']['max']:.3g}] | "
              f"{c['keys_sent']['mean']:.3g} [{c['keys_sent']['max']:.3g}] | {c['keys_to_self']['mean']:.3g} | "
              f"{c['keys_received']['mean']:.3g} | {c['key_bytes_sent']['mean']:.4g} | "
              f"{c['count_bytes_per_slice']} | {c['destinations']['mean']:.3g} | {src:.3g} | "
              f"{msg['alltoall_counts']} + {kv:.3g} |")
    print("\n### The exchange model checked (docs/performance.md, \"The exchange at 1,000 and 100,000 ranks\")\n")
    print("K = synapses / neurons (mean out-degree); m(R) = R [1 - exp(-K/R)] ranks a spike is "
          "sent to (itself included; R [1 - (1 - 1/R)^K] averaged over Poisson out-degrees of mean K, "
          "as fixed_indegree draws them); d(R) = (R - 1) [1 - exp(-s m / R)] other ranks with keys in a "
          "slice, s = measured spikes per slice taken as Poisson over slices.\n")
    print("| kind | R | K | spikes s | m measured | m(R) model | d measured | d(R) model |")
    print("|---|---|---|---|---|---|---|---|")
    for k, R, s in rows:
        c = s["comm"]
        sp = c["spikes"]["mean"]
        m = c["keys_sent"]["mean"] / sp if sp > 0 else 0.0
        K = s["synapses"] / s["neurons"] if s["neurons"] else 0.0
        m_model = R * (1.0 - math.exp(-K / R))
        d_model = (R - 1) * (1.0 - math.exp(-sp * m_model / R))
        print(f"| {k} | {R} | {K:.4g} | {sp:.3g} | {m:.3g} | {m_model:.3g} | "
              f"{c['destinations']['mean']:.3g} | {d_model:.3g} |")

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
