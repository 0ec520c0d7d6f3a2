#!/usr/bin/env bash
# The cost of running strategy code per document, against another revision of asrun measured
# in the same run (alternating, median of 3): a transform (the example migration's), a custom
# template operator (on a two-field template, 10x DOCS), and a transform that spends its time
# in Lua (where the per-call guard of budgets and interrupts costs most). Service orders
# generated to null:, 2 workers.
# Usage: bench/lua_calls.sh [DOCS] [BASE_REV]   (default 300000; no BASE_REV: this tree only)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N="${1:-300000}"
BASE_REV="${2:-}"
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
OUT="$(mktemp -d)"
BASE_TREE=""
cleanup() {
  if [ -n "$BASE_TREE" ]; then remove_rev "$BASE_TREE"; fi
  rm -rf "$OUT"
}
trap cleanup EXIT
BINS=(build-bench/asrun)
NAMES=("this tree")
if [ -n "$BASE_REV" ]; then
  BASE_TREE="$OUT/base"
  BINS+=("$(build_rev "$BASE_REV" "$BASE_TREE")")
  NAMES+=("$BASE_REV")
fi
TEMPLATE="$PWD/templates/service_order.json"

strategy() { # strategy NAME TEMPLATE_FIELD EXTRA_FIELDS [DOCS]
  cat > "$OUT/$1.lua" <<LUA
return {
  source = { kind = "template", $2, total = ${4:-$N} },
  target = "null:",
  workers = 2,
  $3
}
LUA
}
strategy transform "path = \"$TEMPLATE\"" '
  transform = function(doc)
    doc.order_no = doc.orderNumber
    doc.orderNumber = nil
    local total = 0
    for _, item in ipairs(doc.lineItems or {}) do total = total + item.quantity * item.unitPrice end
    doc.total = math.floor(total * 100 + 0.5) / 100
    doc.schemaVersion = 3
    return doc
  end,'
strategy operator 'template = [[{"vin": "$vin", "n": "$inc"}]]' '
  operators = { vin = function(rng, opts) return "W" .. rng:integer(100000, 999999) end },' \
  $((N * 10)) # about 20x faster than the others: 10x the documents for a measurable run
strategy lua_heavy "path = \"$TEMPLATE\"" '
  transform = function(doc)
    local h = 0
    for i = 1, 2000 do h = (h * 31 + i) % 1000003 end
    doc.h = h
    return doc
  end,'


echo "== Lua per document: $N service orders (operator: $((N * 10)) two-field documents) to null:, 2 workers, median of 3 alternating runs"
for w in transform operator lua_heavy; do
  declare -a times=()
  for i in "${!BINS[@]}"; do times[$i]=""; done
  for round in 1 2 3; do
    for i in "${!BINS[@]}"; do times[$i]="${times[$i]} $(seconds "${BINS[$i]}" "$OUT/$w.lua" -q)"; done
  done
  line="$(printf '%-10s' "$w")"
  for i in "${!BINS[@]}"; do
    m=$(printf '%s\n' ${times[$i]} | median)
    docs=$N
    [ "$w" = operator ] && docs=$((N * 10))
    rates[$i]=$(awk -v n="$docs" -v s="$m" 'BEGIN { printf "%.0f", n / s }')
    line="$line  ${NAMES[$i]}: ${rates[$i]} docs/s"
  done
  if [ ${#BINS[@]} -gt 1 ]; then
    line="$line  ratio $(awk -v a="${rates[0]}" -v b="${rates[1]}" 'BEGIN { printf "%.3f", a / b }')"
  fi
  echo "$line"
done
