#include "properties/stateful/properties.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <ostream>
#include <sstream>

#include <rapidcheck.h>

#include "core/ops/op_table.h"
#include "properties/stateful/invariants.h"
#include "properties/stateful/stateful_sequences.h"

// RapidCheck's own listener, the one checkProperty uses when given none (its logging and the reproduce
// lines); defined in librapidcheck, not declared in its installed headers.
namespace rc::detail {
TestListener& globalTestListener();
}

namespace ptc::props {

namespace {

// Thrown out of RapidCheck's case loop once PropertyContext::stop says so: ending the run there costs
// nothing, where discarding every case left would cost maxDiscardRatio times the cases left.
struct StopRequested {};

// Forwards to RapidCheck's listener and counts the cases that passed; after a case that did not fail, ends
// the run when the context asks to stop (a failing case is shrunk, and its report kept).
class StopAfterCase final : public rc::detail::TestListener {
 public:
  explicit StopAfterCase(const PropertyContext& ctx) : ctx_(ctx), next_(rc::detail::globalTestListener()) {}
  int passed = 0;
  void onTestCaseFinished(const rc::detail::CaseDescription& d) override {
    next_.onTestCaseFinished(d);
    if (d.result.type == rc::detail::CaseResult::Type::Success) ++passed;
    if (d.result.type != rc::detail::CaseResult::Type::Failure && ctx_.stop && ctx_.stop()) throw StopRequested{};
  }
  void onShrinkTried(const rc::detail::CaseDescription& shrink, bool accepted) override {
    next_.onShrinkTried(shrink, accepted);
  }
  void onTestFinished(const rc::detail::TestMetadata& m, const rc::detail::TestResult& r) override {
    next_.onTestFinished(m, r);
  }

 private:
  const PropertyContext& ctx_;
  rc::detail::TestListener& next_;
};

// The line that replays exactly this failing case: RapidCheck's reproduce string for this property alone.
std::string reproduce_line(const PropertyContext& ctx, const std::string& name, const rc::detail::Reproduce& r) {
  rc::detail::Configuration c;
  c.reproduce[name] = r;
  // Only the reproduce= key: the seed and case count are the command's flags.
  std::string params = rc::detail::configToMinimalString(c);
  params = params.substr(params.find("reproduce="));
  params = params.substr(0, params.find(' '));
  return "reproduce this case: RC_PARAMS=\"" + params + "\" " + ctx.replay_command + " --only " + name;
}

}  // namespace

std::string merge_rc_params(const std::string& user, uint64_t seed, int cases, std::string* merged) {
  // RapidCheck ignores keys it does not know (a typo would silently change nothing): they are refused.
  static const char* const kKeys[] = {"seed", "max_success", "max_size", "max_discard_ratio", "noshrink",
                                      "verbose_progress", "verbose_shrinking", "reproduce"};
  std::istringstream words(user);
  for (std::string word; words >> word;) {
    const std::string key = word.substr(0, word.find('='));
    if (word.find('=') == std::string::npos || std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys))
      return "RC_PARAMS: '" + word + "' is not KEY=VALUE of a RapidCheck key (seed, max_success, max_size, "
             "max_discard_ratio, noshrink, verbose_progress, verbose_shrinking, reproduce)";
  }
  rc::detail::Configuration c;
  try {
    c = rc::detail::configFromString(user);
  } catch (const rc::detail::ConfigurationException& e) {
    return std::string("RC_PARAMS: ") + e.what();
  }
  c.testParams.seed = seed;
  c.testParams.maxSuccess = cases;
  *merged = rc::detail::configToString(c);
  return "";
}

