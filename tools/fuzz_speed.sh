#!/bin/bash
# The fuzzing build's speed, where a user feels it (issue 17; docs/PERFORMANCE.md, "Fuzzing at the speed of
# the table"). A thin wrapper: the benchmark suite measures it (its fuzzbuild.* measures, bench/fuzz_build.h,
# which run the fuzz build's binaries and read their output; the parsing lives there only):
#
#   tools/fuzz_speed.sh [--build DIR] [--ptcheck PTCHECK] [ptcheck bench options: --quick, --json FILE]
#
# runs `PTCHECK bench --fuzz-build DIR --filter '^fuzzbuild\.'`: fuzz_ops replaying every seed 200 times
# beside the same binary on the table alone (PTCHECK_FUZZ_TABLE_ALONE=1), a 20 s fuzzing run of fuzz_ops
# and of fuzz_bitmap from their seeds, and the seconds to find each test-only broken target (the fuzz
# build's fuzz-broken tests) with their median. DIR defaults to build/fuzz, PTCHECK to the release build's.
# One core: every run is a single process. Figures from a loaded machine are low: compare the ratio, which
# two runs of the same binary share. (tools/fuzz_finds.sh stays for finds over several seeds or mutators.)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/fuzz
ptcheck=$root/build/release/tools/ptcheck
rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --ptcheck) ptcheck=$2; shift 2 ;;
    --runs|--time|--finds)
      echo "fuzz_speed.sh: $1 is gone: the suite fixes the runs and times (--quick: fewer) and always measures the finds" >&2
      exit 2 ;;
    *) rest+=("$1"); shift ;;
  esac
done
[ -x "$ptcheck" ] || { echo "fuzz_speed.sh: $ptcheck not built (cmake --preset release && cmake --build --preset release --target ptcheck)" >&2; exit 2; }
exec "$ptcheck" bench --fuzz-build "$build" --filter '^fuzzbuild\.' "${rest[@]}"
