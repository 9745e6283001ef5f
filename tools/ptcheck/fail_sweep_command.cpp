#include "tools/ptcheck/fail_sweep_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>

#include "core/isolation/child_process.h"
#include "core/isolation/frames.h"
#include "core/runner/fail_sweep.h"
#include "tools/ptcheck/script_files.h"
#include "tools/ptcheck/target_log.h"

namespace fs = std::filesystem;

namespace ptc::cli {

namespace {

constexpr int kHolds = 0, kBug = 1, kBadInput = 2;

bool write_text(const std::string& path, const std::string& text, std::string* error) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) *error = path + ":0: cannot write the file";
  return bool(f);
}

std::string why_stopped(const IsolationOptions& io) {
  if (io.should_stop && io.should_stop()) return "stopped";
  return std::chrono::steady_clock::now() >= io.deadline ? "budget" : "stopped";
}

}  // namespace

std::string fail_sweep_finding_text(const FailSweepFinding& f) {
  const std::string what = f.n ? "line " + std::to_string(f.source_line) + ", its allocation " + std::to_string(f.n) +
                                     " failing (the variant: " + f.variant_path + ")"
                               : "the script as it is, no allocation failing";
  return "  " + what + ":\n" + f.failure.trace;
}

std::string sweep_counts(size_t ops, size_t sites, size_t runs) {
  return std::to_string(ops) + " operations x " + std::to_string(sites) + " allocation sites: " +
         std::to_string(runs) + " runs";
}

namespace {

// What a child sends back about one operation's sweep.
enum SweepTag : uint8_t { kRuns = 1, kSites, kFailedAt, kSkipReason };

struct OpSweep {
  int64_t runs = 0, sites = 0, failed_at = 0;  // failed_at: the n of the failing run (0: none)
  std::optional<std::string> skip_reason;       // the target refused the script's config
};

// One operation's sweep: n = 1, 2, ... until a run that does not reach allocation n, or fails.
OpSweep sweep_op(const std::function<FailSweepVariant(uint64_t n)>& variant,
                 const std::function<RunResult(const Script&)>& run) {
  OpSweep out;
  for (uint64_t n = 1;; ++n) {
    const FailSweepVariant v = variant(n);
    const RunResult r = run(v.script);
    ++out.runs;
    if (r.skipped) {
      out.skip_reason = r.skip_reason;
      return out;
    }
    const bool reached = fail_sweep_reached(v, r);
    out.sites += reached;
    if (r.failure) {
      out.failed_at = int64_t(n);
      return out;
    }
    if (!reached) return out;
  }
}

}  // namespace

