// Scripts run by the differential runner in child processes (child_process.h): the target may crash,
// trip a sanitizer, call exit() or hang, and each of those becomes the script's failure — oracle
// memory-error, crash or hang (SPEC 5.9, 8) — with the script up to the statement that was running,
// the sanitizer's or signal's own report from the target's log, and the replay command; the next script
// runs in a fresh child. One child runs scripts one after another until one dies (a fork server per
// batch: one fork per batch, not per script; docs/PERFORMANCE.md has the cost).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/isolation/child_process.h"
#include "core/runner/runner.h"

namespace ptc {

struct IsolationOptions {
  std::string log_path;      // the target's own output (stdout, stderr) goes here, appended
  double op_timeout_s = 10;  // an operation that stays in the target longer is a hang (0: no limit)
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::function<bool()> should_stop;  // polled; true ends the run (the scripts left are not run)
};

// What the child has to say about a script besides its result (e.g. "the failure is drawn in X").
struct ChildNote {
  std::string text;
  bool bad_input = false;  // e.g. a page that could not be written
};

struct IsolatedResult {
  RunResult result;
  ChildNote note;
  bool run = true;             // false: the deadline passed or a stop came before it ran
  uint64_t log_from = 0, log_to = 0;  // its part of the log
  size_t warnings = 0;         // lines holding "WARNING:" the target printed meanwhile (kernel WARN)
};

// One item of a batch run in child processes: what its run sent back, or how its child died.
struct ItemOutcome {
  bool run = true;                  // false: the deadline passed or a stop came before it ran (or finished)
  std::optional<std::string> payload;  // what run_one returned, when it returned
  std::optional<ChildEnd> death;    // when its child died (or hung) instead
  uint64_t log_from = 0, log_to = 0;  // its part of the target log
  size_t warnings = 0;              // lines holding "WARNING:" the target printed meanwhile (kernel WARN)
};

// Items 0..n-1 (scripts, properties, obligations, ...) in child processes: one child runs run_one(i) for
// one item after another, sending each payload back, until one dies; that item's outcome is its death,
// and a new child takes the next. on_item gets every item's outcome, in order, in the parent.
void run_items_isolated(size_t n, const std::function<std::string(size_t index, ChildChannel& ch)>& run_one,
                        const IsolationOptions& io, const std::function<void(size_t index, ItemOutcome&& r)>& on_item);

// What the target printed from the start of the item whose child died: the part that explains the death
// (a sanitizer's report, else the last lines); "" without a log.
std::string death_excerpt(const IsolationOptions& io, const ItemOutcome& item);

// Runs every script against target in child processes and hands on_result each script's outcome, in
// order, in the parent. in_child (optional) runs in the child after each script, with its full result
// (its Failure::timeline, which does not travel to the parent): --html renders there; its note travels.
void run_scripts_isolated(const std::vector<Script>& scripts, const ptc_target_ops* target, const RunOptions& opts,
                          const IsolationOptions& io,
                          const std::function<void(size_t index, IsolatedResult&& r)>& on_result,
                          const std::function<ChildNote(size_t index, const RunResult& r)>& in_child = nullptr);

// One script in a child (run_scripts_isolated of one); not run (IsolatedResult::run false) when stopped.
IsolatedResult run_script_isolated(const Script& script, const ptc_target_ops* target, const RunOptions& opts,
                                   const IsolationOptions& io);
// The signature of its failure in a child (a crash is one too: crash:split:CONFIG), "" when it holds.
std::string isolated_signature(const Script& script, const ptc_target_ops* target, const RunOptions& opts,
                               const IsolationOptions& io);

// Minimizes a failing script (core/runner/minimize.h) whose failure has signature `sig`, so that the
// target cannot take ptcheck with it: an oracle's failure is minimized in one child (every candidate
// runs there: one fork in all); a death (crash, memory-error, hang), or a candidate that kills that
// child, is minimized with a child per candidate (a fork each: docs/PERFORMANCE.md).
Script minimize_isolated(const Script& s, const ptc_target_ops* target, const RunOptions& opts,
                         const IsolationOptions& io, const std::string& sig);

// Whether a failure is a child's death (memory-error, crash, hang) rather than an oracle the runner checked.
inline bool from_dead_child(const Failure& f) {
  return f.oracle == Oracle::MemoryError || f.oracle == Oracle::Crash || f.oracle == Oracle::Hang;
}

// The failure of a script whose child did not come back (what run_scripts_isolated reports).
Failure failure_of_dead_child(const Script& script, const ptc_target_ops* target, const RunOptions& opts,
                              const ChildEnd& end, const std::string& excerpt, const IsolationOptions& io);

}  // namespace ptc
