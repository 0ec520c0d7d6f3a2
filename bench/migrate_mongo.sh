#!/usr/bin/env bash
# MongoDB -> MongoDB migration against the test server (issue 12, goal (d)): DOCS service
# orders are loaded into bench.src, then asrun (2 workers) copies them to bench.dst with no
# transform and with the example transform (strategies/migrate_jsonl_to_bson.lua's). Each
# measurement gets a fresh server (CongoDB, in memory, one Node.js thread; it slows as it
# fills, so every copy starts from the same DOCS documents), runs alternate none / transform,
# median of RUNS. Goal: the transform at >= 90% of the copy without it, because the server is
# the limit. Shown by CPU: the server's (from /proc/PID/stat over the copy) against the wall
# time (a single-threaded server near 100% of one core is saturated), and asrun's own.
# Usage: [ASRUN_BENCH_PORT=PORT] bench/migrate_mongo.sh [DOCS] [RUNS]   (default 100000, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
RUNS="${2:-3}"
PORT="${ASRUN_BENCH_PORT:-27881}" # not mongo_bench.sh's 27877 nor autoscale_mongo.sh's 27879
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
tests/server/install.sh >/dev/null
OUT="$(mktemp -d)"

source bench/congo_server.sh
trap 'stop_server; rm -rf "$OUT"' EXIT
TICKS=$(getconf CLK_TCK)

cat > "$OUT/none.lua" <<LUA
return { source = "$URI/bench.src", target = "$URI/bench.dst", workers = 2 }
LUA
cat > "$OUT/transform.lua" <<LUA
return {
  source = "$URI/bench.src", target = "$URI/bench.dst", workers = 2,
  transform = dofile("strategies/migrate_jsonl_to_bson.lua").transform, -- the example's
}
LUA

server_cpu() { awk -v t="$TICKS" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$SERVER_PID/stat"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# measure none|transform: a fresh server, DOCS orders loaded, one timed copy. Appends
# "docs/s wall asrun_cpu server_cpu written" to $OUT/MODE.runs and prints the run.
measure() {
  local t0 t1 s0 s1 written
  start_server
  build-bench/asrun --source templates/service_order.json --total "$N" --seed 1 --workers 2 \
    --target "$URI/bench.src" -q --no-checkpoint
  s0=$(server_cpu)
  t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$OUT/time" build-bench/asrun "$OUT/$1.lua" -q --no-checkpoint \
    --summary-json "$OUT/summary.json" >/dev/null
  t1=$(date +%s.%N)
  s1=$(server_cpu)
  stop_server
  written=$(lua5.4 -e "print(math.tointeger(require('dkjson').decode(io.open('$OUT/summary.json'):read('a')).docs_written))")
  awk -v n="$N" -v a="$t0" -v b="$t1" -v s0="$s0" -v s1="$s1" -v w="$written" -v m="$1" '{
    wall = b - a; cpu = $1 + $2
    printf "%.0f %.3f %.3f %.3f %d\n", n / wall, wall, cpu, s1 - s0, w >> (ENVIRON["OUT"] "/" m ".runs")
    printf "  %-9s %7.0f docs/s  %6.2f s  written %d  asrun CPU %5.2f s (%3.0f%% of wall)  server CPU %5.2f s (%3.0f%% of wall)\n",
      m, n / wall, wall, w, cpu, 100 * cpu / wall, s1 - s0, 100 * (s1 - s0) / wall }' "$OUT/time"
}
export OUT

echo "== MongoDB -> MongoDB migration, $N service orders, CongoDB test server (a fresh one per run)," \
  "asrun 2 workers, $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M') UTC"
echo "   median of $RUNS alternating runs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$RUNS"); do measure none; measure transform; done
rate() { median $(cut -d' ' -f1 "$OUT/$1.runs"); }
none=$(rate none) transform=$(rate transform)
echo "no transform:   $none docs/s (median)"
echo "the transform:  $transform docs/s (median; read rate, the transform drops the cancelled 1 in 14)"
awk -v a="$transform" -v b="$none" 'BEGIN {
  r = a / b; printf "transform / none: %.1f%% (goal >= 90%%: %s)\n", 100 * r, (r >= 0.9) ? "met" : "NOT met" }'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
