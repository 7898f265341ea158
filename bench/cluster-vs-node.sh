#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Side by side, one run, alternating rounds: the Node.js seed demo
# (../shared/peers/node-cluster-demo.js, port 3000, one worker per core)
# against `clusterlab serve` (same worker count, port 3001), with nginx
# (reuseport, same worker count, port 3002) as the ceiling for `/`, and a
# second ClusterLab on Qt's own event dispatcher (`serve --dispatcher qt`,
# port 3003) for `/`: the epoll dispatcher before and after, in one run.
# Same load tool for both: wrk -t1 -c16 for /, /main, /worker (and / again
# at -c1000, with nginx at both); ab -c4 for
# /child (bounded: the seed demo leaks one ~45 MB node process per /child
# request; they are counted, then killed). Not a test. Prints Markdown.
#
#   bench/cluster-vs-node.sh [ROUNDS]   (default 3; DURATION=5s, CHILD_N=40)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
ROUNDS=${1:-3}
DURATION=${DURATION:-5s}
CHILD_N=${CHILD_N:-40}
WORKERS=$(nproc)
PEER=../shared/peers/node-cluster-demo.js
scripts/install-deps.sh wrk apache2-utils nginx-light >/dev/null 2>&1
command -v node >/dev/null || { echo "node is required for the peer" >&2; exit 1; }
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
BIN=build/release/bin
OUT=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  pkill -f "$PEER child" 2>/dev/null || true
  [ -f "$OUT/nginx.pid" ] && kill "$(cat "$OUT/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$OUT"
}
trap cleanup EXIT

for p in 3000 3001 3002 3003; do
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p is busy" >&2; exit 1; fi
done

node "$PEER" >"$OUT/node.log" 2>&1 & NODE_PID=$!; PIDS+=("$NODE_PID")
"$BIN/clusterlab" serve --workers "$WORKERS" --port 3001 >"$OUT/serve.log" 2>&1 & SERVE_PID=$!; PIDS+=("$SERVE_PID")
"$BIN/clusterlab" serve --workers "$WORKERS" --port 3003 --dispatcher qt >"$OUT/serveqt.log" 2>&1 & PIDS+=("$!")
start_nginx 3002 "$WORKERS" "$OUT"
wait_port 3000; wait_port 3001; wait_port 3002; wait_port 3003
grep -q "all $WORKERS workers listening" "$OUT/serve.log" || sleep 0.5
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$1/status"; }
# Resident memory of one idle worker of each, before any load.
NODE_RSS=$(rss "$(pgrep -P "$NODE_PID" -f node-cluster-demo.js | head -1)")
CL_RSS=$(rss "$(pgrep -P "$SERVE_PID" | head -1)")

ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" # -c1000 needs more than 1024 descriptors
# rps and p99 (ms) from wrk (wrk_run, bench/common.sh), or from ab
ab_run() { ab -q -c4 -n "$2" "$1" >"$OUT/ab.txt" 2>&1 || true
  awk '/Requests per second/ {r=$4} /^ +99%/ {p=$2} /Failed requests/ {f=$3} END {printf "%s %s %s\n", r, p, f}' "$OUT/ab.txt"; }
leaked() { pgrep -fc "$PEER child" || true; }

for r in $(seq "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  # Who goes first alternates between rounds: on a shared machine the
  # second run of a pair tends to see a warmer or a busier box.
  order="node cl"; order1k="node cl qt nginx"
  [ $((r % 2)) = 0 ] && { order="cl node"; order1k="nginx qt cl node"; }
  for _ in $(seq 7); do "$BIN/clusterlab-task" 30 | awk '{print ($3-$2)/1e6}' >>"$OUT/fibms"; done
  for route in "/" "/main" "/worker"; do
    others=""; [ "$route" = / ] && others="qt nginx"
    for who in $order $others; do
      case $who in node) port=3000 ;; cl) port=3001 ;; nginx) port=3002 ;; qt) port=3003 ;; esac
      wrk_run "http://127.0.0.1:$port$route" >>"$OUT/$who$(echo "$route" | tr / _)"
    done
  done
  for who in $order1k; do
    case $who in node) port=3000 ;; cl) port=3001 ;; nginx) port=3002 ;; qt) port=3003 ;; esac
    wrk_run "http://127.0.0.1:$port/" 1000 >>"$OUT/${who}_1k"
  done
  # /child: fib(30) in the demo (its N is fixed); ours at n=30 as well.
  ab_run "http://127.0.0.1:3001/child?n=30" "$CHILD_N" >>"$OUT/cl_child"
  before=$(leaked)
  ab_run "http://127.0.0.1:3000/child" "$CHILD_N" >>"$OUT/node_child"
  after=$(leaked)
  echo $((after - before)) >>"$OUT/node_leaks"
  pkill -f "$PEER child" || true
