/* ptcheck/kernel_shim.h: Linux kernel primitives for io-pgtable-style C code, mapped onto ptc_hw.
 *
 * Copy io-pgtable-style code (drivers/iommu/io-pgtable-arm.c and the like) into a ptcheck target
 * unchanged in its descriptor handling: the kernel primitives it uses resolve here to the ptc_hw
 * services of ptcheck/target.h (SPEC section 6), so every descriptor access is one the simulated
 * SMMU sees and may act between. docs/kernel_shim.md has the same table with examples.
 *
 * Which ptc_hw: kernel code passes no context to READ_ONCE or cmpxchg64, so the shim keeps the
 * instance's `const struct ptc_hw *` in a thread-local "current" pointer. Each ptc_target_ops
 * entry point of the glue sets it for the duration of the call:
 *
 *     static int my_map(struct ptc_target *t, ...) {
 *       PTC_KSHIM_ENTER(t->hw);          // saves the caller's current hw, sets ours
 *       int ret = t->ops->map_pages(...);
 *       PTC_KSHIM_LEAVE();               // restores it
 *       return ret;
 *     }
 *
 * ENTER/LEAVE nest (the harness may run a whole operation on a disjoint range inside one of our
 * descriptor accesses, as another CPU would) and are per thread (operations on disjoint ranges run
 * on several threads at once). ENTER declares a local, so use it once per block. A primitive used
 * outside ENTER/LEAVE aborts with a message.
 *
 * What each primitive means here (x: a descriptor lvalue, ptr: a pointer to a descriptor; a
 * descriptor is a 64-bit ptc_pte_t / u64 inside a table from alloc_table):
 *
 *   kernel primitive                        ptc_hw service           notes
 *   READ_ONCE(x)                            read                     descriptors only (type-checked)
 *   WRITE_ONCE(x, v)                        write
 *   cmpxchg64(ptr, old, new)                cmpxchg                  returns the previous value
 *   cmpxchg64_relaxed, cmpxchg_relaxed,     cmpxchg                  every ptc_hw access is fully
 *     cmpxchg (64-bit operands)                                       ordered: relaxed == full here
 *   try_cmpxchg64(ptr, &old, new)           cmpxchg                  true on success; else *old = seen
 *   xchg(ptr, v), xchg_relaxed              xchg                     returns the previous value
 *   set_bit(nr, addr)                       fetch_or(1 << nr)        io-pgtable-arm's dirty cleaning
 *   test_and_set_bit(nr, addr)              fetch_or(1 << nr)        returns the old bit
 *   atomic64_fetch_or(i, ptr)               fetch_or                 ptr is a descriptor (u64 *), not
 *                                                                     an atomic64_t: see below
 *   clear_bit(nr, addr)                     cmpxchg loop             ptc_hw has no fetch_and; one read
 *                                                                     plus one cmpxchg per attempt
 *   dma_wmb, wmb, mb, rmb, smp_mb,          (compiler barrier)       every ptc_hw access is already
 *     smp_wmb, smp_rmb, dma_rmb                                       visible to the device, in program
 *                                                                     order; they only stop the compiler
 *   __arm_lpae_alloc_pages(size, gfp, cfg)  alloc_table              zeroed, size-aligned; NULL: -ENOMEM
 *   __arm_lpae_free_pages(pages, size, cfg) free_table               only once the device cannot walk it
 *   __arm_lpae_sync_pte(ptep, num, cfg)     (nothing)                tables are coherent (no cache clean)
 *   virt_to_phys(p), __pa(p)                identity                 table descriptors hold the address
 *   phys_to_virt(pa), __va(pa)              identity                 alloc_table returned (SPEC section 6)
 *   io_pgtable_tlb_flush_walk(iop, iova,    tlb_inv_range(leaf_only  non-leaf: also drops walk-cache
 *     size, granule)                          = 0) + tlb_sync         entries; synchronous, as in Linux
 *   io_pgtable_tlb_add_page(iop, gather,    tlb_inv_range(leaf_only  queued until iommu_iotlb_sync /
 *     iova, granule)                          = 1), size = granule    io_pgtable_tlb_sync
 *   iommu_iotlb_gather_add_range(gather,    (gathered)               widens the gather's range
 *     iova, size)
 *   iommu_iotlb_sync(domain, gather)        tlb_inv_range(leaf_only  the gathered range (if any), then
 *                                             = 1) + tlb_sync         the sync; empties the gather
 *   io_pgtable_tlb_sync(iop)                tlb_sync                 (no kernel twin: SMMU CMD_SYNC)
 *   io_pgtable_tlb_flush_all(iop)           tlb_inv_all + tlb_sync
 *   iommu_dirty_bitmap_record(dirty, iova,  ptc_dirty.record         struct iommu_dirty_bitmap wraps the
 *     length), IOMMU_DIRTY_NO_CLEAR           PTC_DIRTY_NO_CLEAR       harness's ptc_dirty
 *   kzalloc(size, gfp), kfree(p)            calloc, free             instance memory, not tables
 *   u8 u16 u32 u64 s32 s64 phys_addr_t gfp_t, bool, BIT, BIT_ULL, GENMASK, GENMASK_ULL, ALIGN, ALIGN_DOWN, IS_ALIGNED,
 *   min, max, min_t, max_t, ARRAY_SIZE, SZ_4K SZ_2M SZ_1G, likely, unlikely, WARN_ON, WARN_ON_ONCE,
 *   GFP_KERNEL, GFP_ATOMIC, ENOMEM EINVAL EEXIST ENOENT EOPNOTSUPP (from <errno.h>; return -ENOMEM)
 *
 * Not covered (use the ptc_hw accessors' meaning to add your own): atomic64_t and its full API,
 * fetch_and/andnot, cmpxchg128, spinlocks (ptcheck targets are lock-free on descriptors; a lock
 * around a whole operation is the target's own business), DMA API (dma_map_single: tables are
 * coherent), the io_pgtable_cfg quirks beyond what ptc_cfg expresses.
 *
 * Descriptor accessors take exactly a 64-bit descriptor; other types do not compile (READ_ONCE of
 * a plain shared int is not a descriptor access and has no place in the harness's trace).
 */
