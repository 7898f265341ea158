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
if [ "${CLUSTERLAB_SKIP_PACKAGE:-0}" != "1" ]; then
  echo "== package: the .deb built, installed, used and removed (CLUSTERLAB_SKIP_PACKAGE=1 skips)"
  scripts/check-package.sh
fi
if [ "${CLUSTERLAB_SKIP_WORKFLOW:-0}" != "1" ]; then
  echo "== workflow: .github/workflows linted (CLUSTERLAB_SKIP_WORKFLOW=1 skips)"
  scripts/check-workflow.sh
fi
if [ "${CLUSTERLAB_SKIP_CROSS:-0}" != "1" ]; then
  echo "== windows: every translation unit compiled for Windows with mingw-w64 (CLUSTERLAB_SKIP_CROSS=1 skips these three)"
  scripts/install-deps.sh g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix python3
  python3 scripts/windows/compile-check.py build/dev/compile_commands.json -j "$jobs"
  echo "== windows: clusterlab-task.exe cross-built static and run under wine64"
  scripts/windows/task-under-wine.sh
  echo "== clang: everything built with clang++ and -Werror (a stand-in for AppleClang)"
  scripts/install-deps.sh clang
  cmake --preset clang >/dev/null
  cmake --build --preset clang -j "$jobs"
fi
if [ "${CLUSTERLAB_SKIP_ASAN:-0}" != "1" ]; then
  run_preset asan
fi
