#!/usr/bin/env python3
"""`ptcheck check --json/--junit` on a green and on a red run: the exit status, and both reports
well-formed and complete (every stage, every item, the failure's signature and replay command).

usage: check_report_test.py green PTCHECK WORKDIR JUNIT_XSD [CHECK ARGS...]
       check_report_test.py red PTCHECK WORKDIR JUNIT_XSD BROKEN_LIB SCRIPT.ops ORACLE [CHECK ARGS...]
       check_report_test.py vacuous PTCHECK WORKDIR JUNIT_XSD LIB [CHECK ARGS...]
The JUnit report is validated against JUNIT_XSD (tools/ptcheck/junit.xsd) with xmllint (Debian package
libxml2-utils, which tools/install-deps.sh installs; without it the test fails).
The red run replays only SCRIPT.ops (a corpora root made under WORKDIR) against BROKEN_LIB, which
must fail it with ORACLE. The vacuous run (no corpus) checks LIB, whose split always returns -EOPNOTSUPP:
the prove stage reports the split obligations at bbml 1 and 2 that presume a split that succeeds as skipped
test cases ("vacuous: ..."), never as passes, and final-state, which judges the return value, as failures.
"""
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

STAGES = ["replay", "fail-sweep", "prove", "properties", "fuzz", "stress"]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(cmd):
    print("$ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(p.stdout)
    return p.returncode, p.stdout


def validate_junit(xml_path, xsd):
    xmllint = shutil.which("xmllint")
    if not xmllint:
        fail("xmllint not found: install libxml2-utils (tools/install-deps.sh) to validate the JUnit report")
    p = subprocess.run([xmllint, "--noout", "--schema", xsd, xml_path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        fail("%s does not validate against %s:\n%s" % (xml_path, xsd, p.stdout))


def load_reports(work, xsd):
    with open(os.path.join(work, "check.json"), encoding="utf-8") as f:
        report = json.load(f)  # raises on malformed JSON
    junit = ET.parse(os.path.join(work, "check.xml")).getroot()  # raises on malformed XML
    validate_junit(os.path.join(work, "check.xml"), xsd)
    leftovers = [n for n in os.listdir(work) if ".tmp-" in n]
    if leftovers:
        fail("temporary report files left behind: %r" % leftovers)
    return report, junit


def suite_properties(suite):
    return {p.get("name"): p.get("value") for p in suite.findall("properties/property")}


def check_shape(report, junit):
    for key in ["target", "target_path", "budget", "seconds", "result", "exit_status", "stopped", "stages"]:
        if key not in report:
            fail("JSON lacks %r" % key)
    names = [s["name"] for s in report["stages"]]
    if names != STAGES:
        fail("JSON stages %r, want %r" % (names, STAGES))
    for s in report["stages"]:
        for key in ["name", "result", "ran", "stopped", "items", "seconds", "failures", "note"]:
            if key not in s:
                fail("stage %s lacks %r" % (s.get("name"), key))
        if s["result"] not in ("PASS", "FAIL", "SKIP"):
            fail("stage %s result %r" % (s["name"], s["result"]))
        if not s["ran"] and (s["result"] != "SKIP" or s["items"] or not s["note"]):
            fail("stage %s did not run but says %r" % (s["name"], s))
        if s["stopped"] and not report["stopped"]:
            fail("stage %s stopped (%s) in a run that did not" % (s["name"], s["stopped"]))
        if (s["result"] == "FAIL") != bool(s["failures"]):
            fail("stage %s is %s with %d failures" % (s["name"], s["result"], len(s["failures"])))
        for f in s["failures"]:
            if not f.get("signature") or not f.get("replay"):
                fail("stage %s: a failure without signature or replay: %r" % (s["name"], f))
    if junit.tag != "testsuites":
        fail("JUnit root is <%s>" % junit.tag)
    suites = junit.findall("testsuite")
    if [t.get("name") for t in suites] != STAGES:
        fail("JUnit suites %r" % [t.get("name") for t in suites])
    total = 0
    for suite, stage in zip(suites, report["stages"]):
        props = suite_properties(suite)
        if props.get("ran") != ("true" if stage["ran"] else "false"):
            fail("suite %s: property ran=%r, JSON ran=%r" % (stage["name"], props.get("ran"), stage["ran"]))
        if props.get("stopped", "") != report["stopped"]:
            fail("suite %s: property stopped=%r, JSON %r" % (stage["name"], props.get("stopped"), report["stopped"]))
        cases = suite.findall("testcase")
        want = stage["items"] if stage["items"] else 1  # a stage that did not run: one skipped case
        if len(cases) != want or int(suite.get("tests")) != want:
            fail("suite %s has %d testcases (tests=%s), JSON says %d items" % (stage["name"], len(cases),
                                                                              suite.get("tests"), stage["items"]))
        failures = [c for c in cases if c.find("failure") is not None]
        if len(failures) != int(suite.get("failures")) or len(failures) != len(stage["failures"]):
            fail("suite %s: %d <failure>s, failures=%s, JSON %d" % (stage["name"], len(failures), suite.get("failures"),
                                                                    len(stage["failures"])))
        for c, f in zip(failures, stage["failures"]):
            el = c.find("failure")
            if el.get("message") != f["signature"]:
                fail("JUnit failure message %r != JSON signature %r" % (el.get("message"), f["signature"]))
            if f["replay"] not in (el.text or ""):
                fail("JUnit failure body lacks the replay command %r" % f["replay"])
            if c.get("name") != f["name"]:
                fail("JUnit testcase %r != JSON failure %r" % (c.get("name"), f["name"]))
        for c in cases:
            if not c.get("name") or c.get("time") is None:
                fail("a testcase without name or time in %s" % stage["name"])
        total += len(cases)
    if int(junit.get("tests")) != total:
        fail("testsuites tests=%s, %d testcases" % (junit.get("tests"), total))


def main():
    mode, ptcheck, work, xsd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    reports = ["--json", os.path.join(work, "check.json"), "--junit", os.path.join(work, "check.xml")]
    if mode == "green":
        rc, out = run([ptcheck, "check"] + reports + sys.argv[5:])
        if rc != 0:
            fail("a green run exited %d" % rc)
        report, junit = load_reports(work, xsd)
        check_shape(report, junit)
        if report["result"] != "PASS" or report["exit_status"] != 0:
            fail("JSON result %r / %r on a green run" % (report["result"], report["exit_status"]))
        replay = report["stages"][0]
        if replay["result"] != "PASS" or replay["items"] < 10:
            fail("replay stage %r" % replay)
        if "first failure (and how to replay it)" not in out:
            fail("no summary table printed")
        for s in STAGES:
            if "== %s" % s not in out:
                fail("no progress line for stage %s" % s)
        if junit.findall(".//failure"):
            fail("<failure> in a green run")
    elif mode == "red":
        broken, script, oracle = sys.argv[5], sys.argv[6], sys.argv[7]
        root = os.path.join(work, "corpora")
        os.makedirs(os.path.join(root, "scenarios"))
        shutil.copy(script, os.path.join(root, "scenarios"))
        rc, out = run([ptcheck, "check", "--target", broken, "--corpora", root] + reports + sys.argv[8:])
        if rc != 1:
            fail("a red run exited %d, want 1" % rc)
        report, junit = load_reports(work, xsd)
        check_shape(report, junit)
        if report["result"] != "FAIL" or report["exit_status"] != 1 or report["target_path"] != broken:
            fail("JSON result %r / %r / %r" % (report["result"], report["exit_status"], report["target_path"]))
        replay = report["stages"][0]
        if replay["result"] != "FAIL" or len(replay["failures"]) != 1:
            fail("replay stage %r" % replay)
        f = replay["failures"][0]
        if not f["signature"].startswith(oracle + ":"):
            fail("signature %r, want %s:..." % (f["signature"], oracle))
        if f["replay"] != "ptcheck run %s --target %s" % (os.path.join(root, "scenarios", os.path.basename(script)), broken):
            fail("replay %r" % f["replay"])
        if f["signature"] not in out:
            fail("the summary table lacks the signature")
    elif mode == "vacuous":
        lib = sys.argv[5]
        root = os.path.join(work, "corpora")
        os.makedirs(os.path.join(root, "scenarios"))
        rc, out = run([ptcheck, "check", "--target", lib, "--corpora", root] + reports + sys.argv[6:])
        if rc != 1:
            fail("the run exited %d, want 1 (split.bbml1.final-state refuted)" % rc)
        report, junit = load_reports(work, xsd)
        check_shape(report, junit)
        prove = report["stages"][STAGES.index("prove")]
        vacuous = ["split.bbml1.no-tlb-conflict", "split.bbml1.no-fault-same-output", "split.bbml1.no-lost-dirty",
                   "split.bbml2.no-fault-same-output", "split.bbml2.no-lost-dirty"]
        skips = {s["name"]: s["reason"] for s in prove["skips"]}
        if sorted(skips) != sorted(vacuous) or prove["skipped"] != len(vacuous):
            fail("prove skips %r, want %r" % (skips, vacuous))
        for name, reason in skips.items():
            if not reason.startswith("vacuous: split returned -EOPNOTSUPP and changed nothing"):
                fail("%s: reason %r" % (name, reason))
        if sorted(f["name"] for f in prove["failures"]) != ["split.bbml1.final-state", "split.bbml2.final-state"]:
            fail("prove failures %r" % prove["failures"])
        cases = {c.get("name"): c for c in junit.find("testsuite[@name='prove']").findall("testcase")}
        for name in vacuous:
            el = cases[name].find("skipped")
            if el is None or el.get("message") != skips[name]:
                fail("JUnit %s is not a skipped case with the reason" % name)
            if "proved   " + name in out:
                fail(name + " printed as proved")
            if "vacuous  " + name not in out:
                fail(name + " not printed as vacuous")
    else:
        fail("unknown mode " + mode)
    print("ok: %s run, JSON and JUnit well-formed and complete" % mode)


if __name__ == "__main__":
    main()
