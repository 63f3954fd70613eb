#!/usr/bin/env python3
"""Kiosk start-up benchmark, side by side in one run on one X server (Xvfb):

  guichet-kiosk           the kiosk, language screen from its cached catalogue
  floor                   a bare SDL2 + Dear ImGui window with the same widgets (bench/kiosk/floor.cpp)
  chromium                Debian's Chromium in kiosk mode showing the same screen as HTML (start.html)

For each: wall-clock time from launch to the first presented frame (the apps print it; the page
logs its first contentful paint), proportional set size (PSS, summed over every process of the
app) one second after that frame, and CPU used while idle over the next 10 seconds. The kiosk and
the floor run with both SDL renderers: software (no GPU) and accelerated (OpenGL, llvmpipe here).
Medians over --runs runs; the apps take turns within each run (in the reverse order every other
run) so drift hits them alike, after --warmup unrecorded starts of each app so that all of them
find their files in the page cache. Memory is given as PSS (the goal's figure), RSS and USS (the
pages no other process maps: steadier on a shared machine, where PSS moves with what else runs);
ratios to the floor as ratios of the medians and as the median of each run's ratio.
--baseline-build DIR adds another build's kiosk (e.g. main's) to the same runs, for before/after.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TICK = os.sysconf("SC_CLK_TCK")


def tree(pid):
    """The pid and all its descendants."""
    children = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def memory_kb(pids):
    """PSS, RSS and USS (private pages only) summed over the processes, in kB. PSS shares each page
    among the processes that map it, so it moves with whatever else runs on the machine (another
    program using the same libraries); USS counts only what no other process maps."""
    out = {"Pss": 0, "Rss": 0, "Uss": 0}
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                key = line.split(":", 1)[0]
                if key in ("Pss", "Rss"):
                    out[key] += int(line.split()[1])
                elif key in ("Private_Clean", "Private_Dirty"):
                    out["Uss"] += int(line.split()[1])
        except OSError:
            pass
    return out


def pss_kb(pids):
    return memory_kb(pids)["Pss"]


def pss_by_mapping(pid, top):
    """The largest contributors to a process's PSS: file-backed mappings by file, the rest by kind."""
    sums = {}
    name = None
    try:
        for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
            parts = line.split()
            if parts and not parts[0].endswith(":") and "-" in parts[0]:
                name = parts[5] if len(parts) > 5 else "[anonymous]"
            elif parts and parts[0] == "Pss:":
                sums[name] = sums.get(name, 0) + int(parts[1])
    except OSError:
        return []
    return sorted(sums.items(), key=lambda kv: -kv[1])[:top]


def cpu_ticks(pids):
    total = 0
    for p in pids:
        try:
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])  # utime, stime
        except OSError:
            pass
    return total


def wait_marker(proc, stream, marker, timeout):
    """Reads lines until one contains `marker`; returns the integer after it (µs since the epoch)."""
    deadline = time.time() + timeout
    os.set_blocking(stream.fileno(), False)
    buf = b""
    while time.time() < deadline:
        chunk = stream.read()
        if chunk:
            buf += chunk
            for line in buf.split(b"\n"):
                i = line.find(marker.encode())
                if i >= 0:
                    digits = "".join(ch for ch in line[i + len(marker):].decode(errors="replace").split()[0]
                                     if ch.isdigit())
                    return int(digits)
        elif proc.poll() is not None:
            break
        time.sleep(0.002)
    raise RuntimeError(f"no '{marker}' within {timeout}s; output: {buf[-2000:].decode(errors='replace')}")


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def measure(name, argv, env, marker, stream_name, idle_seconds, breakdown=0, smaps_dir=None):
    t0_us = time.time_ns() // 1000
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        stream = proc.stdout if stream_name == "stdout" else proc.stderr
        first_us = wait_marker(proc, stream, marker, 60)
        # Keep draining the other pipe so the app never blocks on a full pipe.
        time.sleep(1.0)
        pids = tree(proc.pid)
        mem = memory_kb(pids)
        if smaps_dir:
            tag = "".join(ch if ch.isalnum() else "-" for ch in name).strip("-")
            for p in pids:
                try:
                    (smaps_dir / f"{tag}-{p}.smaps").write_text(Path(f"/proc/{p}/smaps").read_text())
                except OSError:
                    pass
        if breakdown:
            for mapping, kb in pss_by_mapping(proc.pid, breakdown):
                print(f"    {kb:7d} kB  {mapping}")
        c0 = cpu_ticks(pids)
        time.sleep(idle_seconds)
        c1 = cpu_ticks(tree(proc.pid))
        return {
            "app": name,
            "first_frame_ms": (first_us - t0_us) / 1000.0,
            "pss_mb": mem["Pss"] / 1024.0,
            "rss_mb": mem["Rss"] / 1024.0,
            "uss_mb": mem["Uss"] / 1024.0,
            "processes": len(pids),
            "idle_cpu_percent": 100.0 * (c1 - c0) / TICK / idle_seconds if idle_seconds > 0 else 0.0,
        }
    finally:
        stop(proc)


