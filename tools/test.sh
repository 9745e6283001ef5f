#!/bin/sh
# The test command (README): installs the dependencies, builds under ASan+UBSan (clang) and runs
# every ctest test (labels: unit, scenario, oracle). Extra arguments go to ctest (e.g. -L unit).
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake --preset asan
cmake --build --preset asan
ctest --preset asan "$@"
