#!/usr/bin/env bash
# The browser tests: type-checks widget/widget.js (tsc --checkJs), then runs widget.test.mjs
# (the LiveChat widget) and embed.test.mjs (the iframe integration's view) in headless Chromium
# (apt `chromium`) against the real server.
#   tests/widget/run.sh [OUT_DIR]     last line: `N passed, N failed`
# Env: CARGO_TARGET_DIR locates the server (default ~/.cache/switchboard/target), or SERVER;
# SCREENSHOT=docs/livechat-widget.png also writes the docs screenshot.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:-"$ROOT/test-output/widget"}
mkdir -p "$OUT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/switchboard/target}
export SERVER=${SERVER:-"$CARGO_TARGET_DIR/debug/switchboard-server"}
[ -x "$SERVER" ] || { echo "no server binary at $SERVER (cargo build -p switchboard-server)"; echo "0 passed, 1 failed"; exit 1; }
command -v "${CHROMIUM:-chromium}" >/dev/null || { echo "no chromium (apt-get install chromium)"; echo "0 passed, 1 failed"; exit 1; }

# npm ci only when package-lock.json changed since the last install (same rule as dev.sh).
stamp="$HERE/node_modules/.switchboard-lock-sha"
sha=$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sha" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) || { echo "0 passed, 1 failed"; exit 1; }
  echo "$sha" >"$stamp"
fi

cd "$HERE"
typecheck=1
if npx --no-install tsc --noEmit --allowJs --checkJs --strict --target es2022 --lib es2022,dom "$ROOT/widget/widget.js" "$ROOT/crates/server/src/http/embed/embed.js"; then
  echo "ok   widget.js and embed.js type-check"
  typecheck=0
else
  echo "FAIL widget.js and embed.js type-check"
fi
node widget.test.mjs "$OUT" | tee "$OUT/browser.log"
rc=${PIPESTATUS[0]}
node embed.test.mjs "$OUT" | tee "$OUT/embed.log"
rc_embed=${PIPESTATUS[0]}
# One summary line for all: the widget's and the embedded view's browser cases plus the type
# check.
read -r p f < <(awk '/^browser cases: [0-9]+ passed, [0-9]+ failed/ { print $3, $5 }' "$OUT/browser.log" | tail -1)
read -r pe fe < <(awk '/^embed cases: [0-9]+ passed, [0-9]+ failed/ { print $3, $5 }' "$OUT/embed.log" | tail -1)
p=$(( ${p:-0} + ${pe:-0} )); f=$(( ${f:-1} + ${fe:-1} ))
if [ "$typecheck" -eq 0 ]; then p=$((p + 1)); else f=$((f + 1)); fi
echo "$p passed, $f failed"
[ "$rc" -eq 0 ] && [ "$rc_embed" -eq 0 ] && [ "$typecheck" -eq 0 ]
