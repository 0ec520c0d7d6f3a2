#!/usr/bin/env bash
# The policy lab's table (README, "The policy lab, and why hill is the default"): every shipped
# scenario, every built-in policy, in virtual time, so the figures are the same on any machine
# and at any load; only the seconds it takes vary. Writes the JSON next to the table.
# Usage: bench/lab.sh [PROFILE] [JSON]   (default balanced, out/lab.json)
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${1:-balanced}"
JSON="${2:-out/lab.json}"
scripts/setup.sh build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
mkdir -p "$(dirname "$JSON")"
start=$(date +%s.%N)
build-bench/asrun lab --profile "$PROFILE" --json "$JSON"
awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "\n(lab run in %.1f s of wall time; JSON in '"$JSON"')\n", e - s }'
