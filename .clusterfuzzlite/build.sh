#!/bin/bash
# Builds ptcheck's libFuzzer targets the OSS-Fuzz way. ClusterFuzzLite and OSS-Fuzz run it as
# $SRC/build.sh inside the image of .clusterfuzzlite/Dockerfile; tools/cflite_local.sh runs it here the
# same way. It reads only the build environment of OSS-Fuzz:
#   CC CXX CFLAGS CXXFLAGS  compilers and flags; the flags carry the sanitizer and the coverage
#                           instrumentation (-fsanitize=fuzzer-no-link), so the project adds neither
#   LIB_FUZZING_ENGINE      what links the engine (-fsanitize=fuzzer, or a library path)
#   OUT                     where the fuzzers go, with <fuzzer>_seed_corpus.zip, <fuzzer>.dict and
#                           <fuzzer>.options beside each
#   SRC, WORK               where the sources are ($SRC/ptcheck) and scratch space (the build tree)
# Unset, they default to clang, clang++, no flags, -fsanitize=fuzzer with the project's own
# instrumentation (tools/oss_fuzz_build.sh), <repo>/build/cflite-out and <repo>/build/cflite.
set -euo pipefail

# The source tree: the repository holding this script (run from a checkout), else $SRC/ptcheck (the
# image copies the script to $SRC/build.sh), else the current folder (the image's WORKDIR).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -f "$here/../fuzz/CMakeLists.txt" ]; then
  src="$(cd "$here/.." && pwd)"
elif [ -n "${SRC:-}" ] && [ -f "$SRC/ptcheck/fuzz/CMakeLists.txt" ]; then
  src="$SRC/ptcheck"
elif [ -f "$PWD/fuzz/CMakeLists.txt" ]; then
  src="$PWD"
else
  echo "build.sh: cannot find the ptcheck sources (looked beside the script, in \$SRC/ptcheck and in $PWD)" >&2
  exit 1
fi

OUT="${OUT:-$src/build/cflite-out}"
WORK="${WORK:-$src/build/cflite}"
export OUT WORK

# The fuzzers, as fuzz/CMakeLists.txt lists them.
fuzzers="$(sed -n 's/^set(PTCHECK_FUZZERS \(.*\))$/\1/p' "$src/fuzz/CMakeLists.txt")"
if [ -z "$fuzzers" ]; then
  echo "build.sh: no 'set(PTCHECK_FUZZERS ...)' line in $src/fuzz/CMakeLists.txt" >&2
  exit 1
fi

# ptcheck configured from this environment in $WORK/ptcheck-fuzz-build, as a user's table's build
# configures it (tools/oss_fuzz_build.sh).
build="$WORK/ptcheck-fuzz-build"
"$src/tools/oss_fuzz_build.sh" --configure
# shellcheck disable=SC2086
cmake --build "$build" --parallel "$(nproc)" --target $fuzzers

# <fuzzer>_seed_corpus.zip, <fuzzer>.dict and <fuzzer>.options, written as ptcheck_add_target's
# OSS-Fuzz fuzzers get theirs (cmake/ptcheck_oss_fuzz_seeds.cmake); the seed folders are
# fuzz/CMakeLists.txt's <fuzzer>_seed_dirs.
seed_dirs() {
  case "$1" in
    fuzz_ops) echo corpora/fuzz/fuzz_ops corpora/scenarios corpora/oracles corpora/regressions ;;
    fuzz_script) echo corpora/fuzz/fuzz_script corpora/scenarios ;;
    *) echo "corpora/fuzz/$1" ;;
  esac
}
for f in $fuzzers; do
  cp "$build/fuzz/$f" "$OUT/$f"
  dirs=""
  for d in $(seed_dirs "$f"); do dirs="$dirs${dirs:+|}$src/$d"; done
  cmake -DFUZZER="$f" -DFROM="$f" -DOUT="$OUT" -DFUZZ_DIR="$src/corpora/fuzz" -DSEED_DIRS="$dirs" \
    -DSTAGE="$WORK/seed-stage" -P "$src/cmake/ptcheck_oss_fuzz_seeds.cmake"
done
