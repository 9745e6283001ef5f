// Linearizability of a concurrent history against the reference model (the sequential spec), and the
// dirty accounting oracles over a whole run.
//
// The search is Wing & Gong's, with Lowe's memoization as Porcupine implements it: the history's call
// and return events in time order form a linked list; the search linearizes a pending call (applies it
// to a copy of the reference model and compares the result the target gave), lifts it out of the list
// and starts again from the head; when it meets a return whose call is not linearized yet, it undoes the
// last choice. A (set of linearized ops, model state) pair seen once is never explored again; the state
// is the model's whole state (ReferenceModel::same_state: leaves and lazily unmapped translations). A
// time bound makes the answer Unknown rather than letting an exponential search run forever.
//
// Two checks, because a multi-page operation is not atomic to the device (SPEC 5.2: a device access
// during an operation gives the old or the new translation of its own address; pages of one map
// appear one by one):
//  1. device outcomes, page by page: for each page the device touched, its reads, writes and fills
//     with the translation-changing ops over it that took effect (map, unmap, unmap_read_dirty; flush in
//     lazy mode) projected onto that page, against the reference model. An access during an op that the
//     model says it races (ReferenceModel::access_races) may give what the model allows in the state
//     before that op or after it, or the op's transient outcomes (a failing map's page, SPEC 5.2): the
//     checker builds those states from the projections and asks the model; it decides nothing itself;
//  2. everything else: the CPU ops and the end snapshots, with each device write that succeeded as an
//     effect only (at its point, the reference model's device_write_reached), partitioned by IOVA range
//     as Porcupine partitions by key. A write that raced a scan of its page settles as the model's race
//     rules say (core/reference/race_rules.cpp), as in the differential runner.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/oracles.h"
#include "core/reference/reference_model.h"
#include "properties/concurrent/history.h"

namespace ptc::conc {

enum class Verdict : uint8_t { Linearizable, NotLinearizable, Unknown };
const char* verdict_name(Verdict v);

struct LinResult {
  Verdict verdict = Verdict::Linearizable;
  size_t partitions = 0;
  size_t ops = 0;
  uint64_t steps = 0;  // linearization attempts (model steps), all partitions together
  // NotLinearizable: the part that failed, and why, in words: the longest prefix the search could
  // linearize and what each op that could come next got from the target against the reference.
  std::vector<const HistOp*> failing_part;
  std::string explanation;
};

// Applies h to the model; true when the result the target gave is one the model allows (the model is
// then the state after h). *why says what the reference gives when it is not.
bool apply_to_model(ReferenceModel& m, const HistOp& h, std::string* why);

// Checks every partition; Unknown when the deadline passes before an answer (and no part failed).
LinResult check_linearizable(const History& h, std::chrono::steady_clock::time_point deadline);
// One partition (ops of one component, flushes included).
LinResult check_partition(const Config& cfg, const std::vector<const HistOp*>& ops,
                          std::chrono::steady_clock::time_point deadline);

// SPEC 5.3 over a whole run, independently of any linearization:
//  lost dirty: a device write to page P that completed at t is recorded by no clearing read that ended
//    after t, although the first clearing read of P that began after t, or an unmap_read_dirty of P
//    running when it completed, should have (a plain unmap of P in between discards it);
//  phantom dirty: a clearing read records page P though, since the last op that cleaned or removed
//    every leaf that can hold P (the aligned region of the largest leaf size), no device write and no
//    map touched that region.
// *where (when given) is set to the page concerned.
std::optional<Violation> check_dirty_accounting(const History& h, uint64_t* where = nullptr);

}  // namespace ptc::conc
