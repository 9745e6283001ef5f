// A 64-bit Z3 bit-vector term with exactly the operators that core/'s bit-arithmetic templates use
// (core/bitmap/bitmap_math.h, core/lpae/lpae_bits.h), so those templates instantiate with it unchanged.
//
// Z3 4.8.12's C++ `expr` has no operator<< / >>, and its mixed `expr op int` makes the literal a numeral of
// the expression's sort; here `<<` is bvshl, `>>` is bvlshr (logical, as for uint64_t), and an integral
// operand becomes the 64-bit numeral with the same two's-complement bits it has as uint64_t.
// Deliberately no comparison and no conversion to bool or to an integer: a template that branched on a T
// would not compile with Bv64.
#pragma once
#include <z3++.h>

#include <concepts>
#include <cstdint>

namespace ptc::proofs {

class Bv64 {
 public:
  explicit Bv64(const z3::expr& e) : e_(e) {}
  static Bv64 var(z3::context& c, const char* name) { return Bv64(c.bv_const(name, 64)); }
  static Bv64 num(z3::context& c, uint64_t v) { return Bv64(c.bv_val(v, 64)); }
  const z3::expr& expr() const { return e_; }

  friend Bv64 operator+(const Bv64& a, const Bv64& b) { return Bv64(a.e_ + b.e_); }
  friend Bv64 operator-(const Bv64& a, const Bv64& b) { return Bv64(a.e_ - b.e_); }
  friend Bv64 operator&(const Bv64& a, const Bv64& b) { return Bv64(a.e_ & b.e_); }
  friend Bv64 operator|(const Bv64& a, const Bv64& b) { return Bv64(a.e_ | b.e_); }
  friend Bv64 operator^(const Bv64& a, const Bv64& b) { return Bv64(a.e_ ^ b.e_); }
  friend Bv64 operator<<(const Bv64& a, const Bv64& b) { return Bv64(z3::shl(a.e_, b.e_)); }
  friend Bv64 operator>>(const Bv64& a, const Bv64& b) { return Bv64(z3::lshr(a.e_, b.e_)); }
  Bv64 operator~() const { return Bv64(~e_); }

  template <std::integral I>
  friend Bv64 operator+(const Bv64& a, I b) { return a + a.lit(b); }
  template <std::integral I>
  friend Bv64 operator-(const Bv64& a, I b) { return a - a.lit(b); }
  template <std::integral I>
  friend Bv64 operator&(const Bv64& a, I b) { return a & a.lit(b); }
  template <std::integral I>
  friend Bv64 operator|(const Bv64& a, I b) { return a | a.lit(b); }
  template <std::integral I>
  friend Bv64 operator^(const Bv64& a, I b) { return a ^ a.lit(b); }
  template <std::integral I>
  friend Bv64 operator<<(const Bv64& a, I b) { return a << a.lit(b); }
  template <std::integral I>
  friend Bv64 operator>>(const Bv64& a, I b) { return a >> a.lit(b); }

 private:
  template <std::integral I>
  Bv64 lit(I v) const {
    return Bv64(e_.ctx().bv_val(static_cast<uint64_t>(static_cast<int64_t>(v)), 64));
  }
  z3::expr e_;
};

}  // namespace ptc::proofs