ScriptSweep sweep_script(const Script& script, const std::string& stem, const ptc_target_ops* target,
                         const FailSweepOptions& o) {
  ScriptSweep out;
  // The sweep's runs need only a verdict: without the event log they run faster; a failing variant runs
  // again with it, for its trace.
  RunOptions quiet;
  quiet.event_log = false;
  quiet.replay_args = o.replay_args;
  RunOptions loud;
  loud.replay_args = o.replay_args;
  const std::vector<size_t> ops = fail_sweep_ops(script);
  auto variant_of = [&](size_t op_index) {
    return [&, op_index](uint64_t n) {
      const std::string path = o.out_dir + "/" + stem + ".line" + std::to_string(script.ops[op_index].line) +
                               ".alloc" + std::to_string(n) + ".ops";
      return fail_sweep_variant(script, op_index, n, path);
    };
  };
  // A failure, with its trace from a run with the event log; a variant's is written where its replay
  // line points.
  auto record_failure = [&](const Script& run, int source_line, uint64_t n, const std::string* text,
                            const Failure& fallback) {
    FailSweepFinding f;
    f.source_line = source_line;
    f.n = n;
    f.variant_path = run.file;
    const IsolatedResult again = run_script_isolated(run, target, loud, o.isolation);
    f.failure = again.result.failure ? *again.result.failure : fallback;
    std::string error;
    if (text && !write_text(f.variant_path, *text, &error) && out.write_error.empty()) out.write_error = error;
    out.failures.push_back(std::move(f));
  };
  // The script as it is, first: a failure of its own is reported once, as the script's (its replay line
  // runs the script), not once per operation of the sweep.
  {
    const IsolatedResult plain = run_script_isolated(script, target, quiet, o.isolation);
    if (!plain.run) {
      out.stopped = why_stopped(o.isolation);
      out.ops_left = ops.size();
      return out;
    }
    ++out.runs;
    if (plain.result.skipped) {
      out.skipped = true;
      out.skip_reason = plain.result.skip_reason;
      return out;
    }
    if (plain.result.failure) {
      record_failure(script, plain.result.failure->line, 0, nullptr, *plain.result.failure);
      return out;
    }
  }
  // An item per operation, all of its runs in one child (a fork per child, not per run: a split of 1G
  // has 513 allocations); the next operations go on in a new child if one dies.
  run_items_isolated(
      ops.size(),
      [&](size_t k, ChildChannel& ch) {
        RunOptions ro = quiet;
        ro.watch = ch.watch();
        ro.target_warned = warnings_since_last_call();
        const OpSweep r = sweep_op(variant_of(ops[k]), [&](const Script& v) { return run_script(v, target, ro); });
        FrameWriter w;
        w.num(kRuns, r.runs).num(kSites, r.sites).num(kFailedAt, r.failed_at);
        if (r.skip_reason) w.str(kSkipReason, *r.skip_reason);
        return w.bytes();
      },
      o.isolation,
      [&](size_t k, ItemOutcome&& item) {
        if (!item.run) {
          if (out.stopped.empty()) out.stopped = why_stopped(o.isolation);
          ++out.ops_left;
          return;
        }
        ++out.ops;
        const auto variant = variant_of(ops[k]);
        OpSweep r;
        if (item.payload) {
          FrameReader rd(*item.payload);
          uint8_t tag;
          std::string_view v;
          while (rd.next(&tag, &v)) {
            const int64_t n = FrameReader::as_num(v).value_or(0);
            if (tag == kRuns) r.runs = n;
            if (tag == kSites) r.sites = n;
            if (tag == kFailedAt) r.failed_at = n;
            if (tag == kSkipReason) r.skip_reason = std::string(v);
          }
        } else {
          // The child died (a crash, a sanitizer's report, a hang) at an allocation it could not tell:
          // the operation's runs again, a child each, find it.
          r = sweep_op(variant, [&](const Script& v) { return run_script_isolated(v, target, quiet, o.isolation).result; });
        }
        out.runs += size_t(r.runs);
        out.sites += size_t(r.sites);
        if (r.skip_reason) {
          out.skipped = true;
          out.skip_reason = *r.skip_reason;
        } else if (r.failed_at) {
          // Deterministic runs fail again with the log on; were it not so, this says it.
          Failure again;
          again.signature = "did-not-fail-again";
          again.trace = "  the variant failed in the sweep, but not when it ran again with its event log\n";
          const FailSweepVariant v = variant(uint64_t(r.failed_at));
          record_failure(v.script, v.source_line, v.n, &v.text, again);
        } else if (!item.payload) {
          // The death did not come again: the first run of the operation, as its death said.
          const FailSweepVariant v = variant(1);
          record_failure(v.script, v.source_line, v.n, &v.text,
                         failure_of_dead_child(v.script, target, quiet, *item.death, death_excerpt(o.isolation, item),
                                               o.isolation));
        }
      });
  return out;
}

int run_fail_sweep(const std::vector<std::string>& files, const ptc_target_ops* target, const FailSweepOptions& o) {
  std::vector<Script> scripts(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    if (!load_script(files[i], &scripts[i])) return kBadInput;
    if (!scripts[i].has_contract) scripts[i].config.contract = o.contract;
  }
  {
    std::error_code ec;
    fs::create_directories(o.out_dir, ec);
    if (ec || !fs::is_directory(o.out_dir)) {
      std::fprintf(stderr, "ptcheck: %s:0: cannot make the folder for failing variants\n", o.out_dir.c_str());
      return kBadInput;
    }
  }
  int status = kHolds;
  size_t ops = 0, sites = 0, runs = 0, failed = 0, skipped = 0;
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < files.size(); ++i) {
    const ScriptSweep s = sweep_script(scripts[i], fs::path(files[i]).stem().string(), target, o);
    ops += s.ops;
    sites += s.sites;
    runs += s.runs;
    const std::string counts = sweep_counts(s.ops, s.sites, s.runs);
    if (s.skipped) {
      ++skipped;
      std::printf("SKIP %s: %s\n", files[i].c_str(), s.skip_reason.c_str());
    } else if (!s.failures.empty()) {
      ++failed;
      if (status == kHolds) status = kBug;
      std::printf("FAIL %s: %zu failure(s) (%s)\n", files[i].c_str(), s.failures.size(), counts.c_str());
      for (const FailSweepFinding& f : s.failures)
        std::printf("%s", fail_sweep_finding_text(f).c_str());
    } else {
      std::printf("ok   %s (%s)\n", files[i].c_str(), counts.c_str());
    }
    if (!s.stopped.empty()) {
      ++skipped;
      std::printf("SKIP %s: %zu operation(s) not swept to the end (%s)\n", files[i].c_str(), s.ops_left,
                  s.stopped.c_str());
    }
    if (!s.write_error.empty()) {
      std::fprintf(stderr, "ptcheck: %s\n", s.write_error.c_str());
      status = kBadInput;
    }
    std::fflush(stdout);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("fail sweep: %zu scripts, %s, %zu failed%s (%.1fs)\n", files.size(), sweep_counts(ops, sites, runs).c_str(),
              failed, skipped ? (", " + std::to_string(skipped) + " skipped").c_str() : "", secs);
  if (const std::string log = target_log_summary(o.isolation); !log.empty()) std::printf("%s\n", log.c_str());
  return status;
}

}  // namespace ptc::cli
