#!/bin/sh
# Issue 15 item 3: huge times never silently do nothing.
# Promise (docs/spec.md "Errors", "Values"): every bad input is one clear
# message with file:line:col and exit status 2; `.inf` is accepted where a
# parameter allows it (a device's stop). A time is converted to steps with
# llround(t / h), which overflows int64 at t/h >= 2^63: before the fix
#   - t_sim: 1e18 (1e19 steps) ran 0 steps and exited 0 (check said valid);
#   - a dc_generator with stop: 1e30 never started while stop: .inf fires
#     (same for other devices' stop);
#   - a spike_generator time of 1e30 ms fired at 0.1 ms;
#   - `axon sample` with duration 1e18 sampled nothing and reported DKL 0,
#     exit 0; `axon calibrate` with duration 1e18 failed with a misleading
#     fit error.
# Expected: a time beyond the step range (e.g. t/h >= 2^62) is refused with
# its position; a finite stop beyond the end of the run acts like .inf.
. "$(dirname "$0")/rel_lib.sh"

# refused WHAT CMD ARGS...: exit 2, a file:line:col position, within the guard.
refused() {
  what=$1; shift
  timeout -k 5 60 "$@" >"$dir/out" 2>"$dir/err"
  rc=$?
  if [ $rc -eq 2 ] && grep -q '\.yaml:[0-9]*:[0-9]*:' "$dir/err"; then
    pass "$what: refused: $(head -c 200 "$dir/err")"
  else
    fail "$what: exit $rc (want 2 with file:line:col)"; show "$dir/err"; show "$dir/out"
  fi
}

# 1. t_sim beyond the step range.
for ts in 1.0e18 1.0e300; do
  printf 'simulation: {t_sim: %s}\npopulations:\n  E: {model: iaf_psc_delta, n: 1}\n' "$ts" \
    > "$dir/tsim.yaml"
  refused "check, t_sim $ts" "$AXON" check "$dir/tsim.yaml"
  refused "run, t_sim $ts" env OMP_NUM_THREADS=1 "$AXON" run -q "$dir/tsim.yaml" -o "$dir/tsim.h5"
  [ -e "$dir/tsim.h5" ] && { fail "run, t_sim $ts: an output file was published"; rm -f "$dir/tsim.h5"; }
done

