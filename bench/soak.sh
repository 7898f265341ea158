#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Soak under a restart storm: `clusterlab serve --workers 2` on a free port of
# 127.0.0.1 takes a mixed keep-alive load (`clusterlab bench`, routes
# / : /worker : /main : /child = 6 : 2 : 1 : 1, fib(N), C connections) for
# DURATION seconds while every KILL_INTERVAL seconds one random worker gets
# SIGKILL. Measures primary and worker RSS and the primary's open fds before
# and after, every request's fate (from the bench JSON), how fast each killed
# slot listens again, and whether serve then stops cleanly (SIGINT, exit 0, no
# worker or task left). Goals are shown, not enforced. Not a test. Prints
# Markdown; exits 0 unless the script itself could not run.
#
#   bench/soak.sh [DURATION_SECONDS=600] [KILL_INTERVAL_S=2]
#   env: BIN=build/dev/bin  CONNECTIONS=8  N=15 (fib argument)
#        SOAK_KEEP=1 keeps the logs (serve log, per-kill table, bench JSON) and prints where
#
# Timing method. serve prints each cluster event as "[seconds since serve
# started] worker I (pid P) <kind>". A reader (tail -F) stamps each line with
# the wall clock ($EPOCHREALTIME) as it arrives; offset = min(arrival - serve
# time) over all lines maps serve's clock to the wall clock within the
# arrival latency of the promptest line. The storm stamps each kill with
# $EPOCHREALTIME right before kill(2). Per kill: kill -> replacement
# "listening" (the replacement = the next worker of the same slot that says
# "listening"); also exited -> listening on serve's clock alone (no
# correlation needed), and the client's view: kill -> first /healthz answered
# by a pid that was not alive before the kill (a new connection every 10 ms).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh

DURATION=${1:-600}
KILL_INTERVAL=${2:-2}
BIN=${BIN:-build/dev/bin}
CONNECTIONS=${CONNECTIONS:-8}
N=${N:-15}
WORKERS=2
[[ $DURATION =~ ^[0-9]+$ ]] && (( DURATION >= 5 && DURATION <= 86400 )) \
  || { echo "usage: bench/soak.sh [DURATION_SECONDS (5..86400)=600] [KILL_INTERVAL_S=2]" >&2; exit 2; }
