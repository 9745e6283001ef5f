// `ptcheck run --fail-sweep SCRIPT.ops...` (issue 16, after iommufd's fail_nth): every target operation of
// every script is run once per allocation site, with its 1st, 2nd, ... table allocation failing, until the
// operation needs no more; each run must be all-or-nothing (-ENOMEM changes nothing) and leak nothing.
// The report counts operations x sites covered. The variants come from core/runner/fail_sweep.h; each
// runs through the differential runner in a child process (core/isolation), so that a target that
// crashes or hangs on a failed allocation is a finding too. `ptcheck check` runs the same sweep as its
// fail-sweep stage.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/isolation/isolated_run.h"
#include "core/ops.h"
#include "ptcheck/target.h"

namespace ptc::cli {

struct FailSweepOptions {
  std::string target_path;  // for replay lines ("" the built-in table)
  std::string replay_args;  // what every replay line adds (--target, --contract)
  IsolationOptions isolation;
  Contract contract = Contract::Spec;  // --contract: for scripts whose config names none
  std::string out_dir;      // where a failing variant is written as an .ops (its replay line runs it)
};

// A failing variant: the script's statement at source_line with its allocation n failing; n 0: the
// script itself fails, with no allocation failing (then nothing of it is swept).
struct FailSweepFinding {
  int source_line = 0;
  uint64_t n = 0;
  std::string variant_path;  // the variant as an .ops (n 0: the script); failure.replay runs it
  Failure failure;
};

// One script's sweep.
struct ScriptSweep {
  bool skipped = false;  // the target refused the script's config
  std::string skip_reason;
  std::string stopped;   // "" swept in full, else why it was cut short (the deadline, a stop)
  size_t ops = 0;        // operations swept to the end (their last allocation found, or a failure)
  size_t ops_left = 0;   // operations not swept to the end (stopped)
  size_t sites = 0;      // allocations failed, each in a run of its own
  size_t runs = 0;          // the script's own run, then each variant's
  std::vector<FailSweepFinding> failures;  // at most one per operation: its sweep stops at the first
  std::string write_error;  // a variant that could not be written (bad input: exit 2)
};

// Sweeps one script (loaded, its contract applied); `stem` names its variants' files under o.out_dir.
// Stops at o.isolation's deadline or stop (ScriptSweep::stopped).
ScriptSweep sweep_script(const Script& script, const std::string& stem, const ptc_target_ops* target,
                         const FailSweepOptions& o);

// A finding for a report: which statement, which allocation, the variant's file, the runner's trace.
std::string fail_sweep_finding_text(const FailSweepFinding& f);

// "7 operations x 19 allocation sites: 26 runs" (the counts of a report line).
std::string sweep_counts(size_t ops, size_t sites, size_t runs);

// Exit status as `run`: 0 every site held, 1 a failure, 2 bad input (printed as one line).
int run_fail_sweep(const std::vector<std::string>& files, const ptc_target_ops* target, const FailSweepOptions& o);

}  // namespace ptc::cli
