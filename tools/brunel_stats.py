#!/usr/bin/python3
"""brunel_stats.py OUT.h5 [--pop E] [--t0 MS]: firing statistics of one
population of an axon output file, as NEST's Brunel examples report them:
mean rate (Hz), mean ISI coefficient of variation over neurons with >= 3
spikes, and the Fano factor of the population spike count in 1 ms bins.
Prints one JSON object."""
import argparse
import json

import h5py
import numpy as np


def stats(path, pop, t0):
    with h5py.File(path, "r") as f:
        ids = f["spikes"][pop]["node_ids"][()]
        ts = f["spikes"][pop]["timestamps"][()]
        pops = f["axon"]["populations"][()]
        n = int([p["n"] for p in pops if p["name"].decode() == pop][0])
        t_sim = float(f["axon"].attrs["t_sim"])
    keep = ts > t0
    ids, ts = ids[keep], ts[keep]
    dur = (t_sim - t0) / 1000.0
    rate = len(ts) / n / dur
    order = np.lexsort((ts, ids))
    ids, ts = ids[order], ts[order]
    cvs = []
    bounds = np.flatnonzero(np.diff(ids)) + 1
    for seg in np.split(ts, bounds):
        if len(seg) >= 3:
            isi = np.diff(seg)
            cvs.append(isi.std() / isi.mean())
    counts, _ = np.histogram(ts, bins=np.arange(t0, t_sim + 1e-9, 1.0))
    fano = counts.var() / counts.mean() if counts.mean() > 0 else float("nan")
    return {"population": pop, "rate_hz": rate, "cv_isi": float(np.mean(cvs)) if cvs else None,
            "fano_1ms": float(fano), "spikes": int(len(ts))}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("file")
    ap.add_argument("--pop", default="E")
    ap.add_argument("--t0", type=float, default=0.0, help="discard spikes up to t0 (ms)")
    a = ap.parse_args()
    print(json.dumps(stats(a.file, a.pop, a.t0)))
