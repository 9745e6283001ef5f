#include "proofs/bits/reference_bits.h"

#include <cstdint>

namespace ptc::proofs::ref {

z3::expr from_bits(z3::context& c, const std::function<z3::expr(unsigned)>& bit) {
  z3::expr_vector parts(c);  // concat takes the most significant part first
  for (int j = 63; j >= 0; --j) parts.push_back(z3::ite(bit(unsigned(j)), c.bv_val(1, 1), c.bv_val(0, 1)));
  return z3::concat(parts);
}

z3::expr one_if(const z3::expr& cond) { return z3::ite(cond, cond.ctx().bv_val(1, 64), cond.ctx().bv_val(0, 64)); }

z3::expr bit_of(const z3::expr& x, unsigned j) { return x.extract(j, j) == x.ctx().bv_val(1, 1); }

namespace {
z3::expr num(z3::context& c, uint64_t v, unsigned width = 64) { return c.bv_val(v, width); }
// x mod 2^j == 0 (the low j bits are clear).
z3::expr aligned_to(const z3::expr& x, unsigned j) { return j == 0 ? x.ctx().bool_val(true) : x.extract(j - 1, 0) == num(x.ctx(), 0, j); }
}  // namespace

z3::expr level_index(const z3::expr& iova, unsigned shift, unsigned index_bits) {
  return z3::zext(iova.extract(shift + index_bits - 1, shift), 64 - index_bits);
}

z3::expr leaf_output(const z3::expr& desc, unsigned size_shift) {
  return from_bits(desc.ctx(), [&](unsigned j) { return j >= size_shift && j <= 47 ? bit_of(desc, j) : desc.ctx().bool_val(false); });
}

z3::expr leaf_desc(const z3::expr& oa, unsigned size_shift, bool last_level, bool writable, bool hw_dirty, bool dirty) {
  z3::context& c = oa.ctx();
  // SPEC section 2: read-only DBM=0 AP2=1; writable-clean DBM=1 AP2=1; writable-dirty DBM=1 AP2=0;
  // writable untracked (hw_dirty off) DBM=0 AP2=0.
  const bool ap2 = !writable || (hw_dirty && !dirty);
  const bool dbm = writable && hw_dirty;
  return from_bits(c, [&](unsigned j) -> z3::expr {
    if (j >= size_shift && j <= 47) return bit_of(oa, j);
    switch (j) {
      case 0: return c.bool_val(true);          // valid
      case 1: return c.bool_val(last_level);    // page (L3) / block (L1, L2)
      case 7: return c.bool_val(ap2);
      case 10: return c.bool_val(true);         // AF
      case 51: return c.bool_val(dbm);
      default: return c.bool_val(false);
    }
  });
}

z3::expr table_desc(const z3::expr& addr) {
  z3::context& c = addr.ctx();
  return z3::concat(num(c, 0, 16), z3::concat(addr.extract(47, 12), num(c, 3, 12)));
}

z3::expr is_valid(const z3::expr& d) { return one_if(bit_of(d, 0)); }
z3::expr is_table_above_l3(const z3::expr& d) { return one_if(bit_of(d, 0) && bit_of(d, 1)); }
z3::expr is_writable_dirty(const z3::expr& d) { return one_if(bit_of(d, 51) && !bit_of(d, 7)); }
z3::expr is_read_only(const z3::expr& d) { return one_if(bit_of(d, 7) && !bit_of(d, 51)); }

z3::expr choose_leaf_size(const z3::expr& iova, const z3::expr& paddr, const z3::expr& remaining,
                          const z3::expr& pgsizes) {
  z3::context& c = iova.ctx();
  z3::expr best = num(c, 0);
  for (unsigned j = 0; j < 64; ++j) {  // larger sizes are tried last, so they win
    const z3::expr size = num(c, uint64_t{1} << j);
    // 2^j <= remaining exactly when remaining has a set bit at j or above.
    const z3::expr at_most_remaining = remaining.extract(63, j) != num(c, 0, 64 - j);
    const z3::expr fits = bit_of(pgsizes, j) && aligned_to(iova, j) && aligned_to(paddr, j) && at_most_remaining;
    best = z3::ite(fits, size, best);
  }
  return best;
}

namespace {
// floor(x / 2^s) for a constant s: x without its low s bits.
z3::expr div_pow2(const z3::expr& x, unsigned s) { return s == 0 ? x : z3::zext(x.extract(63, s), s); }
// x mod 2^s for a constant s > 0: x's low s bits.
z3::expr mod_pow2(const z3::expr& x, unsigned s) { return z3::zext(x.extract(s - 1, 0), 64 - s); }
// f(s) for the value s (< 64) of a symbolic 64-bit shift amount, as a case split.
z3::expr by_shift(const z3::expr& shift, const std::function<z3::expr(unsigned)>& f) {
  z3::expr out = f(63);
  for (int s = 62; s >= 0; --s) out = z3::ite(shift == num(shift.ctx(), unsigned(s)), f(unsigned(s)), out);
  return out;
}
}  // namespace

z3::expr page_index(const z3::expr& iova, const z3::expr& base, const z3::expr& pgshift) {
  const z3::expr offset = iova - base;
  return by_shift(pgshift, [&](unsigned s) { return div_pow2(offset, s); });
}

z3::expr word_index(const z3::expr& bit) { return div_pow2(bit, 6); }
z3::expr bit_in_word(const z3::expr& bit) { return mod_pow2(bit, 6); }
z3::expr byte_index(const z3::expr& bit) { return div_pow2(bit, 3); }

z3::expr bit_in_byte_mask(const z3::expr& bit) {
  z3::context& c = bit.ctx();
  const z3::expr r = z3::urem(bit, num(c, 8));
  return from_bits(c, [&](unsigned j) { return r == num(c, j); });
}
z3::expr bit_in_word_mask(const z3::expr& bit) {
  z3::context& c = bit.ctx();
  const z3::expr r = z3::urem(bit, num(c, 64));
  return from_bits(c, [&](unsigned j) { return r == num(c, j); });
}
z3::expr first_word_mask(const z3::expr& first) {
  z3::context& c = first.ctx();
  const z3::expr r = z3::urem(first, num(c, 64));
  return from_bits(c, [&](unsigned j) { return z3::ule(r, num(c, j)); });
}
z3::expr last_word_mask(const z3::expr& last) {
  z3::context& c = last.ctx();
  const z3::expr r = z3::urem(last, num(c, 64));
  return from_bits(c, [&](unsigned j) { return z3::ule(num(c, j), r); });
}
z3::expr range_word_mask(const z3::expr& first, const z3::expr& last) {
  z3::context& c = first.ctx();
  const z3::expr f = z3::urem(first, num(c, 64)), l = z3::urem(last, num(c, 64));
  return from_bits(c, [&](unsigned j) { return z3::ule(f, num(c, j)) && z3::ule(num(c, j), l); });
}
z3::expr byte_of_word(const z3::expr& w, const z3::expr& k) {
  z3::context& c = w.ctx();
  z3::expr out = num(c, 0);
  const z3::expr sel = z3::urem(k, num(c, 8));
  for (unsigned m = 0; m < 8; ++m) out = z3::ite(sel == num(c, m), z3::zext(w.extract(8 * m + 7, 8 * m), 56), out);
  return out;
}
z3::expr add_carry(const z3::expr& a, const z3::expr& b) {
  const z3::expr sum = z3::zext(a, 1) + z3::zext(b, 1);  // 65 bits: never wraps
  return z3::zext(sum.extract(64, 64), 63);
}
z3::expr saturating_last(const z3::expr& addr, const z3::expr& len) {
  z3::context& c = addr.ctx();
  const z3::expr last = z3::zext(addr, 1) + z3::zext(len, 1) - num(c, 1, 65);
  return z3::ite(z3::ugt(last, z3::zext(num(c, ~uint64_t{0}), 1)), num(c, ~uint64_t{0}), last.extract(63, 0));
}
z3::expr pages_covering(const z3::expr& length, const z3::expr& pgshift) {
  z3::context& c = length.ctx();
  // ceil(length / 2^s): whole pages, plus one when a partial page remains.
  return by_shift(pgshift, [&](unsigned s) {
    if (s == 0) return length;
    return div_pow2(length, s) + z3::ite(length.extract(s - 1, 0) == num(c, 0, s), num(c, 0), num(c, 1));
  });
}

}  // namespace ptc::proofs::ref
