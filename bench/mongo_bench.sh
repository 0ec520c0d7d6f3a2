#!/usr/bin/env bash
# asrun against the official Node.js driver, inserting a generated stream into the same test
# server (CongoDB, in memory; a fresh server per measurement so every run starts empty).
# Each side is swept over fixed configurations and its best is kept; prints docs/s and the
# ratio asrun / node (goal >= 1.0: the server is the ceiling, asrun must not be the bottleneck).
# Usage: bench/mongo_bench.sh [DOCS]   (default 100,000)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
PORT=27877
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
tests/server/install.sh >/dev/null
(cd bench/node && { [ -d node_modules/mongodb ] || npm ci --ignore-scripts --no-audit --no-fund >/dev/null; })

source bench/congo_server.sh
trap stop_server EXIT
# The rate functions run in this shell (not in $(...)): start_server must see and replace the
# previous server, or a measurement would run against an old, fuller one. They set RATE.
asrun_rate() { # workers batch
  start_server
  local t0 t1
  t0=$(date +%s.%N)
  build-bench/asrun --source templates/service_order.json --total "$N" --workers "$1" \
    --batch-size "$2" --target "$URI/bench.orders" -q
  t1=$(date +%s.%N)
  RATE=$(awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
}
node_rate() { # concurrency batch; 0 when the driver gives up (said on stderr)
  start_server
  RATE=$(node bench/node/insert_many.mjs "$URI" bench.orders "$N" "$1" "$2" 2>/tmp/asrun-bench-node.err) ||
    { echo "  (node failed: $(grep -m1 -o 'MongoBulkWriteError: [^"]*' /tmp/asrun-bench-node.err))" >&2; RATE=0; }
}

echo "== $N generated service orders into CongoDB, $(nproc) cores, $(date -u +%Y-%m-%d)"
best_a=0; best_a_cfg=""; best_n=0; best_n_cfg=""
for w in 1 2 4; do for b in 500 1000 5000; do
  asrun_rate "$w" "$b"; r=$RATE; echo "asrun  workers=$w batch=$b: $r docs/s"
  [ "$r" -gt "$best_a" ] && best_a=$r && best_a_cfg="workers=$w batch=$b"
done; done
for c in 1 2 4; do for b in 500 1000 5000; do
  node_rate "$c" "$b"; r=$RATE; echo "node   concurrency=$c batch=$b: $r docs/s"
  [ "$r" -gt "$best_n" ] && best_n=$r && best_n_cfg="concurrency=$c batch=$b"
done; done
echo
echo "best asrun: $best_a docs/s ($best_a_cfg)"
echo "best node:  $best_n docs/s ($best_n_cfg)"
awk -v a="$best_a" -v n="$best_n" 'BEGIN { printf "ratio asrun / node driver: %.2fx (goal >= 1.0)\n", a / n }'
