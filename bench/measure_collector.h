// A Google Benchmark reporter that keeps every run (and passes it on to another reporter, if given),
// then pairs each measure with its baseline: the ratio table that ptc_bench prints after Google
// Benchmark's own output and that `ptcheck bench` prints and writes as JSON.
#pragma once
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "bench/measure.h"

namespace ptc::bench {

class MeasureCollector : public benchmark::BenchmarkReporter {
 public:
  // `inner` (may be null) gets every call too: the console output of ptc_bench.
  explicit MeasureCollector(benchmark::BenchmarkReporter* inner = nullptr) : inner_(inner) {}

  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

  // The measures whose benchmark and baseline (if any) both ran without error, evaluated; a measure that
  // cannot be measured (Measure::not_measured) whose benchmark ran, as such. A benchmark run with
  // repetitions gives its median (the concurrent ones: one run each is at the mercy of the machine).
  std::vector<MeasureResult> evaluate(const std::vector<Measure>& measures) const;
  // "NAME: MESSAGE" for each benchmark that reported an error (SkipWithError).
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  benchmark::BenchmarkReporter* inner_;
  std::map<std::string, std::vector<Run>> runs_;  // by run_key(): one per repetition
  std::vector<std::string> errors_;
};

// A run's name as the measures name it: the function name, plus "/threads:N" for thread families.
std::string run_key(const benchmark::BenchmarkReporter::Run& run);

// The table: measure, figure, baseline, ratio, goal, met; one line per measure ("-" where there is no
// baseline; "NAME not measured: WHY" for a measure that could not be measured).
void print_measure_table(std::FILE* out, const std::vector<MeasureResult>& results, const std::string& machine);

// JSON: an array with one record per measure:
//   {"name", "what", "figure", "unit", "baseline", "baseline_what", "ratio", "ratio_kind", "goal", "met",
//    "not_measured", "quick", "machine"}
// goal is a string ("ratio <= 1.5") or null, met true/false or null when there is no goal. A measure
// without a baseline has baseline, baseline_what, ratio and ratio_kind null; one not measured has
// not_measured (why, a string; else null) and figure, baseline, ratio and met null. An infinite figure (a
// broken target not found) is null too, with met false.
std::string measures_json(const std::vector<MeasureResult>& results, const std::string& machine, bool quick);

// "2 x 2.4 GHz CPUs, ..." from the benchmark context, for the table's machine column.
std::string machine_description();

}  // namespace ptc::bench
