#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One standalone worker (release build, telemetry off as a standalone worker
# is), on each event dispatcher (`--dispatcher epoll`, the default on Linux,
# and `qt`, Qt's own), measured from outside. Not a test. Prints Markdown:
#   - system calls per keep-alive `/` request: strace -c -f over a
#     wrk -t1 -c16 run (calls ÷ requests);
#   - instructions per `/` request: callgrind over wrk -t1 at 16 and at
#     1,000 connections (Ir ÷ requests);
#   - heap allocations per `/` request in the steady state: memcheck's
#     "total heap usage" after N1 and after N2 keep-alive requests, the
#     difference ÷ (N2 − N1), so start-up does not count.
#
#   bench/dispatcher-profile.sh            (DURATION=5s)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
DURATION=${DURATION:-5s}
scripts/install-deps.sh wrk apache2-utils valgrind strace >/dev/null 2>&1
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
BIN=build/release/bin
OUT=$(mktemp -d)
WPID=
cleanup() { [ -n "$WPID" ] && kill "$WPID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$OUT"; }
trap cleanup EXIT
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# start_worker PREFIX... -- DISPATCHER: the worker under PREFIX (valgrind,
# strace or nothing) on a free port; sets WPID and PORT.
start_worker() {
  local d=$1; shift
  "$@" "$BIN/clusterlab-worker" --port 0 --dispatcher "$d" >"$OUT/w.log" 2>"$OUT/w.err" & WPID=$!
  for _ in $(seq 600); do grep -q listening "$OUT/w.log" 2>/dev/null && break; sleep 0.05; done
  PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$OUT/w.log")
}
# The worker itself gets the signal (under strace, WPID is strace's).
stop_worker() { kill -INT "$(sed -n 's/.* pid \([0-9]*\).*/\1/p' "$OUT/w.log")"; wait "$WPID" 2>/dev/null || true; WPID=; }
requests() { awk '/requests in/ {print $1}' "$OUT/wrk.txt"; }

echo "| measure | epoll | qt |"
echo "|---|---|---|"
declare -A SYS IR16 IR1K ALLOC
for d in epoll qt; do
  # System calls per request (strace counts every thread: -f).
  start_worker "$d" strace -f -c -o "$OUT/strace.txt"
  wrk -t1 -c16 -d"$DURATION" "http://127.0.0.1:$PORT/" >"$OUT/wrk.txt"
  n=$(requests); stop_worker
  calls=$(awk '$NF=="total" {print $(NF-2)}' "$OUT/strace.txt")
  SYS[$d]=$(awk -v c="$calls" -v n="$n" 'BEGIN {printf "%.2f", c/n}')
  # Instructions per request, at 16 and 1,000 connections.
  for c in 16 1000; do
    start_worker "$d" valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out"
    wrk -t1 -c"$c" -d"$DURATION" "http://127.0.0.1:$PORT/" >"$OUT/wrk.txt"
    n=$(requests); stop_worker
    ir=$(awk '/^summary:/ {print $2}' "$OUT/cg.out")
    v=$(awk -v i="$ir" -v n="$n" 'BEGIN {printf "%.1fk", i/n/1000}')
    if [ "$c" = 16 ]; then IR16[$d]=$v; else IR1K[$d]=$v; fi
  done
  # Heap allocations per request: two runs, the difference.
  a=()
  for n in 2000 12000; do
    start_worker "$d" valgrind --tool=memcheck --leak-check=no
    ab -q -k -c4 -n "$n" "http://127.0.0.1:$PORT/" >/dev/null 2>&1 || true
    stop_worker
    a+=("$(sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' "$OUT/w.err" | tr -d ,)")
  done
  ALLOC[$d]=$(awk -v a="${a[0]}" -v b="${a[1]}" 'BEGIN {printf "%.2f", (b-a)/10000}')
done
echo "| system calls per keep-alive \`/\` request (wrk -c16) | ${SYS[epoll]} | ${SYS[qt]} |"
echo "| instructions per \`/\` request, 16 connections | ${IR16[epoll]} | ${IR16[qt]} |"
echo "| instructions per \`/\` request, 1,000 connections | ${IR1K[epoll]} | ${IR1K[qt]} |"
echo "| heap allocations per \`/\` request (steady state) | ${ALLOC[epoll]} | ${ALLOC[qt]} |"
