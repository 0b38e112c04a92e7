#!/usr/bin/env python3
"""When was each true failure's cause named, and when were its first dependents detected?

usage: cause-times.py SCENARIO_DIR OUTPUT_DIR [OTHER_OUTPUT_DIR]

SCENARIO_DIR holds NAME.truth.json files (as written by `vigie scenario generate`),
OUTPUT_DIR the replay outputs NAME.out.jsonl (as written by `vigie eval scenarios
--outputs`). For every true component failure (not a lone service's), prints one line: the
scenario, the cause, its mode and size, when the cause was first named (an
`incident_opened` or `incident_updated` naming exactly it, from 5 minutes before its start to
45 minutes after its end; seconds from the start, or None), and the first detections of its
affected services (seconds from the start, P when probes impaired the service, R when
reports alone did). Then a summary: how many were named, and the median naming time split by
how the *second* dependent was detected (on small worlds the cause is mostly named at the
second detection).

With OTHER_OUTPUT_DIR (another build's outputs of the same scenarios), prints instead how
many failures the second build names sooner, later, equally, newly or no longer, and lists
the ones it names later or loses. Python 3 standard library.
"""
import json
import statistics
import sys

from replays import component_failure, replays, ts

EARLY = 5 * 60  # a failure's dependents may be detected from 5 minutes before its start
NAMED_AFTER_END = 45 * 60  # the scorer's grace after a failure's end


def failures(scenario_dir, output_dir):
    """{(scenario, cause): (mode, size, named_s or None, [(secs, 'P'|'R')])}"""
    out = {}
    for name, truth_path, output_path in replays(scenario_dir, output_dir):
        with open(truth_path) as f:
            truth = json.load(f)
        with open(output_path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        services = {a for inc in truth["incidents"] for a in inc["affected"]}
        for inc in truth["incidents"]:
            if not component_failure(inc, services):
                continue
            start, end = ts(inc["start"]), ts(inc["end"])
            detections = []
            for service in inc["affected"]:
                for o in lines:
                    if (
                        o["type"] == "service_state"
                        and o["service"] == service
                        and o["state"] in ("degraded", "major_outage")
                        and start - EARLY <= ts(o["at"]) <= end
                    ):
                        how = "P" if "probes fail" in o["cause"] else "R"
                        detections.append((ts(o["at"]) - start, how))
                        break
            detections.sort()
            named = next(
                (
                    ts(o["at"]) - start
                    for o in lines
                    if o["type"] in ("incident_opened", "incident_updated")
                    and o.get("component") == inc["cause"]
                    and start - EARLY <= ts(o["at"]) <= end + NAMED_AFTER_END
                ),
                None,
            )
            out[(name, inc["cause"])] = (inc.get("mode"), len(inc["affected"]), named, detections)
    return out


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit(__doc__)
    a = failures(argv[1], argv[2])
    if len(argv) == 4:
        b = failures(argv[1], argv[3])
        counts = {"sooner": 0, "later": 0, "same": 0, "gained": 0, "lost": 0}
        diffs = []
        for key, (_, _, x, _) in sorted(a.items()):
            y = b[key][2] if key in b else None
            if x is None and y is not None:
                counts["gained"] += 1
            elif x is not None and y is None:
                counts["lost"] += 1
                print("lost", *key, x)
            elif x is not None:
                diffs.append(y - x)
                kind = "sooner" if y < x else "later" if y > x else "same"
                counts[kind] += 1
                if kind == "later":
                    print("later", *key, x, "->", y)
        mean = statistics.mean(diffs) if diffs else 0.0
        print(" ".join(f"{k} {v}" for k, v in counts.items()), f"mean change {mean:+.1f} s")
        return
    by_second = {"P": [], "R": []}
    for (name, cause), (mode, size, named, det) in sorted(a.items()):
        shown = " ".join(f"{s:.0f}{how}" for s, how in det[:4])
        print(name, cause, mode, size, "named", named, "detected", shown)
        if named is not None and len(det) > 1:
            by_second[det[1][1]].append(named)
    named = sum(1 for v in a.values() if v[2] is not None)
    print(f"{named} of {len(a)} named")
    for how, label in (("P", "probes"), ("R", "reports alone")):
        times = by_second[how]
        if times:
            print(f"second dependent seen by {label}: {len(times)}, named at a median {statistics.median(times):.0f} s")


if __name__ == "__main__":
    main(sys.argv)
