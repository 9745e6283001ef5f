#!/bin/sh
# Installs every build and test dependency of ptcheck from Debian 12 packages. Idempotent: installs
# only what is missing. Run as root (or through sudo).
set -eu
# python3 and chromium: the tests of `ptcheck check --json/--junit` and of the `--html` timeline page
# (a screenshot in headless Chromium); python3-yaml: the check of the CI workflow files; libxml2-utils
# (xmllint): check's JUnit report validated against tools/ptcheck/junit.xsd.
# libcli11-dev: ptcheck's command line (header-only).
# llvm-14-dev: the access instrumentation plugin that kernel files are compiled with (kernel/instrument).
PKGS="build-essential cmake ninja-build clang libclang-rt-14-dev llvm-14-dev libcli11-dev librapidcheck-dev libz3-dev libgtest-dev libgmock-dev libbenchmark-dev python3 python3-yaml chromium libxml2-utils"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
# action-validator (npm's @action-validator/cli), pinned: the ci label's check of the workflow files
# against GitHub's schema (tools/check_workflows.py).
validator_version=0.6.0
if ! npm ls -g --depth=0 "@action-validator/cli@$validator_version" >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if ! command -v npm >/dev/null 2>&1; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm
  fi
  $SUDO npm install -g --no-fund --no-audit "@action-validator/cli@$validator_version" \
    "@action-validator/core@$validator_version"
fi
echo "install-deps: all dependencies present"
