// ptcheck: the command line (SPEC.md section 8).
//   ptcheck run SCRIPT.ops... [--target LIB.so] [--expect-violation ORACLE]
//   ptcheck run --fail-sweep SCRIPT.ops... [--target LIB.so] [--out DIR]
//   ptcheck replay DIR... [--target LIB.so]
//   ptcheck check [--target LIB.so] [--budget S] [--json FILE] [--junit FILE] [--corpora DIR]
//   ptcheck prove [--json] [--target LIB.so] [--only NAME] [--html OUT.html] [--contract spec|linux]
// Exit status: 0 the oracles hold, 1 a bug was found, 2 bad input (one line: FILE:LINE: what is wrong).
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "core/encoding/fuzz_input.h"
#include "core/isolation/child_process.h"
#include "core/lpae/lpae_target.h"
#include "core/oracles.h"
#include "core/runner/minimize.h"
#include "core/runner/runner.h"
#include "tools/ptcheck/check_command.h"
#include "tools/ptcheck/fail_sweep_command.h"
#include "tools/ptcheck/fuzz_command.h"
#include "tools/ptcheck/html_timeline.h"
#include "tools/ptcheck/properties_command.h"
#include "tools/ptcheck/prove_command.h"
#include "tools/ptcheck/bench_command.h"
#if PTCHECK_HAVE_STRESS
#include "tools/ptcheck/stress_command.h"
#include "tools/ptcheck/target_log.h"
#endif
#include "core/runner/target_loader.h"
#include "core/script/script.h"
#include "tools/ptcheck/script_files.h"
#include "tools/ptcheck/stop_flag.h"

#include "tools/ptcheck/data_dir.h"

// Every use below of these two means "where corpora/ is" and "where failure reports go": the
// install prefix's or the build tree's, decided at run time (data_dir.h).
#undef PTCHECK_SOURCE_DIR
#define PTCHECK_SOURCE_DIR (ptc::cli::data_dir())
#undef PTCHECK_BINARY_DIR
#define PTCHECK_BINARY_DIR (ptc::cli::output_dir())

namespace fs = std::filesystem;

using ptc::cli::collect_scripts;
using ptc::cli::load_fuzz_input;
using ptc::cli::load_script;

