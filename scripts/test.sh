#!/usr/bin/env bash
# One command: install what is missing, build, and run the whole test suite,
# first in the dev preset, then again under AddressSanitizer + UBSan.
# Set CLUSTERLAB_SKIP_ASAN=1 to run only the first pass.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
run_preset() {
  local preset=$1
  echo "== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== $preset: tests"
  ctest --preset "$preset" -j "$jobs"
}

run_preset dev
if [ "${CLUSTERLAB_SKIP_ASAN:-0}" != "1" ]; then
  run_preset asan
fi
