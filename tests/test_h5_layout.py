#!/usr/bin/env python3
"""test_h5_layout.py - the recorder's file layout, checked against SONATA with
h5py, plus `axon info` and tools/axon-plot on the same files.

Runs tests/test_h5_writer (see its header for the content) under mpiexec with
1, 2 and 3 ranks into files of its own (tests/h5_layout_n*.h5), then checks:
  - every SONATA key: /spikes/<pop>/{node_ids uint64, timestamps float64 +
    units "ms"}, sorting enum, root magic/version; /report/<pop>/data (hard
    link), mapping/{node_ids, index_pointers, element_ids, time + units};
  - spikes and traces equal the writer's formulas, recomputed here;
  - the 1-, 2- and 3-rank files hold the same spikes after sorting by
    (time, node id), and the same traces after ordering columns by node id;
  - h5dump reads the file; `axon info` prints the numbers computed here and
    exits 2 on a missing, non-HDF5 or non-axon file; axon-plot writes PNGs.
Exit 0 if all pass, 1 otherwise (each failure printed).
"""
import glob
import os
import subprocess
import sys

try:
    import h5py
    import numpy as np
except ImportError:  # a pyenv/venv python without Debian's python3-h5py
    if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("SKIP: h5py/numpy not importable (apt-get install python3-h5py)")
    sys.exit(77)

SRC = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.environ.get("top_builddir", ".")
AXON = os.environ.get("AXON", os.path.join(BUILD, "axon"))
MPIEXEC = os.environ.get("MPIEXEC", "mpiexec")
MPIEXEC_ARGS = os.environ.get("MPIEXEC_ARGS", "--oversubscribe --bind-to none").split()
WRITER = os.path.join(BUILD, "tests", "test_h5_writer")
OUT = os.path.join(BUILD, "tests")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def expected_spikes(n_pop):
    """The writer's spikes: (node ids, times), unsorted."""
    ids, ts = [], []
    for i in range(n_pop):
        period, phase = 5 + (7 * i) % 13, float((3 * i) % 5) * 0.1 + 0.1
        k = 0
        while True:
            t = phase + k * period + 0.1 * float((k * k + i) % 7)
            if t >= 300.0:
                break
            ids.append(i)
            ts.append(t)
            k += 1
    return np.array(ids, dtype=np.uint64), np.array(ts)


def sort_spikes(ids, ts):
    order = np.lexsort((ids, ts))  # by time, then node id
    return ids[order], ts[order]


def write(n):
    path = os.path.join(OUT, "h5_layout_n%d.h5" % n)
    for p in [path] + glob.glob(path + ".partial*"):
        if os.path.exists(p):
            os.unlink(p)
    cmd = [MPIEXEC, "-n", str(n)] + MPIEXEC_ARGS + [WRITER, path]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "writer with %d ranks: rc %d %s" % (n, r.returncode, r.stderr[-500:]))
    check(not glob.glob(path + ".partial*"), "partial left behind (%d ranks)" % n)
    return path


def attr_str(obj, name):
    v = obj.attrs[name]
    return v.decode() if isinstance(v, bytes) else str(v)


