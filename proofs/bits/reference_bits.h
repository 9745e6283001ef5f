// Reference definitions of the optimized table's and the bitmap writer's bit arithmetic, written directly
// in Z3 terms from SPEC.md (sections 2 and 3) and from Linux's definitions, independently of core/'s
// templates: per-bit descriptions (bit j of the result is ...), extract/concat, division and wider
// arithmetic instead of shifts and masks. proofs/bits/bit_obligations.cpp proves the templates equal to them.
#pragma once
#include <z3++.h>

#include <functional>

namespace ptc::proofs::ref {

// The 64-bit vector whose bit j is bit(j).
z3::expr from_bits(z3::context& c, const std::function<z3::expr(unsigned)>& bit);
// 1 or 0 (64-bit) for a Boolean.
z3::expr one_if(const z3::expr& cond);
// Bit j of x as a Boolean.
z3::expr bit_of(const z3::expr& x, unsigned j);

// SPEC section 2: the table index of iova at a level whose entries cover 2^shift bytes, in a table of
// 2^index_bits entries: iova bits [shift + index_bits - 1 : shift].
z3::expr level_index(const z3::expr& iova, unsigned shift, unsigned index_bits);
// A leaf's output address for a leaf of 2^size_shift bytes: descriptor bits 47:size_shift, the rest zero.
z3::expr leaf_output(const z3::expr& desc, unsigned size_shift);
// A leaf descriptor (SPEC section 2's table of leaf states), bit by bit.
z3::expr leaf_desc(const z3::expr& oa, unsigned size_shift, bool last_level, bool writable, bool hw_dirty, bool dirty);
// A table descriptor: valid, table, bits 47:12 of the table's address.
z3::expr table_desc(const z3::expr& addr);
// Decoding: 1 when the descriptor is valid / a table above L3 / writable-dirty / read-only.
z3::expr is_valid(const z3::expr& d);
z3::expr is_table_above_l3(const z3::expr& d);
z3::expr is_writable_dirty(const z3::expr& d);
z3::expr is_read_only(const z3::expr& d);
// Linux's iommu_pgsize: the largest 2^j with bit j of pgsizes set, 2^j dividing iova and paddr and
// 2^j <= remaining; 0 when there is none.
z3::expr choose_leaf_size(const z3::expr& iova, const z3::expr& paddr, const z3::expr& remaining,
                          const z3::expr& pgsizes);

// The dirty bitmap (SPEC section 3; core/bitmap/bitmap_math.h's comments give the same definitions).
z3::expr page_index(const z3::expr& iova, const z3::expr& base, const z3::expr& pgshift);
z3::expr word_index(const z3::expr& bit);
z3::expr bit_in_word(const z3::expr& bit);
z3::expr byte_index(const z3::expr& bit);
z3::expr bit_in_byte_mask(const z3::expr& bit);
z3::expr bit_in_word_mask(const z3::expr& bit);
z3::expr first_word_mask(const z3::expr& first);
z3::expr last_word_mask(const z3::expr& last);
z3::expr range_word_mask(const z3::expr& first, const z3::expr& last);
z3::expr byte_of_word(const z3::expr& w, const z3::expr& k);
z3::expr add_carry(const z3::expr& a, const z3::expr& b);
z3::expr saturating_last(const z3::expr& addr, const z3::expr& len);
z3::expr pages_covering(const z3::expr& length, const z3::expr& pgshift);

}  // namespace ptc::proofs::ref
