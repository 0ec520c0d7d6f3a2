#!/usr/bin/env bash
# BSON -> BSON with the example transform (strategies/migrate_jsonl_to_bson.lua's), against the
# same copy without a transform, 2 workers: docs/s (wall) and CPU µs per document (user + sys,
# all threads; on a shared machine the steadier figure), median of 3. Then lconv_bench: where a
# transform's CPU goes on one thread (the BSON -> table -> BSON round trip, its halves, and the
# floor a lazy document could reach). Issue 12's goal: >= 200,000 docs/s with the transform.
# Usage: bench/transform_bson.sh [DOCS]   (default 300000)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-300000}"
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench --target lconv_bench -j2 >/dev/null
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
BIN=build-bench/asrun
"$BIN" --source templates/service_order.json --total "$N" --target "file:$OUT/in.bson" --workers 2 -q

cat > "$OUT/none.lua" <<LUA
return { source = "bson:$OUT/in.bson", target = "file:$OUT/out.bson", workers = 2 }
LUA
cat > "$OUT/transform.lua" <<LUA
return {
  source = "bson:$OUT/in.bson", target = "file:$OUT/out.bson", workers = 2,
  transform = dofile("strategies/migrate_jsonl_to_bson.lua").transform, -- the example's
}
LUA

measure() { # measure STRATEGY -> "wall cpu"
  /usr/bin/time -f "%e %U %S" -o "$OUT/time" "$BIN" "$1" -q >/dev/null
  awk '{ printf "%s %.3f\n", $1, $2 + $3 }' "$OUT/time"
}
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

echo "== BSON -> BSON, $N service orders ($(( $(stat -c %s "$OUT/in.bson") / N )) bytes each), 2 workers, median of 3"
for w in none transform; do
  walls=() cpus=()
  for round in 1 2 3; do
    read -r wall cpu < <(measure "$OUT/$w.lua")
    walls+=("$wall") cpus+=("$cpu")
  done
  wall=$(median3 "${walls[@]}") cpu=$(median3 "${cpus[@]}")
  awk -v w="$w" -v n="$N" -v s="$wall" -v c="$cpu" \
    'BEGIN { printf "%-10s %8.0f docs/s  %6.2f us CPU/doc  %8.0f docs/CPU-s\n", w, n / s, c * 1e6 / n, n / c }'
done
build-bench/lconv_bench "$OUT/in.bson" 20000
