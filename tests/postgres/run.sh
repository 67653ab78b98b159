#!/usr/bin/env bash
# Runs the server's whole test suite again on PostgreSQL: a throwaway cluster lives for the
# run and is removed after it. Each test gets databases of its own there (tests/common:
# SWITCHBOARD_TEST_PG). Usage: tests/postgres/run.sh [cargo test arguments…]
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/postgres/cluster.sh
. tests/postgres/cluster.sh
trap pg_cluster_stop EXIT
pg_cluster_start
export SWITCHBOARD_TEST_PG="$PG_CLUSTER_URL"
cargo test -p switchboard-server --no-fail-fast "$@"
