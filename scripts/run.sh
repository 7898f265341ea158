#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One command: install what is missing, build (release), start ClusterLab.
# Today that is one worker serving on http://127.0.0.1:3000 (or the next
# free port); Ctrl-C stops it. Extra arguments go to clusterlab.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/bin/clusterlab "$@"
