#!/usr/bin/env bash
# Checks every GitHub Actions workflow (.github/workflows/*.yml) with actionlint: they cannot
# run on the project's own machines, so this is what keeps them valid. One count per workflow
# file; the last line is `N passed, N failed`.
#   tests/ci/actionlint.sh     (./dev.sh test runs it; actionlint comes with dev.sh's Python tools)
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
ACTIONLINT=${ACTIONLINT:-${SCHEMATHESIS_VENV:-$HOME/.cache/switchboard/venv}/bin/actionlint}
if ! [ -x "$ACTIONLINT" ]; then
  echo "actionlint not found at $ACTIONLINT (./dev.sh test installs it)"
  echo "0 passed, 1 failed"
  exit 1
fi
"$ACTIONLINT" --version | head -1
passed=0
failed=0
for wf in .github/workflows/*.yml; do
  if "$ACTIONLINT" -oneline "$wf"; then
    echo "ok   $wf"
    passed=$((passed + 1))
  else
    echo "FAIL $wf"
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
