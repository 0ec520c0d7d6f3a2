#!/usr/bin/env bash
# Installs what asrun needs from Debian (idempotent: quick when everything is there) and
# builds it. Usage: scripts/setup.sh [BUILD_DIR] [extra cmake args...]
# ASRUN_TEST_DEPS=0 skips what only the tests need (Node.js, the test server, the peers).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake pkg-config lua5.4 liblua5.4-dev libmongoc-dev libbson-dev
          libuv1-dev libcjson-dev zlib1g-dev libsqlite3-dev libmicrohttpd-dev libcmocka-dev
          lua-busted lua-dkjson clang libclang-rt-14-dev python3)
# Only the tests: promtool (prometheus) checks the metrics endpoint's text, tmux gives the
# status line spec a terminal, curl scrapes the endpoint, headless Chromium opens the HTML
# run report (tests/e2e/report_spec.lua).
TEST_PACKAGES=(prometheus tmux curl chromium)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js runs the MongoDB test server (tests/server) and the reference mgeneratejs the
# conformance tests compare with (tests/peers): Debian's, unless a node is there (NodeSource's
# bundles npm, and Debian's npm would conflict with it).
TEST_DEPS="${ASRUN_TEST_DEPS:-1}"
[ "$TEST_DEPS" = 0 ] || command -v node >/dev/null || missing+=(nodejs npm)
if [ "$TEST_DEPS" != 0 ]; then
  for p in "${TEST_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$TEST_DEPS" = 0 ]; then
  : # the example run needs no server and no peers
elif command -v node >/dev/null && command -v npm >/dev/null; then
  tests/server/install.sh
  # tests/peers: mgeneratejs 0.6.0, every version pinned by package-lock.json; npm ci only when
  # node_modules is missing or came from another lock (an npm too old for the lock: install).
  want="$(sha256sum tests/peers/package-lock.json | cut -d' ' -f1)"
  if [ "$(cat tests/peers/node_modules/.asrun-lock-sha256 2>/dev/null)" != "$want" ]; then
    echo "setup: installing the test peers (npm ci in tests/peers)"
    npm_flags=(--ignore-scripts --no-audit --no-fund --loglevel=error)
    (cd tests/peers && { npm ci "${npm_flags[@]}" >/dev/null 2>&1 || npm install "${npm_flags[@]}" >/dev/null; })
    echo "$want" > tests/peers/node_modules/.asrun-lock-sha256
  fi
else
  echo "setup: no node/npm, so no MongoDB test server and no mgeneratejs: the tests that need them will fail" >&2
fi

BUILD_DIR="${1:-build}"
shift || true
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" >/dev/null
echo "setup: built $BUILD_DIR/asrun"
