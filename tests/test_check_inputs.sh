#!/bin/sh
# `axon check` validates every input axon takes, with the loader of the
# command that takes it (issue 14 item 4): it accepted only network specs
# and rejected 5 of the 9 files in examples/ (the sampler, BM and sweep
# files: "unknown key 'sampler' in the top level ..."). Checked:
# - every file in examples/ and tests/data/sbs_calibration_example.json: exit 0
#   and the kind it was taken for;
# - a bad file of each kind: check and the command (calibrate, sample,
#   sweep, sweep check) exit 2 with the same message, file:line:col first;
# - an sbs file without a fit is valid for calibrate, and check says
#   axon sample would refuse it.
: "${top_srcdir:=.}" "${AXON:=./axon}"
top_srcdir=$(cd "$top_srcdir" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/axon-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "PASS: $*"; }

kind_of() { # file -> the word check's last line uses for it
  case "$1" in
    *sampler*) echo "sampler file" ;; *bm_5*) echo "Boltzmann machine" ;;
    *sweep*) echo "sweep" ;; *.json) echo "calibration" ;; *) echo "network spec" ;;
  esac
}
for f in "$top_srcdir"/examples/*.yaml "$top_srcdir/tests/data/sbs_calibration_example.json"; do
  if "$AXON" check "$f" > "$tmp/out" 2> "$tmp/err"; then
    k=$(kind_of "$f")
    tail -1 "$tmp/out" | grep -q "is a valid $k" && pass "check $(basename "$f"): $k" \
      || fail "check $(basename "$f") took it for: $(tail -1 "$tmp/out")"
  else
    fail "check $(basename "$f") exited $?: $(cat "$tmp/err")"
  fi
done

# check and the command agree on a bad file: same message after "axon <cmd>: "
agree() { # name, file, command...
  name=$1 file=$2
  shift 2
  "$AXON" check "$file" > /dev/null 2> "$tmp/check.err"
  rc1=$?
  "$@" > /dev/null 2> "$tmp/cmd.err"
  rc2=$?
  m1=$(sed -n 's/^axon check: //p' "$tmp/check.err" | head -1)
  m2=$(sed -n 's/^axon [a-z]*: //p' "$tmp/cmd.err" | head -1)
  if [ $rc1 -eq 2 ] && [ $rc2 -eq 2 ] && [ -n "$m1" ] && [ "$m1" = "$m2" ]; then
    case "$m1" in *"$file":[0-9]*:[0-9]*:*) pass "$name: exit 2 twice, same message: $m1" ;;
      *) fail "$name: message has no file:line:col: $m1" ;; esac
  else
    fail "$name: check rc $rc1 '$m1', command rc $rc2 '$m2'"
  fi
}

cat > "$tmp/sampler.yaml" <<'EOF'
sampler:
  model: IF_cond_exp
  params: {cm: 0.2, tau_m: 1.0, v_rest: -50.0, tau_refrac: 10.0, tau_mm: 3}
  background: {excitatory: {rate: 3000.0, weight: 0.001}}
EOF
agree "sampler file" "$tmp/sampler.yaml" "$AXON" calibrate "$tmp/sampler.yaml" -o "$tmp/c.json"

sed 's/"NeuronParametersConductanceExponential"/"ConductanceExponentialRandomRefractory"/' \
  "$top_srcdir/tests/data/sbs_calibration_example.json" > "$tmp/rtr.json"
agree "calibration (calibrate)" "$tmp/rtr.json" "$AXON" calibrate "$tmp/rtr.json" -o "$tmp/c.json"

cat > "$tmp/bm.yaml" <<EOF
boltzmann_machine:
  weights: [[0, 0.5], [0.5, 0]]
  biases: [0.0, 0.1]
  calibration: $top_srcdir/tests/data/sbs_calibration_example.json
  synapses: plastic
simulation: {dt: 0.1, duration: 100.0}
EOF
agree "Boltzmann machine" "$tmp/bm.yaml" "$AXON" sample "$tmp/bm.yaml" -o "$tmp/b.h5"
sed "s|calibration: .*|calibration: $tmp/rtr.json|; s/plastic/static/" "$tmp/bm.yaml" > "$tmp/bm2.yaml"
agree "Boltzmann machine, its calibration" "$tmp/bm2.yaml" "$AXON" sample "$tmp/bm2.yaml" -o "$tmp/b.h5"

bad="$top_srcdir/tests/sweep/bad_spec.yaml"
agree "sweep" "$bad" "$AXON" sweep "$bad" -o "$tmp/s.h5"
agree "sweep (sweep check)" "$bad" "$AXON" sweep check "$bad"

# an sbs file before calibration: calibrate takes it, sample does not
"${PYTHON:-python3}" - "$top_srcdir/tests/data/sbs_calibration_example.json" "$tmp/nofit.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["calibration"]["fit"] = None
c["calibration"]["samples_p_on"] = None
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY
"$AXON" check "$tmp/nofit.json" > "$tmp/out" 2>&1 && grep -q "not calibrated: axon sample refuses" "$tmp/out" \
  && pass "an sbs file without a fit: valid for calibrate, check says sample would refuse it" \
  || fail "uncalibrated sbs file: $(cat "$tmp/out")"

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failures"
exit $((fails > 0))
