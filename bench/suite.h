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
  // The `fuzz` preset's build folder whose binaries the fuzzbuild.* measures run (bench/fuzz_build.h);
  // default_fuzz_build_dir() unless given. Without a fuzz build there they are reported as not measured.
  std::string fuzz_build_dir;
};

// Google Benchmark flags the suite runs with, given to benchmark::Initialize before the user's own (which
// override them). The full run interleaves the repetitions of the measures that have several (the
// concurrent and the reference workload ones) in random order, so that a slow or fast phase of a shared
// machine falls on a measure and its baseline alike (Google Benchmark's random interleaving): with the
// repetitions run back to back, the 1-thread map/unmap baseline caught such phases alone and the
// 2-thread ratio moved between 1.35x and 2x; interleaved, three runs gave 1.99x, 2.15x and 1.99x.
std::vector<std::string> suite_flags(const SuiteOptions& o);

// Registers every benchmark of the suite (call once per process).
void register_suite(const SuiteOptions& o);

// The measures, in the order they are reported.
std::vector<Measure> suite_measures(const SuiteOptions& o);

// Whether the Z3 suite measure is built (PTCHECK_PROOFS).
bool proofs_built();
// Whether `ptcheck stress` (properties/concurrent, built with the tests) is in the suite.
bool stress_built();

}  // namespace ptc::bench
