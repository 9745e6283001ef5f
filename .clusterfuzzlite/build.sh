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
# instrumentation, <repo>/build/cflite-out and <repo>/build/cflite.
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

CC="${CC:-clang}"
CXX="${CXX:-clang++}"
CFLAGS="${CFLAGS:-}"
CXXFLAGS="${CXXFLAGS:-}"
OUT="${OUT:-$src/build/cflite-out}"
WORK="${WORK:-$src/build/cflite}"
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

# The fuzzers, as fuzz/CMakeLists.txt lists them.
fuzzers="$(sed -n 's/^set(PTCHECK_FUZZERS \(.*\))$/\1/p' "$src/fuzz/CMakeLists.txt")"
if [ -z "$fuzzers" ]; then
  echo "build.sh: no 'set(PTCHECK_FUZZERS ...)' line in $src/fuzz/CMakeLists.txt" >&2
  exit 1
fi

build="$WORK/ptcheck-fuzz-build"
mkdir -p "$build" "$OUT"
rm -f "$build/CMakeCache.txt"   # configure afresh from this environment; objects are reused
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)

cmake -S "$src" -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DPTCHECK_FUZZ=ON -DPTCHECK_BUILD_TESTS=OFF -DPTCHECK_PROOFS=OFF -DPTCHECK_SANITIZE= \
  -DPTCHECK_FUZZ_INSTRUMENT="$instrument" -DPTCHECK_FUZZ_ENGINE="$engine"
# shellcheck disable=SC2086
cmake --build "$build" --parallel "$(nproc)" --target $fuzzers

# <fuzzer>_seed_corpus.zip: every file of the fuzzer's seed folders (fuzz/CMakeLists.txt,
# <fuzzer>_seed_dirs), flattened; a name is prefixed with its folder's so that none collides.
seed_dirs() {
  case "$1" in
    fuzz_ops) echo corpora/fuzz/fuzz_ops corpora/scenarios corpora/oracles corpora/regressions ;;
    fuzz_script) echo corpora/fuzz/fuzz_script corpora/scenarios ;;
    *) echo "corpora/fuzz/$1" ;;
  esac
}
zip_flat() {   # zip_flat ZIP DIR: ZIP holds DIR's files, no folders
  if command -v zip >/dev/null 2>&1; then
    (cd "$2" && zip -q -j -X "$1" -- *)
  else
    python3 - "$1" "$2" <<'PY'
import os, sys, zipfile
zip_path, folder = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(folder)):
        z.write(os.path.join(folder, name), name)
PY
  fi
}

stage="$WORK/seed-stage"
for f in $fuzzers; do
  cp "$build/fuzz/$f" "$OUT/$f"
  rm -rf "$stage" && mkdir -p "$stage"
  n=0
  for d in $(seed_dirs "$f"); do
    [ -d "$src/$d" ] || continue
    prefix="$(basename "$d")"
    while IFS= read -r -d '' file; do
      case "$(basename "$file")" in README.md | .gitkeep) continue ;; esac
      rel="${file#"$src/$d/"}"
      cp "$file" "$stage/${prefix}_${rel//\//_}"
      n=$((n + 1))
    done < <(find "$src/$d" -type f -print0)
  done
  rm -f "$OUT/${f}_seed_corpus.zip"
  if [ "$n" -gt 0 ]; then
    zip_flat "$OUT/${f}_seed_corpus.zip" "$stage"
  else
    echo "build.sh: warning: no seeds for $f" >&2
  fi
  for ext in dict options; do
    if [ -f "$src/corpora/fuzz/$f.$ext" ]; then
      cp "$src/corpora/fuzz/$f.$ext" "$OUT/$f.$ext"
    else
      echo "build.sh: warning: no corpora/fuzz/$f.$ext" >&2
    fi
  done
  echo "build.sh: $f: $n seeds -> $OUT"
done
rm -rf "$stage"
