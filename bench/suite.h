// The benchmark suite (issue 6): registers every benchmark with Google Benchmark and lists the measures
// that pair them with their baselines. Linked by ptc_bench (a plain Google Benchmark main) and by
// `ptcheck bench`.
#pragma once
#include <string>
#include <vector>

#include "bench/measure.h"

namespace ptc::bench {

struct SuiteOptions {
  // Small sizes and few iterations, so that the whole suite finishes in seconds (tests, ASan builds).
  // Figures are then not comparable with the goals, which are about the full sizes.
  bool quick = false;
  std::string corpora_dir;  // corpora/ of the source tree (harness measures)
};

// Registers every benchmark of the suite (call once per process).
void register_suite(const SuiteOptions& o);

// The measures, in the order they are reported.
std::vector<Measure> suite_measures(const SuiteOptions& o);

// Whether the Z3 suite measure is built (PTCHECK_PROOFS).
bool proofs_built();

}  // namespace ptc::bench
