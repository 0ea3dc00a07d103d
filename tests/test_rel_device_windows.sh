#!/bin/sh
# Issue 15 item 2: device windows are honoured by every device.
# Promise (docs/spec.md, `devices`): "All devices accept start (ms, default 0)
# and stop (ms, default inf): active in (start, stop], as NEST." Before the
# fix only poisson_generator and dc_generator applied them
# (src/sim/devices.c): a spike_generator fired outside its window, and a
# spike_recorder / multimeter with start 50, stop 60 recorded the whole run.
#
# Network (no connections): A0 and A1 get the same spike_generator train
# (5, 25, 55, 85 ms, strong enough for one spike each, delay 1 ms), A0's
# generator with start 20, stop 60; B gets A1's train. NEST semantics:
#   - A0 spikes only for generator spikes t with 20 < t <= 60;
#   - the recorder of B (start 50, stop 60) holds B's spikes in (50, 60];
#   - the multimeter of B (interval 1, start 30, stop 40) has rows at
#     31 .. 40 ms only.
# Expected values are derived from A1's spikes (same input, no window), so
# nothing is hard-coded beyond the windows themselves. NEST's rules
# (collectors take events with start < T <= stop, samplers sample at such T,
# generators emit in that window): nest/nest-simulator
# doc/guides/recording_from_simulations.rst and doc/models/devices (device
# activation "start ... stop relative to origin").
. "$(dirname "$0")/rel_lib.sh"

P='params: {V_th: 20.0, E_L: 0.0, V_reset: 0.0, t_ref: 2.0, tau_m: 20.0, C_m: 1.0}'
cat > "$dir/win.yaml" <<EOF
simulation: {resolution: 0.1, t_sim: 100.0, seed: 1}
populations:
  A: {model: iaf_psc_delta, n: 2, $P}
  B: {model: iaf_psc_delta, n: 1, $P}
devices:
  sg_win: {model: spike_generator, spike_times: [5.0, 25.0, 55.0, 85.0], weight: 25.0,
           delay: 1.0, start: 20.0, stop: 60.0, targets: [{population: A, first: 0, count: 1}]}
  sg_all: {model: spike_generator, spike_times: [5.0, 25.0, 55.0, 85.0], weight: 25.0,
           delay: 1.0, targets: [{population: A, first: 1, count: 1}, B]}
  rec_a: {model: spike_recorder, sources: [A]}
  rec_b: {model: spike_recorder, sources: [B], start: 50.0, stop: 60.0}
  vm: {model: multimeter, record_from: [V_m], interval: 1.0, start: 30.0, stop: 40.0,
       sources: [B]}
EOF

for rt in 1x1 2x1; do
  r=${rt%x*} t=${rt#*x}
  rm -f "$dir/win.h5"
  if ! mpi "$r" "$t" "$AXON" run -q -t "$t" "$dir/win.yaml" -o "$dir/win.h5" 2>"$dir/err"; then
    fail "$rt: axon run failed"; show "$dir/err"; continue
  fi
  h5py '
f = h5py.File(sys.argv[1], "r")
ids, ts = f["spikes/A/node_ids"][()], f["spikes/A/timestamps"][()]
a0, a1 = sorted(ts[ids == 0]), sorted(ts[ids == 1])
ok = True
def short(x):
    x = np.atleast_1d(x).tolist()
    return str(x) if len(x) <= 12 else f"{x[:6]} ... {x[-3:]} ({len(x)} values)"
def check(what, got, want):
    global ok
    good = np.array_equal(np.round(got, 6), np.round(want, 6))
    ok &= bool(good)
    print(("PASS" if good else "FAIL") + f": {sys.argv[2]}: {what}: got {short(got)}, want {short(want)}")
check("A1 (no window) spikes once per generator spike", len(a1), 4)
check("spike_generator start 20 stop 60: A0 spikes", a0, [t for t in a1 if 20 < t - 1.0 <= 60])
b = sorted(f["spikes/B/timestamps"][()]) if "B" in f["spikes"] else []
check("spike_recorder start 50 stop 60: B spikes", b, [t for t in a1 if 50 < t <= 60])
t0, t1, dt = f["report/B/mapping/time"][()]
rows = f["report/B/V_m/data"].shape[0]
times = t0 + dt * np.arange(rows)
check("multimeter start 30 stop 40 interval 1: sample times", times, np.arange(31.0, 41.0))
sys.exit(0 if ok else 1)' "$dir/win.h5" "$rt" || rel_fail=1
done

rel_done
