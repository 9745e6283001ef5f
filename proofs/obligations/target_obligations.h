// The obligations on a target's own step sequences (issue 5, items 3 and 4): BBML split/merge at bbml 0, 1
// and 2, and the strict/lazy unmap pipeline, unmap_read_dirty and read_and_clear_dirty.
#pragma once
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "proofs/model/subject.h"
#include "proofs/obligation.h"

namespace ptc::proofs {

// Recordings are the expensive part; the obligations that share a pipeline and canonical state share them.
class SubjectCache {
 public:
  const Subject& get(const ptc_target_ops* ops, const Canonical& c, Pipeline p);

 private:
  std::map<std::tuple<const void*, int, unsigned, bool, int>, std::unique_ptr<Subject>> subjects_;
};

std::vector<Obligation> target_obligations();

// Runs one property over a subject into a Result (shared with the known-bad variants).
Result check_subject(const std::string& name, const std::string& statement, const Subject& subj, const ModelSpec& spec,
                     Property p, unsigned timeout_ms);

}  // namespace ptc::proofs
