// The race obligation's Z3 encoding (race_subject.h): the slot, the two pages' entries in each table of the
// race and whether each table is live, this map's recorded steps (each observing step an assumption that the
// slot or entry holds what the recording saw), and the other map acting once, at a symbolic point between any
// two of them, if its compare-and-swap finds what it expects (a plain write always acts). The other map acts
// at most once and this map's steps are finite, so one satisfiability query per recording group covers every
// interleaving: the verdict is exhaustive, not bounded.
//
// Claim: this map returns 0, and at the end the slot links a live table that maps this map's page and, if the
// other map's install took effect, the other map's page too; no step touches a freed table.
#pragma once
#include <string>

#include "proofs/model/race_subject.h"
#include "proofs/smt/result.h"

namespace ptc::proofs {

struct RaceOutcome {
  Verdict verdict = Verdict::kUnknown;
  std::string bound, counterexample, script, note;
};

RaceOutcome check_race(const RaceSubject& subj, unsigned timeout_ms);

}  // namespace ptc::proofs
