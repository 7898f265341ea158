#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Issue 24's measure, one run, alternating rounds: the Node.js seed demo
# (../shared/peers/node-cluster-demo.js, unmodified: port 3000, one worker
# per core) against ClusterLab's Node engine with the same worker count, in
# both offload modes: per-request (the seed's code: a new Worker or fork per
# request; port 3001) and pool (port 3002). Then the engine's telemetry cost:
# `/` with telemetry on (3001) and off (3003). The same load tool for all:
# wrk -t1 -c16 for / and /main, -c4 for /worker; ab -c2 for /child (the seed
# demo leaks one node process per /child request: counted, then killed).
# Not a test. Prints Markdown.
#
#   bench/node-engine-vs-seed.sh [ROUNDS]   (default 3; DURATION=4s, CHILD_N=30)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
ROUNDS=${1:-3}
DURATION=${DURATION:-4s}
CHILD_N=${CHILD_N:-30}
WORKERS=$(nproc)
PEER=../shared/peers/node-cluster-demo.js
scripts/install-deps.sh wrk apache2-utils >/dev/null 2>&1
command -v node >/dev/null || { echo "node is required (the seed demo and the Node engine)" >&2; exit 1; }
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
BIN=build/release/bin
OUT=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  pkill -f "$PEER child" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$OUT"
}
trap cleanup EXIT
for p in 3000 3001 3002 3003; do
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p is busy" >&2; exit 1; fi
done

node "$PEER" >"$OUT/seed.log" 2>&1 & PIDS+=($!)
serve() { # PORT ARGS...
  local port=$1; shift
  # stdin held open: the engine's primary ends when its stdin closes.
  sleep infinity | "$BIN/clusterlab" serve --engine node --workers "$WORKERS" --port "$port" "$@" >"$OUT/serve$port.log" 2>&1 &
  PIDS+=($!)
}
serve 3001 --threads per-request --children per-request
serve 3002 --threads pool --children pool
serve 3003 --threads per-request --children per-request --no-telemetry
for p in 3000 3001 3002 3003; do wait_port $p; done
sleep 0.5

ab_run() { ab -q -c2 -n "$2" "$1" >"$OUT/ab.txt" 2>&1 || true
  awk '/Requests per second/ {r=$4} /^ +99%/ {p=$2} END {printf "%s %s\n", r, p}' "$OUT/ab.txt"; }

for r in $(seq "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  order="3000 3001 3002"; [ $((r % 2)) = 0 ] && order="3002 3001 3000"
  for port in $order; do
    wrk_run "http://127.0.0.1:$port/" >>"$OUT/${port}_root"
    wrk_run "http://127.0.0.1:$port/main" >>"$OUT/${port}_main"
    wrk_run "http://127.0.0.1:$port/worker" 4 >>"$OUT/${port}_worker"
    ab_run "http://127.0.0.1:$port/child" "$CHILD_N" >>"$OUT/${port}_child"
    pkill -f "$PEER child" 2>/dev/null || true
  done
  tel="3001 3003"; [ $((r % 2)) = 0 ] && tel="3003 3001"
  for port in $tel; do wrk_run "http://127.0.0.1:$port/" >>"$OUT/${port}_tel"; done
done

col() { awk -v c="$2" '{print $c}' "$OUT/$1" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b+0 == 0) print "n/a"; else printf "%.2f×", a/b }'; }
echo "Node $(node --version), $WORKERS workers each, medians of $ROUNDS alternating rounds"
echo
echo "| route | seed demo req/s (p99 ms) | engine per-request req/s (p99 ms) | engine pool req/s (p99 ms) | per-request / seed | pool / seed |"
echo "|---|---|---|---|---|---|"
for route in root main worker child; do
  label=$([ $route = root ] && echo "/" || echo "/$route")
  s=$(col "3000_$route" 1); a=$(col "3001_$route" 1); b=$(col "3002_$route" 1)
  printf '| `%s` | %s (%s) | %s (%s) | %s (%s) | %s | %s |\n' "$label" "$s" "$(col "3000_$route" 2)" "$a" "$(col "3001_$route" 2)" \
    "$b" "$(col "3002_$route" 2)" "$(ratio "$a" "$s")" "$(ratio "$b" "$s")"
done
echo
on=$(col 3001_tel 1); off=$(col 3003_tel 1)
echo "| the engine's telemetry on \`/\` | req/s |"
echo "|---|---|"
echo "| on | $on |"
echo "| off | $off |"
echo "| on / off | $(ratio "$on" "$off") (goal ≥ 0.90×) |"
