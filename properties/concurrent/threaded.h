// Real-thread concurrent checking. One history: a fresh target over a LockedSmmu; CPU threads run
// seeded op sequences on 2M regions, each op holding the locks of the 512K chunks its range covers
// (the concurrency contract of SPEC 6: ops on disjoint ranges at once, flush beside anything);
// device threads read, write, fill and evict, mostly inside the ranges of ops in flight. Every call
// and return is stamped from one clock. When the threads are done a snapshot of each region is taken,
// the target destroyed, and the history checked: the SMMU's own oracles (use-after-free, TLB conflict,
// leak), the dirty accounting over the whole run, and linearizability against the reference model.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/oracles.h"
#include "core/runner/target_watch.h"
#include "properties/concurrent/history.h"
#include "properties/concurrent/linearizability.h"
#include "properties/concurrent/worker_pool.h"
#include "properties/concurrent/workload.h"
#include "ptcheck/target.h"

namespace ptc::conc {

struct ThreadedOptions {
  unsigned cpu_threads = 3;
  unsigned device_threads = 2;
  unsigned ops_per_thread = 16;
  unsigned regions = 3;
  unsigned yield_permille = 120;  // pauses per 1000 descriptor reads of a CPU thread (a quarter after other accesses)
  unsigned device_ops_per_cpu_op = 6;  // a bound on device actions per history
  std::chrono::milliseconds lin_budget{3000};  // then the verdict is Unknown
  std::string replay_args;  // appended to the replay line (e.g. "--threads 4 --target lib.so")
  // The contract profile (SPEC 9): under linux an op is issued only where the profile's caller would
  // issue it, as the reference model says at that moment (contract_gate.h).
  Contract contract = Contract::Spec;
  // The watch of CPU thread t in a child process (ChildChannel::thread_watch), or null: each thread keeps
  // its own up to date around each target call, so that an operation that does not return is found per
  // thread and per operation (a hang), by that thread's CPU time. Unset: no watches.
  std::function<TargetWatch*(unsigned t)> thread_watch;
  // The threads the history runs on, kept across histories by a caller that runs many (stress), or
  // null: threads of this history's own.
  WorkerPool* pool = nullptr;
};

struct HistoryOutcome {
  uint64_t seed = 0;
  bool skipped = false;  // the target refused the config
  std::string skip_reason;
  History history;
  std::vector<Region> regions;  // the history's, for its report
  uint64_t not_issued = 0;  // planned ops the contract profile's caller would not issue then (none under spec)
  std::optional<Violation> violation;  // an SMMU oracle or the dirty accounting
  LinResult lin;
  bool bug() const { return violation || lin.verdict == Verdict::NotLinearizable; }
  std::string report;  // a readable report when bug()
};

// One history, run and checked: run_history_threads, then check_history.
HistoryOutcome run_threaded_history(const ptc_target_ops* target, uint64_t seed, const ThreadedOptions& o);

// The two halves of run_threaded_history. run_history_threads runs the threads and tears the target down:
// the outcome has the history and the SMMU's own oracles' verdict (violation). `beside`, when set, is
// called once on the calling thread while the history's threads run (or at once when the target refuses
// the config): the caller's own work, such as checking the history before (history_pipeline.h); it must
// not call the target through the history's SMMU. check_history adds the dirty accounting, the
// linearizability verdict (o.lin_budget from now) and the report of a bug.
HistoryOutcome run_history_threads(const ptc_target_ops* target, uint64_t seed, const ThreadedOptions& o,
                                   const std::function<void()>& beside = {});
void check_history(const ptc_target_ops* target, HistoryOutcome& out, const ThreadedOptions& o);

}  // namespace ptc::conc
