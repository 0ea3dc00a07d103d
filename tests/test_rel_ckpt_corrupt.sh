#!/bin/sh
# Issue 15 item 4: a corrupted checkpoint is refused, never silently used.
# Promise (docs/reliability.md "Checkpoint and restart" and "Errors"): a
# restart continues the run exactly or fails with a clear message (exit 2)
# and nothing half-written. Before the fix, bytes flipped in /pop/*/state,
# /pop/*/ring or the output image gave exit 0 and different spikes; a
# corrupted image made the merge fail and left a readable out.h5.partial.
#
# A 1x1 run of tests/data/brunel_2000.yaml checkpoints at 100 ms; copies of
# the checkpoint get 8 bytes inverted in one place each (raw file bytes, so
# HDF5 itself does not notice):
#   state        /pop/E/state, V_m of the middle neuron
#   ring         /pop/E/ring, the first slot of the middle neuron
#   image_data   a spike timestamp inside the output image (located by
#                opening the image with h5py)
#   image_super  the image's HDF5 superblock (the merge at close fails)
#   pop_spikes   the pop_spikes attribute (the run's spike totals)
# Each restart must exit 2 (not 0) naming the checkpoint, and leave neither
# out.h5 nor any out.h5.partial* behind. The intact checkpoint restarts and
# equals the uninterrupted run (the control: the corruption is what fails).
# Fix design: a digest per dataset and attribute, verified on restart
# (/work/notes/reliability.md, item 4).
. "$(dirname "$0")/rel_lib.sh"

spec="$top_srcdir/tests/data/brunel_2000.yaml"
mkdir "$dir/ck"
axon1 1 run -q "$spec" -o "$dir/full.h5" || fail "uninterrupted run"
axon1 1 run -q "$spec" -o "$dir/ck.h5" --checkpoint-every 100ms --checkpoint-dir "$dir/ck" \
  || fail "checkpointing run"
ck="$dir/ck/ckpt_100ms.h5"
[ -f "$ck" ] || { fail "no checkpoint written"; rel_done; }

mkdir "$dir/ok"
if (cd "$dir/ok" && axon1 1 run -q "$spec" -o out.h5 --restart "$ck") &&
   out=$("$PYTHON" "$top_srcdir/tests/compare_h5.py" "$dir/full.h5" "$dir/ok/out.h5"); then
  pass "intact checkpoint: restart equals the uninterrupted run ($out)"
else
  fail "intact checkpoint: restart failed or differs (test setup broken)"
fi

corrupt() { # WHERE SRC DST
  h5py '
import io, shutil
where, src, dst = sys.argv[1:4]
shutil.copyfile(src, dst)
f = h5py.File(src, "r")
if where in ("state", "ring"):
    d = f["pop/E/" + where]  # first row (V_m for state), middle neuron
    off = d.id.get_offset() + (d.shape[-1] // 2) * 8
elif where == "image_data":
    img = f["output_image"]
    base = img.id.get_offset()
    g = h5py.File(io.BytesIO(img[()].tobytes()), "r")
    ts = g["spikes/E/timestamps"]
    if ts.chunks:
        info = ts.id.get_chunk_info(0)
        off = base + info.byte_offset + 8 * (min(len(ts), ts.chunks[0]) // 2)
    else:
        off = base + ts.id.get_offset() + 8 * (len(ts) // 2)
elif where == "image_super":
    off = f["output_image"].id.get_offset()
elif where == "pop_spikes":
    raw = open(src, "rb").read()
    off = raw.find(np.asarray(f.attrs["pop_spikes"], "<i8").tobytes())
    assert off >= 0
f.close()
with open(dst, "r+b") as g:
    g.seek(off)
    b = bytearray(g.read(8))
    g.seek(off)
    g.write(bytes(x ^ 0xFF for x in b))
print(f"{where}: 8 bytes inverted at {off}")' "$@"
}

for where in state ring image_data image_super pop_spikes; do
  bad="$dir/bad_$where.h5"
  corrupt "$where" "$ck" "$bad" >/dev/null || { fail "$where: could not corrupt (test setup)"; continue; }
  mkdir "$dir/r_$where"
  (cd "$dir/r_$where" && axon1 1 run -q "$spec" -o out.h5 --restart "$bad") >"$dir/out" 2>"$dir/err"
  rc=$?
  left=$(cd "$dir/r_$where" && ls -d out.h5* 2>/dev/null | tr '\n' ' ')
  why=""
  [ $rc -eq 2 ] || why="exit $rc (want 2)"
  grep -qF "bad_$where.h5" "$dir/err" || why="$why${why:+; }the message does not name the checkpoint"
  [ -z "$left" ] || why="$why${why:+; }left behind: $left"
  if [ -z "$why" ]; then pass "$where corrupted: refused: $(head -c 160 "$dir/err")"
  else
    if [ $rc -eq 0 ] && d=$("$PYTHON" "$top_srcdir/tests/compare_h5.py" "$dir/full.h5" "$dir/r_$where/out.h5"); then
      why="$why (output equals the uninterrupted run)"
    elif [ $rc -eq 0 ]; then why="$why (silently different output: $d)"; fi
    fail "$where corrupted: $why"; show "$dir/err"
  fi
done

rel_done
