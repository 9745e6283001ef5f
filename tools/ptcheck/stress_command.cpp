#include "tools/ptcheck/stress_command.h"

#include "properties/concurrent/history_reproducer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "core/isolation/child_process.h"
#include "core/isolation/frames.h"
#include "core/fmt.h"
#include "core/oracles.h"
#include "properties/concurrent/history_pipeline.h"
#include "properties/concurrent/scheduler.h"
#include "properties/concurrent/threaded.h"
#include "tools/ptcheck/stop_flag.h"
#include "tools/ptcheck/target_log.h"

namespace ptc::cli {

namespace {

using ull = unsigned long long;
using Clock = std::chrono::steady_clock;

constexpr int kHolds = 0, kBug = 1;

struct Totals {
  uint64_t histories = 0, ops = 0, linearizable = 0, not_linearizable = 0, unknown = 0, skipped = 0;
  uint64_t not_issued = 0;  // planned ops outside the contract profile (linux)
  size_t largest = 0;  // ops of the largest history found linearizable
  conc::SchedStats sched;
};

std::string counts(const Totals& t, double secs) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "histories %llu (%.1f/s, ops %llu%s; linearizable %llu, not %llu, unknown %llu%s), largest %zu ops; "
                "schedules %llu of %llu sequences (%llu statements)",
                ull(t.histories), secs > 0 ? double(t.histories) / secs : 0.0, ull(t.ops),
                t.not_issued ? (", " + std::to_string(t.not_issued) + " outside the profile not issued").c_str() : "",
                ull(t.linearizable), ull(t.not_linearizable), ull(t.unknown),
                t.skipped ? (", skipped " + std::to_string(t.skipped)).c_str() : "", t.largest,
                ull(t.sched.schedules), ull(t.sched.sequences), ull(t.sched.statements));
  return buf;
}

}  // namespace

