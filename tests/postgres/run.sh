#!/usr/bin/env bash
# Runs the server's whole test suite again on PostgreSQL: a throwaway cluster (initdb +
# pg_ctl in a temporary folder, on a free port) lives for the run and is removed after it.
# Each test gets databases of its own there (tests/common: SWITCHBOARD_TEST_PG).
# Usage: tests/postgres/run.sh [cargo test arguments…]
set -euo pipefail

BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "PostgreSQL is not installed (./dev.sh test installs it)" >&2
  exit 1
fi
DIR=$(mktemp -d /tmp/switchboard-pg.XXXXXX)
# initdb refuses root; as root the cluster belongs to the user Debian's package made.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
stop() {
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap stop EXIT
as_owner "$BIN/initdb" -D "$DIR/data" -U sb --auth=trust -E UTF8 --no-instructions >"$DIR/initdb.log"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# fsync off: a test cluster that dies is thrown away anyway. Enough connections for the
# tests running in parallel, each server with its pool.
as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
  start >/dev/null
export SWITCHBOARD_TEST_PG="postgres://sb@127.0.0.1:$PORT"
cargo test -p switchboard-server --no-fail-fast "$@"
