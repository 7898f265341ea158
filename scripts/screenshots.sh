#!/usr/bin/env bash
# Renders the main window after a short load test (offscreen) into
# docs/screenshots/main-window.png, the picture README shows.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target clusterlab-labtool clusterlab-worker clusterlab-task >/dev/null
mkdir -p docs/screenshots
QT_QPA_PLATFORM=offscreen build/release/bin/clusterlab-labtool screenshot docs/screenshots/main-window.png