#ifndef PTCHECK_KERNEL_SHIM_H
#define PTCHECK_KERNEL_SHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ptcheck/target.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Which ptc_hw (see above) ---------------------------------------------------------------- */

#ifdef __cplusplus
#define PTC_KSHIM_THREAD_LOCAL thread_local
#else
#define PTC_KSHIM_THREAD_LOCAL _Thread_local
#endif

/* One per thread, shared by every file of the target that includes the shim (a weak definition
 * the linker merges), and hidden, so two target libraries in one process keep their own. */
__attribute__((weak, visibility("hidden"))) PTC_KSHIM_THREAD_LOCAL const struct ptc_hw *ptc_kshim_current_hw;

#define PTC_KSHIM_ENTER(hw)                                                   \
  const struct ptc_hw *const ptc_kshim_saved_hw_ = ptc_kshim_current_hw;      \
  ptc_kshim_current_hw = (hw)
#define PTC_KSHIM_LEAVE() (ptc_kshim_current_hw = ptc_kshim_saved_hw_)

static inline const struct ptc_hw *ptc_kshim_hw(void) {
  const struct ptc_hw *hw = ptc_kshim_current_hw;
  if (!hw) {
    fputs("ptcheck/kernel_shim.h: a kernel primitive was used outside PTC_KSHIM_ENTER/LEAVE\n", stderr);
    abort();
  }
  return hw;
}

/* ---- Types, bit and size helpers ------------------------------------------------------------ */

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
typedef uint64_t phys_addr_t;
typedef unsigned int gfp_t;

#define GFP_KERNEL 0u
#define GFP_ATOMIC 0u

#define BIT(nr) (UINT64_C(1) << (nr))
#define BIT_ULL(nr) (UINT64_C(1) << (nr))
#define GENMASK_ULL(h, l) ((~UINT64_C(0) >> (63 - (h))) & (~UINT64_C(0) << (l)))
#define GENMASK(h, l) GENMASK_ULL(h, l)
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a)-1))
#define ALIGN(x, a) ALIGN_DOWN((x) + ((u64)(a)-1), (a))
#define IS_ALIGNED(x, a) (((x) & ((u64)(a)-1)) == 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Evaluate each argument once, as the kernel's do. */
#define min_t(type, a, b) ({ type ptc_min_a_ = (a), ptc_min_b_ = (b); ptc_min_a_ < ptc_min_b_ ? ptc_min_a_ : ptc_min_b_; })
#define max_t(type, a, b) ({ type ptc_max_a_ = (a), ptc_max_b_ = (b); ptc_max_a_ > ptc_max_b_ ? ptc_max_a_ : ptc_max_b_; })
#define min(a, b) ({ __typeof__(a) ptc_min_x_ = (a); __typeof__(b) ptc_min_y_ = (b); ptc_min_x_ < ptc_min_y_ ? ptc_min_x_ : ptc_min_y_; })
#define max(a, b) ({ __typeof__(a) ptc_max_x_ = (a); __typeof__(b) ptc_max_y_ = (b); ptc_max_x_ > ptc_max_y_ ? ptc_max_x_ : ptc_max_y_; })
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
/* A broken internal assumption is reported (the harness then sees the consequences), not fatal. */
#define WARN_ON(cond) ({ int ptc_warn_ = !!(cond); if (unlikely(ptc_warn_)) fprintf(stderr, "WARNING: %s:%d: %s\n", __FILE__, __LINE__, #cond); ptc_warn_; })
#define WARN_ON_ONCE(cond) WARN_ON(cond)

