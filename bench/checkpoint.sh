#!/usr/bin/env bash
# The cost of checkpoints (issue 11's goal: at the default interval, at most 1% slower than
# --no-checkpoint). Each path runs the same work with the default checkpoints (every 5 s) and
# with --no-checkpoint, ROUNDS rounds alternating which goes first, medians compared:
#   file     service orders generated to a .jsonl file on disk (a checkpoint syncs the output
#            first); FILE_DOCS makes a run last 30 s or more, so several periodic checkpoints
#            happen (about 900 bytes a document on disk, one file at a time)
#   mongodb  the same to the CongoDB test server (in memory, a fresh one per run, on
#            ASRUN_BENCH_PORT): a checkpoint per lease of 64 batches ahead besides every 5 s
#   sim      the same to sim: (a database target without a server)
# and the file path with a checkpoint every second: its extra time over the checkpoints it
# wrote is the cost of one checkpoint, and that cost once every 5 s is the share it predicts
# at the default interval (a cross-check of the first row's on/off).
# Usage: [ASRUN_BENCH_PORT=PORT] bench/checkpoint.sh [FILE_DOCS] [ROUNDS] [MONGO_DOCS] [SIM_DOCS]
#   (default 36000000: about 34 s at the 1.06 million documents a second of a quiet 2-core
#   machine and 31 GB on disk; 5; 600000; 2000000)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh # median
N_FILE="${1:-36000000}"
ROUNDS="${2:-5}"
N_MONGO="${3:-600000}"
N_SIM="${4:-2000000}"
PORT="${ASRUN_BENCH_PORT:-27883}" # not mongo_bench's 27877, autoscale_mongo's 27879, migrate_mongo's 27881
INTERVAL=5                        # asrun's default --checkpoint-every
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
tests/server/install.sh >/dev/null
BIN="$PWD/build-bench/asrun"
OUT="$(mktemp -d -p "${BENCH_DIR:-$PWD/build-bench}")" # on disk (not tmpfs): syncs cost there
source bench/congo_server.sh
trap 'stop_server; rm -rf "$OUT"' EXIT
TEMPLATE="$PWD/templates/service_order.json"
export ASRUN_CHECKPOINT_DIR="$OUT" # a database target's default checkpoint goes there

need=$((N_FILE / 1000000 * 1000 + 1000)) # MB: about 900 bytes a document, and a margin
have=$(df -Pm "$OUT" | awk 'NR == 2 {print $4}')
if [ "$have" -lt "$need" ]; then
  echo "bench/checkpoint.sh: $N_FILE documents need about $need MB free beside $OUT, $have MB are" >&2
  exit 1
fi

# one run: run DOCS TARGET [FLAGS...] sets T to its seconds; a database target gets a fresh
# server (started and stopped in this shell, so the EXIT trap stops a server left running)
run() {
  local n="$1" target="$2"
  shift 2
  rm -f "$OUT"/out.jsonl* "$OUT"/*.checkpoint.json
  case "$target" in mongodb:*) start_server ;; esac
  sync # the previous run's pages are not this one's to write
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" --source "$TEMPLATE" --total "$n" --now 2024-01-01 --workers 2 --target "$target" -q "$@"
  t1=$(date +%s.%N)
  case "$target" in mongodb:*) stop_server ;; esac
  T=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
}


# measure NAME DOCS TARGET EVERY [CHECKPOINT FLAGS...]: ROUNDS rounds of on and off, the
# first of each round alternating; prints the medians, and the periodic checkpoints an "on"
# run of that length writes at EVERY seconds; sets ON and OFF (the medians)
measure() {
  local name="$1" n="$2" target="$3" every="$4"
  shift 4
  local on=() off=() r
  for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then
      run "$n" "$target" --no-checkpoint && off+=("$T")
      run "$n" "$target" "$@" && on+=("$T")
    else
      run "$n" "$target" "$@" && on+=("$T")
      run "$n" "$target" --no-checkpoint && off+=("$T")
    fi
  done
  ON=$(printf '%s\n' "${on[@]}" | median)
  OFF=$(printf '%s\n' "${off[@]}" | median)
  awk -v name="$name" -v off="$OFF" -v on="$ON" -v n="$n" -v every="$every" 'BEGIN {
    printf "%-36s %9.2f s %9.2f s %9.0f %9.0f %7.3f %6d\n", name, off, on, n / off, n / on,
      on / off, int(on / every) }'
}

echo "checkpoints on vs off: service orders, 2 workers, median of $ROUNDS rounds (on and off" \
  "alternating which goes first), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M') UTC," \
  "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-36s %11s %11s %9s %9s %7s %6s\n' "path (documents)" "off" "on" "docs/s" "docs/s" \
  "on/off" "cp/run"
measure "file .jsonl ($N_FILE), every 5 s" "$N_FILE" "file:$OUT/out.jsonl" "$INTERVAL"
measure "mongodb ($N_MONGO), every 5 s + leases" "$N_MONGO" "$URI/bench.orders" "$INTERVAL"
measure "sim: ($N_SIM), every 5 s + leases" "$N_SIM" "sim:latency_ms=0" "$INTERVAL" \
  --checkpoint "$OUT/sim.checkpoint.json"
measure "file .jsonl ($N_FILE), every 1 s" "$N_FILE" "file:$OUT/out.jsonl" 1 --checkpoint-every 1
awk -v on="$ON" -v off="$OFF" -v every="$INTERVAL" 'BEGIN {
  n = int(on); cost = (n > 0) ? (on - off) / n : 0
  printf "one checkpoint of the file path (every-second row: (on - off) / %d checkpoints): %.1f ms;" \
    " once every %d s: %.2f%% of the run\n", n, 1000 * cost, every, 100 * cost / every }'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
