# Sourced by the MongoDB benchmarks: a fresh CongoDB test server on $PORT for each
# measurement. Sets URI; start_server replaces the previous server (stopped by PID),
# stop_server stops it; the caller's EXIT trap must call stop_server.
URI="mongodb://127.0.0.1:$PORT"
SERVER_PID=""
stop_server() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""; }
start_server() {
  stop_server
  if build-bench/tests/mongo_ping "$URI" >/dev/null 2>&1; then
    echo "port $PORT is taken by another server: stop it first" >&2; exit 1
  fi
  (cd tests/server && exec node congo.mjs "$PORT" >/dev/null 2>&1) &
  SERVER_PID=$!
  for _ in $(seq 100); do
    build-bench/tests/mongo_ping "$URI" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start" >&2; exit 1
}
[ -x build-bench/tests/mongo_ping ] || cmake --build build-bench --target mongo_ping -j2 >/dev/null
