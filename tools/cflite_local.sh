#!/bin/bash
# Runs the OSS-Fuzz builds here the way ClusterFuzzLite runs them in CI (clang, ASan+UBSan, libFuzzer
# through LIB_FUZZING_ENGINE, the build's own OUT, WORK and SRC; docker is not needed), then checks them:
#  1. ptcheck's own fuzzers: .clusterfuzzlite/build.sh. Every fuzzer must land in OUT with its seed
#     corpus zip, dictionary and .options, and is fuzzed for a short fixed budget from its unzipped seed
#     corpus, with the flags of its .options file.
#  2. a user's project: examples/ci-template's .clusterfuzzlite/build.sh, run as $SRC/build.sh with the
#     project in $SRC/project and ptcheck in $SRC/project's sibling $SRC/ptcheck, as its Dockerfile lays
#     them out. Its build installs ptcheck's harness (cmake --install into a prefix under WORK) and links
#     the user's table into fuzz_ops. Checked the same way, and that the table is the one linked in.
#  3. a kernel file through the same path (tools/oss_fuzz_build.sh examples/kernel-style: clang, the
#     access instrumentation, the fuzzing flags): its seed corpus replays clean, and with the one-line
#     broken split (-DKSTYLE_BREAK_SPLIT=ON) the replay stops at the lost dirty bit.
# The three share WORK, so ptcheck's harness is compiled once. Fails (exit 1) on a missing output, on any
# crash of 1 and 2, or when 3 is not as expected.
#
#   tools/cflite_local.sh [OUT_DIR]      ptcheck's fuzzers go to OUT_DIR (default: a temporary folder,
#                                        removed at the end)
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

# OSS-Fuzz's build environment for an ASan+UBSan libFuzzer build.
flags="-O1 -g -fsanitize=address,undefined -fsanitize=fuzzer-no-link"
oss_build() {   # oss_build OUT SRC COMMAND...: COMMAND in that environment
  local o="$1" s="$2"
  shift 2
  env CC=clang CXX=clang++ CFLAGS="$flags" CXXFLAGS="$flags" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
    OUT="$o" SRC="$s" WORK="$work/build" "$@"
}

# What ClusterFuzzLite needs beside each fuzzer.
check_outputs() {   # check_outputs OUT FUZZER...
  local o="$1" f extra missing=""
  shift
  for f in "$@"; do
    [ -x "$o/$f" ] || missing="$missing $f"
    for extra in "${f}_seed_corpus.zip" "$f.dict" "$f.options"; do
      [ -s "$o/$extra" ] || missing="$missing $extra"
    done
  done
  [ -z "$missing" ] || fail "missing or empty in $o:$missing"
  ls -l "$o"
}

unzip_to() {   # unzip_to ZIP DIR
  rm -rf "$2" && mkdir -p "$2"
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

# run_fuzzer OUT FUZZER LOG ARGS...: the fuzzer from OUT with its .options flags and ARGS, its seed
# corpus unzipped as the corpus; from OUT, as ClusterFuzzLite runs it (the .options file names its
# dictionary relative to it). Sets rc.
run_fuzzer() {
  local o="$1" f="$2" log="$3"
  shift 3
  local corpus="$work/corpus/$(basename "$o")-$f"
  unzip_to "$o/${f}_seed_corpus.zip" "$corpus"
  local opts
  mapfile -t opts < <(options_flags "$o/$f.options")
  echo "cflite_local: $o/$f from $(find "$corpus" -type f | wc -l) seeds (${opts[*]} $*)"
  rc=0
  (cd "$o" && ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
     UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}" \
     "./$f" "${opts[@]}" "$@" "$corpus") >"$log" 2>&1 || rc=$?
}

status=0
fuzz_clean() {   # fuzz_clean OUT FUZZER: a short fixed-seed run must end without a crash
  local o="$1" f="$2" log="$work/$(basename "$1")-$2.log" t0=$SECONDS
  mkdir -p "$work/artifacts"
  run_fuzzer "$o" "$f" "$log" -seed=1 -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/$f-"
  local crashes c
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
    rm -f $crashes
  else
    stats="$(grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" |
             tr -s ' \t' ' ' | tr '\n' ' ')"
    echo "cflite_local: $f ok in $((SECONDS - t0)) s: $stats"
  fi
}

