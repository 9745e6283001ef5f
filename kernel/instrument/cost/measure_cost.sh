#!/bin/sh
# Measures the access instrumentation's cost per plain 8-byte access (access_cost.c), at -O2:
#   kernel/instrument/cost/measure_cost.sh PLUGIN [ACCESSES]
# e.g. kernel/instrument/cost/measure_cost.sh build/asan/kernel/instrument/libptc_access_instrument.so
# Prints a line for the plain build and one for the instrumented build (identity runtime). CLANG
# (default /usr/lib/llvm-14/bin/clang) must be the clang the plugin was built for.
set -eu
plugin="$1"
accesses="${2:-100000000}"
clang="${CLANG:-/usr/lib/llvm-14/bin/clang}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$clang" -O2 "$here/access_cost.c" -o "$work/plain"
"$clang" -O2 -c "$here/access_cost_runtime.c" -o "$work/runtime.o"
"$clang" -O2 "-fpass-plugin=$plugin" -c "$here/access_cost.c" -o "$work/instrumented.o"
"$clang" "$work/instrumented.o" "$work/runtime.o" -o "$work/instrumented"
printf 'plain         '; "$work/plain" "$accesses"
printf 'instrumented  '; "$work/instrumented" "$accesses"
