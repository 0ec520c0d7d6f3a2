#!/usr/bin/env bash
# Generation speed of this tree against another revision, measured in the same run: the example
# template (templates/service_order.json) to null:, and to .jsonl and .bson files on disk and in
# tmpfs; 2 workers, the same seed for both, alternating runs, median of ROUNDS. Prints docs/s
# and the ratio this tree / REV for each row (above 1: this tree is faster).
# Usage: bench/generation_ab.sh REV [DOCS] [ROUNDS]   (default 2,000,000 documents, 5 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
REV="$1" N="${2:-2000000}" ROUNDS="${3:-5}"
TEMPLATE="$PWD/templates/service_order.json"
OUT="$(mktemp -d)"
trap 'remove_rev "$OUT/base"; rm -rf "$OUT"; rm -f /dev/shm/asrun-ab.*' EXIT
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
BINS=(build-bench/asrun "$(build_rev "$REV" "$OUT/base")")

run() { # run BIN TARGET: seconds for N documents
  seconds "$1" --source "$TEMPLATE" --total "$N" --seed 1 --target "$2" --workers 2 -q
}

echo "== generation, $N service orders, 2 workers, median of $ROUNDS alternating runs: this tree vs $REV"
for target in null: "file:$OUT/g.jsonl" "file:$OUT/g.bson" file:/dev/shm/asrun-ab.jsonl file:/dev/shm/asrun-ab.bson; do
  : >"$OUT/t0"; : >"$OUT/t1"
  for _ in $(seq "$ROUNDS"); do
    for i in 0 1; do
      run "${BINS[$i]}" "$target" >>"$OUT/t$i"; echo >>"$OUT/t$i"
      rm -f "${target#file:}"
    done
  done
  a=$(median <"$OUT/t0") b=$(median <"$OUT/t1")
  where=$(case "$target" in null:) echo null: ;; file:/dev/shm/*) echo "tmpfs .${target##*.}" ;; *) echo "disk .${target##*.}" ;; esac)
  awk -v w="$where" -v n="$N" -v a="$a" -v b="$b" -v r="$REV" \
    'BEGIN { printf "%-11s this tree %9.0f docs/s  %s %9.0f docs/s  ratio %.3f\n", w, n / a, r, n / b, b / a }'
done
