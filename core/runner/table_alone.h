// The table alone: a script's operations run on a target through a plain ptc_hw
// (tables from the SMMU's table memory, inline atomics, no TLB), with no reference model, no simulated SMMU and no
// oracle. The ratio to the differential runner on the same scripts is what checking costs: the harness
// benchmarks' baseline, and fuzz_ops's with PTCHECK_FUZZ_TABLE_ALONE=1 (the fuzzing build's own ratio).
#pragma once
#include "core/ops.h"
#include "ptcheck/target.h"

namespace ptc {

// Runs the target operations of `s` in order (an `@N` op runs after its outer op; device actions and
// `fail alloc` have no meaning without the SMMU and are left out). Returns the number of operations run,
// or -1 when the target refused the config.
long run_table_alone(const Script& s, const ptc_target_ops* target);

}  // namespace ptc