done

# Leaks on our side: task processes still alive under the serve process.
CL_LEFT=0
for w in $(pgrep -P "$SERVE_PID"); do CL_LEFT=$((CL_LEFT + $(pgrep -cP "$w" || true))); done

# Time until all workers accept: 4 workers, 7 starts, median.
for _ in $(seq 7); do
  "$BIN/clusterlab" serve --workers 4 --port 0 >"$OUT/start.log" 2>&1 & sp=$!
  for _ in $(seq 200); do grep -q "all 4 workers listening" "$OUT/start.log" && break; sleep 0.02; done
  kill -INT "$sp"; wait "$sp" 2>/dev/null || true
  sed -nE 's/^\[ *([0-9.]+)\] all 4 workers listening.*/\1/p' "$OUT/start.log" | awk '{print $1*1000}' >>"$OUT/startms"
done

# The compute limit: fib(30) alone on one core (clusterlab-task's own
# start/end stamps, 7 in each round, median), times the cores: what /main
# and /worker could serve at best.
FIB_MS=$(median <"$OUT/fibms")
LIMIT=$(awk -v m="$FIB_MS" -v c="$WORKERS" 'BEGIN {printf "%.0f", c*1000/m}')

col() { awk -v c="$2" '{print $c}' "$OUT/$1" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b+0 == 0) print "n/a"; else printf "%.2f×", a/b }'; }
row() { # label file-suffix goal
  local n c; n=$(col "node$2" 1); c=$(col "cl$2" 1)
  printf '| `%s` | %s | %s | %s | %s ms | %s ms | %s |\n' "$1" "$n" "$c" "$(ratio "$c" "$n")" \
    "$(col "node$2" 2)" "$(col "cl$2" 2)" "$3"
}
echo "| route | Node.js demo req/s | ClusterLab req/s | ratio | Node p99 | ClusterLab p99 | goal |"
echo "|---|---|---|---|---|---|---|"
row "/" "_" "≥ 1.5×, p99 no worse"
row "/ (1,000 connections)" "_1k" "≥ 1.6×, p99 no worse"
row "/main" "_main" "≥ 3×"
row "/worker" "_worker" "≥ 30×"
row "/child" "_child" "≥ 15×"
echo
echo "| measure | value |"
echo "|---|---|"
echo "| workers per cluster | $WORKERS (one per core) |"
echo "| nginx reuseport \`/\` (ceiling), req/s | $(col nginx_ 1) (p99 $(col nginx_ 2) ms) |"
echo "| ClusterLab \`/\` as a share of nginx | $(ratio "$(col cl_ 1)" "$(col nginx_ 1)") (goal ≥ 0.95×; p99 $(col cl_ 2) ms) |"
echo "| nginx \`/\` at 1,000 connections, req/s | $(col nginx_1k 1) (p99 $(col nginx_1k 2) ms) |"
echo "| ClusterLab \`/\` at 1,000 connections as a share of nginx | $(ratio "$(col cl_1k 1)" "$(col nginx_1k 1)") (goal ≥ 1.0×; p99 $(col cl_1k 2) ms, goal ≤ nginx's + 2 ms) |"
echo "| ClusterLab on Qt's dispatcher (\`--dispatcher qt\`), \`/\` at 16 / 1,000, req/s | $(col qt_ 1) (p99 $(col qt_ 2) ms) / $(col qt_1k 1) (p99 $(col qt_1k 2) ms) |"
echo "| epoll against Qt's dispatcher, \`/\` at 16 / 1,000 | $(ratio "$(col cl_ 1)" "$(col qt_ 1)") / $(ratio "$(col cl_1k 1)" "$(col qt_1k 1)") |"
echo "| compute limit: fib(30) in $FIB_MS ms on one core × $WORKERS cores, req/s | $LIMIT |"
echo "| \`/main\` and \`/worker\` as a share of it | $(ratio "$(col cl_main 1)" "$LIMIT") and $(ratio "$(col cl_worker 1)" "$LIMIT") (goals ≥ 0.95× and ≥ 0.90×) |"
echo "| node processes leaked by the demo's /child, per $CHILD_N requests | $(median <"$OUT/node_leaks") |"
echo "| task processes left by ClusterLab after all rounds | $CL_LEFT |"
echo "| idle worker RSS: Node.js demo / ClusterLab | $NODE_RSS MiB / $CL_RSS MiB ($(ratio "$CL_RSS" "$NODE_RSS") of Node's) |"
echo "| time until all 4 workers listen (median of 7) | $(median <"$OUT/startms") ms |"
