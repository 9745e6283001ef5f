// A test-only broken target for the invariant no_clear_read_is_idempotent, which none of core's
// broken builds (core/lpae/lpae_bugs.h) breaks: the built-in optimized table with the NO_CLEAR flag
// ignored, so a "read without clearing" cleans.
#include "core/lpae/lpae_target.h"

namespace {

int read_and_clear_ignoring_no_clear(struct ptc_target* t, uint64_t iova, uint64_t size, unsigned, const ptc_dirty* dirty) {
  return ptc_lpae_ops()->read_and_clear_dirty(t, iova, size, 0, dirty);
}

const ptc_target_ops* make_ops() {
  static ptc_target_ops ops = [] {
    ptc_target_ops o = *ptc_lpae_ops();
    o.name = "broken-noclear_clears";
    o.read_and_clear_dirty = &read_and_clear_ignoring_no_clear;
    return o;
  }();
  return &ops;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const ptc_target_ops* ptc_target(void) { return make_ops(); }
