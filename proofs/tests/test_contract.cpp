// The contract profiles (SPEC 9) in the obligations: one run's recordings serve both profiles, but their
// outcomes do not. dirty_cleans_straddling cleans a dirty 2M block whole when a dirty read covers its first
// 4K page: lost dirty under contract=spec, accepted under contract=linux (9.5).
#include <gtest/gtest.h>

#include "proofs/obligations/target_obligations.h"
#include "proofs/prove.h"
#include "proofs/tests/load_target.h"

namespace ptc::proofs {
namespace {

TEST(Contract, SharedCacheKeepsTheProfilesApart) {
  const ptc_target_ops* ops = load_target(PTC_BROKEN_CLEANS_STRADDLING_LIB);
  ASSERT_NE(ops, nullptr) << dlerror();
  const std::vector<Obligation> all = all_obligations();
  const std::vector<const Obligation*> sel = select_obligations(all, "read_and_clear_dirty.block-straddling.no-lost-dirty");
  ASSERT_EQ(sel.size(), 1u);
  SubjectCache cache;
  ProveTarget t{ops, "", &cache};
  // Either profile first: the outcome the other one cached must not answer for it.
  for (Contract first : {Contract::Spec, Contract::Linux})
    for (Contract c : {first, first == Contract::Spec ? Contract::Linux : Contract::Spec}) {
      t.contract = c;
      const Result r = run_obligation(*sel[0], t);
      EXPECT_EQ(r.verdict, c == Contract::Spec ? Verdict::kRefuted : Verdict::kProved)
          << contract_name(c) << ": " << r.note;
      EXPECT_EQ(r.statement.find("contract=linux") != std::string::npos, c == Contract::Linux) << r.statement;
    }
}

}  // namespace
}  // namespace ptc::proofs
