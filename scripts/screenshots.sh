#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Renders the main window during a load test (offscreen) into
# docs/screenshots/main-window.png, its Topology tab at the same moment into
# docs/screenshots/topology.png, the first page of its report into
# docs/screenshots/report.png, and the Experiments tab showing the run
# in docs/experiments/full-run.json into docs/screenshots/experiments.png,
# and a comparison of sessions recorded here (three runs of round-robin
# against three of reuseport, `serve --record` under the same `bench`) into
# docs/screenshots/compare.png: the pictures README shows. The main window
# with its controls folded to a strip goes to main-window-folded.png.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target clusterlab-labtool clusterlab clusterlab-worker clusterlab-task >/dev/null
mkdir -p docs/screenshots
scripts/install-deps.sh poppler-utils
report=$(mktemp --suffix=.pdf)
QT_QPA_PLATFORM=offscreen build/release/bin/clusterlab-labtool screenshot docs/screenshots/main-window.png 1280x800 \
  --topology docs/screenshots/topology.png --report "$report"
pdftoppm -r 70 -f 1 -l 1 -png -singlefile "$report" docs/screenshots/report # the report's first page
rm -f "$report"
QT_QPA_PLATFORM=offscreen build/release/bin/clusterlab-labtool screenshot docs/screenshots/main-window-folded.png 1280x800 \
  --folded
QT_QPA_PLATFORM=offscreen build/release/bin/clusterlab-labtool screenshot docs/screenshots/experiments.png 1280x800 \
  --experiments docs/experiments/full-run.json
QT_QPA_PLATFORM=offscreen build/release/bin/clusterlab-labtool screenshot docs/screenshots/experiments-evidence.png 1280x800 \
  --experiments docs/experiments/full-run.json --evidence
# Three runs of the same load a side, round-robin then reuseport, in turn,
# compared: the intervals come from the variation between runs.
sessions=$(mktemp -d)
trap 'rm -rf "$sessions"' EXIT
for run in 1 2 3; do
  for policy in round-robin reuseport; do
    build/release/bin/clusterlab serve --workers 2 --port 3291 --policy "$policy" \
      --record "$sessions/$policy-$run.sqlite" >"$sessions/$policy-$run.log" 2>&1 &
    serve=$!
    for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/3291) 2>/dev/null && break; sleep 0.05; done
    build/release/bin/clusterlab bench http://127.0.0.1:3291/ -z 4 -c 8 --no-keepalive \
      --route / --route '/main?n=22' --route '/worker?n=22' >/dev/null
    kill -INT "$serve"
    wait "$serve"
  done
done
side() { local p=$1; echo "$sessions/$p-1.sqlite,$sessions/$p-2.sqlite,$sessions/$p-3.sqlite"; }
QT_QPA_PLATFORM=offscreen build/release/bin/clusterlab-labtool screenshot docs/screenshots/compare.png 1280x800 \
  --compare "$(side round-robin)" "$(side reuseport)"
# The window observing the seed's demo, run unmodified on port 3000 (when
# Node.js and the demo are here: SEED_DEMO names it).
demo=${SEED_DEMO:-../shared/peers/node-cluster-demo.js}
if command -v node >/dev/null && [ -f "$demo" ]; then
  node "$demo" >"$sessions/demo.log" 2>&1 &
  demo_pid=$!
  for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null && break; sleep 0.05; done
  QT_QPA_PLATFORM=offscreen build/release/bin/clusterlab-labtool screenshot docs/screenshots/external-seed-demo.png 1280x800 \
    --external 3000 --topology docs/screenshots/external-seed-demo-topology.png || true
  kill -TERM "$demo_pid"
  wait "$demo_pid" || true
else
  echo "screenshots: no node or no $demo: the seed demo's pictures are left as they are" >&2
fi
