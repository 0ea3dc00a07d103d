#!/bin/sh
# debian-packages.sh WHO PKG...: install those of the Debian packages PKG
# that are missing (apt-get, as root or through sudo), saying so as WHO.
# The one package check of setup.sh (the build's packages) and
# tests/reliability.sh (the same plus its tools). Not root and no sudo:
# prints the command to run and exits 2.
set -eu
who=$1
shift
missing=""
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
echo "$who: installing Debian packages:$missing"
if [ "$(id -u)" = 0 ]; then SUDO=""
elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"
else
  echo "$who: not root and no sudo; run as root:" >&2
  echo "  apt-get update && apt-get install -y$missing" >&2
  exit 2
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
