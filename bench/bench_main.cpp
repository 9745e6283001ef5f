// ptc_bench: the suite under Google Benchmark's own main (every --benchmark_* flag works, e.g.
// --benchmark_filter='dirty|read'), plus --quick (small sizes) and --fuzz-build DIR (the fuzz build whose
// binaries the fuzzbuild.* measures run; default build/fuzz of the source tree), then the table of
// measures against their baselines. `ptcheck bench` runs the same suite.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench/fuzz_build.h"
#include "bench/measure_collector.h"
#include "bench/suite.h"

#ifndef PTCHECK_SOURCE_DIR
#define PTCHECK_SOURCE_DIR "."
#endif

int main(int argc, char** argv) {
  ptc::bench::SuiteOptions o;
  o.corpora_dir = std::string(PTCHECK_SOURCE_DIR) + "/corpora";
  o.fuzz_build_dir = ptc::bench::default_fuzz_build_dir();
  std::vector<char*> own_flags_removed;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      o.quick = true;
    } else if (a == "--fuzz-build" || a.rfind("--fuzz-build=", 0) == 0) {
      if (a == "--fuzz-build" && i + 1 == argc) {
        std::fprintf(stderr, "ptc_bench: --fuzz-build needs a folder\n");
        return 2;
      }
      o.fuzz_build_dir = a == "--fuzz-build" ? argv[++i] : a.substr(std::strlen("--fuzz-build="));
    } else {
      own_flags_removed.push_back(argv[i]);
    }
  }
  std::vector<std::string> flags = ptc::bench::suite_flags(o);
  std::vector<char*> args{argv[0]};
  for (std::string& f : flags) args.push_back(f.data());  // before the user's flags: theirs win
  args.insert(args.end(), own_flags_removed.begin(), own_flags_removed.end());
  int n = int(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 2;
  ptc::bench::register_suite(o);
  benchmark::ConsoleReporter console;
  ptc::bench::MeasureCollector collector(&console);
  benchmark::RunSpecifiedBenchmarks(&collector);
  benchmark::Shutdown();
  const std::vector<ptc::bench::Measure> measures = ptc::bench::suite_measures(o);
  std::printf("\n");
  ptc::bench::print_measure_table(stdout, collector.evaluate(measures), ptc::bench::machine_description());
  for (const std::string& e : collector.errors()) std::fprintf(stderr, "ptc_bench: %s\n", e.c_str());
  return collector.errors().empty() ? 0 : 1;
}
