#!/usr/bin/env bash
# The cost per document of asrun.fields (field operations in C on the BSON bytes) against no
# transform and against the same operations written as a Lua transform: service orders from a
# .bson file to null:, 2 workers, median of ROUNDS alternating runs; CPU is user + system of
# the whole process.
# fields_bench first prints the C rewrite alone (CPU ns per document on one thread).
# Usage: bench/fields.sh [DOCS] [ROUNDS]   (default 300000 3)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-300000}"
ROUNDS="${2:-3}"
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench --target fields_bench -j2 >/dev/null
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
BIN=build-bench/asrun
"$BIN" --source templates/service_order.json --total "$N" --target "file:$OUT/orders.bson" -q \
  --no-checkpoint
build-bench/fields_bench "$OUT/orders.bson" 5 # the rewrite alone, one thread

common="source = \"bson:$OUT/orders.bson\", target = \"null:\", workers = 2, batch_size = 1000,"
cat > "$OUT/none.lua" <<LUA
return { $common }
LUA
cat > "$OUT/fields.lua" <<LUA
local asrun = require("asrun")
return { $common
  transform = asrun.fields{
    rename = {orderNumber = "order_no", ["customer.region"] = "customer.area"},
    drop = {"notes"},
    set = {schemaVersion = 3},
    copy = {technicianId = "tech_id"},
    convert = {technicianId = "int64"},
  },
}
LUA
cat > "$OUT/lua.lua" <<LUA
local asrun = require("asrun")
return { $common
  transform = function(doc)
    doc.order_no, doc.orderNumber = doc.orderNumber, nil
    doc.customer.area, doc.customer.region = doc.customer.region, nil
    doc.notes = nil
    doc.schemaVersion = 3
    doc.tech_id = doc.technicianId
    doc.technicianId = asrun.int64(doc.technicianId)
    return doc
  end,
}
LUA

declare -A wall cpu
TIMEFORMAT='%R %U %S'
for r in $(seq "$ROUNDS"); do
  for v in none fields lua; do
    read -r w u s < <( { time "$BIN" "$OUT/$v.lua" -q --no-checkpoint >/dev/null 2>&1; } 2>&1 )
    wall[$v]+="$w "
    cpu[$v]+="$(echo "$u + $s" | bc) "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf "%-8s %12s %12s %14s\n" variant "docs/s" "CPU s" "CPU us/doc"
for v in none fields lua; do
  w=$(echo "${wall[$v]}" | median)
  c=$(echo "${cpu[$v]}" | median)
  printf "%-8s %12.0f %12.2f %14.2f\n" "$v" "$(echo "$N / $w" | bc -l)" "$c" \
    "$(echo "$c * 1000000 / $N" | bc -l)"
done
