// `ptcheck run --fail-sweep SCRIPT.ops...` (issue 16, after iommufd's fail_nth): every target operation of
// every script is run once per allocation site, with its 1st, 2nd, ... table allocation failing, until the
// operation needs no more; each run must be all-or-nothing (-ENOMEM changes nothing) and leak nothing.
// The report counts operations x sites covered.
#pragma once
#include <string>
#include <vector>

#include "core/isolation/isolated_run.h"
#include "ptcheck/target.h"

namespace ptc::cli {

struct FailSweepOptions {
  std::string target_path;  // for replay lines ("" the built-in table)
  std::string replay_args;  // what every replay line adds (--target, --contract)
  IsolationOptions isolation;
};

// Exit status as `run`: 0 every site held, 1 a failure, 2 bad input (printed as one line).
int run_fail_sweep(const std::vector<std::string>& files, const ptc_target_ops* target, const FailSweepOptions& o);

}  // namespace ptc::cli
