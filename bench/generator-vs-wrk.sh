#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `clusterlab bench` against wrk -t1 and autocannon (the Node ecosystem's
# load tester; keep-alive) and ab (no keep-alive), same target, same
# connections, alternating, in one run, on `/` of `clusterlab serve` (one
# worker per core) and of nginx (reuseport, same worker count). Not a test:
# prints Markdown. Medians of ROUNDS. autocannon is installed with npm into a
# temporary folder.
#
#   bench/generator-vs-wrk.sh [ROUNDS]   (default 3; DURATION=5 seconds, N=20000, C=16)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
ROUNDS=${1:-3}
DURATION=${DURATION:-5}
N=${N:-20000}
C=${C:-16}
WORKERS=$(nproc)
scripts/install-deps.sh wrk apache2-utils nginx-light >/dev/null 2>&1
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
BIN=build/release/bin
OUT=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$OUT/nginx.pid" ] && kill "$(cat "$OUT/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true; rm -rf "$OUT"
}
trap cleanup EXIT
npm install --prefix "$OUT/npm" --no-audit --no-fund autocannon >/dev/null 2>&1
AUTOCANNON="$OUT/npm/node_modules/.bin/autocannon"

"$BIN/clusterlab" serve --workers "$WORKERS" --port 3101 >"$OUT/serve.log" 2>&1 & PIDS+=($!)
start_nginx 3102 "$WORKERS" "$OUT"
wait_port 3101; wait_port 3102

TIMEFORMAT='%U %S'
# Each tool prints "rps p50ms cpu_seconds".
run_wrk() { { time wrk -t1 -c"$C" -d"${DURATION}s" --latency "$1" >"$OUT/w.txt" 2>&1; } 2>"$OUT/t.txt"
  awk '/Requests\/sec/ {r=$2} /^ +50%/ {v=$2; u=v; gsub(/[0-9.]/,"",u); gsub(/[a-z]/,"",v); p=(u=="us")?v/1000:(u=="s")?v*1000:v}
       END {printf "%s %s ", r, p}' "$OUT/w.txt"; awk '{print $1+$2}' "$OUT/t.txt"; }
run_ab() { { time ab -q -c"$C" -n "$N" "$1" >"$OUT/a.txt" 2>&1; } 2>"$OUT/t.txt"
  awk '/Requests per second/ {r=$4} /^ +50%/ {p=$2} END {printf "%s %s ", r, p}' "$OUT/a.txt"; awk '{print $1+$2}' "$OUT/t.txt"; }
run_ac() { { time "$AUTOCANNON" -c "$C" -d "$DURATION" -j "$1" >"$OUT/ac.json" 2>/dev/null; } 2>"$OUT/t.txt"
  python3 -c "import json; d=json.load(open('$OUT/ac.json')); print('%.0f %.3f' % (d['requests']['average'], d['latency']['p50']), end=' ')"
  awk '{print $1+$2}' "$OUT/t.txt"; }
run_cl() { { time "$BIN/clusterlab" bench "$1" -c "$C" "${@:2}" --json "$OUT/c.json" >/dev/null 2>&1; } 2>"$OUT/t.txt"
  python3 -c "import json,sys; d=json.load(open('$OUT/c.json')); print('%.0f %.3f' % (d['requestsPerSecond'], d['latency']['p50Ms']), end=' ')"
  awk '{print $1+$2}' "$OUT/t.txt"; }

for r in $(seq "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  for target in 3101 3102; do
    url="http://127.0.0.1:$target/"
    # Alternate who goes first (A B, then B A): on a shared machine the
    # second run of a pair tends to see a warmer or a busier box.
    if [ $((r % 2)) = 1 ]; then
      run_wrk "$url" >>"$OUT/wrk_$target"
      run_cl "$url" -z "$DURATION" >>"$OUT/clka_$target"
    else
      run_cl "$url" -z "$DURATION" >>"$OUT/clka_$target"
      run_wrk "$url" >>"$OUT/wrk_$target"
    fi
    [ -x "$AUTOCANNON" ] && run_ac "$url" >>"$OUT/ac_$target"
    run_ab "$url" >>"$OUT/ab_$target"
    run_cl "$url" -n "$N" --no-keepalive >>"$OUT/clnoka_$target"
  done
done

col() { awk -v c="$2" '{print $c}' "$OUT/$1" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a/b }'; }
# autocannon reports latency in ms already; its requests.average is per second.
# CPU seconds per 10,000 requests/s sustained = cpu / (rps/10000 * seconds)
cpu10k() { awk -v cpu="$1" -v rps="$2" -v s="$3" 'BEGIN { printf "%.2f core", cpu / s / (rps/10000) }'; }

echo "| target | mode | peer | peer req/s | clusterlab bench req/s | ratio | peer p50 | ours p50 | goal |"
echo "|---|---|---|---|---|---|---|---|---|"
for target in 3101 3102; do
  name=$([ $target = 3101 ] && echo "clusterlab serve" || echo "nginx")
  echo "| $name | keep-alive, -c$C, ${DURATION}s | wrk -t1 | $(col wrk_$target 1) | $(col clka_$target 1) | $(ratio "$(col clka_$target 1)" "$(col wrk_$target 1)") | $(col wrk_$target 2) ms | $(col clka_$target 2) ms | ≥ 1.0× |"
  [ -s "$OUT/ac_$target" ] && echo "| $name | keep-alive, -c$C, ${DURATION}s | autocannon | $(col ac_$target 1) | $(col clka_$target 1) | $(ratio "$(col clka_$target 1)" "$(col ac_$target 1)") | $(col ac_$target 2) ms | $(col clka_$target 2) ms | ≥ 1.0× |"
  echo "| $name | new connection per request, -c$C, -n$N | ab | $(col ab_$target 1) | $(col clnoka_$target 1) | $(ratio "$(col clnoka_$target 1)" "$(col ab_$target 1)") | $(col ab_$target 2) ms | $(col clnoka_$target 2) ms | ≥ 1.0× |"
done
echo
# The pairs ran back to back: the median of their ratios is steadier than
# the ratio of the medians when the box's own speed drifts between rounds.
pairratio() { paste -d' ' "$OUT/$1" "$OUT/$2" | awk '{ printf "%.4f\n", $1 / $(NF/2+1) }' | median; }
echo "Median of the per-round ratios, keep-alive: against clusterlab serve $(pairratio clka_3101 wrk_3101)×, against nginx $(pairratio clka_3102 wrk_3102)× wrk."
echo
echo "CPU used per 10,000 requests/s (keep-alive, against nginx; user+system of the whole process):"
echo "wrk $(cpu10k "$(col wrk_3102 3)" "$(col wrk_3102 1)" "$DURATION"), clusterlab bench $(cpu10k "$(col clka_3102 3)" "$(col clka_3102 1)" "$DURATION")$([ -s "$OUT/ac_3102" ] && echo ", autocannon $(cpu10k "$(col ac_3102 3)" "$(col ac_3102 1)" "$DURATION")")."
