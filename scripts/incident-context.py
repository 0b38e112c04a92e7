#!/usr/bin/env python3
"""What surrounded one component incident: the world, the truth and the replay around it.

usage: incident-context.py SCENARIO_DIR OUTPUT_DIR NAME COMPONENT [AT [WINDOW_S]]

SCENARIO_DIR holds NAME.jsonl and NAME.truth.json (as written by `vigie scenario generate`),
OUTPUT_DIR the replay output NAME.out.jsonl (as written by `vigie eval scenarios --outputs`).
AT (RFC 3339; default: the first output naming COMPONENT) is the moment to look at, WINDOW_S
(default 1800) how far either side of it. Prints every service with its dependencies (`*`
marks those relying on COMPONENT, or on a component within it or containing it; `~0.6` an
uncertain edge), the truth incidents active within two hours of AT, then the outputs and
official statuses within the window, in seconds from AT. What `vigie eval scenarios
--misses` lists as a false component incident is where to start. Python 3 standard library.
"""
import json
import os
import sys

from replays import ts


def related(a, b):
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__.split("\n\n")[1])
    sd, od, name, comp = argv[:4]
    scenario = os.path.join(sd, name + ".jsonl")
    with open(scenario) as f:
        try:
            head = json.loads(f.readline())
        except json.JSONDecodeError as e:
            sys.exit(f"{scenario}: line 1: not a scenario header: {e}")
        officials = [json.loads(line) for line in f if '"official"' in line]
    outputs = os.path.join(od, name + ".out.jsonl")
    with open(outputs) as f:
        outs = [json.loads(line) for line in f if line.strip()]
    if len(argv) > 4 and argv[4] != "-":
        at = ts(argv[4])
    else:
        at = next((ts(o["at"]) for o in outs if o.get("component") == comp), None)
        if at is None:
            sys.exit(f"{outputs}: no output names {comp}; give AT")
    window = float(argv[5]) if len(argv) > 5 else 1800.0

    def rel(s):
        return f"{ts(s) - at:+7.0f}s"

    kinds = {c["id"]: c["kind"] for c in head["components"]}
    print(f"component {comp} ({kinds.get(comp, 'unknown')})")
    for s in head["services"]:
        deps = [d if isinstance(d, str) else d["id"] for d in s["depends_on"]]
        shown = [
            d if isinstance(d, str) else f'{d["id"]}~{d.get("confidence")}'
            for d in s["depends_on"]
        ]
        mark = "*" if any(related(d, comp) for d in deps) else " "
        print(f" {mark} {s['id']:<28} {' '.join(shown)}")
    with open(os.path.join(sd, name + ".truth.json")) as f:
        truth = json.load(f)["incidents"]
    print("truth:")
    for t in truth:
        start, end = ts(t["start"]), ts(t["end"])
        if abs(start - at) < 7200 or start < at < end + 2700:
            print(f"  {t['cause']:<30} {rel(t['start'])} .. {rel(t['end'])} {' '.join(t['affected'])}")
    print("outputs:")
    for o in outs:
        if abs(ts(o["at"]) - at) <= window:
            rest = {k: v for k, v in o.items() if k != "at"}
            print(f"  {rel(o['at'])} {json.dumps(rest)}")
    print("official statuses:")
    for e in officials:
        if abs(ts(e["at"]) - at) <= window:
            print(f"  {rel(e['at'])} {e.get('component') or e.get('service')} {e['status']}")


if __name__ == "__main__":
    main(sys.argv[1:])
