#!/usr/bin/env python3
"""Writes the UI automation scripts of the headless demo morning: the citizens at the kiosk and
the two operators. Deterministic for a given seed."""
import argparse
import random
from pathlib import Path

# Services on the kiosk's first page that counters 1 and 2 serve (sync-server/catalogue/demo-centre.toml).
SERVICES = [
    ("Birth certificate", 5),
    ("Death certificate", 2),
    ("Residence (domicile) certificate", 4),
    ("Income certificate", 4),
    ("Caste certificate", 2),
]  # marriage registration opens in the afternoon: closed during the demo's morning
PRIORITY = [
    ("No, none of these", 14),
    ("Senior citizen (60 or over)", 3),
    ("Person with a disability", 1),
    ("Pregnant woman", 1),
]
OPERATORS = [("op-asha", "2468", "1"), ("op-gurpreet", "1357", "2")]  # counter number typed


def pick(rng, weighted):
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def kiosk_script(rng, citizens):
    lines = ["# The morning's citizens at kiosk K1", 'wait_text "Welcome" 30000', "screenshot kiosk-start.png"]
    for i in range(1, citizens + 1):
        service, prio = pick(rng, SERVICES), pick(rng, PRIORITY)
        lines += [f"# citizen {i}: {service}, {prio}", 'tap "English" 15000', 'tap "Take a token" 15000',
                  f'wait_text "{service}" 15000']
        if i == 1:
            lines.append("screenshot kiosk-services.png")
        lines += [f'tap "{service}" 15000', f'wait_text "{prio}" 15000']
        if i == 1:
            lines.append("screenshot kiosk-priority.png")
        lines += [f'tap "{prio}" 15000']
        lines += ['wait_text "Please take your token" 20000']
        if i in (1, citizens // 2, citizens):
            lines.append(f"screenshot kiosk-token-{i:02d}.png")
        lines += ['tap "Done" 15000', 'wait_text "Welcome" 15000']
        lines.append(f"sleep {rng.randint(300, 1500)}")
    lines.append("quit")
    return "\n".join(lines) + "\n"


# A walk-in's birth certificate application at counter 1 (made-up family), typed into the form.
APPLICATION = [
    ("Child's full name", "Meher Kaur"),
    ("Date of birth * (d/m/y)", "02/11/2026"),
    ("Gender *", "Female"),
    ("Place of birth *", "hospital"),
    ("Name of the hospital", "Civil Hospital, Ludhiana"),
    ("Father's name *", "Harjit Singh"),
    ("Mother's name *", "Navdeep Kaur"),
    ("Full address *", "45 Sarabha Nagar, Ludhiana"),
    ("Mobile number *", "98765 43210"),
]


def application_lines(scan):
    """Counter 1 takes a walk-in's application: the form, the documents checklist (the hospital's
    slip scanned when a scanner is set), the fee, and the printed fee receipt and acknowledgement."""
    lines = ["# A walk-in's application", "key F11", 'wait_text "Which service?" 15000', "key Return",
             'wait_text "New application - walk-in" 15000']
    for label, value in APPLICATION:
        lines += [f'tap "{label}" 15000', f'type "{value}" 20', f'wait_text "{value}" 15000']
    lines += ["key Ctrl+1", 'wait_text "1. Present:" 15000', "key Ctrl+2"]
    if scan:
        lines += ["key Alt+1", 'wait_text "- 1 page" 30000']
    lines += ["sleep 300", "screenshot counter1-application.png", "key F12",
              'wait_text "Fee receipt and acknowledgement printed." 30000', "sleep 300",
              "screenshot counter1-application-saved.png", "key Return", 'wait_text "Call next" 15000']
    if scan:
        # The counter's uploader brings the page to the centre within moments (loopback).
        lines += ["sleep 3000", 'expect_no_text "waiting to upload"']
    return lines


def counter_script(rng, operator, pin, counter, rounds, index, application=False, scan=False):
    lines = [f"# Operator at counter {counter}", 'wait_text "Operator ID" 30000', 'sleep 500', f'type "{operator}" 30',
             'key Return', 'wait_text "Enter your PIN" 15000', 'sleep 300', f'type "{pin}" 30', 'key Return',
             'wait_text "Choose your counter" 15000', 'sleep 300', f'tap "Counter {counter}" 15000', 'wait_text "Call next" 15000',
             f"screenshot counter{index}-ready.png"]
    for r in range(1, rounds + 1):
        lines += ["key F1", f"sleep {rng.randint(500, 900)}"]
        if r == 2:
            lines.append(f"screenshot counter{index}-called.png")
        lines += ["key F3", f"sleep {rng.randint(1200, 3000)}", "key F4", "sleep 400"]
    if application:
        lines += application_lines(scan)
    lines += [f"screenshot counter{index}-end.png", "quit"]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--citizens", type=int, default=36)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--scan", action="store_true", help="counter 1 has a document scanner")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    (a.out / "kiosk.script").write_text(kiosk_script(rng, a.citizens))
    rounds = max(1, (a.citizens * 2) // 5)  # two counters serve most of the morning's citizens
    for i, (op, pin, counter) in enumerate(OPERATORS, start=1):
        (a.out / f"counter{i}.script").write_text(
            counter_script(rng, op, pin, counter, rounds, i, application=i == 1, scan=a.scan))


if __name__ == "__main__":
    main()
