#!/usr/bin/env bash
# End-to-end tests of Switchboard: the real app binary under Xvfb, driven through tauri-driver +
# WebKitWebDriver, against a real switchboard-server with the demo company, with a throwaway
# GNOME Keyring on a private D-Bus session (docs/TAURI_RECIPE.md).
#
#   tests/e2e/run.sh OUT_DIR        screenshots, logs and results go to OUT_DIR
#
# Environment: CARGO_TARGET_DIR (default ~/.cache/switchboard/target) locates the binaries
# (E2E_APP / E2E_SERVER override them);
# E2E_BUILD=1 builds the UI, the server and the app first; E2E_ONLY=substring runs only the cases
# whose name contains it; E2E_KEEP=1 keeps the throwaway HOME (printed) for inspection.
# The last line of the output is always `N passed, N failed` (one count per case); the exit
# status is non-zero when any case failed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:-"$ROOT/test-output/e2e"}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -rf "$OUT"/*.png "$OUT/logs" "$OUT/planned.txt" "$OUT/results.txt"
mkdir -p "$OUT/logs"

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/switchboard/target}
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
export RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
export PATH="$CARGO_HOME/bin:$PATH"

log() { printf 'e2e: %s\n' "$*" >&2; }

# Prints the summary from what the specs recorded. Cases that never reported (a crash or the
# overall deadline) count as failed, and so does a run that could not start at all.
summary() {
  local planned=0 passed=0 failed
  [ -f "$OUT/planned.txt" ] && planned=$(grep -c . "$OUT/planned.txt")
  [ -f "$OUT/results.txt" ] && passed=$(grep -c '^ok ' "$OUT/results.txt")
  if [ "$planned" -eq 0 ]; then planned=1; fi
  failed=$((planned - passed))
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

fail_setup() {
  log "$*"
  summary
  exit 1
}

APP=${E2E_APP:-"$CARGO_TARGET_DIR/debug/switchboard"}
SERVER=${E2E_SERVER:-"$CARGO_TARGET_DIR/debug/switchboard-server"}

if [ "${E2E_BUILD:-0}" = 1 ]; then
  log "building the UI, the server and the app"
  if [ -f "$ROOT/ui/package.json" ]; then
    (cd "$ROOT/ui" && npm run --silent build) >"$OUT/logs/build.log" 2>&1 || fail_setup "UI build failed (logs/build.log)"
  fi
  (cd "$ROOT" && cargo build --quiet -p switchboard-server -p switchboard) >>"$OUT/logs/build.log" 2>&1 ||
    fail_setup "cargo build failed (logs/build.log)"
fi

for tool in xvfb-run dbus-run-session gnome-keyring-daemon secret-tool dunst dunstctl xdotool gdbus /usr/bin/python3 tauri-driver /usr/bin/WebKitWebDriver node import; do
  command -v "$tool" >/dev/null 2>&1 || fail_setup "missing tool: $tool (./dev.sh test installs what is needed)"
done
[ -x "$APP" ] || fail_setup "no app binary at $APP (cargo build -p switchboard)"
[ -x "$SERVER" ] || fail_setup "no server binary at $SERVER (cargo build -p switchboard-server)"

# npm ci only when package-lock.json changed since the last install (same rule as dev.sh).
stamp="$HERE/node_modules/.switchboard-lock-sha"
sha=$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sha" ]; then
  log "installing npm packages in tests/e2e"
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) >"$OUT/logs/npm.log" 2>&1 || fail_setup "npm ci failed (logs/npm.log)"
  echo "$sha" >"$stamp"
fi

# A throwaway HOME, set BEFORE dbus-run-session so that the D-Bus-activated services (GNOME
# Keyring, the portal) and WebKit all use it. The toolchain and node stay on the real paths.
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-e2e.XXXXXX")
mkdir -p -m 700 "$RUN_DIR/home" "$RUN_DIR/runtime"
cleanup() {
  if [ "${E2E_KEEP:-0}" = 1 ]; then log "kept $RUN_DIR"; else rm -rf "$RUN_DIR"; fi
}
trap cleanup EXIT

export HOME="$RUN_DIR/home"
export XDG_RUNTIME_DIR="$RUN_DIR/runtime"
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME XDG_STATE_HOME DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY
unset GNOME_KEYRING_CONTROL SSH_AUTH_SOCK SWITCHBOARD_SERVER_URL SWITCHBOARD_SIGN_IN_EMAIL SWITCHBOARD_SIGN_IN_PASSWORD SWITCHBOARD_DATA_DIR
export NO_AT_BRIDGE=1 # no accessibility bus to look for
export SB_E2E_OUT="$OUT" SB_E2E_RUN_DIR="$RUN_DIR" SB_E2E_APP="$APP" SB_E2E_SERVER="$SERVER" SB_E2E_HERE="$HERE"

log "running (output in $OUT)"
START=$(date +%s)
# The whole run is bounded; each wait inside has its own, shorter deadline.
# Progress lines come back on fd 3; the noise of D-Bus, portals and WebKit goes to a log.
timeout --kill-after=10 "${E2E_TIMEOUT:-600}" \
  xvfb-run -a -e "$OUT/logs/xvfb.log" -s "-screen 0 1280x800x24" \
  dbus-run-session -- "$HERE/session.sh" 3>&2 >>"$OUT/logs/session.log" 2>&1
rc=$?
[ "$rc" -eq 124 ] && log "the run hit its overall deadline (${E2E_TIMEOUT:-600} s)"
log "finished in $(($(date +%s) - START)) s (exit $rc)"
summary
