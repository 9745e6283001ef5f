// Bit-level equivalence on the shipped code (issue 5, item 6): core/lpae/lpae_bits.h and
// core/bitmap/bitmap_math.h instantiated with Bv64 and proved equal to proofs/bits/reference_bits.h for all
// 64-bit inputs; and, as known-bad variants, plausible mutations of them that the same checks must refute.
#pragma once
#include <vector>

#include "proofs/obligation.h"

namespace ptc::proofs {

std::vector<Obligation> bit_obligations();

}  // namespace ptc::proofs
