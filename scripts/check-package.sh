#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The .debs installed and used, then removed (Debian 12 / Ubuntu; root or sudo):
#   builds build/pkg (RelWithDebInfo, no tests, no tools), makes the two .debs
#   (and their -dbgsym .ddebs) with cpack -G DEB and checks their metadata and
#   contents:
#     clusterlab-cli   /usr/bin/clusterlab-cli; the helpers clusterlab-worker
#                      and clusterlab-task in /usr/libexec/clusterlab
#     clusterlab       /usr/bin/clusterlab (the window), its desktop entry, icon
#                      and AppStream metainfo; Depends: clusterlab-cli (= VERSION)
#     each             copyright and changelog.gz in /usr/share/doc/PACKAGE,
#                      its command's man page and bash, zsh, fish completions
#   that each package's Depends names exactly the Qt libraries its
#   executables link (readelf -d), so clusterlab-cli names no Gui, Widgets,
#   Charts or Svg; and that lintian --pedantic has nothing to say about
#   either. Then, with dpkg:
#     1. clusterlab-cli alone:
#        /usr/bin/clusterlab-cli --version      prints "clusterlab-cli VERSION"
#        man clusterlab-cli, and bash completes `clusterlab-cli bench --fa`
#        /usr/bin/clusterlab-cli serve --port 0 answers HTTP on / from
#                                               /usr/libexec/clusterlab/clusterlab-worker
#     2. clusterlab too:
#        /usr/bin/clusterlab --version          prints "clusterlab VERSION"
#        man clusterlab, and its bash completion
#        /usr/bin/clusterlab serve --port 0     answers the same way
#        desktop-file-validate                  the installed desktop entry
#        appstreamcli validate --pedantic       the installed AppStream metainfo
#     3. purges clusterlab (clusterlab-cli stays whole), then clusterlab-cli,
#        and checks that nothing either installed is left.
# CLUSTERLAB_PACKAGE_HEADLESS=1 checks a CLUSTERLAB_BUILD_GUI=OFF build's
# package instead (build/pkg-headless): the one clusterlab-cli .deb, whose
# /usr/bin/clusterlab is the command line and /usr/bin/clusterlab-cli a link to it.
# VERSION is the project VERSION of CMakeLists.txt. Every run cleans up after
# itself (trap), also on failure, and touches no clusterlab package it did not
# install. Needs no stdin.
# CLUSTERLAB_PACKAGE_JOBS=N sets the build's parallelism (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

headless=${CLUSTERLAB_PACKAGE_HEADLESS:-0}
if [ "$headless" = 1 ]; then
  build=build/pkg-headless
  gui_option=OFF
  packages=(clusterlab-cli) # what this run makes and installs, in install order
else
  build=build/pkg
  gui_option=ON
  packages=(clusterlab-cli clusterlab)
