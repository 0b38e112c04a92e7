#!/usr/bin/env python3
"""How long after a failure becomes visible are its dependents detected?

usage: detection-delays.py [--from-start] SCENARIO_DIR OUTPUT_DIR

SCENARIO_DIR holds NAME.truth.json files (as written by `vigie scenario generate`),
OUTPUT_DIR the replay outputs NAME.out.jsonl (as written by `vigie eval scenarios DIR
--outputs OUTPUT_DIR`). For every component incident with at least two affected services
detected (turning impaired in [start - 2 min, end + 10 min], the window of the scorer), each
detected service's delay is measured from the incident's second detection, the earliest
moment attribution can see two of them. Prints, for services detected by probes, by reports
alone ("no live probes" in the state's cause) and for all, the share detected by each delay:
the detection-due share F(Δ) of docs/attribution.md and its tail.

With --from-start, each delay is measured from the failure's start in the truth file instead,
and the 1st, 10th, 50th, 90th and 99th percentiles are printed: the detection delays that
bound how far apart two dependents of one failure turn impaired (docs/attribution.md,
"Timing"). Probe-detected dependents are also split by the failure's mode in the truth file:
`regional` (its probes fail from only some vantages) and `other`. Python 3 standard library.
"""
import datetime as dt
import json
import sys

from replays import replays

STEPS_S = (0, 30, 60, 90, 120, 180, 240, 300, 360, 480, 600, 900)


def parse_time(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def incident_delays(truth, states, from_start):
    for inc in truth:
        if len(inc["affected"]) < 2:
            continue
        start, end = parse_time(inc["start"]), parse_time(inc["end"])
        lo, hi = start - dt.timedelta(minutes=2), end + dt.timedelta(minutes=10)
        first = {}
        for at, service, how in states:
            if service in inc["affected"] and service not in first and lo <= at <= hi:
                first[service] = (at, how)
        if len(first) < 2:
            continue
        detections = sorted(first.values())
        origin = start if from_start else detections[1][0]
        for at, how in detections:
            yield (at - origin).total_seconds(), how, inc.get("mode")


def main():
    args = [a for a in sys.argv[1:] if a != "--from-start"]
    from_start = len(args) < len(sys.argv) - 1
    if len(args) != 2:
        sys.exit(__doc__.strip().splitlines()[2])
    scenarios, outputs = args
    rows = []
    for _, truth_file, out_file in replays(scenarios, outputs):
        with open(truth_file) as f:
            truth = json.load(f)["incidents"]
        states = []
        with open(out_file) as f:
            for n, line in enumerate(f, 1):
                try:
                    o = json.loads(line)
                except json.JSONDecodeError as e:
                    sys.exit(f"{out_file}:{n}: {e}")
                if (
                    o.get("type") == "service_state"
                    and o.get("state") in ("degraded", "major_outage")
                    and o.get("previous") not in ("degraded", "major_outage")
                ):
                    how = "reports" if "no live probes" in o.get("cause", "") else "probes"
                    states.append((parse_time(o["at"]), o["service"], how))
        rows.extend(incident_delays(truth, states, from_start))
    if from_start:
        print("detected by   n        p1    p10    p50    p90    p99  (seconds from the start)")
        kinds = {
            "probes": lambda how, mode: how == "probes",
            "  regional": lambda how, mode: how == "probes" and mode == "regional",
            "  other": lambda how, mode: how == "probes" and mode != "regional",
            "reports": lambda how, mode: how == "reports",
            "all": lambda how, mode: True,
        }
        for kind, chosen in kinds.items():
            delays = sorted(d for d, how, mode in rows if chosen(how, mode))
            if delays:
                q = [delays[int(p * (len(delays) - 1))] for p in (0.01, 0.1, 0.5, 0.9, 0.99)]
                print(f"{kind:<12} {len(delays):>5}  " + " ".join(f"{x:6.0f}" for x in q))
        return
    print("detected by   n     " + " ".join(f"{s:>5}s" for s in STEPS_S))
    for kind in ("probes", "reports", "all"):
        delays = [d for d, how, _ in rows if kind in ("all", how)]
        if not delays:
            continue
        shares = [sum(1 for d in delays if d <= s) / len(delays) for s in STEPS_S]
        print(f"{kind:<12} {len(delays):>5}  " + " ".join(f"{x:6.3f}" for x in shares))


if __name__ == "__main__":
    main()
