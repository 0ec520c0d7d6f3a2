#!/usr/bin/env bash
# The auto-scaler's own cost (goal: <= 1% of throughput). The same generation run
# (templates/service_order.json to null:, 2 workers, batch 2000) with the scaler off and on.
# On, its limits pin workers and batch size to those same values, so every check runs the
# whole path (metrics sample, Lua policy, safety gate, decision log record) but nothing can
# change: only the overhead differs. The check interval is 0.5 s, 20x more often than the
# balanced profile's 10 s: a deliberately pessimistic setting. Runs alternate off/on, PAIRS
# pairs; docs/s comes from --summary-json (avg_docs_per_second); medians are compared.
# Usage: bench/scaler_overhead.sh [DOCS] [PAIRS]   (default 5,000,000 docs: 3-5 s a run here; 7)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-5000000}"
PAIRS="${2:-7}"
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

BASE=(build-bench/asrun --source templates/service_order.json --total "$N" --target null:
      --workers 2 --batch-size 2000 -q)
OFF=(--no-auto-scaling)
ON=(--auto-scaling --min-workers 2 --max-workers 2 --min-batch-size 2000 --max-batch-size 2000
    --check-interval 0.5)

json() { # json FILE KEY: one top-level value of a --summary-json file (lua-dkjson, a setup package)
  lua5.4 - "$1" "$2" <<'EOF'
local f = assert(io.open(arg[1]))
local t = assert(require("dkjson").decode(f:read("a")), "not JSON: " .. arg[1])
print(t[arg[2]])
EOF
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== scaler overhead: $N docs of templates/service_order.json to null:, 2 workers, batch 2000"
echo "   off: ${BASE[*]} ${OFF[*]}"
echo "   on:  ${BASE[*]} ${ON[*]}"
echo "   ($PAIRS off/on pairs, alternating; $(nproc) cores, $(date -u +%Y-%m-%d))"
: >"$OUT/off" && : >"$OUT/on" && : >"$OUT/pair" && : >"$OUT/cpu_off" && : >"$OUT/cpu_on" && : >"$OUT/checks"
run() { # run off|on: sets RATE (docs/s) and CPU (user + system seconds of the process)
  local -n flags="${1^^}"
  /usr/bin/time -f "%U %S" -o "$OUT/time" "${BASE[@]}" "${flags[@]}" --summary-json "$OUT/$1.json"
  RATE=$(json "$OUT/$1.json" avg_docs_per_second)
  CPU=$(awk '{ print $1 + $2 }' "$OUT/time")
}
for i in $(seq "$PAIRS"); do
  run off; off=$RATE; cpu_off=$CPU
  [ "$(json "$OUT/off.json" auto_scaling)" = false ] || { echo "off run has auto_scaling on" >&2; exit 1; }
  run on; on=$RATE; cpu_on=$CPU
  checks=$(json "$OUT/on.json" scaling_decisions_count)
  w=$(json "$OUT/on.json" current_workers) b=$(json "$OUT/on.json" current_batch_size)
  [ "$(json "$OUT/on.json" auto_scaling)" = true ] && [ "$w" = 2 ] && [ "$b" = 2000 ] ||
    { echo "on run: auto_scaling off or settings moved ($w workers, batch $b)" >&2; exit 1; }
  echo "$off" >>"$OUT/off"; echo "$on" >>"$OUT/on"; echo "$checks" >>"$OUT/checks"
  echo "$cpu_off" >>"$OUT/cpu_off"; echo "$cpu_on" >>"$OUT/cpu_on"
  awk -v a="$off" -v b="$on" 'BEGIN { print 100 * (a - b) / a }' >>"$OUT/pair"
  printf 'pair %d: off %9.0f docs/s (%5.2f CPU s)   on %9.0f docs/s (%5.2f CPU s, %s checks)\n' \
    "$i" "$off" "$cpu_off" "$on" "$cpu_on" "$checks"
done
off=$(median <"$OUT/off") on=$(median <"$OUT/on")
cpu_off=$(median <"$OUT/cpu_off") cpu_on=$(median <"$OUT/cpu_on") pair=$(median <"$OUT/pair")
spread=$(sort -g "$OUT/off" | awk -v m="$off" '{ v[NR] = $1 } END { printf "%.0f", 100 * (v[NR] - v[1]) / m }')
echo
printf 'median: off %.0f docs/s, on %.0f docs/s (%s checks a run, each metrics + policy + gate)\n' \
  "$off" "$on" "$(median <"$OUT/checks")"
printf 'median of the pairs'"'"' own overheads: %.2f%%\n' "$pair"
awk -v a="$cpu_off" -v b="$cpu_on" 'BEGIN {
  printf "CPU time per run (user + system): off %.2f s, on %.2f s: %+.2f%% (less sensitive to the other load)\n",
    a, b, 100 * (b - a) / a }'
echo "noise: the off runs alone spread over ${spread}% of their median"
awk -v off="$off" -v on="$on" 'BEGIN {
  pct = 100 * (off - on) / off
  printf "scaler overhead (medians of docs/s): %.2f%% (negative: on was faster)  goal <= 1%%: %s\n",
    pct, pct <= 1 ? "met" : "NOT met" }'
