#!/bin/sh
# Issue 15 item 11: the smaller input-handling defects.
# Promises (docs/spec.md "Values" and "Errors", docs/sampling.md, TEAM
# rules): every bad input is refused once with a clear message (what, where,
# how to fix), file:line:col where there is a file, exit 2; nothing is
# silently changed; messages do not mislead.
# Cases (before the fix -> expected):
#   a. a quoted NUL in a population name ("E\0x"): silently truncated to
#      "E" -> refused with position (check and run);
#   b. n: !!str 10: accepted as the number 10 -> refused with position;
#   c. sample: dt 0.3 with duration 1000 (not a multiple): accepted (sweeps
#      refuse it) -> refused with position;
#   d. calibrate: the same -> refused with position;
#   e. sample: checkpoints [-5, 100, 50, 5e9]: bad entries silently dropped
#      -> refused with position;
#   f. a BM bias of 1e300: the unit is silent (p 0 instead of 1) -> refused
#      with position, or p_sim of that unit > 0.9;
#   g. iaf_cond_exp with E_L 1e30: V freezes at V_reset after the first spike
#      -> refused with position, or it keeps spiking (>= 2 spikes in 10 ms);
#   h. a spec of /dev/zero: read until memory runs out ("out of memory") ->
#      refused at once as not a regular file (runs under ulimit -v 1 GiB);
#   i. a BM calibration path that is a directory: "out of memory" -> a
#      message that says it is a directory;
#   j. `axon run SPEC -o` with no file name: "unknown option '-o'" -> a
#      message that -o needs a file name;
#   k. --checkpoint-dir naming a regular file: "Permission denied" -> "not a
#      directory";
#   l. --checkpoint-dir ck that does not exist yet (its parent does): refused
#      -> created, the run checkpoints into it (exit 0); a missing parent is
#      still refused (exit 2).
. "$(dirname "$0")/rel_lib.sh"

cd "$dir" || exit 1
cp "$top_srcdir/examples/sampler_tutorial.yaml" .
bm="$top_srcdir/examples/bm_5.yaml"

# refused WHAT FILE CMD...: exit 2 with FILE:line:col, within a guard.
refused() {
  what=$1 file=$2; shift 2
  OMP_NUM_THREADS=1 timeout -k 5 60 "$@" >out 2>err
  rc=$?
  if [ $rc -eq 2 ] && grep -q "$file:[0-9]*:[0-9]*:" err; then pass "$what: $(head -c 150 err)"
  else fail "$what: exit $rc (want 2 with $file:line:col)"; show err; fi
}

# a. NUL in a name.
printf 'simulation: {t_sim: 10.0}\npopulations:\n  "E\\0x": {model: iaf_psc_delta, n: 1}\n' > nul.yaml
refused "a. check: NUL in a name" nul.yaml "$AXON" check nul.yaml
refused "a. run: NUL in a name" nul.yaml "$AXON" run -q nul.yaml -o o.h5
rm -f o.h5

# b. !!str.
printf 'simulation: {t_sim: 10.0}\npopulations:\n  E: {model: iaf_psc_delta, n: !!str 10}\n' > str.yaml
refused "b. check: n: !!str 10" str.yaml "$AXON" check str.yaml
grep -q "!!str" err || fail "b. the message names the tag: $(head -c 150 err)"
printf 'simulation: {t_sim: !!float 10.0}\npopulations:\n  E: {model: iaf_psc_delta, n: !!int 10}\n' > tagok.yaml
"$AXON" check tagok.yaml >out 2>err && pass "b. !!int and !!float where numbers go: accepted" \
  || fail "b. n: !!int 10, t_sim: !!float 10.0: $(head -c 150 err)"
printf 'simulation: {t_sim: 10.0}\npopulations:\n  E: {model: iaf_psc_delta, n: !custom 10}\n' > tagbad.yaml
refused "b. an unknown tag (!custom)" tagbad.yaml "$AXON" check tagbad.yaml

# c. sample: dt does not divide the duration, or the burn-in (dt 0.2 divides
#    the sampler's t_ref of 10 ms and the delay, so only these are wrong).
sed 's/dt: 0.1/dt: 0.2/; s/duration: 1.0e5/duration: 1000.1/; s/delay: 0.1/delay: 0.2/' \
  "$bm" > bm_dt.yaml
refused "c. sample: dt 0.2, duration 1000.1" bm_dt.yaml "$AXON" sample -q bm_dt.yaml -o o.h5
grep -q "duration" err || fail "c. the message names the duration: $(head -c 150 err)"
sed 's/dt: 0.1/dt: 0.2/; s/duration: 1.0e5/duration: 1000.0/; s/delay: 0.1/delay: 0.2/; s/burn_in: 500.0/burn_in: 99.9/' \
  "$bm" > bm_bi.yaml
