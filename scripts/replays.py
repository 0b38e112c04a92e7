"""Shared by the analysis scripts: walking scenario sets and their replay outputs.

A set is a SCENARIO_DIR (NAME.jsonl and NAME.truth.json, as written by `vigie scenario
generate`) with an OUTPUT_DIR (NAME.out.jsonl, as written by `vigie eval scenarios
--outputs`), given on the command line as SCENARIO_DIR:OUTPUT_DIR. Python 3 standard library.
"""
import datetime as dt
import glob
import os
import sys


def ts(s):
    """Seconds since the epoch of an RFC 3339 time."""
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def component_failure(incident, services):
    """Whether a truth incident is a component's failure rather than one service's own (the
    scorer's rule: a cause with a `/`, or naming no service)."""
    return "/" in incident["cause"] or incident["cause"] not in services


def pairs(args):
    """The (SCENARIO_DIR, OUTPUT_DIR) of each SCENARIO_DIR:OUTPUT_DIR argument."""
    for arg in args:
        if arg.count(":") != 1:
            sys.exit(f"{arg}: expected SCENARIO_DIR:OUTPUT_DIR")
        yield tuple(arg.split(":"))


def replays(scenarios, outputs):
    """(NAME, its truth file, its replay output) for every scenario of a set; exits with a
    message naming the directory or file when a set has no truth file or an output is
    missing."""
    truths = sorted(glob.glob(os.path.join(scenarios, "*.truth.json")))
    if not truths:
        sys.exit(f"{scenarios}: no NAME.truth.json files")
    for truth in truths:
        name = os.path.basename(truth)[: -len(".truth.json")]
        output = os.path.join(outputs, name + ".out.jsonl")
        if not os.path.exists(output):
            sys.exit(f"{output}: missing (run vigie eval scenarios {scenarios} --outputs {outputs})")
        yield name, truth, output
