#!/usr/bin/env python3
"""Check an axon Dynap-SE2 export against the network's connections.

usage: test_dynapse_files.py DIR REFERENCE.nir

Loads DIR through its own load_dynapse.py (as a Rockpool user would), then:
w_rec has exactly the connections of the NIR reference (which stores
axon's synapses, summed over multapses) in (pre, post) orientation, one
scale per target population; the 4-bit masks, signs and Iw_0..Iw_3 of each
core rebuild every weight within half a mask step; the hardware limits
hold (fan-in <= 64, n_in + 2 n_neuron <= 2048, <= 256 neurons per core).
"""
import importlib.util
import json
import os
import sys

import h5py
import numpy as np

d, nir = sys.argv[1], sys.argv[2]
spec_mod = importlib.util.spec_from_file_location("load_dynapse", os.path.join(d, "load_dynapse.py"))
ld = importlib.util.module_from_spec(spec_mod)
spec_mod.loader.exec_module(ld)
m = ld.mapper_output(d)
s = m
j = json.load(open(os.path.join(d, "spec.json")))
w = ld.weights(d)

n, nin = s["n_neuron"], j["n_in"]
assert m["weights_rec"].shape == (n, n) and m["weights_in"].shape == (nin, n), m["weights_rec"].shape
assert len(s["core_map"]) == n and s["n_cluster"] == len(s["Itau_mem"]) == len(ld.quantization(d)["Iw_0"])
for key in ("Itau_mem", "Igain_mem", "Itau_syn", "Igain_syn", "Ispkthr", "Iref", "Ipulse", "Idc", "Iscale"):
    assert key in m, key
assert abs(m["Itau_mem"][0] - 5.319e-12) < 0.01e-12, m["Itau_mem"][0]  # tau_m 20 ms, C_mem 3 pF

pops = {p["name"]: (p["first"], p["n"]) for p in j["populations"]}
with h5py.File(nir, "r") as f:
    nodes = f["node/nodes"]
    edges = [(a.decode(), b.decode()) for a, b in f["node/edges"][()]]
    mats = {k: nodes[k]["weight"][()] for k in nodes if nodes[k]["type"][()].decode() == "Affine"}
src_of = {b: a for a, b in edges if b.startswith("proj") and not b.endswith("_delay")}
tgt_of = {a[:-6]: b for a, b in edges if a.endswith("_delay")}
scale = {}
covered = np.zeros((n, n), dtype=bool)
for p, ref in mats.items():
    (s0, sn), (t0, tn) = pops[src_of[p]], pops[tgt_of[p]]
    block = m["weights_rec"][s0:s0 + sn, t0:t0 + tn].T  # (post, pre) like NIR
    assert ((block != 0) == (ref != 0)).all(), p + ": connections differ"
    nz = ref != 0
    ratio = block[nz] / ref[nz]
    assert np.allclose(ratio, ratio[0], rtol=1e-6), p + ": not one scale per projection"  # NIR: float32
    assert ratio[0] > 0, p
    k = scale.setdefault(tgt_of[p], ratio[0])
    assert abs(k - ratio[0]) <= 1e-6 * k, p + ": target population scales differ"
    covered[s0:s0 + sn, t0:t0 + tn] = True
assert not m["weights_rec"][~covered].any(), "connections the network does not have"

q = ld.quantization(d)  # per-cluster lists, as Rockpool's autoencoder_quantization returns
core = np.asarray(s["core_map"])
iw = np.array([q["Iw_%d" % b] for b in range(4)]) / s["Iscale"]  # (4, n_cluster)
for name, mat in (("in", m["weights_in"]), ("rec", m["weights_rec"])):
    # cluster c's matrix holds only its own columns: their sum is the whole network
    mask, sign = sum(q["weights_" + name]), sum(q["sign_" + name])
    assert mask.min() >= 0 and mask.max() <= 15
    bits = np.stack([(mask >> b) & 1 for b in range(4)])  # (4, rows, n)
    rebuilt = sign * np.einsum("brn,bn->rn", bits, iw[:, core])
    step = iw[0, core][None, :]
    assert (np.abs(rebuilt - mat) <= 0.5 * step + 1e-15).all(), name + ": mask does not rebuild the weight"
    assert np.allclose(rebuilt, w["weights_%s_quantised" % name], rtol=1e-12, atol=0)
    assert ((mask == 0) == (mat == 0)).all() and (np.sign(mat) == sign).all()
fan_in = (m["weights_in"] != 0).sum(0) + (m["weights_rec"] != 0).sum(0)
assert fan_in.max() <= 64, fan_in.max()
assert nin + 2 * n <= 2048
assert np.bincount(core).max() <= 256
print("ok: %d neurons, %d inputs, %d cores, max fan-in %d, scales %s" % (n, nin, s["n_cluster"], fan_in.max(), scale))