def check_layout(path, n_ranks):
    f = h5py.File(path, "r")
    check(int(f.attrs["magic"]) == 0x0A7A, "root attr magic")
    check(list(f.attrs["version"]) == [0, 1], "root attr version [0, 1]")
    for pop, n in (("E", 40), ("I", 10)):
        g = f["spikes"][pop]
        check(g["node_ids"].dtype == np.uint64, "%s node_ids uint64" % pop)
        check(g["timestamps"].dtype == np.float64, "%s timestamps float64" % pop)
        check(attr_str(g["timestamps"], "units") == "ms", "%s timestamps units ms" % pop)
        sid = g.attrs.get_id("sorting")
        enum = h5py.check_enum_dtype(sid.dtype)
        check(enum == {"none": 0, "by_id": 1, "by_time": 2}, "%s sorting enum %r" % (pop, enum))
        check(int(g.attrs["sorting"]) == 0, "%s sorting = none" % pop)
        check(g["node_ids"].shape == g["timestamps"].shape, "%s lengths" % pop)
        want_ids, want_ts = sort_spikes(*expected_spikes(n))
        got_ids, got_ts = sort_spikes(g["node_ids"][:], g["timestamps"][:])
        check(np.array_equal(got_ids, want_ids) and np.array_equal(got_ts, want_ts),
              "%s spikes equal the writer's formula (%d ranks)" % (pop, n_ranks))
    rep = f["report/E"]
    m = rep["mapping"]
    check(m["node_ids"].dtype == np.uint64, "mapping/node_ids uint64")
    check(m["index_pointers"].dtype == np.uint64, "mapping/index_pointers uint64")
    check(m["element_ids"].dtype == np.uint32, "mapping/element_ids uint32")
    nodes = m["node_ids"][:]
    check(sorted(nodes.tolist()) == list(range(0, 30, 3)), "mapping/node_ids content")
    check(np.array_equal(m["index_pointers"][:], np.arange(len(nodes) + 1)), "index_pointers")
    check(np.array_equal(m["element_ids"][:], np.zeros(len(nodes))), "element_ids all 0")
    check(np.allclose(m["time"][:], [0.1, 300.1, 1.0], rtol=0, atol=1e-9), "mapping/time")
    check(attr_str(m["time"], "units") == "ms", "mapping/time units")
    check(rep["data"].id == rep["V_m/data"].id or
          h5py.h5o.get_info(rep["data"].id).addr == h5py.h5o.get_info(rep["V_m/data"].id).addr,
          "/report/E/data is a hard link to V_m/data")
    rows = np.arange(300)[:, None]
    col = nodes[None, :].astype(float)
    for var, units, want in (("V_m", "mV", -70 + 0.5 * col + 0.01 * rows),
                             ("I_syn_ex", "pA", 10.0 * col - rows)):
        d = rep[var]["data"]
        check(d.dtype == np.float32 and d.shape == (300, 10), "%s shape/dtype" % var)
        check(attr_str(d, "units") == units, "%s units %s" % (var, units))
        check(np.array_equal(d[:], want.astype(np.float32)), "%s values (%d ranks)" % (var, n_ranks))
    ax = f["axon"]
    pops = ax["populations"][:]
    check([p["name"].decode() for p in pops] == ["E", "I"], "/axon/populations names")
    check([p["model"].decode() for p in pops] == ["iaf_psc_exp", "iaf_psc_delta"], "models")
    check([int(p["n"]) for p in pops] == [40, 10], "population sizes")
    counts = [len(expected_spikes(40)[0]), len(expected_spikes(10)[0])]
    check(list(ax["spike_counts"][:]) == counts, "/axon/spike_counts")
    for key, want in (("version", "test"), ("spec_path", "test.yaml"), ("spec", "spec: test")):
        check(attr_str(ax, key) == want, "/axon attr %s" % key)
    for key, want in (("seed", 12345), ("ranks", n_ranks), ("threads", 1), ("resolution", 0.1),
                      ("t_sim", 300.0), ("t_build", 0.5), ("t_simulate", 1.5),
                      ("t_update", 1.0), ("t_deliver", 0.25), ("t_communicate", 0.125),
                      ("n_synapses", 1000)):
        check(key in ax.attrs and ax.attrs[key] == want, "/axon attr %s == %r" % (key, want))
    f.close()


def canonical(path):
    """Spikes sorted by (time, id) and traces with columns sorted by node id."""
    with h5py.File(path, "r") as f:
        out = {}
        for pop in ("E", "I"):
            out[pop] = sort_spikes(f["spikes"][pop]["node_ids"][:], f["spikes"][pop]["timestamps"][:])
        order = np.argsort(f["report/E/mapping/node_ids"][:])
        out["V_m"] = f["report/E/V_m/data"][:][:, order]
        return out


def mean_cv(n_pop):
    ids, ts = expected_spikes(n_pop)
    cvs = []
    for i in range(n_pop):
        t = np.sort(ts[ids == i])
        if len(t) >= 3:
            isi = np.diff(t)
            cvs.append(isi.std() / isi.mean())
    return float(np.mean(cvs)), len(cvs)


