// The fuzz build's measures: see fuzz_build.h. How each binary is run follows tools/fuzz_speed.sh before it
// (now a wrapper of this) and the fuzz-broken tests of fuzz/CMakeLists.txt, which run here as they are.
#include "bench/fuzz_build.h"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>

#include "bench/corpus_files.h"
#include "bench/libfuzzer_output.h"

#ifndef PTCHECK_DEFAULT_FUZZ_BUILD
#define PTCHECK_DEFAULT_FUZZ_BUILD "build/fuzz"
#endif
#ifndef PTCHECK_CTEST
#define PTCHECK_CTEST "ctest"
#endif

namespace ptc::bench {

namespace fs = std::filesystem;

const char kBuildTheFuzzPreset[] = "build the fuzz preset (cmake --preset fuzz && cmake --build --preset fuzz)";

std::string default_fuzz_build_dir() { return PTCHECK_DEFAULT_FUZZ_BUILD; }

std::string shell_word(const std::string& s) {
  std::string w = "'";
  for (char c : s) w += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
  return w + "'";
}

ChildRun run_child(const std::string& command) {
  ChildRun r;
  const auto start = std::chrono::steady_clock::now();
  std::FILE* p = ::popen(("exec 2>&1; " + command).c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  r.status = ::pclose(p);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

namespace {

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0 && fs::is_regular_file(path); }

// The fuzz-broken tests as the fuzz build's ctest lists them.
std::vector<std::string> list_finds(const std::string& dir) {
  if (!fs::exists(fs::path(dir) / "CTestTestfile.cmake")) return {};
  const ChildRun r = run_child(std::string(PTCHECK_CTEST) + " --test-dir " + shell_word(dir) + " -N -L '^fuzz-broken$'");
  return r.status == 0 ? parse_ctest_list(r.output) : std::vector<std::string>{};
}

// Registration and the measure list both ask; ctest -N runs once per build folder.
const FuzzBuild& fuzz_build(const SuiteOptions& o) {
  static std::map<std::string, FuzzBuild> seen;
  auto it = seen.find(o.fuzz_build_dir);
  if (it == seen.end()) it = seen.emplace(o.fuzz_build_dir, inspect_fuzz_build(o.fuzz_build_dir)).first;
  return it->second;
}

// How many times the replay runs each seed (in rounds: see replay_bench), and how long a campaign lasts.
int replay_rounds(const SuiteOptions& o) { return o.quick ? 1 : 4; }
int replay_runs(const SuiteOptions& o) { return o.quick ? 20 : 200; }
int campaign_seconds(const SuiteOptions& o) { return o.quick ? 2 : 20; }

std::vector<std::string> fuzz_ops_seeds(const SuiteOptions& o) {
  std::vector<std::string> seeds = files_under(o.corpora_dir + "/fuzz/fuzz_ops", "");
  for (const std::string& f : files_under(o.corpora_dir + "/scenarios", ".ops")) seeds.push_back(f);
  return seeds;
}

std::string failed_child(const char* what, const ChildRun& r) {
  const std::string finding = parse_finding(r.output);
  return std::string(what) + " exited with status " + std::to_string(r.status) +
         (finding.empty() ? "" : ": " + finding);
}

// fuzz_ops replaying every seed (libFuzzer's individual-file mode: no mutation) `runs` times in all, on the
// differential harness (counter execs) and on the table alone (alone_execs), executions per second of
// libFuzzer's own timing. The two alternate, `rounds` child processes each, so that a slow phase of a
// shared machine falls on both: the ratio is the figure to compare.
void replay_bench(benchmark::State& state, SuiteOptions o) {
  const std::vector<std::string> seeds = fuzz_ops_seeds(o);
  if (seeds.empty()) return state.SkipWithError("no fuzz_ops seeds found (corpora/ moved?)");
  const int rounds = replay_rounds(o), runs = replay_runs(o) / rounds;
  std::string args = " -runs=" + std::to_string(runs) + " -rss_limit_mb=4096";
  for (const std::string& s : seeds) args += " " + shell_word(s);
  const std::string fuzzer = shell_word(o.fuzz_build_dir + "/fuzz/fuzz_ops");
  for (auto _ : state) {
    double ms[2] = {0, 0};  // harness, table alone
    for (int round = 0; round < rounds; ++round)
      for (int alone = 0; alone < 2; ++alone) {
        const ChildRun r = run_child("PTCHECK_FUZZ_TABLE_ALONE=" + std::to_string(alone) + " " + fuzzer + args);
        if (r.status != 0) return state.SkipWithError(failed_child("fuzz_ops", r).c_str());
        const ReplayTotals t = parse_replay(r.output);
        if (t.files != seeds.size())
          return state.SkipWithError(("fuzz_ops replayed " + std::to_string(t.files) + " of " +
                                      std::to_string(seeds.size()) + " seeds")
                                         .c_str());
        ms[alone] += t.ms;
      }
    if (ms[0] <= 0 || ms[1] <= 0) return state.SkipWithError("fuzz_ops reported no time");
    const double execs = double(seeds.size()) * runs * rounds;
    state.SetIterationTime((ms[0] + ms[1]) / 1e3);
    state.counters["execs"] = execs / (ms[0] / 1e3);
    state.counters["alone_execs"] = execs / (ms[1] / 1e3);
  }
  state.SetLabel(std::to_string(seeds.size()) + " seeds x " + std::to_string(runs * rounds) + " runs");
}

// A fuzzing run from the seeds, seed 1, into a scratch corpus folder (libFuzzer writes into the first
// one): libFuzzer's rate. A finding on the built-in table fails the benchmark, as an oracle firing does
// in harness.fuzz_ops.
void campaign_bench(benchmark::State& state, SuiteOptions o, std::string fuzzer, std::vector<std::string> seed_dirs) {
  char scratch_template[] = "/tmp/ptc-bench-campaign-XXXXXX";
  const char* tmp = ::mkdtemp(scratch_template);
  if (!tmp) return state.SkipWithError("cannot make a scratch folder in /tmp");
  const std::string scratch = tmp;
  std::string cmd = shell_word(o.fuzz_build_dir + "/fuzz/" + fuzzer) + " -seed=1 -max_total_time=" +
                    std::to_string(campaign_seconds(o)) + " -timeout=25 -rss_limit_mb=2048 -artifact_prefix=" +
                    shell_word(scratch + "/") + " -dict=" + shell_word(o.corpora_dir + "/fuzz/" + fuzzer + ".dict") +
                    " " + shell_word(scratch);
  for (const std::string& d : seed_dirs) cmd += " " + shell_word(o.corpora_dir + "/" + d);
  for (auto _ : state) {
    const ChildRun r = run_child(cmd);
    state.SetIterationTime(r.seconds);
    const std::optional<double> rate = parse_campaign_rate(r.output);
    if (r.status != 0) {
      state.SkipWithError(failed_child(fuzzer.c_str(), r).c_str());
      break;
    }
    if (!rate) {
      state.SkipWithError((fuzzer + " printed no rate").c_str());
      break;
    }
    state.counters["execs"] = *rate;
  }
  std::error_code ec;
  fs::remove_all(scratch, ec);
  state.SetLabel("seed 1, " + std::to_string(campaign_seconds(o)) + " s");
}

// Every fuzz-broken test of the fuzz build, one at a time (ctest, as `ctest -L fuzz-broken` runs them:
// the same command lines, budgets and expected findings): seconds to each find (ctest's time of the test),
// infinite for a target not found; and the median.
void finds_bench(benchmark::State& state, SuiteOptions o) {
  const std::string cmd =
      std::string(PTCHECK_CTEST) + " --test-dir " + shell_word(o.fuzz_build_dir) + " -L '^fuzz-broken$'";
  const size_t want = fuzz_build(o).finds.size();
  for (auto _ : state) {
    const ChildRun r = run_child(cmd);
    state.SetIterationTime(r.seconds);
    const std::vector<CtestResult> results = parse_ctest_results(r.output);
    if (results.size() != want)
      return state.SkipWithError(("ctest reported " + std::to_string(results.size()) + " of " +
                                  std::to_string(want) + " fuzz-broken tests")
                                     .c_str());
    std::vector<double> seconds;
    for (const CtestResult& c : results) {
      seconds.push_back(c.passed ? c.seconds : std::numeric_limits<double>::infinity());
      state.counters[c.name] = seconds.back();
    }
    // The lower middle one of an even count, as the collector's medians (a target not found is infinite).
    std::sort(seconds.begin(), seconds.end());
    state.counters["median"] = seconds[(seconds.size() - 1) / 2];
  }
  state.SetLabel(std::to_string(want) + " broken targets");
}

// The benchmark of a measure that cannot be measured: one empty iteration, so that the measure is
// reported (as not measured) exactly when a filter selects it.
void not_measured_bench(benchmark::State& state, std::string why) {
  for (auto _ : state) {
  }
  state.SetLabel("not measured: " + why);
}

benchmark::internal::Benchmark* once(benchmark::internal::Benchmark* b) {
  return b->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);
}

Measure fuzz_measure(std::string name, std::string what, std::string bench, std::string unit, bool have) {
  Measure m;
  m.name = std::move(name);
  m.what = std::move(what);
  m.bench = std::move(bench);
  m.figure = Figure::Rate;
  m.counter = "execs";
  m.unit = std::move(unit);
  if (!have) m.not_measured = kBuildTheFuzzPreset;
  return m;
}

}  // namespace

FuzzBuild inspect_fuzz_build(const std::string& dir) {
  FuzzBuild b;
  b.dir = dir;
  b.fuzz_ops = executable(dir + "/fuzz/fuzz_ops");
  b.fuzz_bitmap = executable(dir + "/fuzz/fuzz_bitmap");
  b.finds = list_finds(dir);
  return b;
}

std::string find_measure_name(const std::string& test) {
  std::string n = test;
  for (const char* cut : {"fuzz/", "/finds"})
    if (const size_t at = n.find(cut); at != std::string::npos) n.erase(at, std::strlen(cut));
  std::replace(n.begin(), n.end(), '/', '.');
  return "fuzzbuild.finds." + n;
}

void register_fuzz_build_benchmarks(const SuiteOptions& o) {
  const FuzzBuild& b = fuzz_build(o);
  auto absent = [](const char* name) { once(benchmark::RegisterBenchmark(name, not_measured_bench, std::string(kBuildTheFuzzPreset))); };
  if (b.fuzz_ops) {
    once(benchmark::RegisterBenchmark("fuzzbuild.fuzz_ops", replay_bench, o));
    once(benchmark::RegisterBenchmark("fuzzbuild.fuzz_ops_campaign", campaign_bench, o, std::string("fuzz_ops"),
                                      std::vector<std::string>{"fuzz/fuzz_ops", "scenarios"}));
  } else {
    absent("fuzzbuild.fuzz_ops");
    absent("fuzzbuild.fuzz_ops_campaign");
  }
  if (b.fuzz_bitmap)
    once(benchmark::RegisterBenchmark("fuzzbuild.fuzz_bitmap_campaign", campaign_bench, o, std::string("fuzz_bitmap"),
                                      std::vector<std::string>{"fuzz/fuzz_bitmap"}));
  else
    absent("fuzzbuild.fuzz_bitmap_campaign");
  if (!b.finds.empty())
    once(benchmark::RegisterBenchmark("fuzzbuild.finds", finds_bench, o));
  else
    absent("fuzzbuild.finds");
}

void add_fuzz_build_measures(const SuiteOptions& o, std::vector<Measure>* out) {
  const FuzzBuild& b = fuzz_build(o);
  const std::string runs = std::to_string(replay_runs(o)), secs = std::to_string(campaign_seconds(o));
  Measure replay = fuzz_measure("fuzzbuild.fuzz_ops",
                                "fuzz build: fuzz_ops replaying each seed (corpora/fuzz/fuzz_ops, corpora/scenarios) " +
                                    runs + " times",
                                "fuzzbuild.fuzz_ops", "execs/s", b.fuzz_ops);
  replay.baseline = "fuzzbuild.fuzz_ops";
  replay.baseline_counter = "alone_execs";
  replay.baseline_what =
      "the same binary, the same programs on the table alone (PTCHECK_FUZZ_TABLE_ALONE=1), alternating with it";
  replay.goal = Goal{Goal::On::Ratio, true, 5};
  out->push_back(replay);
  Measure ops = fuzz_measure("fuzzbuild.fuzz_ops_campaign",
                             "fuzz build: fuzz_ops fuzzing from its seeds, seed 1, " + secs + " s (libFuzzer's rate)",
                             "fuzzbuild.fuzz_ops_campaign", "execs/s", b.fuzz_ops);
  ops.goal = Goal{Goal::On::Figure, false, 20000};
  out->push_back(ops);
  Measure bitmap = fuzz_measure("fuzzbuild.fuzz_bitmap_campaign",
                                "fuzz build: fuzz_bitmap fuzzing from its seeds, seed 1, " + secs + " s (libFuzzer's rate)",
                                "fuzzbuild.fuzz_bitmap_campaign", "execs/s", b.fuzz_bitmap);
  bitmap.goal = Goal{Goal::On::Figure, false, 50000};
  out->push_back(bitmap);
  for (const std::string& test : b.finds) {
    Measure f = fuzz_measure(find_measure_name(test), "fuzz build: seconds to the find of ctest " + test + " (seed 1)",
                             "fuzzbuild.finds", "s", true);
    f.figure = Figure::Counter;
    f.counter = test;
    f.goal = Goal{Goal::On::Figure, true, 5};
    out->push_back(f);
  }
  Measure median = fuzz_measure("fuzzbuild.finds.median",
                                "fuzz build: median seconds to a find over every fuzz-broken test (seed 1)",
                                "fuzzbuild.finds", "s", !b.finds.empty());
  median.figure = Figure::Counter;
  median.counter = "median";
  median.goal = Goal{Goal::On::Figure, true, 1};
  out->push_back(median);
}

}  // namespace ptc::bench
