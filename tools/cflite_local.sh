#!/bin/bash
# Runs .clusterfuzzlite/build.sh here the way ClusterFuzzLite runs it in CI (clang, ASan+UBSan, libFuzzer
# through LIB_FUZZING_ENGINE), checks that every fuzzer landed in OUT with its seed corpus zip,
# dictionary and .options, then fuzzes each one for a short fixed budget from its unzipped seed corpus,
# with the flags of its .options file. Fails (exit 1) on a missing output or on any crash.
#
#   tools/cflite_local.sh [OUT_DIR]      OUT_DIR defaults to a temporary folder, removed at the end
#   CFLITE_FUZZ_SECONDS=N                the budget per fuzzer (default 20)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${CFLITE_FUZZ_SECONDS:-20}"

work="$(mktemp -d "${TMPDIR:-/tmp}/cflite-work.XXXXXX")"
if [ $# -ge 1 ]; then
  out="$1"
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"
  keep_out=1
else
  out="$(mktemp -d "${TMPDIR:-/tmp}/cflite-out.XXXXXX")"
  keep_out=0
fi
cleanup() {
  rm -rf "$work"
  [ "$keep_out" = 1 ] || rm -rf "$out"
}
trap cleanup EXIT

fail() {
  echo "cflite_local: FAIL: $*" >&2
  exit 1
}

fuzzers="$(sed -n 's/^set(PTCHECK_FUZZERS \(.*\))$/\1/p' "$repo/fuzz/CMakeLists.txt")"
[ -n "$fuzzers" ] || fail "no 'set(PTCHECK_FUZZERS ...)' line in fuzz/CMakeLists.txt"
# Nothing stale from an earlier run in OUT_DIR may pass the checks below.
for f in $fuzzers; do
  rm -f "$out/$f" "$out/${f}_seed_corpus.zip" "$out/$f.dict" "$out/$f.options"
done

flags="-O1 -g -fsanitize=address,undefined -fsanitize=fuzzer-no-link"
echo "cflite_local: building with .clusterfuzzlite/build.sh into $out"
t0=$SECONDS
env CC=clang CXX=clang++ CFLAGS="$flags" CXXFLAGS="$flags" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
  OUT="$out" SRC="$(dirname "$repo")" WORK="$work" \
  bash "$repo/.clusterfuzzlite/build.sh" || fail ".clusterfuzzlite/build.sh failed"
echo "cflite_local: build took $((SECONDS - t0)) s"

# What ClusterFuzzLite needs beside each fuzzer.
missing=""
for f in $fuzzers; do
  [ -x "$out/$f" ] || missing="$missing $f"
  for extra in "${f}_seed_corpus.zip" "$f.dict" "$f.options"; do
    [ -s "$out/$extra" ] || missing="$missing $extra"
  done
done
[ -z "$missing" ] || fail "missing or empty in $out:$missing"

unzip_to() {   # unzip_to ZIP DIR
  mkdir -p "$2"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$1" -d "$2"
  else
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"
  fi
}

# libFuzzer flags from an .options file's [libfuzzer] section, one a line: -key=value.
options_flags() {
  awk '
    /^[ \t]*\[/ { s = $0; gsub(/[ \t\[\]]/, "", s); in_lf = (s == "libfuzzer"); next }
    in_lf && /=/ && !/^[ \t]*[#;]/ {
      k = $0; sub(/=.*/, "", k); gsub(/[ \t]/, "", k)
      v = $0; sub(/^[^=]*=[ \t]*/, "", v); sub(/[ \t]+$/, "", v)
      print "-" k "=" v
    }' "$1"
}

ls -l "$out"
status=0
for f in $fuzzers; do
  corpus="$work/corpus/$f"
  unzip_to "$out/${f}_seed_corpus.zip" "$corpus"
  nseeds="$(find "$corpus" -type f | wc -l)"
  mapfile -t opts < <(options_flags "$out/$f.options")
  log="$work/$f.log"
  mkdir -p "$work/artifacts"
  echo "cflite_local: fuzzing $f for ${seconds}s from $nseeds seeds (${opts[*]})"
  t0=$SECONDS
  rc=0
  # Run from OUT, as ClusterFuzzLite does: the .options file names its dictionary relative to it.
  (cd "$out" && ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
     UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}" \
     "./$f" "${opts[@]}" -seed=1 -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 \
     -print_final_stats=1 -artifact_prefix="$work/artifacts/$f-" "$corpus") >"$log" 2>&1 || rc=$?
  crashes="$(find "$work/artifacts" -name "$f-*" -type f | head -5)"
  if [ "$rc" -ne 0 ] || [ -n "$crashes" ]; then
    status=1
    echo "cflite_local: FAIL: $f exited with status $rc after $((SECONDS - t0)) s; the end of its log:" >&2
    tail -n 60 "$log" >&2
    for c in $crashes; do
      keep="$repo/build/cflite-crashes"
      mkdir -p "$keep" && cp "$c" "$keep/"
      echo "cflite_local: crash input kept as build/cflite-crashes/$(basename "$c")" >&2
      if [ "$f" = fuzz_ops ]; then
        echo "  as a script: ptcheck explain build/cflite-crashes/$(basename "$c") --minimize${PTCHECK_TARGET:+ --target $PTCHECK_TARGET}" >&2
      fi
    done
  else
    stats="$(grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" |
             tr -s ' \t' ' ' | tr '\n' ' ')"
    echo "cflite_local: $f ok in $((SECONDS - t0)) s: $stats"
  fi
done
[ "$status" = 0 ] || fail "a fuzzer crashed (above)"
echo "cflite_local: all fuzzers built, packaged and fuzzed without a crash"
