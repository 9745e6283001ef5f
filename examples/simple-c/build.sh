#!/bin/sh
# Builds the simple-c target library, as a user builds their own target: outside the ptcheck build,
# against the one public header. Usage: examples/simple-c/build.sh OUTPUT.so   (CC picks the compiler)
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTPUT.so" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
exec "${CC:-cc}" -std=c11 -O1 -g -shared -fPIC -I "$root/include" "$here/simple_pt.c" -o "$1"
