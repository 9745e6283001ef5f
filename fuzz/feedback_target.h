// fuzz_ops's own feedback signal: the table it checks, wrapped so that libFuzzer also sees where the
// table met a race.
//
// In the fuzz build only the table has coverage (docs/fuzzing.md, "What is instrumented"), and a race
// bug's table runs the same code whether an `@N` injection landed inside its one-access window or beside
// it. What tells the two apart is what the harness sees: the descriptor a table is about to store over, or
// has just read, is not the value it last saw there (the simulated SMMU set its access or dirty bit, or an
// injected op or device write changed it in between). The wrapper forwards every call unchanged and, at
// each descriptor access, compares the slot's memory with the last value the table read or wrote there;
// a difference bumps one of libFuzzer's extra counters, named by the operation, the access and which
// descriptor fields changed. Cheap: a fixed-size table of slots, no allocation on the execution path,
// and no descriptor access of its own (the `@N` numbering is the table's alone).
#pragma once
#include "ptcheck/target.h"

namespace ptc {

// `target` with the feedback above; the same operations (a NULL entry stays NULL), name and ABI.
// One wrapped target per process (fuzz_ops wraps its one table): a second call replaces the first.
const ptc_target_ops* with_race_feedback(const ptc_target_ops* target);

}  // namespace ptc
