#!/usr/bin/env python3
"""`ptcheck fuzz` runs share nothing and write nothing they were not asked to (issue 16).

  fuzz_runs_test.py concurrent PTCHECK FUZZ_OPS SOURCE_DIR WORKDIR LIB_A ORACLE_A LIB_B ORACLE_B
      two runs at once, each against its own broken target, each seeded with that bug's oracle script (through
      --corpora, which they only read). A wrapper around the real fuzz_ops holds each fuzzer's exit until both
      have written their crash, so the runs overlap every time: each must report exactly one crash, its own
      (its reproducer fails with its own target's signature), and no run may see the other's.
  fuzz_runs_test.py untouched PTCHECK SOURCE_DIR WORKDIR LIB
      a run that finds a crash (the default seeds include the oracle scripts) leaves SOURCE_DIR/corpora, the
      committed seed folders included, byte for byte as it was; the reproducer is in the run's own folder.
  fuzz_runs_test.py save PTCHECK SOURCE_DIR WORKDIR LIB ORACLE
      --save-regressions DIR gets a copy of the minimized reproducer, and `ptcheck run` of it fails again.
  fuzz_runs_test.py flags PTCHECK SOURCE_DIR WORKDIR
      flags after `--` reach libFuzzer (-max_len=8: its own DONE line says `lim: 8`), --verbose streams
      libFuzzer's output, and the fuzzer's .options file is honoured (libFuzzer never says -max_len is not
      provided).
  fuzz_runs_test.py installed PTCHECK WORKDIR SCRIPT.ops
      PTCHECK copied into a prefix laid out as `cmake --install` lays it out (PREFIX/bin/ptcheck,
      PREFIX/share/ptcheck/corpora), with no fuzzers: `check`'s fuzz stage is skipped with a hint that names
      the fuzz preset and --fuzzers, never a folder of the prefix, and the summary names the stages that held
      and those skipped instead of saying every oracle holds.
  fuzz_runs_test.py status PTCHECK WORKDIR
      stand-in fuzzers that exit 77 or are killed by SIGKILL without a crash: the run fails and says so in
      words, never as a raw wait status.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def write_exe(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)


def tree_digest(root):
    """Every file under root with the hash of its bytes."""
    out = {}
    for d, _, files in os.walk(root):
        for name in files:
            p = os.path.join(d, name)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def assert_untouched(before, after, root):
    added = sorted(set(after) - set(before))
    changed = sorted(k for k in before if after.get(k) != before[k])
    if added or changed:
        fail("the run wrote into %s: new %s, changed or removed %s" % (root, added, changed))


def reproducers(out):
    return re.findall(r"-> reproducer (\S+)", out)


def run_folder(out):
    m = re.search(r"run folder (\S+)", out)
    if not m:
        fail("no run folder printed:\n" + out)
    return m.group(1)


def fuzz(ptcheck, args, env=None):
    r = subprocess.run([ptcheck, "fuzz"] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=env, timeout=600)
    return r.returncode, r.stdout


def signature_of(ptcheck, script, lib):
    r = subprocess.run([ptcheck, "run", script, "--target", lib], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=600)
    m = re.search(r"signature: (\S+)", r.stdout)
    if r.returncode != 1 or not m:
        fail("%s does not fail on %s (exit %d):\n%s" % (script, lib, r.returncode, r.stdout))
    return m.group(1)


# The real fuzz_ops, then a wait until every run of the test has got this far: both runs' crashes are
# written before either run looks for its own. (Bounded, so that a run that never starts fails the test.)
BARRIER_FUZZER = """#!/bin/sh
"$PTCHECK_TEST_REAL_FUZZER" "$@"
rc=$?
touch "$PTCHECK_TEST_BARRIER/$$"
n=0
while [ "$(ls "$PTCHECK_TEST_BARRIER" | wc -l)" -lt 2 ] && [ $n -lt 1200 ]; do sleep 0.1; n=$((n + 1)); done
exit $rc
"""


def concurrent(ptcheck, fuzz_ops, source, work, runs):
    fresh(work)
    fuzzers = fresh(os.path.join(work, "fuzzers"))
    write_exe(os.path.join(fuzzers, "fuzz_ops"), BARRIER_FUZZER)
    env = dict(os.environ, PTCHECK_TEST_REAL_FUZZER=fuzz_ops, PTCHECK_TEST_BARRIER=fresh(os.path.join(work, "barrier")))
    before = tree_digest(os.path.join(source, "corpora"))
    procs = []
    for k, (lib, oracle) in enumerate(runs):
        seeds = fresh(os.path.join(work, "seeds%d" % k, "oracles"))
        shutil.copy(oracle, seeds)
        procs.append(subprocess.Popen([ptcheck, "fuzz", "fuzz_ops", "--time", "120", "--seed", "1", "--target", lib,
                                       "--fuzzers", fuzzers, "--corpora", os.path.dirname(seeds)],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env))
    outs = [p.communicate(timeout=600)[0] for p in procs]
    for (lib, oracle), p, out in zip(runs, procs, outs):
        print(out)
        own = signature_of(ptcheck, oracle, lib)
        if p.returncode != 1:
            fail("exit %d, not 1 (a crash found)" % p.returncode)
        if "1 crash(es)" not in out or "does not reproduce" in out:
            fail("a run reported another run's crash, or none of its own:\n" + out)
        repro = reproducers(out)
        if len(repro) != 1 or not repro[0].startswith(run_folder(out) + "/"):
            fail("not one reproducer in the run's own folder:\n" + out)
        if signature_of(ptcheck, repro[0], lib) != own:
            fail("the reproducer %s fails otherwise than %s (%s)" % (repro[0], oracle, own))
    assert_untouched(before, tree_digest(os.path.join(source, "corpora")), os.path.join(source, "corpora"))


def untouched(ptcheck, source, work, lib):
    fresh(work)
    before = tree_digest(os.path.join(source, "corpora"))
    rc, out = fuzz(ptcheck, ["fuzz_ops", "--time", "120", "--seed", "1", "--target", lib])
    print(out)
    if rc != 1 or len(reproducers(out)) != 1:
        fail("exit %d, not one crash with its reproducer" % rc)
    assert_untouched(before, tree_digest(os.path.join(source, "corpora")), os.path.join(source, "corpora"))
    if not reproducers(out)[0].startswith(run_folder(out) + "/"):
        fail("the reproducer is not in the run's own folder")


def save(ptcheck, source, work, lib, oracle):
    fresh(work)
    saved = os.path.join(work, "saved", "regressions")  # not there yet: the run makes it
    seeds = fresh(os.path.join(work, "seeds", "oracles"))
    shutil.copy(oracle, seeds)
    rc, out = fuzz(ptcheck, ["fuzz_ops", "--time", "120", "--seed", "1", "--target", lib, "--corpora",
                             os.path.dirname(seeds), "--save-regressions", saved])
    print(out)
    repro = reproducers(out)
    if rc != 1 or len(repro) != 1:
        fail("exit %d, not one crash with its reproducer" % rc)
    files = os.listdir(saved) if os.path.isdir(saved) else []
    if files != [os.path.basename(repro[0])]:
        fail("--save-regressions %s holds %s, not the reproducer %s" % (saved, files, repro[0]))
    with open(repro[0]) as a, open(os.path.join(saved, files[0])) as b:
        if a.read() != b.read():
            fail("the saved reproducer differs from the run's")
    signature_of(ptcheck, os.path.join(saved, files[0]), lib)


def flags(ptcheck, source, work):
    fresh(work)
    rc, out = fuzz(ptcheck, ["fuzz_bitmap", "--time", "60", "--seed", "1", "--verbose", "--", "-runs=0", "-max_len=8"])
    print(out)
    if rc != 0:
        fail("exit %d" % rc)
    if not re.search(r"^#\d+\s+DONE .* lim: 8 ", out, re.M):
        fail("libFuzzer's DONE line does not show -max_len=8 (lim: 8)")
    rc, out = fuzz(ptcheck, ["fuzz_bitmap", "--time", "1", "--seed", "1", "--verbose"])
    print(out)
    if rc != 0 or "INFO: Seed: 1" not in out:
        fail("exit %d, or libFuzzer's own output is not shown with --verbose" % rc)
    if "-max_len is not provided" in out:
        fail("fuzz_bitmap.options's max_len did not reach libFuzzer")


def status(ptcheck, work):
    fresh(work)
    for name, body, said in [("exit77", "exit 77", "the fuzzer exited with status 77 without leaving a crash"),
                             ("kill9", "kill -9 $$", "the fuzzer was killed by signal 9 (SIGKILL) without leaving a crash")]:
        fuzzers = fresh(os.path.join(work, name))
        write_exe(os.path.join(fuzzers, "fuzz_bitmap"), "#!/bin/sh\n%s\n" % body)
        rc, out = fuzz(ptcheck, ["fuzz_bitmap", "--time", "5", "--fuzzers", fuzzers])
        print(out)
        if rc != 1 or said not in out:
            fail("exit %d (not 1), or no line saying: %s" % (rc, said))


def installed(ptcheck, work, script):
    fresh(work)
    prefix = os.path.join(work, "prefix")
    os.makedirs(os.path.join(prefix, "bin"))
    shutil.copy(ptcheck, os.path.join(prefix, "bin", "ptcheck"))
    scenarios = os.path.join(prefix, "share", "ptcheck", "corpora", "scenarios")
    os.makedirs(scenarios)
    shutil.copy(script, scenarios)
    r = subprocess.run([os.path.join(prefix, "bin", "ptcheck"), "check", "--cases", "0"], cwd=work,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    print(r.stdout)
    if r.returncode != 0:
        fail("exit %d, not 0" % r.returncode)
    skip = re.search(r"^== fuzz: SKIP \((.*)\)$", r.stdout, re.M)
    if not skip or "cmake --preset fuzz" not in skip.group(1) or "--fuzzers" not in skip.group(1):
        fail("the fuzz stage's skip does not say how to get the fuzzers")
    if prefix in skip.group(1):
        fail("the fuzz stage's hint points into the install prefix: " + skip.group(1))
    summary = re.findall(r"^ptcheck check: .*$", r.stdout, re.M)[-1]  # the last line; the first names the target
    if "every oracle holds" in summary or \
            not summary.startswith("ptcheck check: held: replay, fail-sweep, prove, stress; skipped: properties, fuzz "):
        fail("the summary does not say which stages held and which were skipped")


def main():
    mode, a = sys.argv[1], sys.argv[2:]
    if mode == "concurrent":
        concurrent(a[0], a[1], a[2], a[3], [(a[4], a[5]), (a[6], a[7])])
    elif mode == "untouched":
        untouched(*a[:4])
    elif mode == "save":
        save(*a[:5])
    elif mode == "flags":
        flags(*a[:3])
    elif mode == "installed":
        installed(*a[:3])
    elif mode == "status":
        status(*a[:2])
    else:
        fail("unknown mode " + mode)
    print("PASS")


if __name__ == "__main__":
    main()
