#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# How exact the load generator's constant-rate mode is (issue 10): against
# an idle `clusterlab serve --workers 2`, `clusterlab bench --rate R` at 200,
# 2,000 and 20,000 requests/s; the coordinated-omission-corrected p50 (from
# the intended send time) against the service p50 (from the actual send),
# and the generator's own lateness (actual − intended) that separates them.
# Goal: corrected p50 ≤ service p50 × 1.2 + 50 µs. wrk's unpaced p50 (-t1
# -c1) on the same idle server is printed as a reference for the service
# time (wrk2, which paces like we do, is not in Debian). Not a test: prints
# Markdown. Medians of ROUNDS.
#
#   bench/pacing.sh [ROUNDS]   (default 3; DURATION=5 seconds; RATES="200 2000 20000")
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
ROUNDS=${1:-3}
DURATION=${DURATION:-5}
RATES=${RATES:-"200 2000 20000"}
scripts/install-deps.sh wrk >/dev/null 2>&1
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
BIN=build/release/bin
OUT=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$OUT"' EXIT
"$BIN/clusterlab" serve --workers 2 --port 3301 >"$OUT/serve.log" 2>&1 & PIDS+=($!)
wait_port 3301
URL=http://127.0.0.1:3301/

for r in $(seq "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  wrk -t1 -c1 -d"${DURATION}s" --latency "$URL" >"$OUT/w.txt" 2>&1
  awk '/^ +50%/ {v=$2; u=v; gsub(/[0-9.]/,"",u); gsub(/[a-z]/,"",v); print (u=="us")?v/1000:(u=="s")?v*1000:v}' "$OUT/w.txt" >>"$OUT/wrk_p50"
  for rate in $RATES; do
    c=$(( rate >= 20000 ? 16 : rate >= 2000 ? 4 : 2 ))
    "$BIN/clusterlab" bench "$URL" -z "$DURATION" -c "$c" --rate "$rate" --json "$OUT/p.json" >/dev/null 2>&1
    python3 -c "
import json; d=json.load(open('$OUT/p.json'))
print(d['latency']['p50Ms'], d['serviceTime']['p50Ms'], d['sendLag']['p50Ms'], d['sendLag']['p99Ms'], d['requestsPerSecond'])" >>"$OUT/rate_$rate"
  done
done

col() { awk -v c="$2" '{print $c}' "$OUT/$1" | median; }
echo "| rate (req/s) | connections | achieved req/s | corrected p50 | service p50 | generator lateness p50 / p99 | goal: corrected ≤ service × 1.2 + 0.05 ms | met |"
echo "|---|---|---|---|---|---|---|---|"
for rate in $RATES; do
  c=$(( rate >= 20000 ? 16 : rate >= 2000 ? 4 : 2 ))
  corr=$(col "rate_$rate" 1); serv=$(col "rate_$rate" 2); lag50=$(col "rate_$rate" 3); lag99=$(col "rate_$rate" 4); rps=$(col "rate_$rate" 5)
  bound=$(awk -v s="$serv" 'BEGIN { printf "%.3f", s * 1.2 + 0.05 }')
  met=$(awk -v a="$corr" -v b="$bound" 'BEGIN { print (a <= b) ? "yes" : "no" }')
  echo "| $rate | $c | $(printf '%.0f' "$rps") | $corr ms | $serv ms | $lag50 / $lag99 ms | ≤ $bound ms | $met |"
done
echo
echo "wrk -t1 -c1 (unpaced) p50 on the same idle server: $(col wrk_p50 1) ms."
