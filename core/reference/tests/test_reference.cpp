// Unit tests of the reference model: hand-computed expectations straight from SPEC.md section 3.
#include "core/reference/reference_model.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <cerrno>

namespace ptc {
namespace {

constexpr unsigned RW = PTC_PROT_READ | PTC_PROT_WRITE;
constexpr unsigned R = PTC_PROT_READ;

std::vector<RefRecord> records;

TEST(Reference, MapPicksLinuxPageSizesGreedily) {
  ReferenceModel m(Config{});
  // iova 1G-aligned, pa only 2M-aligned: 2M blocks; the 4K tail as pages.
  ASSERT_EQ(m.map(0x40000000, 0x80200000, kSize1G + kSize4K, RW), 0);
  const auto leaves = m.leaves_in(0x40000000, kSize1G + kSize4K);
  ASSERT_EQ(leaves.size(), 513u);
  EXPECT_EQ(leaves[0].size, kSize2M);
  EXPECT_EQ(leaves[511].size, kSize2M);
  EXPECT_EQ(leaves[512].size, kSize4K);
  EXPECT_EQ(leaves[512].iova, 0x80000000u);
  // Both aligned to 1G: one block.
  ASSERT_EQ(m.map(0x100000000, 0x100000000, kSize1G, R), 0);
  EXPECT_EQ(m.leaf_at(0x100000000)->size, kSize1G);
  EXPECT_FALSE(m.leaf_at(0x100000000)->writable);
}

TEST(Reference, MapWithout1GUses2M) {
  Config c;
  c.pgsizes = kSize4K | kSize2M;
  ReferenceModel m(c);
  ASSERT_EQ(m.map(0, 0, kSize1G, RW), 0);
  EXPECT_EQ(m.leaf_runs().leaf_count(), 512u);
}

TEST(Reference, MapErrors) {
  ReferenceModel m(Config{});
  EXPECT_EQ(m.map(0x1001, 0, kSize4K, RW), -EINVAL);
  EXPECT_EQ(m.map(0x1000, 0x10, kSize4K, RW), -EINVAL);
  EXPECT_EQ(m.map(0x1000, 0, 0, RW), -EINVAL);
  EXPECT_EQ(m.map(0x1000, 0, 0x800, RW), -EINVAL);
  EXPECT_EQ(m.map(0x1000, 0, kSize4K, PTC_PROT_WRITE), -EINVAL);  // no READ
  EXPECT_EQ(m.map((1ull << 48) - kSize4K, 0, 2 * kSize4K, RW), -EINVAL);  // beyond ias
  EXPECT_EQ(m.map((1ull << 48) - kSize4K, 0, kSize4K, RW), 0);            // the top page is fine
  EXPECT_EQ(m.map(0, (1ull << 48) - kSize4K, 2 * kSize4K, RW), -EINVAL);  // beyond oas
  ASSERT_EQ(m.map(0x200000, 0, kSize2M, RW), 0);
  EXPECT_EQ(m.map(0x3ff000, 0x9000, 2 * kSize4K, RW), -EEXIST);  // one page overlaps
  EXPECT_FALSE(m.leaf_at(0x400000));                        // all-or-nothing
}

TEST(Reference, NewWritableMappingIsDirtyOnce) {
  ReferenceModel m(Config{});
  ASSERT_EQ(m.map(0, 0, kSize2M, RW), 0);
  records.clear();
  ASSERT_EQ(m.read_and_clear_dirty(0, kSize2M, 0, &records), 0);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].len, kSize2M);
  records.clear();
  ASSERT_EQ(m.read_and_clear_dirty(0, kSize2M, 0, &records), 0);
  EXPECT_TRUE(records.empty());
}

TEST(Reference, UnmapCountsBytesAndRefusesToCutALeaf) {
  ReferenceModel m(Config{});
  ASSERT_EQ(m.map(0, 0, kSize2M, RW), 0);
  EXPECT_EQ(m.unmap(0, kSize4K), -EINVAL);  // cuts the 2M block: nothing unmapped
  EXPECT_TRUE(m.leaf_at(0));
  EXPECT_EQ(m.unmap(0, kSize1G), int64_t(kSize2M));  // holes count 0
  EXPECT_EQ(m.unmap(0, kSize1G), 0);
  EXPECT_EQ(m.unmap(0x10, kSize4K), -EINVAL);
}

