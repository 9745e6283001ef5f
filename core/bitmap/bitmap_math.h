// The pure bit arithmetic of the dirty bitmap (SPEC.md section 3), as small constexpr function templates
// over an unsigned 64-bit-like integer type T.
//
// They are instantiated with uint64_t by the writers (dirty_bitmap.cpp) and, later, with a Z3 bit-vector
// wrapper to prove them equal to their reference definitions (given in each comment). So every function here:
//   - uses only +, -, &, |, ^, ~, <<, >> on T, with T or small non-negative int literal operands
//     (a wrapper must provide `T op int`; `>>` must be a LOGICAL shift right);
//   - never branches on, compares, or converts a T value (no `if`, `?:`, casts, builtins);
//   - makes constants from its arguments (`x ^ x` is 0, `~(x ^ x)` is all ones), never `T(0)`;
//   - only shifts by amounts that are provably < 64 (masked with `& 63` or `& 7`), except
//     page_index, whose shift amount is the caller's pgshift (< 64 by BitmapGeometry::valid()).
// The bitmap's layout: bit i covers iova [base + i*pgsize, base + (i+1)*pgsize) and lives in byte i/8,
// bit i%8 (Linux set_bit order on little-endian); a 64-bit "word" w holds bits 64w .. 64w+63, bit j of the
// word being bit 64w+j, so byte k of the word (k = 0..7, little-endian) is bitmap byte 8w+k.
#ifndef PTCHECK_CORE_BITMAP_BITMAP_MATH_H
#define PTCHECK_CORE_BITMAP_BITMAP_MATH_H

namespace ptc::bitmap_math {

// 0 and all-ones of T, made from a value of T.
template <class T>
constexpr T zero_like(T x) { return x ^ x; }
template <class T>
constexpr T ones_like(T x) { return ~(x ^ x); }

// The bitmap bit (page index) of `iova`, for iova >= base:  floor((iova - base) / 2^pgshift).
template <class T>
constexpr T page_index(T iova, T base, T pgshift) { return (iova - base) >> pgshift; }

// The 64-bit word holding bit `bit`:  floor(bit / 64).
template <class T>
constexpr T word_index(T bit) { return bit >> 6; }

// The position of bit `bit` inside its word:  bit mod 64.
template <class T>
constexpr T bit_in_word(T bit) { return bit & 63; }

// The byte holding bit `bit`:  floor(bit / 8).
template <class T>
constexpr T byte_index(T bit) { return bit >> 3; }

// The mask of bit `bit` inside its byte:  2^(bit mod 8).
template <class T>
constexpr T bit_in_byte_mask(T bit) { return (zero_like(bit) | 1) << (bit & 7); }

// The mask of bit `bit` inside its word:  2^(bit mod 64).
template <class T>
constexpr T bit_in_word_mask(T bit) { return (zero_like(bit) | 1) << (bit & 63); }

// The bits of the first word of a run starting at bit `first`: positions (first mod 64) .. 63.
//   reference: sum of 2^j for j in [first mod 64, 63].
template <class T>
constexpr T first_word_mask(T first) { return ones_like(first) << (first & 63); }

// The bits of the last word of a run ending at bit `last` (inclusive): positions 0 .. (last mod 64).
//   reference: sum of 2^j for j in [0, last mod 64].
// (~last & 63) == 63 - (last mod 64), so the shift is in [0, 63] and never 64.
template <class T>
constexpr T last_word_mask(T last) { return ones_like(last) >> (~last & 63); }

// The bits of a run [first, last] (inclusive) lying in one word (word_index(first) == word_index(last),
// first <= last):  sum of 2^j for j in [first mod 64, last mod 64].
template <class T>
constexpr T range_word_mask(T first, T last) { return first_word_mask(first) & last_word_mask(last); }

// Byte k (0..7, little-endian) of word w:  floor(w / 2^(8k)) mod 256.
template <class T>
constexpr T byte_of_word(T w, T k) { return (w >> ((k & 7) << 3)) & 0xff; }

// The carry out of a + b (1 when a + b >= 2^64, else 0), from the sum's top bit: the standard
// "carry = (a & b) | ((a | b) & ~sum)" at bit 63.
template <class T>
constexpr T add_carry(T a, T b) { return ((a & b) | ((a | b) & ~(a + b))) >> 63; }

// The last address of [addr, addr + len) for len >= 1, saturated at 2^64 - 1 (addresses do not wrap):
//   min(addr + len - 1, 2^64 - 1) in the integers.
// (addr + (len - 1) overflows exactly when the true sum is >= 2^64; then all-ones is OR-ed in.)
template <class T>
constexpr T saturating_last(T addr, T len) {
  return (addr + (len - 1)) | (zero_like(addr) - add_carry(addr, len - 1));
}

// Number of pages of size 2^s (s = pgshift < 64) covering `length` bytes:  ceil(length / 2^s), computed
// without overflow for every length as floor(length / 2^s) + (length mod 2^s != 0).
// The "!= 0" is (r | -r) >> 63 for r = length mod 2^s (r < 2^63 since s < 64).
template <class T>
constexpr T pages_covering(T length, T pgshift) {
  T r = length & ~(ones_like(length) << pgshift);
  return (length >> pgshift) + ((r | (zero_like(r) - r)) >> 63);
}

}  // namespace ptc::bitmap_math

#endif  // PTCHECK_CORE_BITMAP_BITMAP_MATH_H
