/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * include/linux/io-pgtable.h as a v5.10 tree has it after the 2021 dirty-log series (HTTU and
 * BBML quirks, split_block / merge_page in io_pgtable_ops), written for ptcheck's v5 example from
 * the kernel's documented interface: the patched header a kernel engineer's tree brings, put
 * before ptcheck's include tree with ptcheck_add_kernel_target(... INCLUDE_DIRS include). What it
 * includes (<linux/bitops.h>, <linux/iommu.h>) comes from ptcheck's tree. Only the stage-1 LPAE
 * parts a table of this example needs are here.
 */
#ifndef __IO_PGTABLE_H
#define __IO_PGTABLE_H

#include <linux/bitops.h>
#include <linux/iommu.h>

/* The formats of v5.10 (32-bit and 64-bit LPAE stage 1 and 2, v7s, Mali; the AMD v1 table). */
enum io_pgtable_fmt { ARM_32_LPAE_S1, ARM_32_LPAE_S2, ARM_64_LPAE_S1, ARM_64_LPAE_S2, ARM_V7S, ARM_MALI_LPAE,
		      AMD_IOMMU_V1, IO_PGTABLE_NUM_FMTS };

/* TLB maintenance the table asks of the IOMMU driver; cookie is alloc_io_pgtable_ops()'s. */
struct iommu_flush_ops {
	void (*tlb_flush_all)(void *cookie);
	void (*tlb_flush_walk)(unsigned long iova, size_t size, size_t granule, void *cookie);
	void (*tlb_flush_leaf)(unsigned long iova, size_t size, size_t granule, void *cookie);
	void (*tlb_add_page)(struct iommu_iotlb_gather *gather, unsigned long iova, size_t granule,
			     void *cookie);
};

struct io_pgtable_cfg {
	#define IO_PGTABLE_QUIRK_ARM_NS		BIT(0)
	#define IO_PGTABLE_QUIRK_NO_PERMS	BIT(1)
	#define IO_PGTABLE_QUIRK_TLBI_ON_MAP	BIT(2)
	#define IO_PGTABLE_QUIRK_ARM_MTK_EXT	BIT(3)
	#define IO_PGTABLE_QUIRK_NON_STRICT	BIT(4)	/* unmap leaves leaf invalidation to a flush */
	#define IO_PGTABLE_QUIRK_ARM_TTBR1	BIT(5)
	/* The dirty-log series */
	#define IO_PGTABLE_QUIRK_ARM_HD		BIT(6)	/* HTTU: the SMMU sets the dirty state */
	#define IO_PGTABLE_QUIRK_ARM_BBML1	BIT(7)	/* break-before-make level 1 (nT) */
	#define IO_PGTABLE_QUIRK_ARM_BBML2	BIT(8)	/* break-before-make level 2 */
	unsigned long			quirks;
	unsigned long			pgsize_bitmap;
	unsigned int			ias;
	unsigned int			oas;
	bool				coherent_walk;
	const struct iommu_flush_ops	*tlb;
	struct device			*iommu_dev;

	union {
		struct {
			u64	ttbr;
			struct {
				u32	ips:3;
				u32	tg:2;
				u32	sh:2;
				u32	orgn:2;
				u32	irgn:2;
				u32	tsz:6;
			}	tcr;
			u64	mair;
		} arm_lpae_s1_cfg;
	};
};

struct io_pgtable_ops {
	int (*map)(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr, size_t size, int prot,
		   gfp_t gfp);
	size_t (*unmap)(struct io_pgtable_ops *ops, unsigned long iova, size_t size,
			struct iommu_iotlb_gather *gather);
	phys_addr_t (*iova_to_phys)(struct io_pgtable_ops *ops, unsigned long iova);
	/* The dirty-log series: bytes handled, size on success */
	size_t (*split_block)(struct io_pgtable_ops *ops, unsigned long iova, size_t size);
	size_t (*merge_page)(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t phys, size_t size,
			     int prot);
};

struct io_pgtable_ops *alloc_io_pgtable_ops(enum io_pgtable_fmt fmt, struct io_pgtable_cfg *cfg, void *cookie);
void free_io_pgtable_ops(struct io_pgtable_ops *ops);

struct io_pgtable {
	enum io_pgtable_fmt	fmt;
	void			*cookie;
	struct io_pgtable_cfg	cfg;
	struct io_pgtable_ops	ops;
};

#define io_pgtable_ops_to_pgtable(x) container_of((x), struct io_pgtable, ops)

static inline void io_pgtable_tlb_flush_all(struct io_pgtable *iop)
{
	iop->cfg.tlb->tlb_flush_all(iop->cookie);
}

static inline void io_pgtable_tlb_flush_walk(struct io_pgtable *iop, unsigned long iova, size_t size,
					     size_t granule)
{
	iop->cfg.tlb->tlb_flush_walk(iova, size, granule, iop->cookie);
}

static inline void io_pgtable_tlb_add_page(struct io_pgtable *iop, struct iommu_iotlb_gather *gather,
					   unsigned long iova, size_t granule)
{
	if (iop->cfg.tlb->tlb_add_page)
		iop->cfg.tlb->tlb_add_page(gather, iova, granule, iop->cookie);
}

struct io_pgtable_init_fns {
	struct io_pgtable *(*alloc)(struct io_pgtable_cfg *cfg, void *cookie);
	void (*free)(struct io_pgtable *iop);
};

extern struct io_pgtable_init_fns io_pgtable_arm_64_lpae_s1_init_fns;

#endif /* __IO_PGTABLE_H */
