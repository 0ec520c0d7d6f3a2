#!/usr/bin/env bash
# What watching a run costs (goal: <= 1% of throughput). The same generation run
# (templates/service_order.json to null:, 2 workers, batch 2000, auto-scaling on with a 1 s
# check so the series and the decisions fill) without and with everything issue 14 adds:
# --metrics-listen (scraped every 0.2 s, 25x Prometheus's usual 5 s), --report (the
# page written at the end), the run history (recorded at the end). Off passes --no-history.
# Runs alternate off/on, PAIRS pairs; docs/s from --summary-json and asrun's own CPU seconds
# (user + system, /usr/bin/time); medians compared. The goal is on asrun's CPU seconds: the
# scraper is another process on the same 2 cores, so docs/s also carries what it takes.
# One python3 process scrapes (a curl per scrape cost about 4% of docs/s by itself).
# Usage: bench/monitor_overhead.sh [DOCS] [PAIRS]   (default 5,000,000 docs; 7 pairs)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-5000000}"
PAIRS="${2:-7}"
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
OUT="$(mktemp -d)"
SCRAPER=""
trap '[ -n "$SCRAPER" ] && kill "$SCRAPER" 2>/dev/null; rm -rf "$OUT"' EXIT
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

BASE=(build-bench/asrun --source templates/service_order.json --total "$N" --target null:
      --workers 2 --batch-size 2000 --auto-scaling --min-workers 2 --max-workers 2
      --min-batch-size 2000 --max-batch-size 2000 --check-interval 1 -q)
OFF=(--no-history)
ON=(--metrics-listen "127.0.0.1:$PORT" --report "$OUT/report.html" --history "$OUT/history.sqlite")

json() { lua5.4 -e "print(require('dkjson').decode(io.open('$1'):read('a'))['$2'])"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
scrape() { # every 0.2 s while the run is up; counts the answers in $OUT/scrapes
  exec python3 -u -c '
import sys, time, urllib.request
while True:
    time.sleep(0.2)
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1).read()
        print(flush=True)
    except OSError:
        pass' "http://127.0.0.1:$PORT/metrics" >>"$OUT/scrapes"
}

echo "== monitoring overhead: $N docs of templates/service_order.json to null:, 2 workers, batch 2000"
echo "   off: ${BASE[*]} ${OFF[*]}"
echo "   on:  ${BASE[*]} ${ON[*]} (+ /metrics scraped every 0.2 s)"
echo "   ($PAIRS off/on pairs, alternating; $(nproc) cores, $(date -u +%Y-%m-%d))"
: >"$OUT/off" && : >"$OUT/on" && : >"$OUT/pair" && : >"$OUT/cpu_off" && : >"$OUT/cpu_on"
cpu() { awk '{ print $1 + $2 }' "$OUT/time"; }
for i in $(seq "$PAIRS"); do
  /usr/bin/time -f "%U %S" -o "$OUT/time" "${BASE[@]}" "${OFF[@]}" --summary-json "$OUT/off.json"
  off=$(json "$OUT/off.json" avg_docs_per_second) cpu_off=$(cpu)
  : >"$OUT/scrapes"
  scrape & SCRAPER=$!
  /usr/bin/time -f "%U %S" -o "$OUT/time" "${BASE[@]}" "${ON[@]}" --summary-json "$OUT/on.json"
  kill "$SCRAPER"; wait "$SCRAPER" 2>/dev/null || true; SCRAPER=""
  on=$(json "$OUT/on.json" avg_docs_per_second) cpu_on=$(cpu)
  echo "$cpu_off" >>"$OUT/cpu_off"; echo "$cpu_on" >>"$OUT/cpu_on"
  [ -s "$OUT/report.html" ] || { echo "the on run wrote no report" >&2; exit 1; }
  echo "$off" >>"$OUT/off"; echo "$on" >>"$OUT/on"
  awk -v a="$off" -v b="$on" 'BEGIN { print 100 * (a - b) / a }' >>"$OUT/pair"
  printf 'pair %d: off %9.0f docs/s (%5.2f CPU s)   on %9.0f docs/s (%5.2f CPU s, %d scrapes answered)\n' \
    "$i" "$off" "$cpu_off" "$on" "$cpu_on" "$(wc -l <"$OUT/scrapes")"
done
off=$(median <"$OUT/off") on=$(median <"$OUT/on") pair=$(median <"$OUT/pair")
cpu_off=$(median <"$OUT/cpu_off") cpu_on=$(median <"$OUT/cpu_on")
echo
printf 'median: off %.0f docs/s, on %.0f docs/s; median of the pairs'"'"' own overheads %.2f%%\n' \
  "$off" "$on" "$pair"
awk -v off="$off" -v on="$on" 'BEGIN {
  printf "docs/s (with the scraper beside it on the same cores): %+.2f%%\n", 100 * (on - off) / off }'
awk -v a="$cpu_off" -v b="$cpu_on" 'BEGIN {
  pct = 100 * (b - a) / a
  printf "monitoring overhead (medians of asrun CPU seconds): off %.2f s, on %.2f s: %+.2f%%  goal <= 1%%: %s\n",
    a, b, pct, pct <= 1 ? "met" : "NOT met" }'