fi
# Every package name this check handles: one installed any other way is
# someone's own and is left alone (and stops the check).
all_packages=(clusterlab-cli clusterlab)
# A run lists the packages it installs here (one a line, written before each
# dpkg -i), so that a run killed before its clean-up is recognised next time.
# An empty file is the mark of an earlier version of this script: clusterlab.
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
  stop_serve_now
  # Whatever still runs from the installed executables was started by this
  # check (serve, its workers and tasks).
  for pid in $(installed_pids); do kill -KILL "$pid" 2>/dev/null; done
  purge_marked
  if [ $rc -ne 0 ] && [ -s "$tmp/serve.log" ]; then
    echo "---- serve printed:" >&2
    cat "$tmp/serve.log" >&2
  fi
  rm -rf "$tmp"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stop_serve_now() {
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$serve_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$serve_pid" 2>/dev/null
    wait "$serve_pid" 2>/dev/null
  fi
  serve_pid=""
}

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}
# Known to dpkg in any state (installed, unpacked, half-configured, ...).
known() {
  local status
  status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
  [ -n "$status" ] && [ "$status" != not-installed ]
}
# The packages the marker says a run installed (nothing without a marker).
marked_packages() {
  [ -e "$marker" ] || return 0
  if [ -s "$marker" ]; then
    grep -x -E 'clusterlab|clusterlab-cli' "$marker" | sort -u
  else
    echo clusterlab
  fi
}
# Purges, in one dpkg call (dpkg orders it), the marked packages dpkg still
# knows, then drops the marker.
purge_marked() {
  local pkg purge=()
  for pkg in $(marked_packages); do
    if known "$pkg"; then purge+=("$pkg"); fi
  done
  if [ ${#purge[@]} -gt 0 ]; then
    echo "check-package: removing the package(s) this check installed: ${purge[*]}"
    $sudo dpkg --purge "${purge[@]}" >/dev/null
  fi
  $sudo rm -f "$marker"
}
# Processes running /usr/bin/clusterlab, -cli, or the helpers -worker or
# -task in /usr/libexec/clusterlab (by
# executable, not by name: clusterlab processes of a build folder are not ours
# to judge).
installed_pids() {
  local exe pid
  for exe in /proc/[0-9]*/exe; do
    pid=${exe#/proc/}
    pid=${pid%/exe}
    case "$(readlink "$exe" 2>/dev/null)" in
      /usr/bin/clusterlab | /usr/bin/clusterlab-cli | /usr/libexec/clusterlab/clusterlab-worker | \
        /usr/libexec/clusterlab/clusterlab-task | "/usr/bin/clusterlab (deleted)" | "/usr/bin/clusterlab-cli (deleted)" | \
        "/usr/libexec/clusterlab/clusterlab-worker (deleted)" | "/usr/libexec/clusterlab/clusterlab-task (deleted)")
        echo "$pid" ;;
    esac
  done
}

# ---- tools, build, packages --------------------------------------------------
scripts/install-deps.sh desktop-file-utils appstream curl lintian dpkg-dev man-db bash-completion
step "tools installed"

if [ -e "$marker" ]; then
  # Left by a run killed before its clean-up: its processes and its packages.
  echo "check-package: cleaning up after an earlier run that did not finish"
  for pid in $(installed_pids); do kill -KILL "$pid" 2>/dev/null || true; done
  purge_marked
fi
for pkg in "${all_packages[@]}"; do
  if known "$pkg"; then
    fail "a $pkg package is installed that this check did not install; remove it (dpkg -r $pkg) or set CLUSTERLAB_SKIP_PACKAGE=1"
  fi
done
if [ -n "$(installed_pids)" ]; then
  fail "clusterlab processes from /usr/bin are running (pids $(installed_pids | tr '\n' ' ')); stop them first"
fi

version=$(sed -n '/^project(/,/)/p' CMakeLists.txt | sed -n 's/^[[:space:]]*VERSION[[:space:]]\+\([0-9][0-9.]*\).*/\1/p')
[ -n "$version" ] || fail "no project VERSION found in CMakeLists.txt"

# RelWithDebInfo (-O2 -g, as Debian builds): cpack strips the executables
# and puts their debug information in -dbgsym packages.
# With the compiler and linker flags a Debian build uses (dpkg-buildflags,
# every hardening feature: stack protector, _FORTIFY_SOURCE, relro, bindnow),
# and the task linked dynamically (a cache from an older build may say otherwise).
eval "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=sh)"
nice -n 19 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLUSTERLAB_BUILD_GUI="$gui_option" \
  -DCLUSTERLAB_BUILD_TESTS=OFF -DCLUSTERLAB_BUILD_TOOLS=OFF -DCLUSTERLAB_STATIC_TASK=OFF \
  -DCMAKE_C_FLAGS="$CPPFLAGS $CFLAGS" -DCMAKE_CXX_FLAGS="$CPPFLAGS $CXXFLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS="$LDFLAGS" -DCMAKE_SHARED_LINKER_FLAGS="$LDFLAGS" >"$tmp/configure.log" 2>&1 \
  || { cat "$tmp/configure.log" >&2; fail "configure"; }
if grep -q "^CMake .*Warning" "$tmp/configure.log"; then
  cat "$tmp/configure.log" >&2
  fail "the configure step printed a warning"
fi
nice -n 19 cmake --build "$build" -j "$jobs" >"$tmp/build.log" 2>&1 \
  || { tail -n 60 "$tmp/build.log" >&2; fail "build"; }
step "built $build"

arch=$(dpkg --print-architecture)
rm -f "$build"/*.deb "$build"/*.ddeb
(cd "$build" && nice -n 19 cpack -G DEB) >"$tmp/cpack.log" 2>&1 \
  || { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB"; }
debs=()
for pkg in "${packages[@]}"; do debs+=("$build/${pkg}_${version}_${arch}.deb"); done
made=$(find "$build" -maxdepth 1 -name '*.deb' -printf '%f\n' | sort | tr '\n' ' ')
expected=$(for deb in "${debs[@]}"; do basename "$deb"; done | sort | tr '\n' ' ')
[ "$made" = "$expected" ] || fail "cpack made '$made', expected '$expected'"
for pkg in "${packages[@]}"; do
  ddeb="$build/${pkg}-dbgsym_${version}_${arch}.ddeb"
  [ -s "$ddeb" ] || fail "cpack made no debug symbols package $(basename "$ddeb")"
done

# The non-folder paths each package must hold, and nothing else.
expected_paths() {
  local pkg=$1 name
  case "$pkg" in
    clusterlab-cli)
      # The command; the helpers the cluster starts, out of PATH.
      if [ "$headless" = 1 ]; then
        name=clusterlab
        printf '%s\n' /usr/bin/clusterlab /usr/bin/clusterlab-cli /usr/share/man/man1/clusterlab-cli.1.gz
      else
        name=clusterlab-cli
        printf '%s\n' /usr/bin/clusterlab-cli
      fi
      printf '%s\n' /usr/libexec/clusterlab/clusterlab-task /usr/libexec/clusterlab/clusterlab-worker
      # The Node.js engine's JavaScript, as in src/node/.
      (cd src/node && find . -name '*.js' | sed 's|^\./|/usr/share/clusterlab/node/|') ;;
    clusterlab)
      name=clusterlab
      printf '%s\n' /usr/bin/clusterlab /usr/share/applications/clusterlab.desktop \
        /usr/share/icons/hicolor/scalable/apps/clusterlab.svg \
        /usr/share/metainfo/io.github.clusterlab.clusterlab.metainfo.xml ;;
  esac
  # Its copyright and changelog; the man page and completions of its command.
  printf '%s\n' "/usr/share/doc/$pkg/copyright" "/usr/share/doc/$pkg/changelog.gz" \
    "/usr/share/man/man1/$name.1.gz" "/usr/share/bash-completion/completions/$name" \
    "/usr/share/zsh/vendor-completions/_$name" "/usr/share/fish/vendor_completions.d/$name.fish"
}
# Qt packages a Depends field names (libqt6*), one a line; plugin packages
# (nothing links them: Qt loads them) are checked on their own.
qt_plugin_packages='^libqt6sql6-sqlite$'
qt_depends() {
  tr ',' '\n' <<<"$1" | sed -n 's/^[[:space:]]*\(libqt6[a-z0-9.+-]*\).*/\1/p' | grep -Ev "$qt_plugin_packages" | sort -u
}
# Qt packages the ELF executables under $1 link directly (readelf -d NEEDED,
# each library found as ldd finds it, its package as dpkg knows it). The C and
# C++ runtimes are left out: Qt's own packages depend on them.
qt_linked() {
  local exe soname path paths=()
  while IFS= read -r exe; do
    readelf -h "$exe" >/dev/null 2>&1 || continue # not an ELF file
    for soname in $(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(libQt6[^]]*\)\]/\1/p'); do
      path=$(ldd "$exe" | awk -v so="$soname" '$1 == so && $2 == "=>" { print $3 }')
      [ -n "$path" ] || fail "$exe needs $soname, which ldd does not find"
      paths+=("$(readlink -f "$path")")
    done
  done < <(find "$1" -type f)
  [ ${#paths[@]} -gt 0 ] || return 0
  dpkg-query -S "${paths[@]}" >"$tmp/owners" 2>&1 || fail "no package owns some of: ${paths[*]} ($(cat "$tmp/owners"))"
  sed 's/[:,].*//' "$tmp/owners" | sort -u
}
for i in "${!packages[@]}"; do
  pkg=${packages[$i]}
  deb=${debs[$i]}
  [ "$(dpkg-deb -f "$deb" Package)" = "$pkg" ] || fail "$deb is not package $pkg"
  [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "$deb has version $(dpkg-deb -f "$deb" Version), not $version"
  synopsis=$(dpkg-deb -f "$deb" Description | sed -n 1p)
  if [ -z "$synopsis" ] || [ ${#synopsis} -gt 80 ]; then
    fail "$deb: synopsis '$synopsis' is empty or over 80 columns"
  fi
  depends=$(dpkg-deb -f "$deb" Depends)
  dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./|/|' | sort >"$tmp/paths-$pkg"
  expected_paths "$pkg" | sort >"$tmp/expected-$pkg"
  diff -u "$tmp/expected-$pkg" "$tmp/paths-$pkg" >"$tmp/paths.diff" \
    || { cat "$tmp/paths.diff" >&2; fail "$deb does not hold what package $pkg should (- missing, + extra)"; }
  mkdir "$tmp/root-$pkg"
  dpkg-deb -x "$deb" "$tmp/root-$pkg"
  linked=$(qt_linked "$tmp/root-$pkg")
  named=$(qt_depends "$depends")
  [ "$linked" = "$named" ] \
    || fail "$pkg: Depends names the Qt packages '$(tr '\n' ' ' <<<"$named")', its executables link '$(tr '\n' ' ' <<<"$linked")'"
  case "$pkg" in
    clusterlab-cli)
      grep -q 'libqt6sql6-sqlite' <<<"$depends" \
        || fail "clusterlab-cli does not depend on libqt6sql6-sqlite, the SQLite driver its sessions need"
      if grep -Eiq 'gui|widgets|charts|svg|qpa|opengl|xcb' <<<"$depends"; then
        fail "clusterlab-cli depends on window libraries: $depends"
      fi
      conflicts=$(dpkg-deb -f "$deb" Conflicts)
      if [ "$headless" = 1 ]; then
        [ "$conflicts" = clusterlab ] || fail "a headless build's clusterlab-cli conflicts with '$conflicts', not clusterlab"
      else
        [ -z "$conflicts" ] || fail "clusterlab-cli conflicts with '$conflicts'"
      fi ;;
    clusterlab)
      grep -Fq "clusterlab-cli (= $version)" <<<"$depends" || fail "clusterlab does not depend on clusterlab-cli (= $version): $depends" ;;
  esac
  # dpkg would overwrite (and its purge delete) a file installed some other
  # way, such as by cmake --install.
  while IFS= read -r path; do
    if [ -e "$path" ] || [ -L "$path" ]; then
      fail "$path exists already (not from a package); $pkg would overwrite it"
    fi
  done <"$tmp/paths-$pkg"
  step "made $deb: $(dpkg-deb -f "$deb" Section), Depends: $depends"
done

# ---- lintian: nothing to report -------------------------------------------------
# Every tag fails the check, pedantic ones included; an override needs a
# line in packaging/debian/ with its reason (there are none).
for deb in "${debs[@]}"; do
  lintian --pedantic --display-info --no-tag-display-limit "$deb" </dev/null >"$tmp/lintian.log" 2>&1 || true
  if grep -Eq '^[EWIPXO]: ' "$tmp/lintian.log"; then
    grep -E '^[EWIPXO]: ' "$tmp/lintian.log" >&2
    fail "lintian --pedantic reports on $(basename "$deb")"
  fi
  step "lintian --pedantic $(basename "$deb"): nothing to report"
done

# ---- install one package -------------------------------------------------------
install_deb() { # package .deb
  local pkg=$1 deb=$2
  echo "$pkg" | $sudo tee -a "$marker" >/dev/null
  if ! $sudo dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1; then
    # Dependencies missing: apt installs them and configures the package.
    $sudo apt-get install -y --no-install-recommends "$PWD/$deb" >>"$tmp/dpkg.log" 2>&1 \
      || { cat "$tmp/dpkg.log" >&2; fail "installing $deb"; }
  fi
  installed "$pkg" || fail "$pkg is not installed after dpkg -i"
  dpkg-query -L "$pkg" >"$tmp/files-$pkg"
  while IFS= read -r path; do
    grep -qx "$path" "$tmp/files-$pkg" || fail "the installed $pkg has no $path"
    [ -e "$path" ] || fail "$path is missing after installing $pkg"
  done <"$tmp/paths-$pkg"
  step "installed $pkg ($(wc -l <"$tmp/files-$pkg") paths)"
}

# ---- --version -------------------------------------------------------------------
check_version() { # executable, the name it prints
  local got
  got=$("$1" --version </dev/null)
  [ "$got" = "$2 $version" ] || fail "$1 --version printed '$got', expected '$2 $version'"
  step "$1 --version: $got"
}

# ---- man page and completions where man and bash look ------------------------------
check_docs() { # command
  local name=$1 page offered
  page=$(man -w "$name" 2>/dev/null) || fail "man $name finds no page"
  [ "$page" = "/usr/share/man/man1/$name.1.gz" ] || fail "man $name finds $page"
  MANWIDTH=120 man "$name" 2>/dev/null | grep -q -- "--fail-on" || fail "man $name does not document bench --fail-on"
  # bash-completion loads a command's completion on first use from
  # /usr/share/bash-completion/completions/NAME: `NAME bench --fa<TAB>`.
  offered=$(bash -c "source /usr/share/bash-completion/bash_completion
    __load_completion '$name' || exit 1
    f=\$(complete -p '$name' | sed 's/.*-F \([^ ]*\).*/\1/')
    COMP_WORDS=('$name' bench --fa); COMP_CWORD=2; \$f; echo \"\${COMPREPLY[*]}\"") \
    || fail "bash-completion does not load a completion for $name"
  [ "$offered" = "--fail-on" ] || fail "bash: '$name bench --fa<TAB>' offered '$offered'"
  step "man $name and '$name bench --fa<TAB>' (bash) work"
}

# ---- serve answers ---------------------------------------------------------------
check_serve() { # executable
  local exe=$1 url="" status="" deadline worker_pid worker_exe serve_rc recorded
  # --port 0: the cluster binds a free port itself (no race with a port picked
  # here) and prints it: "ClusterLab serving http://127.0.0.1:PORT (...)".
  # --record FILE.sqlite: the installed Qt SQL and its SQLite driver (a plugin
  # the package depends on, linked by nothing) take a session.
  rm -f "$tmp/session.sqlite"
  (cd "$tmp" && exec "$exe" serve --port 0 --workers 2 --record "$tmp/session.sqlite" </dev/null >"$tmp/serve.log" 2>&1) &
  serve_pid=$!
  for _ in $(seq 1 200); do # 20 s at most
    url=$(sed -n 's/^ClusterLab serving \(http:\/\/[^ ]*\).*/\1/p' "$tmp/serve.log" | sed -n 1p)
    [ -n "$url" ] && break
    kill -0 "$serve_pid" 2>/dev/null || fail "$exe serve exited before it served"
    sleep 0.1
  done
  [ -n "$url" ] || fail "$exe serve printed no address within 20 s"
  # "serving" is printed once the port is bound; until a worker listens the
  # primary may answer 503, so GET / is tried until it answers 200 (20 s at most).
  deadline=$((SECONDS + 20))
  while :; do
    : >"$tmp/headers"
    if curl -sS --max-time 5 -D "$tmp/headers" -o "$tmp/body" "$url/" </dev/null 2>"$tmp/curl.log"; then
      status=$(head -n 1 "$tmp/headers" | tr -d '\r')
      case "$status" in "HTTP/1.1 200"*) break ;; esac
    fi
    kill -0 "$serve_pid" 2>/dev/null || fail "$exe serve exited while being asked GET $url/"
    [ $SECONDS -lt $deadline ] || fail "GET $url/ got no 200 within 20 s (last: '${status:-$(cat "$tmp/curl.log")}')"
    sleep 0.2
  done
  grep -q "^Hello from worker [0-9]" "$tmp/body" || fail "GET $url/ body: $(head -c 200 "$tmp/body")"
  worker_pid=$(sed -n 's/^X-Worker-Pid: *\([0-9]*\).*/\1/Ip' "$tmp/headers" | sed -n 1p)
  [ -n "$worker_pid" ] || fail "no X-Worker-Pid header"
  worker_exe=$(readlink "/proc/$worker_pid/exe" 2>/dev/null || true)
  [ "$worker_exe" = /usr/libexec/clusterlab/clusterlab-worker ] \
    || fail "the answering worker $worker_pid runs '$worker_exe', not /usr/libexec/clusterlab/clusterlab-worker"
  step "$exe serve answered GET $url/ ($status, worker $worker_pid from $worker_exe)"

  kill -TERM "$serve_pid"
  for _ in $(seq 1 150); do # graceful stop: 15 s at most
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$serve_pid" 2>/dev/null && fail "$exe serve did not stop within 15 s of SIGTERM"
  serve_rc=0
  wait "$serve_pid" || serve_rc=$?
  serve_pid=""
  [ "$serve_rc" -eq 0 ] || fail "$exe serve exited with $serve_rc after SIGTERM"
  for _ in $(seq 1 50); do # its workers leave with it: 5 s at most
    [ -z "$(installed_pids)" ] && break
    sleep 0.1
  done
  [ -z "$(installed_pids)" ] || fail "clusterlab processes remain after serve stopped: $(installed_pids | tr '\n' ' ')"
  recorded=$(sed -n 's/^\(recorded [1-9][0-9]* requests*\) into.*/\1/p' "$tmp/serve.log")
  [ -n "$recorded" ] || fail "$exe serve --record FILE.sqlite recorded nothing: $(tail -n 3 "$tmp/serve.log")"
  [ "$(head -c 15 "$tmp/session.sqlite")" = "SQLite format 3" ] || fail "$tmp/session.sqlite is not an SQLite file"
  rm -f "$tmp/serve.log" "$tmp/session.sqlite" # the log matters only when serve misbehaves
  step "$exe serve stopped (exit 0), $recorded into a session, no clusterlab process left"
}

# ---- purge one package: nothing of it stays --------------------------------------
purge_deb() { # package
  local pkg=$1 path left=()
  $sudo dpkg --purge "$pkg" >"$tmp/dpkg-remove.log" 2>&1 || { cat "$tmp/dpkg-remove.log" >&2; fail "dpkg --purge $pkg"; }
  known "$pkg" && fail "$pkg is still known to dpkg after --purge"
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
  done <"$tmp/files-$pkg"
  [ ${#left[@]} -eq 0 ] || fail "left behind after dpkg --purge $pkg: ${left[*]}"
  step "dpkg --purge $pkg: nothing left of its $(wc -l <"$tmp/files-$pkg") paths"
}

# ---- 1. clusterlab-cli alone -------------------------------------------------------
install_deb clusterlab-cli "${debs[0]}"
# Nothing it runs loads a window library, even indirectly.
while IFS= read -r exe; do
  if ldd "$exe" 2>/dev/null | grep -E 'libQt6(Gui|Widgets|Charts|Svg|OpenGL)' >/dev/null; then
    fail "$exe loads window libraries: $(ldd "$exe" | grep -Eo 'libQt6(Gui|Widgets|Charts|Svg|OpenGL)[^ ]*' | tr '\n' ' ')"
  fi
done <"$tmp/paths-clusterlab-cli"
if [ "$headless" = 1 ]; then
  [ "$(readlink /usr/bin/clusterlab-cli)" = clusterlab ] || fail "/usr/bin/clusterlab-cli is not a link to clusterlab"
  check_version /usr/bin/clusterlab clusterlab
  check_version /usr/bin/clusterlab-cli clusterlab
else
  [ ! -e /usr/bin/clusterlab ] || fail "/usr/bin/clusterlab exists with clusterlab-cli alone installed"
  check_version /usr/bin/clusterlab-cli clusterlab-cli
fi
if [ "$headless" = 1 ]; then
  check_docs clusterlab
else
  check_docs clusterlab-cli
fi
check_serve /usr/bin/clusterlab-cli

if [ "$headless" != 1 ]; then
  # ---- 2. clusterlab (the window) on top ------------------------------------------
  install_deb clusterlab "${debs[1]}"
  check_version /usr/bin/clusterlab clusterlab
  check_docs clusterlab
  check_serve /usr/bin/clusterlab

  # Desktop entry and AppStream metadata.
  desktop=/usr/share/applications/clusterlab.desktop
  desktop-file-validate "$desktop" >"$tmp/desktop.log" 2>&1 || { cat "$tmp/desktop.log" >&2; fail "desktop-file-validate $desktop"; }
  # Hints are advice; errors and warnings fail.
  if grep -Eq ": (error|warning):" "$tmp/desktop.log"; then
    cat "$tmp/desktop.log" >&2
    fail "desktop-file-validate $desktop"
  fi
  exec_cmd=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop")
  [ -x "/usr/bin/$exec_cmd" ] || fail "$desktop runs '$exec_cmd', which is not in /usr/bin"
  grep -qx "/usr/bin/$exec_cmd" "$tmp/files-clusterlab" || fail "$desktop runs '$exec_cmd', which the clusterlab package does not install"
  icon=$(sed -n 's/^Icon=//p' "$desktop")
  grep -q "/icons/hicolor/.*/apps/$icon\.\(svg\|png\)$" "$tmp/files-clusterlab" || fail "$desktop names icon '$icon', which the package does not install"
  step "desktop-file-validate $desktop: ok"

  metainfo=/usr/share/metainfo/io.github.clusterlab.clusterlab.metainfo.xml
  appstreamcli validate --pedantic --no-net "$metainfo" </dev/null >"$tmp/appstream.log" 2>&1 \
    || { cat "$tmp/appstream.log" >&2; fail "appstreamcli validate --pedantic --no-net $metainfo"; }
  # appstreamcli passes a file with infos and pedantic notes: every one fails here.
  if grep -Eq "^[EWIP]: " "$tmp/appstream.log"; then
    cat "$tmp/appstream.log" >&2
    fail "appstreamcli validate --pedantic --no-net $metainfo"
  fi
  for element in "<id>io.github.clusterlab.clusterlab</id>" "<metadata_license>" "<project_license>" \
                 "<name>" "<summary>" "<description>" "<launchable " "<content_rating " "<release " \
                 '<url type="homepage">' "<screenshots>" "<release version=\"$version\""; do
    grep -q "$element" "$metainfo" || fail "$metainfo has no $element"
  done
  launchable=$(sed -n 's/.*<launchable type="desktop-id">\(.*\)<\/launchable>.*/\1/p' "$metainfo")
  [ "$launchable" = "$(basename "$desktop")" ] || fail "$metainfo launches '$launchable', not $(basename "$desktop")"
  step "appstreamcli validate --pedantic --no-net $metainfo: ok"

  # ---- 3a. without the window, the command line stays whole -------------------------
  purge_deb clusterlab
  while IFS= read -r path; do
    [ -e "$path" ] || fail "$path (clusterlab-cli) is gone after purging clusterlab"
  done <"$tmp/paths-clusterlab-cli"
  check_version /usr/bin/clusterlab-cli clusterlab-cli
fi

# ---- 3b. remove the command line ------------------------------------------------------
purge_deb clusterlab-cli
$sudo rm -f "$marker"
echo "check-package: ok ($(printf '%s ' "${debs[@]}")in $((SECONDS - step_start)) s)"