TEST(Reference, LazyUnmapKeepsOldTranslationUntilFlush) {
  Config c;
  c.lazy = true;
  ReferenceModel m(c);
  ASSERT_EQ(m.map(0x1000, 0x5000, kSize4K, RW), 0);
  ASSERT_EQ(m.unmap(0x1000, kSize4K), int64_t(kSize4K));
  auto o = m.device_outcomes(0x1000, false);
  ASSERT_EQ(o.size(), 2u);
  EXPECT_TRUE(o[0].fault);
  EXPECT_EQ(o[1].pa, 0x5000u);
  m.flush();
  EXPECT_EQ(m.device_outcomes(0x1000, false).size(), 1u);
}

TEST(Reference, EveryLazilyUnmappedTranslationCountsUntilFlush) {
  Config c;
  c.lazy = true;
  ReferenceModel m(c);
  ASSERT_EQ(m.map(0x40000000, 0x90000000, kSize4K, RW), 0);
  ASSERT_EQ(m.unmap(0x40000000, kSize4K), int64_t(kSize4K));
  ASSERT_EQ(m.map(0x40000000, 0x80000000, kSize2M, RW), 0);  // a block over the old page
  ASSERT_EQ(m.unmap(0x40000000, kSize2M), int64_t(kSize2M));
  ASSERT_EQ(m.map(0x40000000, 0x70000000, kSize4K, RW), 0);
  ASSERT_EQ(m.unmap(0x40000000, kSize4K), int64_t(kSize4K));
  ASSERT_EQ(m.unmap(0x40000000, kSize4K), 0);  // nothing left: no duplicate
  const auto o = m.device_outcomes(0x40000000, true);
  ASSERT_EQ(o.size(), 4u);  // fault, and each of the three translations
  EXPECT_TRUE(o[0].fault);
  std::vector<uint64_t> pas;
  for (size_t i = 1; i < o.size(); ++i) pas.push_back(o[i].pa);
  std::sort(pas.begin(), pas.end());
  EXPECT_EQ(pas, (std::vector<uint64_t>{0x70000000, 0x80000000, 0x90000000}));
  EXPECT_EQ(m.device_outcomes(0x40001000, false).size(), 2u) << "only the block held the next page";
  m.flush();
  EXPECT_EQ(m.device_outcomes(0x40000000, false).size(), 1u);
}

TEST(Reference, SplitKeepsDirtyStatePerBlock) {
  ReferenceModel m(Config{});
  ASSERT_EQ(m.map(0, 0, kSize2M, RW), 0);            // dirty
  ASSERT_EQ(m.map(kSize2M, kSize2M, kSize2M, RW), 0);
  ASSERT_EQ(m.read_and_clear_dirty(kSize2M, kSize2M, 0, nullptr), 0);  // second one clean
  ASSERT_EQ(m.split(0, 2 * kSize2M), 0);
  EXPECT_EQ(m.leaf_runs().leaf_count(), 1024u);
  EXPECT_EQ(m.leaf_at(0x1000)->dirty, DirtyState::Dirty);
  EXPECT_EQ(m.leaf_at(kSize2M + 0x1000)->dirty, DirtyState::Clean);
  EXPECT_EQ(m.leaf_at(kSize2M + 0x1000)->pa, kSize2M + 0x1000);
}

TEST(Reference, SplitErrors) {
  Config c;
  c.bbml = 0;
  ReferenceModel m0(c);
  EXPECT_EQ(m0.split(0, kSize2M), -EOPNOTSUPP);
  EXPECT_EQ(m0.merge(0, kSize2M), -EOPNOTSUPP);
  ReferenceModel m(Config{});
  ASSERT_EQ(m.map(0, 0, kSize2M, RW), 0);
  EXPECT_EQ(m.split(0, kSize4K), -EINVAL);  // the block straddles the range
  EXPECT_EQ(m.split(1, kSize4K), -EINVAL);
}

TEST(Reference, MergeNeedsContiguousAlignedOnePermission) {
  ReferenceModel m(Config{});
  // 2M of pages, contiguous and aligned: merges. Dirty if any page was.
  ASSERT_EQ(m.map(0, 0x40000000, kSize2M, RW), 0);
  ASSERT_EQ(m.split(0, kSize2M), 0);
  ASSERT_EQ(m.read_and_clear_dirty(0, kSize2M, 0, nullptr), 0);
  m.device_write(0x3000);
  ASSERT_EQ(m.merge(0, kSize1G), 0);
  ASSERT_EQ(m.leaf_at(0)->size, kSize2M);
  EXPECT_EQ(m.leaf_at(0)->dirty, DirtyState::Dirty);
  // Not aligned output: stays pages.
  ASSERT_EQ(m.map(kSize2M, 0x40201000, kSize2M, RW), 0);
  ASSERT_EQ(m.merge(kSize2M, kSize2M), 0);
  EXPECT_EQ(m.leaf_at(kSize2M)->size, kSize4K);
  // Two permissions: stays pages.
  ASSERT_EQ(m.map(2 * kSize2M, 0x80000000, kSize4K, R), 0);
  ASSERT_EQ(m.map(2 * kSize2M + kSize4K, 0x80001000, kSize2M - kSize4K, RW), 0);
  ASSERT_EQ(m.merge(2 * kSize2M, kSize2M), 0);
  EXPECT_EQ(m.leaf_at(2 * kSize2M)->size, kSize4K);
  // A hole: stays.
  ASSERT_EQ(m.unmap(2 * kSize2M, kSize4K), int64_t(kSize4K));
  ASSERT_EQ(m.merge(2 * kSize2M, kSize2M), 0);
  EXPECT_EQ(m.leaf_at(2 * kSize2M + kSize4K)->size, kSize4K);
}