#define SZ_4K 0x00001000u
#define SZ_2M 0x00200000u
#define SZ_1G 0x40000000u

/* ---- Descriptor accesses -------------------------------------------------------------------- */

static inline ptc_pte_t ptc_kshim_read(ptc_pte_t *p) { const struct ptc_hw *hw = ptc_kshim_hw(); return hw->read(hw->ctx, p); }
static inline void ptc_kshim_write(ptc_pte_t *p, ptc_pte_t v) { const struct ptc_hw *hw = ptc_kshim_hw(); hw->write(hw->ctx, p, v); }
static inline ptc_pte_t ptc_kshim_cmpxchg(ptc_pte_t *p, ptc_pte_t old, ptc_pte_t v) {
  const struct ptc_hw *hw = ptc_kshim_hw();
  return hw->cmpxchg(hw->ctx, p, old, v);
}
static inline ptc_pte_t ptc_kshim_xchg(ptc_pte_t *p, ptc_pte_t v) { const struct ptc_hw *hw = ptc_kshim_hw(); return hw->xchg(hw->ctx, p, v); }
static inline ptc_pte_t ptc_kshim_fetch_or(ptc_pte_t *p, ptc_pte_t bits) {
  const struct ptc_hw *hw = ptc_kshim_hw();
  return hw->fetch_or(hw->ctx, p, bits);
}
static inline bool ptc_kshim_try_cmpxchg(ptc_pte_t *p, ptc_pte_t *old, ptc_pte_t v) {
  const ptc_pte_t seen = ptc_kshim_cmpxchg(p, *old, v);
  if (seen == *old) return true;
  *old = seen;
  return false;
}
static inline void ptc_kshim_clear_bits(ptc_pte_t *p, ptc_pte_t bits) {
  ptc_pte_t cur = ptc_kshim_read(p);
  while (!ptc_kshim_try_cmpxchg(p, &cur, cur & ~bits)) {
  }
}

#define READ_ONCE(x) ptc_kshim_read(&(x))
#define WRITE_ONCE(x, v) ptc_kshim_write(&(x), (v))
#define cmpxchg64(ptr, old, new) ptc_kshim_cmpxchg((ptr), (old), (new))
#define cmpxchg64_relaxed(ptr, old, new) ptc_kshim_cmpxchg((ptr), (old), (new))
#define cmpxchg(ptr, old, new) ptc_kshim_cmpxchg((ptr), (old), (new))
#define cmpxchg_relaxed(ptr, old, new) ptc_kshim_cmpxchg((ptr), (old), (new))
#define try_cmpxchg64(ptr, oldp, new) ptc_kshim_try_cmpxchg((ptr), (oldp), (new))
#define xchg(ptr, v) ptc_kshim_xchg((ptr), (v))
#define xchg_relaxed(ptr, v) ptc_kshim_xchg((ptr), (v))
#define atomic64_fetch_or(i, ptr) ptc_kshim_fetch_or((ptr), (i))
/* The kernel's bitops take `unsigned long *`; io-pgtable-arm passes `(unsigned long *)ptep`. */
#define set_bit(nr, addr) ((void)ptc_kshim_fetch_or((ptc_pte_t *)(addr), BIT(nr)))
#define test_and_set_bit(nr, addr) ((ptc_kshim_fetch_or((ptc_pte_t *)(addr), BIT(nr)) & BIT(nr)) != 0)
#define clear_bit(nr, addr) ptc_kshim_clear_bits((ptc_pte_t *)(addr), BIT(nr))

/* Barriers: ptc_hw accesses are observed by the device in program order, so only the compiler
 * must not move descriptor accesses across them (the accessors are calls anyway). */
#define ptc_kshim_barrier() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define mb() ptc_kshim_barrier()
#define rmb() ptc_kshim_barrier()
#define wmb() ptc_kshim_barrier()
#define dma_wmb() ptc_kshim_barrier()
#define dma_rmb() ptc_kshim_barrier()
#define smp_mb() ptc_kshim_barrier()
#define smp_rmb() ptc_kshim_barrier()
#define smp_wmb() ptc_kshim_barrier()

/* ---- Table memory --------------------------------------------------------------------------- */

