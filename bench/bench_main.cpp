// ptc_bench: the suite under Google Benchmark's own main (every --benchmark_* flag works, e.g.
// --benchmark_filter='dirty|read'), plus --quick (small sizes), then the table of measures against
// their baselines. `ptcheck bench` runs the same suite.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench/measure_collector.h"
#include "bench/suite.h"

#ifndef PTCHECK_SOURCE_DIR
#define PTCHECK_SOURCE_DIR "."
#endif

int main(int argc, char** argv) {
  ptc::bench::SuiteOptions o;
  o.corpora_dir = std::string(PTCHECK_SOURCE_DIR) + "/corpora";
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--quick") == 0) o.quick = true;
  std::vector<std::string> flags = ptc::bench::suite_flags(o);
  std::vector<char*> args{argv[0]};
  for (std::string& f : flags) args.push_back(f.data());  // before the user's flags: theirs win
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--quick") != 0) args.push_back(argv[i]);
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
