#include "tools/ptcheck/check_command.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <utility>
#include <vector>

#include "core/isolation/child_process.h"
#include "core/isolation/frames.h"
#include "core/runner/runner.h"
#include "tools/ptcheck/check_report.h"
#include "tools/ptcheck/data_dir.h"
#include "tools/ptcheck/fail_sweep_command.h"
#include "tools/ptcheck/fuzz_command.h"
#include "tools/ptcheck/properties_command.h"
#include "tools/ptcheck/prove_command.h"
#include "tools/ptcheck/report_file.h"
#include "tools/ptcheck/script_files.h"
#include "tools/ptcheck/stop_flag.h"
#include "tools/ptcheck/target_log.h"
#if PTCHECK_HAVE_STRESS
#include "tools/ptcheck/stress_command.h"
#endif

namespace fs = std::filesystem;

namespace ptc::cli {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kHolds = 0, kBug = 1, kBadInput = 2;
const char* const kFuzzers[] = {"fuzz_ops", "fuzz_bitmap", "fuzz_script"};

// Defaults without --budget (and the seeds: every stage is deterministic but for thread timing).
constexpr unsigned kDefaultFuzzSeconds = 10, kDefaultCases = 100, kDefaultStressSeconds = 3;
constexpr uint64_t kSeed = 1;
// Under a budget, the fail sweep's share of what the replay leaves (the sweep of every scenario takes
// minutes under ASan: docs/PERFORMANCE.md); the scripts it does not reach are reported as skipped.
constexpr double kFailSweepShare = 0.2;
// Without a budget, the fail sweep's length, as fuzz and stress have one: the whole sweep of the scenarios
// takes far longer under ASan (`ptcheck run --fail-sweep` runs it all). The scripts it does not reach are
// skipped items, and the run is not "stopped" for that.
constexpr double kDefaultFailSweepSeconds = 30;
// The budget's split of what remains after replay and prove, by weight.
constexpr double kPropertiesWeight = 3, kFuzzWeight = 5, kStressWeight = 2;
// Property cases under a budget: the first property's count, and the range every count stays in.
constexpr unsigned kCalibrationCases = 10, kMinCases = 5, kMaxCases = 1000;
// A fuzzer is stopped this long after the time it was given (libFuzzer's own -max_total_time ends it first,
// then prints its final stats).
constexpr double kFuzzGraceSeconds = 3;
// What a run may take past its --budget (stated in `ptcheck help`, README and docs): a corpus script's child
// and a fuzzer are stopped at the deadline; an item in flight in the other stages finishes, and the longest
// of those ptcheck bounds itself is a Z3 obligation (proofs/obligation.h: 10 s at most); then the summary
// and the reports are written.
constexpr unsigned kBudgetOverrunSeconds = 10;
const char* const kStages[] = {"replay", "fail-sweep", "prove", "properties", "fuzz", "stress"};

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

Clock::time_point after(Clock::time_point t, double seconds) {
  return t + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// Why a loop must not start its next item: the signal that asked the run to stop, "budget" once `deadline`
// has passed, "" while it may go on.
std::string why_stop(Clock::time_point deadline) {
  if (stop_requested()) return stop_reason();
  return Clock::now() >= deadline ? "budget" : "";
}

std::string not_run_reason(const std::string& why) {
  return why == "budget" ? "not run: the budget was spent" : "not run: the run was stopped (" + why + ")";
}

// The items a stage did not reach, as skipped ones with the reason, and the stage marked cut short.
void cut_short(CheckStage* s, const std::string& why, const std::vector<std::string>& names_left) {
  s->stopped = why;
  for (const std::string& n : names_left) {
    CheckItem item;
    item.name = n;
    item.result = CheckResult::kSkip;
    item.signature = not_run_reason(why);
    s->items.push_back(std::move(item));
  }
  std::printf("  %s: stopped (%s), %zu item(s) not run\n", s->name.c_str(), why.c_str(), names_left.size());
  std::fflush(stdout);
}

void finish_stage(CheckStage* s, Clock::time_point start) {
  s->seconds = since(start);
  if (s->items.empty())
    s->result = CheckResult::kSkip;
  else
    s->result = s->count(CheckResult::kFail) ? CheckResult::kFail : CheckResult::kPass;
  std::printf("== %s: %s, %zu item(s), %zu failed, %zu skipped, %.1fs%s\n", s->name.c_str(),
              check_result_name(s->result), s->items.size(), s->count(CheckResult::kFail), s->count(CheckResult::kSkip),
              s->seconds, s->stopped.empty() ? "" : (", cut short (" + s->stopped + ")").c_str());
  std::fflush(stdout);
}

CheckStage skipped_stage(const std::string& name, const std::string& why) {
  CheckStage s;
  s.name = name;
  s.result = CheckResult::kSkip;
  s.note = why;
  s.ran = false;
  std::printf("== %s: SKIP (%s)\n", name.c_str(), why.c_str());
  std::fflush(stdout);
  return s;
}

// Every corpus script and fuzz_ops input, as regression tests.
std::string item_name(const std::string& file, const std::string& root) {
  std::string name = fs::path(file).lexically_relative(root).string();
  return name.empty() || name.rfind("..", 0) == 0 ? file : name;
}

// What a replay line adds: the target's, then the contract's arguments.
std::string replay_args(const std::string& target_path, Contract contract) {
  std::string a = target_path.empty() ? "" : "--target " + target_path;
  if (contract != Contract::Spec) a += (a.empty() ? "" : " ") + std::string("--contract ") + contract_name(contract);
  return a;
}

CheckStage replay_stage(const std::vector<std::string>& files, const std::string& root, const ptc_target_ops* t,
                        const std::string& target_path, Contract contract, const IsolationOptions& io,
                        Clock::time_point deadline, bool* bad_input) {
  CheckStage s;
  s.name = "replay";
  s.note = std::to_string(files.size()) + " scripts and fuzz_ops inputs under " + root;
  std::printf("== replay: %s\n", s.note.c_str());
  std::fflush(stdout);
  const auto start = Clock::now();
  auto last = start;
  RunOptions opts;
  opts.replay_args = replay_args(target_path, contract);
  // The scripts that load run in child processes (core/isolation): a target that crashes or hangs is
  // that script's failure, and the stage goes on.
  std::vector<Script> scripts;
  std::vector<size_t> item_of;
  for (size_t k = 0; k < files.size(); ++k) {
    const std::string& f = files[k];
    CheckItem item;
    item.name = item_name(f, root);
    Script script;
    std::string error;
    if (!load_script(f, &script, &error)) {
      item.result = CheckResult::kFail;
      item.signature = "bad input: " + error;
      item.replay = "ptcheck run " + f;
      *bad_input = true;
      std::fprintf(stderr, "%s\n", error.c_str());
    } else {
      if (!script.has_contract) script.config.contract = contract;
      scripts.push_back(std::move(script));
      item_of.push_back(k);
    }
    s.items.push_back(std::move(item));
  }
  auto t0 = Clock::now();
  size_t done = 0;
  // The budget's end and SIGTERM/SIGINT end the run: the scripts left are not run (and one in flight is killed).
  IsolationOptions stage_io = io;
  stage_io.deadline = std::min(io.deadline, deadline);
  stage_io.should_stop = [] { return stop_requested(); };
  size_t not_run = 0, not_shown = 0;
  std::set<std::string> shown_groups;
  run_scripts_isolated(scripts, t, opts, stage_io, [&](size_t j, IsolatedResult&& ir) {
    CheckItem& item = s.items[item_of[j]];
    const std::string& f = files[item_of[j]];
    const RunResult& r = ir.result;
    item.seconds = since(t0);
    t0 = Clock::now();
    if (!ir.run) {
      s.stopped = why_stop(stage_io.deadline);
      item.result = CheckResult::kSkip;
      item.signature = not_run_reason(s.stopped);
      ++not_run;
    } else if (r.skipped) {
      item.result = CheckResult::kSkip;
      item.signature = r.skip_reason;
    } else if (r.failure) {
      item.result = CheckResult::kFail;
      item.signature = r.failure->signature;
      item.replay = r.failure->replay;
      item.detail = r.failure->trace;
      item.size = scripts[j].ops.size();
      // One line per distinct failure: the rest of its group is counted (the summary and reports list it).
      if (shown_groups.insert(failure_group(item.signature)).second)
        std::printf("FAIL %s:%d %s\n", f.c_str(), r.failure->line, r.failure->signature.c_str());
      else
        ++not_shown;
    }
    item.warnings = ir.warnings;
    if (ir.warnings) item.detail += std::to_string(ir.warnings) + " WARNING line(s) in the target log " + io.log_path + "\n";
    if (since(last) >= 5) {
      last = Clock::now();
      std::printf("  replay: %zu/%zu (%.0fs)\n", done + 1, scripts.size(), since(start));
    }
    ++done;
    std::fflush(stdout);
  });
  if (not_shown) std::printf("  replay: %zu more failure(s) of the kinds above (listed in the summary's groups)\n", not_shown);
  if (not_run) std::printf("  replay: stopped (%s), %zu item(s) not run\n", s.stopped.c_str(), not_run);
  std::fflush(stdout);
  finish_stage(&s, start);
  return s;
}

// `ptcheck run --fail-sweep` over corpora/scenarios and corpora/fail_sweep (fail_sweep_command.h): an item per script, its
// operations swept until the deadline; a script not swept to the end is skipped with the reason.
CheckStage fail_sweep_stage(const CheckOptions& o, const ptc_target_ops* t, Clock::time_point deadline,
                            Clock::time_point run_start, bool* bad_input) {
  CheckStage s;
  const Clock::time_point stage_end =
      after(Clock::now(), o.budget ? kFailSweepShare * std::max(0.0, o.budget - since(run_start)) : kDefaultFailSweepSeconds);
  // Why the sweep must not go on: a signal, the budget (the run's or the stage's share of it), or, without
  // a budget, the stage's own time ("time": not a stop of the run).
  auto why_cut = [&]() -> std::string {
    if (std::string why = why_stop(deadline); !why.empty()) return why;
    if (Clock::now() < stage_end) return "";
    return o.budget ? "budget" : "time";
  };
  auto cut_reason = [](const std::string& why) {
    return why == "time" ? "not run: the stage's " + std::to_string(int(kDefaultFailSweepSeconds)) +
                               " s were spent (`ptcheck run --fail-sweep` sweeps every script)"
                         : not_run_reason(why);
  };
  s.name = "fail-sweep";
  // The scenarios, and the scripts whose bugs only the sweep can see (corpora/fail_sweep).
  std::vector<std::string> dirs, files;
  for (const char* sub : {"scenarios", "fail_sweep"})
    if (fs::is_directory(o.corpora_root + "/" + sub)) dirs.push_back(o.corpora_root + "/" + sub);
  if (!dirs.empty() && !collect_scripts(dirs, &files)) *bad_input = true;
  const std::string root = o.corpora_root + "/{scenarios,fail_sweep}";
  std::printf("== fail-sweep: every operation of the %zu scripts under %s, with each of its table allocations "
              "failing in turn%s\n",
              files.size(), root.c_str(), o.budget ? " (a fifth of the budget left)" : "");
  std::fflush(stdout);
  const auto start = Clock::now();
  FailSweepOptions fo;
  fo.target_path = o.target_path;
  fo.replay_args = replay_args(o.target_path, o.contract);
  fo.isolation = o.isolation;
  fo.isolation.deadline = std::min({o.isolation.deadline, deadline, stage_end});
  fo.isolation.should_stop = [] { return stop_requested(); };
  fo.contract = o.contract;
  // Beside property-failures/, where `ptcheck run --fail-sweep` writes them too.
  fo.out_dir = (fs::path(o.failure_dir).parent_path() / "fail-sweep").string();
  size_t ops = 0, sites = 0, runs = 0;
  for (size_t k = 0; k < files.size(); ++k) {
    if (const std::string why = why_cut(); !why.empty()) {
      std::vector<std::string> left;
      for (size_t j = k; j < files.size(); ++j) left.push_back(item_name(files[j], o.corpora_root));
      cut_short(&s, why, left);
      for (size_t j = s.items.size() - left.size(); j < s.items.size(); ++j) s.items[j].signature = cut_reason(why);
      if (why == "time") s.stopped.clear();
      break;
    }
    CheckItem item;
    item.name = item_name(files[k], o.corpora_root);
    const auto t0 = Clock::now();
    Script script;
    std::string error;
    if (!load_script(files[k], &script, &error)) {
      item.result = CheckResult::kFail;
      item.signature = "bad input: " + error;
      *bad_input = true;
      s.items.push_back(std::move(item));
      continue;
    }
    if (!script.has_contract) script.config.contract = o.contract;
    const ScriptSweep r = sweep_script(script, fs::path(files[k]).stem().string(), t, fo);
    item.seconds = since(t0);
    ops += r.ops, sites += r.sites, runs += r.runs;
    if (!r.failures.empty()) {
      item.result = CheckResult::kFail;
      item.signature = r.failures.front().failure.signature;
      item.replay = r.failures.front().failure.replay;
      for (const FailSweepFinding& f : r.failures) item.detail += fail_sweep_finding_text(f);
      std::printf("FAIL %s:%d %s (allocation %llu failing; replay: %s)\n", files[k].c_str(),
                  r.failures.front().source_line, item.signature.c_str(),
                  static_cast<unsigned long long>(r.failures.front().n), item.replay.c_str());
    } else if (r.skipped) {
      item.result = CheckResult::kSkip;
      item.signature = r.skip_reason;
    } else if (!r.stopped.empty()) {
      const std::string why = why_cut();
      if (why != "time") s.stopped = why.empty() ? r.stopped : why;
      item.result = CheckResult::kSkip;
      item.signature = cut_reason(why.empty() ? r.stopped : why);
      item.detail = std::to_string(r.ops_left) + " operation(s) not swept to the end\n";
    }
    if (!r.write_error.empty()) {
      std::fprintf(stderr, "ptcheck: %s\n", r.write_error.c_str());
      *bad_input = true;
    }
    s.items.push_back(std::move(item));
    std::fflush(stdout);
  }
  s.note = std::to_string(files.size()) + " scripts under " + root + ": " + sweep_counts(ops, sites, runs);
  finish_stage(&s, start);
  return s;
}

CheckStage prove_stage(const ptc_target_ops* t, const std::string& target_path, Contract contract,
                       Clock::time_point deadline, const IsolationOptions& isolation) {
  CheckStage s;
  s.name = "prove";
  s.note = "split and block unmap/dirty obligations on the target's recorded steps (all: ptcheck prove)";
  std::printf("== prove: %s\n", s.note.c_str());
  std::fflush(stdout);
  const auto start = Clock::now();
  // The recordings run the target: in a child process (core/isolation), one obligation an item, so that
  // a target that dies or hangs there is that obligation's finding and the gate goes on. An obligation
  // may run 10 s past the deadline (Z3); a stop kills the one in flight.
  const std::vector<std::string> names = check_obligation_names();
  std::vector<ProveVerdict> verdicts;
  std::vector<std::string> left;
  IsolationOptions io = isolation;
  io.should_stop = [] { return stop_requested(); };
  io.deadline = deadline == Clock::time_point::max() ? deadline : deadline + std::chrono::seconds(10);
  run_items_isolated(
      names.size(),
      [&](size_t i, ChildChannel& ch) {
        std::vector<ProveVerdict> mine;
        // The counterexamples go to the reports (the verdicts' detail), not the screen: one line each below.
        std::FILE* sink = std::fopen("/dev/null", "w");
        run_prove_for_check(t, target_path, contract, &mine, [deadline] { return !why_stop(deadline).empty(); },
                            sink ? sink : ch.text(), names[i]);
        if (sink) std::fclose(sink);
        FrameWriter w;
        for (const ProveVerdict& v : mine)
          w.str(1, v.name).num(2, v.passed).num(3, v.skipped).num(4, v.stopped).num(5, int64_t(v.seconds * 1000))
              .str(6, v.signature).str(7, v.replay).str(8, v.detail);
        return w.bytes();
      },
      io,
      [&](size_t i, ItemOutcome&& item) {
        if (!item.run || (item.death && item.death->how == ChildEnd::How::kStopped)) {
          left.push_back(names[i]);
          return;
        }
        if (item.payload) {
          for_each_field(*item.payload, [&](uint8_t tag, std::string_view v, int64_t n) {
            if (tag == 1) verdicts.emplace_back().name = v;
            if (verdicts.empty()) return;
            ProveVerdict& x = verdicts.back();
            if (tag == 2) x.passed = n;
            if (tag == 3) x.skipped = n;
            if (tag == 4) x.stopped = n;
            if (tag == 5) x.seconds = double(n) / 1000;
            if (tag == 6) x.signature = v;
            if (tag == 7) x.replay = v;
            if (tag == 8) x.detail = v;
          });
          return;
        }
        if (!item.death) return;
        const ChildEnd& end = *item.death;
        const std::string excerpt = death_excerpt(io, item);
        ProveVerdict v;
        v.name = names[i];
        v.signature = std::string(death_oracle_name(end, excerpt)) + ":prove:" +
                      (end.entry == WatchedEntry::kOp ? "op" : watched_entry_name(end.entry));
        v.replay = "ptcheck prove --only " + names[i] + (target_path.empty() ? "" : " --target " + target_path) +
                   (contract == Contract::Spec ? "" : std::string(" --contract ") + contract_name(contract));
        v.detail = (end.how == ChildEnd::How::kDied ? "the target died (" + describe_death(end) + ")"
                                                    : std::string("the target did not return within the op timeout")) +
                   " while its steps were recorded for this obligation\n" + excerpt;
        std::printf("FAIL prove: %s %s\n", names[i].c_str(), v.signature.c_str());
        std::fflush(stdout);
        verdicts.push_back(std::move(v));
      });
  size_t proved = 0;
  for (const ProveVerdict& v : verdicts) {
    if (v.stopped) {
      left.push_back(v.name);
      continue;
    }
    proved += v.passed;
    if (!v.passed && !v.skipped && !v.signature.empty() && v.signature.find(":prove:") == std::string::npos)
      std::printf("FAIL prove: %s %s\n", v.name.c_str(), v.signature.c_str());
    // An obligation that held only because nothing happened (vacuous), or does not apply: said, with why.
    if (v.skipped) {
      const size_t colon = v.signature.find(": ");
      std::printf("%s  %s  %s\n", v.signature.substr(0, colon).c_str(), v.name.c_str(),
                  colon == std::string::npos ? "" : v.signature.substr(colon + 2).c_str());
    }
    CheckItem item;
    item.name = v.name;
    item.seconds = v.seconds;
    item.result = v.skipped ? CheckResult::kSkip : v.passed ? CheckResult::kPass : CheckResult::kFail;
    item.signature = v.signature;  // a skip's reason, never "proved"
    item.replay = v.replay;
    item.detail = v.detail;
    s.items.push_back(std::move(item));
  }
  std::printf("  prove: %zu proved of %zu obligation(s)\n", proved, names.size());
  std::fflush(stdout);
  if (!left.empty()) cut_short(&s, why_stop(deadline), left);
  finish_stage(&s, start);
  return s;
}

// Each property for a fixed number of cases, or, under a budget, for cases scaled so that the stage
// takes about `seconds`: the first runs kCalibrationCases, each next one as many as the cost per case
// measured so far allows in its share of what is left. No case starts after `deadline`.
CheckStage properties_stage(const CheckOptions& o, const ptc_target_ops* t, long fixed_cases, double seconds,
                            Clock::time_point deadline) {
  CheckStage s;
  s.name = "properties";
  const std::vector<std::string> names = property_names();
  s.note = fixed_cases >= 0 ? std::to_string(fixed_cases) + " cases each, seed " + std::to_string(kSeed)
                            : "cases scaled to ~" + std::to_string(long(seconds + 0.5)) + "s, seed " + std::to_string(kSeed);
  std::printf("== properties: %zu RapidCheck suites, %s\n", names.size(), s.note.c_str());
  std::fflush(stdout);
  const auto start = Clock::now();
  double per_case = 0;  // seconds per case measured so far
  unsigned cases_run = 0;
  for (size_t k = 0; k < names.size(); ++k) {
    if (const std::string why = why_stop(deadline); !why.empty()) {
      cut_short(&s, why, std::vector<std::string>(names.begin() + long(k), names.end()));
      break;
    }
    unsigned cases = fixed_cases >= 0 ? unsigned(fixed_cases) : seconds >= 1 ? kCalibrationCases : kMinCases;
    if (fixed_cases < 0 && cases_run > 0) {
      const double left = std::max(0.0, seconds - since(start)) / double(names.size() - k);
      cases = unsigned(std::clamp(left / std::max(per_case, 1e-6), double(kMinCases), double(kMaxCases)));
    }
    PropertiesOptions po;
    po.cases = cases;
    po.seed = kSeed;
    po.only = names[k];
    po.target_path = o.target_path;
    po.contract = o.contract;
    po.failure_dir = o.failure_dir;
    po.deadline = deadline;
    po.isolation = o.isolation;
    std::vector<PropertiesOptions::Verdict> verdicts;
    po.verdicts = &verdicts;
    const auto t0 = Clock::now();
    run_property_suites(po, t);
    const double took = since(t0);
    cases_run += cases;
    per_case = since(start) / double(cases_run);
    for (const PropertiesOptions::Verdict& v : verdicts) {
      CheckItem item;
      item.name = v.name;
      item.seconds = took;
      item.result = v.skipped ? CheckResult::kSkip : v.passed ? CheckResult::kPass : CheckResult::kFail;
      if (v.skipped) item.signature = v.report;
      if (v.stopped) {
        // It began after all (the stop came between the check above and its first case), or ran some cases.
        s.stopped = why_stop(deadline);
        if (v.skipped) item.signature = not_run_reason(s.stopped);
      }
      if (!v.passed && !v.skipped) {
        item.signature = "property:" + v.name + " failed after " + std::to_string(v.cases) + " case(s)";
        item.replay = "ptcheck properties --seed " + std::to_string(kSeed) + " --cases " + std::to_string(cases) +
                      (o.target_path.empty() ? "" : " --target " + o.target_path) +
                      (o.contract == Contract::Spec ? "" : std::string(" --contract ") + contract_name(o.contract)) +
                      " --only " + v.name;
        item.detail = v.report;
      }
      s.items.push_back(std::move(item));
    }
  }
  finish_stage(&s, start);
  return s;
}

// Each fuzzer for `seconds_each`; under a budget each is stopped kFuzzGraceSeconds after its time, and none
// runs past `deadline`.
CheckStage fuzz_stage(const CheckOptions& o, const ptc_target_ops* t, unsigned seconds_each, Clock::time_point deadline,
                      bool* bad_input) {
  CheckStage s;
  s.name = "fuzz";
  s.note = std::to_string(seconds_each) + "s per fuzzer, seed " + std::to_string(kSeed);
  std::printf("== fuzz: %zu fuzzers, %s\n", std::size(kFuzzers), s.note.c_str());
  std::fflush(stdout);
  const auto start = Clock::now();
  for (size_t k = 0; k < std::size(kFuzzers); ++k) {
    const char* f = kFuzzers[k];
    if (const std::string why = why_stop(deadline); !why.empty()) {
      cut_short(&s, why, std::vector<std::string>(std::begin(kFuzzers) + long(k), std::end(kFuzzers)));
      break;
    }
    CheckItem item;
    item.name = f;
    FuzzOptions fo;
    fo.fuzzer = f;
    fo.seconds = seconds_each;
    fo.seed = kSeed;
    fo.target_path = o.target_path;
    fo.contract = o.contract;
    fo.source_dir = o.source_dir;
    fo.fuzzer_dir = o.fuzzer_dir;
    fo.save_regressions_dir = o.save_regressions_dir;
    fo.verbose = o.verbose;
    // The committed seeds of source_dir/corpora, fresh in the run's own folder: the same run every time.
    FuzzOptions::Outcome outcome;
    fo.outcome = &outcome;
    const auto t0 = Clock::now();
    if (o.budget) fo.deadline = std::min(deadline, after(t0, seconds_each + kFuzzGraceSeconds));
    const int r = run_fuzz_campaign(fo, t);
    item.seconds = since(t0);
    if (!outcome.stopped.empty()) s.stopped = outcome.stopped;
    if (r == kBadInput) *bad_input = true;
    if (!outcome.crashes.empty()) {
      item.result = CheckResult::kFail;
      item.signature = outcome.crashes[0].signature;
      item.replay = outcome.crashes[0].replay;
      for (const auto& c : outcome.crashes) item.detail += c.signature + "\n  replay: " + c.replay + "\n";
    } else if (r != kHolds && outcome.stopped.empty()) {
      item.result = CheckResult::kFail;
      item.signature = outcome.problem.empty() ? std::string("the fuzzer could not run") : outcome.problem;
      item.replay = "ptcheck fuzz " + std::string(f) + " --time " + std::to_string(seconds_each) + " --seed 1" +
                    (o.target_path.empty() ? "" : " --target " + o.target_path);
    }
    s.items.push_back(std::move(item));
  }
  finish_stage(&s, start);
  return s;
}

#if PTCHECK_HAVE_STRESS
CheckStage stress_stage(const CheckOptions& o, const ptc_target_ops* t, unsigned seconds, Clock::time_point deadline) {
  CheckStage s;
  s.name = "stress";
  s.note = std::to_string(seconds) + "s, seed " + std::to_string(kSeed);
  std::printf("== stress: %s\n", s.note.c_str());
  std::fflush(stdout);
  const auto start = Clock::now();
  StressOptions so;
  so.seconds = seconds;
  so.seed = kSeed;
  so.quiet = true;
  so.target_path = o.target_path;
  so.contract = o.contract;
  so.deadline = deadline;
  StressOptions::Outcome outcome;
  so.outcome = &outcome;
  const int r = run_stress_isolated(so, t, o.isolation);
  s.stopped = outcome.stopped;
  CheckItem item;
  item.name = "stress " + std::to_string(so.threads) + " CPU threads x " + std::to_string(so.ops) + " ops";
  item.seconds = since(start);
  if (r != kHolds) {
    item.result = CheckResult::kFail;
    item.signature = outcome.signature;
    item.replay = outcome.replay;
    item.detail = outcome.report;
  }
  s.items.push_back(std::move(item));
  finish_stage(&s, start);
  return s;
}
#endif

// Both report files, each written whole (report_file.h); false, with the error printed, if one cannot be.
bool write_reports(const CheckReport& r, const CheckOptions& o) {
  bool ok = true;
  for (const auto& [path, text] : {std::pair{o.json_path, &check_json}, std::pair{o.junit_path, &check_junit}}) {
    std::string error;
    if (!path.empty() && !write_report_file(path, text(r), &error)) {
      std::fprintf(stderr, "ptcheck: %s\n", error.c_str());
      ok = false;
    }
  }
  return ok;
}

// After each stage: the reports as they stand, with the stages still to come as not run, so that a run
// killed later (SIGKILL, a crash of the target in ptcheck's process) leaves a whole report of what ran.
void write_unfinished_reports(const CheckReport& done, const CheckOptions& o, Clock::time_point start) {
  if (o.json_path.empty() && o.junit_path.empty()) return;
  CheckReport r = done;
  r.stopped = CheckReport::kUnfinished;
  r.exit_status = -1;
  r.seconds = since(start);
  for (size_t k = r.stages.size(); k < std::size(kStages); ++k) {
    CheckStage s;
    s.name = kStages[k];
    s.result = CheckResult::kSkip;
    s.ran = false;
    s.note = "not run yet: the run had not finished when this report was written";
    r.stages.push_back(std::move(s));
  }
  write_reports(r, o);
}

// Why a stage must not start: as why_stop, with the budget's end as the deadline.
std::string why_not_start(const CheckOptions& o, Clock::time_point deadline) {
  return o.budget || stop_requested() ? why_stop(deadline) : "";
}

}  // namespace

// The summary table and the report files; the exit status.
static int finish(CheckReport& report, const CheckOptions& o, Clock::time_point start, bool bad_input);

int run_check(const CheckOptions& o, const ptc_target_ops* t) {
  for (const std::string* p : {&o.json_path, &o.junit_path}) {
    std::string error;
    if (!p->empty() && !report_path_writable(*p, &error)) {  // checked before an hour of work, not after
      std::fprintf(stderr, "ptcheck: %s\n", error.c_str());
      return kBadInput;
    }
  }
  std::vector<std::string> dirs;
  for (const char* sub : {"scenarios", "regressions", "fuzz/fuzz_ops"})
    if (fs::is_directory(o.corpora_root + "/" + sub)) dirs.push_back(o.corpora_root + "/" + sub);
  if (dirs.empty()) {
    std::fprintf(stderr, "%s:0: no scenarios/ or regressions/ folder\n", o.corpora_root.c_str());
    return kBadInput;
  }
  std::vector<std::string> files;
  if (!collect_scripts(dirs, &files)) return kBadInput;
  if (std::string why = rc_params_problem(); !why.empty()) {  // the properties stage's RapidCheck settings
    std::fprintf(stderr, "ptcheck: %s\n", why.c_str());
    return kBadInput;
  }

  const auto start = Clock::now();
  // The budget's end: no stage starts an item after it (the item in flight finishes: kBudgetOverrunSeconds).
  const Clock::time_point deadline = o.budget ? after(start, o.budget) : Clock::time_point::max();
  CheckReport report;
  report.target = t->name ? t->name : "?";
  report.target_path = o.target_path;
  report.contract = contract_name(o.contract);
  report.target_log = o.isolation.log_path;
  report.budget = o.budget;
  bool bad_input = false;
  std::printf("ptcheck check: target %s, contract %s%s\n", report.target.c_str(), report.contract.c_str(),
              o.budget ? (", budget " + std::to_string(o.budget) + "s (it ends within " +
                          std::to_string(o.budget + kBudgetOverrunSeconds) +
                          "s): replay, fail-sweep (a fifth of what is left) and prove first, what they leave is split "
                          "properties:fuzz:stress = 3:5:2 (a "
                          "stage that cannot run gives its share to the others); a stage stops at its share")
                             .c_str()
                       : "");
  std::fflush(stdout);
  // After a stage: the reports so far; the stages that are not to start, as not run.
  auto stage_done = [&](CheckStage s) {
    report.stages.push_back(std::move(s));
    write_unfinished_reports(report, o, start);
  };
  auto skip_rest = [&](const std::string& why) {
    for (size_t k = report.stages.size(); k < std::size(kStages); ++k)
      report.stages.push_back(skipped_stage(kStages[k], why));
  };

  stage_done(replay_stage(files, o.corpora_root, t, o.target_path, o.contract, o.isolation, deadline, &bad_input));
  if (bad_input) {
    // The corpus must be fixed first: minutes of proving and fuzzing would not make this run a verdict.
    skip_rest("not run: bad input in the corpus");
    return finish(report, o, start, bad_input);
  }
  if (const std::string why = why_not_start(o, deadline); !why.empty()) {
    skip_rest(not_run_reason(why));
    return finish(report, o, start, bad_input);
  }
  stage_done(fail_sweep_stage(o, t, deadline, start, &bad_input));
  if (const std::string why = why_not_start(o, deadline); !why.empty()) {
    skip_rest(not_run_reason(why));
    return finish(report, o, start, bad_input);
  }
  stage_done(prove_stage(t, o.target_path, o.contract, deadline, o.isolation));

  // What runs of the rest, and for how long.
  const bool props_on = properties_available() && o.cases != 0;
  const bool fuzz_built = fs::is_regular_file(o.fuzzer_dir + "/fuzz_ops");
  const bool fuzz_on = fuzz_built && o.fuzz_seconds != 0;
#if PTCHECK_HAVE_STRESS
  const bool stress_on = true;
#else
  const bool stress_on = false;
#endif
  const size_t nfuzz = std::size(kFuzzers);
  // Under a budget, each later stage gets its weight's share of what is left when it starts.
  auto share = [&](double weight, double props_w, double fuzz_w, double stress_w) {
    const double left = std::max(0.0, double(o.budget) - since(start));
    const double total = props_w + fuzz_w + stress_w;
    return total > 0 ? left * weight / total : 0.0;
  };
  const double wp = props_on && o.cases < 0 ? kPropertiesWeight : 0, wf = fuzz_on && o.fuzz_seconds < 0 ? kFuzzWeight : 0,
               ws = stress_on ? kStressWeight : 0;
  if (o.budget) {
    const double left = std::max(0.0, double(o.budget) - since(start));
    std::printf("== budget: %.1fs spent on replay, fail-sweep and prove, %.1fs left: properties ~%.0fs%s, fuzz ~%.0fs%s, stress "
                "~%.0fs\n",
                since(start), left, share(wp, wp, wf, ws), props_on ? (o.cases >= 0 ? " (--cases fixed)" : " (cases scaled)") : " (off)",
                share(wf, wp, wf, ws),
                fuzz_on ? (o.fuzz_seconds >= 0 ? " (--time fixed)" : (" (" + std::to_string(nfuzz) + " fuzzers)").c_str())
                        : " (off)",
                share(ws, wp, wf, ws));
    std::fflush(stdout);
  }

  if (const std::string why = why_not_start(o, deadline); !why.empty()) {
    skip_rest(not_run_reason(why));
  } else if (!properties_available()) {
    stage_done(skipped_stage("properties", "not built (PTCHECK_BUILD_TESTS=OFF)"));
  } else if (o.cases == 0) {
    stage_done(skipped_stage("properties", "off (--cases 0)"));
  } else if (o.budget && o.cases < 0) {
    const double secs = share(wp, wp, wf, ws);
    stage_done(properties_stage(o, t, -1, secs, std::min(deadline, after(Clock::now(), secs))));
  } else {
    stage_done(properties_stage(o, t, o.cases < 0 ? long(kDefaultCases) : o.cases, 0, deadline));
  }

  if (report.stages.size() == std::size(kStages)) {
    // stopped before the properties: nothing more to run
  } else if (const std::string why = why_not_start(o, deadline); !why.empty()) {
    skip_rest(not_run_reason(why));
  } else if (!fuzz_built) {
    stage_done(skipped_stage("fuzz", no_fuzzers_hint(o.fuzzer_dir)));
  } else if (o.fuzz_seconds == 0) {
    stage_done(skipped_stage("fuzz", "off (--time 0)"));
  } else {
    unsigned each = o.fuzz_seconds > 0 ? unsigned(o.fuzz_seconds) : kDefaultFuzzSeconds;
    if (o.budget && o.fuzz_seconds < 0) each = std::max(1u, unsigned(share(wf, 0, wf, ws) / double(nfuzz)));
    stage_done(fuzz_stage(o, t, each, deadline, &bad_input));
  }

  if (report.stages.size() == std::size(kStages)) {
    // stopped before the fuzz stage
  } else if (const std::string why = why_not_start(o, deadline); !why.empty()) {
    skip_rest(not_run_reason(why));
  } else {
#if PTCHECK_HAVE_STRESS
    unsigned secs = kDefaultStressSeconds;
    if (o.budget) secs = unsigned(std::max(1.0, double(o.budget) - since(start)));
    report.stages.push_back(stress_stage(o, t, secs, deadline));
#else
    report.stages.push_back(skipped_stage("stress", "not built (PTCHECK_BUILD_TESTS=OFF)"));
#endif
  }

  return finish(report, o, start, bad_input);
}

static int finish(CheckReport& report, const CheckOptions& o, Clock::time_point start, bool bad_input) {
  bool failed = false;
  for (const CheckStage& s : report.stages) failed |= s.result == CheckResult::kFail;
  // Why the run did not go to the end, if it did not: a signal wins over the budget.
  report.stopped = stop_reason();
  for (const CheckStage& s : report.stages)
    if (report.stopped.empty() && (s.stopped == "budget" || s.note == not_run_reason("budget"))) report.stopped = "budget";
  report.exit_status = bad_input ? kBadInput : failed ? kBug : stop_requested() ? stopped_exit_status() : kHolds;
  report.seconds = since(start);
  std::printf("\n%s", check_summary_table(report).c_str());
  if (const std::string log = target_log_summary(o.isolation); !log.empty()) std::printf("%s\n", log.c_str());
  std::fflush(stdout);
  if (!write_reports(report, o)) return kBadInput;
  return report.exit_status;
}

}  // namespace ptc::cli
