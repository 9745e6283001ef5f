#!/usr/bin/env python3
"""Every line ptcheck prints as the way to reproduce a failure is run, and must give the same failure.

usage: replay_lines_test.py CASE PTCHECK BROKEN_DIR SOURCE_DIR WORK_DIR [BUILD_DIR]

CASE is one of: run, explain, prove, properties, stress, check, readme. Each case makes ptcheck fail
on a deliberately broken target (BROKEN_DIR/libptc_broken_<bug>.so), takes the reproduction line(s)
from its output exactly as printed ("replay: ...", "reproduce this case: ...", "save as FILE.ops, then
ptcheck run FILE.ops ..." with the script that follows), runs them in a shell in which `ptcheck` is the
binary under test, and checks the same oracle (or property) fails again. `readme` runs the README's
headline failure example with the build the README builds, the README's build/release/ paths pointing
at BUILD_DIR.
"""
import json
import os
import re
import subprocess
import sys

CASE, PTCHECK, BROKEN, SRC, WORK = sys.argv[1:6]
BUILD = sys.argv[6] if len(sys.argv) > 6 else ""
os.makedirs(WORK, exist_ok=True)
BIN = os.path.join(WORK, "bin")
os.makedirs(BIN, exist_ok=True)
LINK = os.path.join(BIN, "ptcheck")
if os.path.lexists(LINK):
    os.remove(LINK)
os.symlink(os.path.abspath(PTCHECK), LINK)
ENV = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
ENV.pop("RC_PARAMS", None)


def broken(bug):
    return os.path.join(BROKEN, "libptc_broken_%s.so" % bug)


