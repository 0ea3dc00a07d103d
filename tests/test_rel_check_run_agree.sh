#!/bin/sh
# Issue 15 item 10: `axon check` and `axon run` agree.
# Promise (docs/spec.md): "Both load it with the same code, so a spec that
# passes `axon check` is never refused by `axon run` for its content";
# every problem is reported once, before anything is allocated, as
# file:line:col: message, exit 2. Before the fix `check` accepted specs that
# `run` then refused without a position (or with exit 1), the memory
# estimate left out per-model tables, the refractory step count wrapped at
# 2^31, and the documented default V_min = -inf was refused when written.
#
# Part A: every spec in tests/bad/: check and run both exit 2 with the same
#   message (after the "axon check:"/"axon run:" prefix), including the
#   file:line:col where there is one.
# Part B: the issue's cases (written here; every `axon run` runs under
#   `ulimit -v` 4 GiB so a run that allocates what check did not count
#   fails fast instead of taking the shared machine's memory):
#     resolution 1e-12, t_ref 1e300, delay 1e20, multimeter interval 1e20,
#     record_from [V_m, V_m], two multimeters on one population, Poisson
#     rate 1e300, fixed_total_number without multapses
#   -> check and run both exit 2 with the same file:line:col message.
#   Also one neuron onto itself without autapses (fixed_indegree,
#   fixed_outdegree, fixed_total_number), refused by src/connect only.
#   t_ref = 2^32 + 2 steps -> either both refuse with a position, or both
#     accept and the neuron (driven to fire at every chance) spikes once.
#   t_ref 214748364.8 ms with refractory_input (2^31 steps of a decay table)
#     -> check refuses, or its memory estimate is at least 16 GiB.
#   t_ref 1e8 ms with refractory_input (1e9 steps: 8 GB) -> the estimate
#     counts it; without refractory_input no table -> run fits 4 GiB.
#   V_min: -.inf (docs/models.md: default -inf) -> check and run exit 0.
. "$(dirname "$0")/rel_lib.sh"

cd "$dir" || exit 1
VMEM=4194304 # KiB

# msg FILE: the first line of stderr without the command prefix.
msg() { head -1 "$1" | sed 's/^axon [a-z]*: //'; }

# both SPEC: run check and run (run under ulimit); sets rc_c, rc_r, files.
both() {
  "$AXON" check "$1" >c.out 2>c.err
  rc_c=$?
  (vlimit $VMEM; OMP_NUM_THREADS=1 timeout -k 5 60 "$AXON" run -q "$1" -o o.h5 >r.out 2>r.err)
  rc_r=$?
  rm -rf o.h5 o.h5.partial*
}

agree_refuse() { # WHAT SPEC [needpos]
  what=$1 spec=$2
  both "$spec"
  why=""
  [ $rc_c -eq 2 ] || why="check exit $rc_c"
  [ $rc_r -eq 2 ] || why="$why${why:+; }run exit $rc_r"
  [ "$(msg c.err)" = "$(msg r.err)" ] || why="$why${why:+; }different messages"
  if [ "${3:-pos}" = pos ]; then
    grep -q "$spec:[0-9]*:[0-9]*:" c.err || why="$why${why:+; }check gives no position"
    grep -q "$spec:[0-9]*:[0-9]*:" r.err || why="$why${why:+; }run gives no position"
  fi
  if [ -z "$why" ]; then pass "$what: $(msg c.err | head -c 150)"
  else
    fail "$what: $why"
    echo "    check: $(head -c 200 c.err)"; echo "    run:   $(head -c 200 r.err)"
  fi
}