/* cfg is the caller's io_pgtable_cfg (unused: the harness decides placement). */
static inline void *ptc_kshim_alloc_table(size_t size) { const struct ptc_hw *hw = ptc_kshim_hw(); return hw->alloc_table(hw->ctx, size); }
static inline void ptc_kshim_free_table(void *pages) { const struct ptc_hw *hw = ptc_kshim_hw(); hw->free_table(hw->ctx, pages); }
#define __arm_lpae_alloc_pages(size, gfp, cfg) ((void)(gfp), (void)(cfg), ptc_kshim_alloc_table(size))
#define __arm_lpae_free_pages(pages, size, cfg) ((void)(size), (void)(cfg), ptc_kshim_free_table(pages))
#define __arm_lpae_sync_pte(ptep, num, cfg) ((void)(ptep), (void)(num), (void)(cfg))
#define virt_to_phys(p) ((u64)(uintptr_t)(p))
#define __pa(p) virt_to_phys(p)
#define phys_to_virt(pa) ((void *)(uintptr_t)(pa))
#define __va(pa) phys_to_virt(pa)
#define kzalloc(size, gfp) ((void)(gfp), calloc(1, (size)))
#define kfree(p) free(p)

/* ---- TLB maintenance ------------------------------------------------------------------------ */

/* The range a sequence of leaf unmaps gathered (Linux's struct iommu_iotlb_gather, reduced to what
 * iommu_iotlb_sync needs). Initialise with iommu_iotlb_gather_init. */
struct iommu_iotlb_gather {
  u64 start, end; /* [start, end] inclusive; start > end: empty */
  u64 pgsize;
};

static inline void iommu_iotlb_gather_init(struct iommu_iotlb_gather *g) {
  g->start = UINT64_MAX;
  g->end = 0;
  g->pgsize = 0;
}

static inline void iommu_iotlb_gather_add_range(struct iommu_iotlb_gather *g, u64 iova, u64 size) {
  if (iova < g->start) g->start = iova;
  if (iova + size - 1 > g->end) g->end = iova + size - 1;
  if (!g->pgsize) g->pgsize = SZ_4K;
}

static inline void ptc_kshim_tlb_inv_range(u64 iova, u64 size, u64 granule, int leaf_only) {
  const struct ptc_hw *hw = ptc_kshim_hw();
  hw->tlb_inv_range(hw->ctx, iova, size, granule, leaf_only);
}
static inline void ptc_kshim_tlb_sync(void) { const struct ptc_hw *hw = ptc_kshim_hw(); hw->tlb_sync(hw->ctx); }
static inline void ptc_kshim_tlb_inv_all(void) { const struct ptc_hw *hw = ptc_kshim_hw(); hw->tlb_inv_all(hw->ctx); }

static inline void ptc_kshim_iotlb_sync(struct iommu_iotlb_gather *g) {
  if (g->start <= g->end) ptc_kshim_tlb_inv_range(g->start, g->end - g->start + 1, g->pgsize, 1);
  ptc_kshim_tlb_sync();
  iommu_iotlb_gather_init(g);
}

#define io_pgtable_tlb_flush_walk(iop, iova, size, granule) \
  ((void)(iop), ptc_kshim_tlb_inv_range((iova), (size), (granule), 0), ptc_kshim_tlb_sync())
#define io_pgtable_tlb_add_page(iop, gather, iova, granule) \
  ((void)(iop), (void)(gather), ptc_kshim_tlb_inv_range((iova), (granule), (granule), 1))
#define io_pgtable_tlb_sync(iop) ((void)(iop), ptc_kshim_tlb_sync())
#define io_pgtable_tlb_flush_all(iop) ((void)(iop), ptc_kshim_tlb_inv_all(), ptc_kshim_tlb_sync())
#define iommu_iotlb_sync(domain, gather) ((void)(domain), ptc_kshim_iotlb_sync(gather))

/* ---- Dirty bitmap --------------------------------------------------------------------------- */

/* Linux's iommu_dirty_bitmap (an iova_bitmap plus a gather) is, to a target, where to record: the
 * harness's ptc_dirty. */
struct iommu_dirty_bitmap {
  const struct ptc_dirty *ptc;
};

#define IOMMU_DIRTY_NO_CLEAR PTC_DIRTY_NO_CLEAR

static inline void iommu_dirty_bitmap_record(struct iommu_dirty_bitmap *dirty, u64 iova, u64 length) {
  dirty->ptc->record(dirty->ptc->ctx, iova, length);
}

#ifdef __cplusplus
}
#endif

#endif /* PTCHECK_KERNEL_SHIM_H */
