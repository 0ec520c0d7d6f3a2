#!/usr/bin/env bash
# ctest fixture `mongo` (setup): starts the test server for the tests that need it.
# Usage: start.sh PING_BIN PORT STATE_DIR
# Starts `node congo.mjs PORT` in the background (its own session, output in
# STATE_DIR/congo.log), writes STATE_DIR/congo.pid and STATE_DIR/mongo_uri, and waits up to
# 20 s for a ping. stop.sh PID-kills it. A server left by an interrupted run is stopped first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ping_bin="$(realpath "$1")" port="$2" state="$(realpath -m "$3")"
uri="mongodb://127.0.0.1:$port/?serverSelectionTimeoutMS=1000&connectTimeoutMS=1000"
mkdir -p "$state"

"$here/stop.sh" "$state" # a leftover from an interrupted ctest run (no-op otherwise)
command -v node >/dev/null || { echo "start.sh: node is missing (run scripts/setup.sh)" >&2; exit 1; }
[ -f "$here/node_modules/@push.rocks/smartmongo/dist_ts/congodb/index.js" ] ||
  "$here/install.sh"
if "$ping_bin" "$uri" 2>/dev/null; then
  echo "start.sh: port $port already has a MongoDB server; pick another with" \
       "-DASR_TEST_MONGO_PORT=N" >&2
  exit 1
fi

cd "$here"
setsid node congo.mjs "$port" </dev/null >"$state/congo.log" 2>&1 &
pid=$!
echo "$pid" > "$state/congo.pid"
echo "mongodb://127.0.0.1:$port" > "$state/mongo_uri"

for _ in $(seq 100); do # 100 x 0.2 s
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start.sh: the test server exited at start:" >&2
    cat "$state/congo.log" >&2
    rm -f "$state/congo.pid"
    exit 1
  fi
  if "$ping_bin" "$uri" 2>"$state/ping.err"; then
    echo "test server pid $pid on mongodb://127.0.0.1:$port"
    exit 0
  fi
  sleep 0.2
done
echo "start.sh: no ping from the test server on port $port within 20 s:" \
     "$(cat "$state/ping.err")" >&2
"$here/stop.sh" "$state"
exit 1
