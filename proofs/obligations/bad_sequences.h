// Known-bad variants (issue 5, item 5): hand-written step sequences, each a classic ordering mistake, that
// the obligations must refute with a readable counterexample -- and, beside them, the correct sequence for
// bbml 0 (break-before-make), which the same obligation must prove. Together they show that no obligation
// holds vacuously.
#pragma once
#include <vector>

#include "proofs/obligation.h"

namespace ptc::proofs {

std::vector<Obligation> bad_sequence_obligations();

}  // namespace ptc::proofs
