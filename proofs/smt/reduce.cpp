#include "proofs/smt/reduce.h"

namespace ptc::proofs {

uint64_t model_u64(const z3::model& m, const z3::expr& e) {
  const z3::expr v = m.eval(e, /*model_completion=*/true);
  if (v.is_bool()) return v.is_true() ? 1 : 0;
  uint64_t out = 0;
  if (v.is_numeral_u64(out)) return out;
  int64_t si = 0;
  if (v.is_numeral_i64(si)) return static_cast<uint64_t>(si);
  return 0;
}

namespace {

// `v <= bound` in v's own sort.
z3::expr at_most(const z3::expr& v, uint64_t bound) {
  if (v.is_bv()) return z3::ule(v, v.ctx().bv_val(bound, v.get_sort().bv_size()));
  return v <= v.ctx().int_val(bound);
}
z3::expr equals(const z3::expr& v, uint64_t value) {
  if (v.is_bv()) return v == v.ctx().bv_val(value, v.get_sort().bv_size());
  return v == v.ctx().int_val(value);
}

}  // namespace

z3::model reduce_model(z3::solver& s, const std::vector<z3::expr>& vars) {
  z3::model m = s.get_model();
  // Each probe gets a short budget: a probe that times out counts as "not smaller", which keeps the values
  // found so far (still a counterexample, perhaps not the least).
  z3::params quick(s.ctx());
  quick.set("timeout", 1000u);
  s.set(quick);
  for (const z3::expr& v : vars) {
    if (v.is_bool()) {  // false first
      s.push();
      s.add(!v);
      const bool can_be_false = s.check() == z3::sat;
      s.pop();
      s.add(can_be_false ? !v : v);
      continue;
    }
    if (v.is_int()) s.add(v >= 0);
    uint64_t lo = 0, hi = model_u64(m, v);
    // Binary search for the least value; each probe that succeeds lowers hi to the model's value.
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      s.push();
      s.add(at_most(v, mid));
      const z3::check_result r = s.check();
      if (r == z3::sat) hi = model_u64(s.get_model(), v);
      s.pop();
      if (r != z3::sat) lo = mid + 1;
    }
    s.add(equals(v, hi));
  }
  if (s.check() == z3::sat) m = s.get_model();
  return m;
}

}  // namespace ptc::proofs