int run_stress(const StressOptions& o, const ptc_target_ops* target) {
  const uint64_t seed =
      o.seed ? o.seed : uint64_t(std::chrono::system_clock::now().time_since_epoch().count()) % 1000000007ull + 1;
  // What every replay line needs besides the seed: the target, and the profile when it is not spec.
  const std::string target_arg = (o.target_path.empty() ? "" : " --target " + o.target_path) +
                                 (o.contract == Contract::Spec ? "" : std::string(" --contract ") + contract_name(o.contract));
  conc::ThreadedOptions to;
  to.cpu_threads = o.threads;
  to.ops_per_thread = o.ops;
  to.lin_budget = std::chrono::milliseconds(o.seconds < 10 ? 1000 * std::max(1u, o.seconds) : 10000);
  to.replay_args = "--threads " + std::to_string(o.threads) + " --ops " + std::to_string(o.ops) + target_arg;
  to.contract = o.contract;
  to.thread_watch = o.thread_watch;
  conc::WorkerPool pool;  // every history's threads
  to.pool = &pool;
  conc::SchedOptions so;
  so.watch = o.watch;
  // A run's own folder by default (this process's id: two runs at once never share a schedule's file).
  so.out_dir = o.out_dir.empty() ? (std::filesystem::temp_directory_path() /
                                    ("ptcheck-stress-" + std::to_string(getpid()) + "-" + std::to_string(seed)))
                                       .string()
                                 : o.out_dir;
  so.replay_args = o.target_path.empty() ? "" : "--target " + o.target_path;  // the script names its profile
  so.contract = o.contract;

  std::fprintf(o.out, "ptcheck stress: target %s, contract %s, %u CPU + %u device threads x %u ops a history, %us, seed %llu\n",
              target->name ? target->name : "?", contract_name(o.contract), to.cpu_threads, to.device_threads,
              to.ops_per_thread, o.seconds, ull(seed));
  std::fflush(o.out);
  Totals t;
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(o.seconds);
  auto last = start;
  const auto every = std::chrono::seconds(o.quiet ? 5 : 1);
  auto secs = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  const auto lin_budget = to.lin_budget;
  std::string stopped;  // why the loop ended before `end`
  // Whether another history may start now (else why not, in `stopped`).
  auto may_start = [&] {
    if (Clock::now() >= end) return false;
    if (stop_requested() || Clock::now() >= o.deadline) {
      stopped = stop_requested() ? stop_reason() : "budget";
      return false;
    }
    // A linearizability search stops at its budget with verdict Unknown: never past the deadline.
    if (o.deadline != Clock::time_point::max())
      to.lin_budget = std::min(lin_budget, std::chrono::duration_cast<std::chrono::milliseconds>(o.deadline - Clock::now()));
    return true;
  };
  // History i + 1's threads run while history i is checked (history_pipeline.h): the same histories and
  // reports as one after the other.
  conc::HistoryPipeline pipeline(target, seed, to, so, &t.sched);
  for (bool more = may_start(); more;) {
    more = may_start();
    conc::CheckedHistory c = pipeline.next(more);
    const conc::HistoryOutcome& h = c.history;
    if (h.skipped) {
      ++t.skipped;
    } else {
      ++t.histories;
      t.ops += h.history.ops.size();
      t.not_issued += h.not_issued;
      if (h.bug()) {
        t.not_linearizable += !h.violation;
        std::fprintf(o.out, "%s", h.report.c_str());
        std::fflush(o.out);
        // Real threads never interleave the same way twice: the replay line is a deterministic schedule of
        // this history that fails the same way, when one exists.
        conc::ReproducerOptions ro;
        if (h.violation) ro.oracle = h.violation->oracle;
        ro.out_dir = so.out_dir;
        ro.replay_args = so.replay_args;
        ro.seed = h.seed;
        ro.watch = o.watch;
        const std::optional<conc::SchedFailure> det = conc::deterministic_reproducer(target, h.history, ro);
        const std::string rerun = "ptcheck stress --seed " + std::to_string(h.seed) + " --time 1 --threads " +
                                  std::to_string(o.threads) + " --ops " + std::to_string(o.ops) + target_arg;
        if (det)
          std::fprintf(o.out, "  a deterministic schedule of this history fails the same way (%s): %s\n  replay: ptcheck run %s%s\n",
                       det->failure.signature.c_str(), det->path.c_str(), det->path.c_str(),
                       so.replay_args.empty() ? "" : (" " + so.replay_args).c_str());
        else
          std::fprintf(o.out, "  no schedule of this history with one preemption fails the same way (deterministic "
                       "replay not found); real threads again: %s (timing varies: it may take several runs)\n",
                       rerun.c_str());
        if (o.outcome) {
          o.outcome->histories = t.histories;
          o.outcome->signature = std::string(h.violation ? oracle_name(h.violation->oracle) : "not-linearizable") +
                                 ":threaded-history";
          o.outcome->replay = det ? "ptcheck run " + det->path + (so.replay_args.empty() ? "" : " " + so.replay_args) : rerun;
        }
        std::fprintf(o.out, "ptcheck stress: BUG after %.1fs: %s\n", secs(), counts(t, secs()).c_str());
        return kBug;
      }
      if (h.lin.verdict == conc::Verdict::Unknown) {
        ++t.unknown;
      } else {
        ++t.linearizable;
        t.largest = std::max(t.largest, h.history.ops.size());
      }
    }
    if (const auto& f = c.sequence) {
      if (o.outcome) {
        o.outcome->histories = t.histories;
        o.outcome->schedules = t.sched.schedules;
        o.outcome->signature = f->failure.signature;
        o.outcome->replay = f->path.empty() ? f->failure.replay : "ptcheck run " + f->path + target_arg;
      }
      std::fprintf(o.out, "%s", f->report.c_str());
      std::fprintf(o.out, "ptcheck stress: BUG after %.1fs: %s\n", secs(), counts(t, secs()).c_str());
      return kBug;
    }
    if (Clock::now() - last >= every) {
      last = Clock::now();
      std::fprintf(o.out, "stress %5.1fs  %s\n", secs(), counts(t, secs()).c_str());
      std::fflush(o.out);
    }
  }
  if (o.outcome) {
    o.outcome->histories = t.histories;
    o.outcome->schedules = t.sched.schedules;
    o.outcome->stopped = stopped;
  }
  std::fprintf(o.out, "ptcheck stress: %.1fs, %s: every oracle holds%s (seed %llu)\n", secs(), counts(t, secs()).c_str(),
              stopped.empty() ? "" : (" (stopped: " + stopped + ")").c_str(), ull(seed));
  return kHolds;
}

