// What an obligation is checked against: every recording of one pipeline on one canonical state (the
// uninjected one and one per injection pattern, see recorder.h), projected onto every page of the region
// and grouped by identical projection (device_model.h's groups).
#pragma once
#include <deque>
#include <string>
#include <vector>

#include "proofs/model/device_model.h"
#include "proofs/trace/canonical.h"

namespace ptc::proofs {

struct Subject {
  std::deque<Trace> traces;  // stable addresses: groups point into it
  std::vector<Group> groups;
  std::vector<int> table_ids;
  size_t recordings = 0;
  std::string skipped;       // the target refused the configuration or does not offer an operation it calls
  std::string unknown;       // the recordings fall outside what the encoding covers
  // Set when in every recording the operation under proof returned an error and changed nothing
  // (failed_without_effect): the operation and what it returned.
  std::string failed_op;
  int64_t failed_ret = 0;
};

// Records `p` on the canonical state with every injection pattern (up to one slot and one page injection).
Subject record_subject(const ptc_target_ops* ops, const Canonical& c, Pipeline p);

// A hand-written step sequence (a known-bad variant), projected the same way.
Subject hand_written_subject(Trace t);

}  // namespace ptc::proofs
