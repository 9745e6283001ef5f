#!/bin/sh
# One check of the access instrumentation (ctest, kernel/instrument/tests/CMakeLists.txt):
#   run_access_test.sh CLANG PLUGIN SRCDIR WORKDIR OPT MODE [CFLAGS...]
# compiles access_cases.c and access_runtime.c at OPT with `-fpass-plugin=PLUGIN` (MODE `plugin`) or
# access_cases.c without it (MODE `no-plugin`), access_driver.c without it, links them with CFLAGS (the
# build's sanitizers) and runs the driver. `plugin` passes when every check holds; `no-plugin` passes when
# the driver reports the rewritten cases and the marker as missing: the checks can fail.
set -eu
clang="$1" plugin="$2" src="$3" work="$4" opt="$5" mode="$6"
shift 6
mkdir -p "$work"
case "$mode" in
  plugin) cases_flags="-fpass-plugin=$plugin" ;;
  no-plugin) cases_flags="" ;;
  *) echo "run_access_test.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086
"$clang" "$opt" -g -Wall -Werror "$@" $cases_flags -c "$src/access_cases.c" -o "$work/access_cases.o"
"$clang" "$opt" -g -Wall -Werror "$@" "-fpass-plugin=$plugin" -c "$src/access_runtime.c" -o "$work/access_runtime.o"
"$clang" "$opt" -g -Wall -Werror "$@" -c "$src/access_driver.c" -o "$work/access_driver.o"
"$clang" "$@" "$work/access_cases.o" "$work/access_runtime.o" "$work/access_driver.o" -o "$work/access_test"

status=0
"$work/access_test" >"$work/out.txt" 2>&1 || status=$?
cat "$work/out.txt"
if [ "$mode" = plugin ]; then
  exit "$status"
fi
# Without the plugin: status 1 (checks failed, no crash), and each rewritten case among the failures.
if [ "$status" -ne 1 ]; then
  echo "run_access_test.sh: without the plugin the driver exited $status, expected 1 (checks failed)" >&2
  exit 1
fi
for name in "array store" "deref load" "struct field" "pointer store" "pointer load" "fill loop" "list walk" \
            "marker __ptc_access_instrumented"; do
  if ! grep -q "^FAIL $name:" "$work/out.txt"; then
    echo "run_access_test.sh: without the plugin, the check '$name' did not fail" >&2
    exit 1
  fi
done
echo "without the plugin every check of a rewritten access failed, as it must"
