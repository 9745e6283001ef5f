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
  // The operations the property is about: a target that does not offer one (SPEC 6) skips it.
  std::vector<OpKind> needs = {};
  // It states a result only contract=spec gives (contract=linux accepts others, SPEC 9): skipped there.
  bool spec_only = false;
};

// "" when p applies to ctx's target and profile; else why it is skipped.
std::string why_not_applicable(const Property& p, const PropertyContext& ctx);

const std::vector<Property>& all_properties();

struct PropertyOutcome {
  std::string name;
  bool passed = false;
  bool skipped = false;  // does not apply (why_not_applicable); then `report` says why
  bool stopped = false;  // PropertyContext::stop ended it before its cases ran out (none failed), or before it began (skipped)
  int cases = 0;        // cases that passed before the verdict
  std::string report;   // RapidCheck's message (the counterexample, the trace, the .ops path)
};

struct SuiteSummary {
  std::vector<PropertyOutcome> outcomes;
  int passed = 0, failed = 0, skipped = 0;
};

// RC_PARAMS as ptcheck runs it: the user's value (`user`, from the environment) with the seed and case
// count of ptcheck's flags; the user's other keys (reproduce=, max_size=, verbose_*) are kept, so that a
// printed `RC_PARAMS="reproduce=..." ptcheck properties ...` line replays its case. Returns "" and sets
// *merged, or says why `user` is not a RapidCheck configuration.
std::string merge_rc_params(const std::string& user, uint64_t seed, int cases, std::string* merged);

// Runs every property (or those whose name contains `filter`) for `cases` cases each from `seed`,
// printing one line per property (and a failure's report) to `log`.
// `exact`: only the property named `filter`.
SuiteSummary run_properties(const PropertyContext& ctx, uint64_t seed, int cases, std::ostream& log,
                            const std::string& filter = "", bool exact = false);

}  // namespace ptc::props