# 2. A finite stop far beyond the run is the same as .inf, for every device.
mkspec() { # STOP
  cat <<EOF
simulation: {t_sim: 50.0, seed: 7}
populations:
  D: {model: iaf_psc_delta, n: 1, params: {C_m: 1.0, tau_m: 20.0}}
  P: {model: iaf_psc_delta, n: 4}
devices:
  dc: {model: dc_generator, amplitude: 2.0, stop: $1, targets: [D]}
  pg: {model: poisson_generator, rate: 20000.0, weight: 0.5, stop: $1, targets: [P]}
  rec: {model: spike_recorder, sources: [D, P], stop: $1}
EOF
}
mkspec .inf > "$dir/inf.yaml"
mkspec 1.0e30 > "$dir/big.yaml"
axon1 1 run -q "$dir/inf.yaml" -o "$dir/inf.h5" || fail "stop .inf run"
axon1 1 run -q "$dir/big.yaml" -o "$dir/big.h5" || fail "stop 1e30 run"
if out=$(h5py '
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for p in ("D", "P"):
    ta = sorted(a["spikes"][p]["timestamps"][()]) if p in a["spikes"] else []
    tb = sorted(b["spikes"][p]["timestamps"][()]) if p in b["spikes"] else []
    if not len(ta):
        print(f"{p}: no spikes with stop .inf (test network broken)"); sys.exit(1)
    if list(ta) != list(tb):
        print(f"{p}: {len(ta)} spikes with stop .inf, {len(tb)} with stop 1e30"); sys.exit(1)
print("same spikes")' "$dir/inf.h5" "$dir/big.h5"); then
  pass "dc_generator, poisson_generator, spike_recorder: stop 1e30 acts as stop .inf: $out"
else
  fail "stop 1e30 differs from stop .inf: $out"
fi

# 3. A spike time beyond the run never fires (and one beyond the step range
#    is refused or never fires).
printf 'simulation: {t_sim: 50.0}\npopulations:\n  E: {model: iaf_psc_delta, n: 1}\ndevices:\n  sg: {model: spike_generator, spike_times: [1.0e30], weight: 25.0, targets: [E]}\n  s: {model: spike_recorder, sources: [E]}\n' > "$dir/sg.yaml"
axon1 1 run -q "$dir/sg.yaml" -o "$dir/sg.h5" 2>"$dir/err"
rc=$?
if [ $rc -eq 2 ] && grep -q 'sg.yaml:[0-9]*:[0-9]*:' "$dir/err"; then
  pass "spike_generator time 1e30: refused with position"
elif [ $rc -eq 0 ] && n=$(h5py '
f = h5py.File(sys.argv[1], "r")
print(len(f["spikes/E/timestamps"]) if "E" in f["spikes"] else 0)' "$dir/sg.h5") && [ "$n" = 0 ]; then
  pass "spike_generator time 1e30: never fires in a 50 ms run"
else
  fail "spike_generator time 1e30: exit $rc, spikes: $(h5py 'print(h5py.File(sys.argv[1], "r")["spikes/E/timestamps"][()])' "$dir/sg.h5" 2>&1)"
fi

# 4. sample / calibrate durations beyond the step range.
cp "$top_srcdir/examples/sampler_tutorial.yaml" "$dir/"
sed 's/duration: 1.0e5/duration: 1.0e18/' "$top_srcdir/examples/bm_5.yaml" > "$dir/bm.yaml"
refused "sample, duration 1e18" env OMP_NUM_THREADS=1 "$AXON" sample -q "$dir/bm.yaml" -o "$dir/bm.h5"
[ -e "$dir/bm.h5" ] && fail "sample, duration 1e18: an output file was written"
sed 's/duration: 1.0e5/duration: 1.0e18/; s/num_samples: 150/num_samples: 5/' \
  "$top_srcdir/examples/sampler_tutorial.yaml" > "$dir/cal.yaml"
refused "calibrate, duration 1e18" env OMP_NUM_THREADS=1 "$AXON" calibrate -q "$dir/cal.yaml" \
  -o "$dir/cal.json" --range -53 -47
grep -q duration "$dir/err" || fail "calibrate, duration 1e18: the message does not name 'duration'"

# 5. The other time inputs: simulation.flush_interval, --checkpoint-every,
#    sample's --duration override, a start beyond every run.
printf 'simulation: {t_sim: 10.0, flush_interval: 1.0e30}\npopulations:\n  E: {model: iaf_psc_delta, n: 1}\n' \
  > "$dir/flush.yaml"
refused "check, flush_interval 1e30" "$AXON" check "$dir/flush.yaml"
printf 'simulation: {t_sim: 10.0}\npopulations:\n  E: {model: iaf_psc_delta, n: 1}\n' > "$dir/ck.yaml"
mkdir "$dir/ck"
env OMP_NUM_THREADS=1 "$AXON" run -q "$dir/ck.yaml" -o "$dir/ck.h5" --checkpoint-every 1e30ms \
  --checkpoint-dir "$dir/ck" >"$dir/out" 2>"$dir/err"
rc=$?
if [ $rc -eq 2 ] && grep -q -- '--checkpoint-every' "$dir/err" && [ ! -e "$dir/ck.h5" ]; then
  pass "run --checkpoint-every 1e30ms: refused: $(head -c 150 "$dir/err")"
else fail "run --checkpoint-every 1e30ms: exit $rc"; show "$dir/err"; fi
sed 's/duration: 1.0e5/duration: 100.0/' "$top_srcdir/examples/bm_5.yaml" > "$dir/bm2.yaml"
env OMP_NUM_THREADS=1 timeout -k 5 60 "$AXON" sample -q "$dir/bm2.yaml" -o "$dir/bm2.h5" --duration 1e18 \
  >"$dir/out" 2>"$dir/err"
rc=$?
if [ $rc -eq 2 ] && grep -q -- '--duration' "$dir/err" && [ ! -e "$dir/bm2.h5" ]; then
  pass "sample --duration 1e18: refused: $(head -c 150 "$dir/err")"
else fail "sample --duration 1e18: exit $rc"; show "$dir/err"; fi
mkspec .inf | sed 's/stop: \.inf/start: 1.0e30, stop: .inf/' > "$dir/late.yaml"
axon1 1 run -q "$dir/late.yaml" -o "$dir/late.h5" || fail "start 1e30 run"
if n=$(h5py '
f = h5py.File(sys.argv[1], "r")
print(sum(len(f["spikes"][p]["timestamps"]) for p in f["spikes"]))' "$dir/late.h5") && [ "$n" = 0 ]; then
  pass "start 1e30: the devices never start (no spikes)"
else fail "start 1e30: $n spikes (want 0)"; fi

rel_done
