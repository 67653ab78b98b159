#!/usr/bin/env bash
# The "application" tauri-driver launches: records the app's pid (so the harness can end exactly
# that process) and appends its log to a file, then becomes the real app binary with the same
# arguments WebKitWebDriver passed.
set -u
: "${SB_E2E_APP:?}" "${SB_E2E_APP_LOG:?}" "${SB_E2E_APP_PIDFILE:?}"
echo "===== app start pid=$$ $(date '+%H:%M:%S') args: $* =====" >>"$SB_E2E_APP_LOG"
echo $$ >"$SB_E2E_APP_PIDFILE"
exec "$SB_E2E_APP" "$@" >>"$SB_E2E_APP_LOG" 2>&1
