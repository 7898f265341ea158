#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `clusterlab compare` against a known answer on real runs: PAIRS pairs of
# runs of one configuration (bench / on a 2-worker cluster, -z $DURATION,
# -c 4, each a --session), compared one run against one (the intervals from
# within the runs) and three against three (from between the runs). The
# answer is "no difference"; prints how often each figure says "~".
# Not a test.
#   bench/compare-calibration.sh [BUILD_DIR]   (default build/release; PAIRS=6, DURATION=6s)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
BUILD=$(build_dir "${1:-}")
PAIRS=${PAIRS:-6}
DURATION=${DURATION:-6s}
BIN=$BUILD/bin
OUT=$(mktemp -d)
SPID=
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$OUT"; }
trap cleanup EXIT
start_serve "$BIN/clusterlab" "$OUT/serve.log"
for i in $(seq $((2 * PAIRS))); do
  "$BIN/clusterlab" bench "http://127.0.0.1:$port/" -z "$DURATION" -c 4 -q --session "$OUT/run-$i.sqlite"
done
same() { # A... -- B...: "p50 p99 rps", each 1 (~), 0 (a difference) or n (n/a)
  "$BIN/clusterlab" compare --json - "$@" 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)["routes"][0]
code = {"no-difference": "1", "differs": "0", "not-comparable": "n"}
print(" ".join(code[r[k]["verdict"]] for k in ("p50", "p99", "throughput")))'
}
: >"$OUT/one"
for i in $(seq "$PAIRS"); do same "$OUT/run-$((2 * i - 1)).sqlite" -- "$OUT/run-$((2 * i)).sqlite" >>"$OUT/one"; done
: >"$OUT/three"
for start in $(seq 1 6 $((2 * PAIRS - 5))); do
  same "$OUT/run-$start.sqlite" "$OUT/run-$((start + 2)).sqlite" "$OUT/run-$((start + 4)).sqlite" -- \
    "$OUT/run-$((start + 1)).sqlite" "$OUT/run-$((start + 3)).sqlite" "$OUT/run-$((start + 5)).sqlite" >>"$OUT/three"
done
count() { awk -v c="$2" '{ s += ($c == "1"); na += ($c == "n") } END { printf "%d of %d%s", s, NR, na ? " (" na " n/a)" : "" }' "$OUT/$1"; }
echo "| compared (same configuration, $DURATION runs of / at -c 4) | p50 ~ | p99 ~ | req/s ~ |"
echo "|---|---|---|---|"
echo "| one run against one (within-run intervals) | $(count one 1) | $(count one 2) | $(count one 3) |"
echo "| three runs against three (between-run intervals) | $(count three 1) | $(count three 2) | $(count three 3) |"
