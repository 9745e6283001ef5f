#include "tools/ptcheck/properties_command.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "core/isolation/child_process.h"
#include "core/isolation/frames.h"

#include "tools/ptcheck/stop_flag.h"

#ifdef PTCHECK_HAVE_PROPERTIES
#include "properties/stateful/properties.h"
#endif

namespace ptc::cli {

#ifdef PTCHECK_HAVE_PROPERTIES

bool properties_available() { return true; }

std::vector<std::string> property_names() {
  std::vector<std::string> out;
  for (const props::Property& p : props::all_properties()) out.push_back(p.name);
  return out;
}

std::string rc_params_problem() {
  const char* user = std::getenv("RC_PARAMS");
  std::string merged;
  return props::merge_rc_params(user ? user : "", 1, 1, &merged);
}

int run_property_suites(const PropertiesOptions& o, const ptc_target_ops* target) {
  // RapidCheck reads RC_PARAMS when it first needs it: the user's, with the seed and cases of the flags, so
  // that its "Using configuration" line tells the truth and a printed reproduce= string is honoured.
  std::string params;
  const char* user = std::getenv("RC_PARAMS");
  if (std::string why = props::merge_rc_params(user ? user : "", o.seed, int(o.cases), &params); !why.empty()) {
    std::fprintf(stderr, "ptcheck: %s\n", why.c_str());
    return 2;
  }
  setenv("RC_PARAMS", params.c_str(), 1);
  props::PropertyContext ctx;
  ctx.target = target;
  ctx.target_path = o.target_path;
  ctx.failure_dir = o.failure_dir;
  ctx.contract = o.contract;
  ctx.stop = [deadline = o.deadline] { return stop_requested() || std::chrono::steady_clock::now() >= deadline; };
  const auto start = std::chrono::steady_clock::now();
  props::SuiteSummary s;
  std::vector<std::string> names;
  for (const props::Property& p : props::all_properties())
    if (o.only.empty() || p.name == o.only) names.push_back(p.name);
  if (names.empty()) {
    std::fprintf(stderr, "ptcheck: --only names no property: %s\n", o.only.c_str());
    return 2;
  }
  if (o.only.empty())
    std::cout << "== properties: " << names.size() << " RapidCheck suites, " << o.cases << " cases each, seed "
              << o.seed << std::endl;
  // Each property in a child process: a case whose target dies or hangs ends that child, and is the
  // property's failure. A child still running a case this long after the deadline has a case that
  // does not end (the case loop stops between cases): it is killed, and that is a hang.
  constexpr auto kGrace = std::chrono::seconds(10);
  IsolationOptions io = o.isolation;
  io.should_stop = [] { return stop_requested(); };
  io.deadline = o.deadline == std::chrono::steady_clock::time_point::max() ? o.deadline : o.deadline + kGrace;
  const std::string replay_cmd = "ptcheck properties --seed " + std::to_string(o.seed) + " --cases " +
                             std::to_string(o.cases) + (o.target_path.empty() ? "" : " --target " + o.target_path) +
                             (o.contract == Contract::Spec ? "" : std::string(" --contract ") + contract_name(o.contract));
  ctx.replay_command = replay_cmd;
  run_items_isolated(
      names.size(),
      [&](size_t i, ChildChannel& ch) {
        props::PropertyContext mine = ctx;
        mine.watch = ch.watch();
        std::ostringstream out;
        const props::SuiteSummary one = props::run_properties(mine, o.seed, int(o.cases), out, names[i], /*exact=*/true);
        const props::PropertyOutcome p = one.outcomes.empty() ? props::PropertyOutcome{} : one.outcomes.front();
        return FrameWriter().num(1, p.passed).num(2, p.skipped).num(3, p.stopped).num(4, p.cases).str(5, p.report)
            .str(6, out.str()).bytes();
      },
      io,
      [&](size_t i, ItemOutcome&& item) {
        props::PropertyOutcome p;
        p.name = names[i];
        if (item.payload) {
          std::string text;
          for_each_field(*item.payload, [&](uint8_t tag, std::string_view v, int64_t n) {
            if (tag == 1) p.passed = n;
            if (tag == 2) p.skipped = n;
            if (tag == 3) p.stopped = n;
            if (tag == 4) p.cases = int(n);
            if (tag == 5) p.report = v;
            if (tag == 6) text = v;
          });
          std::cout << text;
        } else if (item.death) {
          ChildEnd end = *item.death;
          if (end.how == ChildEnd::How::kStopped) end.how = ChildEnd::How::kHung;  // past the deadline's grace
          const std::string excerpt = death_excerpt(io, item);
          p.report = std::string(end.how == ChildEnd::How::kHung ? "the target did not return from " : "the target died (") +
                     (end.how == ChildEnd::How::kHung
                          ? (end.entry == WatchedEntry::kOp ? std::string("an operation") : std::string(watched_entry_name(end.entry)) + "()") +
                                " within the op timeout"
                          : describe_death(end) + ")") +
                     " while a case of " + p.name + " ran" +
                     (excerpt.empty() ? "\n" : "; its output (" + io.log_path + "):\n" + excerpt) +
                     "replay: " + replay_cmd + " --only " + p.name + "\n";
          std::cout << "FAIL " << p.name << ": " << p.report;
        } else {
          p.skipped = p.stopped = true;
          p.report = "not run: the run was stopped before it";
          std::cout << "SKIP " << p.name << ": " << p.report << "\n";
        }
        std::cout.flush();
        (p.skipped ? s.skipped : p.passed ? s.passed : s.failed)++;
        s.outcomes.push_back(std::move(p));
      });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (o.verdicts)
    for (const props::PropertyOutcome& p : s.outcomes)
      o.verdicts->push_back({p.name, p.passed, p.skipped, p.stopped, p.cases, s.outcomes.size() == 1 ? secs : 0.0, p.report});
  if (o.only.empty()) {
    if (stop_requested()) std::cout << "stopped (" << stop_reason() << "): the cases and properties after it did not run\n";
    std::cout << s.passed << " properties hold, " << s.failed << " failed";
    if (s.skipped)
      std::cout << ", " << s.skipped << " skipped ("
                << (stop_requested() ? "not applicable, or not run" : "they do not apply to this target or profile") << ")";
    if (s.failed)
      std::cout << " (same seed, same cases: ptcheck properties --seed " << o.seed << " --cases " << o.cases
                << (o.contract == Contract::Spec ? "" : std::string(" --contract ") + contract_name(o.contract)) << ")";
    std::cout << std::endl;
  }
  return s.failed ? 1 : 0;
}

#else

bool properties_available() { return false; }

std::vector<std::string> property_names() { return {}; }

std::string rc_params_problem() { return ""; }

int run_property_suites(const PropertiesOptions&, const ptc_target_ops*) { return 0; }

#endif

}  // namespace ptc::cli
