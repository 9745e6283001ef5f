// stress's histories in order, each checked while the next one's threads run (issue 17: the main thread
// only waited for a history's threads, then checked it while no thread ran). History i's checks (the
// dirty accounting, linearizability) and its sequence of the deterministic scheduler (the same seed) run
// on the calling thread beside history i + 1's threads; next() hands back history i, checked, before
// anything of history i + 1 is looked at. So the histories, their seeds, checks and reports are those of
// running them one after the other, and the first failing one is the first reported; the only work a
// failure adds is the following history's threads, already running, whose outcome is dropped unchecked.
#pragma once
#include <cstdint>
#include <optional>

#include "properties/concurrent/scheduler.h"
#include "properties/concurrent/threaded.h"

namespace ptc::conc {

struct CheckedHistory {
  HistoryOutcome history;                // checked in full (check_history)
  std::optional<SchedFailure> sequence;  // the scheduler's verdict on the sequence of the same seed, explored
                                         // unless the history fails (as when the target refused its config)
};

class HistoryPipeline {
 public:
  // History i runs seed first_seed + i under `threaded` (read when each history starts and when it is
  // checked: the caller may change lin_budget between calls), its sequence under `sched` into *stats.
  HistoryPipeline(const ptc_target_ops* target, uint64_t first_seed, const ThreadedOptions& threaded,
                  const SchedOptions& sched, SchedStats* stats)
      : target_(target), seed_(first_seed), threaded_(threaded), sched_(sched), stats_(stats) {}

  // The next history, checked. With `start_next`, the history after it runs its threads meanwhile
  // (the caller means to call next() again); without, nothing is left running.
  CheckedHistory next(bool start_next);

 private:
  void check(CheckedHistory& c) const;

  const ptc_target_ops* target_;
  uint64_t seed_;  // of the next history to start
  const ThreadedOptions& threaded_;
  const SchedOptions& sched_;
  SchedStats* stats_;
  std::optional<HistoryOutcome> ran_;  // threads done, not yet checked
};

}  // namespace ptc::conc
