#!/bin/sh
# axon export --target dynapse end to end: a one-chip Brunel network
# exports spec.json/weights.h5/load_dynapse.py, the loader compiles and
# loads matrices that match the network's connections within the 4-bit
# quantisation, --simulate reports rates of the LIF original and the DPI
# variant (both firing), and limits fail with exit 2 naming the limit,
# leaving nothing behind (tags for brunel_small, fan-in with neuron ids).
set -u
AXON="${AXON:-./axon}"
PY="${PYTHON:-python3}"
# the system interpreter has h5py/numpy where a venv on PATH may not
[ -z "${PYTHON:-}" ] && [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
SRC="${top_srcdir:-.}"
T=$(mktemp -d "${TMPDIR:-/tmp}/axon_dynap.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$AXON" export --help | grep -q "dynapse (Rockpool" || fail "help text"
"$AXON" export --target dynapse "$SRC/tests/data/dynapse_brunel.yaml" -o "$T/dx" --simulate -t 1 > "$T/dx.log" \
  || { cat "$T/dx.log"; fail "dynapse export"; }
for f in spec.json weights.h5 load_dynapse.py report.txt simulate.txt; do
  [ -f "$T/dx/$f" ] || fail "missing $f"
done
grep -q "limit check of the written spec: passed" "$T/dx/report.txt" || fail "checker line"
grep -q "placement: 3 cores on 1 chips" "$T/dx/report.txt" || fail "placement"
grep -q "projection 0 E -> E: 16000 synapses, max" "$T/dx/report.txt" || fail "quantisation error"
# both networks fire
awk '$1=="E"||$1=="I"{ if ($2 <= 1 || $3 <= 1) bad=1; n++ } END { exit (n==2 && !bad) ? 0 : 1 }' "$T/dx/simulate.txt" \
  || { cat "$T/dx/simulate.txt"; fail "simulate rates"; }
"$PY" -m py_compile "$T/dx/load_dynapse.py" || fail "load_dynapse.py is not valid Python"
"$AXON" export --target nir "$SRC/tests/data/dynapse_brunel.yaml" -o "$T/nir" --allow-approx > /dev/null || fail "nir export"
if "$PY" -c "import h5py, numpy" 2>/dev/null; then
  "$PY" "$SRC/tests/test_dynapse_files.py" "$T/dx" "$T/nir/network.nir" || fail "matrices"
else
  echo "SKIP loader check: no h5py/numpy"
fi
# brunel_small needs 3750 tags: exit 2, the limit named, nothing written
"$AXON" export --target dynapse "$SRC/examples/brunel_small.yaml" -o "$T/bad" 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "tags: 1250 input channels" "$T/err" && [ ! -e "$T/bad" ] && ! ls -d "$T"/bad.partial* >/dev/null 2>&1 \
  || { cat "$T/err"; fail "tag limit (rc $rc)"; }
# fan-in 81 > 64 names the neurons; --allow-approx trims and lists it
cat > "$T/fan.yaml" <<'YAML'
simulation: {resolution: 0.1, t_sim: 50, seed: 3}
populations:
  A: {model: iaf_psc_exp, n: 80}
  B: {model: iaf_psc_exp, n: 10}
projections:
  - {source: A, target: B, rule: all_to_all, weight: 20.0, delay: 1.0}
  - {source: B, target: B, rule: one_to_one, weight: 50.0, delay: 1.0}
YAML
"$AXON" export --target dynapse "$T/fan.yaml" -o "$T/bad" 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "fan-in: 10 neuron(s) have more than 64 CAM entries" "$T/err" && grep -q "80 (81)" "$T/err" \
  && [ ! -e "$T/bad" ] || { cat "$T/err"; fail "fan-in limit (rc $rc)"; }
"$AXON" export --target dynapse "$T/fan.yaml" -o "$T/fan" --allow-approx > /dev/null || fail "allow-approx"
grep -q "approximations taken (--allow-approx): 1" "$T/fan/report.txt" || fail "approximation not listed"
# unsupported model and unequal delays
sed '/one_to_one/s/delay: 1.0/delay: 2.0/' "$T/fan.yaml" | sed 's/n: 80}/n: 8}/' > "$T/delay.yaml"
"$AXON" export --target dynapse "$T/delay.yaml" -o "$T/bad" 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "no per-synapse delays" "$T/err" || { cat "$T/err"; fail "delay limit (rc $rc)"; }
sed 's/iaf_psc_exp, n: 10/iaf_cond_exp, n: 10/' "$T/delay.yaml" > "$T/cond.yaml"
"$AXON" export --target dynapse "$T/cond.yaml" -o "$T/bad" --allow-approx 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "iaf_cond_exp of population B has no Dynap-SE2 translation" "$T/err" || fail "model refused (rc $rc)"
# spike_source_array populations are not Dynap-SE2 input channels: refused, named
printf 'simulation: {resolution: 0.1, t_sim: 10}\npopulations:\n  S: {model: spike_source_array, n: 2}\n  P: {model: iaf_psc_exp, n: 2}\nprojections:\n  - {source: S, target: P, rule: one_to_one, weight: 5.0, delay: 1.0}\n' > "$T/src.yaml"
"$AXON" export --target dynapse "$T/src.yaml" -o "$T/bad" --allow-approx 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "population S: spike_source_array populations are not exported" "$T/err" \
  || { cat "$T/err"; fail "spike source population not refused (rc $rc)"; }
echo "ok"
