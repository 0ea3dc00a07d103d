#!/bin/sh
# The weak-scaling series tools (issue 19 item 3, docs/performance.md
# "Evidence past two cores"): benchmarks/weak_series.sh on 1, 2 and 3 ranks
# of small brunel and lowdeg networks must run, find the spikes of every
# decomposition bitwise equal to 1x1 and write the report; the stats it
# quotes must match what the code allocates and sends: the exchange counts
# (scount, rcount [R] and sdispl, rdispl [R + 1] ints: 16 R + 8 bytes), the
# messages per slice (counts: 2 (R - 1); keys: the ranks sent to plus the
# ranks received from, measured), 4 R count bytes, keys sent = keys received
# and ranks sent to = ranks received from over the job (each non-empty
# message counts once on either side), and synapses growing with R at a
# fixed in-degree (the network grows with the ranks).
set -u
: "${PYTHON:=python3}"
dir=$(mktemp -d "${TMPDIR:-/tmp}/axon-weak.XXXXXX")
trap 'rm -rf "$dir"' EXIT
fail=0
say() { echo "$1: $2"; [ "$1" = PASS ] || fail=1; }

RANKS="1 2 3" KINDS="brunel lowdeg" PER_RANK=600 T_SIM=30 AXON="$AXON" MPIEXEC="${MPIEXEC:-mpirun}" \
  sh "$top_srcdir/benchmarks/weak_series.sh" "$dir" > "$dir/log.txt" 2>&1
rc=$?
[ $rc = 0 ] && say PASS "weak_series.sh exits 0" || say FAIL "weak_series.sh exit $rc: $(cat "$dir/log.txt")"
n=$(grep -c "^PASS: .* vs 1x1: identical" "$dir/log.txt")
[ "$n" = 4 ] && say PASS "4 decompositions bitwise equal to 1x1" || say FAIL "$n of 4 comparisons passed: $(cat "$dir/log.txt")"

"$PYTHON" - "$dir" <<'PY' && say PASS "stats: counts 16R+8 B, messages, count bytes, keys and messages balance, synapses grow with R" || fail=1
import json, os, sys
d, bad = sys.argv[1], []
for kind, ce, ci in (("brunel", 400, 100), ("lowdeg", 4, 1)):
    for R in (1, 2, 3):
        s = json.load(open(os.path.join(d, f"{kind}_r{R}.json")))
        c, t = s["comm"], s["tables"]
        want = {
            "exchange_counts": (t["exchange_counts"]["max"], 16 * R + 8),
            "synapses": (s["synapses"], R * 600 * (ce + ci)),
            "count_bytes_per_slice": (c["count_bytes_per_slice"], 4 * R),
            "alltoall_counts": (c["messages_per_slice"]["alltoall_counts"], 2 * (R - 1)),
            "alltoallv_keys": (c["messages_per_slice"]["alltoallv_keys"]["mean"],
                               c["destinations"]["mean"] + c["sources"]["mean"]),
            "keys sent = received (mean)": (c["keys_sent"]["mean"], c["keys_received"]["mean"]),
            "ranks sent to = received from (mean)": (c["destinations"]["mean"], c["sources"]["mean"]),
        }
        for k, (got, exp) in want.items():
            if abs(got - exp) > 1e-3 * max(1.0, abs(exp)):  # means print with 6 digits
                bad.append(f"{kind} R={R}: {k} = {got}, expected {exp}")
        if c["spikes"]["mean"] <= 0:
            bad.append(f"{kind} R={R}: no spikes to exchange")
        if R > 1 and not 0 < c["destinations"]["mean"] <= R - 1:
            bad.append(f"{kind} R={R}: destinations {c['destinations']['mean']} not in (0, {R - 1}]")
rep = open(os.path.join(d, "report.md")).read()
for kind in ("brunel", "lowdeg"):
    for R in (1, 2, 3):
        if rep.count(f"| {kind} | {R} |") != 4:
            bad.append(f"report.md: not 4 rows for {kind} on {R} ranks")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
exit $fail
