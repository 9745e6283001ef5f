// What every property runs against, and where its failures go. Set once per suite run: by the
// GoogleTest main from PTCHECK_TARGET, or by `ptcheck check` / `ptcheck properties` from --target.
#pragma once
#include <functional>
#include <string>

#include "core/ops.h"
#include "core/runner/target_watch.h"
#include "ptcheck/target.h"

namespace ptc::props {

struct PropertyContext {
  const ptc_target_ops* target = nullptr;  // the system under test
  std::string target_path;                 // "" for the built-in optimized table
  std::string failure_dir;                 // where a failure's .ops reproducer is written
  Contract contract = Contract::Spec;      // the profile every generated config checks (SPEC 9)
  // Polled before each case: true ends the property early (`ptcheck check`'s budget, SIGTERM); the cases
  // that ran stand, the outcome says `stopped`. Empty: every case runs.
  std::function<bool()> stop;
  // Announces the sessions' calls into the target to the parent process when the property runs in a
  // child (core/isolation): a case that dies or hangs names its statement.
  TargetWatch* watch = nullptr;
  // The command that runs these suites again (`ptcheck properties --seed S --cases N ...`): a failure's
  // report gives it with RapidCheck's reproduce string, which replays that one case. Empty under
  // GoogleTest, whose RapidCheck integration prints its own RC_PARAMS line.
  std::string replay_command;
};

}  // namespace ptc::props