TEST(Reference, MergeBuilds1GFrom2MBlocks) {
  ReferenceModel m(Config{});
  ASSERT_EQ(m.map(kSize1G, kSize1G, kSize1G, RW), 0);
  ASSERT_EQ(m.split(kSize1G, kSize1G), 0);
  ASSERT_EQ(m.merge(kSize1G, kSize1G), 0);
  EXPECT_EQ(m.leaf_runs().leaf_count(), 1u);
  EXPECT_EQ(m.leaf_at(kSize1G)->size, kSize1G);
}

TEST(Reference, ReadAndClearStraddlingLeafIsReportedAndStaysDirty) {
  ReferenceModel m(Config{});
  ASSERT_EQ(m.map(0, 0, kSize2M, RW), 0);
  records.clear();
  ASSERT_EQ(m.read_and_clear_dirty(0x1000, 0x2000, 0, &records), 0);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].iova, 0x1000u);
  EXPECT_EQ(records[0].len, 0x2000u);
  EXPECT_EQ(m.leaf_at(0)->dirty, DirtyState::Dirty);
  // NO_CLEAR records without cleaning.
  records.clear();
  ASSERT_EQ(m.read_and_clear_dirty(0, kSize2M, PTC_DIRTY_NO_CLEAR, &records), 0);
  EXPECT_EQ(records.size(), 1u);
  EXPECT_EQ(m.leaf_at(0)->dirty, DirtyState::Dirty);
  ASSERT_EQ(m.read_and_clear_dirty(0, kSize2M, 0, nullptr), 0);
  EXPECT_EQ(m.leaf_at(0)->dirty, DirtyState::Clean);
}

TEST(Reference, ReadAndClearNeedsHwDirty) {
  Config c;
  c.hw_dirty = false;
  ReferenceModel m(c);
  EXPECT_EQ(m.read_and_clear_dirty(0, kSize4K, 0, nullptr), -EOPNOTSUPP);
  ASSERT_EQ(m.map(0, 0, kSize4K, RW), 0);
  records.clear();
  EXPECT_EQ(m.unmap_read_dirty(0, kSize4K, &records), int64_t(kSize4K));
  EXPECT_TRUE(records.empty());  // untracked: nothing is dirty
}

TEST(Reference, UnmapReadDirtyRecordsRemovedDirtyLeaves) {
  ReferenceModel m(Config{});
  ASSERT_EQ(m.map(0, 0, 2 * kSize4K, RW), 0);
  ASSERT_EQ(m.read_and_clear_dirty(0, 2 * kSize4K, 0, nullptr), 0);
  m.device_write(0x1000);
  records.clear();
  EXPECT_EQ(m.unmap_read_dirty(0, 2 * kSize4K, &records), int64_t(2 * kSize4K));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].iova, 0x1000u);
}

TEST(Reference, DeviceOutcomesFollowPermissions) {
  ReferenceModel m(Config{});
  ASSERT_EQ(m.map(0x1000, 0x7000, kSize4K, R), 0);
  EXPECT_EQ(m.device_outcomes(0x1008, false)[0].pa, 0x7008u);
  EXPECT_TRUE(m.device_outcomes(0x1008, true)[0].fault);
  EXPECT_TRUE(m.device_outcomes(0x9000, false)[0].fault);
  EXPECT_EQ(m.iova_to_phys(0x1010), 0x7010u);
  EXPECT_EQ(m.iova_to_phys(0x9000), 0u);
}

TEST(Reference, SmallIasBounds) {
  Config c;
  c.ias = 32;
  ReferenceModel m(c);
  EXPECT_EQ(m.map(0xfffff000, 0, kSize4K, RW), 0);
  EXPECT_EQ(m.map(0x100000000, 0, kSize4K, RW), -EINVAL);
}

}  // namespace
}  // namespace ptc