namespace {

constexpr int kHolds = 0, kBug = 1, kBadInput = 2;

const char kUsage[] =
    "usage: ptcheck COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  run SCRIPT.ops... [--target LIB.so] [--expect-violation ORACLE] [--html OUT.html]\n"
    "        run each script against the reference model and the target (default: the built-in\n"
    "        optimized LPAE table); print the first violated oracle as a readable trace.\n"
    "        --expect-violation: exit 0 only if every script fails with that oracle (regression\n"
    "        tests of known-broken targets). --html: the first failure as a timeline page (below).\n"
    "  run --fail-sweep SCRIPT.ops... [--target LIB.so] [--out DIR]\n"
    "        the ENOMEM sweep (as iommufd's fail_nth): every operation of each script runs again with\n"
    "        `fail alloc N` before it, N = 1, 2, ... until it makes fewer than N table allocations (an\n"
    "        operation the script arms with its own `fail alloc` keeps that one); each run, in a child\n"
    "        process, must leave the state unchanged when the operation returns -ENOMEM and leak no table\n"
    "        at destroy; the `=> RESULT`s from the swept operation on are left to the reference model. A\n"
    "        script that fails as it is is reported as such and not swept. One line per script; a failure's\n"
    "        trace, its variant written as DIR/SCRIPT.lineL.allocN.ops (default: fail-sweep/ beside\n"
    "        property-failures/) and the replay line that runs it; the totals: operations x allocation\n"
    "        sites, runs.\n"
    "  replay DIR... [--target LIB.so]\n"
    "        every .ops script and fuzz_ops input under the folders, as regression tests; one line each.\n"
    "  explain INPUT [--minimize] [--target LIB.so] [--html OUT.html]\n"
    "        a fuzz_ops input (crash, corpus entry) as the .ops script it decodes to; --minimize\n"
    "        removes statements and injections while the same oracle still fails. INPUT may be an .ops.\n"
    "        --html: runs the (minimized) script and draws its failure as a self-contained page:\n"
    "        lanes of CPU descriptor accesses, device actions and TLB maintenance, the IOTLB and walk\n"
    "        cache after each step (hover), the failing step marked, the script beside it.\n"
    "  fuzz [FUZZER] [--time S] [--jobs N] [--seed N] [--target LIB.so] [--fuzzers DIR] [--corpora DIR]\n"
    "        a libFuzzer campaign (fuzz_ops, fuzz_bitmap or fuzz_script; default fuzz_ops) with\n"
    "        progress lines and a summary; fuzz_ops crashes become minimized reproducers under\n"
    "        corpora/regressions/ (or DIR/regressions). Needs the fuzz preset (cmake --preset fuzz && cmake --build --preset fuzz).\n"
    "  check [--target LIB.so] [--budget S] [--json FILE] [--junit FILE] [--corpora DIR] [--time S]\n"
    "        [--cases N] [--fuzzers DIR]\n"
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
    "        \"stopped\": \"budget\".\n"
    "        --json/--junit: the report as one JSON object / JUnit XML for CI (schema:\n"
    "        tools/ptcheck/junit.xsd), rewritten whole after every stage (a temporary file renamed).\n"
    "        SIGTERM or SIGINT: the child running the item in flight is killed at once (well under a\n"
    "        second), then the summary and both reports, saying which stages ran and that the run\n"
    "        stopped; exit 128+signal (143, 130)\n"
    "        unless a failure was found (1). fuzz, properties and stress stop the same way.\n"
    "  properties [--cases N] [--seed N] [--target LIB.so] [--only NAME]\n"
    "        the RapidCheck property suites alone (stateful sequences, invariants), N cases each\n"
    "        (default 100) from seed N (default 1); a failure is shrunk and written as an .ops script.\n"
    "  prove [--json] [--target LIB.so] [--only NAME] [--html OUT.html] [--contract spec|linux]\n"
    "        the Z3 obligations: bit-level equivalence of the table's arithmetic, BBML split/merge and\n"
    "        strict/lazy TLB ordering on the target's recorded step sequences, known-bad variants;\n"
    "        each proved or refuted with a counterexample timeline. --only: a name or a prefix (split.*).\n"
    "        --html: the first refutation as a timeline page (its .ops run through the runner).\n"
    "        --contract linux (SPEC 9): obligations on what Linux's callers never issue (an unmap that\n"
    "        cuts a block) are skipped with the reason; a dirty read of part of a block owes a record\n"
    "        only to the pages inside its range.\n"
    "  stress [--threads N] [--time S] [--target LIB.so] [--seed N] [--ops N] [--out DIR] [--contract P]\n"
    "         [--op-timeout S] [--target-log FILE]\n"
    "        the concurrent checker for S seconds (default 10): real-thread histories (N CPU threads,\n"
    "        default 3, N ops each, default 16, and 2 device threads) checked for linearizability and\n"
    "        the dirty accounting, and deterministic schedules run through the differential runner\n"
    "        (failing ones written as .ops under DIR). Progress lines and a summary. --contract linux:\n"
    "        only ops Linux's callers would issue at that moment (SPEC 9), counted in the summary.\n"
    "        Each CPU thread's operation is timed on its own (that thread's CPU time): one that does not\n"
    "        return is a hang with the history's seed to replay it.\n"
    "  bench [--quick] [--json FILE] [--filter REGEX]\n"
    "        the Google Benchmark suite (bench/): each measure beside a baseline measured in the same run,\n"
    "        the ratio and the goal; --quick: small sizes (seconds); --json: one record per measure.\n"
    "  help  this text\n"
    "\n"
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
    "exit status: 0 the oracles hold, 1 a bug was found, 2 bad input; check, fuzz, properties and stress\n"
    "stopped by SIGTERM or SIGINT before they found a bug: 143 or 130 (128 + the signal)\n"
    "report files (--json, --junit, --html) are written to a temporary file and renamed: one that exists is whole\n";

struct Args {
  std::string command;
  std::vector<std::string> inputs;
  std::string target_path;
  std::string corpora;
  std::string expect_violation;
  bool minimize = false;
  bool fail_sweep = false;  // run --fail-sweep
  std::string out;          // run --fail-sweep --out DIR
  bool json = false;
  std::string only;
  std::string time, jobs, seed, fuzzer_dir, cases;
  std::string budget, json_file, junit_file, html;
  std::string contract;  // --contract spec|linux: for scripts whose config does not name one
  std::string op_timeout, target_log;  // the child processes the target runs in (core/isolation)
  std::set<std::string> given;  // the valued flags given, e.g. "--html"
};

int bad(const std::string& line) {
  std::fprintf(stderr, "ptcheck: %s\n", line.c_str());
  return kBadInput;
}

// Returns kHolds when the arguments are usable, else prints one line and returns kBadInput.
int parse_args(int argc, char** argv, Args* a) {
  if (argc < 2) return bad("no command (try `ptcheck help`)");
  a->command = argv[1];
  // Options that take a value: `--flag VALUE` or `--flag=VALUE`.
  const struct {
    const char* flag;
    std::string Args::*field;
    const char* what;
  } valued[] = {{"--target", &Args::target_path, "a library path"},
                {"--corpora", &Args::corpora, "a folder"},
                {"--expect-violation", &Args::expect_violation, "an oracle name"},
                {"--time", &Args::time, "seconds"},
                {"--jobs", &Args::jobs, "a count"},
                {"--seed", &Args::seed, "a number"},
                {"--fuzzers", &Args::fuzzer_dir, "a folder"},
                {"--cases", &Args::cases, "a count"},
                {"--only", &Args::only, "an obligation name"},
                {"--budget", &Args::budget, "seconds"},
                {"--junit", &Args::junit_file, "a file"},
                {"--html", &Args::html, "a file"},
                {"--contract", &Args::contract, "spec or linux"},
                {"--op-timeout", &Args::op_timeout, "seconds"},
                {"--target-log", &Args::target_log, "a file"},
                {"--out", &Args::out, "a folder"}};
  // `check --json FILE` writes a report; `prove --json` prints JSON instead of text.
  const bool json_takes_file = a->command == "check";
  for (int i = 2; i < argc; ++i) {
    const std::string s = argv[i];
    bool taken = false;
    for (const auto& v : valued) {
      const std::string flag = v.flag;
      if (s == flag) {
        if (i + 1 >= argc) return bad(flag + " needs " + v.what);
        a->*v.field = argv[++i];
        taken = true;
      } else if (s.rfind(flag + "=", 0) == 0) {
        a->*v.field = s.substr(flag.size() + 1);
        taken = true;
      }
      if (taken) {
        if ((a->*v.field).empty()) return bad(flag + " needs " + v.what);
        a->given.insert(flag);
        break;
      }
    }
    if (taken) continue;
    if (json_takes_file && (s == "--json" || s.rfind("--json=", 0) == 0)) {
      if (s == "--json" && i + 1 >= argc) return bad("--json needs a file");
      a->json_file = s == "--json" ? argv[++i] : s.substr(7);
      if (a->json_file.empty()) return bad("--json needs a file");
      a->given.insert("--json");
      continue;
    }
    if (s == "--minimize") {
      a->minimize = true;
    } else if (s == "--fail-sweep") {
      a->fail_sweep = a->command == "run";
      if (!a->fail_sweep) return bad("--fail-sweep is not an option of " + a->command + " (try `ptcheck help`)");
    } else if (s == "--json") {
      a->json = true;
    } else if (s == "-h" || s == "--help") {
      a->command = "help";
    } else if (!s.empty() && s[0] == '-') {
      return bad("unknown option '" + s + "' (try `ptcheck help`)");
    } else {
      a->inputs.push_back(s);
    }
  }
  return kHolds;
}

// An optional decimal count in [lo, hi]; an empty string keeps *out.
bool parse_count(const std::string& s, unsigned long long lo, unsigned long long hi, unsigned* out) {
  if (s.empty()) return true;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno || *end || s[0] == '-' || v < lo || v > hi) return false;
  *out = unsigned(v);
  return true;
}

