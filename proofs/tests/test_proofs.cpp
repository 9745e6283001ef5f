#include <gtest/gtest.h>

#include "core/lpae/lpae_target.h"
#include "proofs/prove.h"

namespace ptc::proofs {
namespace {

TEST(Prove, Smoke) {
  const std::vector<Obligation> all = all_obligations();
  ProveTarget t{ptc_lpae_ops(), "", nullptr};
  const char* only = std::getenv("PROVE_ONLY");
  EXPECT_EQ(run_prove(t, select_obligations(all, only ? only : ""), false, stdout), 0);
}

}  // namespace
}  // namespace ptc::proofs
