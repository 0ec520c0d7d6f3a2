#!/usr/bin/env bash
# The migration path against its Node.js peer (issue 12): asrun with 2 workers against
# bench/node/migrate_peer.mjs (the official `bson` package, pinned in bench/node, one thread),
# in the same run, on the same input, service orders from templates/service_order.json:
#   (a) JSONL (relaxed Extended JSON) -> BSON file, no transform
#   (b) JSONL -> BSON file with the example transform (strategies/migrate_jsonl_to_bson.lua's)
#   (c) BSON -> BSON file with that transform
# Runs alternate asrun / node, 3 each; medians of wall seconds and of CPU seconds (user + sys,
# every thread, /usr/bin/time). Then checks both outputs hold the same documents
# (bench/node/compare_bson.mjs) and prints the ratios against issue 12's goals:
#   (a) >= 400,000 docs/s and >= 15x node   (b) >= 8x node
#   (c) >= 200,000 docs/s and >= 3x node per CPU-second
# With ASRUN_BENCH_BIG=1, also (e): asrun's peak RSS on JSONL -> BSON file with the transform,
# 1,000,000 against 10,000,000 documents (goal: flat, under 200 MB). It takes minutes and
# about 17 GB of temporary disk (8.6 GB of JSONL in, 7.3 GB of BSON out).
# Usage: [ASRUN_BENCH_BIG=1] bench/migrate_peer.sh [DOCS]   (default 300000)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-300000}"
ROUNDS=3
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
(cd bench/node && { [ -d node_modules/bson ] && [ -d node_modules/mongodb ] ||
  npm ci --ignore-scripts --no-audit --no-fund >/dev/null; })
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
BIN=build-bench/asrun
PEER=bench/node/migrate_peer.mjs

"$BIN" --source templates/service_order.json --total "$N" --seed 1 --target "file:$OUT/in.jsonl" --workers 2 -q
"$BIN" --source "jsonl:$OUT/in.jsonl" --target "file:$OUT/in.bson" --workers 2 -q

# The example transform: strategies/migrate_jsonl_to_bson.lua's own.
TRANSFORM='
  transform = dofile("strategies/migrate_jsonl_to_bson.lua").transform,'
strategy() { # strategy NAME SOURCE TRANSFORM_OR_EMPTY: writes $OUT/NAME.lua, output $OUT/NAME.asrun.bson
  cat > "$OUT/$1.lua" <<LUA
return { source = "$2", target = "file:$OUT/$1.asrun.bson", workers = 2,$3
}
LUA
}
strategy a "jsonl:$OUT/in.jsonl" ""
strategy b "jsonl:$OUT/in.jsonl" "$TRANSFORM"
strategy c "bson:$OUT/in.bson" "$TRANSFORM"

measure() { # measure CMD...: sets WALL and CPU (seconds); a failed command ends the script
  local t0 t1
  sync # the previous run's output goes to the disk now, not during this one
  t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$OUT/time" "$@" >/dev/null
  t1=$(date +%s.%N)
  read -r WALL CPU < <(awk -v a="$t0" -v b="$t1" '{ printf "%.3f %.3f\n", b - a, $1 + $2 }' "$OUT/time")
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v >= g) ? "met" : "NOT met" }'; }

