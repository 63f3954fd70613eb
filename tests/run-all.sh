#!/usr/bin/env bash
# Installs what Guichet needs, builds it twice (optimised, and with address + undefined
# sanitizers) and runs every test in both builds. Exit status is non-zero if anything fails.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

if [ "$(id -u)" = 0 ]; then
  bash packaging/setup-debian.sh
fi

jobs=${GUICHET_JOBS:-$(nproc)}
# Tests open windows offscreen and never need a display.
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy
unset DISPLAY WAYLAND_DISPLAY

run_build() {
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DGUICHET_WERROR=ON "$@"
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest -j "$jobs" --output-on-failure --timeout 300)
}

echo "== optimised build and tests"
run_build build/ci-release -DCMAKE_BUILD_TYPE=RelWithDebInfo

echo "== address + undefined sanitizer build and tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" \
  run_build build/ci-sanitize -DCMAKE_BUILD_TYPE=Debug -DGUICHET_SANITIZE=address,undefined -DGUICHET_BUILD_BENCH=OFF
