#!/usr/bin/env bash
# README command 2: install, build with warnings as errors, and run every test:
# cmocka (C modules), busted (Lua), end-to-end runs of the binary (with the conformance check
# against mgeneratejs), the bad-input corpus (tests/bad) again with an ASan+UBSan binary
# (ASAN_CORPUS=0 skips it), then a short fuzz of the template compiler (FUZZ_SECONDS, default 30;
# 0 skips it; scripts/fuzz.sh runs longer ones).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build-test -DASR_WERROR=ON
ctest --test-dir build-test --output-on-failure -j2
if [ "${ASAN_CORPUS:-1}" != 0 ]; then
  # Only the binary: a sanitizer report (or a crash) in any case fails it (tests/bad/run.sh).
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASR_WERROR=ON -DASR_ASAN=ON \
        -DASR_UBSAN=ON -DBUILD_TESTING=OFF >/dev/null
  cmake --build build-asan --target asrun -j"$(nproc)" >/dev/null
  tests/bad/run.sh build-asan/asrun > build-asan/bad-corpus.log 2>&1 || {
    grep -v '^ok' build-asan/bad-corpus.log
    echo "bad-input corpus under ASan+UBSan: failed; the log is build-asan/bad-corpus.log"
    exit 1
  }
  tail -n 1 build-asan/bad-corpus.log
fi
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
