// The optimized table's pure bit arithmetic (SPEC.md section 2; Linux io-pgtable-arm / iommu_pgsize), as
// constexpr function templates over an unsigned 64-bit-like integer type T.
//
// LpaeTable (lpae_table.h) instantiates them with uint64_t: this is the shipped arithmetic. proofs/ instantiates
// them once more with a Z3 bit-vector wrapper and proves them equal, for every 64-bit input, to reference
// definitions written independently there (`ptcheck prove --only bits.*`). So, as core/bitmap/bitmap_math.h:
//   - only +, -, &, |, ^, ~, <<, >> on T, with T, uint64_t or small int operands (`>>` a LOGICAL shift);
//   - no branch on, comparison of, or conversion of a T value; parameters that are not T (level shifts, the
//     attribute bits chosen from booleans) are ordinary constants and may be computed any way;
//   - constants made from a T argument (`x ^ x` is 0), never `T(0)`;
//   - shift amounts are constants < 64.
#ifndef PTCHECK_CORE_LPAE_LPAE_BITS_H
#define PTCHECK_CORE_LPAE_LPAE_BITS_H

#include <cstdint>

#include "core/descriptor_bits.h"

namespace ptc::lpae_bits {

// The mask of an output (or next-table) address for a leaf of 2^size_shift bytes: bits 47:size_shift.
constexpr uint64_t output_mask(unsigned size_shift) { return pte::kAddrMask & ~((uint64_t{1} << size_shift) - 1); }

// The table index of `iova` at a level whose entries cover 2^shift bytes, in a table of entries_mask + 1
// entries:  floor(iova / 2^shift) mod (entries_mask + 1).
template <class T>
constexpr T level_index(T iova, unsigned shift, uint64_t entries_mask) { return (iova >> shift) & entries_mask; }

// A leaf's output address (bits 47:size_shift; nT and the other low bits are not part of it).
template <class T>
constexpr T leaf_output(T desc, unsigned size_shift) { return desc & output_mask(size_shift); }

// The attribute bits of a leaf (SPEC section 2's state table): valid, AF (unless `no_af`, a test-only bug),
// the page bit at L3, and AP[2]/DBM for read-only, writable-untracked, writable-clean or writable-dirty.
constexpr uint64_t leaf_attrs(bool last_level, bool writable, bool hw_dirty, bool dirty, bool no_af = false) {
  uint64_t a = pte::kValid | (no_af ? 0 : pte::kAf) | (last_level ? pte::kPage : 0);
  if (!writable) return a | pte::kAp2;
  if (hw_dirty) a |= pte::kDbm | (dirty ? 0 : pte::kAp2);
  return a;
}

// A leaf descriptor for output address `oa` (bits below size_shift dropped) with `attrs` (leaf_attrs).
template <class T>
constexpr T leaf_desc(T oa, unsigned size_shift, uint64_t attrs) { return (oa & output_mask(size_shift)) | attrs; }

// A table descriptor pointing at the table whose address is `addr`.
template <class T>
constexpr T table_desc(T addr) { return (addr & pte::kAddrMask) | (pte::kValid | pte::kTable); }

// Decoding, as 0 or 1 in T.
template <class T>
constexpr T is_valid(T d) { return d & 1; }
// A table descriptor (valid with bit 1) at a level above L3.
template <class T>
constexpr T is_table_above_l3(T d) { return d & (d >> 1) & 1; }
// Writable-dirty: DBM set and AP[2] clear.
template <class T>
constexpr T is_writable_dirty(T d) { return (d >> 51) & ~(d >> 7) & 1; }
// Read-only: AP[2] set and DBM clear.
template <class T>
constexpr T is_read_only(T d) { return (d >> 7) & ~(d >> 51) & 1; }

// The largest power of two <= x (0 for 0), by smearing the top bit down.
template <class T>
constexpr T bit_floor(T x) {
  x = x | (x >> 1);
  x = x | (x >> 2);
  x = x | (x >> 4);
  x = x | (x >> 8);
  x = x | (x >> 16);
  x = x | (x >> 32);
  return x ^ (x >> 1);
}

// Linux's iommu_pgsize: the largest size in `pgsizes` (a bitmap of powers of two) that is at most
// `remaining` (>= 1) and to which both `iova` and `paddr` are aligned; 0 when none is.
// align = lowest set bit of iova | paddr; when both are 0 every size is aligned (align | (align - 1) is then
// all ones, with no branch).
template <class T>
constexpr T choose_leaf_size(T iova, T paddr, T remaining, T pgsizes) {
  const T fit = bit_floor(remaining);
  const T addr_bits = iova | paddr;
  const T align = addr_bits & ((addr_bits ^ addr_bits) - addr_bits);
  return bit_floor(pgsizes & (fit | (fit - 1)) & (align | (align - 1)));
}

}  // namespace ptc::lpae_bits

#endif  // PTCHECK_CORE_LPAE_LPAE_BITS_H