# run_case LETTER NODE_MODE NODE_INPUT: sets A_WALL A_CPU N_WALL N_CPU (medians).
run_case() {
  local aw=() ac=() nw=() nc=()
  for _ in $(seq "$ROUNDS"); do
    measure "$BIN" "$OUT/$1.lua" -q; aw+=("$WALL"); ac+=("$CPU")
    measure node "$PEER" "$2" "$3" "$OUT/$1.node.bson"; nw+=("$WALL"); nc+=("$CPU")
  done
  A_WALL=$(median "${aw[@]}") A_CPU=$(median "${ac[@]}") N_WALL=$(median "${nw[@]}") N_CPU=$(median "${nc[@]}")
  echo "  asrun runs: ${aw[*]} s wall, ${ac[*]} CPU-s"
  echo "  node runs:  ${nw[*]} s wall, ${nc[*]} CPU-s"
  awk -v n="$N" -v aw="$A_WALL" -v ac="$A_CPU" -v nw="$N_WALL" -v nc="$N_CPU" 'BEGIN {
    printf "  asrun, 2 workers: %9.0f docs/s  %6.2f CPU-s  %9.0f docs/CPU-s\n", n / aw, ac, n / ac
    printf "  node, one thread: %9.0f docs/s  %6.2f CPU-s  %9.0f docs/CPU-s\n", n / nw, nc, n / nc
    printf "  asrun / node: %.1fx docs/s, %.1fx per CPU-second\n", nw / aw, nc / ac }'
  printf '  same documents: '
  node bench/node/compare_bson.mjs "$OUT/$1.asrun.bson" "$OUT/$1.node.bson"
  rm -f "$OUT/$1.asrun.bson" "$OUT/$1.node.bson"
}
goal_rate() { # goal_rate MIN_DOCS_PER_S
  local r
  r=$(awk -v n="$N" -v s="$A_WALL" 'BEGIN { printf "%.0f", n / s }')
  echo "  goal: asrun >= $1 docs/s: $r, $(verdict "$r" "$1")"
}
goal_ratio() { # goal_ratio wall|cpu MIN_RATIO
  local r what="docs/s"
  if [ "$1" = wall ]; then r=$(awk -v a="$A_WALL" -v b="$N_WALL" 'BEGIN { printf "%.1f", b / a }')
  else r=$(awk -v a="$A_CPU" -v b="$N_CPU" 'BEGIN { printf "%.1f", b / a }'); what="per CPU-second"; fi
  echo "  goal: >= ${2}x node $what: ${r}x, $(verdict "$r" "$2")"
}

echo "== migration against the Node.js peer: $N service orders" \
  "($(( $(stat -c %s "$OUT/in.jsonl") / N )) B JSONL, $(( $(stat -c %s "$OUT/in.bson") / N )) B BSON)," \
  "$(nproc) cores, $(date -u '+%Y-%m-%d %H:%M') UTC"
echo "   node $(node --version), bson $(node -p 'require("./bench/node/node_modules/bson/package.json").version');" \
  "median of $ROUNDS alternating runs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(a) JSONL -> BSON file, no transform"
run_case a jsonl "$OUT/in.jsonl"
goal_rate 400000
goal_ratio wall 15
echo "(b) JSONL -> BSON file, the example transform"
run_case b jsonl-transform "$OUT/in.jsonl"
goal_ratio wall 8
echo "(c) BSON -> BSON file, the example transform"
run_case c bson-transform "$OUT/in.bson"
goal_rate 200000
goal_ratio cpu 3

if [ "${ASRUN_BENCH_BIG:-0}" = 1 ]; then
  echo "(e) peak RSS of asrun, JSONL -> BSON file with the example transform, 2 workers"
  rm -f "$OUT"/in.* "$OUT"/*.bson
  "$BIN" --source templates/service_order.json --total 10000000 --seed 1 --target "file:$OUT/big.jsonl" --workers 2 -q
  head -n 1000000 "$OUT/big.jsonl" > "$OUT/1m.jsonl"
  for input in 1m big; do
    strategy "e-$input" "jsonl:$OUT/$input.jsonl" "$TRANSFORM"
    t0=$(date +%s.%N)
    /usr/bin/time -f "%M %U %S" -o "$OUT/rss" "$BIN" "$OUT/e-$input.lua" -q
    t1=$(date +%s.%N)
    docs=$(wc -l < "$OUT/$input.jsonl")
    awk -v n="$docs" -v a="$t0" -v b="$t1" '{ printf "  %8d documents: peak RSS %6.1f MB (bound 200 MB: %s)  %7.0f docs/s  %7.1f CPU-s\n",
      n, $1 / 1024, ($1 / 1024 < 200) ? "met" : "NOT met", n / (b - a), $2 + $3 }' "$OUT/rss"
    rm -f "$OUT/e-$input.asrun.bson"
  done
  rm -f "$OUT"/*.jsonl
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
