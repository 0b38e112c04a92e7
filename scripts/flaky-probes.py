#!/usr/bin/env python3
"""Make a scenario's probes flakier, to see what attribution does when healthy services
often fail a probe.

    scripts/flaky-probes.py P IN.jsonl OUT.jsonl [SEED]

Each passing `probe` line fails instead, with probability P: `"ok":false`, a
`connect_timeout` error after 5,000 ms. Every other line is copied as it is (the header, the
reports, the failed probes), so the truth file of IN applies to OUT unchanged. The draw is
seeded (default 7): the same arguments give the same file. Streams line by line, so
scenarios of any size fit. Python 3 standard library.
"""
import random
import re
import sys


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    try:
        p = float(sys.argv[1])
    except ValueError:
        sys.exit(f"P must be a number between 0 and 1, not {sys.argv[1]!r}")
    if not 0.0 <= p <= 1.0:
        sys.exit(f"P must be between 0 and 1, not {p}")
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) == 5 else 7)
    latency = re.compile(r',"latency_ms":[0-9.eE+-]+')
    with open(sys.argv[2]) as src, open(sys.argv[3], "w") as dst:
        dst.write(src.readline())
        for line in src:
            if '"type":"probe"' in line and '"ok":true' in line and rng.random() < p:
                line = latency.sub("", line.replace('"ok":true', '"ok":false')).rstrip()
                line = line[:-1] + ',"latency_ms":5000.0,"error":"connect_timeout"}\n'
            dst.write(line)


if __name__ == "__main__":
    main()
