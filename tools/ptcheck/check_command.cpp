#include "tools/ptcheck/check_command.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/runner/runner.h"
#include "tools/ptcheck/check_report.h"
#include "tools/ptcheck/fuzz_command.h"
#include "tools/ptcheck/properties_command.h"
#include "tools/ptcheck/prove_command.h"
#include "tools/ptcheck/script_files.h"
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
// The budget's split of what remains after replay and prove, by weight.
constexpr double kPropertiesWeight = 3, kFuzzWeight = 5, kStressWeight = 2;
// Property cases under a budget: the first property's count, and the range every count stays in.
constexpr unsigned kCalibrationCases = 10, kMinCases = 5, kMaxCases = 1000;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void finish_stage(CheckStage* s, Clock::time_point start) {
  s->seconds = since(start);
  if (s->items.empty())
    s->result = CheckResult::kSkip;
  else
    s->result = s->count(CheckResult::kFail) ? CheckResult::kFail : CheckResult::kPass;
  std::printf("== %s: %s, %zu item(s), %zu failed, %zu skipped, %.1fs\n", s->name.c_str(), check_result_name(s->result),
              s->items.size(), s->count(CheckResult::kFail), s->count(CheckResult::kSkip), s->seconds);
  std::fflush(stdout);
}

CheckStage skipped_stage(const std::string& name, const std::string& why) {
  CheckStage s;
  s.name = name;
  s.result = CheckResult::kSkip;
  s.note = why;
  std::printf("== %s: SKIP (%s)\n", name.c_str(), why.c_str());
  std::fflush(stdout);
  return s;
}

// Every corpus script and fuzz_ops input, as regression tests.
CheckStage replay_stage(const std::vector<std::string>& files, const std::string& root, const ptc_target_ops* t,
                        const std::string& target_path, Contract contract, const IsolationOptions& io,
                        bool* bad_input) {
  CheckStage s;
  s.name = "replay";
  s.note = std::to_string(files.size()) + " scripts and fuzz_ops inputs under " + root;
  std::printf("== replay: %s\n", s.note.c_str());
  std::fflush(stdout);
  const auto start = Clock::now();
  auto last = start;
  RunOptions opts;
  if (!target_path.empty()) opts.replay_args = "--target " + target_path;
  if (contract != Contract::Spec)
    opts.replay_args += (opts.replay_args.empty() ? "" : " ") + std::string("--contract ") + contract_name(contract);
  // The scripts that load run in child processes (core/isolation): a target that crashes or hangs is
  // that script's failure, and the stage goes on.
  std::vector<Script> scripts;
  std::vector<size_t> item_of;
  for (size_t k = 0; k < files.size(); ++k) {
    const std::string& f = files[k];
    CheckItem item;
    item.name = fs::path(f).lexically_relative(root).string();
    if (item.name.empty() || item.name.rfind("..", 0) == 0) item.name = f;
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
  run_scripts_isolated(scripts, t, opts, io, [&](size_t j, IsolatedResult&& ir) {
    CheckItem& item = s.items[item_of[j]];
    const std::string& f = files[item_of[j]];
    const RunResult& r = ir.result;
    item.seconds = since(t0);
    t0 = Clock::now();
    if (!ir.run) {
      item.result = CheckResult::kSkip;
      item.signature = "not run: the check was stopped";
    } else if (r.skipped) {
      item.result = CheckResult::kSkip;
      item.signature = r.skip_reason;
    } else if (r.failure) {
      item.result = CheckResult::kFail;
      item.signature = r.failure->signature;
      item.replay = r.failure->replay;
      item.detail = r.failure->trace;
      std::printf("FAIL %s:%d %s\n", f.c_str(), r.failure->line, r.failure->signature.c_str());
    }
    if (ir.warnings) item.detail += std::to_string(ir.warnings) + " WARNING line(s) in the target log " + io.log_path + "\n";
    if (since(last) >= 5) {
      last = Clock::now();
      std::printf("  replay: %zu/%zu (%.0fs)\n", done + 1, scripts.size(), since(start));
    }
    ++done;
    std::fflush(stdout);
  });
  finish_stage(&s, start);
  return s;
}

CheckStage prove_stage(const ptc_target_ops* t, const std::string& target_path, Contract contract) {
  CheckStage s;
  s.name = "prove";
  s.note = "split and block unmap/dirty obligations on the target's recorded steps (all: ptcheck prove)";
  std::printf("== prove: %s\n", s.note.c_str());
  std::fflush(stdout);
  const auto start = Clock::now();
  std::vector<ProveVerdict> verdicts;
  run_prove_for_check(t, target_path, contract, &verdicts);
  for (const ProveVerdict& v : verdicts) {
    CheckItem item;
    item.name = v.name;
    item.seconds = v.seconds;
    item.result = v.skipped ? CheckResult::kSkip : v.passed ? CheckResult::kPass : CheckResult::kFail;
    item.signature = v.signature;  // a skip's reason, never "proved"
    item.replay = v.replay;
    item.detail = v.detail;
    s.items.push_back(std::move(item));
  }
  finish_stage(&s, start);
  return s;
}

// Each property for a fixed number of cases, or, under a budget, for cases scaled so that the stage
// takes about `seconds`: the first runs kCalibrationCases, each next one as many as the cost per case
// measured so far allows in its share of what is left.
CheckStage properties_stage(const CheckOptions& o, const ptc_target_ops* t, long fixed_cases, double seconds) {
  CheckStage s;
  s.name = "properties";
  const std::vector<std::string> names = property_names();
  s.note = fixed_cases >= 0 ? std::to_string(fixed_cases) + " cases each, seed " + std::to_string(kSeed)
           : seconds < 1 ? "the budget is spent: " + std::to_string(kMinCases) + " cases each, seed " + std::to_string(kSeed)
                         : "cases scaled to ~" + std::to_string(long(seconds + 0.5)) + "s, seed " + std::to_string(kSeed);
  std::printf("== properties: %zu RapidCheck suites, %s\n", names.size(), s.note.c_str());
  std::fflush(stdout);
  const auto start = Clock::now();
  double per_case = 0;  // seconds per case measured so far
  unsigned cases_run = 0;
  for (size_t k = 0; k < names.size(); ++k) {
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
      if (!v.passed && !v.skipped) {
        item.signature = "property:" + v.name + " failed after " + std::to_string(v.cases) + " case(s)";
        item.replay = "ptcheck properties --seed " + std::to_string(kSeed) + " --cases " + std::to_string(cases) +
                      (o.target_path.empty() ? "" : " --target " + o.target_path) +
                      (o.contract == Contract::Spec ? "" : std::string(" --contract ") + contract_name(o.contract));
        item.detail = v.report;
      }
      s.items.push_back(std::move(item));
    }
  }
  finish_stage(&s, start);
  return s;
}

