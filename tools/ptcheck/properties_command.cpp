#include "tools/ptcheck/properties_command.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <iostream>

#ifdef PTCHECK_HAVE_PROPERTIES
#include "properties/stateful/properties.h"
#endif

namespace ptc::cli {

#ifdef PTCHECK_HAVE_PROPERTIES

bool properties_available() { return true; }

int run_property_suites(const PropertiesOptions& o, const ptc_target_ops* target) {
  // RapidCheck prints its configuration when it first loads it: make that line tell the truth.
  const std::string params = "seed=" + std::to_string(o.seed) + " max_success=" + std::to_string(o.cases);
  setenv("RC_PARAMS", params.c_str(), 1);
  props::PropertyContext ctx;
  ctx.target = target;
  ctx.target_path = o.target_path;
  ctx.failure_dir = o.failure_dir;
  std::cout << "== properties: " << props::all_properties().size() << " RapidCheck suites, " << o.cases
            << " cases each, seed " << o.seed << std::endl;
  const props::SuiteSummary s = props::run_properties(ctx, o.seed, int(o.cases), std::cout);
  std::cout << s.passed << " properties hold, " << s.failed << " failed";
  if (s.failed) std::cout << " (same seed, same cases: ptcheck properties --seed " << o.seed << " --cases " << o.cases << ")";
  std::cout << std::endl;
  return s.failed ? 1 : 0;
}

#else

bool properties_available() { return false; }

int run_property_suites(const PropertiesOptions&, const ptc_target_ops*) { return 0; }

#endif

}  // namespace ptc::cli
