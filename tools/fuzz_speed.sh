#!/bin/bash
# The fuzzing build's speed, where a user feels it (issue 17; docs/PERFORMANCE.md, "Fuzzing speed"):
#
#   tools/fuzz_speed.sh [--build DIR] [--runs N] [--time S] [--finds]
#
#   fuzz_ops per input   each seed of fuzz_ops's corpus (corpora/fuzz/fuzz_ops, corpora/scenarios) run N times
#                        (libFuzzer's replay of individual files, -runs=N: no mutation) by the differential
#                        harness, then by the table alone in the same binary (PTCHECK_FUZZ_TABLE_ALONE=1):
#                        executions per second of each and the harness's cost as a multiple of the table's
#   fuzz_ops campaign    a real fuzzing run from the seeds, seed 1, S seconds: libFuzzer's exec/s (mutation,
#                        the aimed mutator's runs and coverage feedback included)
#   fuzz_bitmap campaign the same for fuzz_bitmap
#   --finds              tools/fuzz_finds.sh on every test-only broken table: seconds to the find, and the median
#
# One core: every run is a single process. Figures from a loaded machine are low: compare the ratio, which
# two runs of the same binary share.
set -u
build=build/fuzz
runs=200
time_s=20
finds=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --time) time_s=$2; shift 2 ;;
    --finds) finds=1; shift ;;
    *) echo "fuzz_speed.sh: unknown argument $1 (--build DIR, --runs N, --time S, --finds)" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz_ops=$build/fuzz/fuzz_ops
fuzz_bitmap=$build/fuzz/fuzz_bitmap
for f in "$fuzz_ops" "$fuzz_bitmap"; do
  [ -x "$f" ] || { echo "fuzz_speed.sh: $f not built (cmake --preset fuzz && cmake --build --preset fuzz)" >&2; exit 2; }
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

seeds=()
for f in "$root"/corpora/fuzz/fuzz_ops/* "$root"/corpora/scenarios/*.ops; do seeds+=("$f"); done

# Milliseconds libFuzzer reports for the individual-file replay of every seed (-runs=N each).
replay_ms() {
  "$fuzz_ops" -runs="$runs" -rss_limit_mb=4096 "${seeds[@]}" 2>&1 |
    awk '/^Executed .* in [0-9]+ ms$/ { ms += $(NF-1); n++ } END { printf "%d %d\n", ms, n }'
}
read -r harness_ms harness_n < <(PTCHECK_FUZZ_TABLE_ALONE=0 replay_ms)
read -r alone_ms alone_n < <(PTCHECK_FUZZ_TABLE_ALONE=1 replay_ms)
if [ "$harness_n" -ne "${#seeds[@]}" ] || [ "$alone_n" -ne "${#seeds[@]}" ]; then
  echo "fuzz_speed.sh: replayed $harness_n and $alone_n of ${#seeds[@]} seeds (did an input fail?)" >&2
  exit 1
fi
awk -v h="$harness_ms" -v a="$alone_ms" -v n="${#seeds[@]}" -v r="$runs" 'BEGIN {
  e = n * r
  printf "fuzz_ops per input: %d seeds x %d runs: harness %.0f execs/s, table alone %.0f execs/s: the harness costs %.1fx the table\n",
         n, r, e / (h / 1000), e / (a / 1000), h / a
}'

# libFuzzer's own rate over a fuzzing run: the last "exec/s:" it prints.
# libFuzzer writes what it finds into its first corpus folder: a scratch one, before the seed folders.
campaign() {
  local name=$1 fuzzer=$2
  shift 2
  rm -rf "${scratch:?}/$name" && mkdir -p "$scratch/$name"
  "$fuzzer" -seed=1 -max_total_time="$time_s" -timeout=25 -rss_limit_mb=2048 -artifact_prefix="$scratch/$name/" \
    "$scratch/$name" "$@" 2>&1 | awk -v name="$name" -v t="$time_s" '
      / exec\/s: / { for (i = 1; i < NF; i++) if ($i == "exec/s:") rate = $(i + 1); runs = $1 }
      /^==.*ERROR|^ptcheck signature/ { found = $0 }
      END { printf "%s campaign: %s execs/s over %s s (%s executions)%s\n", name, rate, t, substr(runs, 2),
                    found ? "; it stopped on a finding: " found : "" }'
}
campaign fuzz_ops "$fuzz_ops" -dict="$root/corpora/fuzz/fuzz_ops.dict" "$root/corpora/fuzz/fuzz_ops" "$root/corpora/scenarios"
campaign fuzz_bitmap "$fuzz_bitmap" -dict="$root/corpora/fuzz/fuzz_bitmap.dict" "$root/corpora/fuzz/fuzz_bitmap"

if [ "$finds" = 1 ]; then
  "$root/tools/fuzz_finds.sh" --build "$build" --time 60 | tee "$scratch/finds"
  missed=$(grep -c "not found" "$scratch/finds")
  awk '$5 == "s" { print $4 }' "$scratch/finds" | sort -n |
    awk -v missed="$missed" '{ v[NR] = $1 } END {
      if (NR) printf "time to find: median %.1f s, slowest %.1f s, over %d broken tables found", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR], NR
      printf "; %d not found\n", missed }'
fi
