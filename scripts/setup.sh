#!/usr/bin/env bash
# Installs what asrun needs from Debian (idempotent: quick when everything is there) and
# builds it. Usage: scripts/setup.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake pkg-config lua5.4 liblua5.4-dev libmongoc-dev libbson-dev
          libuv1-dev libcjson-dev libcmocka-dev lua-busted lua-dkjson)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The MongoDB test server (tests/server) runs on Node.js: Debian's, unless a node is there.
command -v node >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if command -v node >/dev/null && command -v npm >/dev/null; then
  tests/server/install.sh
else
  echo "setup: no node/npm, so no MongoDB test server: the tests that need it will fail" >&2
fi

BUILD_DIR="${1:-build}"
shift || true
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" >/dev/null
echo "setup: built $BUILD_DIR/asrun"
