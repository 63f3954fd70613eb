#!/bin/sh
# Kiosk benchmarks: start-up, memory and idle CPU beside Chromium and the bare SDL2 + Dear ImGui
# floor (bench.py), then token issue latency against a centre server on loopback.
#   bench/kiosk/run.sh [BUILD_DIR] [RUNS]
# BUILD_DIR must be a Release build with guichet-kiosk, guichet-server,
# guichet-bench-kiosk-floor and guichet-bench-issue-latency built. Debian's chromium and Xvfb are
# installed here when missing (they are only needed for this benchmark).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build-release}
runs=${2:-5}

need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v Xvfb >/dev/null 2>&1 || need="$need xvfb"
if [ -n "$need" ]; then
  echo "installing:$need"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get install -y --no-install-recommends $need
fi

python3 "$here/bench.py" --build "$build" --runs "$runs"
echo
"$build/bench/kiosk/guichet-bench-issue-latency" --tokens 400
