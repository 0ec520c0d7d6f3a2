#!/usr/bin/env bash
# ctest fixture `mongo` (cleanup): stops the server start.sh started, by the PID it recorded,
# and waits for it to exit (SIGKILL after 5 s). Only a process that is still our congo.mjs is
# signalled, so a recycled PID is left alone. No-op when nothing is recorded.
set -uo pipefail
state="$1"
pidfile="$state/congo.pid"
[ -f "$pidfile" ] || exit 0
pid="$(cat "$pidfile")"
rm -f "$pidfile"
is_ours() { tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | grep -q "congo.mjs"; }
is_ours || exit 0
kill -TERM "$pid" 2>/dev/null
for _ in $(seq 50); do
  is_ours || exit 0
  sleep 0.1
done
kill -KILL "$pid" 2>/dev/null
for _ in $(seq 20); do
  is_ours || exit 0
  sleep 0.1
done
echo "stop.sh: test server pid $pid did not exit" >&2
exit 1
