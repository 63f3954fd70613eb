#!/usr/bin/env python3
"""Summary of the demo morning as Markdown: the manager's dashboard, the calls with their
reasons, and every printed receipt with the token id its QR code decodes to."""
import argparse
import json
import sqlite3
import subprocess
import urllib.request
from pathlib import Path


def request(base, path, device, secret, method="GET", body=None, bearer=None):
    headers = {"X-Guichet-Device": device, "X-Guichet-Secret": secret, "Content-Type": "application/json"}
    if bearer:
        headers["Authorization"] = "Bearer " + bearer
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read().decode())


def decode_qr(png):
    try:
        r = subprocess.run(["ZXingReader", "-fast", "-format", "QRCode", str(png)], capture_output=True, text=True,
                           timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"(not read: {e})"
    for line in r.stdout.splitlines():
        if line.startswith("Text:"):
            return line.split(":", 1)[1].strip().strip('"')
    return "(no QR code found)"


# A terminal's printer as it last said (the dashboard page's words).
PRINTER_WORDS = {
    "ready": "ready", "paper_low": "paper low", "paper_out": "out of paper", "cover_open": "cover open",
    "offline": "offline", "printer_error": "in error", "not_responding": "not responding",
    "unreachable": "not connected",
}


def printer_said(t):
    state = t.get("printer")
    if not state:
        return "no printer said"
    words = "printer " + PRINTER_WORDS.get(state, state)
    minutes = t.get("printer_checked_minutes")
    return words + (f" (looked {minutes} min ago)" if minutes is not None and minutes >= 5 else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--server", required=True)
    ap.add_argument("--device", required=True)
    ap.add_argument("--secret-file", required=True)
    ap.add_argument("--manager", default="mgr-neha")
    ap.add_argument("--pin", default="9753")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--centre-files", help="the centre's attachments.sqlite (scanned pages)")
    a = ap.parse_args()
    secret = Path(a.secret_file).read_text().strip()

    session = request(a.server, "/api/v1/sessions", a.device, secret, "POST", {"operator": a.manager, "pin": a.pin})
    bearer = session["session"]
    dash = request(a.server, "/api/v1/dashboard", a.device, secret, bearer=bearer)
    calls = request(a.server, "/api/v1/calls?limit=100", a.device, secret)["calls"]
    (a.out / "dashboard.json").write_text(json.dumps(dash, indent=2, ensure_ascii=False))

    print(f"# Demo morning at {dash.get('centre')} — {dash.get('business_day')}\n")
    print("## Services\n")
    print("| service | issued | served | no-show | waiting | longest wait (min) |")
    print("|---|---|---|---|---|---|")
    for s in dash.get("services", []):
        if s.get("issued"):
            print(f"| {s['prefix']} {s['name']} | {s['issued']} | {s['served']} | {s['no_show']} | {s['waiting']} "
                  f"| {s['longest_wait_minutes']} |")
    print("\n## Counters\n")
    for c in dash.get("counters", []):
        print(f"- {c['name']}: {c['state']}" + (f" ({c['current']})" if c.get("current") else ""))
    # The terminals as the centre heard them, what their outboxes still held by their last upload,
    # the disk space they said they have left and their printers' states.
    terminals = dash.get("sync", {}).get("terminals", [])
    print(f"\n## Terminals ({len(terminals)})\n")
    for t in terminals:
        if t.get("live_feed"):
            heard = "connected now"
        elif t.get("minutes_since_heard") is None:
            heard = "not heard"
        else:
            heard = f"{t['minutes_since_heard']} min ago"
        waiting = "no outbox report" if t.get("waiting") is None else f"{t['waiting']} entries waiting"
        disk = t.get("disk_free_mib")
        free = "free disk not said" if disk is None else f"{disk / 1024:.1f} GB free"
        print(f"- {t['id']} ({t['kind']}): last heard {heard}; {waiting}; {free}; {printer_said(t)}")
    print(f"\n## Calls, newest first ({len(calls)})\n")
    print("| token | counter | why |")
    print("|---|---|---|")
    for e in calls:
        print(f"| {e['token']['display']} | {e.get('counter_number', '')} | {e.get('explanation', '')} |")
    receipts = sorted((a.out / "receipts").glob("job-*.png"))
    print(f"\n## Receipts ({len(receipts)}), QR read back from each image\n")
    for png in receipts:
        print(f"- receipts/{png.name}: {decode_qr(png)}")
    # Counter 1's papers: a fee receipt and an acknowledgement per application, each QR code the
    # receipt number; the application as the centre has it now.
    papers = sorted((a.out / "counter-receipts").glob("job-*.png"))
    filed = {}
    for png in papers:
        filed.setdefault(decode_qr(png), []).append(png.name)
    print(f"\n## Applications taken at counter 1 ({len(filed)}), from {len(papers)} printed papers\n")
    for receipt, names in filed.items():
        line = f"- {receipt}: counter-receipts/{', counter-receipts/'.join(names)}"
        try:
            app = request(a.server, "/api/v1/applications/" + receipt, a.device, secret)["application"]
            line += f"; at the centre: {app.get('service')}, status {app.get('status')}, due {app.get('due_on')}"
        except Exception as e:  # the summary still lists what was printed
            line += f"; not found at the centre ({e})"
        print(line)
    # The pages scanned at the counter, as the centre stored them (each named by its SHA-256).
    if a.centre_files and Path(a.centre_files).exists():
        db = sqlite3.connect(f"file:{a.centre_files}?mode=ro", uri=True)
        rows = db.execute("SELECT sha256, media_type, content FROM attachments ORDER BY rowid").fetchall()
        db.close()
        (a.out / "scanned-pages").mkdir(exist_ok=True)
        print(f"\n## Scanned pages at the centre ({len(rows)})\n")
        for n, (sha, media_type, content) in enumerate(rows, start=1):
            name = f"page-{n}.png" if media_type == "image/png" else f"page-{n}.bin"
            (a.out / "scanned-pages" / name).write_bytes(content)
            print(f"- scanned-pages/{name}: {len(content)} bytes, SHA-256 {sha[:16]}…")
    shots = sorted((a.out / "screenshots").glob("*.png"))
    print(f"\n## Screenshots ({len(shots)})\n")
    for s in shots:
        print(f"- screenshots/{s.name}")
    waves = sorted((a.out / "announcements").glob("*.wav"))
    print(f"\n## Announcements ({len(waves)} WAV files in announcements/)")


if __name__ == "__main__":
    main()
