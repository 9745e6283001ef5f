/* ptcheck kernel include tree: the io-pgtable interface, both generations at once so that either
 * file's designated initializers compile: v5.10 (ops map/unmap, IO_PGTABLE_QUIRK_NON_STRICT, flush
 * ops with tlb_flush_leaf), v6.x (map_pages/unmap_pages/read_and_clear_dirty/pgtable_walk, the cfg's
 * alloc/free hooks and caps), and the ops of the 2021 dirty-log series (split_block, merge_page,
 * sync_dirty_log, clear_dirty_log). Quirk values are ptcheck's own (the kernel reused bits across
 * generations); code names them, never their numbers.
 *
 * A patched tree's own include/linux/io-pgtable.h may come first on the include path instead: it
 * includes <linux/bitops.h> and <linux/iommu.h>, which come from this tree. */
#ifndef __IO_PGTABLE_H
#define __IO_PGTABLE_H

/* This header, not a kernel's: the adapter (kernel/adapter) then calls the members the file filled. */
#define PTC_IO_PGTABLE_BOTH_APIS 1

#include <linux/bitops.h>
#include <linux/iommu.h>

enum io_pgtable_fmt {
  ARM_32_LPAE_S1,
  ARM_32_LPAE_S2,
  ARM_64_LPAE_S1,
  ARM_64_LPAE_S2,
  ARM_V7S,
  ARM_MALI_LPAE,
  AMD_IOMMU_V1,
  AMD_IOMMU_V2,
  APPLE_DART,
  APPLE_DART2,
  IO_PGTABLE_NUM_FMTS,
};

/* The TLB maintenance the table asks of its IOMMU driver (the adapter's, here). */
struct iommu_flush_ops {
  void (*tlb_flush_all)(void *cookie);
  void (*tlb_flush_walk)(unsigned long iova, size_t size, size_t granule, void *cookie);
  void (*tlb_flush_leaf)(unsigned long iova, size_t size, size_t granule, void *cookie); /* v5.10 */
  void (*tlb_add_page)(struct iommu_iotlb_gather *gather, unsigned long iova, size_t granule, void *cookie);
};

#define IO_PGTABLE_QUIRK_ARM_NS BIT(0)
#define IO_PGTABLE_QUIRK_NO_PERMS BIT(1)
#define IO_PGTABLE_QUIRK_TLBI_ON_MAP BIT(2)
#define IO_PGTABLE_QUIRK_ARM_MTK_EXT BIT(3)
#define IO_PGTABLE_QUIRK_NON_STRICT BIT(4) /* v5.10: unmap leaves invalidation to a flush queue */
#define IO_PGTABLE_QUIRK_ARM_TTBR1 BIT(5)
#define IO_PGTABLE_QUIRK_ARM_OUTER_WBWA BIT(6)
#define IO_PGTABLE_QUIRK_ARM_HD BIT(7) /* hardware dirty-state management (DBM) */
#define IO_PGTABLE_QUIRK_ARM_S2FWB BIT(8)
#define IO_PGTABLE_QUIRK_NO_WARN BIT(9)
#define IO_PGTABLE_QUIRK_ARM_MTK_TTBR_EXT BIT(10)
#define IO_PGTABLE_QUIRK_ARM_BBML1 BIT(11) /* the 2021 dirty-log series: break-before-make level 1 */
#define IO_PGTABLE_QUIRK_ARM_BBML2 BIT(12)

struct io_pgtable_cfg {
  unsigned long quirks;
  unsigned long pgsize_bitmap;
  unsigned int ias;
  unsigned int oas;
  bool coherent_walk;
  const struct iommu_flush_ops *tlb;
  struct device *iommu_dev;
  /* v6.12+: a driver's own table allocator (used when the format's caps allow it). */
  void *(*alloc)(void *cookie, size_t size, gfp_t gfp);
  void (*free)(void *cookie, void *pages, size_t size);

  union {
    struct {
      u64 ttbr;
      struct {
        u32 ips : 3;
        u32 tg : 2;
        u32 sh : 2;
        u32 orgn : 2;
        u32 irgn : 2;
        u32 tsz : 6;
      } tcr;
      u64 mair;
    } arm_lpae_s1_cfg;

    struct {
      u64 vttbr;
      struct {
        u32 ps : 3;
        u32 tg : 2;
        u32 sh : 2;
        u32 orgn : 2;
        u32 irgn : 2;
        u32 sl : 2;
        u32 tsz : 6;
      } vtcr;
    } arm_lpae_s2_cfg;

    struct {
      u32 ttbr;
      u32 tcr;
      u32 nmrr;
      u32 prrr;
    } arm_v7s_cfg;

    struct {
      u64 transtab;
      u64 memattr;
    } arm_mali_lpae_cfg;

    struct {
      u64 ttbr[4];
      u32 n_ttbrs;
    } apple_dart_cfg;

    struct {
      bool enable_ppr;
    } amd;
  };
};

/* v6.13+: what pgtable_walk fills, one descriptor per level. */
struct arm_lpae_io_pgtable_walk_data {
  u64 ptes[4];
};

