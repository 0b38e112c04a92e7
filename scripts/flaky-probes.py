#!/usr/bin/env python3
"""Make a scenario's probes flakier, to see what attribution does when healthy services
often fail a probe.

    scripts/flaky-probes.py [--error ERROR] P IN.jsonl OUT.jsonl [SEED]

Each passing `probe` line fails instead, with probability P: `"ok":false`, a
`connect_timeout` error after 5,000 ms, or with --error another error of SCENARIO.md
(`connect_refused`, `http_status`, `tls`, … : an answer, after 50 ms; `timeout` and
`connect_timeout` after 5,000 ms). Every other line is copied as it is (the header, the
reports, the failed probes), so the truth file of IN applies to OUT unchanged. The draw is
seeded (default 7): the same arguments give the same file. Streams line by line, so
scenarios of any size fit. Python 3 standard library.
"""
import random
import re
import sys


ERRORS = ("dns_nxdomain", "dns_servfail", "dns_timeout", "connect_refused", "connect_timeout",
          "tls", "http_status", "assertion", "timeout")


def main():
    args = sys.argv[1:]
    error = "connect_timeout"
    if args[:1] == ["--error"]:
        if len(args) < 2 or args[1] not in ERRORS:
            sys.exit(f"--error must be one of {', '.join(ERRORS)}")
        error, args = args[1], args[2:]
    if len(args) not in (3, 4):
        sys.exit(__doc__)
    try:
        p = float(args[0])
    except ValueError:
        sys.exit(f"P must be a number between 0 and 1, not {args[0]!r}")
    if not 0.0 <= p <= 1.0:
        sys.exit(f"P must be between 0 and 1, not {p}")
    rng = random.Random(int(args[3]) if len(args) == 4 else 7)
    latency = re.compile(r',"latency_ms":[0-9.eE+-]+')
    ms = "5000.0" if error.endswith("timeout") else "50.0"
    failed = f',"latency_ms":{ms},"error":"{error}"}}\n'
    with open(args[1]) as src, open(args[2], "w") as dst:
        dst.write(src.readline())
        for line in src:
            if '"type":"probe"' in line and '"ok":true' in line and rng.random() < p:
                line = latency.sub("", line.replace('"ok":true', '"ok":false')).rstrip()
                line = line[:-1] + failed
            dst.write(line)


if __name__ == "__main__":
    main()
