#!/usr/bin/env bash
# The cost of checkpoints: the same run with checkpoints at the default interval (5 s) against
# --no-checkpoint, alternating, ROUNDS rounds, medians compared. Two paths:
#   file   service orders generated to a .jsonl file on disk (a checkpoint syncs the output)
#   sim    the same to sim: (a database target: a checkpoint per lease of 64 batches ahead,
#          besides the interval's)
# and, for information, the file path with a checkpoint every second.
# Usage: bench/checkpoint.sh [DOCS] [ROUNDS]   (default 2000000 and 5)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-2000000}"
ROUNDS="${2:-5}"
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
BIN="$PWD/build-bench/asrun"
OUT="$(mktemp -d -p "${BENCH_DIR:-$PWD/build-bench}")" # on disk (not tmpfs): syncs cost there
trap 'rm -rf "$OUT"' EXIT
TEMPLATE="$PWD/templates/service_order.json"

# seconds of one run: run TARGET [FLAGS...]
run() {
  local target="$1"
  shift
  rm -f "$OUT"/out.jsonl* "$OUT"/cp.json
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" --source "$TEMPLATE" --total "$N" --now 2024-01-01 --workers 2 --target "$target" -q "$@"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

measure() { # measure NAME TARGET [CHECKPOINT FLAGS...]
  local name="$1" target="$2"
  shift 2
  local on=() off=()
  for _ in $(seq "$ROUNDS"); do
    off+=("$(run "$target" --no-checkpoint)")
    on+=("$(run "$target" "$@")")
  done
  local m_on m_off
  m_on=$(printf '%s\n' "${on[@]}" | median)
  m_off=$(printf '%s\n' "${off[@]}" | median)
  awk -v name="$name" -v off="$m_off" -v on="$m_on" -v n="$N" 'BEGIN {
    printf "%-34s %9.2f s %9.2f s %8.0f %8.0f %7.3f\n", name, off, on, n / off, n / on, on / off }'
}

echo "checkpoints on vs off: $N service orders, 2 workers, median of $ROUNDS alternating rounds"
printf '%-34s %11s %11s %8s %8s %7s\n' "path" "off" "on" "docs/s" "docs/s" "on/off"
measure "file .jsonl, every 5 s (default)" "file:$OUT/out.jsonl"
measure "sim:, every 5 s + leases" "sim:latency_ms=0" --checkpoint "$OUT/cp.json"
measure "file .jsonl, every 1 s" "file:$OUT/out.jsonl" --checkpoint-every 1
