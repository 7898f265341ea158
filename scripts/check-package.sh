#!/usr/bin/env bash
# The .deb installed and used, then removed (Debian 12 / Ubuntu; root or sudo):
#   builds build/pkg (Release, no tests, no tools), makes the .deb with cpack,
#   installs it with dpkg, and checks the installed files:
#     /usr/bin/clusterlab --version        prints the project VERSION of CMakeLists.txt
#     /usr/bin/clusterlab serve --port 0   answers HTTP on / from /usr/bin/clusterlab-worker
#     desktop-file-validate                the installed desktop entry
#     appstreamcli validate --no-net       the installed AppStream metainfo
#   then removes the package and checks that nothing it installed is left.
# Every run cleans up after itself (trap), also on failure. Needs no stdin.
# CLUSTERLAB_PACKAGE_JOBS=N sets the build's parallelism (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

build=build/pkg
package=clusterlab
# A run marks the package it installs, so that a run killed before its clean-up
# is recognised next time; a clusterlab package installed any other way is
# someone's own and is left alone.
marker=/var/tmp/clusterlab-check-package.installed
jobs=${CLUSTERLAB_PACKAGE_JOBS:-$(nproc 2>/dev/null || echo 2)}

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "check-package: needs root (or sudo) for dpkg" >&2
    exit 1
  fi
  sudo="sudo -n"
fi

step_start=$SECONDS
step() {
  echo "-- check-package: $* (+$((SECONDS - step_start)) s)"
}
fail() {
  echo "check-package: FAIL: $*" >&2
  exit 1
}

tmp=$(mktemp -d)
serve_pid=""
cleanup() {
  local rc=$?
  set +e
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$serve_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$serve_pid" 2>/dev/null
    wait "$serve_pid" 2>/dev/null
  fi
  # Whatever still runs from the installed executables was started by this
  # check (serve, its workers and tasks).
  for pid in $(installed_pids); do kill -KILL "$pid" 2>/dev/null; done
  if [ -e "$marker" ] && known; then
    echo "check-package: removing the $package package this check installed"
    $sudo dpkg --purge "$package" >/dev/null
  fi
  $sudo rm -f "$marker"
  if [ $rc -ne 0 ] && [ -s "$tmp/serve.log" ]; then
    echo "---- clusterlab serve printed:" >&2
    cat "$tmp/serve.log" >&2
  fi
  rm -rf "$tmp"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null)" = installed ]
}
# Known to dpkg in any state (installed, unpacked, half-configured, ...).
known() {
  local status
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null) || return 1
  [ -n "$status" ] && [ "$status" != not-installed ]
}
# Processes running /usr/bin/clusterlab, -worker or -task (by executable, not
# by name: clusterlab processes of a build folder are not ours to judge).
installed_pids() {
  local exe pid
  for exe in /proc/[0-9]*/exe; do
    pid=${exe#/proc/}
    pid=${pid%/exe}
    case "$(readlink "$exe" 2>/dev/null)" in
      /usr/bin/clusterlab | /usr/bin/clusterlab-worker | /usr/bin/clusterlab-task | \
        "/usr/bin/clusterlab (deleted)" | "/usr/bin/clusterlab-worker (deleted)" | "/usr/bin/clusterlab-task (deleted)")
        echo "$pid" ;;
    esac
  done
}

# ---- tools, build, package ---------------------------------------------------
scripts/install-deps.sh desktop-file-utils appstream curl
step "tools installed"

if [ -e "$marker" ]; then
  # Left by a run killed before its clean-up: its processes and its package.
  echo "check-package: cleaning up after an earlier run that did not finish"
  for pid in $(installed_pids); do kill -KILL "$pid" 2>/dev/null || true; done
  if known; then $sudo dpkg --purge "$package" >/dev/null; fi
  $sudo rm -f "$marker"
fi
if known; then
  fail "a $package package is installed that this check did not install; remove it (dpkg -r $package) or set CLUSTERLAB_SKIP_PACKAGE=1"
fi
if [ -n "$(installed_pids)" ]; then
  fail "clusterlab processes from /usr/bin are running (pids $(installed_pids | tr '\n' ' ')); stop them first"
fi

version=$(sed -n '/^project(/,/)/p' CMakeLists.txt | sed -n 's/^[[:space:]]*VERSION[[:space:]]\+\([0-9][0-9.]*\).*/\1/p')
[ -n "$version" ] || fail "no project VERSION found in CMakeLists.txt"

