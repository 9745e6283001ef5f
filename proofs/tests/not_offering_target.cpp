// Test-only targets that do not offer some operations (SPEC section 6), built once per variant with
// PTC_PROOF_TARGET_VARIANT (proofs/CMakeLists.txt): the built-in optimized table with
//   1 split_eopnotsupp  split and merge that always return -EOPNOTSUPP (and touch nothing),
//   2 no_split          split, merge and unmap_read_dirty NULL (mainline io-pgtable-arm's shape),
//   3 no_dirty          read_and_clear_dirty and flush NULL.
// `ptcheck prove --target` must report the obligations about those operations skipped or vacuous, never
// proved, and must not call through NULL.
#include <cerrno>

#include "core/lpae/lpae_target.h"

#ifndef PTC_PROOF_TARGET_VARIANT
#error "PTC_PROOF_TARGET_VARIANT must be 1, 2 or 3"
#endif

namespace {

#if PTC_PROOF_TARGET_VARIANT == 1
int refuse(struct ptc_target*, uint64_t, uint64_t) { return -EOPNOTSUPP; }
#endif

const ptc_target_ops* make_ops() {
  static ptc_target_ops ops = [] {
    ptc_target_ops o = *ptc_lpae_ops();
#if PTC_PROOF_TARGET_VARIANT == 1
    o.name = "proof-split_eopnotsupp";
    o.split = &refuse;
    o.merge = &refuse;
#elif PTC_PROOF_TARGET_VARIANT == 2
    o.name = "proof-no_split";
    o.split = nullptr;
    o.merge = nullptr;
    o.unmap_read_dirty = nullptr;
#elif PTC_PROOF_TARGET_VARIANT == 3
    o.name = "proof-no_dirty";
    o.read_and_clear_dirty = nullptr;
    o.flush = nullptr;
#else
#error "PTC_PROOF_TARGET_VARIANT must be 1, 2 or 3"
#endif
    return o;
  }();
  return &ops;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const ptc_target_ops* ptc_target(void) { return make_ops(); }
