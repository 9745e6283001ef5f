// The C ABI face of LpaeTable<HwMem, Bugs>: plain C-callable functions wrapping the template
// (SPEC section 6). Used by lpae_target.cpp (the shipped "lpae" target) and lpae_broken.cpp (the
// test-only broken variants).
#pragma once
#include <cstdio>

#include "core/lpae/lpae_bugs.h"
#include "core/lpae/lpae_mem.h"
#include "core/lpae/lpae_table.h"
#include "ptcheck/target.h"

namespace ptc::lpae {

// `ptc_target` names both the opaque instance struct and the exported function, so the struct
// needs its tag here.
using Target = struct ptc_target;

template <unsigned Bugs>
struct LpaeOps {
  using Table = LpaeTable<HwMem, Bugs>;

  static Table* self(Target* t) {
    // kBugWarnEveryOp: a kernel WARN's first line, as Linux prints it, on every call (a table that floods
    // its log must not flood ptcheck's progress lines).
    if constexpr ((Bugs & kBugWarnEveryOp) != 0)
      std::fprintf(stderr, "WARNING: CPU: 0 PID: 4242 at drivers/iommu/io-pgtable-arm.c:%d __arm_lpae_op+0x1c/0x40\n",
                   400 + int(reinterpret_cast<uintptr_t>(t) % 97));
    return reinterpret_cast<Table*>(t);
  }

  static Target* create(const ptc_cfg* cfg, const ptc_hw* hw) {
    if (!cfg || !HwMem::usable(hw)) return nullptr;
    return reinterpret_cast<Target*>(Table::create(*cfg, HwMem{hw}));
  }
  static void destroy(Target* t) { delete self(t); }
  static ptc_pte_t* root(Target* t) { return self(t)->root(); }
  static int map(Target* t, uint64_t iova, uint64_t paddr, uint64_t size, unsigned prot) {
    return self(t)->map(iova, paddr, size, prot);
  }
  static int64_t unmap(Target* t, uint64_t iova, uint64_t size) { return self(t)->unmap(iova, size); }
  static int flush(Target* t) { return self(t)->flush(); }
  static int split(Target* t, uint64_t iova, uint64_t size) { return self(t)->split(iova, size); }
  static int merge(Target* t, uint64_t iova, uint64_t size) { return self(t)->merge(iova, size); }
  static int read_and_clear_dirty(Target* t, uint64_t iova, uint64_t size, unsigned flags,
                                  const ptc_dirty* dirty) {
    return self(t)->read_and_clear_dirty(iova, size, flags, dirty);
  }
  static int64_t unmap_read_dirty(Target* t, uint64_t iova, uint64_t size, const ptc_dirty* dirty) {
    return self(t)->unmap_read_dirty(iova, size, dirty);
  }
  static uint64_t iova_to_phys(Target* t, uint64_t iova) { return self(t)->iova_to_phys(iova); }

  static constexpr ptc_target_ops make(const char* name) {
    return ptc_target_ops{
        .abi = PTC_TARGET_ABI,
        .name = name,
        .create = &create,
        .destroy = &destroy,
        .root = &root,
        .map = &map,
        .unmap = &unmap,
        .flush = &flush,
        .split = &split,
        .merge = &merge,
        .read_and_clear_dirty = &read_and_clear_dirty,
        .unmap_read_dirty = &unmap_read_dirty,
        .iova_to_phys = &iova_to_phys,
    };
  }
};

}  // namespace ptc::lpae
