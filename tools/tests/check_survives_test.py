#!/usr/bin/env python3
"""`ptcheck check --budget S --json --junit` on a target that crashes, trips a sanitizer or hangs (issue 14):
it exits 1 within S plus the stated overrun (10 s, and a margin for a loaded machine), both reports are
whole (the JSON parses, the JUnit validates against tools/ptcheck/junit.xsd), the first failure names the
oracle and the statement, and its replay command reproduces it.

usage: check_survives_test.py PTCHECK WORKDIR JUNIT_XSD BROKEN_LIB SCRIPT.ops ORACLES BUDGET
ORACLES: the oracles the failure may name, separated by '|' (a null dereference is `crash`, or
`memory-error` when a sanitizer reports it).
"""
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (tools/check_clean_tree.sh)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_report_test  # noqa: E402  (its JUnit validation against the schema)

OVERRUN = 10     # seconds past the budget that `ptcheck help` states
MARGIN = 20      # a loaded 2-core CI machine under ASan: process start, exit, the last report


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    ptcheck, work, xsd, lib, script, oracles, budget = sys.argv[1:8]
    oracles = oracles.split("|")
    budget = int(budget)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "corpora", "scenarios"))
    shutil.copy(script, os.path.join(work, "corpora", "scenarios"))
    json_path, junit_path = os.path.join(work, "check.json"), os.path.join(work, "check.xml")
    cmd = [ptcheck, "check", "--target", lib, "--corpora", os.path.join(work, "corpora"), "--budget", str(budget),
           "--json", json_path, "--junit", junit_path, "--op-timeout", "2",
           "--target-log", os.path.join(work, "target.log")]
    print("$ " + " ".join(cmd), flush=True)
    start = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    took = time.monotonic() - start
    print(p.stdout)
    if p.returncode != 1:
        fail("exit status %d, want 1" % p.returncode)
    if took > budget + OVERRUN + MARGIN:
        fail("took %.1f s with --budget %d (stated overrun %d s)" % (took, budget, OVERRUN))
    with open(json_path, encoding="utf-8") as f:
        report = json.load(f)
    check_report_test.validate_junit(junit_path, xsd)
    replay = [s for s in report["stages"] if s["name"] == "replay"][0]
    if not replay["failures"]:
        fail("the replay stage reports no failure")
    first = replay["failures"][0]
    oracle = first["signature"].split(":")[0]
    if oracle not in oracles:
        fail("the failure names %r, want one of %r" % (first["signature"], oracles))
    if report.get("target_log") != os.path.join(work, "target.log"):
        fail("the report does not name the target's log: %r" % report.get("target_log"))
    if oracle == "warning" and not replay["warnings"]:
        fail("the replay stage counts no WARNING lines")
    # The replay command reproduces it, and shows the statement that was running.
    words = shlex.split(first["replay"])
    if words[:2] != ["ptcheck", "run"]:
        fail("unexpected replay command: " + first["replay"])
    again = subprocess.run([ptcheck] + words[1:] + ["--op-timeout", "2"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    print(again.stdout)
    if again.returncode != 1 or ("FAIL " + oracle) not in again.stdout:
        fail("the replay command did not reproduce %s: %s" % (oracle, first["replay"]))
    if "script up to the" not in again.stdout or "\n  >  " not in again.stdout:
        fail("the report does not show the statement that was running")
    print("ok: %s in %.1f s, reports whole, replay reproduces %s" % (first["signature"], took, oracle))


if __name__ == "__main__":
    main()
