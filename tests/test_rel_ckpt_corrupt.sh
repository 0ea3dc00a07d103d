#!/bin/sh
# Issue 15 item 4: a corrupted checkpoint is refused, never silently used.
# Promise (docs/reliability.md "Checkpoint and restart" and "Errors"): a
# restart continues the run exactly or fails with a clear message (exit 2)
# and nothing half-written. Before the fix, bytes flipped in /pop/*/state,
# /pop/*/ring or the output image gave exit 0 and different spikes; a
# corrupted image made the merge fail and left a readable out.h5.partial.
#
# A 1x1 run of tests/data/brunel_2000.yaml (cut to 150 ms) checkpoints at 100 ms; copies of
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
# Fix: a digest per dataset and one over the root attributes, verified on
# restart (docs/reliability.md "Checkpoint integrity"). Also checked:
#   - the digests of /pop/*/state and /pop/*/ring do not depend on the
#     ranks x threads that wrote them (a 2x2 checkpoint has the 1x1 values);
#   - a checkpoint without digests (the older format) is refused;
#   - an output image that passes its digest but cannot be merged (forged
#     here with the documented digest: a dataset removed from the image)
#     makes the run fail at the end without leaving out.h5 or a partial file.
. "$(dirname "$0")/rel_lib.sh"

# 150 ms of it: the checkpoint at 100 ms, restarts simulate the last 50 ms
sed 's/t_sim: 300.0/t_sim: 150.0/' "$top_srcdir/tests/data/brunel_2000.yaml" > "$dir/b.yaml"
spec="$dir/b.yaml"
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

# The same digests from another decomposition.
mkdir "$dir/ck22"
mpi 2 2 "$AXON" run -q -t 2 "$spec" -o "$dir/ck22.h5" --checkpoint-every 100ms \
  --checkpoint-dir "$dir/ck22" || fail "checkpointing run on 2x2"
if out=$(h5py '
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
bad, n = [], 0
for p in a["pop"]:
    for d in ("state", "ring"):
        x, y = a["pop"][p][d].attrs["digest"], b["pop"][p][d].attrs["digest"]
        n += 1
        if x != y: bad.append(f"/pop/{p}/{d}: {x:#x} vs {y:#x}")
print(f"{n} datasets; " + ("; ".join(bad) if bad else "all equal"))
sys.exit(1 if bad or not n else 0)' "$ck" "$dir/ck22/ckpt_100ms.h5"); then
  pass "state and ring digests are the same for 1x1 and 2x2: $out"
else fail "state and ring digests depend on the decomposition: $out"; fi

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

# restart_fails WHAT CKPT PATTERN: exit 2, PATTERN in the message, nothing left.
restart_fails() {
  what=$1 bad=$2 pat=$3
  rm -rf "$dir/r"; mkdir "$dir/r"
  (cd "$dir/r" && axon1 1 run -q "$spec" -o out.h5 --restart "$bad") >"$dir/out" 2>"$dir/err"
  rc=$?
  left=$(cd "$dir/r" && ls -d out.h5* 2>/dev/null | tr '\n' ' ')
  if [ $rc -eq 2 ] && grep -q "$pat" "$dir/err" && [ -z "$left" ]; then
    pass "$what: refused: $(head -c 200 "$dir/err")"
  else fail "$what: exit $rc, left: ${left:-nothing}"; show "$dir/err"; fi
}

# A checkpoint without digests (as axon wrote them before) is refused.
h5py '
import shutil
shutil.copyfile(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    del f.attrs["attr_digest"]' "$ck" "$dir/old.h5" || fail "could not make an old-format copy"
restart_fails "a checkpoint without checksums" "$dir/old.h5" "no checksums"

# An image that passes its digest but cannot be merged: the digest as
# documented (io/hdf5/h5_ckpt.c), recomputed for a forged image.
h5py '
import io, shutil
M = (1 << 64) - 1
def mix(z):
    z = np.asarray(z, np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xbf58476d1ce4e5b9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94d049bb133111eb)
    return z ^ (z >> np.uint64(31))
def fnv(s):
    h = 0xcbf29ce484222325
    for c in s.encode():
        h = ((h ^ c) * 0x100000001b3) & M
    return h
def digest(path, raw):
    raw = raw + bytes(-len(raw) % 8)
    w = np.frombuffer(raw, "<u8")
    seed = np.uint64(fnv(path))
    k = np.arange(len(w), dtype=np.uint64)
    with np.errstate(over="ignore"):
        terms = mix(w ^ mix(k + seed))
        total = int(terms.sum(dtype=np.uint64)) if len(w) else 0
    return (total + int(mix(seed ^ np.uint64(len(w))))) & M
src, dst = sys.argv[1], sys.argv[2]
shutil.copyfile(src, dst)
with h5py.File(dst, "r+") as f:
    old = f["output_image"][()].tobytes()
    assert digest("/output_image", old) == int(f["output_image"].attrs["digest"]), "digest recipe"
    buf = io.BytesIO(old)
    with h5py.File(buf, "r+") as g:
        del g["spikes/E/timestamps"]
    new = buf.getvalue()
    del f["output_image"]
    d = f.create_dataset("output_image", data=np.frombuffer(new, np.uint8))
    d.attrs.create("digest", digest("/output_image", new), dtype=np.uint64)' \
  "$ck" "$dir/forged.h5" || fail "could not forge an image (the digest recipe differs?)"
restart_fails "an image that passes its checksum but cannot be merged" "$dir/forged.h5" "merging"

rel_done
