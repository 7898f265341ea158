#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# What attribution through the OS (bench --attribute) costs and covers, one
# run, alternating rounds: keep-alive load at -c16 and -c1000 against the
# Node.js engine (`clusterlab serve --engine node`, 2 workers, Node's own
# round-robin) and nginx (2 workers, reuseport), each with and without
# --attribute: the share of connections attributed, the generator's
# throughput with against without (goal >= 0.95), the lag from the
# connection's first answer to owner known (p50, p99; from the connect it
# adds the server's first answer, seconds for Node at -c1000); then --no-keepalive at full speed, where a server
# that closes after its answer leaves many connections without an owner:
# the share is stated. Not a test. Prints Markdown.
#
#   bench/attribution.sh [ROUNDS]   (default 3; DURATION=3 seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
ROUNDS=${1:-3}
DURATION=${DURATION:-3}
scripts/install-deps.sh nginx-light python3 >/dev/null 2>&1
command -v node >/dev/null || { echo "node is required for the Node.js engine" >&2; exit 1; }
cmake --preset release >/dev/null
cmake --build --preset release >/dev/null
BIN=build/release/bin
OUT=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$OUT/nginx.pid" ] && kill "$(cat "$OUT/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$OUT"
}
trap cleanup EXIT
for p in 3002 3003; do
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p is busy" >&2; exit 1; fi
done
"$BIN/clusterlab" serve --engine node --workers 2 --port 3003 </dev/null >"$OUT/node.log" 2>&1 & PIDS+=($!)
start_nginx 3002 2 "$OUT"
wait_port 3002; wait_port 3003
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"

run() { # NAME PORT CONNECTIONS MODE(plain|attr|noka)
  local extra=()
  [ "$4" = attr ] && extra=(--attribute)
  [ "$4" = noka ] && extra=(--attribute --no-keepalive)
  "$BIN/clusterlab" bench "http://127.0.0.1:$2/" -z "$DURATION" -c "$3" "${extra[@]}" --json "$OUT/r.json" >/dev/null 2>&1 || true
  python3 - "$OUT/r.json" "$1" "$3" "$4" >>"$OUT/rows" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); a = j.get("attribution", {})
conns = sum(p["connections"] for p in a.get("processes", []))
un = a.get("unattributedConnections", 0)
lag = a.get("lagFromAnswer", {})
print(sys.argv[2], sys.argv[3], sys.argv[4], j["requestsPerSecond"], conns, conns + un,
      lag.get("p50Ms", 0), lag.get("p99Ms", 0), a.get("jainConnections", 0))
PY
}

for r in $(seq "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  for t in "node 3003" "nginx 3002"; do
    set -- $t
    for c in 16 1000; do
      if [ $((r % 2)) = 1 ]; then run "$1" "$2" "$c" plain; run "$1" "$2" "$c" attr
      else run "$1" "$2" "$c" attr; run "$1" "$2" "$c" plain; fi
    done
    run "$1" "$2" 16 noka
  done
done

python3 - "$OUT/rows" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
def pick(t, c, m): return [r for r in rows if r[0] == t and r[1] == c and r[2] == m]
print("| target | connections | req/s without | with --attribute | ratio (median of rounds) | attributed | first answer → owner known, p50 / p99 ms | Jain (connections) |")
print("|---|---|---|---|---|---|---|---|")
for t in ("node", "nginx"):
    for c in ("16", "1000"):
        p, a = pick(t, c, "plain"), pick(t, c, "attr")
        if not p or not a: continue
        ratios = [float(y[3]) / float(x[3]) for x, y in zip(p, a) if float(x[3]) > 0]
        got = sum(int(r[4]) for r in a); tot = sum(int(r[5]) for r in a)
        print(f"| {t} | {c} | {st.median(float(r[3]) for r in p):.0f} | {st.median(float(r[3]) for r in a):.0f} | "
              f"{st.median(ratios):.3f} ({min(ratios):.3f}–{max(ratios):.3f}) | {got}/{tot} ({100*got/max(tot,1):.1f}%) | "
              f"{st.median(float(r[6]) for r in a):.2f} / {st.median(float(r[7]) for r in a):.2f} | {st.median(float(r[8]) for r in a):.3f} |")
    n = pick(t, "16", "noka")
    if n:
        got = sum(int(r[4]) for r in n); tot = sum(int(r[5]) for r in n)
        print(f"| {t}, --no-keepalive | 16 | | {st.median(float(r[3]) for r in n):.0f} | | {got}/{tot} ({100*got/max(tot,1):.1f}%) | "
              f"{st.median(float(r[6]) for r in n):.2f} / {st.median(float(r[7]) for r in n):.2f} | |")
PY
