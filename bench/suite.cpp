#include "bench/suite.h"

#include "bench/fuzz_build.h"
#include "bench/registration.h"

namespace ptc::bench {

std::vector<std::string> suite_flags(const SuiteOptions& o) {
  if (o.quick) return {};  // one repetition each: nothing to interleave, and the order stays fixed
  return {"--benchmark_enable_random_interleaving=true"};
}

void register_suite(const SuiteOptions& o) {
  register_table_benchmarks(o);
  register_dirty_benchmarks(o);
  register_bitmap_benchmarks(o);
  register_reference_benchmarks(o);
  register_concurrent_benchmarks(o);
  register_harness_benchmarks(o);
#if PTCHECK_HAVE_STRESS
  register_stress_benchmarks(o);
#endif
  register_fuzz_build_benchmarks(o);
}

bool stress_built() { return PTCHECK_HAVE_STRESS != 0; }

}  // namespace ptc::bench
