#!/usr/bin/env bash
# Renders the main window after a short load test (offscreen) into
# docs/screenshots/main-window.png, and the Experiments tab showing the run
# in docs/experiments/full-run.json into docs/screenshots/experiments.png:
# the pictures README shows.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target clusterlab-labtool clusterlab-worker clusterlab-task >/dev/null
mkdir -p docs/screenshots
QT_QPA_PLATFORM=offscreen build/release/bin/clusterlab-labtool screenshot docs/screenshots/main-window.png
QT_QPA_PLATFORM=offscreen build/release/bin/clusterlab-labtool screenshot docs/screenshots/experiments.png 1280x800 \
  --experiments docs/experiments/full-run.json
QT_QPA_PLATFORM=offscreen build/release/bin/clusterlab-labtool screenshot docs/screenshots/experiments-evidence.png 1280x800 \
  --experiments docs/experiments/full-run.json --evidence