[[ $KILL_INTERVAL =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v k="$KILL_INTERVAL" 'BEGIN { exit !(k >= 0.1) }' \
  || { echo "soak: KILL_INTERVAL_S must be a number of seconds >= 0.1" >&2; exit 2; }
for b in clusterlab clusterlab-worker clusterlab-task; do
  [ -x "$BIN/$b" ] || { echo "soak: $BIN/$b is missing (build first, or set BIN)" >&2; exit 1; }
done
scripts/install-deps.sh jq >/dev/null 2>&1 || true
command -v jq >/dev/null || { echo "soak: jq is required (apt-get install jq)" >&2; exit 1; }

OUT=$(mktemp -d "${TMPDIR:-/tmp}/soak.XXXXXX")
SERVE="" SID="" BENCH="" STORM="" SAMPLER="" TAIL="" STAMP=""
nap() { read -r -t "$1" -u 9 _ 2>/dev/null || true; }  # sleep without a fork (fd 9: a FIFO nobody writes)
mkfifo "$OUT/never" "$OUT/lines"
exec 9<>"$OUT/never"
usec() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }

cleanup() {
  set +e
  trap - INT TERM
  [ -n "$STORM" ] && kill "$STORM" 2>/dev/null
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
  [ -n "$BENCH" ] && kill -INT "$BENCH" 2>/dev/null
  if [ -n "$SERVE" ] && kill -0 "$SERVE" 2>/dev/null; then
    kill -INT "$SERVE" 2>/dev/null
    for _ in $(seq 120); do kill -0 "$SERVE" 2>/dev/null || break; nap 0.1; done
    kill -KILL "$SERVE" 2>/dev/null
  fi
  # Whatever is left in serve's session (setsid below: workers, tasks) is ours.
  if [ -n "$SID" ]; then
    for p in $(pgrep -s "$SID" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  fi
  [ -n "$BENCH" ] && { nap 0.5; kill -KILL "$BENCH" 2>/dev/null; }
  [ -n "$TAIL" ] && kill "$TAIL" 2>/dev/null
  [ -n "$STAMP" ] && kill "$STAMP" 2>/dev/null
  wait 2>/dev/null
  if [ "${SOAK_KEEP:-0}" = 1 ]; then echo "logs kept in $OUT" >&2; else rm -rf "$OUT"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# serve's output, each line stamped with the wall clock on arrival.
: >"$OUT/serve.log"
tail -n +1 -F "$OUT/serve.log" >"$OUT/lines" 2>/dev/null 9<&- & TAIL=$!
while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done <"$OUT/lines" >"$OUT/stamped.log" & STAMP=$!

# The system under test: its own session, so every process it starts can be
# found (and, on the way out, ended) by session id. Not niced by this script.
setsid "$BIN/clusterlab" serve --workers "$WORKERS" --port 0 >"$OUT/serve.log" 2>"$OUT/serve.err" 9<&- & SERVE=$!
PORT=""
for _ in $(seq 200); do
  PORT=$(sed -nE 's#^ClusterLab serving http://127\.0\.0\.1:([0-9]+).*#\1#p' "$OUT/serve.log")
  [ -n "$PORT" ] && break
  kill -0 "$SERVE" 2>/dev/null || break
  nap 0.05
done
[ -n "$PORT" ] || { echo "soak: serve did not start:" >&2; cat "$OUT/serve.log" "$OUT/serve.err" >&2; exit 1; }
[ "$(ps -o sid= -p "$SERVE" | tr -d ' ')" = "$SERVE" ] || { echo "soak: serve is not a session leader" >&2; exit 1; }
SID=$SERVE
wait_port "$PORT" || { echo "soak: nothing accepts on port $PORT" >&2; exit 1; }
for _ in $(seq 200); do grep -q "all $WORKERS workers listening" "$OUT/serve.log" && break; nap 0.05; done
grep -q "all $WORKERS workers listening" "$OUT/serve.log" || { echo "soak: the workers did not all listen" >&2; cat "$OUT/serve.log" >&2; exit 1; }

workers() { pgrep -P "$SERVE" -f clusterlab-worker || true; }
rss_kb() { awk '/^VmRSS:/ {print $2; f=1} END {if (!f) print 0}' "/proc/$1/status" 2>/dev/null || echo 0; }
fd_count() { { ls "/proc/$1/fd" 2>/dev/null || true; } | wc -l; }
slot_of() { tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | awk 'p {print; exit} $0 == "--index" {p = 1}'; }
fd_kinds() { # "socket 12, pipe 6, ..." for the open fds of PID
  local f; for f in /proc/"$1"/fd/*; do readlink "$f" 2>/dev/null || true; done \
    | sed -E 's/^(socket|pipe|anon_inode):.*/\1/; s#^/dev/.*#dev#; s#^/.*#file#' | sort | uniq -c \
    | awk '{printf "%s%s %s", sep, $2, $1; sep = ", "}'
}
snapshot() { # LABEL: "primary RSS_KB FDS" then "worker INDEX PID RSS_KB" lines; fd kinds in fds.LABEL
  echo "primary $(rss_kb "$SERVE") $(fd_count "$SERVE")" >"$OUT/snap.$1"
  fd_kinds "$SERVE" >"$OUT/fds.$1"
  for w in $(workers); do echo "worker $(slot_of "$w") $w $(rss_kb "$w")" >>"$OUT/snap.$1"; done
}
snapshot start

# The restart storm. One line per kill in kills.tsv:
#   kill_wall victim_pid healthz_wall new_pid   ("-" when no new pid answered)
# and "kill_wall none" when there was no worker to kill.
healthz_pid() { # sets HPID to the pid that answered /healthz on a new connection ("" if none)
  HPID=""
  local l
  { printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    while IFS= read -r -t 1 -u 3 l; do [[ $l =~ \"pid\":([0-9]+) ]] && HPID=${BASH_REMATCH[1]}; done
  } 3<>"/dev/tcp/127.0.0.1/$PORT" 2>/dev/null || true
}
storm() {
  set +e
  trap 'exit 0' TERM
  local interval_us start end next now victim t th before newpid
  interval_us=$(awk -v k="$KILL_INTERVAL" 'BEGIN { printf "%d", k * 1000000 }')
  start=$(usec); end=$(( start + DURATION * 1000000 - 1000000 )) # no kill in the last second of load
  next=$(( start + interval_us ))
  while :; do
    now=$(usec)
    (( next > now )) && nap "$(awk -v u=$(( next - now )) 'BEGIN { printf "%.6f", u / 1e6 }')"
    (( next >= end )) && break
    mapfile -t before < <(workers)
    if (( ${#before[@]} == 0 )); then echo "$EPOCHREALTIME none" >>"$OUT/kills.tsv"; next=$(( next + interval_us )); continue; fi
    victim=${before[RANDOM % ${#before[@]}]}
    t=$EPOCHREALTIME
    kill -KILL "$victim" 2>/dev/null || { next=$(( next + interval_us )); continue; }
    next=$(( next + interval_us ))
    th="-"; newpid="-"
    while (( $(usec) < next && $(usec) < end + 1000000 )); do
      healthz_pid
      if [ -n "$HPID" ] && [[ " ${before[*]} " != *" $HPID "* ]]; then th=$EPOCHREALTIME; newpid=$HPID; break; fi
      nap 0.01
    done
    echo "$t $victim $th $newpid" >>"$OUT/kills.tsv"
  done
}
: >"$OUT/kills.tsv"
sampler() { # the primary's RSS (KiB) and fds once a second: "seconds_since_load_start RSS FDS"
  set +e; trap 'exit 0' TERM
  local t0; t0=$(usec)
  while kill -0 "$SERVE" 2>/dev/null; do
    echo "$(( ($(usec) - t0) / 1000000 )) $(rss_kb "$SERVE") $(fd_count "$SERVE")" >>"$OUT/primary.tsv"
    nap 1
  done
}

"$BIN/clusterlab" bench "http://127.0.0.1:$PORT/" -z "$DURATION" -c "$CONNECTIONS" --timeout 5 \
  --route /:6 --route "/worker?n=$N:2" --route "/main?n=$N:1" --route "/child?n=$N:1" \
  --json "$OUT/bench.json" >"$OUT/bench.txt" 2>&1 9<&- & BENCH=$!
storm & STORM=$!
sampler & SAMPLER=$!

# Bounded: the load gets DURATION + 30 s (its timeout is 5 s), then it is cancelled.
deadline=$(( $(usec) + (DURATION + 30) * 1000000 ))
while kill -0 "$BENCH" 2>/dev/null && (( $(usec) < deadline )); do nap 0.2; done
kill -INT "$BENCH" 2>/dev/null || true
BENCH_RC=0; wait "$BENCH" || BENCH_RC=$?
BENCH=""
kill "$STORM" "$SAMPLER" 2>/dev/null || true; wait "$STORM" "$SAMPLER" 2>/dev/null || true; STORM="" SAMPLER=""

# Let every slot settle (its last event "listening" or "errored"), 20 s at most.
events() { # the serve log as "wall serve_s slot pid kind" (pid 0 when the line has none)
  sed -nE -e 's/^([0-9.]+) \[ *([0-9.]+)\] worker ([0-9]+) \(pid ([0-9]+)\) ([a-z]+).*/\1 \2 \3 \4 \5/p;t' \
          -e 's/^([0-9.]+) \[ *([0-9.]+)\] worker ([0-9]+) ([a-z]+).*/\1 \2 \3 0 \4/p' "$OUT/stamped.log"
}
settled() {
  events | awk -v w="$WORKERS" '$5 != "info" && $5 != "disconnected" {last[$3] = $5}
    END {for (i = 0; i < w; i++) if (last[i] != "listening" && last[i] != "errored") exit 1}'
}
SETTLED=no
for _ in $(seq 200); do settled && { SETTLED=yes; break; }; nap 0.1; done
nap 1 # closed connections reach the primary
snapshot end

# Stop serve: SIGINT, then it should exit 0 with nothing left behind.
kill -INT "$SERVE" 2>/dev/null || true
STOP_T0=$(usec)
for _ in $(seq 300); do kill -0 "$SERVE" 2>/dev/null || break; nap 0.05; done
SERVE_RC=timeout
if ! kill -0 "$SERVE" 2>/dev/null; then SERVE_RC=0; wait "$SERVE" || SERVE_RC=$?; fi
STOP_MS=$(( ($(usec) - STOP_T0) / 1000 ))
LEFT=$(pgrep -a -s "$SID" 2>/dev/null | grep -E 'clusterlab-(worker|task)' || true)
LEFT_ANY=$({ pgrep -s "$SID" 2>/dev/null || true; } | wc -l)
if [ "$SERVE_RC" = timeout ]; then kill -KILL "$SERVE" 2>/dev/null || true; wait "$SERVE" 2>/dev/null || true; fi
SERVE=""
nap 0.3 # the last lines reach the stamped log
kill "$TAIL" 2>/dev/null || true; TAIL=""
wait "$STAMP" 2>/dev/null || true; STAMP=""

# ---- figures ----------------------------------------------------------------
J="$OUT/bench.json"
[ -s "$J" ] || { echo "soak: the load generator wrote no JSON (exit $BENCH_RC):" >&2; cat "$OUT/bench.txt" >&2; exit 1; }
jqr() { jq -r "$1" "$J"; }
SENT=$(jqr .sent); OK=$(jqr .succeeded); FAILED=$(jqr .failed)
KINDS=$(jqr '.errors | to_entries | map(select(.value > 0) | "\(.key) \(.value)") | join(", ")')
[ -n "$KINDS" ] || KINDS="none"
NOT_IN_FLIGHT=$(jqr '[.errors.refused, .errors.connect, .errors.timeout, .errors.malformed] | add')
NON200=$(jqr '[.statuses | to_entries[] | select(.key != "200") | "\(.key) \(.value)"] | join(", ")')
[ -n "$NON200" ] || NON200="none"
LOAD_S=$(jqr '.durationMs / 1000 | . * 10 | round / 10')
RPS=$(jqr '.requestsPerSecond | round')

KILLS=$(awk '$2 != "none"' "$OUT/kills.tsv" | wc -l)
NO_VICTIM=$(awk '$2 == "none"' "$OUT/kills.tsv" | wc -l)
OFFSET=$(sed -nE 's/^([0-9.]+) \[ *([0-9.]+)\].*/\1 \2/p' "$OUT/stamped.log" \
         | awk 'NR == 1 || $1 - $2 < m {m = $1 - $2} END {printf "%.6f", m}')

# Per kill: slot, outcome and the four times (ms; "-" when not measured).
events >"$OUT/events.txt"
awk -v off="$OFFSET" '
  FNR == NR { n++; ts[n] = $2; slot[n] = $3; pid[n] = $4; kind[n] = $5; next }
  $2 == "none" { next }
  { k = $1 - off; v = $2; e = 0
    for (i = 1; i <= n; i++) if (pid[i] == v && kind[i] == "exited") { e = i; break }
    if (!e) { print v, "-", "no-exit-seen", "-", "-", "-", "-"; next }
    s = slot[e]; out = "none"; l = 0; f = 0
    for (i = e + 1; i <= n; i++) {
      if (slot[i] != s) continue
      if (kind[i] == "listening" && pid[i] != v) { out = "listening"; l = i; break }
      if (kind[i] == "exited" && pid[i] != v) { out = "superseded"; break }
      if (kind[i] == "errored") { out = "errored"; break }
    }
    if (l) for (i = e + 1; i < l; i++) if (pid[i] == pid[l] && kind[i] == "forked") f = i
    hz = ($3 == "-") ? "-" : sprintf("%.1f", ($3 - $1) * 1000)
    printf "%s %s %s %.1f %s %s %s %s\n", v, s, out, (ts[e] - k) * 1000,
      l ? sprintf("%.1f", (ts[l] - k) * 1000) : "-", l ? sprintf("%.1f", (ts[l] - ts[e]) * 1000) : "-", hz,
      f ? sprintf("%.1f", (ts[l] - ts[f]) * 1000) : "-"
  }' "$OUT/events.txt" "$OUT/kills.tsv" >"$OUT/perkill.txt"
# perkill.txt: victim slot outcome kill->exited kill->listening exited->listening kill->healthz forked->listening

pct() { # COLUMN of perkill.txt -> "p50 / p90 / max (n)" in ms, nearest rank
  awk -v c="$1" '$c != "-" {print $c}' "$OUT/perkill.txt" | sort -g \
    | awk '{a[NR] = $1} END {if (!NR) {print "n/a"; exit}
             i50 = int(0.5 * NR + 0.999999); i90 = int(0.9 * NR + 0.999999)
             printf "%.1f / %.1f / %.1f (n = %d)", a[i50], a[i90], a[NR], NR}'
}
P50_LISTEN=$(awk '$5 != "-" {print $5}' "$OUT/perkill.txt" | sort -g | awk '{a[NR] = $1} END {if (NR) print a[int(0.5 * NR + 0.999999)]}')
count() { awk -v o="$1" '$3 == o' "$OUT/perkill.txt" | wc -l; }

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
PRSS0=$(awk '$1 == "primary" {print $2}' "$OUT/snap.start"); PRSS1=$(awk '$1 == "primary" {print $2}' "$OUT/snap.end")
FD0=$(awk '$1 == "primary" {print $3}' "$OUT/snap.start"); FD1=$(awk '$1 == "primary" {print $3}' "$OUT/snap.end")
GROWTH_KB=$(( PRSS1 - PRSS0 ))
GROWTH=$(awk -v k="$GROWTH_KB" 'BEGIN { printf "%+.1f MiB (%+.2f MB)", k / 1024, k * 1024 / 1e6 }')
worker_rss() { # SLOT LABEL
  awk -v s="$1" '$1 == "worker" && $2 == s {printf "%s%.1f (pid %s)", sep, $4 / 1024, $3; sep = ", "; f = 1}
                 END {if (!f) printf "no worker"}' "$OUT/snap.$2"
}
NW0=$(awk '$1 == "worker" {n++} END {print n + 0}' "$OUT/snap.start")
NW1=$(awk '$1 == "worker" {n++} END {print n + 0}' "$OUT/snap.end")
RSS_TREND=$(awk '{t[NR] = $1; r[NR] = $2; if ($2 > m) m = $2} END {if (!NR) {print "n/a"; exit}
  for (q = 0; q <= 4; q++) {i = int(q * (NR - 1) / 4) + 1; printf "%s%.1f (%d s)", sep, r[i] / 1024, t[i]; sep = " → "}
  printf "; peak %.1f", m / 1024}' "$OUT/primary.tsv" 2>/dev/null || echo n/a)
BACKOFF=$(sed -nE 's/.*\] worker [0-9]+ restarting in ([0-9]+) ms.*/\1/p' "$OUT/serve.log" | sort -g \
  | awk '{a[NR] = $1} END {if (!NR) print "n/a"; else printf "%d / %d / %d (n = %d)", a[1], a[int(0.5 * NR + 0.999999)], a[NR], NR}')
yes_no() { if [ "$1" = 1 ]; then echo yes; else echo "**no**"; fi; }

ERRORED=$(grep -E '\] worker [0-9]+ errored' "$OUT/serve.log" || true)
OTHER_EXITS=$(awk 'NR == FNR {if ($2 != "none") killed[$2] = 1; next}
  /\] worker [0-9]+ \(pid [0-9]+\) exited/ {p = $0; sub(/.*\(pid /, "", p); sub(/\).*/, "", p)
    if (!(p in killed) && $0 !~ /as asked/) print}' "$OUT/kills.tsv" "$OUT/serve.log")

cat <<MD
## Soak: 2 workers, a random worker SIGKILLed every ${KILL_INTERVAL} s

Load: \`clusterlab bench -z $DURATION -c $CONNECTIONS\` keep-alive, routes \`/\`:6 \`/worker?n=$N\`:2
\`/main?n=$N\`:1 \`/child?n=$N\`:1, timeout 5 s; serve on 127.0.0.1:$PORT (policy round-robin).

| measure | value | goal | met |
|---|---|---|---|
| load duration | $LOAD_S s ($RPS req/s answered)$( [ "$(jqr .cancelled)" = true ] && echo ", **cancelled** (SIGINT or the time bound)") | | |
| kills (SIGKILL) | $KILLS (+ $NO_VICTIM times no worker was left to kill) | | |
| requests sent / succeeded / failed | $SENT / $OK / $FAILED | only those in flight on a killed worker fail | $(yes_no "$(( NOT_IN_FLIGHT == 0 && FAILED <= KILLS * CONNECTIONS ? 1 : 0 ))") |
| failed by kind | $KINDS | refused, connect, timeout, malformed = 0; failed ≤ kills × C = $(( KILLS * CONNECTIONS )) | |
| statuses other than 200 | $NON200 | | |
| primary RSS start → end | $(mib "$PRSS0") → $(mib "$PRSS1") MiB, $GROWTH | growth ≤ 5 MB | $(yes_no "$(( GROWTH_KB * 1024 <= 5000000 ? 1 : 0 ))") |
MD
for s in $(seq 0 $(( WORKERS - 1 ))); do
  echo "| worker $s RSS start → end (MiB) | $(worker_rss "$s" start) → $(worker_rss "$s" end) | | |"
done
cat <<MD
| primary RSS during the load (MiB, s since the load began) | $RSS_TREND | | |
| primary open fds start → end | $FD0 → $FD1 ($(cat "$OUT/fds.start") → $(cat "$OUT/fds.end"); $NW0 → $NW1 workers) | equal | $(yes_no "$(( FD0 == FD1 ? 1 : 0 ))") |
| kill → replacement listening, p50 / p90 / max ms | $(pct 5) | p50 ≤ 100 ms | $(yes_no "$(awk -v p="${P50_LISTEN:-1e9}" 'BEGIN { print (p <= 100) ? 1 : 0 }')") |
| exited → replacement listening (serve's clock only) | $(pct 6) | | |
| … of which the restart back-off serve announced ("restarting in"), min / p50 / max ms | $BACKOFF | | |
| … of which the replacement's start (forked → listening) | $(pct 8) | | |
| kill → primary reports the exit | $(pct 4) | | |
| kill → first /healthz from the replacement (client view) | $(pct 7) | | |
| replacements: listening / killed before listening / slot errored / none | $(count listening) / $(count superseded) / $(count errored) / $(( $(count none) + $(count no-exit-seen) )) | every kill replaced | $(yes_no "$(( $(count listening) + $(count superseded) == KILLS && NO_VICTIM == 0 ? 1 : 0 ))") |
| slots settled after the load (listening or errored) | $SETTLED | | |
| serve after SIGINT | exit $SERVE_RC in $STOP_MS ms | exit 0 | $(yes_no "$([ "$SERVE_RC" = 0 ] && echo 1 || echo 0)") |
| worker/task processes left after serve exited | $( [ -z "$LEFT" ] && echo 0 || echo "$LEFT" | wc -l) ($LEFT_ANY processes in serve's session) | 0 | $(yes_no "$([ -z "$LEFT" ] && echo 1 || echo 0)") |

Method: kill times are the script's wall clock (\`\$EPOCHREALTIME\` just before kill(2)); serve's event
times ("[s since start]") are mapped to the wall clock by the smallest (arrival − serve time) over all
$(grep -c '\[' "$OUT/stamped.log") log lines, read as they were written (so figures from the kill are upper
bounds, by that line's read latency). The replacement of a kill is the
next worker of the same slot that reports "listening"; "killed before listening" = the storm killed the
replacement first (that kill is counted on its own). The /healthz figure polls a new connection every 10 ms
until a pid that was not alive before the kill answers (10 ms resolution, includes the poll's own cost).
MD

if [ -n "$ERRORED" ] || [ -n "$OTHER_EXITS" ] || [ "$(count none)" != 0 ] || [ "$(count no-exit-seen)" != 0 ] \
   || [ "$NO_VICTIM" != 0 ] || [ -n "$LEFT" ] || [ "$SERVE_RC" != 0 ] || [ "$SETTLED" != yes ]; then
  echo
  echo "### Findings"
  [ -n "$ERRORED" ] && { echo; echo "Slots that ended errored (no longer restarted):"; echo '```'; echo "$ERRORED"; echo '```'; }
  [ "$(count none)" != 0 ] && echo "- $(count none) kill(s) got no replacement before serve stopped."
  [ "$(count no-exit-seen)" != 0 ] && echo "- $(count no-exit-seen) killed pid(s) never reported as exited by serve."
  [ "$NO_VICTIM" != 0 ] && echo "- $NO_VICTIM time(s) the storm found no worker to kill (the first at ~$(awk -v off="$OFFSET" '$2 == "none" {printf "%.1f", $1 - off; exit}' "$OUT/kills.tsv") s on serve's clock)."
  [ -n "$OTHER_EXITS" ] && { echo; echo "Workers that exited without being killed by the storm:"; echo '```'; echo "$OTHER_EXITS"; echo '```'; }
  [ -n "$LEFT" ] && { echo; echo "Left after serve exited:"; echo '```'; echo "$LEFT"; echo '```'; }
  [ "$SERVE_RC" != 0 ] && { echo; echo "serve's last lines (exit $SERVE_RC):"; echo '```'; tail -n 8 "$OUT/serve.log"; cat "$OUT/serve.err"; echo '```'; }
  [ "$SETTLED" != yes ] && echo "- Some slot was neither listening nor errored 20 s after the load (the end figures may be mid-restart)."
fi
exit 0
