// RapidCheck generators of configs and ops (core/ops.h: the one op vocabulary of scripts, the
// fuzzer and these properties). As the fuzzer's decoder (core/encoding/fuzz_input.cpp), they bias
// toward what finds bugs: the model's leaves and their edges, 2M/1G blocks and boundaries, ranges
// that cover, cut or neighbour existing leaves, the top of the IAS, and `@N` injections (a device
// action or a disjoint op) at the first few descriptor accesses, inside a table build, or later.
// Every choice shrinks toward the first alternative: small, aligned, low addresses.
#pragma once
#include <cstdint>
#include <vector>

#include <rapidcheck.h>

#include "core/ops.h"
#include "core/ops/op_table.h"
#include "properties/stateful/model.h"
#include "properties/stateful/show.h"

namespace ptc::props {

// Every config axis: ias, oas, pgsizes, bbml 0/1/2, hw_dirty, flush strict/lazy.
rc::Gen<Config> gen_config();
// The same with hw_dirty on (properties about dirty tracking).
rc::Gen<Config> gen_config_with_hw_dirty();

struct Range {
  uint64_t iova = 0, size = 0;
};
inline void showValue(const Range& r, std::ostream& os) { os << print_addr(r.iova) << " " << print_size(r.size); }

rc::Gen<uint64_t> gen_iova(const Model& m);
rc::Gen<uint64_t> gen_size();
// A range for unmap, split, merge and dirty reads: whole leaves, a block's region, part of a leaf,
// the whole IAS, or anything.
rc::Gen<Range> gen_range(const Model& m);
// An address inside a mapped leaf (device actions), or anywhere when nothing is mapped.
rc::Gen<uint64_t> gen_mapped_page(const Model& m);

// One statement of kind k (no injections); its leaf cost may exceed the model's budget (callers
// check Model::affordable).
rc::Gen<Op> gen_op(const Model& m, OpKind k);
// `@N` injections for a target op `outer`: device actions in or near its range, or whole ops on a
// disjoint range (as another CPU would run them; SPEC 6 forbids overlapping ranges).
rc::Gen<std::vector<Injection>> gen_injections(const Model& m, const Op& outer);

// Kinds that generated sequences use, for injections and setup sequences.
inline constexpr OpKind kRangedKinds[] = {OpKind::Map,   OpKind::Unmap, OpKind::Split,     OpKind::Merge,
                                          OpKind::Dirty, OpKind::Phys,  OpKind::UnmapDirty};

}  // namespace ptc::props
