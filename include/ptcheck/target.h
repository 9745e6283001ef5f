/* ptcheck target ABI (SPEC.md section 6).
 *
 * A page table under test is plugged into ptcheck through this C ABI, modelled on Linux's
 * io_pgtable_ops and iommu_flush_ops so that kernel-style C code plugs in through a thin shim.
 * The harness gives the target a `struct ptc_hw` of services (memory for tables, descriptor
 * accessors, TLB maintenance); the target gives the harness a `struct ptc_target_ops`.
 *
 * Rules every target follows:
 *  - It touches no memory for tables that it did not get from ptc_hw.alloc_table.
 *  - It reads or writes a descriptor only through the five ptc_hw accessors (read, write, cmpxchg,
 *    xchg, fetch_or). The simulated SMMU may act between any two of these accesses.
 *  - Table descriptors hold the table's address exactly as alloc_table returned it (an identity
 *    "physical" mapping, as __pa in a kernel shim). Leaf output addresses are plain numbers.
 *  - Errors are negative errno values: -EINVAL, -EEXIST, -ENOMEM, -EOPNOTSUPP.
 *  - Every operation is all-or-nothing: on error the observable state is exactly as before.
 *  - Concurrency (as Linux's io-pgtable): operations on disjoint ranges may run at once on
 *    different threads; read_and_clear_dirty and flush may run beside any of them; the device runs
 *    beside everything. The caller never runs two operations on overlapping ranges at once.
 */
#ifndef PTCHECK_TARGET_H
#define PTCHECK_TARGET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this ABI; a target sets ptc_target_ops.abi to it. A library whose abi differs is refused. */
#define PTC_TARGET_ABI 1

/* One VMSAv8-64 stage-1 long descriptor (SPEC section 2). */
typedef uint64_t ptc_pte_t;

/* map() permissions. READ is mandatory; WRITE makes the mapping writable. */
enum { PTC_PROT_READ = 1, PTC_PROT_WRITE = 2 };

/* read_and_clear_dirty() flags. NO_CLEAR: record dirty leaves but leave them dirty. */
enum { PTC_DIRTY_NO_CLEAR = 1 };

/* ptc_cfg.flags. HW_DIRTY: HTTU dirty-state management is on (writable leaves carry DBM).
 * LAZY: unmap may defer IOTLB invalidation to flush() (non-strict mode); without it unmap is strict. */
enum { PTC_CFG_HW_DIRTY = 1, PTC_CFG_LAZY = 2 };

/* The configuration a target instance is created for (SPEC section 1). */
struct ptc_cfg {
  unsigned ias;            /* input (IOVA) address bits: 32, 36, 39, 42 or 48 */
  unsigned oas;            /* output address bits: 32..48 */
  uint64_t pgsize_bitmap;  /* leaf sizes allowed: 1<<12 always, optionally 1<<21 and/or 1<<30 */
  unsigned bbml;           /* break-before-make level offered by the hardware: 0, 1 or 2 */
  unsigned flags;          /* PTC_CFG_HW_DIRTY | PTC_CFG_LAZY */
};

/* Services the harness provides. Every function receives `ctx` as its first argument. */
struct ptc_hw {
  void *ctx; /* opaque harness state, passed back to every service */
  /* A zeroed table of `bytes` bytes, aligned to `bytes`; NULL means out of memory (-ENOMEM). */
  void *(*alloc_table)(void *ctx, size_t bytes);
  /* Returns a table to the harness. Only after the device can no longer walk it: unreachable from
   * root() and its walk-cache entries invalidated and synced. */
  void (*free_table)(void *ctx, void *table);
  /* Descriptor accessors: every access to a descriptor goes through these five; each is atomic and
   * each is one "descriptor access" for the `@N` injection points of scripts. */
  ptc_pte_t (*read)(void *ctx, ptc_pte_t *ptep);                  /* atomic load */
  void (*write)(void *ctx, ptc_pte_t *ptep, ptc_pte_t val);        /* atomic store */
  /* Atomic compare-and-swap; returns the previous value (== old on success). */
  ptc_pte_t (*cmpxchg)(void *ctx, ptc_pte_t *ptep, ptc_pte_t old, ptc_pte_t val);
  ptc_pte_t (*xchg)(void *ctx, ptc_pte_t *ptep, ptc_pte_t val);    /* atomic exchange; previous value */
  ptc_pte_t (*fetch_or)(void *ctx, ptc_pte_t *ptep, ptc_pte_t bits); /* atomic OR; previous value */
  /* Queue an invalidation of the IOTLB entries for [iova, iova+size) (granule: the leaf size the
   * caller expects there, a hint). leaf_only != 0 keeps walk-cache (table) entries; 0 drops them too.
   * Takes effect at the next tlb_sync. */
  void (*tlb_inv_range)(void *ctx, uint64_t iova, uint64_t size, uint64_t granule, int leaf_only);
  /* Queue an invalidation of every IOTLB and walk-cache entry; takes effect at the next tlb_sync. */
  void (*tlb_inv_all)(void *ctx);
  /* Waits until every queued invalidation has taken effect. */
  void (*tlb_sync)(void *ctx);
};

