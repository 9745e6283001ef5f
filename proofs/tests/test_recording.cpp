// Unit tests of the pieces under the obligations: the recording ptc_hw, the projection onto one page, the
// Bv64 wrapper and counterexample reduction.
#include <gtest/gtest.h>

#include "core/bitmap/bitmap_math.h"
#include "core/descriptor_bits.h"
#include "core/lpae/lpae_target.h"
#include "proofs/model/projection.h"
#include "proofs/smt/bv64.h"
#include "proofs/smt/reduce.h"
#include "proofs/trace/canonical.h"

namespace ptc::proofs {
namespace {

TEST(Recorder, RecordsTheOptimizedSplitAtBbml2) {
  std::string why;
  auto t = record_pipeline(ptc_lpae_ops(), Canonical{Shape::kBlock, 2, false}, Pipeline::kSplit, {}, &why);
  ASSERT_TRUE(t) << why;
  // read the block, allocate, 512 page writes, CAS install, invalidate, sync, return.
  size_t writes = 0, cas = 0, syncs = 0, allocs = 0;
  for (const Step& s : t->steps) {
    writes += s.kind == StepKind::kWrite;
    cas += s.kind == StepKind::kCmpxchg;
    syncs += s.kind == StepKind::kSync;
    allocs += s.kind == StepKind::kAlloc;
  }
  EXPECT_EQ(writes, 512u);
  EXPECT_EQ(cas, 1u);
  EXPECT_EQ(syncs, 1u);
  EXPECT_EQ(allocs, 1u);
  ASSERT_FALSE(t->steps.empty());
  EXPECT_EQ(t->steps.back().kind, StepKind::kReturn);
  EXPECT_EQ(t->steps.back().ret, 0);
}

TEST(Recorder, InjectionDirtiesTheSlotBeforeTheAccess) {
  std::string why;
  auto t = record_pipeline(ptc_lpae_ops(), Canonical{Shape::kBlock, 2, false}, Pipeline::kSplit,
                           {Injection{true, 0, 1}}, &why);
  ASSERT_TRUE(t) << why;
  size_t k = 0;
  while (k < t->steps.size() && t->steps[k].kind != StepKind::kInjectDirty) ++k;
  ASSERT_LT(k + 1, t->steps.size());
  const Step& next = t->steps[k + 1];  // the target's first access to the slot, after the walk above it
  EXPECT_EQ(next.table, t->slot_table);
  EXPECT_EQ(next.index, t->slot_index);
  EXPECT_EQ(next.before & pte::kAp2, 0u);  // the target sees a dirty block
}

TEST(Recorder, ForeignInstallLinksTheOtherMapsTable) {
  // The other CPU's map, done before this map's first access to the empty slot: this map finds its table and
  // writes its page there, allocating none of its own that it keeps linked.
  std::string why;
  ForeignInstall f;
  f.ordinal = 1;
  f.cas = true;
  f.expected = 0;
  f.desc_bits = pte::kValid | pte::kTable;
  f.entries.assign(512, 0);
  f.entries[1] = 0x80001000 | pte::kValid | pte::kPage | pte::kAf;
  auto t = record_pipeline(ptc_lpae_ops(), Canonical{Shape::kEmpty, 2, false}, Pipeline::kMapFirstPage, {}, &why, &f);
  ASSERT_TRUE(t) << why;
  size_t k = 0;
  while (k < t->steps.size() && t->steps[k].kind != StepKind::kForeignInstall) ++k;
  ASSERT_LT(k, t->steps.size());
  const int other = int(t->steps[k].arg);
  EXPECT_EQ(t->steps[k].before, 0u);
  bool wrote_page_into_other = false;
  for (const Step& s : t->steps)
    wrote_page_into_other |= s.table == other && s.index == 0 && is_access(s.kind) && (s.after & pte::kValid);
  EXPECT_TRUE(wrote_page_into_other);

  // With the slot no longer empty at that point, the other map's compare-and-swap fails: no recording.
  f.expected = 0x1234000 | pte::kValid | pte::kTable;
  EXPECT_FALSE(record_pipeline(ptc_lpae_ops(), Canonical{Shape::kEmpty, 2, false}, Pipeline::kMapFirstPage, {}, &why, &f));
  EXPECT_EQ(why, "injection not applicable");
}

TEST(Recorder, RefusedConfigIsReported) {
  ptc_target_ops ops = *ptc_lpae_ops();
  ops.create = [](const ptc_cfg*, const ptc_hw*) -> struct ptc_target* { return nullptr; };
  std::string why;
  EXPECT_FALSE(record_pipeline(&ops, Canonical{}, Pipeline::kSplit, {}, &why));
  EXPECT_EQ(why.rfind("refused", 0), 0u) << why;
}

TEST(Projection, KeepsOnlyThePagesOwnEntry) {
  std::string why;
  auto t = record_pipeline(ptc_lpae_ops(), Canonical{Shape::kBlock, 2, false}, Pipeline::kSplit, {}, &why);
  ASSERT_TRUE(t) << why;
  const std::vector<int> tracked = tracked_tables(*t, &why);
  ASSERT_EQ(tracked.size(), 1u) << why;
  const AddrTrace a = project(*t, tracked, 7);
  size_t page_steps = 0;
  for (const AStep& s : a.steps) page_steps += s.kind == AKind::kPage;
  EXPECT_EQ(page_steps, 1u);  // of 512 page writes, the one to entry 7
  EXPECT_TRUE(a.slot_init.writable_clean());
  EXPECT_TRUE(a.slot_init.oa_ok);
  EXPECT_EQ(project(*t, tracked, 300), a);  // every page sees the same sequence
}

Step access(StepKind k, uint64_t before, uint64_t after) {
  Step s(k);
  s.table = 0;
  s.before = before;
  s.after = after;
  return s;
}
Step returned(int64_t ret) {
  Step s(StepKind::kReturn);
  s.op = "split";
  s.ret = ret;
  return s;
}

TEST(Trace, FailedWithoutEffectOnlyWhenTheOperationFailedAndChangedNothing) {
  Trace t;
  t.steps = {access(StepKind::kRead, 0x481, 0x481), Step(StepKind::kSync), returned(-95)};
  ASSERT_NE(failed_without_effect(t), nullptr);  // reads and maintenance: nothing changed
  EXPECT_EQ(failed_without_effect(t)->ret, -95);
  t.steps = {access(StepKind::kCmpxchg, 0x481, 0x481), returned(-95)};  // a compare-and-swap that failed
  EXPECT_NE(failed_without_effect(t), nullptr);
  t.steps = {access(StepKind::kWrite, 0x481, 0x0), access(StepKind::kWrite, 0x0, 0x481), returned(-12)};
  EXPECT_EQ(failed_without_effect(t), nullptr);  // a rollback: the claims hold or fail on what it did
  t.steps = {Step(StepKind::kAlloc), Step(StepKind::kFree), returned(-12)};
  EXPECT_EQ(failed_without_effect(t), nullptr);
  t.steps = {returned(0)};
  EXPECT_EQ(failed_without_effect(t), nullptr);
  // Only the operation under proof (the first return) counts: the lazy pipeline's flush comes after it.
  t.steps = {access(StepKind::kWrite, 0x481, 0x0), returned(0x200000), returned(-95)};
  EXPECT_EQ(failed_without_effect(t), nullptr);
}

TEST(Bv64, InstantiatesBitmapMath) {
  z3::context c;
  const Bv64 x = Bv64::var(c, "x");
  z3::solver s(c);
  s.add(x.expr() == c.bv_val(130, 64));
  s.add(bitmap_math::word_index<Bv64>(x).expr() != c.bv_val(2, 64));
  EXPECT_EQ(s.check(), z3::unsat);
}

TEST(Reduce, PinsSmallestValues) {
  z3::context c;
  const z3::expr x = c.bv_const("x", 64), y = c.int_const("y");
  z3::solver s(c);
  s.add(z3::uge(x, c.bv_val(0x1000, 64)) && y > 5);
  ASSERT_EQ(s.check(), z3::sat);
  const z3::model m = reduce_model(s, {x, y});
  EXPECT_EQ(model_u64(m, x), 0x1000u);
  EXPECT_EQ(model_u64(m, y), 6u);
}

}  // namespace
}  // namespace ptc::proofs
