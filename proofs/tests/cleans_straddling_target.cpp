// A test-only target for the contract=linux claims (proofs/CMakeLists.txt): the optimized table with two of
// core/lpae/lpae_bugs.h's deliberate bugs at once. It cleans a dirty block that sticks out of a dirty read's
// range whole, as io-pgtable-arm does (contract=linux accepts that, SPEC 9.5), but skips the invalidation and
// sync after cleaning (a bug in every profile: a cached writable-dirty entry lets the device write the page
// inside the range after the read without marking the block dirty again). `ptcheck prove --contract linux`
// must refute read_and_clear_dirty.block-straddling.no-lost-dirty on it: the narrowed claim can still fail.
#include "core/lpae/lpae_bugs.h"
#include "core/lpae/lpae_ops.h"

extern "C" __attribute__((visibility("default"))) const ptc_target_ops* ptc_target(void) {
  using namespace ptc::lpae;
  static constexpr ptc_target_ops kOps =
      LpaeOps<kBugDirtyCleansStraddling | kBugClearNoInvalidate>::make("proof-cleans_straddling_no_invalidate");
  return &kOps;
}
