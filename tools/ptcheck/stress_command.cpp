#include "tools/ptcheck/stress_command.h"

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/lpae/lpae_target.h"
#include "core/oracles.h"
#include "core/runner/target_loader.h"
#include "properties/concurrent/scheduler.h"
#include "properties/concurrent/threaded.h"

namespace ptc::cli {

namespace {

using ull = unsigned long long;
using Clock = std::chrono::steady_clock;

constexpr int kHolds = 0, kBug = 1, kBadInput = 2;

int bad(const std::string& line) {
  std::fprintf(stderr, "ptcheck: %s\n", line.c_str());
  return kBadInput;
}

bool parse_number(const char* s, unsigned long long lo, unsigned long long hi, unsigned long long* out) {
  if (!s || !*s || *s == '-') return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s, &end, 0);
  if (errno || *end || v < lo || v > hi) return false;
  *out = v;
  return true;
}

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
  conc::SchedOptions so;
  so.out_dir = o.out_dir.empty() ? (std::filesystem::temp_directory_path() / "ptcheck-stress").string() : o.out_dir;
  so.replay_args = o.target_path.empty() ? "" : "--target " + o.target_path;  // the script names its profile
  so.contract = o.contract;

  std::printf("ptcheck stress: target %s, contract %s, %u CPU + %u device threads x %u ops a history, %us, seed %llu\n",
              target->name ? target->name : "?", contract_name(o.contract), to.cpu_threads, to.device_threads,
              to.ops_per_thread, o.seconds, ull(seed));
  std::fflush(stdout);
  Totals t;
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(o.seconds);
  auto last = start;
  const auto every = std::chrono::seconds(o.quiet ? 5 : 1);
  auto secs = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  for (uint64_t i = 0; Clock::now() < end; ++i) {
    const conc::HistoryOutcome h = conc::run_threaded_history(target, seed + i, to);
    if (h.skipped) {
      ++t.skipped;
    } else {
      ++t.histories;
      t.ops += h.history.ops.size();
      t.not_issued += h.not_issued;
      if (h.bug()) {
        t.not_linearizable += !h.violation;
        if (o.outcome) {
          o.outcome->histories = t.histories;
          o.outcome->signature = std::string(h.violation ? oracle_name(h.violation->oracle) : "not-linearizable") +
                                 ":threaded-history";
          o.outcome->replay = "ptcheck stress --seed " + std::to_string(seed + i) + " --time 1 --threads " +
                              std::to_string(o.threads) + " --ops " + std::to_string(o.ops) + target_arg;
        }
        std::printf("%s", h.report.c_str());
        std::printf("ptcheck stress: BUG after %.1fs: %s\n", secs(), counts(t, secs()).c_str());
        return kBug;
      }
      if (h.lin.verdict == conc::Verdict::Unknown) {
        ++t.unknown;
      } else {
        ++t.linearizable;
        t.largest = std::max(t.largest, h.history.ops.size());
      }
    }
    if (auto f = conc::explore_sequence(target, seed + i, so, &t.sched)) {
      if (o.outcome) {
        o.outcome->histories = t.histories;
        o.outcome->schedules = t.sched.schedules;
        o.outcome->signature = f->failure.signature;
        o.outcome->replay = f->path.empty() ? f->failure.replay : "ptcheck run " + f->path + target_arg;
      }
      std::printf("%s", f->report.c_str());
      std::printf("ptcheck stress: BUG after %.1fs: %s\n", secs(), counts(t, secs()).c_str());
      return kBug;
    }
    if (Clock::now() - last >= every) {
      last = Clock::now();
      std::printf("stress %5.1fs  %s\n", secs(), counts(t, secs()).c_str());
      std::fflush(stdout);
    }
  }
  if (o.outcome) {
    o.outcome->histories = t.histories;
    o.outcome->schedules = t.sched.schedules;
  }
  std::printf("ptcheck stress: %.1fs, %s: every oracle holds (seed %llu)\n", secs(), counts(t, secs()).c_str(),
              ull(seed));
  return kHolds;
}

int stress_main(int argc, char** argv) {
  StressOptions o;
  unsigned long long seed = 0;
  // The numeric options: flag, range, where it goes, what the error says.
  const struct {
    const char* flag;
    unsigned long long lo, hi;
    unsigned* out;
    const char* error;
  } numbers[] = {{"--threads", 1, 64, &o.threads, "--threads must be 1..64"},
                 {"--time", 1, 86400 * 7, &o.seconds, "--time must be 1..604800 seconds"},
                 {"--ops", 1, 100000, &o.ops, "--ops must be 1..100000"}};
  for (int i = 0; i < argc; ++i) {
    const std::string s = argv[i];
    const bool takes_value = s == "--seed" || s == "--target" || s == "--out" || s == "--contract" ||
                             std::any_of(std::begin(numbers), std::end(numbers), [&](const auto& n) { return s == n.flag; });
    if (!takes_value)
      return bad((s.empty() || s[0] != '-' ? "stress takes no positional argument '" : "unknown option '") + s +
                 "' (try `ptcheck help`)");
    if (i + 1 >= argc) return bad(s + " needs a value");
    const char* x = argv[++i];
    unsigned long long v = 0;
    if (s == "--target") {
      o.target_path = x;
    } else if (s == "--out") {
      o.out_dir = x;
    } else if (s == "--contract") {
      const std::string c = x;
      if (c != "spec" && c != "linux") return bad("--contract must be spec or linux, got '" + c + "'");
      o.contract = c == "linux" ? Contract::Linux : Contract::Spec;
    } else if (s == "--seed") {
      if (!parse_number(x, 1, ~0ull, &seed)) return bad("--seed must be a number > 0");
      o.seed = seed;
    } else {
      for (const auto& n : numbers)
        if (s == n.flag) {
          if (!parse_number(x, n.lo, n.hi, &v)) return bad(n.error);
          *n.out = unsigned(v);
        }
    }
  }
  const ptc_target_ops* target = ptc_lpae_ops();
  if (!o.target_path.empty()) {
    std::string error;
    target = ptc::load_target_library(o.target_path, &error);
    if (!target) return bad(error);
  }
  return run_stress(o, target);
}

}  // namespace ptc::cli
