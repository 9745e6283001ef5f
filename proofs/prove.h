// `ptcheck prove`: every obligation (bit-level equivalence, BBML and TLB-ordering obligations on the
// target's recordings, known-bad variants), run and reported as text or JSON.
#pragma once
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "proofs/obligation.h"

namespace ptc::proofs {

std::vector<Obligation> all_obligations();

// Runs one obligation (the Result carries its name and whether refutation is the expected verdict).
Result run_obligation(const Obligation& o, const ProveTarget& t);

struct ProveOptions {
  std::string only;      // empty: all; else an obligation name, or a prefix ending in '.' or '*'
  bool json = false;
  bool quick = false;    // only the obligations on the target (no bit-level proofs, no known-bad variants)
};

// The obligations `only` selects; empty when it names none.
std::vector<const Obligation*> select_obligations(const std::vector<Obligation>& all, const std::string& only);

// Runs and prints; returns 0 when no obligation failed (each proved, skipped or vacuous, and every known-bad
// variant refuted), 1 when one was refuted or left unknown. The summary counts skipped and vacuous apart from
// proved, and says why. With `results`, each obligation's Result is appended to it as well
// (`ptcheck check`'s report, `ptcheck prove --html`). `stop`, when given, is asked before each obligation:
// true ends the run there (`ptcheck check`'s budget, SIGTERM); the obligations not run have no Result.
int run_prove(const ProveTarget& t, const std::vector<const Obligation*>& selected, bool json, std::FILE* out,
              std::vector<Result>* results = nullptr, const std::function<bool()>& stop = {});

}  // namespace ptc::proofs
