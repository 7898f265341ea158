#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Benchmark of one clusterlab-worker (issue 2). Not a test: prints a
# Markdown table for docs/PERFORMANCE.md. Medians over ROUNDS rounds.
#
#   bench/worker-bench.sh [ROUNDS]        (default 3)
#
# Throughput: wrk -t1 -c16 -d5s on /, /main?n=30, /worker?n=30, and
# ab -c4 on /child?n=30. Path overhead at n=1: p50 latency with one
# connection (wrk -c1 --latency), /worker and /child minus /main (which is
# the bare computation plus HTTP), and the worker's own Server-Timing.
# Memory: VmRSS of an idle worker, against a Node.js cluster worker of the
# seed demo when node is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
ROUNDS=${1:-3}
DURATION=${DURATION:-5s}
scripts/install-deps.sh wrk apache2-utils >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
BIN=build/release/bin
OUT=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$OUT"' EXIT

start_worker() {
  "$BIN/clusterlab-worker" --port 0 --max-connections 5000 >"$OUT/worker.out" 2>&1 &
  WORKER_PID=$!
  for _ in $(seq 100); do
    grep -q listening "$OUT/worker.out" 2>/dev/null && break
    sleep 0.05
  done
  PORT=$(grep -oE ':[0-9]+ ' "$OUT/worker.out" | tr -d ': ')
}

wrk_rps() { wrk -t1 -c16 -d"$DURATION" "$1" | awk '/Requests\/sec/ {print $2}'; }
# p50 latency in microseconds with a single connection
wrk_p50_us() {
  wrk -t1 -c1 -d"$DURATION" --latency "$1" | awk '/^ +50%/ {v=$2; u=v; gsub(/[0-9.]/,"",u); gsub(/[a-z]/,"",v);
    if (u=="us") print v; else if (u=="ms") print v*1000; else if (u=="s") print v*1000000}'
}
ab_rps() { ab -q -c4 -n "$2" "$1" 2>/dev/null | awk '/Requests per second/ {print $4}'; }

start_worker
BASE="http://127.0.0.1:$PORT"
echo "worker pid $WORKER_PID on port $PORT; $ROUNDS rounds" >&2
RSS_IDLE=$(awk '/VmRSS/ {print $2}' /proc/$WORKER_PID/status)

for r in $(seq "$ROUNDS"); do
  echo "round $r" >&2
  wrk_rps "$BASE/" >>"$OUT/root"
  wrk_rps "$BASE/main?n=30" >>"$OUT/main"
  wrk_rps "$BASE/worker?n=30" >>"$OUT/worker"
  ab_rps "$BASE/child?n=30" 400 >>"$OUT/child"
  wrk_p50_us "$BASE/main?n=1" >>"$OUT/p50main"
  wrk_p50_us "$BASE/worker?n=1" >>"$OUT/p50worker"
  wrk_p50_us "$BASE/child?n=1" >>"$OUT/p50child"
done
RSS_AFTER=$(awk '/VmRSS/ {print $2}' /proc/$WORKER_PID/status)

# The worker's own view of the n=1 paths (Server-Timing), median of 200.
timing() {
  for _ in $(seq 200); do
    curl -s -o /dev/null -D - "$BASE/$1?n=1" | awk -F'[=,]' '/Server-Timing/ {print $2, $4, $6}'
  done
}
timing worker | awk '{print $1}' | median >"$OUT/st_worker_queue"
timing child | awk '{print $3}' | median >"$OUT/st_child_spawn"
kill "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null || true

NODE_RSS="n/a"
if command -v node >/dev/null && [ -f ../shared/peers/node-cluster-demo.js ] && ! (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null; then
  node ../shared/peers/node-cluster-demo.js >"$OUT/node.out" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 200); do
    (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null && break
    sleep 0.05
  done
  CHILD=$(pgrep -P "$NODE_PID" | head -1)
  [ -n "$CHILD" ] && NODE_RSS=$(awk '/VmRSS/ {print $2}' /proc/$CHILD/status)
  kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true
fi

m() { median <"$OUT/$1"; }
P50MAIN=$(m p50main); P50WORKER=$(m p50worker); P50CHILD=$(m p50child)
cat <<TABLE
| measure | median of $ROUNDS | goal |
|---|---|---|
| \`/\` requests/s (wrk -t1 -c16 -d$DURATION) | $(m root) | |
| \`/main?n=30\` requests/s (wrk -t1 -c16) | $(m main) | |
| \`/worker?n=30\` requests/s (wrk -t1 -c16) | $(m worker) | |
| \`/child?n=30\` requests/s (ab -c4 -n400) | $(m child) | |
| p50 latency \`/main?n=1\`, one connection | ${P50MAIN} µs | |
| p50 latency \`/worker?n=1\`, one connection | ${P50WORKER} µs | |
| p50 latency \`/child?n=1\`, one connection | ${P50CHILD} µs | |
| thread path overhead at n=1 (p50 /worker − /main) | $(awk -v a="$P50WORKER" -v b="$P50MAIN" 'BEGIN{printf "%.1f µs", a-b}') | ≤ 100 µs |
| child path overhead at n=1 (p50 /child − /main) | $(awk -v a="$P50CHILD" -v b="$P50MAIN" 'BEGIN{printf "%.2f ms", (a-b)/1000}') | ≤ 5 ms |
| Server-Timing queue of /worker?n=1 (median of 200) | $(cat "$OUT/st_worker_queue") ms | |
| Server-Timing spawn of /child?n=1 (median of 200) | $(cat "$OUT/st_child_spawn") ms | |
| worker RSS idle / after the runs | $((RSS_IDLE / 1024)) MiB / $((RSS_AFTER / 1024)) MiB | ≤ 15 MB idle |
| Node.js seed demo cluster worker RSS idle | $( [ "$NODE_RSS" = n/a ] && echo n/a || echo "$((NODE_RSS / 1024)) MiB") | (≈ 50 MB) |
TABLE
