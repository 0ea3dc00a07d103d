#!/bin/sh
# Issue 15 item 6: --force never replaces what is not a regular file, and
# --stats-json has the same guards as -o.
# Promises (README: "An existing file is kept unless --force"; TEAM/DESIGN:
# every bad input is refused with a clear message, exit 2, nothing
# half-written). Before the fix, as root, `-o /dev/null --force` turned
# /dev/null into a regular file (rename over it); --stats-json overwrote
# anything (the output itself, the spec) and was written after the output
# was published, so a failing --stats-json left a published out.h5 behind an
# exit status of 2.
#
# Never touches the real /dev/null: the targets are a FIFO and, where mknod
# works (root), a character device with /dev/null's numbers (1, 3), both in
# the test's own directory. Every command runs under a hang guard because
# a write into a full FIFO blocks (the test holds the FIFO open both ways
# so that open() does not).
# Cases:
#   run/sample/calibrate/sweep -o FIFO --force, -o CHARDEV --force:
#       exit 2, message says it is not a regular file, target unchanged;
#   run --stats-json = the -o path: exit 2 before anything is written;
#   run --stats-json = the spec (exists, no --force): exit 2, spec unchanged;
#   run --stats-json in a missing directory: exit 2 and no out.h5 published;
#   run --stats-json FIFO --force: exit 2, FIFO unchanged;
#   run --checkpoint-dir D where D/ckpt_5ms.h5 is a FIFO: exit 2, FIFO
#   unchanged (checkpoints replace old checkpoints, never anything else);
#   run -o LINK --force where LINK is a dangling symbolic link: exit 2.
. "$(dirname "$0")/rel_lib.sh"

cd "$dir" || exit 1
printf 'simulation: {t_sim: 10.0}\npopulations:\n  E: {model: iaf_psc_delta, n: 2}\ndevices:\n  s: {model: spike_recorder, sources: [E]}\n' > t.yaml
cp t.yaml t.orig
cp "$top_srcdir/examples/sampler_tutorial.yaml" .
sed 's/duration: 1.0e5/duration: 200.0/; s/burn_in: 500.0/burn_in: 10.0/' "$top_srcdir/examples/bm_5.yaml" > bm.yaml
sed 's/duration: 1.0e5/duration: 1000.0/; s/num_samples: 150/num_samples: 10/' sampler_tutorial.yaml > cal.yaml
cat > sw.yaml <<'EOF'
sweep:
  task: calibrate
  base: cal.yaml
  calibration: {prescan: false, v_rest_min: -53.0, v_rest_max: -47.0}
  axes:
    sampler.params.tau_m: [1.0]
EOF

mkfifo fifo || { fail "mkfifo"; rel_done; }
# Hold both ends of the FIFO open, so a writer's open() never blocks (a
# command that writes into it fails the check quickly instead of hanging).
exec 3<>fifo
targets="fifo"
if mknod cdev c 1 3 2>/dev/null; then targets="fifo cdev"
else echo "note: mknod not permitted here; the character-device cases are skipped"; fi

kind() { stat -c %F "$1" 2>/dev/null || echo missing; }

# refuse_target WHAT TARGET CMD...: exit 2, "regular file" in the message,
# the target still of its kind.
refuse_target() {
  what=$1 tgt=$2; shift 2
  before=$(kind "$tgt")
  OMP_NUM_THREADS=1 timeout -k 5 30 "$@" >out 2>err
  rc=$?
  after=$(kind "$tgt")
  why=""
  [ $rc -eq 2 ] || why="exit $rc (want 2)"
  [ $rc -ge 124 ] && why="$why, hung (killed by the guard)"
  grep -qi "regular file" err || why="$why${why:+; }the message does not say it is not a regular file"
  [ "$before" = "$after" ] || why="$why${why:+; }$tgt was a $before, now a $after"
  if [ -z "$why" ]; then pass "$what: refused: $(head -c 150 err)"
  else fail "$what: $why"; show err; fi
  # restore the target for the next case
  if [ "$before" != "$after" ]; then
    rm -f "$tgt"
    case $tgt in fifo) mkfifo fifo && exec 3<>fifo ;; cdev) mknod cdev c 1 3 ;; esac
  fi
}