# 1. ptcheck's own fuzzers.
echo "cflite_local: building with .clusterfuzzlite/build.sh into $out"
t0=$SECONDS
oss_build "$out" "$(dirname "$repo")" bash "$repo/.clusterfuzzlite/build.sh" || fail ".clusterfuzzlite/build.sh failed"
echo "cflite_local: build took $((SECONDS - t0)) s"
# shellcheck disable=SC2086
check_outputs "$out" $fuzzers
for f in $fuzzers; do
  fuzz_clean "$out" "$f"
done

# 2. The template user project, laid out as its Dockerfile lays out the image.
src="$work/src"
template_out="$work/template-out"
mkdir -p "$src" "$template_out"
ln -s "$repo" "$src/ptcheck"
ln -s "$repo/examples/ci-template" "$src/project"
cp "$repo/examples/ci-template/.clusterfuzzlite/build.sh" "$src/build.sh"
echo "cflite_local: building examples/ci-template with its .clusterfuzzlite/build.sh into $template_out"
t0=$SECONDS
(cd "$src/project" && oss_build "$template_out" "$src" bash "$src/build.sh") ||
  fail "examples/ci-template/.clusterfuzzlite/build.sh failed"
echo "cflite_local: build took $((SECONDS - t0)) s"
check_outputs "$template_out" fuzz_ops
# The table is the one linked in: a fuzzer without one would try to load PTCHECK_TARGET and exit 2.
linked_log="$work/template-linked.log"
PTCHECK_TARGET=/nonexistent/libnone.so run_fuzzer "$template_out" fuzz_ops "$linked_log" -runs=0
if [ "$rc" -ne 0 ] || ! grep -q "the table is linked in; PTCHECK_TARGET=/nonexistent/libnone.so is not loaded" "$linked_log"; then
  tail -n 20 "$linked_log" >&2
  fail "examples/ci-template's fuzz_ops (exit $rc) does not run the table linked into it"
fi
fuzz_clean "$template_out" fuzz_ops

# 3. A kernel file: green, then the broken split caught.
[ -f "$work/build/ptcheck-prefix/lib/ptcheck/libptc_access_instrument.so" ] ||
  fail "no access instrumentation plugin in ptcheck's harness install: kernel files cannot be fuzzed (install llvm-14-dev: tools/install-deps.sh)"
kernel_out="$work/kernel-out"
for broken in OFF ON; do
  echo "cflite_local: examples/kernel-style (KSTYLE_BREAK_SPLIT=$broken) through tools/oss_fuzz_build.sh"
  oss_build "$kernel_out" "$src" "$repo/tools/oss_fuzz_build.sh" "$repo/examples/kernel-style" \
    -DKSTYLE_BREAK_SPLIT="$broken" >"$work/kernel-build.log" 2>&1 ||
    { tail -n 40 "$work/kernel-build.log" >&2; fail "tools/oss_fuzz_build.sh examples/kernel-style failed"; }
  check_outputs "$kernel_out" fuzz_ops >/dev/null
  log="$work/kernel-$broken.log"
  run_fuzzer "$kernel_out" fuzz_ops "$log" -runs=0 -timeout=25
  if [ "$broken" = OFF ] && [ "$rc" -ne 0 ]; then
    tail -n 40 "$log" >&2
    fail "examples/kernel-style's fuzz_ops failed (exit $rc) replaying its seeds"
  elif [ "$broken" = ON ] && { [ "$rc" -eq 0 ] || ! grep -q "ptcheck signature: lost-dirty:split" "$log"; }; then
    tail -n 40 "$log" >&2
    fail "the broken split's fuzz_ops (exit $rc) did not stop at lost-dirty:split replaying its seeds"
  fi
  echo "cflite_local: kernel-style (broken split $broken): as expected"
done

[ "$status" = 0 ] || fail "a fuzzer crashed (above)"
echo "cflite_local: all fuzzers built, packaged and fuzzed without a crash; the broken kernel split caught"