struct iommu_dirty_bitmap;

struct io_pgtable_ops {
  /* v5.10 */
  int (*map)(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr, size_t size, int prot, gfp_t gfp);
  size_t (*unmap)(struct io_pgtable_ops *ops, unsigned long iova, size_t size, struct iommu_iotlb_gather *gather);
  /* v5.15+ */
  int (*map_pages)(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr, size_t pgsize,
                   size_t pgcount, int prot, gfp_t gfp, size_t *mapped);
  size_t (*unmap_pages)(struct io_pgtable_ops *ops, unsigned long iova, size_t pgsize, size_t pgcount,
                        struct iommu_iotlb_gather *gather);
  phys_addr_t (*iova_to_phys)(struct io_pgtable_ops *ops, unsigned long iova);
  int (*pgtable_walk)(struct io_pgtable_ops *ops, unsigned long iova, void *wd);
  int (*read_and_clear_dirty)(struct io_pgtable_ops *ops, unsigned long iova, size_t size, unsigned long flags,
                              struct iommu_dirty_bitmap *dirty);
  /* The 2021 "iommu: Enhance IOMMU dirty log tracking" series (v5.10-based trees that carry it). */
  size_t (*split_block)(struct io_pgtable_ops *ops, unsigned long iova, size_t size);
  size_t (*merge_page)(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t phys, size_t size, int prot);
  int (*sync_dirty_log)(struct io_pgtable_ops *ops, unsigned long iova, size_t size, unsigned long *bitmap,
                        unsigned long base_iova, unsigned long bitmap_pgshift);
  int (*clear_dirty_log)(struct io_pgtable_ops *ops, unsigned long iova, size_t size, unsigned long *bitmap,
                         unsigned long base_iova, unsigned long bitmap_pgshift);
};

struct io_pgtable {
  enum io_pgtable_fmt fmt;
  void *cookie;
  struct io_pgtable_cfg cfg;
  struct io_pgtable_ops ops;
};

#define io_pgtable_ops_to_pgtable(x) container_of((x), struct io_pgtable, ops)

enum io_pgtable_caps {
  IO_PGTABLE_CAP_CUSTOM_ALLOCATOR = BIT(0),
};

struct io_pgtable_init_fns {
  struct io_pgtable *(*alloc)(struct io_pgtable_cfg *cfg, void *cookie);
  void (*free)(struct io_pgtable *iop);
  int (*configure)(struct io_pgtable_cfg *cfg, size_t *pgtbl_size);
  u32 caps;
};

/* Defined by the format files; declared for the callers. */
extern struct io_pgtable_init_fns io_pgtable_arm_32_lpae_s1_init_fns;
extern struct io_pgtable_init_fns io_pgtable_arm_32_lpae_s2_init_fns;
extern struct io_pgtable_init_fns io_pgtable_arm_64_lpae_s1_init_fns;
extern struct io_pgtable_init_fns io_pgtable_arm_64_lpae_s2_init_fns;
extern struct io_pgtable_init_fns io_pgtable_arm_v7s_init_fns;
extern struct io_pgtable_init_fns io_pgtable_arm_mali_lpae_init_fns;
extern struct io_pgtable_init_fns io_pgtable_amd_iommu_v1_init_fns;
extern struct io_pgtable_init_fns io_pgtable_amd_iommu_v2_init_fns;
extern struct io_pgtable_init_fns io_pgtable_apple_dart_init_fns;

/* drivers/iommu/io-pgtable.c's; only the selftests of format files call them. */
struct io_pgtable_ops *alloc_io_pgtable_ops(enum io_pgtable_fmt fmt, struct io_pgtable_cfg *cfg, void *cookie);
void free_io_pgtable_ops(struct io_pgtable_ops *ops);

static inline void io_pgtable_tlb_flush_all(struct io_pgtable *iop) {
  if (iop->cfg.tlb && iop->cfg.tlb->tlb_flush_all) iop->cfg.tlb->tlb_flush_all(iop->cookie);
}

static inline void io_pgtable_tlb_flush_walk(struct io_pgtable *iop, unsigned long iova, size_t size,
                                             size_t granule) {
  if (iop->cfg.tlb && iop->cfg.tlb->tlb_flush_walk) iop->cfg.tlb->tlb_flush_walk(iova, size, granule, iop->cookie);
}

static inline void io_pgtable_tlb_flush_leaf(struct io_pgtable *iop, unsigned long iova, size_t size,
                                             size_t granule) {
  if (iop->cfg.tlb && iop->cfg.tlb->tlb_flush_leaf) iop->cfg.tlb->tlb_flush_leaf(iova, size, granule, iop->cookie);
}

static inline void io_pgtable_tlb_add_page(struct io_pgtable *iop, struct iommu_iotlb_gather *gather,
                                           unsigned long iova, size_t granule) {
  if (iop->cfg.tlb && iop->cfg.tlb->tlb_add_page) iop->cfg.tlb->tlb_add_page(gather, iova, granule, iop->cookie);
}

#endif