refused "c. sample: dt 0.2, burn_in 99.9" bm_bi.yaml "$AXON" sample -q bm_bi.yaml -o o.h5
sed 's/duration: 1.0e5/duration: 1000.0/' "$bm" > bm_ok.yaml
OMP_NUM_THREADS=1 "$AXON" sample -q bm_ok.yaml -o o.h5 --duration 500.05 >out 2>err
[ $? -eq 2 ] && grep -q -- "--duration 500.05 ms is not a multiple of dt" err && pass "c. sample --duration 500.05 refused" \
  || fail "c. sample --duration 500.05 (dt 0.1): $(head -c 150 err)"
rm -f o.h5

# d. calibrate: dt does not divide the duration.
sed 's/dt: 0.01/dt: 0.2/; s/duration: 1.0e5/duration: 1000.1/; s/num_samples: 150/num_samples: 10/' \
  sampler_tutorial.yaml > cal_dt.yaml
refused "d. calibrate: dt 0.2, duration 1000.1" cal_dt.yaml "$AXON" calibrate -q cal_dt.yaml -o o.json --range -53 -47
grep -q "duration" err || fail "d. the message names the duration: $(head -c 150 err)"
sed 's/dt: 0.01/dt: 0.2/; s/duration: 1.0e5/duration: 1000.0/; s/burn_in: 500.0/burn_in: 99.9/; s/num_samples: 150/num_samples: 10/' \
  sampler_tutorial.yaml > cal_bi.yaml
refused "d. calibrate: dt 0.2, burn_in 99.9" cal_bi.yaml "$AXON" calibrate -q cal_bi.yaml -o o.json --range -53 -47
rm -f o.json o.h5

# e. sample: bad checkpoints.
sed 's/duration: 1.0e5/duration: 1000.0\n  checkpoints: [-5.0, 100.0, 50.0, 5.0e9]/' "$bm" > bm_ck.yaml
refused "e. sample: checkpoints [-5, 100, 50, 5e9]" bm_ck.yaml "$AXON" sample -q bm_ck.yaml -o o.h5
rm -f o.h5

# f. a bias of 1e300.
sed 's/biases: \[0.0555/biases: [1.0e300/; s/duration: 1.0e5/duration: 2000.0/' "$bm" > bm_bias.yaml
OMP_NUM_THREADS=1 timeout -k 5 60 "$AXON" sample -q bm_bias.yaml -o bias.h5 >out 2>err
rc=$?
if [ $rc -eq 2 ] && grep -q 'bm_bias.yaml:[0-9]*:[0-9]*:' err; then pass "f. bias 1e300: refused: $(head -c 150 err)"
elif [ $rc -eq 0 ] && p=$(h5py 'print(h5py.File(sys.argv[1], "r")["distributions/marginal_sim"][0])' bias.h5) &&
     awk -v p="$p" 'BEGIN {exit !(p > 0.9)}'; then pass "f. bias 1e300: unit 0 on with p $p"
else fail "f. bias 1e300: exit $rc, p(unit 0) = ${p:-?} (want refused or > 0.9)"; show err; fi
rm -f bias.h5

# g. iaf_cond_exp, E_L 1e30.
printf 'simulation: {t_sim: 10.0}\npopulations:\n  E: {model: iaf_cond_exp, n: 1, params: {E_L: 1.0e30}}\ndevices:\n  s: {model: spike_recorder, sources: [E]}\n' > cond.yaml
"$AXON" check cond.yaml >out 2>err
rc_c=$?
OMP_NUM_THREADS=1 timeout -k 5 60 "$AXON" run -q cond.yaml -o cond.h5 >out 2>err
rc=$?
if [ $rc -eq 2 ] && [ $rc_c -eq 2 ] && grep -q 'cond.yaml:[0-9]*:[0-9]*:' err; then pass "g. iaf_cond_exp E_L 1e30: refused"
elif [ $rc -eq 0 ] && n=$(h5py 'f = h5py.File(sys.argv[1], "r"); print(len(f["spikes/E/timestamps"]) if "E" in f["spikes"] else 0)' cond.h5) &&
     [ "$n" -ge 2 ]; then pass "g. iaf_cond_exp E_L 1e30: keeps spiking ($n spikes)"