/* The bitmap a dirty operation records into (Linux's iova_bitmap behind it). */
struct ptc_dirty {
  void *ctx;
  /* Marks [iova, iova+length) dirty. A target calls it for the part of each dirty leaf it reports. */
  void (*record)(void *ctx, uint64_t iova, uint64_t length);
};

/* A target's own instance, opaque to the harness. */
struct ptc_target;

/* What a target provides. Semantics of each operation: SPEC.md section 3. */
struct ptc_target_ops {
  unsigned abi;     /* PTC_TARGET_ABI */
  const char *name; /* short name for reports */
  /* A new, empty table for `cfg` using `hw` for all memory and descriptor access; NULL refuses the
   * configuration. `cfg` and `hw` stay valid until destroy. */
  struct ptc_target *(*create)(const struct ptc_cfg *cfg, const struct ptc_hw *hw);
  /* Frees every table (through hw->free_table) and the instance. */
  void (*destroy)(struct ptc_target *t);
  /* The top-level table the device walks: as many entries as the Arm rules give for ias. */
  ptc_pte_t *(*root)(struct ptc_target *t);
  /* Maps [iova, iova+size) to [paddr, paddr+size): 0 | -EINVAL | -EEXIST | -ENOMEM. */
  int (*map)(struct ptc_target *t, uint64_t iova, uint64_t paddr, uint64_t size, unsigned prot);
  /* Removes every leaf inside the range; bytes unmapped | -EINVAL. */
  int64_t (*unmap)(struct ptc_target *t, uint64_t iova, uint64_t size);
  /* Drains the lazy flush queue (no-op when strict); 0. */
  int (*flush)(struct ptc_target *t);
  /* Splits every block in the range into 4K pages: 0 | -EOPNOTSUPP | -EINVAL | -ENOMEM. */
  int (*split)(struct ptc_target *t, uint64_t iova, uint64_t size);
  /* Merges mergeable aligned regions in the range into blocks: 0 | -EOPNOTSUPP | -EINVAL. */
  int (*merge)(struct ptc_target *t, uint64_t iova, uint64_t size);
  /* Records writable-dirty leaves intersecting the range; cleans those wholly inside unless
   * PTC_DIRTY_NO_CLEAR: 0 | -EINVAL | -EOPNOTSUPP. */
  int (*read_and_clear_dirty)(struct ptc_target *t, uint64_t iova, uint64_t size, unsigned flags,
                              const struct ptc_dirty *dirty);
  /* As unmap, and records every removed leaf that was writable-dirty; always invalidates and syncs. */
  int64_t (*unmap_read_dirty)(struct ptc_target *t, uint64_t iova, uint64_t size, const struct ptc_dirty *dirty);
  /* The output address of iova, or 0 when unmapped. */
  uint64_t (*iova_to_phys)(struct ptc_target *t, uint64_t iova);
};

/* A target library exports this one symbol; ptcheck loads it with dlopen (--target lib.so). */
const struct ptc_target_ops *ptc_target(void);

#ifdef __cplusplus
}
#endif

#endif /* PTCHECK_TARGET_H */