bool known_oracle(const std::string& name) {
  for (int o = 1; o <= ptc::kOracleCount; ++o)
    if (name == ptc::oracle_name(ptc::Oracle(o))) return true;
  return false;
}

// --contract: the profile of every script whose config does not name one, and what replay lines add.
ptc::Contract& contract_option() {
  static ptc::Contract c = ptc::Contract::Spec;
  return c;
}
std::string& contract_replay_args() {
  static std::string s;
  return s;
}
void apply_contract_option(ptc::Script* s) {
  if (!s->has_contract) s->config.contract = contract_option();
}
// The arguments a replay line needs: the target's, then the contract's.
std::string replay_args(const std::string& target_path) {
  std::string s = target_path.empty() ? "" : "--target " + target_path;
  if (!contract_replay_args().empty()) s += (s.empty() ? "" : " ") + contract_replay_args();
  return s;
}

// "; 2 statement(s) not issued: line 4 `split ...`: why; ..." for a run that skipped some.
std::string skipped_text(const ptc::RunResult& r) {
  if (r.skipped_statements.empty()) return "";
  std::string s = "; " + std::to_string(r.skipped_statements.size()) + " not issued";
  const ptc::SkippedStatement& k = r.skipped_statements.front();
  s += " (line " + std::to_string(k.line) + " `" + k.statement + "`: " + k.reason;
  if (r.skipped_statements.size() > 1) s += "; ...";
  return s + ")";
}

