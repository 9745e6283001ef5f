#!/bin/sh
# The main job (README): installs the dependencies, builds the release preset (gcc) and runs
# `ptcheck check` on the built-in optimized table. Extra arguments go to `ptcheck check`.
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake --preset release
cmake --build --preset release --target ptcheck
build/release/tools/ptcheck check "$@"
