// The differential runner: runs a script on the reference model and on a target in lockstep, with
// the simulated SMMU playing the device, and checks every oracle of SPEC.md section 5 after each
// statement. The first violation ends the run with a readable trace and a one-line signature
// (`oracle:op:config`), as Cryptofuzz reports a mismatch.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/oracles.h"
#include "core/ops.h"
#include "core/runner/target_watch.h"
#include "core/smmu/access_site.h"
#include "core/smmu/timeline.h"
#include "ptcheck/target.h"

namespace ptc {

struct RunOptions {
  // The optimized bitmap writer moves a window over the caller's bitmap; a small window makes
  // records cross window edges often, where Linux's own writer had its bugs.
  size_t bitmap_window_bytes = 16;
  // How many recent simulated-SMMU events a failure trace shows.
  size_t trace_events = 60;
  // The simulated SMMU's event log (core/smmu/event_log.h): whether a failure's trace shows the events
  // leading to it. Off, the trace has none and recording an event costs a branch: for runs that need only
  // the verdict. run_script() never records them on the way: it runs with the log off and, only when an
  // oracle fires, replays the script with the log on for the trace (a Session records as it goes).
  bool event_log = true;
  // Appended to the trace's replay command (e.g. "--target ./libmine.so").
  std::string replay_args;
  // Called once a top-level statement has returned, with its index in the script and where each of its
  // descriptor accesses was when it was made (element i: the access an `@N` line names as N = i + 1;
  // injected ops' accesses are not the statement's), the first observe_access_limit of them. fuzz_ops
  // aims its injections with it. Not called again in the replay that makes a failure's trace.
  std::function<void(size_t statement, const std::vector<AccessSite>& accesses)> observe_accesses;
  size_t observe_access_limit = SIZE_MAX;
  // Keep every event as data (timeline.h) for Failure::timeline: `ptcheck ... --html`. Off by
  // default: each event then carries a copy of the IOTLB and walk cache.
  bool record_timeline = false;
  // Announced before every call into the target and cleared after it (create, root, each operation,
  // destroy): a parent process reads it to name what a dead or stuck child was doing (core/isolation).
  TargetWatch* watch = nullptr;
  // Called after every call into the target: the first kernel WARNING line the target printed since the
  // last call, or "" (core/isolation reads the child's log). A warning during an op Linux's callers issue
  // is a finding (oracle warning); null: not watched.
  std::function<std::string()> target_warned;
};

struct Failure {
  Oracle oracle = Oracle::Divergence;
  int line = 0;              // script line of the failing statement (0: end of script)
  std::string statement;     // the failing statement as printed
  std::string message;       // what is wrong, naming addresses, entries and steps
  std::string signature;     // oracle:op:config
  std::string trace;         // the whole readable report
  std::string replay;        // the command that replays it
  // With RunOptions::record_timeline: every event of the run up to the failure, ending with the
  // oracle's own event (lane kOracle).
  std::vector<TimelineEvent> timeline;
};

// A statement the run did not issue: the target does not offer its operation (a NULL entry of
// ptc_target_ops, SPEC 6) or the contract profile's caller never would (SPEC 9). Its injections are
// skipped with it, and the `=> RESULT`s of the statements after it are no longer checked (they may
// have counted on its effect); the oracles still are.
struct SkippedStatement {
  int line = 0;
  std::string statement;
  std::string reason;
};

struct RunResult {
  bool skipped = false;      // the target refused the script's config
  std::string skip_reason;
  std::optional<Failure> failure;
  size_t statements = 0;     // statements executed (injections included)
  std::vector<SkippedStatement> skipped_statements;
  // The lines of the top-level statements whose armed `fail alloc N` fired: their Nth table allocation
  // was reached and failed. The fail sweep (fail_sweep.h) learns from it whether an op needed an Nth.
  std::vector<int> failed_allocations;
  bool ok() const { return !failure; }
};

// "ias48-4K2M1G-bbml1-hd-strict": the config part of a signature.
std::string config_signature(const Config& c);

// "" when the script can run; else one line FILE:LINE: why not (bad input, exit status 2), e.g. a
// dirty read whose caller's bitmap would be unreasonably large.
std::string check_runnable(const Script& script);

// One differential run fed a statement at a time (RapidCheck commands, schedulers): the same checks
// as run_script, which is a Session over a script's statements. A statement whose line is 0 gets the
// next line number, so traces and printed scripts read in order.
class Session {
 public:
  Session(const Config& cfg, const ptc_target_ops* target, const RunOptions& opts = {}, std::string file = "");
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // False when the target refused the config (skip_reason() says why); step() then does nothing.
  bool started() const { return started_; }
  const std::string& skip_reason() const { return skip_reason_; }
  // Runs one statement (with its injections); false once an oracle fired.
  bool step(const Op& op);
  // The profile the statements' `=> RESULT` lines were written for (SPEC 7: a script's own config, else
  // spec): they are checked only when it is the run's profile. Default: the run's profile.
  void expectations_written_for(Contract c);
  // The final whole-space comparison, teardown and leak check; false if an oracle fired.
  bool finish();
  const std::optional<Failure>& failure() const;
  // The statements run so far, with the session's config: print_script() gives a replayable .ops.
  const Script& script() const;
  size_t statements() const;
  // Statements not issued (the target does not offer them, or the profile's caller never would).
  const std::vector<SkippedStatement>& skipped_statements() const;
  // RunResult::failed_allocations so far.
  const std::vector<int>& failed_allocations() const;
  // Descriptor accesses of the last top-level statement that was a target operation (accesses of
  // ops injected into it not counted): the range of `@N` that lands inside it (schedulers).
  uint64_t last_op_accesses() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
  bool started_ = false;
  std::string skip_reason_;
};

// Runs a script that parsed and passed check_runnable(). With opts.event_log (and no timeline or access
// observer, which need the one run they watch), the run itself records nothing: a failing script is run a
// second time, with the event log on, and the trace is that run's. A target that does not fail the same
// way again (it is not deterministic) gets the first run's failure, its trace saying why it has no events.
RunResult run_script(const Script& script, const ptc_target_ops* target, const RunOptions& opts = {});

}  // namespace ptc
