#include "tools/ptcheck/properties_command.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "tools/ptcheck/stop_flag.h"

#ifdef PTCHECK_HAVE_PROPERTIES
#include "properties/stateful/properties.h"
#endif

namespace ptc::cli {

#ifdef PTCHECK_HAVE_PROPERTIES

bool properties_available() { return true; }

std::vector<std::string> property_names() {
  std::vector<std::string> out;
  for (const props::Property& p : props::all_properties()) out.push_back(p.name);
  return out;
}

int run_property_suites(const PropertiesOptions& o, const ptc_target_ops* target) {
  // RapidCheck prints its configuration when it first loads it: make that line tell the truth.
  const std::string params = "seed=" + std::to_string(o.seed) + " max_success=" + std::to_string(o.cases);
  setenv("RC_PARAMS", params.c_str(), 1);
  props::PropertyContext ctx;
  ctx.target = target;
  ctx.target_path = o.target_path;
  ctx.failure_dir = o.failure_dir;
  ctx.contract = o.contract;
  ctx.stop = [deadline = o.deadline] { return stop_requested() || std::chrono::steady_clock::now() >= deadline; };
  const auto start = std::chrono::steady_clock::now();
  props::SuiteSummary s;
  if (o.only.empty()) {
    std::cout << "== properties: " << props::all_properties().size() << " RapidCheck suites, " << o.cases
              << " cases each, seed " << o.seed << std::endl;
    s = props::run_properties(ctx, o.seed, int(o.cases), std::cout);
  } else {
    // run_properties filters by substring: keep the one named.
    const props::SuiteSummary all = props::run_properties(ctx, o.seed, int(o.cases), std::cout, o.only);
    for (const props::PropertyOutcome& p : all.outcomes)
      if (p.name == o.only) {
        s.outcomes.push_back(p);
        (p.skipped ? s.skipped : p.passed ? s.passed : s.failed)++;
      }
    if (s.outcomes.empty()) return 2;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (o.verdicts)
    for (const props::PropertyOutcome& p : s.outcomes)
      o.verdicts->push_back({p.name, p.passed, p.skipped, p.stopped, p.cases, s.outcomes.size() == 1 ? secs : 0.0, p.report});
  if (o.only.empty()) {
    if (stop_requested()) std::cout << "stopped (" << stop_reason() << "): the cases and properties after it did not run\n";
    std::cout << s.passed << " properties hold, " << s.failed << " failed";
    if (s.skipped)
      std::cout << ", " << s.skipped << " skipped ("
                << (stop_requested() ? "not applicable, or not run" : "they do not apply to this target or profile") << ")";
    if (s.failed)
      std::cout << " (same seed, same cases: ptcheck properties --seed " << o.seed << " --cases " << o.cases
                << (o.contract == Contract::Spec ? "" : std::string(" --contract ") + contract_name(o.contract)) << ")";
    std::cout << std::endl;
  }
  return s.failed ? 1 : 0;
}

#else

bool properties_available() { return false; }

std::vector<std::string> property_names() { return {}; }

int run_property_suites(const PropertiesOptions&, const ptc_target_ops*) { return 0; }

#endif

}  // namespace ptc::cli
