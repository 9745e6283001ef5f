// One test-only broken LPAE target (lpae_bugs.h), compiled once per bug with
// PTC_LPAE_BUG_NAME="<name>"; exports ptc_target() with ops named "broken-<name>".
#include "core/lpae/lpae_bugs.h"
#include "core/lpae/lpae_ops.h"

#ifndef PTC_LPAE_BUG_NAME
#error "PTC_LPAE_BUG_NAME must name a bug of lpae_bugs.h"
#endif

namespace {
constexpr unsigned kBug = ptc::lpae::lpae_bug_by_name(PTC_LPAE_BUG_NAME);
static_assert(kBug != 0, "PTC_LPAE_BUG_NAME is not a bug of lpae_bugs.h");
}  // namespace

extern "C" __attribute__((visibility("default"))) const ptc_target_ops* ptc_target(void) {
  static constexpr ptc_target_ops kOps = ptc::lpae::LpaeOps<kBug>::make("broken-" PTC_LPAE_BUG_NAME);
  return &kOps;
}
