#!/usr/bin/env bash
# Installs the test server (CongoDB from npm @push.rocks/smartmongo 2.2.0) into
# tests/server/node_modules, per the pinned recipe in DESIGN.md: smartmongo's own dependency
# ranges no longer resolve, so its six runtime dependencies come pinned from package-lock.json
# and the package itself is unpacked from its registry tarball (checked against its known
# integrity). Idempotent: a stamp records what was installed, so a second run exits at once.
set -euo pipefail
cd "$(dirname "$0")"

SMARTMONGO=2.2.0
SMARTMONGO_SHA512="ovVCNoJ3D0aBuKtoKaQWWQKvBngaGJq9fAPQigzji1EHsS1XyGpXWCpe5nq/ptGvBROOcpqZcOFEGAcrnb+OjA=="
STAMP=node_modules/.asrun-test-server

want="$(sha256sum package-lock.json | cut -d' ' -f1) smartmongo@$SMARTMONGO"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] &&
   [ -f node_modules/@push.rocks/smartmongo/dist_ts/congodb/index.js ]; then
  exit 0
fi

command -v npm >/dev/null || { echo "tests/server/install.sh: npm is missing" >&2; exit 1; }
npm_flags=(--ignore-scripts --no-audit --no-fund --loglevel=error)
# npm ci installs exactly the lock; an npm too old for this lockfile falls back to install.
npm ci "${npm_flags[@]}" >/dev/null 2>&1 || npm install "${npm_flags[@]}" >/dev/null

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "@push.rocks/smartmongo@$SMARTMONGO" --loglevel=error >/dev/null)
tgz="$tmp/push.rocks-smartmongo-$SMARTMONGO.tgz"
got="$(node -e 'const c = require("crypto"), fs = require("fs");
  process.stdout.write(c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tgz")"
if [ "$got" != "$SMARTMONGO_SHA512" ]; then
  echo "tests/server/install.sh: smartmongo $SMARTMONGO tarball integrity mismatch" >&2
  exit 1
fi
rm -rf node_modules/@push.rocks/smartmongo
mkdir -p node_modules/@push.rocks/smartmongo
tar xzf "$tgz" -C node_modules/@push.rocks/smartmongo --strip-components=1
echo "$want" > "$STAMP"
echo "tests/server: installed CongoDB (smartmongo $SMARTMONGO)"
