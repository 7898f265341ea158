#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# clusterlab-task linked statically or dynamically (issue 27: the packages
# link it dynamically, as a distribution wants): what a /child request pays
# for each. Not a test. Relinks the task of a build folder both ways from
# its own objects (the link line ninja has), then, in one run, ROUNDS times
# alternately:
#   - a spawn alone: hyperfine -N over `clusterlab-task 1` (mean ms);
#   - /child?n=1 through a 2-worker cluster whose workers start that task:
#     clusterlab bench -z $DURATION -c 4 (req/s and p50, p99 ms).
# Prints the medians and the dynamic/static ratios as Markdown.
#   bench/task-link.sh [BUILD_DIR]     (default build/release; ROUNDS=3, DURATION=5s)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
BUILD=$(build_dir "${1:-}")
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
scripts/install-deps.sh hyperfine >/dev/null 2>&1
OUT=$(mktemp -d)
SPID=
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$OUT"; }
trap cleanup EXIT

# The task's link line, relinked each way into a copy of bin/.
link=$(cd "$BUILD" && ninja -t commands bin/clusterlab-task | tail -n 1 | sed 's/^: && //; s/ && :$//')
for kind in static dynamic; do
  mkdir -p "$OUT/$kind"
  cp "$BUILD/bin/clusterlab" "$BUILD/bin/clusterlab-worker" "$OUT/$kind/" 2>/dev/null \
    || cp "$BUILD/bin/clusterlab-cli" "$BUILD/bin/clusterlab-worker" "$OUT/$kind/"
  line=$(sed 's/ -static / /; s/ -static-libstdc++ -static-libgcc / /' <<<"$link")
  [ "$kind" = static ] && line=$(sed 's| -o bin/clusterlab-task| -static -o bin/clusterlab-task|' <<<"$line")
  line=$(sed "s| -o bin/clusterlab-task| -o $OUT/$kind/clusterlab-task|" <<<"$line")
  (cd "$BUILD" && eval "$line")
done
file "$OUT/static/clusterlab-task" | grep -q "statically linked" || { echo "the static task is not static" >&2; exit 1; }
file "$OUT/dynamic/clusterlab-task" | grep -q "dynamically linked" || { echo "the dynamic task is not dynamic" >&2; exit 1; }
front=$(ls "$OUT/static" | grep -E '^clusterlab(-cli)?$' | head -n 1)

for round in $(seq "$ROUNDS"); do
  for kind in static dynamic; do
    hyperfine -N -w 20 -r 300 --export-json "$OUT/h.json" "$OUT/$kind/clusterlab-task 1" >/dev/null 2>&1
    python3 -c "import json; print(json.load(open('$OUT/h.json'))['results'][0]['mean']*1000)" >>"$OUT/spawn-$kind"
    start_serve "$OUT/$kind/$front" "$OUT/serve.log"
    "$OUT/$kind/$front" bench "http://127.0.0.1:$port/child?n=1" -z "$DURATION" -c 4 --json "$OUT/b.json" -q
    python3 -c "import json; d=json.load(open('$OUT/b.json')); print(d['requestsPerSecond'], d['latency']['p50Ms'], d['latency']['p99Ms'])" >>"$OUT/child-$kind"
    kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=
  done
  echo "round $round done" >&2
done

med() { cut -d' ' -f"$2" "$OUT/$1" | median; }
ss=$(median <"$OUT/spawn-static"); sd=$(median <"$OUT/spawn-dynamic")
rs=$(med child-static 1); rd=$(med child-dynamic 1)
p5s=$(med child-static 2); p5d=$(med child-dynamic 2)
p9s=$(med child-static 3); p9d=$(med child-dynamic 3)
echo "| clusterlab-task ($ROUNDS rounds, medians) | static | dynamic | dynamic / static |"
echo "|---|---|---|---|"
awk -v s="$ss" -v d="$sd" 'BEGIN { printf "| one spawn, clusterlab-task 1 (ms) | %.2f | %.2f | %.2f× |\n", s, d, d/s }'
awk -v s="$rs" -v d="$rd" 'BEGIN { printf "| /child?n=1, 2 workers, 4 connections (req/s) | %.0f | %.0f | %.2f× |\n", s, d, d/s }'
awk -v s="$p5s" -v d="$p5d" 'BEGIN { printf "| its p50 (ms) | %.2f | %.2f | %.2f× |\n", s, d, d/s }'
awk -v s="$p9s" -v d="$p9d" 'BEGIN { printf "| its p99 (ms) | %.2f | %.2f | %.2f× |\n", s, d, d/s }'
