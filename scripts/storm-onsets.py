#!/usr/bin/env python3
"""How do impairments that no component failure explains begin during another failure?

usage: storm-onsets.py SCENARIO_DIR:OUTPUT_DIR [SCENARIO_DIR:OUTPUT_DIR ...]

Each SCENARIO_DIR holds NAME.jsonl (only its header line is read) and NAME.truth.json, as
written by `vigie scenario generate`; each OUTPUT_DIR holds NAME.out.jsonl, as written by
`vigie eval scenarios --outputs`. Every service incident opened after the first 6 hours is an
impairment onset. It is **hit** when its service is affected by a component failure of the
truth file active then (2 minutes before its start to 10 minutes after its end, the
scorer's window), and **background** otherwise (a lone failure, a false alarm). It begins
**in a storm** when a component incident of the replay was open then whose services do not
include it, and is **seen by reports alone** when its explanation names no failing probe.

Prints the background onsets per million service-minutes in and out of storms, by how they
were seen, and the share seen by reports alone among hit and background onsets: the numbers
behind docs/evaluation.md, "A backdrop of other failures, and a lower opening threshold,
measured and left". Python 3 standard library.
"""
import json
import os
import sys

from replays import component_failure, pairs, replays, ts


def storm_intervals(output):
    """(opened, resolved, services) of every component incident of a replay output."""
    open_, done = {}, []
    end = None
    with open(output) as f:
        for line in f:
            e = json.loads(line)
            end = ts(e["at"])
            kind, inc = e["type"], e.get("incident")
            if kind == "incident_opened" and e.get("scope") == "component":
                open_[inc] = [end, set(e.get("services", []))]
            elif kind == "incident_updated" and inc in open_ and "services" in e:
                open_[inc][1] |= set(e["services"])
            elif kind == "incident_resolved" and inc in open_:
                opened, services = open_.pop(inc)
                done.append((opened, end, services))
    done.extend((opened, float("inf"), services) for opened, services in open_.values())
    return done


def onsets(output):
    """(time, service, seen) for every service incident opened; seen is 'reports' or 'probes'."""
    with open(output) as f:
        for line in f:
            e = json.loads(line)
            if e["type"] == "incident_opened" and e.get("scope") == "service":
                text = e.get("explanation", "")
                probes = "probes fail" in text or "probe just failed" in text
                yield ts(e["at"]), e["service"], "probes" if probes else "reports"


def covered(intervals, start, end):
    """Seconds of [start, end] inside the union of the intervals."""
    total, cur = 0.0, None
    for a, b in sorted((max(a, start), min(b, end)) for a, b, _ in intervals):
        if b <= a:
            continue
        if cur and a <= cur[1]:
            cur[1] = max(cur[1], b)
        else:
            if cur:
                total += cur[1] - cur[0]
            cur = [a, b]
    if cur:
        total += cur[1] - cur[0]
    return total


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().splitlines()[2])
    minutes = {"storm": 0.0, "quiet": 0.0}
    count = {}
    for scenarios, outputs in pairs(sys.argv[1:]):
        for name, truth_path, output in replays(scenarios, outputs):
            with open(os.path.join(scenarios, name + ".jsonl")) as f:
                header = json.loads(f.readline())
            with open(truth_path) as f:
                truth = json.load(f)["incidents"]
            ids = {s["id"] for s in header["services"]}
            n = len(header["services"])
            start, end = ts(header["start"]) + 6 * 3600, ts(header["end"])
            failures = [
                (ts(i["start"]) - 120, ts(i["end"]) + 600, set(i["affected"]))
                for i in truth
                if component_failure(i, ids)
            ]
            storms = storm_intervals(output)
            stormy = covered(storms, start, end)
            minutes["storm"] += n * stormy / 60
            minutes["quiet"] += n * (end - start - stormy) / 60
            for t, service, seen in onsets(output):
                if t < start:
                    continue
                hit = any(a <= t <= b and service in aff for a, b, aff in failures)
                storm = any(a <= t <= b and service not in sv for a, b, sv in storms)
                key = ("hit" if hit else "background", "storm" if storm else "quiet", seen)
                count[key] = count.get(key, 0) + 1

    def c(*key):
        return count.get(key, 0)

    for when in ("storm", "quiet"):
        for seen in ("reports", "probes"):
            k = c("background", when, seen)
            rate = k / minutes[when] * 1e6 if minutes[when] else 0.0
            print(f"background onsets, {when}, seen by {seen}: {k} ({rate:.1f} per M service-minutes)")
    for kind in ("hit", "background"):
        for when in ("storm", "quiet", None):
            whens = ("storm", "quiet") if when is None else (when,)
            reports = sum(c(kind, w, "reports") for w in whens)
            total = reports + sum(c(kind, w, "probes") for w in whens)
            label = when or "all"
            share = reports / total if total else 0.0
            print(f"{kind} onsets, {label}: {total}, {share:.2f} seen by reports alone")


if __name__ == "__main__":
    main()
