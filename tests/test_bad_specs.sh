#!/bin/sh
# Every spec under tests/bad/ must be refused, by both `axon check` and
# `axon run`, with exit status 2, the expected message fragment on stderr,
# the file:line:col where the loader knows it, and no output file left
# behind. tests/bad/EXPECT lists file|line:col|fragment. Also: a missing
# file, a directory, and (when not root) an unwritable output directory.
: "${top_srcdir:=.}" "${AXON:=./axon}"
BAD="$top_srcdir/tests/bad"
TMP="${TMPDIR:-/tmp}/axon_bad_specs.$$"
mkdir -p "$TMP" || exit 1
trap 'chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
fails=0 n=0

# expect_refusal CMD FILE POS FRAGMENT
expect_refusal() {
  cmd=$1 file=$2 pos=$3 frag=$4
  rm -f bad_out.h5 bad_out.h5.partial*
  "$AXON" "$cmd" "$file" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  n=$((n + 1))
  why=""
  [ "$rc" -eq 2 ] || why="exit status $rc, expected 2"
  grep -qF -- "$frag" "$TMP/err" || why="$why${why:+; }message lacks '$frag'"
  if [ -n "$pos" ]; then
    grep -qF -- "$file:$pos:" "$TMP/err" || why="$why${why:+; }no '$file:$pos:' position"
  fi
  if [ -e bad_out.h5 ] || ls bad_out.h5.partial* >/dev/null 2>&1; then
    why="$why${why:+; }an output file was created"
    rm -f bad_out.h5 bad_out.h5.partial*
  fi
  if [ -n "$why" ]; then
    echo "FAIL: axon $cmd $file: $why"
    sed 's/^/    stderr: /' "$TMP/err"
    fails=$((fails + 1))
  fi
}

count=0
while IFS='|' read -r name pos frag; do
  case "$name" in ''|'#'*) continue ;; esac
  [ -f "$BAD/$name" ] || { echo "FAIL: $BAD/$name listed in EXPECT but missing"; fails=$((fails + 1)); continue; }
  count=$((count + 1))
  for cmd in check run; do expect_refusal "$cmd" "$BAD/$name" "$pos" "$frag"; done
done <"$BAD/EXPECT"

# Every file in tests/bad/ must be listed (no untested bad spec).
for f in "$BAD"/*; do
  b=$(basename "$f")
  [ "$b" = EXPECT ] && continue
  grep -q "^$b|" "$BAD/EXPECT" || { echo "FAIL: $b is not listed in EXPECT"; fails=$((fails + 1)); }
done

for cmd in check run; do
  expect_refusal "$cmd" "$TMP/no_such_spec.yaml" "" "cannot open the spec: No such file or directory"
  expect_refusal "$cmd" "$BAD" "" "is a directory, not a spec file"
done
count=$((count + 2))

# An output directory that exists but is not writable (root may write anywhere).
if [ "$(id -u)" != 0 ]; then
  mkdir -p "$TMP/ro" && chmod 555 "$TMP/ro"
  printf 'simulation: {t_sim: 10.0, output: %s/ro/out.h5}\npopulations:\n  E: {model: iaf_psc_delta, n: 2}\n' "$TMP" >"$TMP/ro_out.yaml"
  for cmd in check run; do
    expect_refusal "$cmd" "$TMP/ro_out.yaml" "1:36" "is not writable"
  done
  [ -e "$TMP/ro/out.h5" ] && { echo "FAIL: output created in read-only dir"; fails=$((fails + 1)); }
  count=$((count + 1))
else
  echo "note: running as root, unwritable-output case skipped (root bypasses permissions)"
fi

echo "$count bad specs, $n refusals checked, $fails failures"
[ "$count" -ge 30 ] || { echo "FAIL: fewer than 30 bad specs"; exit 1; }
[ "$fails" -eq 0 ]