for tg in $targets; do
  refuse_target "run -o $tg --force" "$tg" "$AXON" run -q t.yaml -o "$tg" --force
  refuse_target "sample -o $tg --force" "$tg" "$AXON" sample -q bm.yaml -o "$tg" --force
  refuse_target "calibrate -o $tg" "$tg" "$AXON" calibrate -q cal.yaml -o "$tg" --h5 cal_copy.h5 --range -53 -47
  refuse_target "sweep -o $tg --force" "$tg" "$AXON" sweep -q sw.yaml -o "$tg" --force
  refuse_target "run --stats-json $tg --force" "$tg" "$AXON" run -q t.yaml -o s.h5 --stats-json "$tg" --force
  rm -f s.h5 cal_copy.h5
done

# --stats-json onto the output itself.
OMP_NUM_THREADS=1 timeout -k 5 60 "$AXON" run -q t.yaml -o o.h5 --stats-json o.h5 >out 2>err
rc=$?
if [ $rc -eq 2 ] && [ ! -e o.h5 ]; then pass "--stats-json = -o: refused: $(head -c 150 err)"
else
  fail "--stats-json = -o: exit $rc, o.h5 $( [ -e o.h5 ] && head -c 12 o.h5 | tr -c '[:print:]' '.' || echo absent)"
fi
rm -f o.h5

# --stats-json onto the spec (an existing file, no --force).
OMP_NUM_THREADS=1 timeout -k 5 60 "$AXON" run -q t.yaml -o o.h5 --stats-json t.yaml >out 2>err
rc=$?
if [ $rc -eq 2 ] && cmp -s t.yaml t.orig; then pass "--stats-json = the spec: refused, spec kept"
else fail "--stats-json = the spec: exit $rc, spec $(cmp -s t.yaml t.orig && echo kept || echo OVERWRITTEN)"; fi
cp t.orig t.yaml
rm -f o.h5

# --stats-json in a directory that does not exist: nothing published.
OMP_NUM_THREADS=1 timeout -k 5 60 "$AXON" run -q t.yaml -o o.h5 --stats-json nodir/s.json >out 2>err
rc=$?
if [ $rc -eq 2 ] && [ ! -e o.h5 ]; then pass "--stats-json in a missing directory: refused, nothing published"
else fail "--stats-json in a missing directory: exit $rc, o.h5 $( [ -e o.h5 ] && echo PUBLISHED || echo absent)"; show err; fi

# A checkpoint name taken by a FIFO.
mkdir ck && mkfifo ck/ckpt_5ms.h5 && exec 4<>ck/ckpt_5ms.h5
refuse_target "run --checkpoint-dir with a FIFO at ckpt_5ms.h5" ck/ckpt_5ms.h5 \
  "$AXON" run -q t.yaml -o c.h5 --checkpoint-every 5ms --checkpoint-dir ck
[ -e c.h5 ] && fail "checkpoint into a FIFO: c.h5 was published"

# A dangling symbolic link: writing through it would create a file elsewhere.
ln -s nowhere/x.h5 dangling
OMP_NUM_THREADS=1 timeout -k 5 60 "$AXON" run -q t.yaml -o dangling --force >out 2>err
rc=$?
if [ $rc -eq 2 ] && [ -L dangling ] && grep -qi "regular file" err; then
  pass "run -o DANGLING-LINK --force: refused: $(head -c 150 err)"
else fail "run -o DANGLING-LINK --force: exit $rc, dangling $( [ -L dangling ] && echo kept || echo replaced)"; show err; fi

rel_done