int run_stress_isolated(const StressOptions& o, const ptc_target_ops* target, const IsolationOptions& io) {
  StressOptions mine = o;
  // The seed is chosen here, so that a child that dies can still be replayed.
  if (!mine.seed) mine.seed = uint64_t(std::chrono::system_clock::now().time_since_epoch().count()) % 1000000007ull + 1;
  IsolationOptions limits = io;
  limits.should_stop = [] { return stop_requested(); };
  const auto own_end = Clock::now() + std::chrono::seconds(o.seconds) + std::chrono::seconds(30);
  limits.deadline = std::min(own_end, o.deadline == Clock::time_point::max() ? own_end : o.deadline + std::chrono::seconds(10));
  int rc = kHolds;
  StressOptions::Outcome outcome;
  run_items_isolated(
      1,
      [&](size_t, ChildChannel& ch) {
        StressOptions in_child = mine;
        in_child.out = ch.text();
        in_child.watch = ch.watch();
        in_child.thread_watch = [&ch](unsigned t) { return ch.thread_watch(t); };
        StressOptions::Outcome oc;
        in_child.outcome = &oc;
        // Quiet (check): the whole text is the report's detail; the screen gets its "ptcheck stress:" lines.
        char* text = nullptr;
        size_t text_len = 0;
        std::FILE* mem = mine.quiet ? open_memstream(&text, &text_len) : nullptr;
        if (mem) in_child.out = mem;
        const int r = run_stress(in_child, target);
        if (mem) {
          std::fclose(mem);
          oc.report.assign(text, text_len);
          std::free(text);
          size_t at = 0;
          while (at < oc.report.size()) {
            const size_t eol = std::min(oc.report.find('\n', at), oc.report.size());
            if (oc.report.compare(at, 15, "ptcheck stress:") == 0)
              std::fprintf(ch.text(), "%s\n", oc.report.substr(at, eol - at).c_str());
            at = eol + 1;
          }
          std::fflush(ch.text());
        }
        return FrameWriter().num(1, r).num(2, int64_t(oc.histories)).num(3, int64_t(oc.schedules)).str(4, oc.signature)
            .str(5, oc.replay).str(6, oc.stopped).str(7, oc.report).bytes();
      },
      limits,
      [&](size_t, ItemOutcome&& item) {
        if (item.payload) {
          for_each_field(*item.payload, [&](uint8_t tag, std::string_view v, int64_t n) {
            if (tag == 1) rc = int(n);
            if (tag == 2) outcome.histories = uint64_t(n);
            if (tag == 3) outcome.schedules = uint64_t(n);
            if (tag == 4) outcome.signature = v;
            if (tag == 5) outcome.replay = v;
            if (tag == 6) outcome.stopped = v;
            if (tag == 7) outcome.report = v;
          });
          return;
        }
        if (!item.death) {  // stopped before it began
          outcome.stopped = stop_requested() ? stop_reason() : "budget";
          return;
        }
        ChildEnd end = *item.death;
        const bool stopped_by_signal = end.how == ChildEnd::How::kStopped && stop_requested();
        if (stopped_by_signal) {
          outcome.stopped = stop_reason();
          return;
        }
        const std::string excerpt = death_excerpt(io, item);
        const char* oracle = death_oracle_name(end, excerpt);
        outcome.signature = std::string(oracle) + ":stress";
        // A hang on a CPU thread of a history replays from that history's seed (history i of seed S runs
        // seed S + i); anything else from the run's seed.
        const bool thread_hang = end.how == ChildEnd::How::kHung && end.thread >= 0 && end.unit != 0;
        const std::string timeout_arg =
            end.how == ChildEnd::How::kHung ? " --op-timeout " + fmt("%g", io.op_timeout_s) : std::string();
        outcome.replay = "ptcheck stress --seed " + std::to_string(thread_hang ? end.unit : mine.seed) + " --time " +
                         (thread_hang ? std::string("1") : std::to_string(o.seconds)) + " --threads " +
                         std::to_string(o.threads) + " --ops " + std::to_string(o.ops) + timeout_arg +
                         (o.target_path.empty() ? "" : " --target " + o.target_path) +
                         (o.contract == Contract::Spec ? "" : std::string(" --contract ") + contract_name(o.contract));
        const char* op = end.entry == WatchedEntry::kOp ? op_name(OpKind(end.op_kind)) : watched_entry_name(end.entry);
        std::string what;
        if (end.how == ChildEnd::How::kDied)
          what = "the target died (" + describe_death(end) + ")" +
                 (end.thread >= 0 ? fmt(" while CPU thread %d was in `%s`", end.thread, op) : std::string());
        else if (end.how == ChildEnd::How::kHung && end.thread >= 0)
          what = fmt("CPU thread %d did not return from `%s` within the op timeout (%.1fs of its own CPU time, %.1fs "
                     "in all; history seed %llu)",
                     end.thread, op, end.in_target_cpu_s, end.in_target_s, ull(end.unit));
        else if (end.how == ChildEnd::How::kHung)
          what = fmt("`%s` did not return within the op timeout (%.1fs of CPU time, %.1fs in all) in a schedule", op,
                     end.in_target_cpu_s, end.in_target_s);
        else
          what = "the run did not end 30 s after its time (an operation that does not return)";
        std::fprintf(o.out, "ptcheck stress: FAIL %s: %s during the stress run (seed %llu)\n%s%s  replay: %s\n", oracle,
                     what.c_str(), ull(mine.seed),
                     excerpt.empty() ? "" : ("  the target's output (" + io.log_path + "):\n").c_str(), excerpt.c_str(),
                     outcome.replay.c_str());
        rc = kBug;
      });
  if (o.outcome) *o.outcome = outcome;
  return rc;
}

}  // namespace ptc::cli
