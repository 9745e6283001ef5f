#!/usr/bin/env python3
"""`ptcheck check` cut short: by SIGTERM or SIGINT in the middle of a stage, or by its --budget. It must end
soon after, print its summary, and leave both reports whole (the JSON parses, the JUnit validates against
tools/ptcheck/junit.xsd) saying that it stopped, why, and which stages ran. While it runs, the reports
written after each stage are whole too and say the run is unfinished.

usage: check_stop_test.py signal TERM|INT PTCHECK WORKDIR JUNIT_XSD SCRIPT.ops STAGE AFTER_REGEX [CHECK ARGS...]
         runs check on a corpus of SCRIPT.ops alone; once a line of its output matches AFTER_REGEX (a line that
         STAGE prints once it is under way), checks the reports written so far, sends the signal, and wants the
         run to end within STOP_SECONDS with exit status 128 + the signal, STAGE cut short by it and the
         stages after STAGE not run. For STAGE replay the corpus holds REPLAY_COPIES copies of SCRIPT.ops, so
         that the replay is still under way when the signal comes.
       check_stop_test.py fuzz-signal TERM|INT PTCHECK WORKDIR JUNIT_XSD SCRIPT.ops [CHECK ARGS...]
         the same in the fuzz stage, with stand-in fuzzers (shell scripts under WORKDIR that ignore SIGTERM and
         leave a child behind): the stand-ins and their children must be gone when check has ended.
       check_stop_test.py budget PTCHECK WORKDIR JUNIT_XSD SCRIPT.ops BUDGET [CHECK ARGS...]
         check --budget BUDGET with far more work asked (CHECK ARGS, e.g. --cases 100000): it must end within
         BUDGET + OVERRUN seconds, exit 0, and report "stopped": "budget" with what did not run as skipped.
The time limits are generous for a loaded machine (ASan, ctest -j): what they catch is a stop that is not
honoured at all (the old behaviour: minutes).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (tools/check_clean_tree.sh)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_report_test import STAGES, check_shape, fail, load_reports, suite_properties, validate_junit  # noqa: E402

# SIGTERM/SIGINT to the summary: "within a second or two" (issue 14). The item in flight runs in a child
# process that is killed at once (the parent polls every 50 ms), so this is the parent's own reaction:
# 0.0-0.5 s measured under ASan in every stage; 3 s leaves room for a loaded 2-core machine.
STOP_SECONDS = 3
EXIT_SECONDS = 15  # to the exit: ASan's leak check at exit alone takes seconds after the Z3 stages
OVERRUN = 10       # the budget's stated overrun (`ptcheck help`)
SLACK = 3          # process start and exit on a loaded machine
REPLAY_COPIES = 200


def make_corpus(work, script, copies=1):
    root = os.path.join(work, "corpora")
    os.makedirs(os.path.join(root, "scenarios"))
    base = os.path.splitext(os.path.basename(script))[0]
    for k in range(copies):
        shutil.copy(script, os.path.join(root, "scenarios", "%s_%03d.ops" % (base, k)))
    return root


def report_args(work):
    return ["--json", os.path.join(work, "check.json"), "--junit", os.path.join(work, "check.xml")]


def check_unfinished(work, xsd, done):
    """The reports as written after the stages in `done`: whole, unfinished, the rest not run yet."""
    report, junit = load_reports(work, xsd)
    check_shape(report, junit)
    if report["stopped"] != "unfinished" or report["exit_status"] is not None:
        fail("the report between stages says stopped=%r exit_status=%r" % (report["stopped"], report["exit_status"]))
    for s in report["stages"]:
        if s["name"] not in done and (s["ran"] or not s["note"].startswith("not run yet")):
            fail("between stages: stage %s (not done yet) ran=%r note %r" % (s["name"], s["ran"], s["note"]))


def start(cmd):
    print("$ " + " ".join(cmd), flush=True)
    # SIGINT as a terminal would deliver it, even when this test was started in the background (which
    # leaves SIGINT ignored, and ptcheck then keeps ignoring it).
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_line(p, regex, out):
    pattern = re.compile(regex)
    for line in p.stdout:
        print(line, end="")
        out.append(line)
        if pattern.search(line):
            return
    p.wait()
    fail("check ended (status %d) before a line matched %r" % (p.returncode, regex))


def finish(p, out, limit, what, exit_limit=None):
    """Reads the rest of the output; fails if check's summary (its last line, "ptcheck check: ...") comes
    later than `limit` seconds after `what`, or the process ends later than `exit_limit`."""
    t0 = time.monotonic()
    summary_at = None
    # A run that does not stop at all is killed, so that the test fails rather than hangs.
    watchdog = threading.Timer((exit_limit or limit) + 60, p.kill)
    watchdog.start()
    for line in p.stdout:  # check flushes each progress line and the summary
        print(line, end="")
        out.append(line)
        if line.startswith("ptcheck check: ") and summary_at is None:
            summary_at = time.monotonic() - t0
    p.wait()
    watchdog.cancel()
    ended = time.monotonic() - t0
    print("check printed its summary %s and ended %.1fs after %s" %
          ("%.1fs" % summary_at if summary_at is not None else "never", ended, what), flush=True)
    if summary_at is None:
        fail("no summary line")
    if summary_at > limit:
        fail("the summary came %.1fs after %s, want at most %ds" % (summary_at, what, limit))
    if ended > (exit_limit or limit):
        fail("check ended %.1fs after %s, want at most %ds" % (ended, what, exit_limit or limit))
    return "".join(out)


def failed_items(report):
    return [f for s in report["stages"] for f in s["failures"]]


def check_stopped(work, xsd, rc, out, sig_name, stage):
    report, junit = load_reports(work, xsd)
    check_shape(report, junit)
    # The built-in table holds; a failure all the same (a Z3 obligation left unknown on a loaded machine)
    # makes it exit 1, as documented, and the rest must still hold.
    failures = failed_items(report)
    want_rc, want_result = (1, "FAIL") if failures else (128 + getattr(signal, sig_name), "STOPPED")
    if rc != want_rc:
        fail("exit status %d, want %d (stopped by %s; failures: %r)" % (rc, want_rc, sig_name, failures))
    if report["stopped"] != sig_name or report["result"] != want_result or report["exit_status"] != want_rc:
        fail("JSON stopped=%r result=%r exit_status=%r" % (report["stopped"], report["result"], report["exit_status"]))
    k = STAGES.index(stage)
    for i, s in enumerate(report["stages"]):
        if i < k and s["stopped"]:
            fail("stage %s, before %s, says it was cut short: %r" % (s["name"], stage, s))
        if i == k and (not s["ran"] or s["stopped"] != sig_name):
            fail("stage %s was under way when %s came: ran=%r stopped=%r" % (stage, sig_name, s["ran"], s["stopped"]))
        if i > k and (s["ran"] or s["note"] != "not run: the run was stopped (%s)" % sig_name):
            fail("stage %s after %s: ran=%r note %r" % (s["name"], stage, s["ran"], s["note"]))
    for suite in junit.findall("testsuite"):
        if suite_properties(suite).get("stopped") != sig_name:
            fail("JUnit suite %s lacks the property stopped=%s" % (suite.get("name"), sig_name))
        if suite.find("system-out") is None or "stopped by " + sig_name not in suite.find("system-out").text:
            fail("JUnit suite %s: no system-out saying the run was stopped" % suite.get("name"))
    for name in STAGES[k + 1:]:
        case = junit.find("testsuite[@name='%s']/testcase/skipped" % name)
        if case is None or sig_name not in case.get("message"):
            fail("JUnit suite %s: no skipped testcase naming %s" % (name, sig_name))
    if "stopped by %s" % sig_name not in out or "first failure (and how to replay it)" not in out:
        fail("no summary saying the run was stopped by %s" % sig_name)


# A stand-in for a libFuzzer binary: prints a libFuzzer-like line, ignores SIGTERM (as a fuzzer stuck in a
# target might) and leaves a child of its own; both write their pids so that the test can see them gone.
FAKE_FUZZER = """#!/bin/sh
trap '' TERM
echo $$ >> "%(pids)s"
sleep 1000 &
echo $! >> "%(pids)s"
echo "#2	INITED cov: 10 ft: 10 corp: 1/1b exec/s: 0 rss: 30Mb"
while :; do sleep 1; done
"""


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for this purpose (its parent, not ptcheck, reaps it).
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def main():
    mode = sys.argv[1]
    if mode in ("signal", "fuzz-signal"):
        sig_name = "SIG" + sys.argv[2]
        ptcheck, work, xsd, script = sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        if mode == "signal":
            stage, after, extra = sys.argv[7], sys.argv[8], sys.argv[9:]
        else:
            stage, after = "fuzz", r"^ptcheck fuzz: fuzz_ops for"
            fuzzers = os.path.join(work, "fuzzers")
            os.makedirs(fuzzers)
            pids = os.path.join(work, "fuzzer.pids")
            for name in ["fuzz_ops", "fuzz_bitmap", "fuzz_script"]:
                path = os.path.join(fuzzers, name)
                with open(path, "w") as f:
                    f.write(FAKE_FUZZER % {"pids": pids})
                os.chmod(path, 0o755)
            extra = ["--fuzzers", fuzzers] + sys.argv[7:]
        root = make_corpus(work, script, REPLAY_COPIES if stage == "replay" else 1)
        p = start([ptcheck, "check", "--corpora", root] + report_args(work) + extra)
        out = []
        wait_for_line(p, after, out)
        if mode == "fuzz-signal":
            deadline = time.monotonic() + 30  # the stand-in has started when its pids are written
            while not (os.path.exists(pids) and len(open(pids).read().split()) >= 2):
                if time.monotonic() > deadline:
                    fail("the stand-in fuzzer did not start")
                time.sleep(0.1)
        if stage != "replay":  # the first reports are written when the replay is done
            check_unfinished(work, xsd, STAGES[:STAGES.index(stage)])
        p.send_signal(getattr(signal, sig_name))
        text = finish(p, out, STOP_SECONDS, sig_name, EXIT_SECONDS)
        check_stopped(work, xsd, p.returncode, text, sig_name, stage)
        if mode == "fuzz-signal":
            left = [pid for pid in map(int, open(pids).read().split()) if alive(pid)]
            if left:
                for pid in left:
                    os.kill(pid, signal.SIGKILL)
                fail("processes of the stopped fuzzer still running: %r" % left)
    elif mode == "budget":
        ptcheck, work, xsd, script, budget = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        root = make_corpus(work, script)
        p = start([ptcheck, "check", "--corpora", root, "--budget", str(budget)] + report_args(work) + sys.argv[7:])
        out = []
        text = finish(p, out, budget + OVERRUN + SLACK, "it started", budget + OVERRUN + SLACK + EXIT_SECONDS)
        report, junit = load_reports(work, xsd)
        check_shape(report, junit)
        want_rc, want_result = (1, "FAIL") if failed_items(report) else (0, "PASS")  # as in check_stopped
        if p.returncode != want_rc:
            fail("exit status %d, want %d (the budget ended the run)" % (p.returncode, want_rc))
        if report["stopped"] != "budget" or report["result"] != want_result:
            fail("JSON stopped=%r result=%r, want budget / %s" % (report["stopped"], report["result"], want_result))
        cut = [s["name"] for s in report["stages"] if s["stopped"] == "budget"]
        not_run = [s["name"] for s in report["stages"] if s["note"] == "not run: the budget was spent"]
        if not cut and not not_run:
            fail("no stage says the budget cut it short or kept it from running")
        for s in report["stages"]:
            if s["stopped"] == "budget" and not any(k["reason"] == "not run: the budget was spent" for k in s["skips"]):
                fail("stage %s was cut short but lists nothing it did not run" % s["name"])
        if "the budget ran out" not in text:
            fail("the summary does not say the budget ran out")
    else:
        fail("unknown mode " + mode)
    print("ok: %s, both reports whole and saying so" % mode)


if __name__ == "__main__":
    main()
