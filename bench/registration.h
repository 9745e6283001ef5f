// Registration helpers shared by the benchmark files, and each file's registration function.
#pragma once
#include <benchmark/benchmark.h>

#include <cstdint>

#include "bench/suite.h"

namespace ptc::bench {

// Quick runs: exactly `quick_iterations`. Full runs: `full_iterations` when nonzero (the large cases,
// whose setup dominates), else Google Benchmark's own choice.
inline benchmark::internal::Benchmark* finish(benchmark::internal::Benchmark* b, const SuiteOptions& o,
                                              benchmark::IterationCount quick_iterations,
                                              benchmark::IterationCount full_iterations = 0) {
  if (o.quick)
    b->Iterations(quick_iterations);
  else if (full_iterations)
    b->Iterations(full_iterations);
  return b->Unit(benchmark::kMillisecond);
}

// The full run repeats `b` `repetitions` times (the collector takes the median, and suite_flags
// interleaves the repetitions); the quick run keeps one.
inline benchmark::internal::Benchmark* repeated(benchmark::internal::Benchmark* b, const SuiteOptions& o,
                                                int repetitions) {
  return o.quick ? b : b->Repetitions(repetitions);
}

// How many 1 GiB ranges one timed iteration of map.X / unmap.X (and their floors) maps or unmaps, so that
// an iteration lasts far longer than reading the clock: 1 for 4K pages, 16 for 2M blocks, 256 for 1G.
uint64_t ranges_per_timing(uint64_t leaf);

void register_table_benchmarks(const SuiteOptions& o);
void register_dirty_benchmarks(const SuiteOptions& o);
void register_bitmap_benchmarks(const SuiteOptions& o);
void register_reference_benchmarks(const SuiteOptions& o);
void register_concurrent_benchmarks(const SuiteOptions& o);
void register_harness_benchmarks(const SuiteOptions& o);
void register_stress_benchmarks(const SuiteOptions& o);  // when stress_built()

}  // namespace ptc::bench
