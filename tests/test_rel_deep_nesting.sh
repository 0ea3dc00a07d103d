#!/bin/sh
# Issue 15 item 8: deeply nested YAML/JSON is refused with a clear error,
# never a crash.
# Promise (docs/spec.md "Errors"; TEAM rules): every bad input is one clear
# message with file:line:col and exit status 2. Before the fix the tree
# builder recursed once per level (io/spec_yaml.c build_node -> build_seq /
# build_map), so ~60,000 levels overflowed the stack: SIGSEGV (exit 139) in
# every command that reads a YAML file.
# Inputs (100,000 levels each, far past any real spec):
#   flow sequences  x: [[[ ... ]]]
#   flow mappings   x: {a: {a: ... 1}}
#   block sequences x:\n  - - - ... 1   (one line)
#   JSON            {"x": [[[ ... ]]]}
# Every command that reads a spec or a file in the spec syntax (check, run,
# sample, calibrate, sweep, sweep check, export) must exit 2 with a
# position, within a hang guard. The limit is AX_YAML_MAX_DEPTH = 64
# levels (axon/yaml.h), aliases included; sweep parameter paths have the
# same limit (their reader was the other recursion in the tree).
. "$(dirname "$0")/rel_lib.sh"

cd "$dir" || exit 1
"$PYTHON" - <<'EOF'
d = 100000
head = "simulation: {t_sim: 1.0}\npopulations:\n  E: {model: iaf_psc_delta, n: 1}\n"
open("seq.yaml", "w").write(head + "x: " + "[" * d + "]" * d + "\n")
open("map.yaml", "w").write(head + "x: " + "{a: " * d + "1" + "}" * d + "\n")
open("block.yaml", "w").write(head + "x:\n  " + "- " * d + "1\n")
open("deep.json", "w").write('{"simulation": {"t_sim": 1.0}, "x": ' + "[" * d + "]" * d + "}\n")
EOF

for f in seq.yaml map.yaml block.yaml deep.json; do
  for cmd in check run sample calibrate sweep "sweep check" export; do
    case $cmd in
      run|sample|sweep) extra="-o out.h5" ;;
      calibrate) extra="-o out.json" ;;
      export) extra="--target nir -o outdir" ;;
      *) extra="" ;;
    esac
    OMP_NUM_THREADS=1 timeout -k 5 60 "$AXON" $cmd "$f" $extra >out 2>err
    rc=$?
    if [ $rc -eq 2 ] && grep -q "$f:[0-9]*:[0-9]*:" err; then
      pass "$cmd $f: $(head -c 140 err)"
    else
      fail "$cmd $f: exit $rc (want 2 with $f:line:col)$( [ $rc -gt 128 ] && echo ", killed by signal $((rc - 128))")"
      show err
    fi
    rm -rf out.h5 out.h5.* out.json outdir
  done
done

# Aliases: a node repeated by an alias counts at the depth of the alias
# (a chain of anchors nests one level per line without brackets), and an
# alias inside the node it names (a cycle) is refused: no walk of the tree
# can recurse without bound or loop.
"$PYTHON" - <<'EOF'
head = "simulation: {t_sim: 1.0}\npopulations:\n  E: {model: iaf_psc_delta, n: 1}\n"
open("chain.yaml", "w").write(head + "a0: &a0 [1]\n" +
    "".join("a%d: &a%d [*a%d]\n" % (k, k, k - 1) for k in range(1, 80)))
open("cycle.yaml", "w").write(head + "x: &c {a: [*c]}\n")
open("d64.yaml", "w").write(head + "x: " + "[" * 63 + "]" * 63 + "\n")
open("d65.yaml", "w").write(head + "x: " + "[" * 64 + "]" * 64 + "\n")
EOF
"$AXON" check chain.yaml >out 2>err
if [ $? -eq 2 ] && grep -q "chain.yaml:[0-9]*:[0-9]*: nesting deeper than" err; then pass "alias chain: $(head -c 140 err)"
else fail "a chain of 80 aliases: want the nesting refused at the alias"; show err; fi
"$AXON" check cycle.yaml >out 2>err
if [ $? -eq 2 ] && grep -q "cycle.yaml:4:[0-9]*: .*cycle" err; then pass "alias cycle: $(head -c 140 err)"
else fail "an alias inside its own node: want a cycle refused with its position"; show err; fi
# The limit: 64 levels (the top-level mapping and 63 brackets) pass the
# reader (then 'x' is an unknown key), 65 do not.
"$AXON" check d64.yaml >out 2>err
if grep -q "unknown key 'x'" err; then pass "64 levels are read"
else fail "64 levels: want the reader to pass them"; show err; fi
"$AXON" check d65.yaml >out 2>err
if [ $? -eq 2 ] && grep -q "d65.yaml:4:[0-9]*: nesting deeper than 64" err; then pass "65 levels refused"
else fail "65 levels: want refused"; show err; fi

# A sweep parameter path of 10^6 components (the sweep reader creates the
# nodes it names): refused with its position, never a deep recursion.
"$PYTHON" - "$top_srcdir/tests/sweep/tiny.yaml" <<'EOF'
import sys
t = open(sys.argv[1]).read()
deep = "sampler." + ".".join(["a"] * 1000000)
t = t.replace("    sampler.params.tau_m: {linspace: [0.5, 2.0, 10]}\n", "    " + deep + ": [1.0, 2.0]\n")
open("sw_path.yaml", "w").write(t)
EOF
timeout -k 5 60 "$AXON" sweep check sw_path.yaml >out 2>err
rc=$?
if [ $rc -eq 2 ] && grep -q "sw_path.yaml:[0-9]*:[0-9]*: .*levels" err; then pass "sweep parameter path of 10^6 levels: $(head -c 140 err)"
else fail "sweep parameter path of 10^6 levels: exit $rc (want 2 with a position)"; show err; fi

rel_done
