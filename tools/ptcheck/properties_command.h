// `ptcheck properties [--cases N] [--seed N] [--target LIB.so]` and the property step of `ptcheck
// check`: the RapidCheck suites of properties/stateful (stateful sequences and invariants), each for
// N cases from a fixed seed, one line each; a failure prints RapidCheck's counterexample, the
// runner's trace and the path of the minimal .ops reproducer.
#pragma once
#include <cstdint>
#include <string>

#include "ptcheck/target.h"

namespace ptc::cli {

struct PropertiesOptions {
  unsigned cases = 100;
  uint64_t seed = 1;
  std::string target_path;   // "" for the built-in table (for the replay lines)
  std::string failure_dir;   // where .ops reproducers go
};

// Whether this ptcheck was built with the property suites (they need the tests' dependencies).
bool properties_available();

// Exit status: 0 every property holds, 1 one failed.
int run_property_suites(const PropertiesOptions& o, const ptc_target_ops* target);

}  // namespace ptc::cli
