// Aimed `@N` injections for the stateful suite.
//
// Some races are one descriptor access wide and need the device's *first* write to a clean leaf to
// land inside them: between unmap_read_dirty's read of the leaf and its store of 0, between split's
// read of the block and its install, after merge read a page and before the block replaces it.
// Counting accesses blindly (gen_injections) almost never does that. Here the op is first run dry:
// the statements so far, then the op, in a fresh Session on the same target, with
// RunOptions::observe_accesses recording the op's descriptor accesses. race_windows()
// (core/encoding/script_mutator.h, the fuzzer's aimed mutation) names the reads that open a
// read-modify-write window; the injection goes right after one of them, as a device action on a
// page that read's slot translates. Every choice (which window, which page, which action) is drawn
// from a RapidCheck generator, so a case shrinks and replays as any other, and the injection is a
// plain `@N` line, so the printed .ops replays it with `ptcheck run`.
#pragma once
#include <optional>
#include <vector>

#include <rapidcheck.h>

#include "core/encoding/script_mutator.h"
#include "core/ops.h"
#include "properties/stateful/model.h"

namespace ptc::props {

// The descriptor accesses `op` makes when it runs after the model's statements on the model's
// target (nothing when the model has no target or the target refuses the config).
std::vector<ObservedAccess> dry_run_accesses(const Model& m, const Op& op);

// The windows worth aiming at first: of the deepest level among race_windows(), and of the reads
// of one slot the last before the store that closes the window (unmap_read_dirty's second read of
// the leaf, not the walk's). Indices into `accesses`.
std::vector<size_t> tightest_windows(const std::vector<ObservedAccess>& accesses);

// One device action right after a window of `outer` (the tightest mostly, any window or any read
// now and then), on a page of [focus_lo, focus_hi) that the window's slot translates when there is
// one (else a page of the slot inside the op's range). Nothing when the dry run saw no read.
rc::Gen<std::optional<Injection>> gen_aimed_injection(const Model& m, const Op& outer, uint64_t focus_lo,
                                                      uint64_t focus_hi);

}  // namespace ptc::props
