#!/usr/bin/env bash
# Host benchmarks (issue: the asrun host). Builds a Release tree and prints:
#  1. the pipeline alone (trivial source -> queue -> workers -> null) against 1,000,000 docs/s
#  1b. our JSONL writer against libbson's bson_as_relaxed_extended_json, same document (and
#      canonical mode, --json-format canonical, against bson_as_canonical_extended_json)
#  1c. template compile time at 20,000 and 200,000 keys (n log n: about 12x, not 100x)
#  2. generation of the example template to null: and to a JSONL file, docs/s
#  3. peak RSS of a 10,000,000-document generation run against the 200 MB bound
#  1d. deterministic _ids: CPU per document with and without the _id pass (core/doc_id.h)
#  1e. our Extended JSON reader against libbson's JSON parser on service orders (one core), and
#      the whole JSONL -> BSON file path with it, 2 workers (issue 12's goal: 400,000 docs/s)
#  1g. the migration path against its Node.js peer (bench/migrate_peer.sh: the `bson` package,
#      one thread): JSONL -> BSON without and with the example transform, BSON -> BSON with it
#  4. the auto-scaler: cost of one policy decision (goal < 1 ms) and its overhead on a run
#     (goal <= 1%); with ASRUN_BENCH_MONGO=1 also auto-scaled vs fixed against the MongoDB
#     test server (bench/autoscale_mongo.sh: needs Node.js, takes minutes; bench/mongo_bench.sh
#     is the other MongoDB benchmark, run on its own) and MongoDB -> MongoDB migration with and
#     without the example transform (bench/migrate_mongo.sh)
# Usage: [ASRUN_BENCH_MONGO=1] bench/run.sh [DOCS_FOR_GENERATION]   (default 2,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-2000000}"
BIG=10000000
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench --target pipeline_bench ejson_writer_bench policy_bench \
  template_compile_bench doc_id_bench ejson_reader_bench -j2 >/dev/null
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
TEMPLATE=templates/service_order.json

echo "== machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)"
echo
echo "== 1. pipeline alone"
build-bench/pipeline_bench 20000000
echo

rate() { # rate DOCS SECONDS
  awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'
}
timed() { # timed CMD... ; prints seconds
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

echo "== 1b. JSONL writer against libbson's Extended JSON writers, relaxed and canonical (one core)"
build-bench/ejson_writer_bench 2
echo

echo "== 1c. template compile time against template size (one core)"
build-bench/template_compile_bench 20000
echo

echo "== 1d. deterministic _ids: the pass database targets run, on and off (CPU per document)"
build-bench/doc_id_bench 2000000
grep -v '"_id"' "$TEMPLATE" > "$OUT/no_id.json" # the example template without its _id
build-bench/doc_id_bench 500000 "$OUT/no_id.json"
echo

echo "== 1e. asrun.fields: field operations in C against none and the same in Lua (BSON to null:)"
bench/fields.sh 300000 3
echo

echo "== 1f. JSONL reader: ours against libbson's JSON parser, service orders (one core)"
build-bench/asrun --source "$TEMPLATE" --total 300000 --seed 1 --target "file:$OUT/orders.jsonl" -q
build-bench/ejson_reader_bench "$OUT/orders.jsonl" 2
s=$(timed build-bench/asrun --source "jsonl:$OUT/orders.jsonl" --target "file:$OUT/orders.bson" --workers 2 -q)
echo "JSONL -> BSON file, no transform, 2 workers: $(rate 300000 "$s") docs/s  (${s} s; goal 400,000)"
rm -f "$OUT/orders.bson"
echo

echo "== 1g. migration against the Node.js peer (ASRUN_BENCH_BIG=1 bench/migrate_peer.sh adds peak RSS at 10M)"
bench/migrate_peer.sh 300000
echo

echo "== 2. generation of $TEMPLATE, $N documents, 2 workers"
s=$(timed build-bench/asrun --source "$TEMPLATE" --total "$N" --target null: --workers 2 -q)
echo "to null:         $(rate "$N" "$s") docs/s  (${s} s)"
# Files twice: on disk (what users get) and in tmpfs (the CPU cost without the disk).
for dir in "$OUT" /dev/shm; do
  [ -d "$dir" ] || continue
  for ext in jsonl bson; do
    f="$dir/asrun-bench-gen.$ext"
    s=$(timed build-bench/asrun --source "$TEMPLATE" --total "$N" --target "file:$f" --workers 2 -q)
    mb=$(( $(stat -c %s "$f") / 1024 / 1024 ))
    printf 'to file:*.%-6s %s docs/s  (%s s, %s MiB, in %s)\n' "$ext" "$(rate "$N" "$s")" "$s" "$mb" \
      "$( [ "$dir" = /dev/shm ] && echo tmpfs || echo "$(df --output=fstype "$dir" | tail -1) on disk")"
    rm -f "$f"
  done
done
echo

echo "== 3. peak RSS, $BIG documents to a JSONL file"
/usr/bin/time -f "%M" -o "$OUT/rss" build-bench/asrun --source "$TEMPLATE" --total "$BIG" \
  --target "file:$OUT/big.jsonl" --workers 2 -q
kb=$(cat "$OUT/rss")
awk -v kb="$kb" 'BEGIN { printf "peak RSS %.1f MB (bound 200 MB: %.2fx of the bound)\n", kb / 1024, kb / 1024 / 200 }'
echo

echo "== 4. auto-scaler: one policy decision (each built-in policy)"
build-bench/policy_bench 20000
echo
echo "== 4b. auto-scaler: overhead on a run (scaler off vs on at the same pinned configuration)"
bench/scaler_overhead.sh
echo
echo "== 4c. auto-scaled vs fixed configuration on a simulated database (best at 22 writers)"
bench/autoscale_sim.sh
if [ "${ASRUN_BENCH_MONGO:-0}" = 1 ]; then
  echo
  echo "== 4d. auto-scaled vs fixed configuration against the MongoDB test server"
  bench/autoscale_mongo.sh
  echo
  echo "== 4e. MongoDB -> MongoDB migration, with and without the example transform"
  bench/migrate_mongo.sh
else
  echo
  echo "(4d. auto-scaled vs fixed against the MongoDB test server, 4e. MongoDB -> MongoDB migration:"
  echo "     ASRUN_BENCH_MONGO=1 bench/run.sh, or bench/autoscale_mongo.sh and bench/migrate_mongo.sh)"
fi
