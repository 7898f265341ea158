#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# clusterlab-task.exe cross-built for Windows (mingw-w64, static: no DLL to
# ship beside it) and run under wine64, with its own checks: the right
# result and its two timestamps, and the exit codes for bad input.
#
#   scripts/windows/task-under-wine.sh        (exit 0 when every check passes)
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh g++-mingw-w64-x86-64-posix wine64 >/dev/null

out=build/windows
mkdir -p "$out"
exe="$out/clusterlab-task.exe"
x86_64-w64-mingw32-g++-posix -std=c++17 -O2 -Wall -Wextra -Wpedantic -Werror -static \
  -I src/core src/task/main.cpp src/core/compute/clock.cpp src/core/compute/fib.cpp src/core/compute/payload.cpp -lpsapi -o "$exe"

wine=$(command -v wine64 || true)
[ -n "$wine" ] || wine=/usr/lib/wine/wine64
[ -x "$wine" ] || { echo "task-under-wine: no wine64 found" >&2; exit 1; }
prefix=$(mktemp -d)
export WINEPREFIX="$prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY=
cleanup() {
  WINEPREFIX="$prefix" /usr/lib/wine/wineserver -k 2>/dev/null || true
  rm -rf "$prefix"
}
trap cleanup EXIT

failures=0
# run EXPECTED_EXIT ARGS... ; sets $stdout and $stderr
run() {
  local expected=$1; shift
  local code=0
  "$wine" "$exe" "$@" >"$prefix/out" 2>"$prefix/err" <"${STDIN_FILE:-/dev/null}" || code=$?
  stdout=$(tr -d '\r' <"$prefix/out")
  stderr=$(tr -d '\r' <"$prefix/err")
  if [ "$code" != "$expected" ]; then
    echo "FAIL clusterlab-task.exe $*: exit $code, expected $expected (stderr: $stderr)"
    failures=$((failures + 1))
    return 1
  fi
}
check_fib() { # N EXPECTED
  run 0 "$1" || return 0
  read -r value start end rss checksum extra <<<"$stdout"
  if [ "$value" != "$2" ] || [ -z "$checksum" ] || [ -n "${extra:-}" ] || [ "$start" -gt "$end" ] || [ "$rss" -le 0 ]; then
    echo "FAIL clusterlab-task.exe $1: printed '$stdout', expected '$2 <start> <end> <peakRssKiB> <checksum>'"
    failures=$((failures + 1))
  fi
}

check_fib 0 0
check_fib 10 55
check_fib 25 75025
run 0 --help && { grep -q "usage: clusterlab-task N" <<<"$stdout" || { echo "FAIL --help: '$stdout'"; failures=$((failures + 1)); }; }
for bad in "" abc -1 46 1000 "1 2"; do
  if run 2 "$bad"; then
    grep -q "expected N in 0..45" <<<"$stderr" || { echo "FAIL '$bad': message '$stderr'"; failures=$((failures + 1)); }
  fi
done
run 2 || true          # no argument
run 2 1 2 || true      # two arguments
run 2 1 --payload 67108865 || true # over 64 MiB
# A payload through a pipe, in binary mode (CR LF and ^Z bytes included).
printf 'ab\r\n\032cd\000efgh' >"$prefix/payload"
STDIN_FILE="$prefix/payload" run 0 5 --payload 12 && {
  read -r value _ _ _ checksum _ <<<"$stdout"
  [ "$value" = 5 ] && [ "$checksum" != 0 ] || { echo "FAIL --payload: '$stdout'"; failures=$((failures + 1)); }
}
STDIN_FILE="$prefix/payload" run 1 5 --payload 13 || true # one byte short
run 3 1 --crash || true # abort() ends a Windows program with exit code 3

if [ "$failures" -ne 0 ]; then
  echo "clusterlab-task.exe under wine: $failures check(s) failed"
  exit 1
fi
echo "clusterlab-task.exe under wine: all checks pass ($(stat -c %s "$exe") bytes, static)"
