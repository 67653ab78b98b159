#!/usr/bin/env bash
# The .deb as an operator gets it: installs it with dpkg on this machine, checks
# /usr/bin/switchboard, drives the installed app with the e2e harness (Xvfb, a local demo
# server, sign in, the desk: specs/), then purges the package and checks that nothing it
# installed is left. Needs root (dpkg) and a built .deb (`./dev.sh bundle`; `./dev.sh
# test-bundle` does both).
#
#   tests/bundle/run.sh OUT_DIR     screenshots and logs go to OUT_DIR
#
# Environment: CARGO_TARGET_DIR locates the .deb (release/bundle/deb/) and the server the test
# starts (debug/switchboard-server; E2E_SERVER overrides it).
# The last line is `N passed, N failed` (one count per check).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:-"$ROOT/test-output/bundle"}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/switchboard/target}
INSTALLED=/usr/bin/switchboard
BUDGET_BYTES=$((15 * 1000 * 1000))

passed=0
failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

debs=("$CARGO_TARGET_DIR"/release/bundle/deb/*.deb)
if [ ! -f "${debs[0]}" ]; then
  fail "no .deb in $CARGO_TARGET_DIR/release/bundle/deb (run ./dev.sh bundle)"
  finish
fi
deb=${debs[0]}
pkg=$(dpkg-deb -f "$deb" Package)
echo "package $pkg from $deb"

size=$(stat -c %s "$deb")
if [ "$size" -le "$BUDGET_BYTES" ]; then
  ok ".deb is $size bytes, within its 15 MB budget"
else
  fail ".deb is $size bytes, over its 15 MB budget"
fi

# Install. A copy left by an earlier, interrupted run is simply replaced.
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
  echo "note: $pkg was installed already; it is replaced and purged at the end"
fi
if "${sudo[@]}" dpkg -i "$deb" >"$OUT/dpkg-install.log" 2>&1 &&
  [ -x "$INSTALLED" ] && dpkg-query -W -f='${Status}' "$pkg" | grep -q "ok installed"; then
  ok "dpkg -i installs $INSTALLED ($(dpkg-query -W -f='${Version}' "$pkg"))"
else
  fail "dpkg -i did not install $INSTALLED (see $OUT/dpkg-install.log)"
  tail -20 "$OUT/dpkg-install.log"
  finish
fi
dpkg -L "$pkg" >"$OUT/installed-files.txt"
if grep -q '^/usr/share/applications/.*\.desktop$' "$OUT/installed-files.txt" &&
  grep -q "^Exec=switchboard" /usr/share/applications/*.desktop 2>/dev/null; then
  ok "the desktop entry starts switchboard"
else
  fail "no desktop entry that starts switchboard among $(wc -l <"$OUT/installed-files.txt") installed paths"
fi

# The installed binary under Xvfb, signed in to a local demo server (the e2e harness).
E2E_APP=$INSTALLED E2E_SPECS_DIR="$HERE/specs" "$ROOT/tests/e2e/run.sh" "$OUT/e2e" >"$OUT/e2e.log" 2>&1
e2e=$(sed 's/\x1b\[[0-9;]*m//g' "$OUT/e2e.log" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
read -r p _ f _ <<<"${e2e:-0 passed, 1 failed}"
passed=$((passed + p))
failed=$((failed + f))
if [ "$f" -eq 0 ] && [ "$p" -gt 0 ]; then
  echo "ok   the installed app signs in and shows the desk ($e2e; screenshots in $OUT/e2e)"
else
  echo "FAIL the installed app under Xvfb ($e2e; see $OUT/e2e.log and $OUT/e2e/logs)"
  tail -30 "$OUT/e2e.log"
  [ "$p$f" = "00" ] && failed=$((failed + 1))
fi

# Remove: purge, then nothing the package installed (files and links) may be left.
if "${sudo[@]}" dpkg -P "$pkg" >"$OUT/dpkg-purge.log" 2>&1 &&
  ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "installed"; then
  ok "dpkg -P $pkg purges the package"
else
  fail "dpkg -P $pkg (see $OUT/dpkg-purge.log)"
fi
left=()
while IFS= read -r f; do
  if [ -f "$f" ] || [ -L "$f" ]; then left+=("$f"); fi
done <"$OUT/installed-files.txt"
if [ ! -e "$INSTALLED" ] && [ ${#left[@]} -eq 0 ]; then
  ok "nothing of the package is left ($(grep -c . "$OUT/installed-files.txt") paths checked, $INSTALLED gone)"
else
  fail "left after purge: ${left[*]:-$INSTALLED}"
fi
finish
