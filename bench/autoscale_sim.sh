#!/usr/bin/env bash
# Auto-scaled against fixed on a simulated database whose best worker count is known: the
# sim: target sleeps per batch (latency_ms + per_doc_us per document), slowed further by
# contention so throughput follows the Universal Scalability Law with sigma 0.02 and kappa
# 0.002, best at sqrt((1 - 0.02) / 0.002) = 22 writers. CPU stays low (the sink sleeps), so
# this measures the controller finding a better configuration, not the machine.
#   fixed: asrun's defaults with the scaler off (workers = CPU count, batch size 1000)
#   start: 4 workers, batch 2000 held fixed (where the scaler started while the profiles'
#          minima were 4 and 2000): what auto adds beyond a better start
#   auto:  --auto-scaling from the balanced profile (starts at the defaults, which are inside
#          its limits 1..30 workers, 100..75,000 documents a batch),
#          with --check-interval 1 --cooldown 2 instead of 10 / 30 s so a run of tens of
#          seconds sees the scaler act
# Runs alternate fixed/auto; docs/s from --summary-json; prints the medians and the ratio.
# Usage: bench/autoscale_sim.sh [DOCS] [RUNS] [SIM]   (default 600,000 docs, 1 run, the
#   22-writer database above). SIM is any sim: target: a spec, a scenario file or a shipped
#   scenario's name, e.g.
#     bench/autoscale_sim.sh 3000000 3 sim:slow_start      (best: 30 writers, large batches)
#     bench/autoscale_sim.sh 400000 3 sim:latency_ms=2,per_doc_us=20,sigma=0.3,kappa=0.2
#                                      (a database that prefers sqrt(0.7/0.2) = 1.9 writers)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh # median
N="${1:-600000}"
RUNS="${2:-1}"
SINK="${3:-sim:latency_ms=100,per_doc_us=20,sigma=0.02,kappa=0.002}"
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
BASE=(build-bench/asrun --source templates/service_order.json --total "$N" --target "$SINK" -q)
FIXED=(--no-auto-scaling)
START=(--no-auto-scaling --workers 4 --batch-size 2000)
AUTO=(--auto-scaling --check-interval 1 --cooldown 2)


measure() {
  local -n flags="${1^^}"
  "${BASE[@]}" "${flags[@]}" --summary-json "$OUT/$1.json"
  { read -r rate written secs w b applied decisions; read -r path; read -r actions; } \
    < <(lua5.4 bench/summary.lua "$OUT/$1.json")
  [ "$written" = "$N" ] || { echo "$1 run wrote $written of $N documents" >&2; exit 1; }
  echo "$rate" >>"$OUT/$1"
  printf '%-5s run %d: %7.0f docs/s (%s s; final %d workers, batch %d; %d changes)\n' \
    "$1" "$i" "$rate" "$secs" "$w" "$b" "$applied"
  [ "$1" = auto ] && echo "             policy: $actions"
  return 0
}

echo "== auto-scaled vs fixed on a simulated database: $N service orders, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo "   target: $SINK"
echo "   fixed: ${FIXED[*]}; start: ${START[*]}; auto: ${AUTO[*]}"
: >"$OUT/fixed" && : >"$OUT/start" && : >"$OUT/auto"
for i in $(seq "$RUNS"); do
  measure fixed
  measure start
  measure auto
done
fixed=$(median <"$OUT/fixed") start=$(median <"$OUT/start") auto=$(median <"$OUT/auto")
echo "median fixed: $fixed docs/s; start: $start docs/s; auto: $auto docs/s"
awk -v a="$auto" -v f="$fixed" -v s="$start" 'BEGIN {
  printf "ratio auto / fixed defaults: %.2fx (the brief claims 1.2-1.5x)\n", a / f
  printf "ratio auto / its own start held fixed: %.2fx\n", a / s }'