const ptc_target_ops* select_target(const Args& a) {
  if (a.target_path.empty()) return ptc_lpae_ops();
  std::string error;
  const ptc_target_ops* ops = ptc::load_target_library(a.target_path, &error);
  if (!ops) std::fprintf(stderr, "ptcheck: %s\n", error.c_str());
  return ops;
}

// Runs scripts; `quiet` prints one line per script (replay), else the full trace of a failure.
// `run` runs nothing when any input is bad; `replay` (quiet) reports each bad file as its line and
// goes on, then exits 2.
// A script and the text the HTML page shows beside its timeline: an .ops file's own text (its lines are
// the statements' lines), else the canonical text, parsed back so that the lines agree.
bool page_script(const std::string& path, ptc::Script* script, std::string* text) {
  std::string file_text;
  if (ptc::cli::is_script_file(path) && ptc::cli::read_file(path, &file_text)) {
    auto parsed = ptc::parse_script(file_text, path);
    if (auto* p = std::get_if<ptc::Script>(&parsed); p && ptc::same_script(*p, *script)) {
      *script = std::move(*p);
      *text = std::move(file_text);
      return true;
    }
  }
  *text = ptc::print_script(*script);
  auto parsed = ptc::parse_script(*text, script->file.empty() ? path : script->file);
  if (!std::holds_alternative<ptc::Script>(parsed)) return false;
  *script = std::get<ptc::Script>(std::move(parsed));
  return true;
}

// Draws a failure (run with RunOptions::record_timeline) as a page, in the child that ran it: what to
// tell the user (bad input when the page cannot be written).
ptc::ChildNote draw_failure_page(const std::string& out, const std::string& script_path, const std::string& text,
                                 const ptc_target_ops* t, const ptc::Failure& f) {
  ptc::cli::HtmlTimelineInput in;
  in.script_path = script_path;
  in.script_text = text;
  in.target = t->name ? t->name : "?";
  in.failure = &f;
  std::string error;
  if (!ptc::cli::write_html_file(out, ptc::cli::render_html_timeline(in), &error)) return {"ptcheck: " + error, true};
  return {"ptcheck: the failure (" + f.signature + ") is drawn in " + out, false};
}

// The isolation settings of this run (--target-log, --op-timeout).
ptc::IsolationOptions& isolation() {
  static ptc::IsolationOptions io;
  return io;
}

