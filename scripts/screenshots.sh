#!/usr/bin/env bash
# Renders the main window during a load test (offscreen) into
# docs/screenshots/main-window.png, its Topology tab at the same moment into
# docs/screenshots/topology.png, the first page of its report into
# docs/screenshots/report.png, and the Experiments tab showing the run
# in docs/experiments/full-run.json into docs/screenshots/experiments.png:
# the pictures README shows.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target clusterlab-labtool clusterlab-worker clusterlab-task >/dev/null
mkdir -p docs/screenshots
scripts/install-deps.sh poppler-utils
report=$(mktemp --suffix=.pdf)
QT_QPA_PLATFORM=offscreen build/release/bin/clusterlab-labtool screenshot docs/screenshots/main-window.png 1280x800 \
  --topology docs/screenshots/topology.png --report "$report"
pdftoppm -r 70 -f 1 -l 1 -png -singlefile "$report" docs/screenshots/report # the report's first page
rm -f "$report"
QT_QPA_PLATFORM=offscreen build/release/bin/clusterlab-labtool screenshot docs/screenshots/experiments.png 1280x800 \
  --experiments docs/experiments/full-run.json
QT_QPA_PLATFORM=offscreen build/release/bin/clusterlab-labtool screenshot docs/screenshots/experiments-evidence.png 1280x800 \
  --experiments docs/experiments/full-run.json --evidence
