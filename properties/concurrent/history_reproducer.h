// A deterministic reproducer for a failing real-thread history. Real threads do not interleave the same
// way twice, so `ptcheck stress --seed S` is no replay of a history's failure. The history itself says
// what ran at once (call and return times): each CPU operation, with the CPU operation and the device
// actions that overlapped it, is a scheduler Sequence (scheduler.h) — what returned before it is the
// prefix, what was called after it the suffix — whose schedules the differential runner explores. The
// first schedule that fails as the history did (the same oracle; any failure for a history that is not
// linearizable) is written as .ops and replayed once more from the file; its replay line is the one to
// print. Histories whose failure needs more than one preemption have none, and the report says so.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "properties/concurrent/history.h"
#include "properties/concurrent/scheduler.h"

namespace ptc::conc {

struct ReproducerOptions {
  std::optional<Oracle> oracle;   // the history's oracle; none: it was not linearizable (any failure does)
  unsigned schedules = 32;        // per candidate sequence
  unsigned max_runs = 3000;       // over all candidates: the search is bounded, whatever the history
  std::string out_dir;            // where the reproducer is written (required for a replay line)
  std::string replay_args;        // "--target lib.so"
  uint64_t seed = 0;              // names the files and seeds the schedules (the history's seed)
  TargetWatch* watch = nullptr;
};

// The first failing schedule that fails as the history did and replayed the same from its file, or none.
std::optional<SchedFailure> deterministic_reproducer(const ptc_target_ops* target, const History& h,
                                                     const ReproducerOptions& o);

}  // namespace ptc::conc
