#!/usr/bin/env bash
# The Guichet demo centre on embedded SQLite: a centre server with the sample catalogue, a
# receipt-printer simulator, a kiosk, two counters and a display board.
#   - With a display ($DISPLAY), their windows open; close the kiosk window (or Ctrl-C) to stop.
#   - Without one, a scripted morning plays headless: citizens take tokens at the kiosk, two
#     operators call and serve them, and screenshots, rendered receipts, announcements and a
#     summary are written to demo-output/ (or $GUICHET_DEMO_OUT).
# Options (environment): GUICHET_DEMO_CITIZENS (default 36), GUICHET_DEMO_SEED (default 7),
# GUICHET_DEMO_HEADLESS=1 (the scripted morning even with a display), GUICHET_DEMO_BUILD (build folder),
# GUICHET_DEMO_SKIP_BUILD=1 and GUICHET_DEMO_SKIP_SETUP=1 (use that build as it is; the demo test does).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [ "$(id -u)" = 0 ] && [ -z "${GUICHET_DEMO_SKIP_SETUP:-}" ]; then bash packaging/setup-debian.sh; fi

build=${GUICHET_DEMO_BUILD:-$root/build/demo}
if [ -z "${GUICHET_DEMO_SKIP_BUILD:-}" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGUICHET_BUILD_TESTS=OFF -DGUICHET_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" -j "$(nproc)" --target guichet-server guichet-printer-sim guichet-kiosk guichet-counter
fi
server_bin=$build/sync-server/guichet-server
sim_bin=$build/hardware/printer_sim/guichet-printer-sim
kiosk_bin=$build/kiosk/guichet-kiosk
counter_bin=$build/counter/guichet-counter

out=${GUICHET_DEMO_OUT:-$root/demo-output}
rm -rf "$out"
mkdir -p "$out"/{screenshots,receipts,announcements,logs}
work=$(mktemp -d /tmp/guichet-demo.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

wait_file() {  # wait_file PATH SECONDS
  local n=$(( $2 * 10 ))
  for ((i = 0; i < n; i++)); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "demo: $1 did not appear in $2 s" >&2
  return 1
}

# --- The centre server, its operators and devices -------------------------------------------
db=$work/centre.db
"$server_bin" init --db "$db" >/dev/null 2>&1
# Demo operators (made-up people); PINs are demo-only and stored as argon2id hashes.
printf '2468\n' | "$server_bin" add-operator --db "$db" --id op-asha --name "Asha Rani" --role operator >/dev/null 2>&1
printf '1357\n' | "$server_bin" add-operator --db "$db" --id op-gurpreet --name "Gurpreet Singh" --role operator >/dev/null 2>&1
printf '9753\n' | "$server_bin" add-operator --db "$db" --id mgr-neha --name "Neha Arora" --role manager >/dev/null 2>&1
for d in K1:kiosk C1:counter C2:counter D1:display; do
  "$server_bin" add-device --db "$db" --id "${d%%:*}" --kind "${d##*:}" --secret-file "$work/${d%%:*}.secret" >/dev/null 2>&1
done

# Monday morning at the centre; the simulated clock runs 20x so an hour passes in three minutes.
"$server_bin" serve --role centre --db "$db" --catalogue sync-server/catalogue/demo-centre.toml \
  --listen 127.0.0.1:0 --port-file "$work/server.port" \
  --time-origin 2026-11-23T09:30:00+05:30 --time-scale 20 >"$out/logs/server.log" 2>&1 &
pids+=($!)
wait_file "$work/server.port" 30
url=http://127.0.0.1:$(cat "$work/server.port")

"$sim_bin" --port 0 --port-file "$work/printer.port" --control-port 0 --control-port-file "$work/printer.ctl" \
  --out "$out/receipts" >"$out/logs/printer.log" 2>&1 &
pids+=($!)
wait_file "$work/printer.port" 30
printer=tcp:127.0.0.1:$(cat "$work/printer.port")

# Counter 1 has its own receipt printer for fee receipts and acknowledgements (a second
# simulator, its papers in counter-receipts/).
mkdir -p "$out/counter-receipts"
"$sim_bin" --port 0 --port-file "$work/counter-printer.port" --control-port 0 \
  --control-port-file "$work/counter-printer.ctl" --out "$out/counter-receipts" >"$out/logs/counter-printer.log" 2>&1 &
pids+=($!)
wait_file "$work/counter-printer.port" 30
counter_printer=tcp:127.0.0.1:$(cat "$work/counter-printer.port")

# ... and a document scanner: SANE's network daemon serving SANE's test device (a page of 10 mm
# squares) on a loopback address of its own. Without saned (Debian: sane-utils) the counter has
# no scanner and the demo's application goes without a scanned page.
scanner_args=()
saned_bin=$(command -v saned || true)
[ -z "$saned_bin" ] && [ -x /usr/sbin/saned ] && saned_bin=/usr/sbin/saned
if [ -n "$saned_bin" ]; then
  mkdir -p "$work/saned" "$work/sane-client"
  printf 'test\n' >"$work/saned/dll.conf"
  printf '127.0.0.0/8\n' >"$work/saned/saned.conf"
  printf 'number_of_devices 1\ntest-picture "Grid"\n' >"$work/saned/test.conf"
  for n in $(seq 70 99); do
    addr=127.0.0.$n
    (exec 9<>"/dev/tcp/$addr/6566") 2>/dev/null && continue  # taken by another saned
    SANE_CONFIG_DIR=$work/saned "$saned_bin" -l -e -b "$addr" -p 6566 >"$out/logs/saned.log" 2>&1 &
    saned_pid=$!
    for ((i = 0; i < 50; i++)); do
      (exec 9<>"/dev/tcp/$addr/6566") 2>/dev/null && break
      kill -0 "$saned_pid" 2>/dev/null || break
      sleep 0.1
    done
    if (exec 9<>"/dev/tcp/$addr/6566") 2>/dev/null; then
      pids+=($saned_pid)
      printf 'net\n' >"$work/sane-client/dll.conf"
      printf 'connect_timeout = 3\n%s\n' "$addr" >"$work/sane-client/net.conf"
      scanner_args=(--scanner "net:$addr:test:0")
      break
    fi
    kill "$saned_pid" 2>/dev/null || true
  done
fi

common=(--server "$url")
# The kiosk's staff PIN (settings, exit) for the demo is 4321; only its argon2id hash is passed.
admin_hash=$(printf '4321\n' | "$kiosk_bin" --hash-pin)

if [ -n "${DISPLAY:-}" ] && [ -z "${GUICHET_DEMO_HEADLESS:-}" ]; then
  echo "demo: centre server at $url; opening the kiosk, two counters and the display board"
  echo "demo: counter logins: op-asha / 2468 and op-gurpreet / 1357"
  "$kiosk_bin" --mode display "${common[@]}" --device D1 --secret-file "$work/D1.secret" --data-dir "$work/D1" \
    --size 1280x720 >"$out/logs/display.log" 2>&1 &
  pids+=($!)
  SANE_CONFIG_DIR=$work/sane-client "$counter_bin" "${common[@]}" --device C1 --secret-file "$work/C1.secret" \
    --data-dir "$work/C1" --printer "$counter_printer" "${scanner_args[@]}" \
    --size 1100x760 >"$out/logs/counter1.log" 2>&1 &
  pids+=($!)
  "$counter_bin" "${common[@]}" --device C2 --secret-file "$work/C2.secret" --data-dir "$work/C2" \
    --size 1100x760 >"$out/logs/counter2.log" 2>&1 &
  pids+=($!)
  "$kiosk_bin" "${common[@]}" --device K1 --secret-file "$work/K1.secret" --data-dir "$work/K1" \
    --printer "$printer" --printer-policy screen --admin-pin-hash "$admin_hash" --size 1080x1440 >"$out/logs/kiosk.log" 2>&1 || true
  exit 0
fi

# --- Headless: a scripted morning ------------------------------------------------------------
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy
citizens=${GUICHET_DEMO_CITIZENS:-36}
python3 packaging/demo_scripts.py --citizens "$citizens" --seed "${GUICHET_DEMO_SEED:-7}" --out "$work" \
  ${scanner_args:+--scan}

# The display board takes commands as the morning goes (screenshots while counters call).
mkfifo "$work/display.fifo"
"$kiosk_bin" --mode display "${common[@]}" --device D1 --secret-file "$work/D1.secret" --data-dir "$work/D1" \
  --size 1280x720 --audio-out "$out/announcements" --screenshot-dir "$out/screenshots" \
  --script - <"$work/display.fifo" >"$out/logs/display.log" 2>&1 &
display_pid=$!
pids+=($display_pid)
exec 3>"$work/display.fifo"
echo 'wait_text "Now serving" 30000' >&3

"$kiosk_bin" "${common[@]}" --device K1 --secret-file "$work/K1.secret" --data-dir "$work/K1" \
  --printer "$printer" --printer-policy screen --admin-pin-hash "$admin_hash" --size 1080x1440 --screenshot-dir "$out/screenshots" \
  --script "$work/kiosk.script" >"$out/logs/kiosk.log" 2>&1 &
kiosk_pid=$!
pids+=($kiosk_pid)

# Operators log in once the first citizens have their tokens.
sleep 4
SANE_CONFIG_DIR=$work/sane-client "$counter_bin" "${common[@]}" --device C1 --secret-file "$work/C1.secret" \
  --data-dir "$work/C1" --printer "$counter_printer" "${scanner_args[@]}" \
  --size 1280x800 --screenshot-dir "$out/screenshots" --script "$work/counter1.script" \
  >"$out/logs/counter1.log" 2>&1 &
c1_pid=$!
pids+=($c1_pid)
"$counter_bin" "${common[@]}" --device C2 --secret-file "$work/C2.secret" --data-dir "$work/C2" \
  --size 1100x760 --screenshot-dir "$out/screenshots" --script "$work/counter2.script" \
  >"$out/logs/counter2.log" 2>&1 &
c2_pid=$!
pids+=($c2_pid)

status=0
shot=0
while kill -0 "$c1_pid" 2>/dev/null || kill -0 "$c2_pid" 2>/dev/null; do
  sleep 1
  shot=$((shot + 1))
  if ((shot % 15 == 0 && shot <= 600)); then printf 'screenshot board-%03d.png\n' "$shot" >&3; fi
  ((shot < 900)) || { echo "demo: counters still running after 15 min; stopping" >&2; status=1; break; }
done
for p in $kiosk_pid $c1_pid $c2_pid; do wait "$p" || status=$?; done
printf 'sleep 1500\nscreenshot board-end.png\nquit\n' >&3
exec 3>&-
wait "$display_pid" || status=$?

python3 packaging/demo_summary.py --server "$url" --device C1 --secret-file "$work/C1.secret" \
  --centre-files "$work/attachments.sqlite" --out "$out" >"$out/summary.md"
cat "$out/summary.md"
if [ "$status" != 0 ]; then
  echo "demo: a scripted app failed (exit $status); see $out/logs/" >&2
  exit "$status"
fi
echo "demo: screenshots, receipts, announcements and summary in $out"
