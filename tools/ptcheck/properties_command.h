// `ptcheck properties [--cases N] [--seed N] [--target LIB.so]` and the property step of `ptcheck
// check`: the RapidCheck suites of properties/stateful (stateful sequences and invariants), each for
// N cases from a fixed seed, one line each; a failure prints RapidCheck's counterexample, the
// runner's trace and the path of the minimal .ops reproducer.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/isolation/isolated_run.h"
#include "core/ops.h"

#include "ptcheck/target.h"

namespace ptc::cli {

struct PropertiesOptions {
  unsigned cases = 100;
  uint64_t seed = 1;
  std::string target_path;   // "" for the built-in table (for the replay lines)
  std::string failure_dir;   // where .ops reproducers go
  std::string only;          // one property by name; empty: all
  Contract contract = Contract::Spec;  // --contract (SPEC 9)
  // No case starts after this time, nor once a stop is requested (stop_flag.h): the property ends with the
  // cases that ran (`ptcheck check`'s share of the budget).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  struct Verdict {
    std::string name;
    bool passed = false;
    bool skipped = false;     // does not apply to the target or the profile, or not run (stopped); `report` says why
    bool stopped = false;     // cut short or not run by the deadline or a stop
    int cases = 0;            // cases that passed
    double seconds = 0;
    std::string report;       // a failure's counterexample
  };
  std::vector<Verdict>* verdicts = nullptr;  // filled when given (`ptcheck check`'s report)
  // Each property runs in a child process (core/isolation): a target that dies or hangs in a case is
  // that property's failure. The log and op timeout come from here; deadline and stop from above.
  IsolationOptions isolation;
};

// The suites' names, in the order they run (empty when not built).
std::vector<std::string> property_names();

// Whether this ptcheck was built with the property suites (they need the tests' dependencies).
bool properties_available();

// Why the environment's RC_PARAMS is not a RapidCheck configuration, or "" (also when not built).
std::string rc_params_problem();

// Exit status: 0 every property holds, 1 one failed (2: `only` names no property).
int run_property_suites(const PropertiesOptions& o, const ptc_target_ops* target);

}  // namespace ptc::cli
