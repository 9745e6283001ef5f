#!/usr/bin/env python3
"""Parses the GitHub Actions workflows and the YAML blocks of docs/ci.md (ctest ci/workflows).

Each must be valid YAML with what GitHub needs to run it: triggers (`on`), and jobs that each have
`runs-on` and a non-empty list of `steps`, every step a `uses` or a `run`. Bad input gets one line,
FILE:LINE: what is wrong, and exit status 2; exit 0 when all hold.
Usage: check_workflows.py REPO_ROOT
"""
import pathlib
import re
import sys

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


def check(path, line, text):
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
    return not found


def main():
    if len(sys.argv) != 2:
        print("check_workflows: usage: check_workflows.py REPO_ROOT")
        return 2
    root = pathlib.Path(sys.argv[1])
    ok, count = True, 0
    for wf in sorted((root / ".github" / "workflows").glob("*.yml")):
        ok &= check(wf, 1, wf.read_text())
        count += 1
    ci = root / "docs" / "ci.md"
    text = ci.read_text()
    for m in re.finditer(r"^```yaml\n(.*?)^```", text, re.S | re.M):
        ok &= check(ci, text.count("\n", 0, m.start()) + 2, m.group(1))
        count += 1
    if count < 2:
        print(f"{root}:0: found {count} workflow(s); expected .github/workflows/*.yml and docs/ci.md's template")
        return 2
    print(f"check_workflows: {count} workflow(s) {'parse and have triggers, jobs, runners and steps' if ok else 'have errors'}")
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
