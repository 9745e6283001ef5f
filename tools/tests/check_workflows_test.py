#!/usr/bin/env python3
"""ctest ci/action_validator_rejects: tools/check_workflows.py --action-validator on the broken workflow
fixture (tools/tests/workflows/broken.yml) exits 2 with one FILE:LINE line for each of its defects.
Usage: check_workflows_test.py CHECK_WORKFLOWS ACTION_VALIDATOR FIXTURE"""
import subprocess
import sys

check, validator, fixture = sys.argv[1:4]
r = subprocess.run([sys.executable, check, "--action-validator", validator, "--files", fixture],
                   capture_output=True, text=True, timeout=300)
print(r.stdout + r.stderr)
# The fixture's defects: the line each is on, and the JSON pointer action-validator names.
expected = [(6, "/on: Additional property 'pull_reqest' is not allowed"),
            (7, "/permissions: "),
            (11, "/jobs/build/timeout-minutes: "),
            (13, "/jobs/build/steps/0: ")]
missing = [f"{fixture}:{line}: action-validator: {what}" for line, what in expected
           if f"{fixture}:{line}: action-validator: {what}" not in r.stdout]
if r.returncode != 2 or missing:
    print(f"FAIL: exit {r.returncode} (want 2); missing lines: {missing}")
    sys.exit(1)
print("ok: the broken workflow is rejected, each defect on its line")