def ptcheck(*args, timeout=600):
    p = subprocess.run([PTCHECK, *args], cwd=SRC, env=ENV, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def shell(line, timeout=600):
    print("running the printed line: " + line, flush=True)
    p = subprocess.run(["bash", "-c", line], cwd=SRC, env=ENV, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def fail(msg, out=""):
    print("FAIL: " + msg)
    if out:
        print(out[-6000:])
    sys.exit(1)


def signature_of(out):
    m = re.search(r"signature: (\S+)", out) or re.search(r"fails with (\S+)", out)
    return m.group(1) if m else None


def lines_after(out, prefix):
    return [l.strip()[len(prefix):].strip() for l in out.splitlines() if l.strip().startswith(prefix)]


def saved_script_line(out, indent_of_script):
    """The `save as FILE.ops, then ptcheck run FILE.ops ARGS` line and the script lines after it."""
    lines = out.splitlines()
    for i, l in enumerate(lines):
        m = re.search(r"save as FILE\.ops, then (ptcheck run FILE\.ops.*)$", l)
        if not m:
            continue
        script = []
        for s in lines[i + 1:]:
            if indent_of_script is not None and not s.startswith(indent_of_script):
                break
            script.append(s[len(indent_of_script):] if indent_of_script else s)
        return m.group(1), "\n".join(script) + "\n"
    return None, None


def expect_same_failure(rc, out, oracle, what):
    if rc != 1 or ("FAIL " + oracle) not in out and (oracle + ":") not in out:
        fail("%s did not fail with %s again (exit %d)" % (what, oracle, rc), out)
    print("ok: %s fails with %s again" % (what, oracle))


def case_run():
    rc, out = ptcheck("run", "corpora/oracles/split_plain_write.ops", "--target", broken("split_plain_write"))
    sig = signature_of(out)
    lines = lines_after(out, "replay:")
    if rc != 1 or not sig or not lines:
        fail("run did not fail with a signature and a replay line", out)
    rc2, out2 = shell(lines[0])
    if signature_of(out2) != sig:
        fail("the replay line gave %s, not %s" % (signature_of(out2), sig), out2)
    print("ok: run's replay line gives %s again" % sig)


def case_explain():
    rc, out = ptcheck("explain", "--minimize", "corpora/oracles/split_plain_write.ops", "--target",
                      broken("split_plain_write"))
    line, script = saved_script_line(out, "")
    sig = signature_of(out)
    if rc != 0 or not line or not sig:
        fail("explain --minimize printed no replay line", out)
    path = os.path.join(WORK, "minimized.ops")
    with open(path, "w") as f:
        f.write(out)  # the whole output is the script: its header lines are comments
    rc2, out2 = shell(line.replace("FILE.ops", path))
    if signature_of(out2) != sig:
        fail("the minimized script gave %s, not %s" % (signature_of(out2), sig), out2)
    print("ok: explain's saved script gives %s again" % sig)


def case_prove():
    rc, out = ptcheck("prove", "--target", broken("split_plain_write"), "--only", "split.bbml1.no-lost-dirty")
    if rc != 1 or "REFUTED" not in out:
        fail("prove did not refute split.bbml1.no-lost-dirty on the broken split", out)
    m = re.search(r"^(\s*)reproduce: save as FILE\.ops, then (ptcheck run FILE\.ops.*)$", out, re.M)
    if not m:
        fail("prove printed no reproduce line", out)
    line, script = saved_script_line(out, m.group(1) + "  ")
    path = os.path.join(WORK, "refuted.ops")
    with open(path, "w") as f:
        f.write(script)
    rc2, out2 = shell(line.replace("FILE.ops", path))
    expect_same_failure(rc2, out2, "lost-dirty", "prove's counterexample script")


def case_properties():
    rc, out = ptcheck("properties", "--target", broken("dirty_never_clears"), "--cases", "30", "--only",
                      "clearing_read_twice_records_nothing")
    lines = lines_after(out, "reproduce this case:")
    if rc != 1 or not lines:
        fail("properties printed no reproduce line for its failure", out)
    if "RC_PARAMS=\"reproduce=" not in lines[0]:
        fail("the reproduce line has no RapidCheck reproduce string: " + lines[0], out)
    rc2, out2 = shell(lines[0])
    if rc2 != 1 or "FAIL clearing_read_twice_records_nothing" not in out2:
        fail("the reproduce line did not fail the same property", out2)
    # RapidCheck ran the one case it was given (not a new search from the seed).
    if not re.search(r"Falsifiable after 1 tests", out2):
        fail("the reproduce line searched again instead of running the case it names", out2)
    print("ok: properties' reproduce line runs the failing case directly")


def case_stress():
    out_dir = os.path.join(WORK, "stress-out")
    rc, out = ptcheck("stress", "--target", broken("free_before_sync"), "--seed", "1", "--time", "60", "--out", out_dir)
    lines = [l for l in lines_after(out, "replay:") if l.startswith("ptcheck run ")]
    if rc != 1 or not lines:
        fail("stress found the freed table but printed no `ptcheck run` replay line", out)
    rc2, out2 = shell(lines[0])
    expect_same_failure(rc2, out2, "table-use-after-free", "stress's replay line")


def case_check():
    js = os.path.join(WORK, "check.json")
    rc, out = ptcheck("check", "--target", broken("dirty_never_clears"), "--budget", "60", "--time", "0", "--cases", "0",
                      "--json", js)
    if rc != 1:
        fail("check passed on a table whose clearing reads never clear", out)
    with open(js) as f:
        report = json.load(f)
    replays = []
    for stage in report.get("stages", []):
        for item in stage.get("failures") or []:
            if item.get("replay"):
                replays.append((item["replay"], item.get("signature", "")))
    if not replays:
        fail("check's report has failures but no replay line", out)
    seen = set()
    for line, sig in replays[:6]:
        if line in seen:
            continue
        seen.add(line)
        rc2, out2 = shell(line)
        if rc2 != 1:
            fail("check's replay line `%s` (for %s) did not fail again" % (line, sig), out2)
        print("ok: check's replay line fails again: " + line)


def case_readme():
    with open(os.path.join(SRC, "README.md")) as f:
        readme = f.read()
    quick = readme[readme.index("## Quick start"):]
    built = re.search(r"cmake --build --preset (\w+)", quick).group(1)
    m = re.search(r"^\$ (ptcheck run .*)$\n(.*)$", quick, re.M)
    if not m:
        fail("the README has no `$ ptcheck run` failure example")
    command, first_line = m.group(1), m.group(2)
    # The example's paths are those of the build the quick start builds.
    for path in re.findall(r"build/(\w+)/", command):
        if path != built:
            fail("the README's failure example uses build/%s/, but its quick start builds the %s preset" % (path, built))
    rc, out = shell(command.replace("build/%s/" % built, BUILD.rstrip("/") + "/"))
    if rc != 1 or out.splitlines()[0] != first_line:
        fail("the README's example printed %r, the README shows %r" % (out.splitlines()[:1], first_line), out)
    replay = re.search(r"^\s*replay: (ptcheck .*)$", quick, re.M).group(1)
    rc2, out2 = shell(replay.replace("build/%s/" % built, BUILD.rstrip("/") + "/"))
    if rc2 != 1 or out2.splitlines()[0] != first_line:
        fail("the README's replay line does not give the same failure", out2)
    print("ok: the README's failure example and its replay line, with the %s build's paths" % built)


{"run": case_run, "explain": case_explain, "prove": case_prove, "properties": case_properties,
 "stress": case_stress, "check": case_check, "readme": case_readme}[CASE]()
