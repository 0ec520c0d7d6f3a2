#!/usr/bin/env bash
# README command 2: install, build with warnings as errors, and run every test:
# cmocka (C modules), busted (Lua), end-to-end runs of the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build-test -DASR_WERROR=ON
ctest --test-dir build-test --output-on-failure -j2
