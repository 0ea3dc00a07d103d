#!/usr/bin/python3
"""Check a SpiNNaker export directory against the connections axon dumps.

usage: test_export_files.py DIR REFERENCE.nir
The NIR file of the same spec holds the dense weight matrices (target x
source, summed over multapses, float32) that axon generates; every FromFileConnector
file must parse (PyNN text format: '# columns = [...]' header, tab-separated
i j weight delay) and sum, per projection, to the same matrix in PyNN units
(mV for IF_curr_delta). Exit 1 on any mismatch.
"""
import glob
import os
import sys

import h5py
import numpy as np

d, nir = sys.argv[1], sys.argv[2]
with h5py.File(nir, "r") as f:
    nodes = f["node/nodes"]
    assert f["node/type"][()].decode() == "NIRGraph"
    mats = {k: nodes[k]["weight"][()] for k in nodes if nodes[k]["type"][()].decode() == "Affine"}
    delays = {k: nodes[k]["delay"][()] for k in nodes if nodes[k]["type"][()].decode() == "Delay"}
    assert f["node/metadata/time_unit"][()].decode() == "s"   # docs/export.md: graphs in seconds
    dt = float(f["node/metadata/dt"][()]) * 1000.0               # ms

files = sorted(glob.glob(os.path.join(d, "conn_*.txt")))
assert files, "no connection files"
seen = {}
for fn in files:
    with open(fn) as fh:
        head = fh.readline()
        assert head.startswith("# columns = ") and '"weight"' in head, head
    a = np.loadtxt(fn, comments="#", delimiter="\t", ndmin=2)
    p = int(os.path.basename(fn).split("_")[1])
    m = mats["proj%d" % p]
    acc = seen.setdefault(p, np.zeros_like(m))
    for i, j, w, dl in a:
        acc[int(j), int(i)] += w
        assert abs(dl - 1000.0 * delays["proj%d_delay" % p][int(j)]) < 1e-9, (fn, dl)
        assert abs(dl / dt - round(dl / dt)) < 1e-9
    print(fn, len(a), "connections")
for p, acc in seen.items():
    m = mats["proj%d" % p]
    if not np.allclose(acc, m, rtol=1e-6, atol=0):  # NIR weights are float32
        print("projection", p, "differs: max", np.abs(acc - m).max())
        sys.exit(1)
assert len(seen) == len(mats), (sorted(seen), sorted(mats))
print("ok:", len(seen), "projections match")
