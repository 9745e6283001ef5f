#include "core/lpae/lpae_target.h"

#include "core/lpae/lpae_ops.h"

const ptc_target_ops* ptc_lpae_ops() {
  static constexpr ptc_target_ops kOps = ptc::lpae::LpaeOps<0>::make("lpae");
  return &kOps;
}