def start_xvfb(display, size):
    sock = Path(f"/tmp/.X11-unix/X{display}")
    proc = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(200):
        if sock.exists():
            return proc
        time.sleep(0.05)
    raise RuntimeError("Xvfb did not start")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=str(ROOT / "build-ui-release"), help="build folder (Release)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1, metavar="N",
                    help="start every app N times before the measured runs, unrecorded: the page cache then holds "
                         "every app's files alike (default 1)")
    ap.add_argument("--baseline-build", default="", metavar="DIR",
                    help="also run the guichet-kiosk of this build (e.g. main's) in the same runs, as 'kiosk@base'")
    ap.add_argument("--idle-seconds", type=float, default=10.0)
    ap.add_argument("--size", default="1280x800")
    ap.add_argument("--display", type=int, default=97)
    ap.add_argument("--out", default="", help="also write the results as JSON here")
    ap.add_argument("--no-chromium", action="store_true")
    ap.add_argument("--breakdown", type=int, default=0, metavar="N",
                    help="print the N largest contributors to each app's PSS (by mapped file)")
    ap.add_argument("--smaps-dir", default="", help="also save every process's /proc/PID/smaps here, when PSS is read")
    ap.add_argument("--apps", default="", help="only the apps whose name contains this (e.g. software)")
    ap.add_argument("--server", default="", help="guichet-server to use (default: the one in --build)")
    args = ap.parse_args()

    build = Path(args.build)
    kiosk = build / "kiosk" / "guichet-kiosk"
    floor = build / "bench" / "kiosk" / "guichet-bench-kiosk-floor"
    server = Path(args.server) if args.server else build / "sync-server" / "guichet-server"
    base_kiosk = Path(args.baseline_build) / "kiosk" / "guichet-kiosk" if args.baseline_build else None
    for p in (kiosk, floor, server, *([base_kiosk] if base_kiosk else [])):
        if not p.exists():
            sys.exit(f"missing {p}: build guichet-kiosk, guichet-bench-kiosk-floor and guichet-server in {build}")
    chromium = shutil.which("chromium")
    if not chromium and not args.no_chromium:
        sys.exit("chromium is not installed (bench/kiosk/run.sh installs it)")
    width, height = args.size.split("x")

    work = Path(tempfile.mkdtemp(prefix="guichet-kiosk-bench-"))
    xvfb = start_xvfb(args.display, args.size)
    srv = None
    try:
        # A centre server with the demo catalogue, and a kiosk data folder holding its cached copy.
        db = work / "centre.sqlite"
        subprocess.run([str(server), "add-device", "--db", str(db), "--id", "K1", "--kind", "kiosk", "--secret-file",
                        str(work / "K1.secret")], check=True, capture_output=True)
        srv = subprocess.Popen([str(server), "serve", "--role", "centre", "--db", str(db), "--catalogue",
                                str(ROOT / "sync-server/catalogue/demo-centre.toml"), "--listen", "127.0.0.1:0",
                                "--port-file", str(work / "port"), "--time-origin", "2026-11-23T09:30:00+05:30"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(200):
            if (work / "port").exists() and (work / "port").read_text().strip():
                break
            time.sleep(0.05)
        url = "http://127.0.0.1:" + (work / "port").read_text().strip()
        pin_hash = subprocess.run([str(kiosk), "--hash-pin"], input="2468\n", capture_output=True, text=True,
                                  check=True).stdout.strip()
        common = ["--server", url, "--device", "K1", "--secret-file", str(work / "K1.secret"), "--printer",
                  "file:" + str(work / "slips.bin"), "--admin-pin-hash", pin_hash, "--size", args.size]
        seed = work / "kiosk-seed"
        (work / "seed.txt").write_text('wait_text "Touch your language" 15000\nquit\n')
        subprocess.run([str(kiosk), *common, "--data-dir", str(seed), "--script", str(work / "seed.txt")],
                       env={**os.environ, "SDL_VIDEODRIVER": "offscreen"}, check=True, capture_output=True, timeout=60)

        env = {**os.environ, "DISPLAY": f":{args.display}"}
        env.pop("SDL_VIDEODRIVER", None)
        apps = []
        for renderer in ("software", "accelerated"):
            apps.append((f"kiosk ({renderer})", lambda r, renderer=renderer: (
                [str(kiosk), *common, "--data-dir", str(fresh_data(seed, work, r)), "--renderer", renderer,
                 "--report-first-frame"], "first-frame-unix-us", "stdout")))
            apps.append((f"floor ({renderer})", lambda r, renderer=renderer: (
                [str(floor), "--size", args.size, "--renderer", renderer], "first-frame-unix-us", "stdout")))
            if base_kiosk:
                apps.append((f"kiosk@base ({renderer})", lambda r, renderer=renderer: (
                    [str(base_kiosk), *common, "--data-dir", str(fresh_data(seed, work, r)), "--renderer", renderer,
                     "--report-first-frame"], "first-frame-unix-us", "stdout")))
        if chromium and not args.no_chromium:
            apps.append(("chromium", lambda r: (
                [chromium, "--kiosk", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--noerrdialogs",
                 "--disable-features=Translate,MediaRouter", "--user-data-dir=" + str(work / f"chromium-{r}"),
                 "--window-position=0,0", f"--window-size={width},{height}", "--enable-logging=stderr", "--v=0",
                 (HERE / "start.html").as_uri()], "GUICHET_FIRST_PAINT", "stderr")))

        if args.apps:
            apps = [(n, m) for n, m in apps if args.apps in n]
        # Warm-up starts (unrecorded): the first start of each app after a build or a quiet spell
        # reads its files from disk, which would weigh on whichever app happens to run first.
        for w in range(args.warmup):
            for name, make in apps:
                argv, marker, stream = make(f"warmup{w}")
                measure(name, argv, env, marker, stream, 0.0)
            print(f"warm-up {w + 1}: every app started once", flush=True)
        results = []
        for r in range(args.runs):
            # Every other run in the reverse order, so no app always follows the same one.
            for name, make in (apps if r % 2 == 0 else apps[::-1]):
                argv, marker, stream = make(r)
                res = measure(name, argv, env, marker, stream, args.idle_seconds, args.breakdown,
                              Path(args.smaps_dir) if args.smaps_dir else None)
                res["run"] = r + 1
                results.append(res)
                print(f"run {r + 1}  {name:24s} first frame {res['first_frame_ms']:7.1f} ms   PSS "
                      f"{res['pss_mb']:6.1f} MB (RSS {res['rss_mb']:6.1f}, USS {res['uss_mb']:6.1f}) in "
                      f"{res['processes']:2d} process(es)   idle CPU {res['idle_cpu_percent']:5.2f} %", flush=True)

        keys = ("first_frame_ms", "pss_mb", "rss_mb", "uss_mb", "idle_cpu_percent", "processes")
        summary = {}
        for name, _ in apps:
            rows = [x for x in results if x["app"] == name]
            summary[name] = {k: statistics.median(x[k] for x in rows) for k in keys}
        print(f"\nmedians of {args.runs} runs, {args.size}, Xvfb, idle CPU over {args.idle_seconds:.0f} s")
        print(f"{'app':24s} {'first frame':>12s} {'PSS':>10s} {'RSS':>10s} {'USS':>10s} {'processes':>10s} "
              f"{'idle CPU':>9s}")
        for name, s in summary.items():
            print(f"{name:24s} {s['first_frame_ms']:9.1f} ms {s['pss_mb']:7.1f} MB {s['rss_mb']:7.1f} MB "
                  f"{s['uss_mb']:7.1f} MB {s['processes']:10.0f} {s['idle_cpu_percent']:7.2f} %")
        print()

        def paired(a, b, key):
            """Median over the runs of a's figure over b's in the same run (a run's two starts are
            seconds apart, so the machine's load weighs on both)."""
            by_run = {x["run"]: x for x in results if x["app"] == b}
            return statistics.median(x[key] / by_run[x["run"]][key] for x in results if x["app"] == a)

        for renderer in ("software", "accelerated"):
            for kiosk_name in (f"kiosk ({renderer})", f"kiosk@base ({renderer})"):
                floor_name = f"floor ({renderer})"
                if kiosk_name not in summary or floor_name not in summary:
                    continue
                k, f = summary[kiosk_name], summary[floor_name]
                line = (f"{kiosk_name:24s}/floor: first frame {k['first_frame_ms'] / f['first_frame_ms']:.2f}x, "
                        f"PSS {k['pss_mb'] / f['pss_mb']:.2f}x, USS {k['uss_mb'] / f['uss_mb']:.2f}x "
                        f"(paired by run: first frame {paired(kiosk_name, floor_name, 'first_frame_ms'):.2f}x, "
                        f"PSS {paired(kiosk_name, floor_name, 'pss_mb'):.2f}x)")
                if "chromium" in summary:
                    c = summary["chromium"]
                    line += (f"   chromium/kiosk: first frame {c['first_frame_ms'] / k['first_frame_ms']:.2f}x, "
                             f"PSS {c['pss_mb'] / k['pss_mb']:.2f}x")
                print(line)
        if args.out:
            Path(args.out).write_text(json.dumps({"runs": results, "medians": summary}, indent=2))
    finally:
        if srv:
            stop(srv)
        stop(xvfb)
        shutil.rmtree(work, ignore_errors=True)


def fresh_data(seed, work, r):
    """A copy of the seeded kiosk data folder, so every start finds the same files."""
    dest = work / f"kiosk-data-{r}-{time.time_ns()}"
    shutil.copytree(seed, dest)
    return dest


if __name__ == "__main__":
    main()
