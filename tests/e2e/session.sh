#!/usr/bin/env bash
# Runs inside `xvfb-run … dbus-run-session` (see run.sh): unlocks a throwaway GNOME Keyring
# before anything can D-Bus-activate one (an auto-activated daemon has no default collection,
# docs/TAURI_RECIPE.md section 7), starts the notification daemon, then runs the specs.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOGS="$SB_E2E_OUT/logs"

mkdir -p "$HOME/.local/share/keyrings" "$HOME/.cache"
eval "$(printf 'e2e-keyring-password' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL="${GNOME_KEYRING_CONTROL:-}"

dunst >"$LOGS/dunst.log" 2>&1 &
DUNST=$!
cleanup() { kill "$DUNST" 2>/dev/null; wait "$DUNST" 2>/dev/null; }
trap cleanup EXIT

# Is the keyring really usable? The specs depend on it; say so early when it is not.
if ! printf probe | secret-tool store --label 'e2e probe' e2e-probe 1 2>>"$LOGS/keyring.log"; then
  msg="warning: the throwaway keyring refused a write (see logs/keyring.log)"
  { echo "$msg" >&3; } 2>/dev/null || echo "$msg" >&2
else
  secret-tool clear e2e-probe 1 2>>"$LOGS/keyring.log"
fi

node "$HERE/harness/main.mjs"
