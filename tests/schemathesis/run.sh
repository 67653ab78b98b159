#!/usr/bin/env bash
# Schemathesis over the server's OpenAPI document (/api/openapi.json), bounded to about two
# minutes: the real server on a fresh demo database, every check (`--checks all`), a few
# examples per operation. Prints "N passed, N failed" (per operation) as its last line.
#   tests/schemathesis/run.sh            (after `cargo build -p switchboard-server`)
# Needs schemathesis in $SCHEMATHESIS_VENV (./dev.sh test installs it there).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/tests/schemathesis"
VENV=${SCHEMATHESIS_VENV:-$HOME/.cache/switchboard/venv}
SERVER=${SWITCHBOARD_SERVER_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/switchboard-server}
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-20}

fail() { echo "schemathesis: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
[ -x "$VENV/bin/schemathesis" ] || fail "not installed in $VENV (run ./dev.sh test once)"
[ -x "$SERVER" ] || fail "no server binary at $SERVER (cargo build -p switchboard-server)"

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

DB="$WORK/demo.db"
"$SERVER" --db "$DB" demo >"$WORK/demo.out" 2>&1 || fail "demo failed: $(tail -5 "$WORK/demo.out")"
TOKEN=$("$SERVER" --db "$DB" token create --name schemathesis 2>/dev/null) || fail "token create failed"
"$SERVER" --db "$DB" serve --listen 127.0.0.1:0 --fetch-timeout-secs 2 \
  >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER_PID=$!
URL=
for _ in $(seq 1 200); do
  URL=$(grep -o 'http://[^ ]*' "$WORK/serve.out" 2>/dev/null | head -1)
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || fail "the server did not start: $(tail -5 "$WORK/serve.log")"
  sleep 0.1
done
[ -n "$URL" ] || fail "the server printed no address"

# send-file-message is left out: it fetches the URLs it is given, and a generated URL may name
# a host outside this machine. The API token authenticates through the documented
# `Authentication` header, so leaving it out is seen as unauthenticated.
# From the temporary folder: schemathesis keeps a cache (.schemathesis/) where it runs.
cd "$WORK" || fail "cannot enter $WORK"
timeout 110 "$VENV/bin/schemathesis" --config-file "$HERE/schemathesis.toml" run "$URL/api/openapi.json" \
  --checks all \
  --header "Authentication: $TOKEN" \
  --max-examples "$EXAMPLES" \
  --exclude-path /api/conversations/send-file-message \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  --workers 1 \
  --request-timeout 10 \
  --report junit --report-junit-path "$WORK/junit.xml" \
  --no-color
rc=$?
[ -f "$WORK/junit.xml" ] || fail "schemathesis ended ($rc) without a report"
if grep -q 'internal error' "$WORK/serve.log"; then
  echo "server log:" >&2
  grep -i 'error' "$WORK/serve.log" | tail -20 >&2
fi
# One test per operation: failed when it has a failure or an error.
python3 - "$WORK/junit.xml" "$rc" <<'PY'
import sys, xml.etree.ElementTree as ET
cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
passed = failed = 0
for case in cases:
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
    else:
        passed += 1
if passed + failed == 0 or (failed == 0 and sys.argv[2] != "0"):
    failed += 1  # schemathesis failed without saying where
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
