#!/bin/sh
# axon export end to end: NIR and SpiNNaker exports of brunel_small, the
# generated script compiles (its connections under real PyNN: test_spinnaker_pynn.py),
# limits are enforced (exit 2 naming the limit), output
# directories are never overwritten or left half-written, and --simulate
# reports rates of the original and of what the board computes.
set -u
AXON="${AXON:-./axon}"
PY="${PYTHON:-python3}"
SRC="${top_srcdir:-.}"
T=$(mktemp -d "${TMPDIR:-/tmp}/axon_export.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# short run for --simulate: same network, 200 ms
sed 's/t_sim: 1000.0/t_sim: 200.0/' "$SRC/examples/brunel_small.yaml" > "$T/b.yaml"

"$AXON" export --help | grep -q -- "--target" || fail "help"
# t_ref = 2 ms has no NIR counterpart: refused (exit 2, population and fix named), nothing written
"$AXON" export --target nir "$T/b.yaml" -o "$T/nir" 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "population E: t_ref = 2 ms" "$T/err" && grep -q -- "--allow-approx" "$T/err" \
  && [ ! -e "$T/nir" ] && [ ! -e "$T/nir.partial" ] || { cat "$T/err"; fail "t_ref not refused (rc $rc)"; }
"$AXON" export --target nir "$T/b.yaml" -o "$T/nir" --allow-approx > "$T/nir.log" || fail "nir export"
grep -q "t_ref = 2 ms has no NIR counterpart" "$T/nir/report.txt" || fail "t_ref not listed in report.txt"
[ -f "$T/nir/inputs.json" ] || fail "inputs.json missing"
[ -f "$T/nir/network.nir" ] && [ -f "$T/nir/report.txt" ] || fail "nir files"
! ls -d "$T"/nir.partial* >/dev/null 2>&1 || fail "partial dir left"
# refuse to overwrite
"$AXON" export --target nir "$T/b.yaml" -o "$T/nir" 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "not empty" "$T/err" || fail "overwrite not refused (rc $rc)"
"$AXON" export --target nir "$T/b.yaml" -o "$T/nir" --force --allow-approx > /dev/null || fail "--force"
# a .nir file is accepted as input and exports again
"$AXON" export --target nir "$T/nir/network.nir" -o "$T/nir2" --allow-approx > /dev/null || fail "nir input"
# axon run simulates a .nir file directly, with the spikes of the spec it came from
"$AXON" run "$T/b.yaml" -t 1 -q -o "$T/from_spec.h5" || fail "run spec"
"$AXON" run "$T/nir/network.nir" -t 1 -q -o "$T/from_nir.h5" || fail "axon run network.nir"
"$PY" "$SRC/tests/compare_h5.py" "$T/from_spec.h5" "$T/from_nir.h5" > /dev/null || fail "run of .nir differs from the spec's run"

"$AXON" export --target spinnaker "$T/b.yaml" -o "$T/sp" --simulate > "$T/sp.log" || { cat "$T/sp.log"; fail "spinnaker export"; }
# 16-bit words per population: brunel_small's E -> E weight 0.1 mV is written as
# 0.1 f = 0.10025 pC (cm 1 nF) on a scale of 2^11 words per unit (M = 10.9)
grep -q "projection 0 E -> E: 100000 synapses, max 0.00152" "$T/sp/report.txt" || fail "computed quantisation error missing"
grep -q "^E " "$T/sp/simulate.txt" && grep -q "^I " "$T/sp/simulate.txt" || fail "simulate rates"
# what the board computes with the written numbers fires like the original (within 5 %)
awk '$1=="E"||$1=="I"{ d = $3 - $2; if (d < 0) d = -d; if ($2 <= 1 || d > 0.05 * $2) bad=1; n++ } END { exit (n==2 && !bad) ? 0 : 1 }' \
  "$T/sp/simulate.txt" || { cat "$T/sp/simulate.txt"; fail "simulated board rates differ from the original"; }
"$PY" -m py_compile "$T/sp/run.py" || fail "run.py is not valid Python"
grep -q "sim.IF_curr_delta" "$T/sp/run.py" && grep -q "SpikeSourcePoisson" "$T/sp/run.py" || fail "script content"
# the connection files are checked against axon's synapses under real PyNN
# by tests/test_spinnaker_pynn.py
# limits: too many neurons per core, a SpiNN-3 board overflow, a failed export leaves nothing
"$AXON" export --target spinnaker "$T/b.yaml" -o "$T/bad" --neurons-per-core 300 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "256" "$T/err" && [ ! -e "$T/bad" ] && ! ls -d "$T"/bad.partial* >/dev/null 2>&1 || fail "npc limit (rc $rc)"
"$AXON" export --target spinnaker "$T/b.yaml" -o "$T/bad" --spinn-version 3 --neurons-per-core 8 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "SpiNN-3" "$T/err" || fail "SpiNN-3 chip limit (rc $rc)"
# a weight that quantises badly is an error, accepted and listed with --allow-approx
"$AXON" export --target spinnaker "$T/b.yaml" -o "$T/bad" --max-rel-error 0.0001 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "quantisation error" "$T/err" || fail "weight error limit (rc $rc)"
"$AXON" export --target spinnaker "$T/b.yaml" -o "$T/ap" --max-rel-error 0.0001 --allow-approx > "$T/ap.log" || fail "allow-approx"
# 4 projections above 1e-4, and E and I: the chip's s16.15 exp_TC moves the input gain by 0.26 %
grep -q "approximations taken (--allow-approx): 6" "$T/ap/report.txt" || fail "approximations not listed"
# per-neuron parameter values: one parameter set per population is written, so refused by name
cat > "$T/pn.yaml" <<'YAML'
simulation: {resolution: 0.1, t_sim: 10}
populations:
  P: {model: iaf_psc_exp, n: 3, params: {tau_m: [10.0, 20.0, 30.0]}}
YAML
"$AXON" export --target spinnaker "$T/pn.yaml" -o "$T/bad" --allow-approx 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "population P: tau_m differs per neuron" "$T/err" && [ ! -e "$T/bad" ] \
  || { cat "$T/err"; fail "per-neuron parameters not refused (rc $rc)"; }
# tsodyks2 projections have no counterpart on any target: refused (exit 2,
# nothing written), exported as static and listed with --allow-approx
sed 's/weight: 0.1, delay: 1.5/weight: 0.1, delay: 1.5, synapse: tsodyks2_synapse/' "$T/b.yaml" > "$T/tso.yaml"
grep -q tsodyks2 "$T/tso.yaml" || fail "could not make the tsodyks2 variant of b.yaml"
"$AXON" export --target nir "$T/tso.yaml" -o "$T/tso" 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "tsodyks2_synapse has no counterpart on --target nir" "$T/err" && [ ! -e "$T/tso" ] \
  || fail "tsodyks2 refusal (rc $rc)"
"$AXON" export --target nir "$T/tso.yaml" -o "$T/tso" --allow-approx > /dev/null 2>&1 || fail "tsodyks2 --allow-approx"
grep -q "tsodyks2_synapse exported as a static" "$T/tso/report.txt" || fail "tsodyks2 approximation not listed"
# STDP projections: NIR and Dynap-SE2 have no plasticity: refused naming the
# projection, exported static of the initial weight and listed with --allow-approx
sed 's/weight: 0.1, delay: 1.5/weight: 0.1, delay: 1.5, synapse: stdp_pl_synapse_hom/' "$T/b.yaml" > "$T/stdp.yaml"
grep -q stdp_pl "$T/stdp.yaml" || fail "could not make the STDP variant of b.yaml"
for tg in nir dynapse; do
  "$AXON" export --target $tg "$T/stdp.yaml" -o "$T/stdp_$tg" 2> "$T/err"; rc=$?
  [ $rc -eq 2 ] && grep -q "projection 0 (E -> E): stdp_pl_synapse_hom has no counterpart on --target $tg" "$T/err" \
    && [ ! -e "$T/stdp_$tg" ] || { cat "$T/err"; fail "STDP refusal on $tg (rc $rc)"; }
done
"$AXON" export --target nir "$T/stdp.yaml" -o "$T/stdp_nir" --allow-approx > /dev/null 2>&1 || fail "STDP --allow-approx"
grep -q "stdp_pl_synapse_hom exported as a static synapse of its initial weight" "$T/stdp_nir/report.txt" \
  || fail "STDP approximation not listed"
# SpiNNaker: stdp_synapse with mu_plus = mu_minus = 0 or 1 is sPyNNaker's
# STDPMechanism (values checked under PyNN by test_spinnaker_pynn.py); no
# approximation needed, the rule and the weight word reported
ST="$SRC/tests/data/spinnaker_stdp.yaml"
"$AXON" export --target spinnaker "$ST" -o "$T/sst" --simulate > /dev/null 2> "$T/err" || { cat "$T/err"; fail "STDP SpiNNaker export"; }
grep -q "approximations: none" "$T/sst/report.txt" \
  && grep -q "projection 1 D -> X: stdp_synapse -> SpikePairRule(tau_plus 12, tau_minus 30, A_plus 0.2, A_minus 0.18) + MultiplicativeWeightDependence" "$T/sst/report.txt" \
  && grep -q "projection 0 D -> D: stdp_synapse -> SpikePairRule(tau_plus 16.8, tau_minus 25, .* + AdditiveWeightDependence" "$T/sst/report.txt" \
  && [ "$(grep -c 'sim.STDPMechanism(' "$T/sst/run.py")" -eq 4 ] || { cat "$T/sst/report.txt"; fail "STDP SpiNNaker report/script"; }
# --simulate keeps the mapped rule (the board's w_max) and fires like the original
[ "$(grep -c 'plastic, sPyNNaker.s pair rule in exact arithmetic' "$T/sst/simulate.txt")" -eq 4 ] \
  || { cat "$T/sst/simulate.txt"; fail "STDP --simulate notes"; }
awk '$1=="D"||$1=="X"||$1=="G"{ d = $3 - $2; if (d < 0) d = -d; if ($2 <= 1 || d > 0.05 * $2) bad=1; n++ } END { exit (n==3 && !bad) ? 0 : 1 }' \
  "$T/sst/simulate.txt" || { cat "$T/sst/simulate.txt"; fail "STDP: simulated board rates differ from the original"; }
# what sPyNNaker cannot express is refused naming the projection and why (exit 2,
# nothing written); with --allow-approx exported as listed
refuse_spinn() { # NAME SPEC PATTERN
  "$AXON" export --target spinnaker "$2" -o "$T/$1" 2> "$T/err"; rc=$?
  [ $rc -eq 2 ] && grep -q -- "$3" "$T/err" && [ ! -e "$T/$1" ] && ! ls -d "$T/$1".partial* >/dev/null 2>&1 \
    || { cat "$T/err"; fail "$1: not refused (rc $rc)"; }
  "$AXON" export --target spinnaker "$2" -o "$T/$1" --allow-approx > /dev/null 2> "$T/err" || { cat "$T/err"; fail "$1 --allow-approx"; }
  grep -q -- "$3" "$T/$1/report.txt" || fail "$1: approximation not listed"
}
refuse_spinn spl "$T/stdp.yaml" "projection 0 (E -> E): stdp_pl_synapse_hom has no sPyNNaker STDPMechanism: its power-law potentiation"
grep -q "projections\['proj0_exc'\] = .*synapse_type=sim.StaticSynapse()" "$T/spl/run.py" || fail "stdp_pl_synapse_hom not static with --allow-approx"
sed 's/mu_plus: 1.0, mu_minus: 1.0/mu_plus: 0.0, mu_minus: 1.0/' "$ST" > "$T/mu.yaml"
refuse_spinn smu "$T/mu.yaml" "projection 1 (D -> X): stdp_synapse has no sPyNNaker STDPMechanism: mu_plus = 0, mu_minus = 1"
# sPyNNaker merges all plastic projections onto a population and requires one rule
sed '/N: 1, weight: 0.8/{n;s/lambda: 0.1,/lambda: 0.15,/}' "$ST" > "$T/two.yaml"
refuse_spinn stwo "$T/two.yaml" "projection 3 (X -> D): .*population D already receives projection 0's STDPMechanism"
grep -q "projections\['proj3_exc'\] = .*synapse_type=sim.StaticSynapse()" "$T/stwo/run.py" \
  && grep -q "projections\['proj0_exc'\] = .*synapse_type=sim.STDPMechanism" "$T/stwo/run.py" || fail "conflicting rule not static"
sed 's/Wmax: 100.0}/Wmax: 100.0, Kplus: 0.5}/' "$ST" > "$T/kp.yaml"
refuse_spinn skp "$T/kp.yaml" "projection 1 (D -> X): Kplus = 0.5, but sPyNNaker's presynaptic trace starts at 0"
# a single pair's change below the 16-bit weight word is lost on the board
sed 's/lambda: 0.3,/lambda: 1e-05,/' "$ST" > "$T/lsb.yaml"
refuse_spinn slsb "$T/lsb.yaml" "projection 2 (D -> G): the board truncates plastic weights to 16-bit words"
echo "ok"