def check_info(path):
    r = subprocess.run([AXON, "info", path], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "axon info rc %d: %s" % (r.returncode, r.stderr))
    for pop, n in (("E", 40), ("I", 10)):
        spikes = len(expected_spikes(n)[0])
        cv, used = mean_cv(n)
        rows = [w for w in (l.split() for l in r.stdout.splitlines())
                if len(w) == 7 and w[0] == pop and w[-1].startswith("(")]
        want = [pop, "%d" % n, "%d" % spikes, "%.3f" % (spikes / n / 0.3), "%.3f" % cv, "(%d)" % used]
        got = [rows[-1][0]] + rows[-1][2:7] if rows else []
        check(got == want, "axon info spike line for %s: %r, want %r" % (pop, got, want))
    check("V_m" in r.stdout and "I_syn_ex" in r.stdout, "axon info lists traces")
    check("2 x 1" in r.stdout or "x 1" in r.stdout, "axon info ranks x threads")
    bad = os.path.join(OUT, "h5_layout_not_hdf5.h5")
    with open(bad, "w") as fh:
        fh.write("not hdf5\n")
    plain = os.path.join(OUT, "h5_layout_plain.h5")
    with h5py.File(plain, "w") as fh:
        fh["x"] = [1, 2, 3]
    for p, word in ((os.path.join(OUT, "h5_layout_missing.h5"), "no such file"),
                    (bad, "not an HDF5 file"), (plain, "not an axon output file")):
        r = subprocess.run([AXON, "info", p], capture_output=True, text=True, timeout=60)
        check(r.returncode == 2 and word in r.stderr and r.stderr.startswith("axon info:"),
              "axon info %s: rc %d, %r" % (os.path.basename(p), r.returncode, r.stderr))
    r = subprocess.run([AXON, "info", "--help"], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and "usage: axon info" in r.stdout, "axon info --help")
    os.unlink(bad)
    os.unlink(plain)


def check_plot(path):
    tool = os.path.join(SRC, "tools", "axon-plot")
    outs = [os.path.join(OUT, "h5_layout_%s.png" % k) for k in ("raster", "rate", "vm")]
    for o in outs:
        if os.path.exists(o):
            os.unlink(o)
    r = subprocess.run([sys.executable, tool, path, "--raster", outs[0], "--rate", outs[1],
                        "--vm", outs[2], "--tmin", "50", "--tmax", "250", "--bin", "5"],
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "axon-plot rc %d: %s" % (r.returncode, r.stderr[-800:]))
    for o in outs:
        ok = os.path.exists(o) and os.path.getsize(o) > 2000
        with open(o, "rb") if ok else open(os.devnull, "rb") as fh:
            ok = ok and fh.read(8) == b"\x89PNG\r\n\x1a\n"
        check(ok, "axon-plot wrote a PNG %s" % os.path.basename(o))
    r = subprocess.run([sys.executable, tool, path, "--raster", outs[0], "--pop", "nope"],
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 2 and "nope" in r.stderr, "axon-plot unknown --pop: rc %d" % r.returncode)
    for o in outs:
        if os.path.exists(o):
            os.unlink(o)


def main():
    files = {n: write(n) for n in (1, 2, 3)}
    if failures:
        return 1
    for n, p in files.items():
        check_layout(p, n)
    c1 = canonical(files[1])
    for n in (2, 3):
        cn = canonical(files[n])
        for pop in ("E", "I"):
            check(np.array_equal(c1[pop][0], cn[pop][0]) and np.array_equal(c1[pop][1], cn[pop][1]),
                  "%s spikes from 1 and %d ranks identical after sorting" % (pop, n))
        check(np.array_equal(c1["V_m"], cn["V_m"]), "V_m from 1 and %d ranks identical" % n)
    for args in (["-H"], []):
        r = subprocess.run(["h5dump"] + args + [files[2]], capture_output=True, text=True,
                           timeout=60)
        check(r.returncode == 0 and "/spikes" not in r.stderr, "h5dump %s rc %d" % (args, r.returncode))
        check('GROUP "spikes"' in r.stdout and 'HARDLINK "/report/E/V_m/data"' in r.stdout,
              "h5dump %s shows the layout" % args)
    check_info(files[2])
    check_plot(files[3])
    if not failures:
        for p in files.values():
            os.unlink(p)
    print("test_h5_layout: %d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
