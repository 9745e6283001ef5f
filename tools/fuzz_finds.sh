#!/bin/bash
# How fast fuzz_ops finds each test-only broken build of the optimized table, starting from the seed
# corpus (corpora/fuzz/fuzz_ops and corpora/scenarios, as the fuzz-broken ctest tests do).
#
#   tools/fuzz_finds.sh [--build DIR] [--time S | --runs N] [--seeds "1 2 3"] [--mutator structural|bytes] [BUG...]
#
# Prints one line per bug and seed: seconds to the first crash (or "not found"), the executions
# libFuzzer had reported by then, and the signature. Each crash is replayed on the built-in table
# too: one that fails there as well is a harness false positive (or a bug of the built-in table), and
# is flagged. --mutator bytes turns fuzz_ops's structural
# mutator off (PTCHECK_FUZZ_MUTATOR=bytes), to measure what it buys. --runs N bounds each run by
# executions instead of time: on a loaded machine, executions to the find are the fair comparison.
# Used for docs/PERFORMANCE.md.
set -u
build=build/fuzz
time_s=60
runs=""
seeds="1"
mutator=structural
bugs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --time) time_s=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --mutator) mutator=$2; shift 2 ;;
    -*) echo "fuzz_finds.sh: unknown option $1" >&2; exit 2 ;;
    *) bugs+=("$1"); shift ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
fuzzer=$build/fuzz/fuzz_ops
[ -x "$fuzzer" ] || { echo "fuzz_finds.sh: $fuzzer not built (cmake --preset fuzz && cmake --build --preset fuzz)" >&2; exit 2; }
if [ ${#bugs[@]} -eq 0 ]; then
  for lib in "$build"/broken/libptc_broken_*.so; do
    b=${lib##*/libptc_broken_}
    bugs+=("${b%.so}")
  done
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tmo=$((time_s + 30))
if [ -n "$runs" ]; then budget=(-runs="$runs"); limit="$runs runs"; tmo=3600; else budget=(-max_total_time="$time_s"); limit="$time_s s"; fi
for bug in "${bugs[@]}"; do
  for seed in $seeds; do
    rm -rf "${scratch:?}"/* && mkdir -p "$scratch/corpus" "$scratch/art"
    start=$(date +%s.%N)
    PTCHECK_FUZZ_MUTATOR=$mutator PTCHECK_TARGET=$build/broken/libptc_broken_$bug.so \
      timeout "$tmo" "$fuzzer" -seed="$seed" "${budget[@]}" -timeout=25 -rss_limit_mb=2048 \
      -artifact_prefix="$scratch/art/" -dict="$root/corpora/fuzz/fuzz_ops.dict" \
      "$scratch/corpus" "$root/corpora/fuzz/fuzz_ops" "$root/corpora/scenarios" >"$scratch/log" 2>&1
    end=$(date +%s.%N)
    execs=$(grep -oE '^#[0-9]+' "$scratch/log" | tail -1 | tr -d '#')
    sig=$(grep -m1 -oE 'ptcheck signature: \S+|AddressSanitizer: [a-z-]+' "$scratch/log")
    if ls "$scratch"/art/crash-* >/dev/null 2>&1; then
      also=""
      if ! "$fuzzer" "$scratch"/art/crash-* >/dev/null 2>&1; then
        also="  FAILS ON THE BUILT-IN TABLE TOO (input kept in $build/fuzz_finds/)"
        mkdir -p "$build/fuzz_finds" && cp "$scratch"/art/crash-* "$build/fuzz_finds/"
      fi
      printf '%-28s seed %-3s %6.1f s  ~%7s execs  %s%s\n' "$bug" "$seed" "$(echo "$end - $start" | bc)" "${execs:-0}" "$sig" "$also"
    else
      printf '%-28s seed %-3s not found in %s (%s execs)\n' "$bug" "$seed" "$limit" "${execs:-0}"
    fi
  done
done
