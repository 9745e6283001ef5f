// Calling a target: the one switch from an op to its ptc_target_ops entry (runner, property probes,
// real threads, benchmarks). Exhaustive over the kinds, so a new op does not compile until it is
// here. The caller checks target_offers() first: an entry the target left NULL is never called.
#pragma once
#include <cstdint>

#include "core/ops/op_table.h"

namespace ptc {

// Calls op's entry of `ops` on `t`; dirty ops record into `dirty`. Device actions and directives are
// not target calls: 0.
int64_t call_target_op(const ptc_target_ops* ops, struct ptc_target* t, const Op& op, const ptc_dirty* dirty);

}  // namespace ptc
