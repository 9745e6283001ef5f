#!/bin/sh
# The main job (README): installs the dependencies, builds the release preset (gcc) and the fuzz preset
# (clang, libFuzzer), and runs `ptcheck check` on the built-in optimized table: every corpus replayed,
# then a short fuzz of each fuzzer. Extra arguments go to `ptcheck check` (e.g. --target lib.so).
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake --preset release
cmake --build --preset release --target ptcheck
cmake --preset fuzz
cmake --build --preset fuzz --target fuzz_ops fuzz_bitmap fuzz_script
build/release/tools/ptcheck check "$@"
