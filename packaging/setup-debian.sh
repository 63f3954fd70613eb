#!/usr/bin/env bash
# Installs every Debian package Guichet needs to build, run its demo and run its tests.
# Idempotent: packages already present are left alone. Run as root on Debian 12.
set -euo pipefail

PKGS=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang-format
  # libraries named by the architecture
  libsdl2-dev libimgui-dev libcurl4-openssl-dev libsqlite3-dev sqlite3 libcups2-dev
  libusb-1.0-0-dev libzxing-dev zxing-cpp-tools libgtest-dev libgmock-dev
  libboost1.81-dev nlohmann-json3-dev libsimdjson-dev libjemalloc-dev libtomlplusplus-dev libcli11-dev libsodium-dev
  libpng-dev libfreetype-dev
  # document scanners: SANE's library (its test and net backends come with libsane1) and saned,
  # the network daemon the scanner tests run against
  libsane-dev sane-utils
  # locale formats (numbers, money, dates per language) and the translations extractor
  libicu-dev gettext
  # text engine: shaping, bidirectional text, fonts per script; hb-shape is the tests' reference
  libharfbuzz-dev libfribidi-dev libfontconfig-dev fonts-noto-core libharfbuzz-bin
  # voice, fonts, offscreen rendering, whole-window tests
  espeak-ng libespeak-ng-dev sox fonts-dejavu-core
  libgl1-mesa-dri libegl1 libegl-mesa0 libgles2 xvfb xdotool x11-apps
  # process tools used by tests and benchmarks; Node.js runs the dashboard page's script in its test
  procps curl python3 nodejs
  # the network tests' packet filter, in a network namespace of their own
  libnftables-dev
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${#missing[@]} package(s): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#PKGS[@]} packages present"
fi
