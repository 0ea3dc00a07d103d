#!/usr/bin/env python3
"""compare_h5.py A.h5 B.h5: exit 0 iff both files hold bitwise the same spikes
(per population, after sorting by (time, node id)), the same traces (after
ordering columns by node id) and the same weight_recorder rows (events and
final weights, after sorting the rows). Prints the first difference otherwise."""
import sys

import h5py
import numpy as np


def spikes(f):
    out = {}
    for pop in f.get("spikes", {}):
        ids = f["spikes"][pop]["node_ids"][()]
        ts = f["spikes"][pop]["timestamps"][()]
        order = np.lexsort((ids, ts))
        out[pop] = (ts[order], ids[order])
    return out


def traces(f):
    out = {}
    for pop in f.get("report", {}):
        g = f["report"][pop]
        ids = g["mapping"]["node_ids"][()]
        order = np.argsort(ids, kind="stable")
        for var in g:
            if var in ("mapping", "data") or not isinstance(g[var], h5py.Group):
                continue
            out[(pop, var)] = (ids[order], g[var]["data"][()][:, order])
    return out


def weights(f):
    """Each /weights/<device> (and its final/) as rows sorted lexicographically;
    the weights compared as their bits."""
    out = {}
    for dev in f.get("weights", {}):
        for key, g in ((dev, f["weights"][dev]), (dev + "/final", f["weights"][dev].get("final"))):
            if g is None or "senders" not in g:
                continue
            cols = [g[c][()].astype(np.uint64) if c != "weights" and c != "times"
                    else g[c][()].view(np.uint64) for c in ("senders", "targets", "times", "weights", "projections")
                    if c in g]
            rows = np.stack(cols, axis=1) if cols and len(cols[0]) else np.zeros((0, len(cols)), np.uint64)
            order = np.lexsort(rows.T[::-1]) if len(rows) else []
            out[key] = rows[order]
    return out


def main(a, b):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        sa, sb = spikes(fa), spikes(fb)
        if sa.keys() != sb.keys():
            print(f"spike populations differ: {sorted(sa)} vs {sorted(sb)}")
            return 1
        for pop in sa:
            (ta, ia), (tb, ib) = sa[pop], sb[pop]
            if len(ta) != len(tb) or not (np.array_equal(ta, tb) and np.array_equal(ia, ib)):
                print(f"{pop}: spikes differ ({len(ta)} vs {len(tb)})")
                return 1
        ra, rb = traces(fa), traces(fb)
        if ra.keys() != rb.keys():
            print(f"traces differ: {sorted(ra)} vs {sorted(rb)}")
            return 1
        for k in ra:
            (ia, da), (ib, db) = ra[k], rb[k]
            if not (np.array_equal(ia, ib) and da.shape == db.shape
                    and np.array_equal(np.ascontiguousarray(da).view(np.uint8), np.ascontiguousarray(db).view(np.uint8))):
                print(f"{k}: traces differ")
                return 1
        wa, wb = weights(fa), weights(fb)
        if wa.keys() != wb.keys():
            print(f"weight recorders differ: {sorted(wa)} vs {sorted(wb)}")
            return 1
        for k in wa:
            if wa[k].shape != wb[k].shape or not np.array_equal(wa[k], wb[k]):
                print(f"weights {k}: differ ({len(wa[k])} vs {len(wb[k])} rows)")
                return 1
        n = sum(len(v[0]) for v in sa.values())
        nw = sum(len(v) for v in wa.values())
        print(f"identical: {n} spikes, {len(ra)} trace reports, {nw} weight rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
