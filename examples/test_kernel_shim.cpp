// include/ptcheck/kernel_shim.h: each kernel primitive reaches the ptc_hw service docs/kernel_shim.md
// says, with the arguments and result it says, on the hw of the innermost PTC_KSHIM_ENTER.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

// Last: the shim defines min and max as macros, as the kernel does.
#include "ptcheck/kernel_shim.h"

namespace {

// A ptc_hw over plain memory that logs every call as one line.
struct LoggingHw {
  std::vector<std::string> log;
  std::vector<void*> tables;
  ptc_hw hw{};

  static LoggingHw* self(void* ctx) { return static_cast<LoggingHw*>(ctx); }
  static std::string hex(uint64_t v) {
    char b[32];
    std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
    return b;
  }

  LoggingHw() {
    hw.ctx = this;
    hw.alloc_table = [](void* c, size_t bytes) -> void* {
      self(c)->log.push_back("alloc " + std::to_string(bytes));
      void* p = std::aligned_alloc(bytes, bytes);
      std::memset(p, 0, bytes);
      self(c)->tables.push_back(p);
      return p;
    };
    hw.free_table = [](void* c, void* t) { self(c)->log.push_back("free"); std::free(t); };
    hw.read = [](void* c, ptc_pte_t* p) { self(c)->log.push_back("read"); return *p; };
    hw.write = [](void* c, ptc_pte_t* p, ptc_pte_t v) { self(c)->log.push_back("write " + hex(v)); *p = v; };
    hw.cmpxchg = [](void* c, ptc_pte_t* p, ptc_pte_t o, ptc_pte_t v) {
      self(c)->log.push_back("cmpxchg " + hex(o) + " " + hex(v));
      const ptc_pte_t seen = *p;
      if (seen == o) *p = v;
      return seen;
    };
    hw.xchg = [](void* c, ptc_pte_t* p, ptc_pte_t v) {
      self(c)->log.push_back("xchg " + hex(v));
      const ptc_pte_t seen = *p;
      *p = v;
      return seen;
    };
    hw.fetch_or = [](void* c, ptc_pte_t* p, ptc_pte_t bits) {
      self(c)->log.push_back("fetch_or " + hex(bits));
      const ptc_pte_t seen = *p;
      *p |= bits;
      return seen;
    };
    hw.tlb_inv_range = [](void* c, uint64_t iova, uint64_t size, uint64_t granule, int leaf_only) {
      self(c)->log.push_back("inv_range " + hex(iova) + " " + hex(size) + " " + hex(granule) + " leaf=" +
                             std::to_string(leaf_only));
    };
    hw.tlb_inv_all = [](void* c) { self(c)->log.push_back("inv_all"); };
    hw.tlb_sync = [](void* c) { self(c)->log.push_back("sync"); };
  }
};

using Log = std::vector<std::string>;

TEST(KernelShim, DescriptorAccessesGoThroughTheHw) {
  LoggingHw h;
  u64 pte = 0x10;
  PTC_KSHIM_ENTER(&h.hw);
  EXPECT_EQ(READ_ONCE(pte), 0x10u);
  WRITE_ONCE(pte, 0x11);
  EXPECT_EQ(cmpxchg64(&pte, 0x11, 0x12), 0x11u);           // succeeds: returns the old value
  EXPECT_EQ(cmpxchg64_relaxed(&pte, 0x99, 0x13), 0x12u);   // fails: returns what it found
  u64 old = 0x99;
  EXPECT_FALSE(try_cmpxchg64(&pte, &old, 0x14));
  EXPECT_EQ(old, 0x12u);                                   // try_cmpxchg64 updates old on failure
  EXPECT_TRUE(try_cmpxchg64(&pte, &old, 0x14));
  EXPECT_EQ(xchg(&pte, 0x80), 0x14u);
  EXPECT_FALSE(test_and_set_bit(7 + 1, (unsigned long*)&pte));
  EXPECT_TRUE(test_and_set_bit(7, (unsigned long*)&pte));
  set_bit(0, (unsigned long*)&pte);
  EXPECT_EQ(atomic64_fetch_or(0x200, &pte), 0x181u);
  clear_bit(7, (unsigned long*)&pte);
  PTC_KSHIM_LEAVE();
  EXPECT_EQ(pte, 0x301u);
  EXPECT_EQ(h.log, (Log{"read", "write 11", "cmpxchg 11 12", "cmpxchg 99 13", "cmpxchg 99 14", "cmpxchg 12 14",
                        "xchg 80", "fetch_or 100", "fetch_or 80", "fetch_or 1", "fetch_or 200",
                        "read", "cmpxchg 381 301"}));
}

TEST(KernelShim, TlbMaintenanceAndGather) {
  LoggingHw h;
  PTC_KSHIM_ENTER(&h.hw);
  io_pgtable_tlb_flush_walk(nullptr, 0x40000000, SZ_2M, SZ_4K);
  io_pgtable_tlb_add_page(nullptr, nullptr, 0x40200000, SZ_2M);
  io_pgtable_tlb_sync(nullptr);
  struct iommu_iotlb_gather g;
  iommu_iotlb_gather_init(&g);
  iommu_iotlb_sync(nullptr, &g);  // nothing gathered: only the sync
  iommu_iotlb_gather_add_range(&g, 0x5000, 0x1000);
  iommu_iotlb_gather_add_range(&g, 0x2000, 0x1000);
  iommu_iotlb_sync(nullptr, &g);  // [0x2000, 0x6000)
  iommu_iotlb_sync(nullptr, &g);  // emptied by the last sync
  io_pgtable_tlb_flush_all(nullptr);
  PTC_KSHIM_LEAVE();
  EXPECT_EQ(h.log, (Log{"inv_range 40000000 200000 1000 leaf=0", "sync", "inv_range 40200000 200000 200000 leaf=1",
                        "sync", "sync", "inv_range 2000 4000 1000 leaf=1", "sync", "sync", "inv_all", "sync"}));
}

TEST(KernelShim, TablesComeFromTheHwAndAddressesAreIdentity) {
  LoggingHw h;
  PTC_KSHIM_ENTER(&h.hw);
  void* t = __arm_lpae_alloc_pages(4096, GFP_ATOMIC, nullptr);
  EXPECT_EQ(virt_to_phys(t), reinterpret_cast<uintptr_t>(t));
  EXPECT_EQ(__va(__pa(t)), t);
  __arm_lpae_sync_pte(static_cast<u64*>(t), 1, nullptr);  // no access
  __arm_lpae_free_pages(t, 4096, nullptr);
  PTC_KSHIM_LEAVE();
  EXPECT_EQ(h.log, (Log{"alloc 4096", "free"}));
}

TEST(KernelShim, DirtyBitmapRecordsIntoPtcDirty) {
  std::vector<std::pair<uint64_t, uint64_t>> records;
  const ptc_dirty sink{&records, [](void* c, uint64_t iova, uint64_t len) {
                         static_cast<std::vector<std::pair<uint64_t, uint64_t>>*>(c)->push_back({iova, len});
                       }};
  struct iommu_dirty_bitmap bitmap = {&sink};
  iommu_dirty_bitmap_record(&bitmap, 0x40001000, 0x1000);
  EXPECT_EQ(records, (std::vector<std::pair<uint64_t, uint64_t>>{{0x40001000, 0x1000}}));
  EXPECT_EQ(IOMMU_DIRTY_NO_CLEAR, PTC_DIRTY_NO_CLEAR);
}

// The innermost ENTER wins, and LEAVE restores the caller's hw (an operation the harness runs inside
// one of our descriptor accesses, on another instance or the same one).
TEST(KernelShim, EnterAndLeaveNest) {
  LoggingHw outer, inner;
  u64 pte = 0;
  PTC_KSHIM_ENTER(&outer.hw);
  (void)READ_ONCE(pte);
  {
    PTC_KSHIM_ENTER(&inner.hw);
    WRITE_ONCE(pte, 1);
    PTC_KSHIM_LEAVE();
  }
  (void)READ_ONCE(pte);
  PTC_KSHIM_LEAVE();
  EXPECT_EQ(outer.log, (Log{"read", "read"}));
  EXPECT_EQ(inner.log, (Log{"write 1"}));
}

TEST(KernelShimDeathTest, APrimitiveOutsideEnterAborts) {
  u64 pte = 0;
  EXPECT_DEATH((void)READ_ONCE(pte), "a kernel primitive was used outside PTC_KSHIM_ENTER/LEAVE");
}

TEST(KernelShim, BitAndSizeHelpers) {
  EXPECT_EQ(GENMASK_ULL(47, 12), UINT64_C(0x0000FFFFFFFFF000));
  EXPECT_EQ(GENMASK(63, 0), ~UINT64_C(0));
  EXPECT_EQ(BIT_ULL(51), UINT64_C(1) << 51);
  EXPECT_EQ(ALIGN(0x1001u, SZ_4K), 0x2000u);
  EXPECT_EQ(ALIGN_DOWN(0x1fffu, SZ_4K), 0x1000u);
  EXPECT_TRUE(IS_ALIGNED(UINT64_C(0x40000000), SZ_1G));
  EXPECT_FALSE(IS_ALIGNED(UINT64_C(0x40001000), SZ_2M));
  int evaluated = 0;
  EXPECT_EQ(max((++evaluated, 3), 2), 3);  // each argument once, as the kernel's
  EXPECT_EQ(evaluated, 1);
  EXPECT_EQ(min_t(u64, 5, 7), 5u);
  const int a[3] = {};
  EXPECT_EQ(ARRAY_SIZE(a), 3u);
}

}  // namespace
