#!/usr/bin/env bash
# asrun against the real mgeneratejs 0.6.0 (tests/peers/, pinned) on the same templates, both
# writing JSON lines to a file in the same directory: docs/s of each and the ratio (the goal is
# asrun >= 100x). mgeneratejs is single-threaded, so asrun is measured with 1 worker (the
# like-for-like ratio) and with one worker per core (what a user gets by default). Each row
# gives wall-clock docs/s and docs per CPU-second (user + sys of the whole process): on a
# shared machine the second is the steadier figure.
# Templates: templates/service_order.json, a flat 7-field one and a chance.js-heavy one
# (people, finance, web, places, time generators and a {{...}} string; written below).
# Usage: bench/mgeneratejs_bench.sh [MGENERATEJS_DOCS] [ASRUN_DOCS]   (default 200000 2000000)
set -euo pipefail
cd "$(dirname "$0")/.."
NM="${1:-200000}"
NA="${2:-2000000}"
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null # also installs tests/peers
MG=tests/peers/node_modules/mgeneratejs/bin/mgenerate.js
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
cat > "$OUT/simple.json" <<'EOF'
{
  "_id": "$objectid",
  "name": {"$string": {"length": 12}},
  "n": "$inc",
  "qty": {"$integer": {"min": 1, "max": 100}},
  "price": {"$floating": {"min": 1, "max": 500, "fixed": 2}},
  "active": "$bool",
  "created": {"$date": {"min": "2020-01-01", "max": "2024-12-31"}}
}
EOF
cat > "$OUT/chance.json" <<'EOF'
{
  "name": {"$name": {"middle": true}}, "gender": "$gender", "ssn": "$ssn",
  "birthday": {"$birthday": {"type": "adult"}}, "profession": "$profession",
  "card": {"$cc": {"type": "Visa"}}, "exp": "$exp", "iban": "$iban",
  "ipv6": "$ipv6", "mac": "$mac_address", "twitter": "$twitter", "avatar": "$avatar",
  "lat": "$latitude", "lng": "$longitude", "geohash": "$geohash", "postcode": "$postcode",
  "tz": "$timezone", "hour": {"$hour": {"twentyfour": true}}, "dice": "$d20",
  "greeting": "Hello {{chance.first()}}, you are {{chance.age()}}"
}
EOF

measure() { # measure STDOUT_FILE CMD... : sets WALL and CPU (user + sys, all threads) seconds
  local out="$1"
  shift
  /usr/bin/time -f "%e %U %S" -o "$OUT/time" "$@" > "$out"
  read -r WALL user sys < "$OUT/time"
  CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0fx", a / b }'; }
count() { # count FILE EXPECTED: the run must have written every document
  local n
  n=$(wc -l < "$1")
  [ "$n" -eq "$2" ] || { echo "bench: $1 has $n lines, expected $2" >&2; exit 1; }
}
row() { # row LABEL DOCS FILE
  printf '%-22s %9s docs/s %9s docs/CPU-s  (%s docs, %s s wall, %s s CPU, %s B/doc)' "$1" \
    "$(rate "$2" "$WALL")" "$(rate "$2" "$CPU")" "$2" "$WALL" "$CPU" "$(( $(stat -c %s "$3") / $2 ))"
}

echo "== machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d); node $(node --version);" \
  "output in $(df --output=fstype "$OUT" | tail -1)"
for tpl in templates/service_order.json "$OUT/simple.json" "$OUT/chance.json"; do
  echo
  echo "== $(basename "$tpl")"
  measure "$OUT/mg.jsonl" node "$MG" -n "$NM" < "$tpl"
  count "$OUT/mg.jsonl" "$NM"
  row "mgeneratejs 0.6.0" "$NM" "$OUT/mg.jsonl"
  echo
  mg_wall=$(rate "$NM" "$WALL") mg_cpu=$(rate "$NM" "$CPU")
  rm -f "$OUT/mg.jsonl"
  for w in 1 "$(nproc)"; do
    measure /dev/null build-bench/asrun --source "$tpl" --total "$NA" --target "file:$OUT/asrun.jsonl" \
      --workers "$w" -q
    count "$OUT/asrun.jsonl" "$NA"
    row "asrun, $w worker(s)" "$NA" "$OUT/asrun.jsonl"
    echo "  => $(ratio "$(rate "$NA" "$WALL")" "$mg_wall") mgeneratejs's docs/s," \
      "$(ratio "$(rate "$NA" "$CPU")" "$mg_cpu") per CPU-second"
    rm -f "$OUT/asrun.jsonl"
  done
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: compare the CPU-second ratios)"
