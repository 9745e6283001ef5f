#!/bin/bash
# Builds a page-table project's ptcheck fuzzer the OSS-Fuzz way: what a user's build.sh runs inside the
# OSS-Fuzz / ClusterFuzzLite build image (docs/ci.md; examples/ci-template/.clusterfuzzlite/build.sh).
#
#   oss_fuzz_build.sh PROJECT_DIR [CMAKE_ARG...]
#       1. configures ptcheck (this script's repository) in $WORK/ptcheck-fuzz-build with the build's
#          compilers and flags, builds its harness (the fuzz_ops driver and the libraries it needs; the
#          access instrumentation plugin where llvm-14-dev is installed) and installs it into
#          $WORK/ptcheck-prefix: the harness must carry the same sanitizer, coverage and C++ library
#          as the table it is linked with (OSS-Fuzz compiles against libc++);
#       2. configures PROJECT_DIR (a CMake project calling ptcheck_add_target or
#          ptcheck_add_kernel_target) against that prefix with -DPTCHECK_OSS_FUZZ=ON and CMAKE_ARGs, and
#          builds its target ptcheck_oss_fuzz: $OUT/fuzz_ops with the table linked in, and
#          fuzz_ops_seed_corpus.zip, fuzz_ops.dict and fuzz_ops.options beside it (cmake/ptcheck.cmake).
#   oss_fuzz_build.sh --configure
#       step 1's configure only (.clusterfuzzlite/build.sh then builds ptcheck's own fuzzers there).
#
# It reads OSS-Fuzz's build environment:
#   CC CXX CFLAGS CXXFLAGS  compilers and flags, carrying the sanitizer and the coverage instrumentation
#                           (-fsanitize=fuzzer-no-link); defaults clang, clang++, none
#   LIB_FUZZING_ENGINE      what links the engine (-fsanitize=fuzzer, or a library path). Unset: libFuzzer,
#                           and -fsanitize=fuzzer-no-link is added unless the flags have it
#   OUT, WORK               where the fuzzers go; scratch space (both required)
set -euo pipefail
# Real paths, and the working folder there: CMake maps paths back to the symbolic ones of the working
# folder ($PWD) when it is reached through a link, and a source folder named two ways is two builds.
ptcheck_src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
fail() {
  echo "oss_fuzz_build: $*" >&2
  exit 2
}

configure_only=0
if [ "${1:-}" = --configure ]; then
  configure_only=1
elif [ $# -lt 1 ] || [ ! -f "$1/CMakeLists.txt" ]; then
  fail "usage: oss_fuzz_build.sh PROJECT_DIR [CMAKE_ARG...] | --configure (PROJECT_DIR: a folder with a CMakeLists.txt)"
fi
if [ "$configure_only" = 0 ]; then
  # The project's real path too: it may name files beside it (../).
  project="$(cd "$1" && pwd -P)"
  shift
fi
[ -n "${OUT:-}" ] && [ -n "${WORK:-}" ] || fail "OUT and WORK must be set, as OSS-Fuzz's build environment sets them"

CC="${CC:-clang}"
CXX="${CXX:-clang++}"
CFLAGS="${CFLAGS:-}"
CXXFLAGS="${CXXFLAGS:-}"
if [ -n "${LIB_FUZZING_ENGINE:-}" ]; then
  # OSS-Fuzz's flags already instrument every file (for libFuzzer, AFL, honggfuzz or coverage builds).
  engine="$LIB_FUZZING_ENGINE"
  instrument=OFF
else
  engine="-fsanitize=fuzzer"
  case " $CFLAGS $CXXFLAGS " in
    *fuzzer-no-link*) instrument=OFF ;;
    *) instrument=ON ;;
  esac
fi
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
mkdir -p "$OUT" "$WORK"
OUT="$(cd "$OUT" && pwd)"
WORK="$(cd "$WORK" && pwd)"

build="$WORK/ptcheck-fuzz-build"
mkdir -p "$build"
cd "$ptcheck_src"
rm -f "$build/CMakeCache.txt"   # configure afresh from this environment; objects are reused
cmake -S "$ptcheck_src" -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DPTCHECK_FUZZ=ON -DPTCHECK_BUILD_TESTS=OFF -DPTCHECK_PROOFS=OFF -DPTCHECK_SANITIZE= \
  -DPTCHECK_FUZZ_INSTRUMENT="$instrument" -DPTCHECK_FUZZ_ENGINE="$engine"
[ "$configure_only" = 0 ] || exit 0

cd "$project"
prefix="$WORK/ptcheck-prefix"
cmake --build "$build" --parallel "$(nproc)" --target ptcheck_harness
rm -rf "$prefix"
# The default component: everything but the CLI (cmake/ptcheck_package.cmake).
cmake --install "$build" --component Unspecified --prefix "$prefix"

if [ "$instrument" = ON ]; then
  CFLAGS="$CFLAGS -fsanitize=fuzzer-no-link"
  CXXFLAGS="$CXXFLAGS -fsanitize=fuzzer-no-link"
fi
project_build="$WORK/project-build-$(basename "$project")"
mkdir -p "$project_build"
rm -f "$project_build/CMakeCache.txt"
cmake -S "$project" -B "$project_build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_PREFIX_PATH="$prefix" \
  -DPTCHECK_OSS_FUZZ=ON -DPTCHECK_OSS_FUZZ_OUT="$OUT" -DPTCHECK_OSS_FUZZ_ENGINE="$engine" "$@"
cmake --build "$project_build" --parallel "$(nproc)" --target ptcheck_oss_fuzz
