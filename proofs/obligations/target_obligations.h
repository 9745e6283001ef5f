// The obligations on a target's own step sequences (issue 5, items 3 and 4): BBML split/merge at bbml 0, 1
// and 2, and the strict/lazy unmap pipeline, unmap_read_dirty and read_and_clear_dirty.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include "proofs/model/subject.h"
#include "proofs/obligation.h"

namespace ptc::proofs {

// The obligations that share a pipeline and canonical state share its recordings and one fixedpoint run.
class SubjectCache {
 public:
  const Subject& get(const ptc_target_ops* ops, const Canonical& c, Pipeline p);
  // The outcome of `prop`; the first request computes every property in `props` at once (check_properties).
  const ModelOutcome& outcome(const ptc_target_ops* ops, const Canonical& c, Pipeline p, const ModelSpec& spec,
                              Property prop, const std::vector<Property>& props, unsigned timeout_ms);

 private:
  struct Checked {
    bool all_checked = false;
    std::optional<ModelOutcome> all;  // check_all's outcome, when it settles every property
    std::map<Property, ModelOutcome> outcomes;
    std::vector<Property> props;  // the properties check_all covered
  };
  struct Entry {
    std::unique_ptr<Subject> subject;
    // Per claim (ModelSpec::recorded_pages): what the properties come to on these recordings.
    std::map<std::optional<std::pair<unsigned, unsigned>>, Checked> checked;
  };
  Entry& entry(const ptc_target_ops* ops, const Canonical& c, Pipeline p);
  std::map<std::tuple<const void*, int, unsigned, bool, int>, Entry> entries_;
};

std::vector<Obligation> target_obligations();

// The model spec a subject's properties are checked with (its tables filled in).
ModelSpec spec_for(const Subject& subj, ModelSpec spec);
// A Result from a subject and, unless it was skipped or is outside the encoding, its outcome.
Result make_result(const std::string& name, const std::string& statement, const Subject& subj, const ModelOutcome* o);

}  // namespace ptc::proofs