nice -n 19 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCLUSTERLAB_BUILD_TESTS=OFF -DCLUSTERLAB_BUILD_TOOLS=OFF >"$tmp/configure.log" 2>&1 \
  || { cat "$tmp/configure.log" >&2; fail "configure"; }
if grep -q "^CMake .*Warning" "$tmp/configure.log"; then
  cat "$tmp/configure.log" >&2
  fail "the configure step printed a warning"
fi
nice -n 19 cmake --build "$build" -j "$jobs" >"$tmp/build.log" 2>&1 \
  || { tail -n 60 "$tmp/build.log" >&2; fail "build"; }
step "built $build"

arch=$(dpkg --print-architecture)
deb="$build/${package}_${version}_${arch}.deb"
rm -f "$build"/*.deb
(cd "$build" && nice -n 19 cpack -G DEB) >"$tmp/cpack.log" 2>&1 \
  || { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB"; }
[ -f "$deb" ] || fail "cpack made no $deb (made: $(ls "$build"/*.deb 2>/dev/null))"
[ "$(dpkg-deb -f "$deb" Package)" = "$package" ] || fail "$deb is not package $package"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "$deb has version $(dpkg-deb -f "$deb" Version), not $version"
step "made $deb"

# ---- install --------------------------------------------------------------------
$sudo touch "$marker"
if ! $sudo dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1; then
  # Dependencies missing: apt installs them and configures the package.
  $sudo apt-get install -y --no-install-recommends "$PWD/$deb" >>"$tmp/dpkg.log" 2>&1 \
    || { cat "$tmp/dpkg.log" >&2; fail "installing $deb"; }
fi
installed || fail "$package is not installed after dpkg -i"
dpkg-query -L "$package" >"$tmp/files"
step "installed ($(wc -l <"$tmp/files") paths)"

for f in /usr/bin/clusterlab /usr/bin/clusterlab-worker /usr/bin/clusterlab-task \
         /usr/share/applications/clusterlab.desktop \
         /usr/share/icons/hicolor/scalable/apps/clusterlab.svg \
         /usr/share/metainfo/io.github.clusterlab.ClusterLab.metainfo.xml; do
  grep -qx "$f" "$tmp/files" || fail "the package does not install $f"
done

# ---- clusterlab --version ----------------------------------------------------
got=$(/usr/bin/clusterlab --version </dev/null)
[ "$got" = "clusterlab $version" ] || fail "clusterlab --version printed '$got', expected 'clusterlab $version'"
step "clusterlab --version: $got"

# ---- clusterlab serve answers ------------------------------------------------
# --port 0: the cluster binds a free port itself (no race with a port picked
# here) and prints it: "ClusterLab serving http://127.0.0.1:PORT (...)".
(cd "$tmp" && exec /usr/bin/clusterlab serve --port 0 --workers 2 </dev/null >"$tmp/serve.log" 2>&1) &
serve_pid=$!
url=""
for _ in $(seq 1 200); do # 20 s at most
  url=$(sed -n 's/^ClusterLab serving \(http:\/\/[^ ]*\).*/\1/p' "$tmp/serve.log" | head -n 1)
  [ -n "$url" ] && break
  kill -0 "$serve_pid" 2>/dev/null || fail "clusterlab serve exited before it served"
  sleep 0.1
done
[ -n "$url" ] || fail "clusterlab serve printed no address within 20 s"
# "serving" is printed once the port is bound; until a worker listens the
# primary may answer 503, so GET / is tried until it answers 200 (20 s at most).
deadline=$((SECONDS + 20))
status=""
while :; do
  : >"$tmp/headers"
  if curl -sS --max-time 5 -D "$tmp/headers" -o "$tmp/body" "$url/" </dev/null 2>"$tmp/curl.log"; then
    status=$(head -n 1 "$tmp/headers" | tr -d '\r')
    case "$status" in "HTTP/1.1 200"*) break ;; esac
  fi
  kill -0 "$serve_pid" 2>/dev/null || fail "clusterlab serve exited while being asked GET $url/"
  [ $SECONDS -lt $deadline ] || fail "GET $url/ got no 200 within 20 s (last: '${status:-$(cat "$tmp/curl.log")}')"
  sleep 0.2
done
grep -q "^Hello from worker [0-9]" "$tmp/body" || fail "GET $url/ body: $(head -c 200 "$tmp/body")"
worker_pid=$(sed -n 's/^X-Worker-Pid: *\([0-9]*\).*/\1/Ip' "$tmp/headers" | head -n 1)
[ -n "$worker_pid" ] || fail "no X-Worker-Pid header"
worker_exe=$(readlink "/proc/$worker_pid/exe" 2>/dev/null || true)
[ "$worker_exe" = /usr/bin/clusterlab-worker ] \
  || fail "the answering worker $worker_pid runs '$worker_exe', not /usr/bin/clusterlab-worker"
