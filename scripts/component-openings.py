#!/usr/bin/env python3
"""Which component incidents does the engine open, on what evidence, and which are false?

usage: component-openings.py SCENARIO_DIR:OUTPUT_DIR [SCENARIO_DIR:OUTPUT_DIR ...]

Each SCENARIO_DIR holds NAME.truth.json files (as written by `vigie scenario generate`),
each OUTPUT_DIR the replay outputs NAME.out.jsonl (as written by `vigie eval scenarios
--outputs`). Every `incident_opened` of scope `component` is counted by how many services it
opened on (2, 3, 4 or more) and by how many of those had no live probes at that moment (the
cause of the service's latest state says "no live probes": impaired by its reports alone).
An opening is false by the scorer's rule (`vigie eval`, shared/tools/eval_replay.py): its
component is related (equal, ancestor or descendant) to the cause of no truth incident
active then, from 5 minutes before its start to 45 minutes after its end. Prints the table
of docs/evaluation.md ("Where the false component incidents are") and lists the false ones.
Python 3 standard library.
"""
import json
import sys

from replays import pairs, replays, ts


def related(a, b):
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def openings(output):
    """(time, component, services, how many without live probes) per component opening."""
    cause = {}
    with open(output) as f:
        for line in f:
            e = json.loads(line)
            if e["type"] == "service_state":
                cause[e["service"]] = e.get("cause", "")
            elif e["type"] == "incident_opened" and e.get("scope") == "component":
                services = e.get("services", [])
                unprobed = sum("no live probes" in cause.get(s, "") for s in services)
                yield ts(e["at"]), e["component"], services, unprobed


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().splitlines()[2])
    table, false = {}, []
    for scenarios, outputs in pairs(sys.argv[1:]):
        for name, truth_path, output in replays(scenarios, outputs):
            with open(truth_path) as f:
                truth = json.load(f)["incidents"]
            for at, component, services, unprobed in openings(output):
                active = [
                    i for i in truth if ts(i["start"]) - 300 <= at <= ts(i["end"]) + 2700
                ]
                ok = any(related(component, i["cause"]) for i in active)
                size = min(len(services), 4)
                kind = "none" if unprobed == 0 else ("all" if unprobed == len(services) else "some")
                cell = table.setdefault((size, kind), [0, 0])
                cell[0] += 1
                if not ok:
                    cell[1] += 1
                    false.append(f"{name} {component} {services}")
    print("opened on | none without live probes | some | all   (openings, false)")
    for size in (2, 3, 4):
        row = [table.get((size, kind), [0, 0]) for kind in ("none", "some", "all")]
        label = f"{size} services" if size < 4 else "4 or more"
        print(f"{label:9} | " + " | ".join(f"{n}, {f} false" for n, f in row))
    for line in false:
        print("false:", line)


if __name__ == "__main__":
    main()
