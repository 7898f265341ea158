#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One command: install what is missing, build, and run the whole test suite
# (dev preset); then the .deb installed and used, the CI workflow linted,
# every translation unit compiled for Windows (mingw-w64), clusterlab-task.exe
# run under wine64, a clang -Werror build, the headless build
# (CLUSTERLAB_BUILD_GUI=OFF) with its tests, and the whole suite again under
# AddressSanitizer + UBSan. CLUSTERLAB_SKIP_{PACKAGE,WORKFLOW,CROSS,HEADLESS,ASAN}=1
# skip a step.
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
  scripts/install-deps.sh g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix libz-mingw-w64-dev python3
  python3 scripts/windows/compile-check.py build/dev/compile_commands.json -j "$jobs"
  echo "== windows: clusterlab-task.exe cross-built static and run under wine64"
  scripts/windows/task-under-wine.sh
  echo "== clang: everything built with clang++ and -Werror (a stand-in for AppleClang)"
  scripts/install-deps.sh clang
  cmake --preset clang >/dev/null
  cmake --build --preset clang -j "$jobs"
fi
if [ "${CLUSTERLAB_SKIP_HEADLESS:-0}" != "1" ]; then
  echo "== headless: CLUSTERLAB_BUILD_GUI=OFF builds serve and bench without Widgets or Charts, and passes its tests (CLUSTERLAB_SKIP_HEADLESS=1 skips)"
  run_preset headless
  if ldd build/headless/bin/clusterlab | grep -E 'libQt6(Widgets|Charts|Gui)' >/dev/null; then # not -q: under pipefail an early exit would SIGPIPE ldd
    echo "headless: build/headless/bin/clusterlab links a GUI library" >&2
    exit 1
  fi
fi
if [ "${CLUSTERLAB_SKIP_ASAN:-0}" != "1" ]; then
  run_preset asan
fi
