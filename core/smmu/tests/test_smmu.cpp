// Unit tests of the simulated SMMU: tables built by hand through ptc_hw, as a target would.
#include "core/smmu/smmu.h"

#include <gtest/gtest.h>

#include <optional>

#include "core/descriptor_bits.h"

namespace ptc {
namespace {

using namespace pte;

constexpr uint64_t kLeafRwDirty = kValid | kAf | kDbm;          // writable-dirty (AP2=0)
constexpr uint64_t kLeafRwClean = kValid | kAf | kDbm | kAp2;   // writable-clean
constexpr uint64_t kLeafRo = kValid | kAf | kAp2;               // read-only

// ias 39: the walk starts at L1 with 512 entries.
struct Fixture : ::testing::Test {
  Config cfg = [] {
    Config c;
    c.ias = 39;
    return c;
  }();
  std::unique_ptr<Smmu> smmu;
  const ptc_hw* hw = nullptr;
  ptc_pte_t* root = nullptr;

  void SetUp() override { make(); }
  void make() {
    smmu = std::make_unique<Smmu>(cfg);
    hw = smmu->hw();
    root = static_cast<ptc_pte_t*>(hw->alloc_table(hw->ctx, 4096));
    smmu->attach(root);
  }
  ptc_pte_t* table() { return static_cast<ptc_pte_t*>(hw->alloc_table(hw->ctx, 4096)); }
  static ptc_pte_t tdesc(ptc_pte_t* t) { return reinterpret_cast<uintptr_t>(t) | kValid | kTable; }
  void set(ptc_pte_t* p, ptc_pte_t v) { hw->write(hw->ctx, p, v); }
  void op(OpKind k) { smmu->begin_op(k, 0, 0, "test op"); }
};

TEST_F(Fixture, WalksBlocksAndPages) {
  set(&root[1], 0x80000000 | kLeafRwDirty);  // L1 block: 1G at iova 1G
  ptc_pte_t* l2 = table();
  ptc_pte_t* l3 = table();
  set(&l3[3], 0x5000 | kLeafRo | kPage);
  set(&l2[0], tdesc(l3));
  set(&root[0], tdesc(l2));
  EXPECT_EQ(smmu->device_access(0x40001234, false).pa, 0x80001234u);
  EXPECT_EQ(smmu->device_access(0x3008, false).pa, 0x5008u);
  EXPECT_TRUE(smmu->device_access(0x3008, true).fault);  // read-only
  EXPECT_TRUE(smmu->device_access(0x4000, false).fault);
  auto leaves = smmu->leaves_in(0, 2ull << 30);
  ASSERT_EQ(leaves.size(), 2u);
  EXPECT_EQ(leaves[0].size, kSize4K);
  EXPECT_EQ(leaves[1].size, kSize1G);
  EXPECT_FALSE(smmu->violation());
}

// The leaves an op's return check reads must not linger into a later table unlink: they would become
// stale translations that no store made (a fresh unlink read them along with the table's own leaves), and
// a leaf cleaned since would then read as a lost write.
TEST_F(Fixture, AReturnCheckLeavesNothingBehindForALaterUnlink) {
  cfg.hw_dirty = true;
  cfg.bbml = 2;
  make();
  ptc_pte_t* l2 = table();
  set(&l2[0], 0x200000 | kLeafRwClean);
  set(&root[0], tdesc(l2));
  set(&root[1], 0x80000000 | kLeafRwDirty);  // a dirty 1G block at iova 1G
  // Op 1: sets nT on the block and returns without an invalidation: the IOTLB may still hold the entry
  // without nT, a translation the same as the tables' (the return check reads the block and is content).
  op(OpKind::Split);
  set(&root[1], 0x80000000 | kLeafRwDirty | kNt);
  smmu->end_op();
  smmu->check_returned_op();
  ASSERT_FALSE(smmu->violation()) << smmu->violation()->message;
  // Op 2: cleans the block, invalidated and synced.
  op(OpKind::Dirty);
  set(&root[1], 0x80000000 | kLeafRwClean | kNt);
  hw->tlb_inv_range(hw->ctx, 0x40000000, kSize1G, kSize1G, 1);
  hw->tlb_sync(hw->ctx);
  smmu->end_op();
  smmu->check_returned_op();
  ASSERT_FALSE(smmu->violation()) << smmu->violation()->message;
  // Op 3: unlinks the table at iova 0, invalidated and synced over [0, 1G) only: nothing at 1G changed.
  op(OpKind::Unmap);
  set(&root[0], 0);
  hw->tlb_inv_range(hw->ctx, 0, kSize1G, kSize4K, 0);
  hw->tlb_sync(hw->ctx);
  smmu->end_op();
  smmu->check_returned_op();
  EXPECT_FALSE(smmu->violation()) << smmu->violation()->message;
}

TEST_F(Fixture, AccessFlagZeroFaults) {
  set(&root[1], 0x80000000 | kValid | kDbm);
  EXPECT_TRUE(smmu->device_access(0x40000000, false).fault);
}

TEST_F(Fixture, HttuMarksCleanLeafDirtyByCas) {
  set(&root[1], 0x80000000 | kLeafRwClean);
  EXPECT_FALSE(smmu->device_access(0x40000000, true).fault);
  EXPECT_EQ(root[1] & kAp2, 0u);
  // A cached writable-dirty entry needs no descriptor update: cleaning the descriptor without an
  // invalidation leaves the entry dirty in the IOTLB, and the next write does not touch memory.
  set(&root[1], 0x80000000 | kLeafRwClean);
  EXPECT_FALSE(smmu->device_access(0x40000000, true).fault);
  EXPECT_NE(root[1] & kAp2, 0u);
  // After an invalidation and sync the walk happens again and the write marks it dirty.
  hw->tlb_inv_range(hw->ctx, 0x40000000, kSize1G, kSize1G, 1);
  hw->tlb_sync(hw->ctx);
  EXPECT_FALSE(smmu->device_access(0x40000000, true).fault);
  EXPECT_EQ(root[1] & kAp2, 0u);
}

TEST_F(Fixture, InvalidationTakesEffectAtSync) {
  set(&root[1], 0x80000000 | kLeafRwDirty);
  ASSERT_FALSE(smmu->device_fill(0x40000000).fault);
  set(&root[1], 0);
  EXPECT_FALSE(smmu->device_access(0x40000000, false).fault);  // still cached
  hw->tlb_inv_range(hw->ctx, 0x40000000, kSize1G, kSize1G, 1);
  EXPECT_FALSE(smmu->device_access(0x40000000, false).fault);  // not synced yet
  hw->tlb_sync(hw->ctx);
  EXPECT_TRUE(smmu->device_access(0x40000000, false).fault);
}

// A walk that starts from a walk-cache entry an issued (not yet synced) invalidation covers caches
// nothing newer than that entry: the sync removes what was derived from it too. (Found by the
// real-thread checker: a page cached through the old L3 table between a merge's invalidation and its
// sync outlived the sync and conflicted with the block.)
TEST_F(Fixture, WhatAWalkCachesIsAsOldAsTheWalkCacheEntryItUsed) {
  cfg.bbml = 2;  // the old and the new entry may coexist: the oldest answers
  make();
  ptc_pte_t* l2 = table();
  ptc_pte_t* l3 = table();
  set(&l3[0], 0x90000000 | kLeafRwDirty | kPage);
  set(&l2[0], tdesc(l3));
  set(&root[1], tdesc(l2));
  ASSERT_FALSE(smmu->device_fill(0x40000000).fault);  // the walk cache holds the L2 and L3 tables
  set(&l3[3], 0x90003000 | kLeafRwDirty | kPage);
  set(&l2[0], 0x80000000 | kLeafRwDirty);  // a 2M block replaces the L3 table
  hw->tlb_inv_range(hw->ctx, 0x40000000, kSize2M, kSize4K, 0);
  // Between the invalidation and the sync, a walk through the still-cached L3 table caches a page.
  ASSERT_EQ(smmu->device_fill(0x40003000).pa, 0x90003000u);
  hw->tlb_sync(hw->ctx);
  // That page went with the sync: the device now reads the block.
  EXPECT_EQ(smmu->device_access(0x40003000, false).pa, 0x80003000u);
}

TEST_F(Fixture, StaleTranslationAfterUnmapWithoutInvalidation) {
  set(&root[1], 0x80000000 | kLeafRwDirty);
  op(OpKind::Unmap);
  set(&root[1], 0);
  smmu->end_op();
  smmu->check_returned_op();
  ASSERT_TRUE(smmu->violation());
  EXPECT_EQ(smmu->violation()->oracle, Oracle::StaleTranslation);
}

// A store that changes only AP[2] or DBM of a leaf (on_store's short path): the IOTLB may keep the old
// leaf when the write permission went or the dirty state was cleaned, and nothing else is due.
TEST_F(Fixture, APermissionOrDirtyChangeWithoutInvalidationLeavesWhatTheOldLeafAllowed) {
  struct Case {
    bool hw_dirty;
    ptc_pte_t before, after;
    std::optional<Oracle> want;
  };
  const Case cases[] = {
      {true, kLeafRwDirty, kLeafRwClean, Oracle::LostDirty},                 // cleaned: a write through the entry is lost
      {true, kLeafRwClean, kLeafRwDirty, std::nullopt},                      // dirtied
      {false, kValid | kAf, kLeafRo, Oracle::StaleTranslation},              // made read-only
      {false, kLeafRo, kValid | kAf, std::nullopt},                          // made writable
      {true, kLeafRwDirty, kLeafRwDirty & ~kDbm, std::nullopt},              // DBM off, still writable-dirty
      {true, kLeafRwClean, kLeafRwClean & ~kDbm, Oracle::StaleTranslation},  // DBM off: read-only now
  };
  for (const Case& c : cases) {
    cfg.hw_dirty = c.hw_dirty;
    make();
    ptc_pte_t* l2 = table();
    set(&root[0], tdesc(l2));
    set(&l2[1], 0x200000 | c.before);  // a 2M block at iova 2M
    op(OpKind::Dirty);
    if (c.after == (c.before | kAp2))
      hw->fetch_or(hw->ctx, &l2[1], kAp2);  // as read_and_clear_dirty cleans
    else
      set(&l2[1], 0x200000 | c.after);
    smmu->end_op();
    smmu->check_returned_op();
    SCOPED_TRACE(testing::Message() << std::hex << c.before << " -> " << c.after);
    if (!c.want) {
      EXPECT_FALSE(smmu->violation()) << smmu->violation()->message;
    } else {
      ASSERT_TRUE(smmu->violation());
      EXPECT_EQ(smmu->violation()->oracle, *c.want);
      EXPECT_NE(smmu->violation()->message.find("descriptor L2[1] (iova 0x200000) changed by the target"), std::string::npos)
          << smmu->violation()->message;
    }
    // The same store with its invalidation and sync leaves nothing.
    make();
    l2 = table();
    set(&root[0], tdesc(l2));
    set(&l2[1], 0x200000 | c.before);
    op(OpKind::Dirty);
    set(&l2[1], 0x200000 | c.after);
    hw->tlb_inv_range(hw->ctx, 0x200000, kSize2M, kSize2M, 1);
    hw->tlb_sync(hw->ctx);
    smmu->end_op();
    smmu->check_returned_op();
    EXPECT_FALSE(smmu->violation()) << smmu->violation()->message;
  }
}

TEST_F(Fixture, NoViolationWhenUnmapInvalidatesAndSyncs) {
  set(&root[1], 0x80000000 | kLeafRwDirty);
  op(OpKind::Unmap);
  set(&root[1], 0);
  hw->tlb_inv_range(hw->ctx, 0x40000000, kSize1G, kSize1G, 1);
  hw->tlb_sync(hw->ctx);
  smmu->end_op();
  smmu->check_returned_op();
  EXPECT_FALSE(smmu->violation());
}

TEST_F(Fixture, InvalidationIssuedBeforeTheChangeDoesNotCount) {
  set(&root[1], 0x80000000 | kLeafRwDirty);
  op(OpKind::Unmap);
  hw->tlb_inv_range(hw->ctx, 0x40000000, kSize1G, kSize1G, 1);
  set(&root[1], 0);
  hw->tlb_sync(hw->ctx);
  smmu->end_op();
  smmu->check_returned_op();
  ASSERT_TRUE(smmu->violation());
  EXPECT_EQ(smmu->violation()->oracle, Oracle::StaleTranslation);
}

TEST_F(Fixture, FreeingAReachableTableIsUseAfterFree) {
  ptc_pte_t* l2 = table();
  set(&root[0], tdesc(l2));
  hw->free_table(hw->ctx, l2);
  ASSERT_TRUE(smmu->violation());
  EXPECT_EQ(smmu->violation()->oracle, Oracle::TableUseAfterFree);
}

TEST_F(Fixture, FreeingBeforeSyncIsUseAfterFreeAndAfterIsFine) {
  ptc_pte_t* l2 = table();
  set(&root[0], tdesc(l2));
  set(&root[0], 0);
  hw->tlb_inv_range(hw->ctx, 0, kSize1G, kSize4K, 0);
  hw->free_table(hw->ctx, l2);  // not synced yet
  ASSERT_TRUE(smmu->violation());
  EXPECT_EQ(smmu->violation()->oracle, Oracle::TableUseAfterFree);

  make();
  l2 = table();
  set(&root[0], tdesc(l2));
  set(&root[0], 0);
  hw->tlb_inv_range(hw->ctx, 0, kSize1G, kSize4K, 1);  // leaf-only keeps walk-cache entries
  hw->tlb_sync(hw->ctx);
  hw->free_table(hw->ctx, l2);
  ASSERT_TRUE(smmu->violation());

  make();
  l2 = table();
  set(&root[0], tdesc(l2));
  set(&root[0], 0);
  hw->tlb_inv_range(hw->ctx, 0, kSize1G, kSize4K, 0);
  hw->tlb_sync(hw->ctx);
  hw->free_table(hw->ctx, l2);
  EXPECT_FALSE(smmu->violation());
}

TEST_F(Fixture, DoubleFreeAndAccessOutsideTables) {
  ptc_pte_t* t = table();
  hw->free_table(hw->ctx, t);
  EXPECT_FALSE(smmu->violation());
  hw->free_table(hw->ctx, t);
  ASSERT_TRUE(smmu->violation());
  EXPECT_EQ(smmu->violation()->oracle, Oracle::TableUseAfterFree);
  make();
  ptc_pte_t local = 0;
  hw->read(hw->ctx, &local);
  ASSERT_TRUE(smmu->violation());
  EXPECT_EQ(smmu->violation()->oracle, Oracle::TableUseAfterFree);
}

// SPEC 6: a descriptor changed with no ptc_hw access (a plain store) is reported where the harness
// next looks: an access of that descriptor, an op's return, a device action. HTTU's own updates are not.
TEST_F(Fixture, UnseenWriteIsFoundByTheNextAccessOfThatDescriptor) {
  ptc_pte_t* l2 = table();
  root[0] = tdesc(l2);  // plain store
  EXPECT_FALSE(smmu->violation());
  hw->read(hw->ctx, &root[0]);
  ASSERT_TRUE(smmu->violation());
  EXPECT_EQ(smmu->violation()->oracle, Oracle::UnseenWrite);
  EXPECT_NE(smmu->violation()->message.find("L1[0]"), std::string::npos) << smmu->violation()->message;
  EXPECT_NE(smmu->violation()->message.find("the target's read"), std::string::npos) << smmu->violation()->message;
}

TEST_F(Fixture, UnseenWriteIsFoundWhenTheOpReturnsAndBeforeADeviceAction) {
  op(OpKind::Map);
  root[1] = 0x80000000 | kLeafRwDirty;  // plain store of a block during the op
  smmu->end_op();
  ASSERT_TRUE(smmu->violation());
  EXPECT_EQ(smmu->violation()->oracle, Oracle::UnseenWrite);
  EXPECT_NE(smmu->violation()->message.find("during `test op`"), std::string::npos) << smmu->violation()->message;
  make();
  root[2] = 0x80000000 | kLeafRwDirty;
  smmu->device_access(0x80000000, false);
  ASSERT_TRUE(smmu->violation());
  EXPECT_EQ(smmu->violation()->oracle, Oracle::UnseenWrite);
  EXPECT_NE(smmu->violation()->message.find("before a device access"), std::string::npos);
}

TEST_F(Fixture, AnnouncedWritesAndHttuAreNotUnseen) {
  set(&root[1], 0x80000000 | kLeafRwClean);
  op(OpKind::Dirty);
  hw->cmpxchg(hw->ctx, &root[1], 0x80000000 | kLeafRwClean, 0x80000000 | kLeafRwClean);
  hw->fetch_or(hw->ctx, &root[1], 0);
  smmu->end_op();
  EXPECT_FALSE(smmu->device_access(0x40000000, true).fault);  // HTTU: clean -> dirty in memory
  op(OpKind::Dirty);
  EXPECT_EQ(hw->read(hw->ctx, &root[1]), 0x80000000 | kLeafRwDirty);
  hw->xchg(hw->ctx, &root[1], 0);
  smmu->end_op();
  EXPECT_FALSE(smmu->violation()) << smmu->violation()->message;
}

// A cached block is one IOTLB entry: an invalidation of any address it translates removes all of it, also
// when the range starts inside the block (a dirty walk from an unaligned start gathers from there). The
// may-cache ledger once kept the block's part before the range start, and reported a lost dirty write
// through it (found on Linux's io-pgtable-arm through ptcheck's kernel adapter).
TEST_F(Fixture, AnInvalidationInsideABlockDropsTheWholeBlock) {
  set(&root[1], 0x80000000 | kLeafRwDirty);  // 1G block at 1G, writable-dirty
  op(OpKind::Dirty);
  set(&root[1], 0x80000000 | kLeafRwClean);  // cleaned: the dirty entry must go
  hw->tlb_inv_range(hw->ctx, 0x40100000, 0x1000, 0x1000, 1);
  hw->tlb_sync(hw->ctx);
  smmu->end_op();
  smmu->check_returned_op();
  EXPECT_FALSE(smmu->violation()) << smmu->violation()->message;
}

TEST_F(Fixture, ConcreteTlbConflictAtBbml1) {
  set(&root[1], 0x80000000 | kLeafRwDirty);
  ASSERT_FALSE(smmu->device_fill(0x40000000).fault);
  // Replace the block by a table of pages without invalidating: a fill of a page conflicts.
  ptc_pte_t* l2 = table();
  ptc_pte_t* l3 = table();
  for (unsigned i = 0; i < 512; ++i) set(&l3[i], (0x80000000 + i * kSize4K) | kLeafRwDirty | kPage);
  for (unsigned i = 1; i < 512; ++i) set(&l2[i], (0x80000000 + i * kSize2M) | kLeafRwDirty);
  set(&l2[0], tdesc(l3));
  smmu->clear_violation();
  set(&root[1], tdesc(l2));  // the may-cache ledger already sees the conflict
  ASSERT_TRUE(smmu->violation());
  EXPECT_EQ(smmu->violation()->oracle, Oracle::TlbConflict);
}

TEST_F(Fixture, NtBlockAtBbml1IsNeverCachedSoNoConflict) {
  set(&root[1], 0x80000000 | kLeafRwDirty);
  set(&root[1], 0x80000000 | kLeafRwDirty | kNt);
  hw->tlb_inv_range(hw->ctx, 0x40000000, kSize1G, kSize1G, 1);
  hw->tlb_sync(hw->ctx);
  ASSERT_FALSE(smmu->device_access(0x40000000, true).fault);  // translates, not cached
  ptc_pte_t* l2 = table();
  for (unsigned i = 0; i < 512; ++i) set(&l2[i], (0x80000000 + i * kSize2M) | kLeafRwDirty);
  set(&root[1], tdesc(l2));
  EXPECT_FALSE(smmu->violation());
}

TEST_F(Fixture, Bbml2AllowsOldAndNewEntriesTogether) {
  cfg.bbml = 2;
  make();
  set(&root[1], 0x80000000 | kLeafRwDirty);
  ASSERT_FALSE(smmu->device_fill(0x40000000).fault);
  ptc_pte_t* l2 = table();
  for (unsigned i = 0; i < 512; ++i) set(&l2[i], (0x80000000 + i * kSize2M) | kLeafRwDirty);
  set(&root[1], tdesc(l2));
  ASSERT_FALSE(smmu->device_fill(0x40000000).fault);
  EXPECT_FALSE(smmu->violation());
}

TEST_F(Fixture, InvalidatingALeafDuringSplitFaults) {
  set(&root[1], 0x80000000 | kLeafRwDirty);
  op(OpKind::Split);
  set(&root[1], 0);
  ASSERT_TRUE(smmu->violation());
  EXPECT_EQ(smmu->violation()->oracle, Oracle::FaultDuringSplit);
}

TEST_F(Fixture, AllocationFailureAndLeaks) {
  op(OpKind::Map);
  smmu->fail_allocation(2);
  EXPECT_NE(hw->alloc_table(hw->ctx, 4096), nullptr);
  EXPECT_EQ(hw->alloc_table(hw->ctx, 4096), nullptr);
  EXPECT_TRUE(smmu->allocation_failed());
  smmu->end_op();
  smmu->detach();
  hw->free_table(hw->ctx, root);
  smmu->check_leaks();  // the first table above was never freed
  ASSERT_TRUE(smmu->violation());
  EXPECT_EQ(smmu->violation()->oracle, Oracle::Leak);
}

TEST_F(Fixture, InjectionHookSeesEveryDescriptorAccess) {
  std::vector<uint64_t> seen;
  op(OpKind::Map);
  smmu->set_access_hook([&](uint64_t n) { seen.push_back(n); });
  hw->read(hw->ctx, &root[0]);
  hw->write(hw->ctx, &root[0], 0);
  hw->cmpxchg(hw->ctx, &root[0], 0, 0);
  hw->xchg(hw->ctx, &root[0], 0);
  hw->fetch_or(hw->ctx, &root[0], 0);
  hw->tlb_sync(hw->ctx);  // not a descriptor access
  smmu->end_op();
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

TEST_F(Fixture, InjectionHookRunsOnlyAtTheCountsItAsksFor) {
  std::vector<uint64_t> seen;
  op(OpKind::Map);
  smmu->set_access_hook([&](uint64_t n) { seen.push_back(n); }, {2, 4, 4});
  for (int i = 0; i < 6; ++i) hw->read(hw->ctx, &root[0]);
  smmu->end_op();
  EXPECT_EQ(seen, (std::vector<uint64_t>{2, 4}));
}

TEST(SmmuRoot, RootSizeFollowsIas) {
  Config c;
  c.ias = 32;
  Smmu s(c);
  EXPECT_EQ(s.start_level(), 1);
  auto* root = static_cast<ptc_pte_t*>(s.hw()->alloc_table(s.hw()->ctx, 32));  // 4 entries
  s.attach(root);
  s.hw()->write(s.hw()->ctx, &root[3], 0xc0000000 | kLeafRwDirty);
  EXPECT_EQ(s.device_access(0xc0000010, false).pa, 0xc0000010u);
  EXPECT_TRUE(s.device_access(0x100000000, false).fault);  // beyond ias
  EXPECT_FALSE(s.violation());
}

}  // namespace
}  // namespace ptc
