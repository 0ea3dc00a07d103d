#!/usr/bin/python3
"""Compare two sweep result files task by task (helper of tests/test_sweep*.sh).

usage: test_sweep_compare.py A.h5 B.h5
Both files must be complete and of the same task kind. Rows are put in id
order; then every /tasks column except runtime_s (and the parameter table)
must be bitwise equal (NaN equals NaN), and so must every task's slice of
every CSR array group (/samples for calibrate, /marginals and /convergence
for sample). Exit 0 when equal, 1 with the first difference otherwise.
"""
import sys
import h5py
import numpy as np


def same(x, y):
    """Bitwise equality (so NaN equals NaN, and -0.0 differs from 0.0)."""
    x, y = np.ascontiguousarray(x), np.ascontiguousarray(y)
    return x.shape == y.shape and x.dtype == y.dtype and x.tobytes() == y.tobytes()


a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
for f in (a, b):
    assert f["sweep"].attrs["complete"] == 1, "incomplete file"
    assert f["sweep"].attrs["n_pending"] == 0, "pending tasks"
assert a["sweep"].attrs["task"] == b["sweep"].attrs["task"], "different task kinds"
ia, ib = np.argsort(a["tasks/id"][()], kind="stable"), np.argsort(b["tasks/id"][()], kind="stable")
n = len(ia)
assert len(ib) == n, "different task counts"
assert set(a["tasks"]) == set(b["tasks"]), "different columns"
for c in sorted(a["tasks"]):
    if c in ("runtime_s", "param_names"):
        continue
    x, y = a["tasks"][c][()], b["tasks"][c][()]
    if len(x) == n:
        x, y = x[ia], y[ib]
    assert same(x, y), "tasks/%s differs (first at %s)" % (c, np.flatnonzero(x != y)[:5])
groups = sorted(k for k in a if k not in ("sweep", "tasks"))
assert groups == sorted(k for k in b if k not in ("sweep", "tasks")), "different array groups"
for g in groups:
    oa, ob = a[g]["offset"][()], b[g]["offset"][()]
    for d in a[g]:
        if d == "offset":
            continue
        x, y = a[g][d][()], b[g][d][()]
        for i in range(n):
            s, t = x[oa[ia[i]]:oa[ia[i] + 1]], y[ob[ib[i]]:ob[ib[i] + 1]]
            assert same(s, t), "%s/%s of task %d differs" % (g, d, a["tasks/id"][ia[i]])
st = a["tasks"]["status"][()]
kind = a["sweep"].attrs["task"]
kind = kind.decode() if isinstance(kind, bytes) else kind
print("equal: %d %s tasks (%d ok, %d failed), groups %s" % (
    n, kind, (st == 1).sum(), (st == 2).sum(), ", ".join(groups)))
