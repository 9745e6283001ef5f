// The symbolic model of one address during a recorded operation: the region's slot, entry i of each
// tracked table below it, whether each table is live, the IOTLB (one block entry, one page entry), the walk
// cache (the slot's table pointer), pending invalidations, and the device acting between any two steps:
// walk and fill, evict, read or write through a cached or walked leaf, HTTU compare-and-swap (SPEC section 4).
//
// The CPU side is the projected recordings (projection.h), one "group" per distinct projection; each group
// holds for a set of page indexes, and the model's index variable ranges over them, so a verdict holds for
// every page of the region. A CPU step assumes the descriptor it touches holds what the recording saw (a
// path where the device changed it first belongs to the recording with that injection, see recorder.h).
//
// Engines: Spacer (z3::fixedpoint, Horn clauses) proves a property for unboundedly many device actions in
// every gap; a bounded unrolling (BMC) then finds the shortest refuting interleaving, reduced (small page
// index first), for the timeline. When Spacer gives up, BMC alone gives a bounded verdict.
#pragma once
#include <z3++.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "proofs/model/projection.h"
#include "proofs/smt/result.h"
#include "proofs/trace/trace.h"

namespace ptc::proofs {

struct Group {
  AddrTrace trace;
  std::vector<std::pair<unsigned, unsigned>> ranges;  // page indexes [lo, hi] it holds for
  const Trace* raw = nullptr;                         // a recording it came from (for the timeline)
  std::string pattern;                                // which injections ("none", "slot@2", "page@1", ...)
};

enum class Property {
  kNoTlbConflict,       // SPEC 5.6: never two entries of another size/output for the address (bbml 0/1)
  kNoFaultSameOutput,   // SPEC 5.7 / 5.2: while the op runs, every access translates, to the page's output
  kNoLostDirty,         // a device write leaves its page (or the block) dirty at the end
  kFinalState,          // the end state is SPEC section 3's
  kNoFreedTableWalk,    // SPEC 5.5: no walk reads a freed table; no table freed twice; no CPU access to one
  kNoStaleAccess,       // SPEC 5.4: no access succeeds after the caller reused IOVA and memory
  kDirtyNotLost,        // read_and_clear_dirty: a write is recorded by the op or leaves the leaf dirty
  kWritesRecorded,      // unmap_read_dirty: a write completed while the op ran is recorded
};

const char* property_name(Property p);

// The end state SPEC section 3 asks for.
enum class FinalSpec { kNone, kSplitDone, kMergeDone, kUnchangedBlock, kUnchangedPages, kUnmapped };

struct ModelSpec {
  unsigned bbml = 2;
  int ntables = 0;
  bool dirty_at_start = false;
  FinalSpec final_spec = FinalSpec::kNone;
  std::vector<int64_t> expected_returns;
  std::vector<int> table_ids;  // the recorder's id of each tracked table (for naming them)
  // kDirtyNotLost: the page indexes [first, last] whose writes before the operation returns must be recorded
  // or leave the leaf dirty; nullopt: every page. A write after it returns must dirty the leaf again on every
  // page. contract=linux's dirty read of part of a block owes only its own range: the block may be cleaned
  // whole, and a write to its pages outside the range may go unreported (SPEC 9.5).
  std::optional<std::pair<unsigned, unsigned>> recorded_pages;
};

struct ModelOutcome {
  Verdict verdict = Verdict::kUnknown;
  std::string bound;
  std::string counterexample;
  std::string script;
  std::string note;
};

// One property: the vacuity check (unless `replay_checked`), the fixedpoint, and for a refutation the
// shortest counterexample.
// `known_reachable`: a fixedpoint run already found p's violation reachable; only the counterexample is left.
ModelOutcome check_property(const ModelSpec& spec, const std::vector<Group>& groups, Property p, unsigned timeout_ms,
                            bool replay_checked = false, bool known_reachable = false);

// Several properties of the same recordings in one fixedpoint run (their violations' disjunction): the
// common outcome when none is reachable (proved) or the check is vacuous or unknown; nullopt when some
// violation is reachable (then check_property, with replay_checked, tells which).
std::optional<ModelOutcome> check_all(const ModelSpec& spec, const std::vector<Group>& groups,
                                      const std::vector<Property>& props, unsigned timeout_ms);

}  // namespace ptc::proofs
