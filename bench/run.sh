#!/usr/bin/env bash
# Performance budgets of DESIGN.md, each against a baseline measured in the same run.
# Release builds: debug numbers say nothing about what operators get.
# --postgres: also ingest and fan-out on a throwaway PostgreSQL, one and two instances.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/desk.sh
. bench/desk.sh
cargo build --quiet --release -p switchboard-server -p switchboard-bench
if bench_runs_desk "$@"; then
  # Budgets 6–9: the app as `tauri build` makes it (custom-protocol: the release asset
  # server, not dev mode) and the blank Tauri window, in one build so both get one tauri.
  [ -f ui/dist/index.html ] || { echo "bench: ui/dist is missing: run ./dev.sh bench (or cd ui && npm run build)" >&2; exit 1; }
  cargo build --quiet --release --features tauri/custom-protocol -p switchboard -p switchboard-blank-window
fi
args=()
for a in "$@"; do
  if [ "$a" = --postgres ]; then
    # shellcheck source=tests/postgres/cluster.sh
    . tests/postgres/cluster.sh
    trap pg_cluster_stop EXIT
    pg_cluster_start
    args+=(--postgres "$PG_CLUSTER_URL")
  else
    args+=("$a")
  fi
done
"$CARGO_TARGET_DIR/release/switchboard-bench" "${args[@]}"