# Part A.
nA=0
for f in "$top_srcdir"/tests/bad/*; do
  b=$(basename "$f")
  [ "$b" = EXPECT ] && continue
  pos=$(awk -F'|' -v n="$b" '$1 == n {print $2}' "$top_srcdir/tests/bad/EXPECT")
  cp "$f" "$b"
  if [ -n "$pos" ]; then agree_refuse "tests/bad/$b" "$b" pos >part_a.txt
  else agree_refuse "tests/bad/$b" "$b" nopos >part_a.txt; fi
  grep -q '^FAIL' part_a.txt && cat part_a.txt
  nA=$((nA + 1))
done
echo "part A: $nA specs of tests/bad checked"

# Part B.
P='C_m: 1.0, tau_m: 20.0, V_th: 20.0, E_L: 0.0, V_reset: 0.0'
spec() { printf '%s\n' "$2" > "$1.yaml"; }
spec res_tiny "simulation: {resolution: 1.0e-12, t_sim: 1.0e-9}
populations:
  E: {model: iaf_psc_delta, n: 1}"
spec t_ref_huge "simulation: {t_sim: 10.0}
populations:
  E: {model: iaf_psc_delta, n: 1, params: {t_ref: 1.0e+300}}"
spec delay_huge "simulation: {t_sim: 10.0}
populations:
  E: {model: iaf_psc_delta, n: 2}
projections:
  - {source: E, target: E, rule: all_to_all, weight: 0.1, delay: 1.0e+20}"
spec interval_huge "simulation: {t_sim: 10.0}
populations:
  E: {model: iaf_psc_delta, n: 2}
devices:
  vm: {model: multimeter, record_from: [V_m], interval: 1.0e+20, sources: [E]}"
spec record_twice "simulation: {t_sim: 10.0}
populations:
  E: {model: iaf_psc_delta, n: 2}
devices:
  vm: {model: multimeter, record_from: [V_m, V_m], interval: 1.0, sources: [E]}"
spec two_meters "simulation: {t_sim: 10.0}
populations:
  E: {model: iaf_psc_delta, n: 2}
devices:
  vm1: {model: multimeter, record_from: [V_m], interval: 1.0, sources: [E]}
  vm2: {model: multimeter, record_from: [V_m], interval: 2.0, sources: [E]}"
spec rate_huge "simulation: {t_sim: 10.0}
populations:
  E: {model: iaf_psc_delta, n: 2}
devices:
  pg: {model: poisson_generator, rate: 1.0e+300, weight: 0.1, targets: [E]}"
spec total_no_multapses "simulation: {t_sim: 10.0}
populations:
  E: {model: iaf_psc_delta, n: 5}
projections:
  - {source: E, target: E, rule: fixed_total_number, N: 3, allow_multapses: false, weight: 0.1, delay: 1.0}"
# Found beyond the issue's list (every run-time refusal of src/connect has
# its twin in the spec now): one neuron onto itself without autapses has no
# pair to draw.
for r in "fixed_indegree, indegree: 1" "fixed_outdegree, outdegree: 1" "fixed_total_number, N: 1"; do
  spec "self_$(echo "$r" | cut -d, -f1)" "simulation: {t_sim: 10.0}
populations:
  E: {model: iaf_psc_delta, n: 1}
projections:
  - {source: E, target: E, rule: $r, allow_autapses: false, weight: 0.1, delay: 1.0}"
done
# The synapse packs target index and delay into 31 bits (src/engine/network.c):
# 2^20 + 1 neurons on one thread with delays of 1024 steps need 32.
spec packing "simulation: {t_sim: 1.0, threads: 1}
populations:
  E: {model: iaf_psc_delta, n: 1048577}
projections:
  - {source: E, target: E, rule: one_to_one, weight: 0.1, delay: 102.4}"
for c in res_tiny t_ref_huge delay_huge interval_huge record_twice two_meters rate_huge total_no_multapses \
         self_fixed_indegree self_fixed_outdegree self_fixed_total_number packing; do
  agree_refuse "$c" "$c.yaml"
done

# t_ref of 2^32 + 2 steps (h = 1 ms): no wrap to 2 steps.
spec t_ref_wrap "simulation: {resolution: 1.0, t_sim: 30.0}
populations:
  E: {model: iaf_psc_delta, n: 1, params: {$P, t_ref: 4294967298.0, I_e: 1000.0}}
devices:
  s: {model: spike_recorder, sources: [E]}"
"$AXON" check t_ref_wrap.yaml >c.out 2>c.err
rc_c=$?
(vlimit $VMEM; OMP_NUM_THREADS=1 timeout -k 5 60 "$AXON" run -q t_ref_wrap.yaml -o w.h5 >r.out 2>r.err)
rc_r=$?
if [ $rc_c -eq 2 ] && [ $rc_r -eq 2 ] && [ "$(msg c.err)" = "$(msg r.err)" ] && grep -q 't_ref_wrap.yaml:[0-9]*:[0-9]*:' c.err; then
  pass "t_ref 2^32+2 steps: both refuse: $(msg c.err | head -c 150)"
elif [ $rc_c -eq 0 ] && [ $rc_r -eq 0 ]; then
  n=$(h5py 'f = h5py.File(sys.argv[1], "r"); print(len(f["spikes/E/timestamps"]) if "E" in f["spikes"] else 0)' w.h5)
  [ "$n" = 1 ] && pass "t_ref 2^32+2 steps: one spike in 30 ms" \
    || fail "t_ref 2^32+2 steps: $n spikes in 30 ms (refractory count wrapped)"
else
  fail "t_ref 2^32+2 steps: check exit $rc_c, run exit $rc_r (under ulimit -v $VMEM KiB)"
  echo "    check: $(head -c 200 c.err)"; echo "    run:   $(head -c 200 r.err)"
fi
rm -f w.h5 w.h5.partial*

# The memory estimate counts the refractory decay table (never run: 16 GiB).
spec t_ref_table "simulation: {t_sim: 10.0}
populations:
  E: {model: iaf_psc_delta, n: 1, params: {t_ref: 214748364.8, refractory_input: true}}"
"$AXON" check t_ref_table.yaml >c.out 2>c.err
rc_c=$?
est=$(sed -n 's/^estimated memory per rank: \([0-9.]*\) \([KMGT]i*B\).*/\1 \2/p' c.out)
gib=$(echo "$est" | awk '{m = ($2 ~ /^T/) ? 1024 : ($2 ~ /^G/) ? 1 : ($2 ~ /^M/) ? 1/1024 : 1/1048576; print $1 * m}')
if [ $rc_c -eq 2 ] && grep -q 't_ref_table.yaml:[0-9]*:[0-9]*:' c.err; then
  pass "t_ref table of 2^31 doubles: check refuses: $(msg c.err | head -c 150)"