step "clusterlab serve answered GET $url/ ($status, worker $worker_pid from $worker_exe)"

kill -TERM "$serve_pid"
for _ in $(seq 1 150); do # graceful stop: 15 s at most
  kill -0 "$serve_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$serve_pid" 2>/dev/null && fail "clusterlab serve did not stop within 15 s of SIGTERM"
serve_rc=0
wait "$serve_pid" || serve_rc=$?
serve_pid=""
[ "$serve_rc" -eq 0 ] || fail "clusterlab serve exited with $serve_rc after SIGTERM"
for _ in $(seq 1 50); do # its workers leave with it: 5 s at most
  [ -z "$(installed_pids)" ] && break
  sleep 0.1
done
[ -z "$(installed_pids)" ] || fail "clusterlab processes remain after serve stopped: $(installed_pids | tr '\n' ' ')"
rm -f "$tmp/serve.log" # its lines matter only when serve misbehaves
step "clusterlab serve stopped (exit 0), no clusterlab process left"

# ---- desktop entry and AppStream metadata --------------------------------------
desktop=/usr/share/applications/clusterlab.desktop
desktop-file-validate "$desktop" >"$tmp/desktop.log" 2>&1 || { cat "$tmp/desktop.log" >&2; fail "desktop-file-validate $desktop"; }
# Hints are advice; errors and warnings fail.
if grep -Eq ": (error|warning):" "$tmp/desktop.log"; then
  cat "$tmp/desktop.log" >&2
  fail "desktop-file-validate $desktop"
fi
exec_cmd=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop")
[ -x "/usr/bin/$exec_cmd" ] || fail "$desktop runs '$exec_cmd', which is not in /usr/bin"
icon=$(sed -n 's/^Icon=//p' "$desktop")
grep -q "/icons/hicolor/.*/apps/$icon\.\(svg\|png\)$" "$tmp/files" || fail "$desktop names icon '$icon', which the package does not install"
step "desktop-file-validate $desktop: ok"

metainfo=/usr/share/metainfo/io.github.clusterlab.ClusterLab.metainfo.xml
appstreamcli validate --no-net "$metainfo" </dev/null >"$tmp/appstream.log" 2>&1 \
  || { cat "$tmp/appstream.log" >&2; fail "appstreamcli validate --no-net $metainfo"; }
# appstreamcli passes a file with infos (a missing content rating is only
# one): errors, warnings and infos fail here; pedantic notes are advice.
if grep -Eq "^[EWI]: " "$tmp/appstream.log"; then
  cat "$tmp/appstream.log" >&2
  fail "appstreamcli validate --no-net $metainfo"
fi
for element in "<id>io.github.clusterlab.ClusterLab</id>" "<metadata_license>" "<project_license>" \
               "<name>" "<summary>" "<description>" "<launchable " "<content_rating " "<release "; do
  grep -q "$element" "$metainfo" || fail "$metainfo has no $element"
done
launchable=$(sed -n 's/.*<launchable type="desktop-id">\(.*\)<\/launchable>.*/\1/p' "$metainfo")
[ "$launchable" = "$(basename "$desktop")" ] || fail "$metainfo launches '$launchable', not $(basename "$desktop")"
step "appstreamcli validate --no-net $metainfo: ok"

# ---- remove: nothing of the package stays ------------------------------------
$sudo dpkg --purge "$package" >"$tmp/dpkg-remove.log" 2>&1 || { cat "$tmp/dpkg-remove.log" >&2; fail "dpkg --purge $package"; }
$sudo rm -f "$marker"
known && fail "$package is still known to dpkg after --purge"
left=()
while IFS= read -r path; do
  if [ -z "$path" ] || [ "$path" = "/." ]; then continue; fi
  if [ -d "$path" ] && [ ! -L "$path" ]; then
    # A folder stays when another package owns it or it holds other files.
    if dpkg-query -S "$path" >/dev/null 2>&1 || [ -n "$(ls -A "$path")" ]; then
      continue
    fi
    left+=("$path/")
  elif [ -e "$path" ] || [ -L "$path" ]; then
    left+=("$path")
  fi
done <"$tmp/files"
[ ${#left[@]} -eq 0 ] || fail "left behind after dpkg --purge: ${left[*]}"
step "dpkg --purge $package: nothing left of its $(wc -l <"$tmp/files") paths"
echo "check-package: ok ($deb, $((SECONDS - step_start)) s)"
