#!/usr/bin/env python3
"""Rewrite a scenario's crowd reports as coarser batches, as a source that publishes counts
per 5 or 15 minutes would give them.

    scripts/rebatch-reports.py MINUTES IN.jsonl OUT.jsonl

Every `reports` and `report` line is summed per (service, kind) into buckets MINUTES wide
(aligned on the epoch), written as one `reports` line stamped at the bucket's end, when such
a count is known. Reporter ids and regions are dropped. Other lines are copied in time order.
SCENARIO.md says a `reports` line counts "the minute starting at `at`", so batches wider
than a minute do not keep to the contract: the script shows what happens to a replay of such
a source (docs/evaluation.md). Python 3 standard library.
"""
import datetime as dt
import json
import sys

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def parse_time(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    try:
        width = dt.timedelta(minutes=int(sys.argv[1]))
    except ValueError:
        sys.exit(f"MINUTES must be a whole number, not {sys.argv[1]!r}")
    if width <= dt.timedelta(0):
        sys.exit("MINUTES must be at least 1")
    pending = {}  # (bucket end, service, kind) -> count, in insertion order

    def flush(dst, upto):
        for key in [k for k in pending if upto is None or k[0] <= upto]:
            end, service, kind = key
            line = {"at": end.strftime("%Y-%m-%dT%H:%M:%SZ"), "type": "reports",
                    "service": service, "count": pending.pop(key), "kind": kind}
            dst.write(json.dumps(line, separators=(",", ":")) + "\n")

    with open(sys.argv[2]) as src, open(sys.argv[3], "w") as dst:
        dst.write(src.readline())
        for n, line in enumerate(src, start=2):
            try:
                event = json.loads(line)
                at = parse_time(event["at"])
            except (ValueError, KeyError) as e:
                sys.exit(f"{sys.argv[2]}:{n}: {e}")
            flush(dst, at)
            if event.get("type") in ("reports", "report"):
                end = EPOCH + ((at - EPOCH) // width + 1) * width
                key = (end, event["service"], event.get("kind", "other"))
                pending[key] = pending.get(key, 0) + event.get("count", 1)
            else:
                dst.write(line)
        flush(dst, None)


if __name__ == "__main__":
    main()