elif [ $rc_c -eq 0 ] && awk -v g="${gib:-0}" 'BEGIN {exit !(g >= 16)}'; then
  pass "t_ref table of 2^31 doubles: estimate $est"
else
  fail "t_ref table of 2^31 doubles (16 GiB): check exit $rc_c, estimate '${est:-none}'"
fi

# V_min = -inf, the documented default, written out.
spec v_min_inf "simulation: {t_sim: 10.0}
populations:
  E: {model: iaf_psc_delta, n: 1, params: {V_min: -.inf}}"
both v_min_inf.yaml
if [ $rc_c -eq 0 ] && [ $rc_r -eq 0 ]; then pass "V_min: -.inf accepted by check and run"
else fail "V_min: -.inf (docs/models.md default): check exit $rc_c, run exit $rc_r: $(head -c 150 c.err)"; fi

# The table is counted where it exists: t_ref of 1e9 steps with
# refractory_input (8 GB of doubles per thread) -> check estimates >= 7 GiB;
# without refractory_input no table is allocated -> run passes under the
# 4 GiB ulimit (before: the 8 GB table was allocated anyway, "out of
# memory allocating neurons").
spec t_ref_table8 "simulation: {t_sim: 10.0}
populations:
  E: {model: iaf_psc_delta, n: 1, params: {t_ref: 100000000.0, refractory_input: true}}"
"$AXON" check t_ref_table8.yaml >c.out 2>c.err
est=$(sed -n 's/^estimated memory per rank: \([0-9.]*\) \([KMGT]i*B\).*/\1 \2/p' c.out)
gib=$(echo "$est" | awk '{m = ($2 ~ /^T/) ? 1024 : ($2 ~ /^G/) ? 1 : ($2 ~ /^M/) ? 1/1024 : 1/1048576; print $1 * m}')
if awk -v g="${gib:-0}" 'BEGIN {exit !(g >= 7)}'; then pass "t_ref table of 1e9 doubles: estimate $est"
else fail "t_ref table of 1e9 doubles (8 GB): estimate '${est:-none}' (want >= 7 GiB)"; fi
spec t_ref_notable "simulation: {t_sim: 10.0}
populations:
  E: {model: iaf_psc_delta, n: 1, params: {t_ref: 100000000.0}}"
both t_ref_notable.yaml
if [ $rc_c -eq 0 ] && [ $rc_r -eq 0 ]; then pass "t_ref of 1e9 steps without refractory_input: no table, run fits 4 GiB"
else fail "t_ref of 1e9 steps without refractory_input: check exit $rc_c, run exit $rc_r: $(head -c 150 r.err)"; fi

rel_done
