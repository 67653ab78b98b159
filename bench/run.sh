#!/usr/bin/env bash
# Performance budgets of DESIGN.md, each against a baseline measured in the same run.
# Release builds: debug numbers say nothing about what operators get.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p switchboard-server -p switchboard-bench
exec "$CARGO_TARGET_DIR/release/switchboard-bench" "$@"
