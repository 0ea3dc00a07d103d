#!/usr/bin/python3
"""Compare two sweep result files task by task (helper of tests/test_sweep*.sh).

usage: test_sweep_compare.py A.h5 B.h5
Every /tasks column except runtime_s, the parameter table and the raw
samples must be equal (NaN equals NaN); both files must be complete.
Exit 0 when equal, 1 with the first difference otherwise.
"""
import sys
import h5py
import numpy as np

a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
assert a["sweep"].attrs["complete"] == 1 and b["sweep"].attrs["complete"] == 1, "incomplete file"
assert a["sweep"].attrs["n_pending"] == 0 and b["sweep"].attrs["n_pending"] == 0
names = sorted(set(a["tasks"]) | set(b["tasks"]))
for n in names:
    if n == "runtime_s":
        continue
    x, y = a["tasks"][n][()], b["tasks"][n][()]
    same = np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else np.array_equal(x, y)
    assert same, "tasks/%s differs (first at %s)" % (n, np.flatnonzero(x != y)[:5])
for n in a["samples"]:
    assert np.array_equal(a["samples"][n][()], b["samples"][n][()]), "samples/%s differs" % n
st = a["tasks"]["status"][()]
print("equal: %d tasks (%d ok, %d failed)" % (len(st), (st == 1).sum(), (st == 2).sum()))
