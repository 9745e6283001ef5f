// The deterministic interleaving scheduler (Lincheck's model-checking mode, on ptcheck's own terms).
//
// A sequence is a seeded scenario: a prefix that sets the tables up, two operations A and B on
// disjoint ranges that run "at once", device actions aimed mostly at A's range, and a suffix that
// observes (clearing reads of every region, device reads). A schedule fixes, from its own seed, how
// they interleave one descriptor access at a time: one of A and B is the outer op; the other runs to
// completion after the outer op's Nth descriptor access (as if on another CPU), and each device action
// runs after some access M of the outer op (or right after it returns). The differential runner
// (core/runner Session) executes the schedule against the reference model with every oracle of SPEC 5
// live. A failing schedule is therefore already a script: it is printed as .ops, whose `@N` lines are
// exactly the schedule, written to a file, and replayed through run_script to confirm the same oracle.
//
// What the .ops language can say bounds what is explored: an `@N` line holds a device action or a
// whole op, and an injected op cannot hold `@` lines itself. So CPU-vs-CPU schedules are those where
// one op is preempted once and the other runs to completion at that point (nested `@N op`), and device
// actions happen between the outer op's accesses, not inside the injected one.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/runner/runner.h"

namespace ptc::conc {

struct Sequence {
  Config config;
  std::vector<Op> prefix;
  Op a;
  std::optional<Op> b;      // on a range disjoint from a's
  std::vector<Op> device;   // device actions to inject
  std::vector<Op> suffix;
};

// Under contract=linux (SPEC 9) the prefix, A, B and the suffix keep to what the profile's caller
// would issue, as the reference model says.
Sequence random_sequence(uint64_t seed, Contract contract = Contract::Spec);

// The script of one schedule: prefix, the outer op with its `@N` lines, suffix.
struct Schedule {
  bool b_outer = false;
  uint64_t inner_at = 0;
  std::vector<uint64_t> device_at;  // one per device action
};
Script schedule_script(const Sequence& seq, const Schedule& sch);

struct SchedOptions {
  unsigned schedules = 16;  // per sequence
  std::string out_dir;      // where a failing schedule is written as .ops ("": not written)
  std::string replay_args;  // for replay lines: "--target lib.so"
  Contract contract = Contract::Spec;  // of the sequences explore_sequence draws
  TargetWatch* watch = nullptr;        // RunOptions::watch of every schedule's run (a child's: core/isolation)
};

struct SchedStats {
  uint64_t sequences = 0, schedules = 0, statements = 0;
};

struct SchedFailure {
  uint64_t seed = 0;
  unsigned schedule = 0;
  Failure failure;           // what the schedule's run reported
  std::string script;        // the failing schedule as .ops text (header comments included)
  std::string path;          // where it was written ("" when not)
  bool replayed_same = false;  // the script, parsed and run again, fails with the same oracle
  std::string replay_result;   // that run's signature, or "holds"
  std::string report;
};

// Explores o.schedules schedules of seq (seed names them and seeds their choices); the first
// failing one, if any. When o.schedules exceeds the outer op's accesses, every point of the first
// injected item is tried.
std::optional<SchedFailure> explore_schedules(const ptc_target_ops* target, const Sequence& seq, uint64_t seed,
                                              const SchedOptions& o, SchedStats* stats);
// explore_schedules of random_sequence(seed).
std::optional<SchedFailure> explore_sequence(const ptc_target_ops* target, uint64_t seed, const SchedOptions& o,
                                             SchedStats* stats);

}  // namespace ptc::conc
