#!/bin/sh
# Issue 15 item 1: any chain of restarts gives the whole run.
# Promise (docs/reliability.md "Checkpoint and restart", README): a run may be
# continued from a checkpoint on any ranks x threads and "the final file is
# the whole run" -- so any chain of restarts (the resubmit-until-done pattern
# of jobs/) must equal the uninterrupted run bitwise, spikes and traces, and
# /axon/spike_counts must count the spikes that are in the file.
#
# tests/data/brunel_2000.yaml (300 ms, spikes + V_m traces) is run
#   - uninterrupted (reference), checkpointing every 40 ms into c0/;
#   - segment 1: 1x1, checkpoints every 40 ms into c1/;
#   - segment 2: restart from c1/ckpt_40ms.h5 on 2x1, checkpoints into c2/;
#   - segment 3: restart from c2/ckpt_120ms.h5 (written by a restarted run)
#     on 1x2, checkpoints into c3/;
#   - segment 4: restart from c3/ckpt_240ms.h5 (a restart of a restart of a
#     restart) on 2x2, to the end.
# Every segment's output must equal the reference, and the output image in
# c3/ckpt_240ms.h5 must hold the same spikes as the reference's own
# checkpoint at 240 ms (c0/). Before the fix the checkpoint of a restarted
# run carried only that run's own output: the file after two restarts held
# only what was recorded since the first restart, while /axon/spike_counts
# still counted everything.
. "$(dirname "$0")/rel_lib.sh"

spec="$top_srcdir/tests/data/brunel_2000.yaml"
cmp() { "$PYTHON" "$top_srcdir/tests/compare_h5.py" "$@"; }
# Spike counts in /axon/spike_counts must equal the spikes in /spikes.
counts_agree() {
  h5py '
f = h5py.File(sys.argv[1], "r")
names = [n.decode() for n in f["axon/populations"]["name"]]
meta = dict(zip(names, (int(c) for c in f["axon/spike_counts"][()])))
have = {p: len(f["spikes"][p]["timestamps"]) for p in f["spikes"]}
print(f"/axon/spike_counts {meta}, spikes in /spikes {have}")
sys.exit(0 if all(meta[p] == have[p] for p in have) else 1)' "$1"
}
every="--checkpoint-every 40ms"
mkdir "$dir/c0" "$dir/c1" "$dir/c2" "$dir/c3"

mpi 1 1 "$AXON" run -q -t 1 "$spec" -o "$dir/full.h5" $every --checkpoint-dir "$dir/c0" \
  || fail "uninterrupted run"
mpi 1 1 "$AXON" run -q -t 1 "$spec" -o "$dir/s1.h5" $every --checkpoint-dir "$dir/c1" \
  || fail "segment 1"
mpi 2 1 "$AXON" run -q -t 1 "$spec" -o "$dir/s2.h5" --restart "$dir/c1/ckpt_40ms.h5" \
  $every --checkpoint-dir "$dir/c2" || fail "segment 2 (restart from c1/ckpt_40ms.h5)"
mpi 1 2 "$AXON" run -q -t 2 "$spec" -o "$dir/s3.h5" --restart "$dir/c2/ckpt_120ms.h5" \
  $every --checkpoint-dir "$dir/c3" || fail "segment 3 (restart from c2/ckpt_120ms.h5)"
mpi 2 2 "$AXON" run -q -t 2 "$spec" -o "$dir/s4.h5" --restart "$dir/c3/ckpt_240ms.h5" \
  || fail "segment 4 (restart from c3/ckpt_240ms.h5)"

n=1
for what in "segment 1 (no restart)" "one restart (2x1)" "a restart of a restart (1x2)" \
            "three restarts in a chain (2x2)"; do
  if out=$(cmp "$dir/full.h5" "$dir/s$n.h5"); then pass "$what equals the uninterrupted run: $out"
  else fail "$what differs from the uninterrupted run: $out"; fi
  n=$((n + 1))
done
if out=$(counts_agree "$dir/s4.h5"); then pass "chained run: $out"
else fail "chained run: /axon/spike_counts disagrees with /spikes: $out"; fi

# The checkpoint of a twice-restarted run carries the whole run so far.
if out=$(h5py '
import io
def spikes(path):
    f = h5py.File(path, "r")
    g = h5py.File(io.BytesIO(f["output_image"][()].tobytes()), "r")
    return {p: sorted(zip(g["spikes"][p]["timestamps"][()], g["spikes"][p]["node_ids"][()]))
            for p in g["spikes"]}
a, b = spikes(sys.argv[1]), spikes(sys.argv[2])
print({p: (len(a[p]), len(b.get(p, []))) for p in a})
sys.exit(0 if a == b and all(len(v) for v in a.values()) else 1)' \
  "$dir/c0/ckpt_240ms.h5" "$dir/c3/ckpt_240ms.h5"); then
  pass "c3/ckpt_240ms.h5 (after two restarts) holds the spikes of the whole run so far: $out"
else
  fail "c3/ckpt_240ms.h5 does not hold the whole run's spikes (uninterrupted, chained): $out"
fi

rel_done
