#!/usr/bin/python3
"""load_dynapse.py hands each Rockpool entry point what it indexes.

Rockpool needs jax (and samna for the chip), which Debian lacks, so this
test replays, with numpy, every operation Rockpool's functions perform on
the structures they receive (synsense/rockpool at commit
42cee1c96422f27257138a96618821e0e6bd5b41, paths under
rockpool/devices/dynapse/; facts collected in /work/notes/rockpool.md):

  dynapsim_net/from_spec.py dynapsim_net_from_spec  l.95-123 per-neuron
      arrays np.zeros_like(core_map, dtype=float) filled by
      np.place(X, core_map == i, X_list[i]); l.125-130 np.array(weights_*)
      and LinearJax(weights_in.shape); l.134 n_rec = len(core_map); DynapSim
      (n_rec, n_rec) with w_rec; dt (s)
  quantization/autoencoder_quantization.py l.87-96 w[:, core_map == n];
      quantization/autoencoder/learn.py l.80 Iscale must be a float
  hardware/config/from_spec.py config_from_specification l.137-140
      core_map 1-D; l.145-146 chip_map[c] and local core c % 4; l.149-172
      every current X[c] and Iw_b[c] a scalar; l.176-184 WeightAllocator
      with weights_*[c], sign_*[c]; l.201-204 Idc[c] > 0 and
      np.where(core_map == c)
  hardware/config/allocator.py  __shape_check (shapes of weights/signs,
      n_in/n_neuron), tag_selector (n_in + 2 n_neuron <= 2048),
      matrix_to_synapse (np.bitwise_and on the mask via
      WeightHandler.int2bit_mask, a synapse where matrix > 0, dendrite by
      the sign, raises once a post neuron holds 64 entries and rows remain),
      CAM_content (<= 64 merged), SRAM_content / matrix_to_destination
      (destinations per pre neuron and target chip <= 4 with the monitor
      entry); chip_map.values() (a dict); lookup/defaults.py CHIP_POS
  config l.202-213  core_config.neurons[n] for n in range(n_neuron): n < 256

It also checks the numbers: unclustered currents equal their cluster's,
the masks rebuild weights.h5's quantised weights as Rockpool does
(sum_b bit_b Iw_b * sign / Iscale, tests/.../test_deployment_steps.py),
clusters are numbered by placement slot (no two on one core), dt is the
export's step. The loader of the export before issue 14 fails it:
core_map was a list (np.place raises), specification() held single
matrices (weights_in[c] is a row).

usage: test_dynapse_rockpool.py   (exports tests/data/dynapse_rockpool.yaml
and tests/data/dynapse_brunel.yaml itself)
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

SRC = os.environ.get("top_srcdir", ".")
AXON = os.environ.get("AXON", "./axon")
CURRENTS = ["Idc", "If_nmda", "Igain_ahp", "Igain_mem", "Igain_syn", "Ipulse_ahp", "Ipulse", "Iref",
            "Ispkthr", "Itau_ahp", "Itau_mem", "Itau_syn", "Iw_ahp"]
NUM_CORES, NUM_NEURONS, NUM_SYNAPSES, NUM_DEST, NUM_TAGS = 4, 256, 64, 4, 2048  # lookup/defaults.py


class Mismatch(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise Mismatch(msg)


def check_dynapsim_net_from_spec(spec, dt):
    """dynapsim_net/from_spec.py: what dynapsim_net_from_spec does with **spec."""
    for k in ["n_cluster", "core_map", "weights_in", "weights_rec"] + CURRENTS:
        need(k in spec, "dynapsim_net_from_spec: missing argument %s" % k)
    core_map, C = spec["core_map"], spec["n_cluster"]
    for k in CURRENTS:  # l.95-123
        unc = np.zeros_like(core_map, dtype=float)
        for i in range(C):
            np.place(unc, core_map == i, spec[k][i])  # ValueError for a list core_map
        need(np.array_equal(unc, np.array(spec["unclustered"][k], dtype=float)),
             "%s: unclustered values are not the cluster's" % k)
        need((unc >= 0).all(), "%s: negative current" % k)
    n_rec = len(core_map)  # l.134
    w_in = np.array(spec["weights_in"]) if spec["weights_in"] is not None else None
    w_rec = np.array(spec["weights_rec"]) if spec["weights_rec"] is not None else None
    if w_in is not None:  # LinearJax(weights_in.shape, weights_in): (n_in, n_rec) feeds DynapSim
        need(w_in.ndim == 2 and w_in.shape[1] == n_rec, "weights_in shape %s" % (w_in.shape,))
        need(np.issubdtype(w_in.dtype, np.floating), "weights_in dtype %s: float weights expected" % w_in.dtype)
    if w_rec is not None:  # DynapSim(shape=(n_rec, n_rec), w_rec=weights_rec)
        need(w_rec.shape == (n_rec, n_rec), "weights_rec shape %s" % (w_rec.shape,))
        need(np.issubdtype(w_rec.dtype, np.floating), "weights_rec dtype %s" % w_rec.dtype)
    need(isinstance(spec.get("Iscale"), float), "Iscale must be a float")
    need(spec.get("dt") == dt, "dt %s, export step %s s" % (spec.get("dt"), dt))


def check_autoencoder_input(spec):
    """autoencoder_quantization.py l.87-96, learn.py l.80."""
    need(isinstance(spec["Iscale"], float), "learn_weights: Iscale should be float")
    core_map = spec["core_map"]
    for n in range(spec["n_cluster"]):
        for key in ("weights_in", "weights_rec"):
            w = spec[key]
            if w is None:
                continue
            sel = w[:, core_map == n]
            need(sel.shape == (w.shape[0], int(np.sum(np.asarray(core_map) == n))),
                 "%s[:, core_map == %d] selects %s" % (key, n, sel.shape))


def bits(mask):
    """WeightHandler.int2bit_mask: np.bitwise_and with [1, 2, 4, 8]."""
    pattern = np.array([1 << b for b in range(4)])
    ext = np.full((4, *mask.shape), mask)
    return np.bitwise_and(ext.T, pattern).T.astype(bool)  # TypeError for a float mask


def matrix_to_synapse(matrix, sign):
    """allocator.py matrix_to_synapse: CAM entries per post neuron."""
    n_pre, n_post = matrix.shape
    content = {p: [] for p in range(n_post)}
    mem = bits(matrix).T  # (post, pre, bits)
    for pre in range(n_pre):
        for post in range(n_post):
            if len(content[post]) < NUM_SYNAPSES:
                if matrix[pre][post] > 0:
                    s = sign[pre][post]
                    need(s != 0, "synapse (%d, %d) with mask %d has sign 0 (no dendrite)" % (pre, post, matrix[pre][post]))
                    content[post].append(("AMPA" if s > 0 else "GABA", tuple(mem[post][pre])))
            else:
                raise Mismatch("Maximum synapse limit per neuron reached! (post %d)" % post)
    return content


def check_config_from_specification(spec):
    """hardware/config/from_spec.py and allocator.py: what config_from_specification does."""
    for k in ["n_cluster", "core_map", "weights_in", "weights_rec"] + CURRENTS:
        need(k in spec, "config_from_specification: missing argument %s" % k)
    core_map = np.array(spec["core_map"])  # l.137
    need(core_map.ndim == 1, "Core_map should be one dimensional!")
    chip_map, chip_pos = spec["chip_map"], spec["chip_pos"]
    need(isinstance(chip_map, dict), "chip_map must be a dict (WeightAllocator calls .values())")
    n_chip = len(set(chip_map.values()))
    used = set()
    for c in range(spec["n_cluster"]):
        ch = chip_map[c]  # l.145-146
        need((ch, c % NUM_CORES) not in used, "cluster %d lands on chip %d core %d, already taken" % (c, ch, c % NUM_CORES))
        used.add((ch, c % NUM_CORES))
        need(ch in chip_pos, "chip %d has no position" % ch)
        for k in CURRENTS:  # l.148-172
            float(spec[k][c])
        for b in range(4):
            need(spec["Iw_%d" % b] is not None, "Iw_%d missing" % b)
            float(spec["Iw_%d" % b][c])
        w_in = spec["weights_in"][c] if spec["weights_in"] is not None else None  # l.175-183
        w_rec = spec["weights_rec"][c] if spec["weights_rec"] is not None else None
        s_in = spec["sign_in"][c] if spec["sign_in"] is not None else None
        s_rec = spec["sign_rec"][c] if spec["sign_rec"] is not None else None
        # WeightAllocator.__shape_check
        if w_in is not None:
            w_in, s_in = np.array(w_in), np.array(s_in)
            need(w_in.ndim == 2, "weights_in[%d] has shape %s (a row of a single matrix?)" % (c, w_in.shape))
            n_in, n_neuron = w_in.shape
            need(w_in.shape == s_in.shape, "Input sign shape does not match input weight shape!")
            if w_rec is not None:
                w_rec, s_rec = np.array(w_rec), np.array(s_rec)
                need(w_rec.shape[1] == n_neuron, "neurons of weights_in and weights_rec differ")
                need(w_rec.shape == s_rec.shape, "Recurrent sign shape does not match the recurrent weight shape!")
        elif w_rec is not None:
            w_rec, s_rec = np.array(w_rec), np.array(s_rec)
            n_in, n_neuron = w_rec.shape
            need(w_rec.shape == s_rec.shape, "Recurrent sign shape does not match the recurrent weight shape!")
        else:
            n_in = n_neuron = 0
        need(n_in + 2 * n_neuron <= NUM_TAGS, "not enough tags")  # tag_selector
        # CAM_content: matrix_to_synapse per matrix, merged <= 64
        cam = {p: [] for p in range(n_neuron)}
        for m, s in ((w_in, s_in), (w_rec, s_rec)):
            if m is None:
                continue
            need(np.issubdtype(m.dtype, np.integer), "mask dtype %s: integer masks expected" % m.dtype)
            need(m.min() >= 0 and m.max() <= 15, "masks outside 0..15")
            outside = m[:, core_map != c]
            need(not outside.any(), "cluster %d's matrix has entries in other clusters' columns" % c)
            for p, entries in matrix_to_synapse(m, s).items():
                cam[p] += entries
        need(all(len(v) <= NUM_SYNAPSES for v in cam.values()), "Maximum SRAM capacity exceeded! (CAM)")
        # SRAM_content: per pre neuron, the monitor entry + one per target chip
        if w_rec is not None:
            for pre in range(w_rec.shape[0]):
                chips = {chip_map[int(core_map[p])] for p in np.nonzero(w_rec[pre] > 0)[0]}
                need(1 + len(chips) <= NUM_DEST, "neuron %d sends to %d chips" % (pre, len(chips)))
        # neurons[n] for every n of the CAM: n < 256; Idc latch
        need(n_neuron <= NUM_NEURONS, "core_config.neurons[%d] does not exist" % (n_neuron - 1))
        if spec["Idc"][c] > 0:
            np.where(core_map == c)
    need(n_chip <= 4, "%d chips" % n_chip)


def rebuilt(spec, key, iscale):
    """Rockpool's reconstruction: sum_c (sum_b bit_b Iw_b[c]) * sign / Iscale."""
    total = None
    for c in range(spec["n_cluster"]):
        m = spec["weights_" + key][c]
        if m is None:
            return None
        b = bits(m)
        iw = np.array([spec["Iw_%d" % k][c] for k in range(4)])
        w = np.einsum("b...,b->...", b.astype(float), iw) * spec["sign_" + key][c] / iscale
        total = w if total is None else total + w
    return total