else fail "g. iaf_cond_exp E_L 1e30: check exit $rc_c, run exit $rc, ${n:-?} spike(s) in 10 ms (t_ref 2 ms): V froze"; fi
rm -f cond.h5
# g2. A solver failure the spec cannot foresee (I_e 1e30 pA): the run stops
#     with the reason, as NEST's GSLSolverFailure, instead of a frozen neuron.
printf 'simulation: {t_sim: 10.0}\npopulations:\n  E: {model: iaf_cond_exp, n: 1, params: {I_e: 1.0e30}}\ndevices:\n  s: {model: spike_recorder, sources: [E]}\n' > cond2.yaml
OMP_NUM_THREADS=1 timeout -k 5 60 "$AXON" run -q cond2.yaml -o cond2.h5 >out 2>err
rc=$?
if [ $rc -eq 2 ] && grep -q "solver gave up" err && [ ! -e cond2.h5 ]; then pass "g2. iaf_cond_exp I_e 1e30: $(head -c 150 err)"
else fail "g2. iaf_cond_exp I_e 1e30: exit $rc (want 2, 'the ODE solver gave up', no output): $(head -c 150 err)"; fi
rm -f cond2.h5*

# h. /dev/zero as a spec.
(vlimit 1048576; timeout -k 5 30 "$AXON" check /dev/zero >out 2>err)
rc=$?
if [ $rc -eq 2 ] && ! grep -qi "out of memory" err && grep -qi "regular file" err; then pass "h. /dev/zero: $(head -c 150 err)"
else fail "h. spec /dev/zero: exit $rc: $(head -c 150 err) (want 2, 'not a regular file')"; fi

# h2. A spec through a pipe (/dev/stdin) is read once: `axon check` finds its
#     kind and loads it from the same bytes (it read the pipe twice: "the file
#     is empty").
cat "$top_srcdir/examples/brunel_small.yaml" | "$AXON" check /dev/stdin >out 2>err
rc=$?
if [ $rc -eq 0 ] && grep -q "is a valid network spec" out; then pass "h2. a spec through a pipe: valid"
else fail "h2. a spec through a pipe (cat spec | axon check /dev/stdin): exit $rc: $(head -c 150 err)"; fi

# i. calibration path is a directory.
mkdir caldir
"$PYTHON" - "$bm" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
open("bm_dir.yaml", "w").write(re.sub(r"  calibration:\n(    .*\n)+", "  calibration: caldir\n", t))
EOF
OMP_NUM_THREADS=1 timeout -k 5 60 "$AXON" sample -q bm_dir.yaml -o o.h5 >out 2>err
rc=$?
if [ $rc -eq 2 ] && ! grep -qi "out of memory" err && grep -qi "directory" err; then pass "i. calibration: a directory: $(head -c 150 err)"
else fail "i. calibration path is a directory: exit $rc: $(head -c 200 err)"; fi
rm -f o.h5

# j. -o without a file name.
printf 'simulation: {t_sim: 10.0}\npopulations:\n  E: {model: iaf_psc_delta, n: 1}\n' > t.yaml
OMP_NUM_THREADS=1 "$AXON" run t.yaml -o >out 2>err
rc=$?
if [ $rc -eq 2 ] && ! grep -q "unknown option" err && grep -q -- "-o" err; then pass "j. -o without a name: $(head -c 150 err)"
else fail "j. run SPEC -o: exit $rc: $(head -c 150 err) (want: -o needs a file name)"; fi

# k. --checkpoint-dir is a regular file.
touch afile
OMP_NUM_THREADS=1 "$AXON" run -q t.yaml -o k.h5 --checkpoint-dir afile >out 2>err
rc=$?
if [ $rc -eq 2 ] && grep -qi "not a directory" err && ! grep -q "Permission denied" err; then pass "k. --checkpoint-dir a file: $(head -c 150 err)"
else fail "k. --checkpoint-dir naming a file: exit $rc: $(head -c 160 err) (want 'not a directory')"; fi
rm -f k.h5

# l. --checkpoint-dir that does not exist yet.
OMP_NUM_THREADS=1 "$AXON" run -q t.yaml -o l.h5 --checkpoint-dir newck --checkpoint-every 5ms >out 2>err
rc=$?
if [ $rc -eq 0 ] && [ -f newck/ckpt_5ms.h5 ]; then pass "l. --checkpoint-dir newck created, checkpoint written"
else fail "l. --checkpoint-dir newck (parent exists): exit $rc: $(head -c 160 err) (want it created)"; fi
OMP_NUM_THREADS=1 "$AXON" run -q t.yaml -o l2.h5 --checkpoint-dir nope/newck --checkpoint-every 5ms >out 2>err
rc=$?
[ $rc -eq 2 ] && [ ! -e l2.h5 ] && pass "l. --checkpoint-dir with a missing parent: refused" \
  || fail "l. --checkpoint-dir nope/newck: exit $rc"

rel_done
