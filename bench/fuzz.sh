#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Coverage-guided fuzzing (libFuzzer + ASan + UBSan) of the three decoders
# that take bytes from outside: the HTTP request parser, the ?n= query and
# the control-channel frames (with the telemetry aggregator behind them).
# Not part of CI: CI runs the same targets once over their seed corpora
# (ctest -R fuzz_; tests/fuzz/CMakeLists.txt).
#
#   bench/fuzz.sh [SECONDS] [TARGET...]   (default 60 s each; targets:
#                                          requestparser fibquery controlframe session)
#
# Builds build/fuzz with clang (only the fuzz targets and what they link),
# runs each target for SECONDS on a copy of its seed corpus in
# build/fuzz/work/<target>/ (new inputs stay there, out of the repository),
# and prints executions, crashes and the grown corpus per target. A crash,
# leak, timeout or out-of-memory input is copied into
# tests/fuzz/corpus/<target>/ (libFuzzer's name: crash-<sha1>, ...), so that
# the regression test replays it; rename it crash-<what> when you know.
# Exit status: 0 when no target failed, 1 otherwise, 2 on bad usage.
# Environment: FUZZ_JOBS (build parallelism, default 1), FUZZ_WERROR
# (default OFF), FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=${1:-60}
shift || true
if ! [[ "$DURATION" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bench/fuzz.sh [SECONDS] [requestparser|fibquery|controlframe|session ...]" >&2
  exit 2
fi
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(requestparser fibquery controlframe session)
for t in "${TARGETS[@]}"; do
  if [ ! -f "tests/fuzz/fuzz_$t.cpp" ]; then
    echo "bench/fuzz.sh: no fuzz target '$t'" >&2
    exit 2
  fi
done

# clang and libFuzzer (Debian 12: clang 14), plus the project's own
# dependencies (Qt, llhttp, cmake, ninja).
scripts/install-deps.sh clang libfuzzer-14-dev

BUILD=build/fuzz
# -O1 and Debug: Q_ASSERT and libstdc++'s bounds checks stay on
# (_GLIBCXX_ASSERTIONS catches std::array and vector indices out of range).
# Every object (clusterlab_core, llhttp) gets coverage instrumentation; the
# fuzz targets themselves link libFuzzer (tests/fuzz/CMakeLists.txt).
# Warnings are not errors here: clang's -Woverloaded-virtual flags the
# Cluster::event signal (it hides QObject::event), which gcc does not.
SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
echo "== configure $BUILD (clang, libFuzzer)"
mkdir -p "$BUILD"
cmake -S . -B "$BUILD" -G Ninja \
  -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_C_FLAGS="-O1 -g $SAN" \
  -DCMAKE_CXX_FLAGS="-O1 -g $SAN -D_GLIBCXX_ASSERTIONS" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCLUSTERLAB_LIBFUZZER=ON \
  -DCLUSTERLAB_WERROR="${FUZZ_WERROR:-OFF}" \
  -DCLUSTERLAB_BUILD_TOOLS=OFF \
  -DCLUSTERLAB_BUILD_TESTS=ON >"$BUILD/configure.log" 2>&1 \
  || { cat "$BUILD/configure.log" >&2; exit 1; }

echo "== build (-j${FUZZ_JOBS:-1})"
build_targets=()
for t in "${TARGETS[@]}"; do build_targets+=("fuzz_$t"); done
cmake --build "$BUILD" -j "${FUZZ_JOBS:-1}" --target "${build_targets[@]}"

# A smaller quarantine than ASan's 256 MB: it is counted in requested bytes,
# and the targets free millions of tiny QByteArrays whose real footprint is
# several times that (fuzz_fibquery reached 900 MB RSS in 60 s with the
# default, against the 2 GB -rss_limit_mb; 310 MB with 64).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=64:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export QT_QPA_PLATFORM=offscreen

failed=0
summary=()
for t in "${TARGETS[@]}"; do
  bin="$ROOT/$BUILD/bin/fuzz_$t"
  work="$ROOT/$BUILD/work/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -R "tests/fuzz/corpus/$t/." "$work/corpus/"
  seeds=$(find "$work/corpus" -type f | wc -l)
  args=(-max_total_time="$DURATION" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$work/artifacts/")
  [ "$t" = requestparser ] && args+=(-dict="$ROOT/tests/fuzz/http.dict")
  # Sessions are SQLite files: seeds are 16-80 KiB, and each input is a file
  # written and opened (thousands a second, not millions).
  [ "$t" = session ] && args+=(-max_len=131072 -dict="$ROOT/tests/fuzz/sql.dict")
  # shellcheck disable=SC2206
  [ -n "${FUZZ_ARGS:-}" ] && args+=(${FUZZ_ARGS})
  echo "== fuzz_$t: ${DURATION}s from $seeds seeds (log: $work/fuzz.log)"
  rc=0
  (cd "$work" && "$bin" "${args[@]}" "$work/corpus") >"$work/fuzz.log" 2>&1 || rc=$?

  execs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$work/fuzz.log" | tail -1)
  speed=$(awk '/^stat::average_exec_per_sec:/ {print $2}' "$work/fuzz.log" | tail -1)
  if [ -z "$execs" ]; then # a crash ends the run before the final stats
    execs=$(grep -Eo '^#[0-9]+' "$work/fuzz.log" | tail -1 | tr -d '#')
  fi
  corpus_files=$(find "$work/corpus" -type f | wc -l)
  corpus_kib=$(find "$work/corpus" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s / 1024}')
  mapfile -t found < <(find "$work/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
  crashes=${#found[@]}
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes=1 # died without an artifact (e.g. in startup): still a failure
  fi
  if [ "$crashes" -gt 0 ]; then
    failed=1
    echo "   fuzz_$t FAILED (exit $rc); the report:"
    grep -E 'ERROR: |SUMMARY: |runtime error|invariant violated|#[0-9]+ 0x' "$work/fuzz.log" | head -40 | sed 's/^/   | /'
    for f in "${found[@]}"; do
      # A seed that already crashes (a known, unfixed bug) comes back with
      # the same bytes: keep one copy only.
      sum=$(sha1sum <"$f" | cut -d' ' -f1)
      if find "tests/fuzz/corpus/$t" -type f -exec sha1sum {} + | grep "^$sum " >/dev/null; then
        echo "   $(basename "$f"): already in tests/fuzz/corpus/$t/ (a known crash)"
      else
        cp "$f" "tests/fuzz/corpus/$t/"
        echo "   kept tests/fuzz/corpus/$t/$(basename "$f") (replay: $bin $f)"
      fi
    done
  fi
  summary+=("$(printf '%-20s %12s %10s %8s %10s %s' "fuzz_$t" "${execs:-?}" "${speed:-?}" "$crashes" \
              "$seeds->$corpus_files" "${corpus_kib} KiB")")
done

echo
printf '%-20s %12s %10s %8s %10s %s\n' target executions exec/s crashes corpus size
for line in "${summary[@]}"; do echo "$line"; done
exit "$failed"
