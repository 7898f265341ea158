#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what ClusterLab needs to build and test, on Debian 12 / Ubuntu
# 23.04+ (apt; Ubuntu 22.04 ships Qt 6.2, too old). Installs nothing when everything is already there. Other
# systems: prints what to install (see README).
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-svg-dev libqt6opengl6-dev qt6-qpa-plugins libgl-dev
  libqt6sql6-sqlite libsqlite3-dev zlib1g-dev
  node-llhttp fonts-dejavu-core poppler-utils python3 sqlite3 man-db groff-base
)
# Extra packages a caller asks for (e.g. the benchmark tools).
packages+=("$@")
# The Node.js engine runs the system's node (18 or newer): Debian's nodejs
# only when no node is on the PATH already (nvm, a tarball, NodeSource).
# The native lab needs none of it.
if ! command -v node >/dev/null 2>&1 && ! command -v nodejs >/dev/null 2>&1; then
  packages+=(nodejs)
fi

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<'MSG'
install-deps: this is not a Debian-like system; install by hand:
  macOS:   brew install qt llhttp cmake ninja
  Windows: the Qt 6 installer (Qt 6.4+, with Qt Charts and Qt SVG), and
           vcpkg install llhttp; then configure with the vcpkg toolchain file.
MSG
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${missing[@]}"
