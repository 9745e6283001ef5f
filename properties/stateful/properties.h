// The property suites, by name: the stateful sequences and the invariants. The GoogleTest binary
// registers one test per entry (PTCHECK_TARGET picks the target, RC_PARAMS the seed and count);
// `ptcheck check` and `ptcheck properties` run them through run_properties().
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "properties/stateful/property_context.h"

namespace ptc::props {

struct Property {
  const char* name;
  const char* what;  // one line
  void (*body)(const PropertyContext&);
};

const std::vector<Property>& all_properties();

struct PropertyOutcome {
  std::string name;
  bool passed = false;
  int cases = 0;        // cases that passed before the verdict
  std::string report;   // RapidCheck's message (the counterexample, the trace, the .ops path)
};

struct SuiteSummary {
  std::vector<PropertyOutcome> outcomes;
  int passed = 0, failed = 0;
};

// Runs every property (or those whose name contains `filter`) for `cases` cases each from `seed`,
// printing one line per property (and a failure's report) to `log`.
SuiteSummary run_properties(const PropertyContext& ctx, uint64_t seed, int cases, std::ostream& log,
                            const std::string& filter = "");

}  // namespace ptc::props
