#!/usr/bin/env python3
"""Pool the exact-cause rate and the median time to the correct cause over many sets of
replay outputs, without replaying again.

    scripts/pool-outputs.py SCENARIO_DIR:OUTPUT_DIR [SCENARIO_DIR:OUTPUT_DIR ...]

Each SCENARIO_DIR holds NAME.jsonl (only its header line is read) and NAME.truth.json, as
written by `vigie scenario generate`; each OUTPUT_DIR holds NAME.out.jsonl, as written by
`vigie eval scenarios --outputs`. The rule is `vigie eval`'s (docs/evaluation.md): a
component incident's cause is named exactly when an `incident_opened` or `incident_updated`
of a component incident names it between 2 minutes before its start and 15 minutes after its
end; the time to cause is from the start to the first such naming. False component incidents
and the other metrics are `vigie eval`'s alone: add up its per-set figures for those.
"""
import json
import os
import statistics
import sys

from replays import component_failure, pairs, replays, ts


def namings(path):
    """(time, component) for every naming of a component incident, as vigie eval reads them."""
    names, inc_comp = [], {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                o = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{n}: not JSON: {e}")
            if o.get("type") not in ("incident_opened", "incident_updated"):
                continue
            key = json.dumps(o.get("incident"))
            if o.get("scope") == "component" or (key in inc_comp and "component" in o):
                c = o.get("component")
                inc_comp[key] = c if c is not None else inc_comp.get(key)
                if c is not None:
                    names.append((ts(o["at"]), c))
    return names


def main(args):
    if not args:
        sys.exit(__doc__)
    latencies, exact, total = [], 0, 0
    for scen_dir, out_dir in pairs(args):
        for name, truth_path, output in replays(scen_dir, out_dir):
            with open(os.path.join(scen_dir, name + ".jsonl")) as f:
                services = {s["id"] for s in json.loads(f.readline())["services"]}
            with open(truth_path) as f:
                truth = json.load(f)
            names = namings(output)
            for i in truth["incidents"]:
                if not component_failure(i, services):
                    continue
                total += 1
                start, end = ts(i["start"]), ts(i["end"])
                hits = [t for t, c in names if c == i["cause"] and start - 120 <= t <= end + 900]
                if hits:
                    exact += 1
                    latencies.append(max(0.0, min(hits) - start))
    p50 = statistics.median(latencies) if latencies else float("nan")
    print(f"exact {exact}/{total} ({100 * exact / max(total, 1):.1f}%) time_to_cause_p50_s {p50:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
