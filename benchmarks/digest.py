#!/usr/bin/python3
"""digest.py FILE.h5 [...]: one line per dataset, "path count sha256", for
comparing results bitwise across builds and decompositions.

Spikes (/spikes/<pop>) are digested after sorting by (time, node id) and
multimeter data (/report/<pop>/<var>/data) after ordering columns by node
id, so files written on different ranks x threads compare equal; every
other dataset is digested as stored. Attributes (timings, paths, rank
counts) are left out on purpose."""
import hashlib
import sys

import h5py
import numpy as np


def sha(*arrays):
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).view(np.uint8).tobytes())
    return h.hexdigest()[:16]


def digest(path):
    rows = []
    with h5py.File(path, "r") as f:
        done = set()
        for pop in sorted(f.get("spikes", {})):
            g = f["spikes"][pop]
            if not isinstance(g, h5py.Group) or "node_ids" not in g:
                continue
            ids, ts = g["node_ids"][()], g["timestamps"][()]
            o = np.lexsort((ids, ts))
            rows.append(f"/spikes/{pop} {len(ids)} {sha(ts[o], ids[o])}")
            done.update({g["node_ids"].name, g["timestamps"].name})
        for pop in sorted(f.get("report", {})):
            g = f["report"][pop]
            if "mapping" not in g:
                continue
            ids = g["mapping"]["node_ids"][()]
            o = np.argsort(ids, kind="stable")
            for var in sorted(g):
                if var in ("mapping", "data") or not isinstance(g[var], h5py.Group):
                    continue
                d = g[var]["data"][()]
                rows.append(f"/report/{pop}/{var} {d.shape} {sha(ids[o], d[:, o])}")
                done.add(g[var]["data"].name)
            for k in g["mapping"]:
                done.add(g["mapping"][k].name)

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and "/" + name not in done:
                v = obj[()]
                if isinstance(v, bytes):
                    v = np.frombuffer(v, np.uint8)
                v = np.asarray(v)
                if v.dtype.kind == "O":
                    v = np.frombuffer("\0".join(map(str, v.ravel())).encode(), np.uint8)
                rows.append(f"/{name} {v.shape} {sha(v)}")
        f.visititems(visit)
    return rows


if __name__ == "__main__":
    for p in sys.argv[1:]:
        for r in digest(p):
            print(r)
