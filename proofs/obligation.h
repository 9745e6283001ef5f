// An obligation: a named claim with a timeout, discharged against a target (the built-in optimized table or
// a --target library) or, for the known-bad variants, against a hand-written step sequence it must refute.
#pragma once
#include <functional>
#include <set>
#include <string>

#include "core/ops.h"
#include "proofs/smt/result.h"
#include "ptcheck/target.h"

namespace ptc::proofs {

class SubjectCache;

struct ProveTarget {
  const ptc_target_ops* ops = nullptr;
  std::string replay_args;        // e.g. "--target lib.so", for reproducer lines
  SubjectCache* cache = nullptr;  // recordings shared by the obligations of one run
  const std::set<std::string>* selected = nullptr;  // the obligations this run runs (null: all of them)
  // The contract profile (SPEC 9): contract=linux skips what its callers never issue and narrows the claims
  // to what it accepts (obligations/target_obligations.cpp).
  Contract contract = Contract::Spec;
};

struct Obligation {
  std::string name;
  std::string statement;
  bool expect_refuted = false;  // a known-bad variant
  unsigned timeout_ms = 10000;
  std::function<Result(const ProveTarget&, unsigned timeout_ms)> run;
};

}  // namespace ptc::proofs
