#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# What telemetry costs (issue 4). Not a test: prints Markdown.
#  1. `/` requests/s with telemetry on against off, same run, alternating
#     rounds (wrk -t1 -c16 -d5s; two `clusterlab serve` with 2 workers).
#  2. The primary's CPU per 10,000 records/s (its utime+stime over a run).
#  3. Memory per record held for export: the primary's RSS growth over
#     RECORDS requests (default 1,000,000), divided by the records.
#
#   bench/telemetry-cost.sh [ROUNDS]   (default 3; DURATION=5s; RECORDS=1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
ROUNDS=${1:-3}
DURATION=${DURATION:-5s}
RECORDS=${RECORDS:-1000000}
scripts/install-deps.sh wrk >/dev/null 2>&1
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
BIN=build/release/bin
OUT=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$OUT"' EXIT

"$BIN/clusterlab" serve --workers 2 --port 3201 >"$OUT/on.log" 2>&1 & ON=$!; PIDS+=("$ON")
"$BIN/clusterlab" serve --workers 2 --port 3202 --no-telemetry >"$OUT/off.log" 2>&1 & OFF=$!; PIDS+=("$OFF")
wait_port 3201; wait_port 3202; sleep 0.3

rps() { wrk -t1 -c16 -d"$DURATION" "$1" | awk '/Requests\/sec/ {print $2}'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
HZ=$(getconf CLK_TCK)

for r in $(seq "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  rps http://127.0.0.1:3202/ >>"$OUT/off"
  c0=$(cpu_ticks "$ON"); t0=$(date +%s.%N)
  rps http://127.0.0.1:3201/ | tee -a "$OUT/on" >"$OUT/last_on"
  c1=$(cpu_ticks "$ON"); t1=$(date +%s.%N)
  # primary CPU (cores) per 10,000 records/s
  awk -v c="$((c1 - c0))" -v hz="$HZ" -v t0="$t0" -v t1="$t1" -v r="$(cat "$OUT/last_on")" \
    'BEGIN { cores = c / hz / (t1 - t0); printf "%.4f\n", cores / (r / 10000) }' >>"$OUT/cpu"
done

# Memory per record: a fresh primary, RECORDS requests through it.
kill "$ON" "$OFF"; wait "$ON" "$OFF" 2>/dev/null || true; PIDS=()
"$BIN/clusterlab" serve --workers 2 --port 3203 >"$OUT/mem.log" 2>&1 & MEM=$!; PIDS+=("$MEM")
wait_port 3203; sleep 0.5
rss0=$(rss_kib "$MEM")
"$BIN/clusterlab" bench http://127.0.0.1:3203/ -n "$RECORDS" -c 16 --json "$OUT/mem.json" >/dev/null
sleep 0.5 # the last batches
rss1=$(rss_kib "$MEM")
sent=$(python3 -c "import json; print(json.load(open('$OUT/mem.json'))['succeeded'])")

ON_RPS=$(median <"$OUT/on"); OFF_RPS=$(median <"$OUT/off")
echo "| measure | value | goal |"
echo "|---|---|---|"
echo "| \`/\` req/s, telemetry off (median of $ROUNDS) | $OFF_RPS | |"
echo "| \`/\` req/s, telemetry on (median of $ROUNDS) | $ON_RPS | |"
echo "| on / off | $(awk -v a="$ON_RPS" -v b="$OFF_RPS" 'BEGIN{printf "%.3f", a/b}') | ≥ 0.95 |"
echo "| primary CPU per 10,000 records/s | $(median <"$OUT/cpu") core | |"
echo "| primary RSS growth for $sent records | $(( (rss1 - rss0) / 1024 )) MiB = $(awk -v d="$((rss1 - rss0))" -v n="$sent" 'BEGIN{printf "%.1f", d*1024/n}') bytes/record | ≤ 64 bytes/record |"
