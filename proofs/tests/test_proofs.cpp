// The obligations (ctest label `proof`): every obligation proved for the optimized table, every known-bad
// variant refuted (with a counterexample), and the exit-status contract of run_prove.
#include <gtest/gtest.h>

#include <cstdio>

#include "core/lpae/lpae_target.h"
#include "proofs/prove.h"

namespace ptc::proofs {
namespace {

// Runs the obligations whose names start with `prefix`; each must pass (proved, or refuted when known-bad).
void expect_all_pass(const std::string& prefix, bool expect_refuted) {
  const std::vector<Obligation> all = all_obligations();
  ProveTarget t{ptc_lpae_ops(), "", nullptr};
  const std::vector<const Obligation*> selected = select_obligations(all, prefix + "*");
  ASSERT_FALSE(selected.empty()) << prefix;
  std::FILE* sink = std::tmpfile();
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(run_prove(t, selected, false, sink), 0) << prefix;
  std::rewind(sink);
  char line[512];
  while (std::fgets(line, sizeof line, sink)) {
    const std::string l = line;
    if (l.rfind("proved", 0) == 0 || l.rfind("refuted", 0) == 0 || l.rfind("REFUTED", 0) == 0 || l.rfind("PROVED", 0) == 0 ||
        l.rfind("unknown", 0) == 0)
      std::fputs(line, stdout);
    if (expect_refuted && l.rfind("refuted", 0) == 0) {
      // A known-bad variant's refutation comes with its counterexample.
      ASSERT_TRUE(std::fgets(line, sizeof line, sink));
      EXPECT_NE(std::string(line).find("counterexample"), std::string::npos) << l;
    }
  }
  std::fclose(sink);
}

TEST(ProveOptimizedTable, Split) { expect_all_pass("split.", false); }
TEST(ProveOptimizedTable, Merge) { expect_all_pass("merge.", false); }
TEST(ProveOptimizedTable, UnmapStrictAndLazy) { expect_all_pass("unmap.", false); }
TEST(ProveOptimizedTable, UnmapReadDirty) { expect_all_pass("unmap_read_dirty.", false); }
TEST(ProveOptimizedTable, ReadAndClearDirty) { expect_all_pass("read_and_clear_dirty.", false); }
TEST(ProveOptimizedTable, MapRace) { expect_all_pass("race.", false); }
TEST(ProveShippedBits, EqualTheirReferences) { expect_all_pass("bits.", false); }
TEST(KnownBad, BitMutationsRefuted) { expect_all_pass("bad.bits.", true); }
TEST(KnownBad, SequencesRefuted) { expect_all_pass("bad.s", true); }
TEST(KnownBad, MoreSequencesRefuted) {
  for (const char* p : {"bad.m", "bad.u", "bad.l", "bad.d"}) expect_all_pass(p, true);
}
TEST(KnownGood, BreakBeforeMakeProved) { expect_all_pass("good.", false); }

TEST(Prove, SelectionByNameAndPrefix) {
  const std::vector<Obligation> all = all_obligations();
  EXPECT_EQ(select_obligations(all, "split.bbml1.no-tlb-conflict").size(), 1u);
  EXPECT_GT(select_obligations(all, "split.").size(), 5u);
  EXPECT_TRUE(select_obligations(all, "no.such").empty());
  EXPECT_EQ(select_obligations(all, "").size(), all.size());
}

TEST(Prove, BrokenTargetExitsOne) {
  // A target whose unmap never invalidates: the strict unmap obligation is refuted, exit status 1.
  static ptc_target_ops ops = *ptc_lpae_ops();
  static const ptc_target_ops* real = ptc_lpae_ops();
  ops.name = "unmap-without-tlbi";
  ops.create = [](const ptc_cfg* cfg, const ptc_hw* hw) -> struct ptc_target* {
    static ptc_hw quiet;
    quiet = *hw;
    quiet.tlb_inv_range = [](void*, uint64_t, uint64_t, uint64_t, int) {};
    quiet.tlb_inv_all = [](void*) {};
    return real->create(cfg, &quiet);
  };
  const std::vector<Obligation> all = all_obligations();
  std::FILE* sink = std::tmpfile();
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(run_prove(ProveTarget{&ops, "", nullptr}, select_obligations(all, "unmap.strict.block.no-stale-access"), false, sink), 1);
  std::fclose(sink);
}

}  // namespace
}  // namespace ptc::proofs
