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
# position, within a hang guard.
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

rel_done
