#!/usr/bin/env bash
# Auto-scaled against fixed, inserting the same generated stream into the test server
# (CongoDB, in memory; started and stopped as bench/mongo_bench.sh does, a fresh server per
# measurement so every run starts empty). The product brief claims auto-scaling gives
# 1.2-1.5x the throughput of a fixed configuration.
#   fixed: asrun's defaults with the scaler off (workers = CPU count, batch size 1000)
#   auto:  --auto-scaling from the balanced profile (starts at the same defaults, inside its
#          limits 1..30 workers, 100..75,000 documents a batch),
#          with --check-interval 2 --cooldown 4 instead of 10 / 30 s, so the scaler gets to
#          act within a run of 30-60 s (at the profile's own timing it would barely move)
# Runs alternate fixed/auto, RUNS each; docs/s from --summary-json (avg_docs_per_second);
# prints the medians, the ratio auto / fixed as measured, and what the scaler chose.
# Usage: bench/autoscale_mongo.sh [DOCS] [RUNS]   (default 1,000,000 docs, 3 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh # median
N="${1:-1000000}"
RUNS="${2:-3}"
PORT=27879 # not mongo_bench.sh's 27877: the two may run side by side
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
tests/server/install.sh >/dev/null
OUT="$(mktemp -d)"

source bench/congo_server.sh
trap 'stop_server; rm -rf "$OUT"' EXIT
BASE=(build-bench/asrun --source templates/service_order.json --total "$N"
      --target "$URI/bench.orders" -q)
FIXED=(--no-auto-scaling)
AUTO=(--auto-scaling --check-interval 2 --cooldown 4)

# summary FILE: three lines about one run (bench/summary.lua).
summary() { lua5.4 bench/summary.lua "$1"; }

# measure fixed|auto: one run against a fresh server; appends to $OUT/<mode> and prints a line.
measure() {
  local -n flags="${1^^}"
  start_server
  "${BASE[@]}" "${flags[@]}" --summary-json "$OUT/$1.json"
  stop_server
  { read -r rate written secs w b applied decisions; read -r path; read -r actions; } \
    < <(summary "$OUT/$1.json")
  [ "$written" = "$N" ] || { echo "$1 run wrote $written of $N documents" >&2; exit 1; }
  echo "$rate" >>"$OUT/$1"
  if [ "$1" = fixed ]; then
    printf 'fixed run %d: %7.0f docs/s (%s s, %d workers, batch %d)\n' "$i" "$rate" "$secs" "$w" "$b"
  else
    echo "$w $b" >>"$OUT/final"
    printf 'auto  run %d: %7.0f docs/s (%s s, %d checks, %d changes; final %d workers, batch %d)\n' \
      "$i" "$rate" "$secs" "$decisions" "$applied" "$w" "$b"
    echo "             policy: $actions"
    echo "             applied: $path"
  fi
}

echo "== auto-scaled vs fixed: $N generated service orders into CongoDB, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo "   fixed: ${BASE[*]} ${FIXED[*]}"
echo "   auto:  ${BASE[*]} ${AUTO[*]}"
echo "   (balanced profile, but check interval 2 s and cooldown 4 s instead of 10 s and 30 s so"
echo "    the scaler acts within the run; $RUNS runs each, alternating; a fresh server per run)"
: >"$OUT/fixed" && : >"$OUT/auto" && : >"$OUT/final"
for i in $(seq "$RUNS"); do
  measure fixed
  measure auto
done
fixed=$(median <"$OUT/fixed") auto=$(median <"$OUT/auto")
echo
echo "median fixed: $fixed docs/s"
echo "median auto:  $auto docs/s"
echo "final workers x batch size chosen by the scaler, per run: $(awk '{ s = s (NR > 1 ? ", " : "") $1 "x" $2 } END { print s }' "$OUT/final")"
awk -v a="$auto" -v f="$fixed" 'BEGIN { printf "ratio auto / fixed: %.2fx (the brief claims 1.2-1.5x)\n", a / f }'
