#!/bin/sh
# Issue 15 item 1: a restart of a restarted run must give the whole run.
# Promise (docs/reliability.md "Checkpoint and restart", README): a run may be
# continued from a checkpoint on any ranks x threads and "the final file is
# the whole run" -- so any chain of restarts (the resubmit-until-done pattern
# of jobs/) must equal the uninterrupted run bitwise, spikes and traces, and
# /axon/spike_counts must count the spikes that are in the file.
#
# tests/data/brunel_2000.yaml (300 ms, spikes + V_m traces) is run
#   - uninterrupted (reference);
#   - segment 1: checkpoints every 100 ms into c1/;
#   - segment 2: restart from c1/ckpt_100ms.h5 on 2 ranks, checkpoints every
#     100 ms into c2/;
#   - segment 3: restart from c2/ckpt_200ms.h5 (a checkpoint written by a
#     restarted run) to the end, on 1 rank x 2 threads.
# Before the fix the last file held only what was recorded from 100 ms on
# (the checkpoint of a restarted run carried that run's own output only).
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

mpi 1 1 "$AXON" run -q -t 1 "$spec" -o "$dir/full.h5" || fail "uninterrupted run"
mkdir "$dir/c1" "$dir/c2"
mpi 1 1 "$AXON" run -q -t 1 "$spec" -o "$dir/s1.h5" --checkpoint-every 100ms \
  --checkpoint-dir "$dir/c1" || fail "segment 1"
mpi 2 1 "$AXON" run -q -t 1 "$spec" -o "$dir/s2.h5" --restart "$dir/c1/ckpt_100ms.h5" \
  --checkpoint-every 100ms --checkpoint-dir "$dir/c2" || fail "segment 2 (restart from c1/ckpt_100ms.h5)"
[ -f "$dir/c2/ckpt_200ms.h5" ] || fail "segment 2 wrote no c2/ckpt_200ms.h5: $(ls "$dir/c2")"

if out=$(cmp "$dir/full.h5" "$dir/s2.h5"); then pass "one restart equals the uninterrupted run: $out"
else fail "one restart differs from the uninterrupted run: $out"; fi

mpi 1 2 "$AXON" run -q -t 2 "$spec" -o "$dir/s3.h5" --restart "$dir/c2/ckpt_200ms.h5" \
  || fail "segment 3 (restart from c2/ckpt_200ms.h5)"
if out=$(cmp "$dir/full.h5" "$dir/s3.h5"); then
  pass "restart of a restarted run equals the uninterrupted run: $out"
else
  fail "restart of a restarted run differs from the uninterrupted run: $out"
fi
if out=$(counts_agree "$dir/s3.h5"); then pass "chained run: $out"
else fail "chained run: /axon/spike_counts disagrees with /spikes: $out"; fi

rel_done
