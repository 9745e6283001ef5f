// Counterexample reduction: small values first. Given a satisfiable solver and the variables a human will
// read, pins each variable in turn to the smallest value (unsigned for bit-vectors, >= 0 for integers)
// that keeps the assertions satisfiable, so a refutation shows 0x1000, not 0x7f3a9c2e1000.
#pragma once
#include <z3++.h>

#include <cstdint>
#include <vector>

namespace ptc::proofs {

// Requires s.check() == sat. Adds the pinning equalities to `s` (call inside push/pop to undo) and returns
// the final model.
z3::model reduce_model(z3::solver& s, const std::vector<z3::expr>& vars);

// A bit-vector (width <= 64) or integer constant of a model as an unsigned 64-bit number.
uint64_t model_u64(const z3::model& m, const z3::expr& e);

}  // namespace ptc::proofs