def load(d):
    spec_mod = importlib.util.spec_from_file_location("load_dynapse_%d" % id(d), os.path.join(d, "load_dynapse.py"))
    ld = importlib.util.module_from_spec(spec_mod)
    spec_mod.loader.exec_module(ld)
    return ld


def case(tmp, spec_file, extra, config_ok):
    d = os.path.join(tmp, os.path.basename(spec_file)[:-5])
    subprocess.run([AXON, "export", "--target", "dynapse", spec_file, "-o", d] + extra, check=True,
                   stdout=subprocess.DEVNULL)
    j = json.load(open(os.path.join(d, "spec.json")))
    ld = load(d)
    sim = ld.mapper_output(d)
    check_dynapsim_net_from_spec(sim, j["dt"])
    check_autoencoder_input(sim)
    q = ld.quantization(d)
    for k in ("weights_in", "sign_in", "weights_rec", "sign_rec", "Iw_0", "Iw_1", "Iw_2", "Iw_3",
              "quantization_loss"):
        need(isinstance(q[k], list) and len(q[k]) == j["n_cluster"], "%s: not a per-cluster list" % k)
    need(all(isinstance(x, float) for x in q["quantization_loss"]), "quantization_loss: floats per cluster")
    # clusters numbered by placement slot: cluster c on chip c // 4, as the export placed it
    need(j["chip_map"] == [c // 4 for c in range(j["n_cluster"])], "chip_map %s" % j["chip_map"])
    w = ld.weights(d)
    hw = dict(sim)
    hw.update(q)
    for key in ("in", "rec"):
        r = rebuilt(hw, key, sim["Iscale"])
        if r is not None:
            need(np.allclose(r, w["weights_%s_quantised" % key], rtol=1e-12, atol=1e-15),
                 "%s: masks do not rebuild weights_%s_quantised" % (key, key))
    if config_ok:
        spec = ld.specification(d)
        check_config_from_specification(spec)
        check_dynapsim_net_from_spec(ld.mapper_output(d), j["dt"])  # still intact after specification()
    else:
        try:
            ld.specification(d)
            raise Mismatch("specification() accepted %d neurons" % j["n_neuron"])
        except ValueError as e:
            need("256" in str(e), "unclear refusal: %s" % e)
    print("%s: %d neurons, %d inputs, %d clusters on %d chip(s): structures as Rockpool indexes them%s"
          % (os.path.basename(spec_file), j["n_neuron"], j["n_in"], j["n_cluster"], j["n_chips"],
             "" if config_ok else " (config path refused: > 256 neurons)"))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        try:
            case(tmp, os.path.join(SRC, "tests", "data", "dynapse_rockpool.yaml"), ["--neurons-per-core", "32"], True)
            case(tmp, os.path.join(SRC, "tests", "data", "dynapse_brunel.yaml"), [], False)
        except (Mismatch, ValueError, TypeError, IndexError, KeyError, AttributeError) as e:
            print("FAIL: %s: %s" % (type(e).__name__, e))
            return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
