// The harness benchmarks' baseline: a script's operations run on a target alone, through a plain ptc_hw
// (aligned_alloc'ed tables, inline atomics, no TLB), with no reference model, no simulated SMMU and no
// oracle. The ratio to the differential runner on the same scripts is what checking costs.
#pragma once
#include "core/ops.h"
#include "ptcheck/target.h"

namespace ptc::bench {

// Runs the target operations of `s` in order (an `@N` op runs after its outer op; device actions and
// `fail alloc` have no meaning without the SMMU and are left out). Returns the number of operations run,
// or -1 when the target refused the config.
long run_target_alone(const Script& s, const ptc_target_ops* target);

}  // namespace ptc::bench
