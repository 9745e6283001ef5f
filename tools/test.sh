#!/bin/sh
# The test command (README): installs the dependencies, builds under ASan+UBSan (clang) and runs
# every ctest test (labels: unit, scenario, oracle). Extra arguments go to ctest (e.g. -L unit).
# Then the suite must have left the source tree as it found it (tools/check_clean_tree.sh): tests write
# only under build/.
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake --preset asan
cmake --build --preset asan
tools/check_clean_tree.sh --save build/asan/tree-before-tests.txt
ctest --preset asan "$@"
tools/check_clean_tree.sh --since build/asan/tree-before-tests.txt
