#include "properties/stateful/properties.h"

#include <ostream>
#include <sstream>

#include <rapidcheck.h>

#include "properties/stateful/invariants.h"
#include "properties/stateful/stateful_sequences.h"

namespace ptc::props {

const std::vector<Property>& all_properties() {
  static const std::vector<Property> kAll = {
      {kStatefulSequences, "random op sequences with @N races hold every oracle of the differential runner",
       &stateful_sequences},
      {"split_then_merge_restores_leaves", "merge, split, merge gives back the first merge's leaves and dirty states",
       &split_then_merge_restores_leaves},
      {"clearing_read_twice_records_nothing", "a second clearing read with no write between records nothing new",
       &clearing_read_twice_records_nothing},
      {"no_clear_read_is_idempotent", "a NO_CLEAR read changes nothing and records what the clearing read records",
       &no_clear_read_is_idempotent},
      {"unmap_read_dirty_is_clearing_read_then_unmap", "unmap_read_dirty = read_and_clear then unmap",
       &unmap_read_dirty_is_clearing_read_then_unmap},
      {"write_after_clearing_read_is_recorded", "a device write after a clearing read is recorded by the next one",
       &write_after_clearing_read_is_recorded},
      {"iova_to_phys_agrees_with_the_walk", "iova_to_phys gives the simulated SMMU's translation",
       &iova_to_phys_agrees_with_the_walk},
      {"map_unmap_round_trip_frees_every_table", "mapping then unmapping everything frees every table",
       &map_unmap_round_trip_frees_every_table},
      {"failed_op_changes_nothing", "an op failing with -ENOMEM changes no leaf", &failed_op_changes_nothing},
      {"unmap_removes_exactly_its_range", "unmap removes exactly the leaves inside its range, or fails on a cut",
       &unmap_removes_exactly_its_range},
  };
  return kAll;
}

SuiteSummary run_properties(const PropertyContext& ctx, uint64_t seed, int cases, std::ostream& log,
                            const std::string& filter) {
  SuiteSummary summary;
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = cases;
  for (const Property& p : all_properties()) {
    if (!filter.empty() && std::string(p.name).find(filter) == std::string::npos) continue;
    rc::detail::TestMetadata meta;
    meta.id = p.name;
    meta.description = p.what;
    const auto body = p.body;
    const rc::detail::TestResult result =
        rc::detail::checkTestable([&ctx, body] { body(ctx); }, meta, params);
    PropertyOutcome o;
    o.name = p.name;
    std::ostringstream msg;
    rc::detail::printResultMessage(result, msg);
    o.report = msg.str();
    if (result.is<rc::detail::SuccessResult>()) {
      o.passed = true;
      o.cases = result.get<rc::detail::SuccessResult>().numSuccess;
    } else if (result.is<rc::detail::FailureResult>()) {
      o.cases = result.get<rc::detail::FailureResult>().numSuccess;
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