const std::vector<Property>& all_properties() {
  static const std::vector<Property> kAll = {
      {kStatefulSequences, "random op sequences with @N races hold every oracle of the differential runner",
       &stateful_sequences},
      // Spec only: it merges and splits regions with holes, which the callers of a split/merge series
      // (VFIO: whole mapped ranges) never do under contract=linux.
      {"split_then_merge_restores_leaves", "merge, split, merge gives back the first merge's leaves and dirty states",
       &split_then_merge_restores_leaves, {OpKind::Split, OpKind::Merge}, true},
      // Spec only: contract=linux may clean a leaf that sticks out of the range whole, or leave it dirty.
      {"clearing_read_twice_records_nothing", "a second clearing read with no write between records nothing new",
       &clearing_read_twice_records_nothing, {OpKind::Dirty}, true},
      {"no_clear_read_is_idempotent", "a NO_CLEAR read changes nothing and records what the clearing read records",
       &no_clear_read_is_idempotent, {OpKind::Dirty}, true},
      {"unmap_read_dirty_is_clearing_read_then_unmap", "unmap_read_dirty = read_and_clear then unmap",
       &unmap_read_dirty_is_clearing_read_then_unmap, {OpKind::Dirty, OpKind::UnmapDirty}, true},
      {"write_after_clearing_read_is_recorded", "a device write after a clearing read is recorded by the next one",
       &write_after_clearing_read_is_recorded, {OpKind::Dirty}},
      {"iova_to_phys_agrees_with_the_walk", "iova_to_phys gives the simulated SMMU's translation",
       &iova_to_phys_agrees_with_the_walk},
      {"map_unmap_round_trip_frees_every_table", "mapping then unmapping everything frees every table",
       &map_unmap_round_trip_frees_every_table},
      {"failed_op_changes_nothing", "an op failing with -ENOMEM changes no leaf", &failed_op_changes_nothing},
      // Spec only: its point is the range that cuts a leaf, which Linux's callers never unmap.
      {"unmap_removes_exactly_its_range", "unmap removes exactly the leaves inside its range, or fails on a cut",
       &unmap_removes_exactly_its_range, {}, true},
  };
  return kAll;
}

std::string why_not_applicable(const Property& p, const PropertyContext& ctx) {
  if (ctx.target)
    for (OpKind k : p.needs)
      if (!target_offers(ctx.target, k))
        return std::string("the target does not offer ") + entry_name(traits(k).entry) + " (NULL in ptc_target_ops)";
  if (p.spec_only && ctx.contract != Contract::Spec)
    return std::string("it states a result only contract=spec gives (contract=") + contract_name(ctx.contract) + ")";
  return "";
}

SuiteSummary run_properties(const PropertyContext& ctx, uint64_t seed, int cases, std::ostream& log,
                            const std::string& filter, bool exact) {
  SuiteSummary summary;
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = cases;
  for (const Property& p : all_properties()) {
    if (!filter.empty() && (exact ? std::string(p.name) != filter : std::string(p.name).find(filter) == std::string::npos))
      continue;
    std::string why = why_not_applicable(p, ctx);
    const bool stopped = why.empty() && ctx.stop && ctx.stop();
    if (stopped) why = "not run: the run was stopped before it";
    if (!why.empty()) {
      PropertyOutcome o;
      o.name = p.name;
      o.skipped = true;
      o.stopped = stopped;
      o.report = why;
      ++summary.skipped;
      log << "SKIP " << p.name << ": " << why << "\n";
      summary.outcomes.push_back(std::move(o));
      continue;
    }
    rc::detail::TestMetadata meta;
    meta.id = p.name;
    meta.description = p.what;
    const auto body = p.body;
    // A stop ends the case loop after the case in flight (StopAfterCase); during a shrink it discards each
    // candidate unrun, so the smallest failing case found so far is the one reported.
    StopAfterCase listener(ctx);
    PropertyOutcome o;
    o.name = p.name;
    std::optional<rc::detail::TestResult> run;
    try {
      // RC_PARAMS's reproduce= (merge_rc_params kept it): a property named there runs just its case.
      run.emplace(rc::detail::checkProperty(rc::detail::toProperty([&ctx, body] {
                                              if (ctx.stop && ctx.stop()) RC_DISCARD("stopped");
                                              body(ctx);
                                            }),
                                            meta, params, listener, rc::detail::configuration().reproduce));
    } catch (const StopRequested&) {
      o.passed = o.stopped = true;  // every case that ran held; the rest did not run
      o.cases = listener.passed;
      ++summary.passed;
      log << "ok   " << p.name << " (" << o.cases << " cases, stopped)\n";
      summary.outcomes.push_back(std::move(o));
      continue;
    }
    const rc::detail::TestResult& result = *run;
    std::ostringstream msg;
    rc::detail::printResultMessage(result, msg);
    o.report = msg.str();
    if (result.is<rc::detail::SuccessResult>()) {
      o.passed = true;
      o.cases = result.get<rc::detail::SuccessResult>().numSuccess;
    } else if (result.is<rc::detail::FailureResult>()) {
      const auto& failure = result.get<rc::detail::FailureResult>();
      o.cases = failure.numSuccess;
      if (!ctx.replay_command.empty()) o.report += "\n" + reproduce_line(ctx, p.name, failure.reproduce);
    }
    (o.passed ? summary.passed : summary.failed)++;
    log << (o.passed ? "ok   " : "FAIL ") << p.name << " (" << o.cases << " cases)";
    if (!o.passed) log << "\n" << o.report;
    log << "\n";
    summary.outcomes.push_back(std::move(o));
  }
  return summary;
}

}  // namespace ptc::props
