#include "tools/ptcheck/usage.h"

#include <utility>

namespace ptc::cli {

namespace {

// Each command: its synopsis line(s), indented 2, then its description, indented 8.
const std::vector<std::pair<std::string, std::string>>& commands() {
  static const std::vector<std::pair<std::string, std::string>> table = {
      {"run",
       "  run SCRIPT.ops... [--target LIB.so] [--expect-violation ORACLE] [--html OUT.html] [--contract spec|linux]\n"
       "      [--op-timeout S] [--target-log FILE]\n"
       "        run each script against the reference model and the target (default: the built-in\n"
       "        optimized LPAE table); print the first violated oracle as a readable trace.\n"
       "        --expect-violation: exit 0 only if every script fails with that oracle (regression\n"
       "        tests of known-broken targets). --html: the first failure as a timeline page (below).\n"
       "  run --fail-sweep SCRIPT.ops... [--target LIB.so] [--out DIR] [--contract spec|linux]\n"
       "        the ENOMEM sweep (as iommufd's fail_nth): every operation of each script runs again with\n"
       "        `fail alloc N` before it, N = 1, 2, ... until it makes fewer than N table allocations (an\n"
       "        operation the script arms with its own `fail alloc` keeps that one); each run, in a child\n"
       "        process, must leave the state unchanged when the operation returns -ENOMEM and leak no table\n"
       "        at destroy; the `=> RESULT`s from the swept operation on are left to the reference model. A\n"
       "        script that fails as it is is reported as such and not swept. One line per script; a failure's\n"
       "        trace, its variant written as DIR/SCRIPT.lineL.allocN.ops (default: fail-sweep/ beside\n"
       "        property-failures/) and the replay line that runs it; the totals: operations x allocation\n"
       "        sites, runs.\n"},
      {"replay",
       "  replay DIR... [--target LIB.so] [--contract spec|linux] [--op-timeout S] [--target-log FILE]\n"
       "        every .ops script and fuzz_ops input under the folders, as regression tests; one line each,\n"
       "        then the distinct failures (grouped by oracle and operation), each once with how many inputs\n"
       "        hit it and its smallest reproducer's replay line. A folder that holds no input is bad input;\n"
       "        a fuzz_ops input that decodes to no statement (libFuzzer keeps some) is skipped, with why.\n"},
      {"explain",
       "  explain INPUT [--minimize] [--target LIB.so] [--html OUT.html] [--contract spec|linux]\n"
       "      [--op-timeout S] [--target-log FILE]\n"
       "        a fuzz_ops input (crash, corpus entry) as the .ops script it decodes to; --minimize\n"
       "        removes statements and injections while the same oracle still fails. INPUT may be an .ops.\n"
       "        --html: runs the (minimized) script and draws its failure as a self-contained page:\n"
       "        lanes of CPU descriptor accesses, device actions and TLB maintenance, the IOTLB and walk\n"
       "        cache after each step (hover), the failing step marked, the script beside it.\n"},
      {"fuzz",
       "  fuzz [FUZZER] [--time S] [--jobs N] [--seed N] [--target LIB.so] [--fuzzers DIR] [--corpora DIR]\n"
       "      [--contract spec|linux] [--save-regressions DIR] [--corpus DIR] [--verbose] [-- LIBFUZZER_FLAG...]\n"
       "        a libFuzzer campaign (fuzz_ops, fuzz_bitmap or fuzz_script; default fuzz_ops) with\n"
       "        progress lines and a summary. Each run has its own folder (printed; BUILD/fuzz-runs/, ./fuzz-runs/\n"
       "        when installed): a fresh corpus of the committed seeds (--corpus DIR: keep and grow DIR instead),\n"
       "        its crashes, and fuzz_ops crashes as minimized reproducers; --save-regressions DIR also copies\n"
       "        those there (e.g. corpora/regressions). --corpora DIR: read the seeds from DIR. The fuzzer's\n"
       "        .options apply; flags after `--` go to libFuzzer as they are (ptcheck fuzz fuzz_ops --time 5 --\n"
       "        -max_len=300); --verbose shows libFuzzer's own output.\n"
       "        Needs the fuzz preset (cmake --preset fuzz && cmake --build --preset fuzz).\n"},
      {"check",
       "  check [--target LIB.so] [--budget S] [--json FILE] [--junit FILE] [--corpora DIR] [--time S]\n"
       "      [--cases N] [--fuzzers DIR] [--contract spec|linux] [--op-timeout S] [--target-log FILE]\n"
       "      [--save-regressions DIR] [--verbose]\n"
       "        the gate before merging, stage by stage with progress lines and a summary table: replay\n"
       "        (corpora/scenarios, regressions, the fuzz_ops corpus), fail-sweep (run --fail-sweep over\n"
       "        corpora/scenarios and fail_sweep; 30 s), prove (the cheap Z3 obligations),\n"
       "        properties (N cases each, default 100; 0: none), fuzz (S seconds per fuzzer, default 10;\n"
       "        0: none; when the fuzz preset is built), stress (3 s). --budget: about S seconds in all;\n"
       "        replay, fail-sweep (a fifth of what replay leaves) and prove first, what they leave is split\n"
       "        properties:fuzz:stress = 3:5:2 (printed);\n"
       "        every stage stops at its share and the run ends within S + 10 s: a corpus script's child and a\n"
       "        fuzzer are stopped at once; an obligation (Z3 gives each 10 s at most), a property case or a\n"
       "        stress round in flight finishes. What did not run is reported as skipped, and the report says\n"
       "        \"stopped\": \"budget\". --save-regressions and --verbose: as for fuzz, in the fuzz stage.\n"
       "        --json/--junit: the report as one JSON object / JUnit XML for CI (schema:\n"
       "        tools/ptcheck/junit.xsd), rewritten whole after every stage (a temporary file renamed).\n"
       "        SIGTERM or SIGINT: the child running the item in flight is killed at once (well under a\n"
       "        second), then the summary and both reports, saying which stages ran and that the run\n"
       "        stopped; exit 128+signal (143, 130)\n"
       "        unless a failure was found (1). fuzz, properties and stress stop the same way.\n"},
      {"properties",
       "  properties [--cases N] [--seed N] [--target LIB.so] [--only NAME] [--contract spec|linux]\n"
       "      [--op-timeout S] [--target-log FILE]\n"
       "        the RapidCheck property suites alone (stateful sequences, invariants), N cases each\n"
       "        (default 100) from seed N (default 1); a failure is shrunk and written as an .ops script.\n"},
      {"prove",
       "  prove [--json] [--target LIB.so] [--only NAME] [--html OUT.html] [--contract spec|linux]\n"
       "      [--op-timeout S] [--target-log FILE]\n"
       "        the Z3 obligations: bit-level equivalence of the table's arithmetic, BBML split/merge and\n"
       "        strict/lazy TLB ordering on the target's recorded step sequences, known-bad variants;\n"
       "        each proved or refuted with a counterexample timeline. --only: a name or a prefix (split.*).\n"
       "        --html: the first refutation as a timeline page (its .ops run through the runner).\n"
       "        --contract linux (SPEC 9): obligations on what Linux's callers never issue (an unmap that\n"
       "        cuts a block) are skipped with the reason; a dirty read of part of a block owes a record\n"
       "        only to the pages inside its range.\n"},
      {"stress",
       "  stress [--threads N] [--time S] [--target LIB.so] [--seed N] [--ops N] [--out DIR] [--contract P]\n"
       "      [--op-timeout S] [--target-log FILE]\n"
       "        the concurrent checker for S seconds (default 10): real-thread histories (N CPU threads,\n"
       "        default 3, N ops each, default 16, and 2 device threads) checked for linearizability and\n"
       "        the dirty accounting, and deterministic schedules run through the differential runner\n"
       "        (failing ones written as .ops under DIR; default $TMPDIR/ptcheck-stress-PID-SEED, the run's\n"
       "        own). Progress lines and a summary. --contract linux:\n"
       "        only ops Linux's callers would issue at that moment (SPEC 9), counted in the summary.\n"
       "        Each CPU thread's operation is timed on its own (that thread's CPU time): one that does not\n"
       "        return is a hang with the history's seed to replay it.\n"},
      {"bench",
       "  bench [--quick] [--json FILE] [--filter REGEX] [--fuzz-build DIR]\n"
       "        the Google Benchmark suite (bench/): each measure beside a baseline measured in the same run,\n"
       "        the ratio and the goal; --quick: small sizes (seconds); --json: one record per measure.\n"
       "        The fuzzbuild.* measures run the fuzz preset's binaries in DIR (default: build/fuzz of the\n"
       "        source tree): fuzz_ops and fuzz_bitmap execs/s, seconds to each fuzz-broken find; without\n"
       "        them each is reported \"not measured\".\n"},
      {"help",
       "  help [COMMAND]\n"
       "        this text (or one command's: also `ptcheck COMMAND --help`); `ptcheck --version`: the version.\n"},
  };
  return table;
}

// What every command shares: how the target runs, the oracles, the exit statuses, the report files.
const char kShared[] =
    "the target runs in child processes (run, replay, explain, check, properties, stress, prove):\n"
    "  a target that crashes, trips a sanitizer or exits is a finding (memory-error, crash) of the statement\n"
    "  that was running, with the sanitizer's report; one whose operation uses --op-timeout S of CPU time\n"
    "  (default 10; or 6x that by the clock) is a hang; the run goes on. What the target prints goes to\n"
    "  --target-log FILE (default: ptcheck-target-PID.log in the temporary folder), named at the end;\n"
    "  a kernel WARNING line printed during an operation Linux's callers issue is a finding (warning).\n"
    "\n"
    "oracles: divergence device-outcome lost-dirty phantom-dirty stale-translation\n"
    "         table-use-after-free tlb-conflict fault-during-split-merge leak memory-error crash hang\n"
    "         warning unseen-write\n"
    "exit status: 0 the oracles hold, 1 a bug was found, 2 bad input (one line on stderr: FILE:LINE: what is\n"
    "wrong; an option of another command, a folder where a file is expected, an empty script, an input that\n"
    "decodes to no statement and a report file that cannot be written are bad input); check, fuzz,\n"
    "properties and stress stopped by SIGTERM or SIGINT before they found a bug: 143 or 130 (128 + the signal)\n"
    "report files (--json, --junit, --html) are checked writable before anything runs, written to a\n"
    "temporary file and renamed: one that exists is whole\n";

}  // namespace

const std::vector<std::string>& command_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& c : commands()) v.push_back(c.first);
    return v;
  }();
  return names;
}

std::string usage_text() {
  std::string s = "usage: ptcheck COMMAND [ARGS]   (ptcheck COMMAND --help: one command)\n\ncommands:\n";
  for (const auto& c : commands()) s += c.second;
  return s + "\n" + kShared;
}

std::string command_usage(const std::string& command) {
  for (const auto& c : commands())
    if (c.first == command) return "usage: ptcheck " + c.second.substr(2) + "\n" + kShared;
  return "";
}

}  // namespace ptc::cli
