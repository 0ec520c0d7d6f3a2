#!/usr/bin/env bash
# README command 2: install, build with warnings as errors, and run every test:
# cmocka (C modules), busted (Lua), end-to-end runs of the binary (with the conformance check
# against mgeneratejs), then a short fuzz of the template compiler (FUZZ_SECONDS, default 30;
# 0 skips it; scripts/fuzz.sh runs longer ones).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build-test -DASR_WERROR=ON
ctest --test-dir build-test --output-on-failure -j2
FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
if [ "$FUZZ_SECONDS" -gt 0 ]; then
  status=0
  scripts/fuzz.sh "$FUZZ_SECONDS" > build-test/fuzz.log 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    tail -n 80 build-test/fuzz.log
    echo "fuzz: failed (exit $status); the log is build-test/fuzz.log, the input in build-fuzz/artifacts/"
    exit "$status"
  fi
  grep -E '^(fuzz:|stat::)' build-test/fuzz.log
fi
