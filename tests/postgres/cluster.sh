# A throwaway PostgreSQL cluster for tests and benchmarks (sourced, not run): initdb + pg_ctl
# in a temporary folder, on a free port, fsync off (a cluster that dies is thrown away anyway).
#   pg_cluster_start   # sets PG_CLUSTER_DIR and PG_CLUSTER_URL (postgres://sb@127.0.0.1:PORT)
#   pg_cluster_stop    # stops it and removes the folder (run it from an EXIT trap)

pg_cluster_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# initdb refuses root; as root the cluster belongs to the user Debian's package made.
pg_cluster_as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_cluster_start() {
  local bin port
  bin=$(pg_cluster_bin)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL is not installed (./dev.sh test installs it)" >&2
    return 1
  fi
  PG_CLUSTER_DIR=$(mktemp -d /tmp/switchboard-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres "$PG_CLUSTER_DIR"
  pg_cluster_as_owner "$bin/initdb" -D "$PG_CLUSTER_DIR/data" -U sb --auth=trust -E UTF8 \
    --no-instructions >"$PG_CLUSTER_DIR/initdb.log" || return 1
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # Enough connections for tests running in parallel, each server with its pool.
  pg_cluster_as_owner "$bin/pg_ctl" -D "$PG_CLUSTER_DIR/data" -l "$PG_CLUSTER_DIR/server.log" -w \
    -o "-p $port -k $PG_CLUSTER_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
    start >/dev/null || return 1
  PG_CLUSTER_URL="postgres://sb@127.0.0.1:$port"
  export PG_CLUSTER_DIR PG_CLUSTER_URL
}

pg_cluster_stop() {
  [ -n "${PG_CLUSTER_DIR:-}" ] || return 0
  pg_cluster_as_owner "$(pg_cluster_bin)/pg_ctl" -D "$PG_CLUSTER_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_CLUSTER_DIR"
}
