#!/usr/bin/env python3
"""Checks the GitHub Actions workflows: the repository's (.github/workflows), the template projects'
(examples/*/.github/workflows) and the YAML blocks of docs/ci.md (ctest ci/workflows, ci/action_validator).

Each must be valid YAML with what GitHub needs to run it: triggers (`on`), and jobs that each have
`runs-on` and a non-empty list of `steps`, every step a `uses` or a `run`. With --action-validator, each
is also validated by action-validator (npm's @action-validator/cli: GitHub's workflow schema; every key,
trigger and value type). Bad input gets one line per problem, FILE:LINE: what is wrong, and exit status 2;
exit 0 when all hold.
Usage: check_workflows.py [--action-validator PROGRAM] REPO_ROOT
       check_workflows.py [--action-validator PROGRAM] --files WORKFLOW.yml...
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml


def problems(doc):
    if not isinstance(doc, dict):
        return ["not a mapping"]
    out = []
    # YAML 1.1 reads the key `on` as the boolean true.
    if "on" not in doc and True not in doc:
        out.append("no `on:` triggers")
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        return out + ["no jobs"]
    for name, job in jobs.items():
        if not isinstance(job, dict):
            out.append(f"job {name} is not a mapping")
            continue
        if "runs-on" not in job:
            out.append(f"job {name} has no runs-on")
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            out.append(f"job {name} has no steps")
            continue
        for i, step in enumerate(steps):
            if not isinstance(step, dict) or not ("uses" in step or "run" in step):
                out.append(f"job {name} step {i + 1} has neither uses nor run")
    return out


def line_of(text, pointer):
    """The 0-based line of a JSON pointer (/jobs/build/steps/0) in the YAML text: of the deepest key found."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return 0
    line = 0
    for part in [p for p in pointer.split("/") if p]:
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if k.value == part), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line, hit[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line
        else:
            break
    return line


def leaf_errors(errors):
    """action-validator's errors, flattened. A oneOf error nests one state per alternative; only the
    alternative the value was meant as is followed: not one whose type the value does not have, and of
    the rest the one whose errors reach deepest into the value."""
    for e in errors:
        states = [s.get("errors", []) for s in e.get("states", [])]
        states = [s for s in states if s]
        if not states:
            yield e
            continue
        typed = [s for s in states if not any(x.get("code") == "wrong_type" and x.get("path") == e.get("path") for x in s)]
        depth = lambda s: max(x.get("path", "").count("/") for x in s)
        yield from leaf_errors(max(typed or states, key=depth))


def validate(validator, path, line, text):
    """action-validator on the text (written to a file of its own when it is a block of a document)."""
    with tempfile.TemporaryDirectory() as tmp:
        wf = pathlib.Path(tmp) / "workflow.yml"
        wf.write_text(text)
        try:
            r = subprocess.run([validator, str(wf)], capture_output=True, text=True, timeout=120)
        except FileNotFoundError:
            print(f"{path}:{line}: action-validator not found ({validator}): npm install -g "
                  "@action-validator/cli@0.6.0 (tools/install-deps.sh installs it)")
            return False
    if r.returncode == 0:
        return True
    try:
        found = json.loads(r.stderr[r.stderr.index("{"):])["errors"]
    except (ValueError, KeyError):
        out = " ".join((r.stdout + r.stderr).split())[:300]
        print(f"{path}:{line}: action-validator exited {r.returncode}: {out}")
        return False
    seen = set()
    for e in leaf_errors(found):
        what = e.get("detail") or e.get("title") or e.get("code")
        key = (e.get("path", ""), what)
        if key in seen:
            continue
        seen.add(key)
        # The line of the offending key itself, for a key the schema does not allow.
        pointer = e.get("path", "")
        extra = re.match(r"Additional property '(.*)' is not allowed", what)
        where = line_of(text, pointer + "/" + extra.group(1) if extra else pointer)
        print(f"{path}:{line + where}: action-validator: {pointer or '/'}: {what}")
    return False


def check(path, line, text, validator):
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = line + (mark.line if mark else 0)
        print(f"{path}:{where}: invalid YAML: {getattr(e, 'problem', e)}")
        return False
    found = problems(doc)
    for p in found:
        print(f"{path}:{line}: {p}")
    ok = not found
    if validator:
        ok &= validate(validator, path, line, text)
    return ok


def workflows(root):
    """(path, first line, text) of every workflow of the repository root."""
    files = sorted((root / ".github" / "workflows").glob("*.yml"))
    files += sorted(root.glob("examples/*/.github/workflows/*.yml"))
    for wf in files:
        yield wf, 1, wf.read_text()
    ci = root / "docs" / "ci.md"
    text = ci.read_text()
    for m in re.finditer(r"^```yaml\n(.*?)^```", text, re.S | re.M):
        yield ci, text.count("\n", 0, m.start()) + 2, m.group(1)


def main():
    args = sys.argv[1:]
    validator = None
    if args[:1] == ["--action-validator"] and len(args) >= 2:
        validator, args = args[1], args[2:]
    if args[:1] == ["--files"] and len(args) >= 2:
        found = [(pathlib.Path(f), 1, pathlib.Path(f).read_text()) for f in args[1:]]
    elif len(args) == 1:
        root = pathlib.Path(args[0])
        found = list(workflows(root))
        if len(found) < 2:
            print(f"{root}:0: found {len(found)} workflow(s); expected .github/workflows/*.yml and docs/ci.md's template")
            return 2
    else:
        print("check_workflows: usage: check_workflows.py [--action-validator PROGRAM] REPO_ROOT | --files FILE...")
        return 2
    ok = True
    for path, line, text in found:
        ok &= check(path, line, text, validator)
    what = "parse and have triggers, jobs, runners and steps" + (", and action-validator accepts them" if validator else "")
    print(f"check_workflows: {len(found)} workflow(s) {what if ok else 'have errors'}")
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