CheckStage fuzz_stage(const CheckOptions& o, const ptc_target_ops* t, unsigned seconds_each, bool* bad_input) {
  CheckStage s;
  s.name = "fuzz";
  s.note = std::to_string(seconds_each) + "s per fuzzer, seed " + std::to_string(kSeed);
  std::printf("== fuzz: %zu fuzzers, %s\n", std::size(kFuzzers), s.note.c_str());
  std::fflush(stdout);
  const auto start = Clock::now();
  for (const char* f : kFuzzers) {
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
    if (o.corpora_root != o.source_dir + "/corpora") fo.regressions_dir = o.corpora_root + "/regressions";
    FuzzOptions::Outcome outcome;
    fo.outcome = &outcome;
    const auto t0 = Clock::now();
    const int r = run_fuzz_campaign(fo, t);
    item.seconds = since(t0);
    if (r == kBadInput) *bad_input = true;
    if (!outcome.crashes.empty()) {
      item.result = CheckResult::kFail;
      item.signature = outcome.crashes[0].signature;
      item.replay = outcome.crashes[0].replay;
      for (const auto& c : outcome.crashes) item.detail += c.signature + "\n  replay: " + c.replay + "\n";
    } else if (r != kHolds) {
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
CheckStage stress_stage(const CheckOptions& o, const ptc_target_ops* t, unsigned seconds) {
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
  StressOptions::Outcome outcome;
  so.outcome = &outcome;
  const int r = run_stress(so, t);
  CheckItem item;
  item.name = "stress " + std::to_string(so.threads) + " CPU threads x " + std::to_string(so.ops) + " ops";
  item.seconds = since(start);
  if (r != kHolds) {
    item.result = CheckResult::kFail;
    item.signature = outcome.signature;
    item.replay = outcome.replay;
  }
  s.items.push_back(std::move(item));
  finish_stage(&s, start);
  return s;
}
#endif

// Whether PATH can be written (checked before an hour of work, not after).
bool writable(const std::string& path) {
  std::ofstream f(path, std::ios::app);
  return bool(f);
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  return bool(f);
}

}  // namespace

// The summary table and the report files; the exit status.
static int finish(CheckReport& report, const CheckOptions& o, Clock::time_point start, bool bad_input);

int run_check(const CheckOptions& o, const ptc_target_ops* t) {
  for (const std::string* p : {&o.json_path, &o.junit_path})
    if (!p->empty() && !writable(*p)) {
      std::fprintf(stderr, "ptcheck: cannot write %s\n", p->c_str());
      return kBadInput;
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

  const auto start = Clock::now();
  CheckReport report;
  report.target = t->name ? t->name : "?";
  report.target_path = o.target_path;
  report.contract = contract_name(o.contract);
  report.budget = o.budget;
  bool bad_input = false;
  std::printf("ptcheck check: target %s, contract %s%s\n", report.target.c_str(), report.contract.c_str(),
              o.budget ? (", budget " + std::to_string(o.budget) +
                          "s: replay and prove run in full first; what they leave is split properties:fuzz:stress = "
                          "3:5:2 (a stage that cannot run gives its share to the others; each runs at least " +
                          std::to_string(kMinCases) + " cases per property, 1s per fuzzer, 1s of stress)")
                             .c_str()
                       : "");
  std::fflush(stdout);

  report.stages.push_back(replay_stage(files, o.corpora_root, t, o.target_path, o.contract, o.isolation, &bad_input));
  if (bad_input) {
    // The corpus must be fixed first: minutes of proving and fuzzing would not make this run a verdict.
    for (const char* s : {"prove", "properties", "fuzz", "stress"})
      report.stages.push_back(skipped_stage(s, "not run: bad input in the corpus"));
    return finish(report, o, start, bad_input);
  }
  report.stages.push_back(prove_stage(t, o.target_path, o.contract));

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
    std::printf("== budget: %.1fs spent on replay and prove, %.1fs left: properties ~%.0fs%s, fuzz ~%.0fs%s, stress "
                "~%.0fs\n",
                since(start), left, share(wp, wp, wf, ws), props_on ? (o.cases >= 0 ? " (--cases fixed)" : " (cases scaled)") : " (off)",
                share(wf, wp, wf, ws),
                fuzz_on ? (o.fuzz_seconds >= 0 ? " (--time fixed)" : (" (" + std::to_string(nfuzz) + " fuzzers)").c_str())
                        : " (off)",
                share(ws, wp, wf, ws));
    std::fflush(stdout);
  }

  if (!properties_available()) {
    report.stages.push_back(skipped_stage("properties", "not built (PTCHECK_BUILD_TESTS=OFF)"));
  } else if (o.cases == 0) {
    report.stages.push_back(skipped_stage("properties", "off (--cases 0)"));
  } else if (o.budget && o.cases < 0) {
    // A spent budget still runs each property for kMinCases: the budget is a target, the gate stays whole.
    report.stages.push_back(properties_stage(o, t, -1, share(wp, wp, wf, ws)));
  } else {
    report.stages.push_back(properties_stage(o, t, o.cases < 0 ? long(kDefaultCases) : o.cases, 0));
  }

  if (!fuzz_built) {
    report.stages.push_back(skipped_stage(
        "fuzz", "no fuzzers in " + o.fuzzer_dir + " (cmake --preset fuzz && cmake --build --preset fuzz)"));
  } else if (o.fuzz_seconds == 0) {
    report.stages.push_back(skipped_stage("fuzz", "off (--time 0)"));
  } else {
    unsigned each = o.fuzz_seconds > 0 ? unsigned(o.fuzz_seconds) : kDefaultFuzzSeconds;
    if (o.budget && o.fuzz_seconds < 0) each = std::max(1u, unsigned(share(wf, 0, wf, ws) / double(nfuzz)));
    report.stages.push_back(fuzz_stage(o, t, each, &bad_input));
  }

#if PTCHECK_HAVE_STRESS
  {
    unsigned secs = kDefaultStressSeconds;
    if (o.budget) secs = unsigned(std::max(1.0, double(o.budget) - since(start)));
    report.stages.push_back(stress_stage(o, t, secs));
  }
#else
  report.stages.push_back(skipped_stage("stress", "not built (PTCHECK_BUILD_TESTS=OFF)"));
#endif

  return finish(report, o, start, bad_input);
}

static int finish(CheckReport& report, const CheckOptions& o, Clock::time_point start, bool bad_input) {
  bool failed = false;
  for (const CheckStage& s : report.stages) failed |= s.result == CheckResult::kFail;
  report.exit_status = bad_input ? kBadInput : failed ? kBug : kHolds;
  report.seconds = since(start);
  std::printf("\n%s", check_summary_table(report).c_str());
  if (const std::string log = target_log_summary(o.isolation); !log.empty()) std::printf("%s\n", log.c_str());
  std::fflush(stdout);
  if (!o.json_path.empty() && !write_text(o.json_path, check_json(report))) {
    std::fprintf(stderr, "ptcheck: cannot write %s\n", o.json_path.c_str());
    return kBadInput;
  }
  if (!o.junit_path.empty() && !write_text(o.junit_path, check_junit(report))) {
    std::fprintf(stderr, "ptcheck: cannot write %s\n", o.junit_path.c_str());
    return kBadInput;
  }
  return report.exit_status;
}

}  // namespace ptc::cli
