#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# What recording a session costs (issue 15). Not a test: prints Markdown.
#  1. Records a session takes per second: `clusterlab-labtool session-write`
#     (synthetic records handed to a SessionRecorder as fast as one thread
#     can, timed until they are in the file), median of ROUNDS; file size
#     per million records.
#  2. `/` requests/s of a 2-worker `clusterlab serve` recording a session
#     (--record FILE.sqlite) against one not recording, telemetry on in both,
#     alternating rounds (wrk -t1 -c16 -d5s); the recording's row count
#     checked against the requests served.
#
#   bench/session-cost.sh [ROUNDS]   (default 3; DURATION=5s; RECORDS=2000000)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
ROUNDS=${1:-3}
DURATION=${DURATION:-5s}
RECORDS=${RECORDS:-2000000}
scripts/install-deps.sh wrk sqlite3 >/dev/null 2>&1
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
BIN=build/release/bin
OUT=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$OUT"' EXIT

for r in $(seq "$ROUNDS"); do
  echo "writer round $r/$ROUNDS" >&2
  QT_QPA_PLATFORM=offscreen "$BIN/clusterlab-labtool" session-write "$RECORDS" "$OUT/w.sqlite" >"$OUT/w.txt"
  awk -F'|' '/records written per second/ {gsub(/ /, "", $3); print $3}' "$OUT/w.txt" >>"$OUT/rate"
  SIZE=$(awk -F'[()]' '/file size/ {print $2}' "$OUT/w.txt")
  rm -f "$OUT/w.sqlite"
done

"$BIN/clusterlab" serve --workers 2 --port 3211 --record "$OUT/on.sqlite" >"$OUT/on.log" 2>&1 & ON=$!; PIDS+=("$ON")
"$BIN/clusterlab" serve --workers 2 --port 3212 >"$OUT/off.log" 2>&1 & OFF=$!; PIDS+=("$OFF")
wait_port 3211; wait_port 3212; sleep 0.3
rps() { wrk -t1 -c16 -d"$DURATION" "$1" | awk '/Requests\/sec/ {print $2}'; }
for r in $(seq "$ROUNDS"); do
  echo "throughput round $r/$ROUNDS" >&2
  rps http://127.0.0.1:3212/ >>"$OUT/off"
  rps http://127.0.0.1:3211/ >>"$OUT/on"
done
kill -INT "$ON"; wait "$ON" 2>/dev/null || true
kill "$OFF"; wait "$OFF" 2>/dev/null || true
PIDS=()
rows=$(sqlite3 "$OUT/on.sqlite" 'SELECT count(*) FROM requests')
said=$(sed -n 's/^recorded \([0-9]*\) requests.*/\1/p' "$OUT/on.log")

ON_RPS=$(median <"$OUT/on"); OFF_RPS=$(median <"$OUT/off")
echo "| measure | value | goal |"
echo "|---|---|---|"
echo "| records written per second (median of $ROUNDS, $RECORDS records) | $(median <"$OUT/rate") | ≥ 200,000 |"
echo "| session file size | $SIZE | |"
echo "| \`/\` req/s, not recording (median of $ROUNDS) | $OFF_RPS | |"
echo "| \`/\` req/s, recording a session (median of $ROUNDS) | $ON_RPS | |"
echo "| recording / not | $(awk -v a="$ON_RPS" -v b="$OFF_RPS" 'BEGIN{printf "%.3f", a/b}') | ≥ 0.95 |"
echo "| rows in the recorded session / requests it says it recorded | $rows / $said | equal |"
