// Invariant properties: each a RapidCheck property over generated states (a generated config and a
// generated sequence of maps, device writes, dirty reads, splits, merges and unmaps), checked on the
// TARGET through its ABI (TargetProbe): the target's own answers and the tables the simulated SMMU
// walks must satisfy a law of SPEC 3 that needs no reference model. Each one fires on at least one
// broken target (properties/CMakeLists.txt shows which).
#pragma once
#include "properties/stateful/property_context.h"

namespace ptc::props {

// merge, split, merge: the second merge gives back the leaves and dirty states of the first.
void split_then_merge_restores_leaves(const PropertyContext& ctx);
// A second clearing read with no write between records nothing (but leaves sticking out of it).
void clearing_read_twice_records_nothing(const PropertyContext& ctx);
// A NO_CLEAR read changes nothing, repeats itself, and records what the clearing read then records.
void no_clear_read_is_idempotent(const PropertyContext& ctx);
// unmap_read_dirty records and removes exactly what read_and_clear followed by unmap would.
void unmap_read_dirty_is_clearing_read_then_unmap(const PropertyContext& ctx);
// A device write after a clearing read returned is recorded by the next clearing read.
void write_after_clearing_read_is_recorded(const PropertyContext& ctx);
// iova_to_phys gives what the simulated SMMU's walk translates, at every probed address.
void iova_to_phys_agrees_with_the_walk(const PropertyContext& ctx);
// Maps then unmaps of everything: nothing translates, (strict) only the root is left, destroy frees all.
void map_unmap_round_trip_frees_every_table(const PropertyContext& ctx);
// An op that fails with -ENOMEM (fail alloc N) leaves every leaf as it was.
void failed_op_changes_nothing(const PropertyContext& ctx);
// unmap removes exactly the leaves inside its range and returns their bytes, or -EINVAL and
// nothing when the range cuts a leaf.
void unmap_removes_exactly_its_range(const PropertyContext& ctx);

}  // namespace ptc::props
