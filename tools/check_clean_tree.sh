#!/bin/sh
# Fails, listing them, when `git status` shows files in the source tree that are new or changed: a test
# (or a command it ran) wrote where it must not. Tests write only under build/ (git-ignored): a run's own
# folders (fuzz-runs/, property-failures/, each test's work folder).
#
#   tools/check_clean_tree.sh                 the tree must be exactly as committed
#   tools/check_clean_tree.sh --save FILE     record what `git status` shows now (a developer's own edits)
#   tools/check_clean_tree.sh --since FILE    only lines not in FILE count (tools/test.sh: edits made before
#                                             the suite ran are not the suite's)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
status() { git -C "$root" status --porcelain --untracked-files=all; }
case "${1:-}" in
  --save) status >"$2"; exit 0 ;;
  --since) left=$(status | grep -vxF -f "$2" || true) ;;
  "") left=$(status) ;;
  *) echo "check_clean_tree.sh: unknown argument $1" >&2; exit 2 ;;
esac
if [ -n "$left" ]; then
  echo "check_clean_tree: the source tree $root is not as it was (a test wrote into it?):" >&2
  echo "$left" >&2
  exit 1
fi
echo "check_clean_tree: the tests left $root as it was"
