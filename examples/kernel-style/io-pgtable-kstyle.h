/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The io_pgtable interface of the kernel-style example, as include/linux/io-pgtable.h spells it,
 * reduced to what an SMMUv3 stage-1 table with HTTU and BBML split/merge needs. Ranges rather
 * than page counts: the caller (the ptcheck glue, or iommu core in a kernel) asks for one
 * all-or-nothing operation per range.
 */
#ifndef IO_PGTABLE_KSTYLE_H
#define IO_PGTABLE_KSTYLE_H

#include <ptcheck/kernel_shim.h>

#define IOMMU_READ	(1 << 0)
#define IOMMU_WRITE	(1 << 1)

/* io_pgtable_cfg.quirks */
#define IO_PGTABLE_QUIRK_ARM_HD		BIT(0)	/* HTTU dirty-state management */
#define IO_PGTABLE_QUIRK_NON_STRICT	BIT(1)	/* unmap may leave invalidation to flush */

struct io_pgtable_cfg {
	unsigned long	quirks;
	unsigned long	pgsize_bitmap;
	unsigned int	ias;
	unsigned int	oas;
	unsigned int	bbml;		/* SMMU_IDR3.BBML: 0, 1 or 2 */
};

struct io_pgtable_ops {
	int (*map_range)(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr,
			 size_t size, int prot, gfp_t gfp);
	/* Bytes unmapped, or -EINVAL. dirty != NULL: record every removed writable-dirty leaf
	 * (and be strict whatever the quirks say). */
	s64 (*unmap_range)(struct io_pgtable_ops *ops, unsigned long iova, size_t size,
			   struct iommu_dirty_bitmap *dirty);
	int (*flush_lazy)(struct io_pgtable_ops *ops);
	int (*split_blocks)(struct io_pgtable_ops *ops, unsigned long iova, size_t size);
	int (*merge_blocks)(struct io_pgtable_ops *ops, unsigned long iova, size_t size);
	int (*read_and_clear_dirty)(struct io_pgtable_ops *ops, unsigned long iova, size_t size,
				    unsigned long flags, struct iommu_dirty_bitmap *dirty);
	phys_addr_t (*iova_to_phys)(struct io_pgtable_ops *ops, unsigned long iova);
	void *(*pgd)(struct io_pgtable_ops *ops);
};

/* NULL when the configuration is not supported or memory runs out. */
struct io_pgtable_ops *alloc_io_pgtable_ops_kstyle(struct io_pgtable_cfg *cfg);
void free_io_pgtable_ops_kstyle(struct io_pgtable_ops *ops);

#endif /* IO_PGTABLE_KSTYLE_H */