int run_scripts(const std::vector<std::string>& files, const ptc_target_ops* target, bool quiet,
                const std::string& expect_violation, const std::string& target_path, const std::string& html = "") {
  ptc::RunOptions opts;
  opts.replay_args = replay_args(target_path);
  opts.record_timeline = !html.empty();
  std::vector<ptc::Script> scripts(files.size());
  std::vector<std::string> texts(files.size());
  std::vector<bool> loaded(files.size());
  bool any_bad = false;
  for (size_t i = 0; i < files.size(); ++i) {
    loaded[i] = load_script(files[i], &scripts[i]);
    if (loaded[i]) apply_contract_option(&scripts[i]);
    if (loaded[i] && !html.empty() && !page_script(files[i], &scripts[i], &texts[i])) loaded[i] = false;
    if (!loaded[i] && !quiet) return kBadInput;
    any_bad |= !loaded[i];
  }
  // Each script runs in a child process (core/isolation): a target that crashes or hangs is that
  // script's finding, and the run goes on. --html draws the first failure the runner itself reports
  // (its timeline lives in the child, so the child draws it and says so).
  std::vector<ptc::Script> runnable;
  std::vector<size_t> file_of;
  for (size_t i = 0; i < files.size(); ++i)
    if (loaded[i]) {
      runnable.push_back(scripts[i]);
      file_of.push_back(i);
    }
  bool drawn = false;
  int status = kHolds;
  size_t passed = 0, failed = 0, skipped = 0, bad_files = files.size() - runnable.size();
  auto in_child = [&](size_t k, const ptc::RunResult& r) -> ptc::ChildNote {
    if (!r.failure || html.empty() || drawn) return {};
    drawn = true;
    const size_t i = file_of[k];
    return draw_failure_page(html, files[i], texts[i], target, *r.failure);
  };
  auto on_result = [&](size_t k, ptc::IsolatedResult&& ir) {
    const size_t i = file_of[k];
    const ptc::RunResult& r = ir.result;
    if (!ir.note.text.empty()) {
      std::fprintf(ir.note.bad_input ? stderr : stdout, "%s\n", ir.note.text.c_str());
      if (ir.note.bad_input) status = kBadInput;
    }
    if (r.failure && !html.empty() && ir.note.text.empty() && !drawn && ptc::from_dead_child(*r.failure))
      std::printf("ptcheck: %s is not drawn: the target's process died, and its timeline with it\n",
                  r.failure->signature.c_str());
    drawn |= !ir.note.text.empty();
    const std::string warned = ir.warnings ? "; " + std::to_string(ir.warnings) + " WARNING line(s) in the target log" : "";
    if (!ir.run) {
      ++skipped;
      std::printf("SKIP %s: not run (stopped)\n", files[i].c_str());
      return;
    }
    if (r.skipped) {
      ++skipped;
      std::printf("SKIP %s: %s\n", files[i].c_str(), r.skip_reason.c_str());
      return;
    }
    if (!expect_violation.empty()) {
      const bool as_expected = r.failure && expect_violation == ptc::oracle_name(r.failure->oracle);
      if (as_expected) {
        ++passed;
        std::printf("ok   %s: %s caught as expected (%s)%s\n", files[i].c_str(), expect_violation.c_str(),
                    r.failure->signature.c_str(), warned.c_str());
      } else {
        ++failed;
        if (status == kHolds) status = kBug;
        if (r.failure)
          std::printf("FAIL %s: expected %s, got %s\n%s", files[i].c_str(), expect_violation.c_str(),
                      r.failure->signature.c_str(), r.failure->trace.c_str());
        else
          std::printf("FAIL %s: expected %s, but every oracle held\n", files[i].c_str(), expect_violation.c_str());
      }
      return;
    }
    if (r.ok()) {
      ++passed;
      std::printf("ok   %s (%zu statements%s%s)\n", files[i].c_str(), r.statements, skipped_text(r).c_str(), warned.c_str());
    } else {
      ++failed;
      if (status == kHolds) status = kBug;
      if (quiet)
        std::printf("FAIL %s:%d %s%s\n", files[i].c_str(), r.failure->line, r.failure->signature.c_str(), warned.c_str());
      else
        std::printf("%s", r.failure->trace.c_str());
    }
    std::fflush(stdout);
  };
  ptc::run_scripts_isolated(runnable, target, opts, isolation(), on_result, in_child);
  std::printf("%zu passed, %zu failed", passed, failed);
  if (skipped) std::printf(", %zu skipped", skipped);
  if (bad_files) std::printf(", %zu bad input", bad_files);
  std::printf("\n");
  if (!html.empty() && !drawn) std::printf("ptcheck: no failure to draw: %s not written\n", html.c_str());
  if (const std::string log = ptc::cli::target_log_summary(isolation()); !log.empty()) std::printf("%s\n", log.c_str());
  return any_bad ? kBadInput : status;
}

int explain_minimized(const ptc::Script& script, const ptc_target_ops* t, const Args& a, ptc::Script* out) {
  // In child processes: a target that crashes is a signature (crash:OP:CONFIG) to keep.
  ptc::RunOptions ro;
  ro.event_log = false;
  const std::string sig = ptc::isolated_signature(script, t, ro, isolation());
  if (sig.empty()) {
    std::fprintf(stderr, "ptcheck: every oracle holds for %s on target %s: nothing to minimize\n", a.inputs[0].c_str(),
                 t->name ? t->name : "?");
    std::fputs(ptc::print_script(script).c_str(), stdout);
    *out = script;
    return kHolds;
  }
  const ptc::Script small = ptc::minimize_isolated(script, t, ro, isolation(), sig);
  *out = small;
  std::printf("# %s, minimized from %zu to %zu statements: fails with %s\n# replay: save as FILE.ops, then "
              "ptcheck run FILE.ops%s\n",
              a.inputs[0].c_str(), script.ops.size(), small.ops.size(), sig.c_str(),
              a.target_path.empty() ? "" : (" --target " + a.target_path).c_str());
  std::fputs(ptc::print_script(small).c_str(), stdout);
  return kHolds;
}

}  // namespace

