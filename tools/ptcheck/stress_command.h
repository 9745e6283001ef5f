// `ptcheck stress [--threads N] [--time S] [--target LIB.so] [--seed N] [--ops N] [--out DIR] [--contract spec|linux]`: the
// concurrent checker for as long as asked. Each round runs one real-thread history (checked for the
// SMMU's oracles, the dirty accounting and linearizability) and one deterministic-scheduler sequence
// (its schedules through the differential runner). Progress lines, a summary; exit 0 / 1 (a bug, with
// its report and how to replay it) / 2 (bad input, one line). Under --contract linux both issue only
// what the profile's caller would (SPEC 9) and judge results by that profile.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "core/isolation/isolated_run.h"
#include "core/ops.h"
#include "ptcheck/target.h"

namespace ptc::cli {

struct StressOptions {
  unsigned threads = 3;       // CPU threads (device threads: 2)
  unsigned seconds = 10;
  unsigned ops = 16;          // ops per CPU thread per history
  uint64_t seed = 0;          // 0: from the clock (printed)
  std::string target_path;    // for replay lines
  std::string out_dir;        // failing schedules (.ops); default: $TMPDIR/ptcheck-stress-PID-SEED, the run's own
  bool quiet = false;         // ptcheck check: only its "ptcheck stress:" lines on screen, the rest in Outcome::report
  Contract contract = Contract::Spec;
  // No round starts after this time (`ptcheck check`'s budget) or once a stop is requested (stop_flag.h).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  struct Outcome {
    unsigned long long histories = 0, schedules = 0;
    std::string signature;  // a bug: oracle:threaded or oracle:op:config of the failing schedule
    std::string replay;
    std::string stopped;    // ended before its time: "SIGTERM", "SIGINT" or "budget" (the deadline); ""
    std::string report;     // quiet: everything it would have printed (a failure's trace), for the reports
  };
  Outcome* outcome = nullptr;  // filled when given (`ptcheck check`'s report)
  FILE* out = stdout;          // its lines (in a child process: the pipe to the parent)
  // In a child process (core/isolation): the watch of the child (the schedules' runs) and of each CPU
  // thread of a history, through which the parent finds an operation that does not return.
  TargetWatch* watch = nullptr;
  std::function<TargetWatch*(unsigned cpu_thread)> thread_watch;
};

// In this process.
int run_stress(const StressOptions& o, const ptc_target_ops* target);
// In a child process (core/isolation): a target that dies is a finding (memory-error or crash:stress),
// and so is an operation that does not return within io's op timeout on any CPU thread (hang:stress:
// the thread's own CPU time, or 6x by the wall clock), and, as a last resort, a run that has not ended
// 30 s after its time; `io` gives the target's log.
int run_stress_isolated(const StressOptions& o, const ptc_target_ops* target, const IsolationOptions& io);

}  // namespace ptc::cli
