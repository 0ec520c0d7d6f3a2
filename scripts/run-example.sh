#!/usr/bin/env bash
# README command 1: install, build, and run the example generation strategy on the embedded
# default (a JSON-lines file under ./out/, no server needed).
set -euo pipefail
cd "$(dirname "$0")/.."
ASRUN_TEST_DEPS=0 scripts/setup.sh build
exec build/asrun strategies/generate_orders.lua --profile balanced "$@"
