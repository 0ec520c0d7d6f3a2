#!/usr/bin/env bash
# Installs what asrun needs from Debian (idempotent: quick when everything is there) and
# builds it. Usage: scripts/setup.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake pkg-config lua5.4 liblua5.4-dev libmongoc-dev libbson-dev
          libuv1-dev libcjson-dev libcmocka-dev lua-busted lua-dkjson
          clang libclang-rt-14-dev)
# Node.js runs the reference mgeneratejs the conformance tests compare against. A machine with
# its own node (e.g. NodeSource's, which bundles npm) keeps it: Debian's npm would conflict.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Test peers (tests/peers: mgeneratejs 0.6.0, every version pinned by package-lock.json):
# npm ci only when node_modules is missing or was installed from another lock.
PEERS=tests/peers
want="$(sha256sum "$PEERS/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$PEERS/node_modules/.asrun-lock-sha256" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing the test peers (npm ci in $PEERS)"
  (cd "$PEERS" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" > "$PEERS/node_modules/.asrun-lock-sha256"
fi

BUILD_DIR="${1:-build}"
shift || true
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" >/dev/null
echo "setup: built $BUILD_DIR/asrun"
