#!/usr/bin/env python3
"""Checks, in a built fuzzer or target module, which code carries the sanitizers and libFuzzer's coverage.

The fuzz build instruments what is checked, not the checker (docs/fuzzing.md, "What is instrumented"): the
code under test has ASan's shadow checks and coverage counters, the harness neither. A flag lost in CMake,
or a header template of the table instantiated in harness code (the linker keeps one copy of each), would
go unnoticed: the fuzzer still runs, only slower or blind. This reads the machine code (x86-64, objdump)
and fails with one line per wrong function.

  fuzz_split_test.py BINARY --checked REGEX [--harness REGEX] [--harness-instrumented]

  --checked REGEX         demangled names of the code under test: there must be such functions, every one
                          with coverage, and ASan checks in them
  --harness REGEX         demangled names of harness functions: there must be such functions, and none may
                          have coverage, ASan checks or sanitizer calls
  --harness-instrumented  the opposite for --harness (fuzz_ops_sanitized: every harness function has
                          coverage), which also shows this check sees instrumentation where it is
"""
import argparse
import re
import subprocess
import sys

# ASan's inline check: the x86-64 shadow offset in a compare; or a call into a sanitizer runtime.
ASAN = re.compile(r"0x7fff8000\(|<__asan_")
SANITIZER_CALL = re.compile(r"<__(asan|ubsan|sanitizer_cov)_")
FUNCTION = re.compile(r"^([0-9a-f]+) <(.*)>:$")
RIP_TARGET = re.compile(r"# ([0-9a-f]+) <")


def counter_section(binary):
    """The address range of the inline 8-bit coverage counters (section __sancov_cntrs), or None."""
    out = subprocess.run(["objdump", "-h", binary], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[1] == "__sancov_cntrs":
            start, size = int(fields[3], 16), int(fields[2], 16)
            return start, start + size
    return None


def functions(binary):
    """{demangled name: [instruction lines]} of every function in BINARY's code."""
    out = subprocess.run(["objdump", "-d", "-C", "--no-show-raw-insn", binary], check=True, capture_output=True,
                         text=True).stdout
    result = {}
    current = None
    for line in out.splitlines():
        m = FUNCTION.match(line)
        if m:
            current = result.setdefault(m.group(2), [])
        elif current is not None and line.startswith(" "):
            current.append(line)
    return result


def traits(lines, counters):
    """(coverage, asan, sanitizer_call) of one function's instructions."""
    coverage = asan = call = False
    for line in lines:
        if "__sancov_lowest_stack" in line or "<__sanitizer_cov_" in line:
            coverage = True
        elif counters:
            m = RIP_TARGET.search(line)
            if m and counters[0] <= int(m.group(1), 16) < counters[1]:
                coverage = True
        if ASAN.search(line):
            asan = True
        if SANITIZER_CALL.search(line):
            call = True
    return coverage, asan, call


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--checked", required=True)
    ap.add_argument("--harness")
    ap.add_argument("--harness-instrumented", action="store_true")
    args = ap.parse_args()

    counters = counter_section(args.binary)
    funcs = functions(args.binary)
    errors = []
    checked = {n: traits(code, counters) for n, code in funcs.items() if re.search(args.checked, n)}
    if not checked:
        errors.append(f"no function matches --checked {args.checked!r}")
    for name, (coverage, _, _) in sorted(checked.items()):
        if not coverage:
            errors.append(f"code under test without coverage: {name}")
    if checked and not any(asan for _, asan, _ in checked.values()):
        errors.append(f"no ASan check in any of the {len(checked)} functions of the code under test")
    harness_count = 0
    if args.harness:
        harness = {n: traits(code, counters) for n, code in funcs.items()
                   if re.search(args.harness, n) and not re.search(args.checked, n)}
        harness_count = len(harness)
        if not harness:
            errors.append(f"no function matches --harness {args.harness!r}")
        for name, (coverage, asan, call) in sorted(harness.items()):
            if args.harness_instrumented:
                if not coverage:
                    errors.append(f"harness function without coverage in the sanitized build: {name}")
            elif coverage or asan or call:
                what = ", ".join(w for w, on in (("coverage", coverage), ("ASan checks", asan),
                                                 ("sanitizer calls", call)) if on)
                errors.append(f"harness function instrumented ({what}): {name}")
    for e in errors:
        print(f"{args.binary}: {e}", file=sys.stderr)
    if errors:
        return 1
    print(f"{args.binary}: {len(checked)} functions under test instrumented; {harness_count} harness functions "
          f"{'instrumented' if args.harness_instrumented else 'clean'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
