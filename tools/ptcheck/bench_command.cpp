#include "tools/ptcheck/bench_command.h"

#include <cstdio>
#include <string>

#if PTCHECK_HAVE_BENCH
#include <benchmark/benchmark.h>

#include <fstream>
#include <regex>
#include <vector>

#include "bench/fuzz_build.h"
#include "bench/measure_collector.h"
#include "bench/suite.h"
#endif

#ifndef PTCHECK_SOURCE_DIR
#define PTCHECK_SOURCE_DIR "."
#endif

namespace ptc::cli {

namespace {

constexpr int kBadInput = 2;

int bad(const std::string& line) {
  std::fprintf(stderr, "ptcheck: %s\n", line.c_str());
  return kBadInput;
}

#if PTCHECK_HAVE_BENCH
// One line per finished benchmark, so that a long run shows progress.
class ProgressReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration) continue;
      if (r.error_occurred)
        std::fprintf(stderr, "bench: %-40s FAILED: %s\n", r.benchmark_name().c_str(), r.error_message.c_str());
      else
        std::fprintf(stderr, "bench: %-40s %llu iteration(s)\n", r.benchmark_name().c_str(),
                     static_cast<unsigned long long>(r.iterations));
    }
  }
};
#endif

}  // namespace

int bench_command(const BenchOptions& o) {
#if !PTCHECK_HAVE_BENCH
  (void)o;
  return bad("bench: this ptcheck was built without Google Benchmark (apt-get install libbenchmark-dev, then cmake again)");
#else
  if (!o.filter.empty()) {
    try {
      std::regex check(o.filter, std::regex::extended);
    } catch (const std::regex_error&) {
      return bad("--filter '" + o.filter + "' is not a regular expression");
    }
  }
  std::ofstream json;
  if (!o.json_path.empty()) {
    json.open(o.json_path, std::ios::trunc);
    if (!json) {
      std::fprintf(stderr, "%s:0: cannot write the file\n", o.json_path.c_str());
      return kBadInput;
    }
  }
  bench::SuiteOptions so;
  so.quick = o.quick;
  so.corpora_dir = std::string(PTCHECK_SOURCE_DIR) + "/corpora";
  so.fuzz_build_dir = o.fuzz_build.empty() ? bench::default_fuzz_build_dir() : o.fuzz_build;
  std::string arg0 = "ptcheck", filter_arg = "--benchmark_filter=" + (o.filter.empty() ? std::string(".") : o.filter);
  std::vector<std::string> flags = bench::suite_flags(so);
  std::vector<char*> args{arg0.data()};
  for (std::string& f : flags) args.push_back(f.data());
  args.push_back(filter_arg.data());
  int n = int(args.size());
  benchmark::Initialize(&n, args.data());
  bench::register_suite(so);
  ProgressReporter progress;
  bench::MeasureCollector collector(&progress);
  std::printf("ptcheck bench: %s run (%s)\n", o.quick ? "quick" : "full",
              o.quick ? "small sizes: figures are not comparable with the goals" : "full sizes");
  std::fflush(stdout);
  benchmark::RunSpecifiedBenchmarks(&collector);
  benchmark::Shutdown();
  const std::vector<bench::Measure> measures = bench::suite_measures(so);
  const std::vector<bench::MeasureResult> results = collector.evaluate(measures);
  const std::string machine = bench::machine_description();
  bench::print_measure_table(stdout, results, machine);
  std::printf("fuzz build: %s\n", so.fuzz_build_dir.c_str());
  if (json.is_open()) {
    json << bench::measures_json(results, machine, o.quick);
    json.close();
    if (!json) {
      std::fprintf(stderr, "%s:0: cannot write the file\n", o.json_path.c_str());
      return kBadInput;
    }
  }
  for (const std::string& e : collector.errors()) std::printf("FAILED %s\n", e.c_str());
  return collector.errors().empty() ? 0 : 1;
#endif
}

}  // namespace ptc::cli
