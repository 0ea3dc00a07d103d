#!/bin/sh
# Issue 15 item 9: the thread count from the environment is bounded and the
# default fits the work.
# Promises: `-t` and simulation.threads accept 1..4096 (src/cli/*.c,
# docs/spec.md); "A setting axon cannot honour is refused, never ignored"
# (TEAM rules); docs/spec.md: threads 0 = OMP_NUM_THREADS (1 if unset).
# Before the fix OMP_NUM_THREADS was taken unchecked through
# omp_get_max_threads(): 100000 crashed (SIGSEGV in GOMP_parallel), 50000
# exited 1 from libgomp ("Thread creation failed"); with it unset axon used
# every core, also for a 5-neuron network.
# Cases:
#   OMP_NUM_THREADS=100000 with check, run, sample, calibrate, sweep: exit 2
#     with a message that names OMP_NUM_THREADS (check agrees with run);
#   OMP_NUM_THREADS unset, a 5-neuron network: /axon threads == 1 (on a
#     1-core machine this cannot fail; CI has 2 cores);
#   the existing limits stay: -t 4097 and simulation.threads 5000 refused.
. "$(dirname "$0")/rel_lib.sh"

cd "$dir" || exit 1
printf 'simulation: {t_sim: 20.0}\npopulations:\n  E: {model: iaf_psc_delta, n: 5}\ndevices:\n  s: {model: spike_recorder, sources: [E]}\n' > t5.yaml
cp "$top_srcdir/examples/sampler_tutorial.yaml" .
sed 's/duration: 1.0e5/duration: 200.0/; s/burn_in: 500.0/burn_in: 10.0/' "$top_srcdir/examples/bm_5.yaml" > bm.yaml
sed 's/duration: 1.0e5/duration: 1000.0/; s/num_samples: 150/num_samples: 10/' sampler_tutorial.yaml > cal.yaml
cat > sw.yaml <<'EOF'
sweep:
  task: calibrate
  base: cal.yaml
  calibration: {prescan: false, v_rest_min: -53.0, v_rest_max: -47.0}
  axes:
    sampler.params.tau_m: [1.0, 2.0]
EOF

# refused_env WHAT CMD...: with OMP_NUM_THREADS=100000, exit 2 naming it.
refused_env() {
  what=$1; shift
  OMP_NUM_THREADS=100000 timeout -k 5 60 "$@" >out 2>err
  rc=$?
  if [ $rc -eq 2 ] && grep -q OMP_NUM_THREADS err; then pass "$what: refused: $(head -c 160 err)"
  else
    fail "$what: exit $rc (want 2 naming OMP_NUM_THREADS)$( [ $rc -gt 128 ] && [ $rc -lt 160 ] && echo ", killed by signal $((rc - 128))")"
    show err
  fi
  rm -rf o.h5 o.h5.* o.json o.h5.journal
}
refused_env "check, OMP_NUM_THREADS=100000" "$AXON" check t5.yaml
refused_env "run, OMP_NUM_THREADS=100000" "$AXON" run -q t5.yaml -o o.h5
refused_env "sample, OMP_NUM_THREADS=100000" "$AXON" sample -q bm.yaml -o o.h5
refused_env "calibrate, OMP_NUM_THREADS=100000" "$AXON" calibrate -q cal.yaml -o o.json --range -53 -47
refused_env "sweep, OMP_NUM_THREADS=100000" "$AXON" sweep -q sw.yaml -o o.h5

# The default for a tiny network is one thread.
env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT "$AXON" run -q t5.yaml -o d.h5 2>err
rc=$?
if [ $rc -ne 0 ]; then fail "OMP_NUM_THREADS unset: exit $rc"; show err
else
  n=$(h5py 'print(int(h5py.File(sys.argv[1], "r")["axon"].attrs["threads"]))' d.h5)
  cores=$(nproc 2>/dev/null || echo '?')
  if [ "$n" = 1 ]; then pass "OMP_NUM_THREADS unset, 5 neurons: 1 thread ($cores cores)"
  else fail "OMP_NUM_THREADS unset, 5 neurons: $n threads ($cores cores); docs/spec.md says 1"; fi
fi

# Limits that already hold.
OMP_NUM_THREADS=1 "$AXON" run -q t5.yaml -o o.h5 -t 4097 >out 2>err
rc=$?
[ $rc -eq 2 ] && pass "-t 4097 refused" || fail "-t 4097: exit $rc"
sed 's/t_sim: 20.0/t_sim: 20.0, threads: 5000/' t5.yaml > t5000.yaml
for cmd in check run; do
  OMP_NUM_THREADS=1 "$AXON" $cmd t5000.yaml $( [ $cmd = run ] && echo "-o o.h5") >out 2>err
  rc=$?
  [ $rc -eq 2 ] && grep -q 't5000.yaml:[0-9]*:[0-9]*:' err && pass "$cmd: simulation.threads 5000 refused with position" \
    || { fail "$cmd: simulation.threads 5000: exit $rc"; show err; }
done

rel_done
