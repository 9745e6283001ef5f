// `ptcheck bench [--quick] [--json FILE] [--filter REGEX] [--fuzz-build DIR]` (issue 6): runs the benchmark
// suite of bench/ and prints each measure beside its baseline, the ratio and the goal; --json writes one
// record per measure (name, figure, unit, baseline, ratio, goal, met, not_measured). The fuzz build's
// measures run DIR's binaries (default: build/fuzz of the source tree); without them, "not measured". Exit status: 0 the suite ran (goals are
// reported, not enforced: timings depend on the machine), 1 a benchmark failed (an operation returned
// an error or an oracle fired), 2 bad input.
#pragma once
#include <string>

namespace ptc::cli {

struct BenchOptions {
  bool quick = false;
  std::string json_path;  // "" no JSON records
  std::string filter;     // a regular expression over the benchmarks' names; "" all
  std::string fuzz_build;  // the fuzz build the fuzzbuild.* measures run; "" the default (bench/fuzz_build.h)
};

int bench_command(const BenchOptions& o);

}  // namespace ptc::cli
