#!/usr/bin/env bash
# Fuzzes the template compiler and generator (tests/fuzz/fuzz_template.c) with libFuzzer for
# SECONDS (default 60), then the checkpoint parser (tests/fuzz/fuzz_checkpoint.c, seeds in
# tests/fuzz/seeds_checkpoint/) and the Extended JSON reader against libbson's parser
# (tests/fuzz/fuzz_ejson_reader.c, seeds in tests/fuzz/seeds_ejson/) for a third of that each
# (at least 5 s). Builds build-fuzz/ with clang, ASan and UBSan. The corpus grows in
# build-fuzz/corpus/, seeded from templates/, tests/fixtures/conformance/, tests/fuzz/seeds/
# (asrun's extensions) and tests/fuzz/regressions/ (inputs that once failed, replayed by every
# run); a dictionary of operator, option and keyword names steers mutation. Crashes land in
# build-fuzz/artifacts/ and make this script fail; replay one with
#   build-fuzz/tests/fuzz/fuzz_template build-fuzz/artifacts/crash-...
# Usage: scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-60}"
shift || true
B=build-fuzz

command -v clang >/dev/null || scripts/setup.sh >/dev/null # installs clang, libclang-rt-14-dev
cmake -S . -B "$B" -DCMAKE_C_COMPILER=clang -DASR_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$B" --target fuzz_template fuzz_checkpoint fuzz_ejson_reader -j"$(nproc)" >/dev/null

mkdir -p "$B/corpus" "$B/artifacts"
SEEDS=(templates tests/fixtures/conformance tests/fuzz/seeds tests/fuzz/regressions)
# The dictionary: every quoted name in the seeds and in the compiler's sources (operators,
# options, keywords; word lists left out), the latter also as "$name".
{
  for d in "${SEEDS[@]}"; do cat "$d"/*.json; done | grep -oE '"\$?[A-Za-z_][A-Za-z0-9_]*"'
  for f in host/template/*.c; do
    [ "${f##*/}" = words.c ] || grep -ohE '"[A-Za-z_][A-Za-z0-9_]*"' "$f" || true
  done | sed -e 'p' -e 's/^"/"$/'
  echo '"customers"'; echo '"$vin"' # the referenced collection and custom operator fuzz_template.c declares
} | sort -u | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/"/' > "$B/template.dict"

echo "fuzz: fuzz_template for ${SECONDS_TO_RUN}s (corpus $B/corpus, crashes in $B/artifacts)"
"$B/tests/fuzz/fuzz_template" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -timeout=20 \
  -rss_limit_mb=2048 -print_final_stats=1 -dict="$B/template.dict" \
  -artifact_prefix="$B/artifacts/" "$@" "$B/corpus" "${SEEDS[@]}"

CP_SECONDS=$(( SECONDS_TO_RUN / 3 > 5 ? SECONDS_TO_RUN / 3 : 5 ))
mkdir -p "$B/corpus_checkpoint"
echo "fuzz: fuzz_checkpoint for ${CP_SECONDS}s (corpus $B/corpus_checkpoint)"
"$B/tests/fuzz/fuzz_checkpoint" -max_total_time="$CP_SECONDS" -max_len=4096 -timeout=20 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$B/artifacts/" "$@" \
  "$B/corpus_checkpoint" tests/fuzz/seeds_checkpoint

mkdir -p "$B/corpus_ejson"
echo "fuzz: fuzz_ejson_reader for ${CP_SECONDS}s (corpus $B/corpus_ejson)"
exec "$B/tests/fuzz/fuzz_ejson_reader" -max_total_time="$CP_SECONDS" -max_len=4096 -timeout=20 \
  -rss_limit_mb=2048 -print_final_stats=1 -dict=tests/fuzz/ejson.dict -artifact_prefix="$B/artifacts/" \
  "$@" "$B/corpus_ejson" tests/fuzz/seeds_ejson
