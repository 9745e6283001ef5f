// Placeholder until the sweep lands (issue 16 item 4): says so and fails as bad input.
#include "tools/ptcheck/fail_sweep_command.h"

#include <cstdio>

namespace ptc::cli {

int run_fail_sweep(const std::vector<std::string>&, const ptc_target_ops*, const FailSweepOptions&) {
  std::fprintf(stderr, "ptcheck: --fail-sweep is not built yet\n");
  return 2;
}

}  // namespace ptc::cli