// A long command that SIGTERM or SIGINT stopped before it found anything: 128 + the signal, as a shell
// reports a process the signal killed, so that a CI job is not marked green by a run cut short.
int stopped_status(int status) {
  return status == kHolds && ptc::cli::stop_requested() ? ptc::cli::stopped_exit_status() : status;
}

// The commands that run for long poll the stop flag (stop_flag.h) and end with their summary and reports.
bool stops_on_signal(const std::string& command) {
  return command == "check" || command == "fuzz" || command == "properties" || command == "stress";
}

int main(int argc, char** argv) {
  if (argc >= 2 && stops_on_signal(argv[1])) ptc::cli::install_stop_handlers();
#if PTCHECK_HAVE_STRESS
  if (argc >= 2 && std::string(argv[1]) == "stress") return stopped_status(ptc::cli::stress_main(argc - 2, argv + 2));
#endif
  if (argc >= 2 && std::string(argv[1]) == "bench") return ptc::cli::bench_main(argc - 2, argv + 2);
  Args a;
  if (parse_args(argc, argv, &a) != kHolds) return kBadInput;
  if (a.command == "help") {
    std::fputs(kUsage, stdout);
    return kHolds;
  }
  // Flags that only some commands take: an ignored flag would make a gate pass that did not do what was asked.
  const struct {
    const char* flag;
    std::set<std::string> commands;
  } only_for[] = {{"--budget", {"check"}},
                  {"--junit", {"check"}},
                  {"--html", {"run", "explain", "prove"}},
                  {"--out", {"run"}},
                  {"--contract", {"run", "replay", "explain", "check", "fuzz", "properties", "prove"}},
                  {"--op-timeout", {"run", "replay", "explain", "check", "properties", "prove"}},
                  {"--target-log", {"run", "replay", "explain", "check", "properties", "prove"}}};
  for (const auto& f : only_for)
    if (a.given.count(f.flag) && !f.commands.count(a.command))
      return bad(std::string(f.flag) + " is not an option of " + a.command + " (try `ptcheck help`)");
  if (!a.contract.empty() && a.contract != "spec" && a.contract != "linux")
    return bad("--contract must be spec or linux, got '" + a.contract + "'");
  contract_option() = a.contract == "linux" ? ptc::Contract::Linux : ptc::Contract::Spec;
  contract_replay_args() = a.contract.empty() ? "" : "--contract " + a.contract;
  if (!a.expect_violation.empty() && !known_oracle(a.expect_violation))
    return bad("unknown oracle '" + a.expect_violation + "' for --expect-violation");
  double op_timeout = ptc::cli::kDefaultOpTimeoutSeconds;
  if (!a.op_timeout.empty())
    if (std::string why = ptc::cli::parse_op_timeout(a.op_timeout, &op_timeout); !why.empty()) return bad(why);
  if (a.command == "run" || a.command == "replay" || a.command == "explain" || a.command == "check" ||
      a.command == "properties" || a.command == "prove") {
    std::string error;
    isolation() = ptc::cli::isolation_for_run(a.target_log, op_timeout, &error);
    if (!error.empty()) return bad(error);
  }
  if (a.command == "run") {
    if (a.inputs.empty()) return bad("run needs at least one SCRIPT.ops");
    const ptc_target_ops* t = select_target(a);
    if (!t) return kBadInput;
    if (a.fail_sweep) {
      if (!a.expect_violation.empty() || !a.html.empty()) return bad("--fail-sweep takes neither --expect-violation nor --html");
      ptc::cli::FailSweepOptions fo;
      fo.target_path = a.target_path;
      fo.replay_args = replay_args(a.target_path);
      fo.isolation = isolation();
      fo.contract = contract_option();
      fo.out_dir = a.out.empty() ? std::string(PTCHECK_BINARY_DIR) + "/fail-sweep" : a.out;
      return ptc::cli::run_fail_sweep(a.inputs, t, fo);
    }
    if (!a.out.empty()) return bad("--out is an option of run --fail-sweep");
    return run_scripts(a.inputs, t, false, a.expect_violation, a.target_path, a.html);
  }
  if (a.command == "replay") {
    if (a.inputs.empty()) return bad("replay needs at least one folder");
    std::vector<std::string> files;
    if (!collect_scripts(a.inputs, &files)) return kBadInput;
    const ptc_target_ops* t = select_target(a);
    if (!t) return kBadInput;
    return run_scripts(files, t, true, "", a.target_path);
  }
  if (a.command == "explain") {
    const int rc = [&]() -> int {
      if (a.inputs.size() != 1) return bad("explain needs exactly one INPUT");
      ptc::Script script;
      if (!load_fuzz_input(a.inputs[0], &script)) return kBadInput;
      apply_contract_option(&script);
      if (!a.minimize && a.html.empty()) {
        std::fputs(ptc::print_script(script).c_str(), stdout);
        return kHolds;
      }
      const ptc_target_ops* t = select_target(a);
      if (!t) return kBadInput;
      ptc::Script shown = script;
      if (a.minimize)
        explain_minimized(script, t, a, &shown);
      else
        std::fputs(ptc::print_script(script).c_str(), stdout);
      if (a.html.empty()) return kHolds;
      // The page: the script shown above, run again with its timeline recorded.
      std::string text;
      if (!page_script(a.minimize ? "" : a.inputs[0], &shown, &text)) return bad("explain: the script does not parse back");
      ptc::RunOptions ro;
      ro.record_timeline = true;
      ro.replay_args = replay_args(a.target_path);
      const std::string title = a.inputs[0] + (a.minimize ? " (minimized)" : "");
      ptc::IsolatedResult ir;
      ptc::run_scripts_isolated({shown}, t, ro, isolation(), [&](size_t, ptc::IsolatedResult&& r) { ir = std::move(r); },
                                [&](size_t, const ptc::RunResult& r) {
                                  return r.failure ? draw_failure_page(a.html, title, text, t, *r.failure) : ptc::ChildNote{};
                                });
      if (!ir.note.text.empty()) {
        std::fprintf(ir.note.bad_input ? stderr : stdout, "%s\n", ir.note.text.c_str());
        return ir.note.bad_input ? kBadInput : kHolds;
      }
      if (ir.result.failure) {
        std::printf("%sptcheck: %s is not drawn: the target's process died, and its timeline with it\n",
                    ir.result.failure->trace.c_str(), ir.result.failure->signature.c_str());
        return kHolds;
      }
      std::printf("ptcheck: every oracle holds for %s on target %s: no failure to draw, %s not written\n",
                  a.inputs[0].c_str(), t->name ? t->name : "?", a.html.c_str());
      return kHolds;
    }();
    if (const std::string log = ptc::cli::target_log_summary(isolation()); !log.empty()) std::printf("%s\n", log.c_str());
    return rc;
  }
  if (a.command == "fuzz") {
    ptc::cli::FuzzOptions fo;
    if (a.inputs.size() > 1) return bad("fuzz takes one FUZZER at most");
    if (!a.inputs.empty()) fo.fuzzer = a.inputs[0];
    if (fo.fuzzer != "fuzz_ops" && fo.fuzzer != "fuzz_bitmap" && fo.fuzzer != "fuzz_script")
      return bad("unknown fuzzer '" + fo.fuzzer + "' (fuzz_ops, fuzz_bitmap, fuzz_script)");
    if (!parse_count(a.time, 1, 86400 * 7, &fo.seconds)) return bad("--time must be 1..604800 seconds");
    if (!parse_count(a.jobs, 1, 256, &fo.jobs)) return bad("--jobs must be 1..256");
    unsigned seed = 0;
    if (!parse_count(a.seed, 0, 0xffffffffu, &seed)) return bad("--seed must be a number");
    fo.seed = seed;
    fo.target_path = a.target_path;
    fo.contract = contract_option();
    fo.source_dir = PTCHECK_SOURCE_DIR;
    if (!a.corpora.empty()) fo.regressions_dir = a.corpora + "/regressions";
    fo.fuzzer_dir = a.fuzzer_dir.empty() ? std::string(PTCHECK_SOURCE_DIR) + "/build/fuzz/fuzz" : a.fuzzer_dir;
    const ptc_target_ops* t = select_target(a);
    if (!t) return kBadInput;
    return stopped_status(ptc::cli::run_fuzz_campaign(fo, t));
  }
  if (a.command == "properties") {
    if (!a.inputs.empty()) return bad("properties takes no positional arguments");
    ptc::cli::PropertiesOptions po;
    if (!ptc::cli::properties_available()) return bad("properties: this ptcheck was built without them (PTCHECK_BUILD_TESTS=ON)");
    if (!parse_count(a.cases, 1, 1000000, &po.cases)) return bad("--cases must be 1..1000000");
    unsigned seed = 1;
    if (!parse_count(a.seed, 0, 0xffffffffu, &seed)) return bad("--seed must be a number");
    po.seed = seed;
    po.target_path = a.target_path;
    po.contract = contract_option();
    po.failure_dir = std::string(PTCHECK_BINARY_DIR) + "/property-failures";
    po.only = a.only;
    po.isolation = isolation();
    const ptc_target_ops* t = select_target(a);
    if (!t) return kBadInput;
    const int rc = ptc::cli::run_property_suites(po, t);
    if (rc == 2) return bad("--only names no property: " + a.only);
    if (const std::string log = ptc::cli::target_log_summary(isolation()); !log.empty()) std::printf("%s\n", log.c_str());
    return stopped_status(rc);
  }
  if (a.command == "prove") {
    if (!a.inputs.empty()) return bad("prove takes no positional arguments");
    const ptc_target_ops* t = select_target(a);
    if (!t) return kBadInput;
    if (!ptc::cli::prove_selection_exists(a.only))
      return bad("--only '" + a.only + "' names no obligation (try `ptcheck prove --only '*'` for the list)");
    // The recordings run the target: in a child process (core/isolation), so that a target that dies or
    // hangs while its steps are recorded is a finding, not the end of ptcheck.
    ptc::cli::ProveOptions po{a.only, a.json, a.target_path, a.html, contract_option()};
    int rc = kBug;
    ptc::run_items_isolated(
        1,
        [&](size_t, ptc::ChildChannel& ch) {
          po.out = ch.text();
          return std::to_string(ptc::cli::run_prove_command(po, t));
        },
        isolation(),
        [&](size_t, ptc::ItemOutcome&& item) {
          if (item.payload) {
            rc = std::atoi(item.payload->c_str());
            return;
          }
          if (!item.death) return;
          const std::string excerpt = ptc::death_excerpt(isolation(), item);
          std::printf("ptcheck prove: FAIL %s: the target %s while its steps were recorded\n%s  replay: ptcheck prove%s%s\n",
                      ptc::death_oracle_name(*item.death, excerpt),
                      item.death->how == ptc::ChildEnd::How::kDied ? ("died (" + ptc::describe_death(*item.death) + ")").c_str()
                                                                   : "did not return within the op timeout",
                      excerpt.c_str(), a.target_path.empty() ? "" : (" --target " + a.target_path).c_str(),
                      a.contract.empty() ? "" : (" --contract " + a.contract).c_str());
        });
    if (const std::string log = ptc::cli::target_log_summary(isolation()); !log.empty()) std::printf("%s\n", log.c_str());
    return rc;
  }
  if (a.command == "check") {
    if (!a.inputs.empty()) return bad("check takes no positional arguments");
    ptc::cli::CheckOptions co;
    unsigned n = 0;
    if (!a.time.empty()) {
      if (!parse_count(a.time, 0, 86400, &n)) return bad("--time must be 0..86400 seconds per fuzzer");
      co.fuzz_seconds = n;
    }
    if (!a.cases.empty()) {
      if (!parse_count(a.cases, 0, 1000000, &n)) return bad("--cases must be 0..1000000");
      co.cases = n;
    }
    if (!parse_count(a.budget, 1, 86400, &co.budget)) return bad("--budget must be 1..86400 seconds");
    co.json_path = a.json_file;
    co.junit_path = a.junit_file;
    co.target_path = a.target_path;
    co.contract = contract_option();
    co.isolation = isolation();
    co.source_dir = PTCHECK_SOURCE_DIR;
    co.corpora_root = a.corpora.empty() ? std::string(PTCHECK_SOURCE_DIR) + "/corpora" : a.corpora;
    co.fuzzer_dir = a.fuzzer_dir.empty() ? std::string(PTCHECK_SOURCE_DIR) + "/build/fuzz/fuzz" : a.fuzzer_dir;
    co.failure_dir = std::string(PTCHECK_BINARY_DIR) + "/property-failures";
    const ptc_target_ops* t = select_target(a);
    if (!t) return kBadInput;
    return ptc::cli::run_check(co, t);
  }
  return bad("unknown command '" + a.command + "' (try `ptcheck help`)");
}
