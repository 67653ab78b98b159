#!/usr/bin/env bash
# Checks the sample production setup (deploy/docker-compose.yml) with `docker compose config`
# where docker is installed: the file is valid with its variables set, and refused, naming the
# variable, without them. Without docker it says so and checks nothing (README: untested there).
set -uo pipefail
cd "$(dirname "$0")/../.."
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  echo "docker compose is not installed: deploy/docker-compose.yml is not checked on this machine"
  echo "0 passed, 0 failed"
  exit 0
fi
file=deploy/docker-compose.yml
passed=0 failed=0
if POSTGRES_PASSWORD=x METRICS_TOKEN=0123456789abcdef "${compose[@]}" -f "$file" config -q; then
  passed=$((passed + 1))
else
  echo "FAIL: $file is not valid with its variables set"
  failed=$((failed + 1))
fi
out=$(env -u POSTGRES_PASSWORD -u METRICS_TOKEN "${compose[@]}" -f "$file" config -q 2>&1)
if [ $? -ne 0 ] && grep -q "set POSTGRES_PASSWORD" <<<"$out"; then
  passed=$((passed + 1))
else
  echo "FAIL: without POSTGRES_PASSWORD the file must be refused, naming it: $out"
  failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
