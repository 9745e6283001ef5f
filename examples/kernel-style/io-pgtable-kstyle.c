// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * An Arm SMMUv3 stage-1 IO page table (VMSAv8-64 long descriptors, 4K granule) shaped like
 * drivers/iommu/io-pgtable-arm.c of a v6.x kernel, written for ptcheck's examples: the kernel's
 * headers, its own __arm_lpae_alloc_pages() on the iommu-pages allocator, io_pgtable_init_fns
 * with alloc/free, io_pgtable_ops with map_pages / unmap_pages / iova_to_phys /
 * read_and_clear_dirty, and the kernel's kinds of descriptor access: plain stores where the
 * kernel stores plainly (a leaf install, `ptep[i] = pte`; a clear, `ptep[i] = 0`), plain reads
 * where it reads plainly (walks, iova_to_phys, freeing), READ_ONCE / cmpxchg64 / set_bit where it
 * uses those. Nothing in it knows ptcheck: ptcheck_add_kernel_target builds it unchanged against
 * ptcheck's kernel include tree, with the access instrumentation that makes each plain access of
 * a descriptor visible to the simulated SMMU (SPEC section 10).
 *
 * As an out-of-tree series would add, it also has block split and merge under BBML1/BBML2
 * (IO_PGTABLE_QUIRK_ARM_BBML1/2, the quirks of the 2021 dirty-log series) and unmap with dirty
 * recording: arm_lpae_split_blocks(), arm_lpae_merge_blocks() and arm_lpae_unmap_read_dirty(),
 * the hooks named to ptcheck_add_kernel_target. The rules they keep (SPEC section 4):
 *  - the walker may cache anything it can reach, at any moment; an invalidation covers only
 *    changes made before it and takes effect at the next sync;
 *  - so a table is freed only when unreachable and after a non-leaf invalidation, issued after
 *    the unlink, has been synced;
 *  - HTTU clears AP[2] of a writable-clean leaf by compare-and-swap at any time: wherever the
 *    dirty state of a live leaf matters, the descriptor changes atomically (cmpxchg64, xchg,
 *    set_bit) and we act on the value that access returned;
 *  - split and merge change nothing on -ENOMEM: every table they need is allocated first.
 *
 * Two compile definitions each break one line, for the tests that show ptcheck catching it:
 *  KSTYLE_BREAK_SPLIT     split installs its table with WRITE_ONCE instead of cmpxchg64: a device
 *                         write landing while the table is built off-line is lost;
 *  KSTYLE_PLAIN_NT_WRITE  at BBML1, split marks the block nT with a plain store of the value it
 *                         read instead of a cmpxchg64: a device write that dirtied the block after
 *                         the read is lost. Only the plain store opens this race, so only the
 *                         access instrumentation lets ptcheck see it happen; without it ptcheck
 *                         reports the descriptor that changed behind its back (unseen-write).
 */

#define pr_fmt(fmt)	"arm-lpae io-pgtable (kstyle): " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/io-pgtable.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/types.h>
#include <linux/dma-mapping.h>

#include <asm/barrier.h>

#include "iommu-pages.h"

#define ARM_LPAE_MAX_ADDR_BITS		48
#define ARM_LPAE_MAX_LEVELS		4
#define ARM_LPAE_GRANULE_SHIFT		12
#define ARM_LPAE_GRANULE		(1UL << ARM_LPAE_GRANULE_SHIFT)
#define ARM_LPAE_BITS_PER_LEVEL		9
#define ARM_LPAE_PTES_PER_TABLE		(1 << ARM_LPAE_BITS_PER_LEVEL)

/* Struct accessors */
#define io_pgtable_to_data(x)						\
	container_of((x), struct arm_lpae_io_pgtable, iop)

#define io_pgtable_ops_to_data(x)					\
	io_pgtable_to_data(io_pgtable_ops_to_pgtable(x))

/* A level-l entry maps 1 << ARM_LPAE_LVL_SHIFT(l) bytes: L0 512G, L1 1G, L2 2M, L3 4K. */
#define ARM_LPAE_LVL_SHIFT(l)						\
	(ARM_LPAE_GRANULE_SHIFT + (ARM_LPAE_MAX_LEVELS - 1 - (l)) * ARM_LPAE_BITS_PER_LEVEL)
#define ARM_LPAE_BLOCK_SIZE(l)		(1ULL << ARM_LPAE_LVL_SHIFT(l))

/* The top level has 1 << pgd_bits entries, the others a full granule. */
#define ARM_LPAE_PTES_AT(l, d)						\
	((l) == (d)->start_level ? 1 << (d)->pgd_bits : ARM_LPAE_PTES_PER_TABLE)
#define ARM_LPAE_LVL_IDX(a, l, d)					\
	(((u64)(a) >> ARM_LPAE_LVL_SHIFT(l)) & (ARM_LPAE_PTES_AT(l, d) - 1))

/* Page table bits */
#define ARM_LPAE_PTE_TYPE_SHIFT		0
#define ARM_LPAE_PTE_TYPE_MASK		0x3

#define ARM_LPAE_PTE_TYPE_BLOCK		1
#define ARM_LPAE_PTE_TYPE_TABLE		3
#define ARM_LPAE_PTE_TYPE_PAGE		3

#define ARM_LPAE_PTE_ADDR_MASK		GENMASK_ULL(47, 12)

#define ARM_LPAE_PTE_DBM		(((arm_lpae_iopte)1) << 51)
#define ARM_LPAE_PTE_NT			(((arm_lpae_iopte)1) << 16)
#define ARM_LPAE_PTE_AF			(((arm_lpae_iopte)1) << 10)
#define ARM_LPAE_PTE_VALID		(((arm_lpae_iopte)1) << 0)

/* Stage-1 PTE */
#define ARM_LPAE_PTE_AP_RDONLY_BIT	7
#define ARM_LPAE_PTE_AP_RDONLY		(((arm_lpae_iopte)1) << ARM_LPAE_PTE_AP_RDONLY_BIT)

/* The quirks this file accepts; BBML1/2 come with the dirty-log series' io-pgtable.h. */
#define ARM_LPAE_KSTYLE_QUIRKS						\
	(IO_PGTABLE_QUIRK_ARM_HD | IO_PGTABLE_QUIRK_ARM_BBML1 | IO_PGTABLE_QUIRK_ARM_BBML2)

typedef u64 arm_lpae_iopte;

struct arm_lpae_io_pgtable {
	struct io_pgtable	iop;

	int			pgd_bits;
	int			start_level;

	void			*pgd;
};

/* IOPTE accessors */
#define iopte_type(pte)							\
	(((pte) >> ARM_LPAE_PTE_TYPE_SHIFT) & ARM_LPAE_PTE_TYPE_MASK)
#define iopte_deref(pte)	((arm_lpae_iopte *)__va((pte) & ARM_LPAE_PTE_ADDR_MASK))

static bool iopte_table(arm_lpae_iopte pte, int lvl)
{
	return lvl < ARM_LPAE_MAX_LEVELS - 1 && iopte_type(pte) == ARM_LPAE_PTE_TYPE_TABLE;
}

static bool iopte_leaf(arm_lpae_iopte pte, int lvl)
{
	return (pte & ARM_LPAE_PTE_VALID) && !iopte_table(pte, lvl);
}

/* Bits 47:N of a leaf of 2^N bytes (nT and the rest below N are not address). */
static phys_addr_t iopte_to_paddr(arm_lpae_iopte pte, int lvl)
{
	return pte & ARM_LPAE_PTE_ADDR_MASK & ~(ARM_LPAE_BLOCK_SIZE(lvl) - 1);
}

static bool arm_lpae_hd(struct arm_lpae_io_pgtable *data)
{
	return data->iop.cfg.quirks & IO_PGTABLE_QUIRK_ARM_HD;
}

static unsigned int arm_lpae_bbml(struct arm_lpae_io_pgtable *data)
{
	unsigned long quirks = data->iop.cfg.quirks;

	return (quirks & IO_PGTABLE_QUIRK_ARM_BBML1) ? 1 : (quirks & IO_PGTABLE_QUIRK_ARM_BBML2) ? 2 : 0;
}

/* read-only AP2=1 | writable-clean DBM=1 AP2=1 | writable-dirty DBM=1 AP2=0 | writable, no HTTU: 0 0 */
static bool iopte_writeable(arm_lpae_iopte pte, struct arm_lpae_io_pgtable *data)
{
	return !(pte & ARM_LPAE_PTE_AP_RDONLY) || (arm_lpae_hd(data) && (pte & ARM_LPAE_PTE_DBM));
}

static bool iopte_writeable_dirty(arm_lpae_iopte pte, struct arm_lpae_io_pgtable *data)
{
	return arm_lpae_hd(data) && (pte & (ARM_LPAE_PTE_DBM | ARM_LPAE_PTE_AP_RDONLY)) == ARM_LPAE_PTE_DBM;
}

/* The permission bits of a leaf; a new writable mapping starts dirty (as the kernel's DBM=1 AP2=0). */
static arm_lpae_iopte arm_lpae_prot_to_pte(struct arm_lpae_io_pgtable *data, int prot)
{
	if (!(prot & IOMMU_WRITE))
		return ARM_LPAE_PTE_AP_RDONLY;
	return arm_lpae_hd(data) ? ARM_LPAE_PTE_DBM : 0;
}

static arm_lpae_iopte arm_lpae_leaf_pte(struct arm_lpae_io_pgtable *data, int lvl, phys_addr_t paddr,
					arm_lpae_iopte prot)
{
	arm_lpae_iopte pte = prot | ARM_LPAE_PTE_AF | (paddr & ARM_LPAE_PTE_ADDR_MASK);

	return pte | (lvl == ARM_LPAE_MAX_LEVELS - 1 ? ARM_LPAE_PTE_TYPE_PAGE : ARM_LPAE_PTE_TYPE_BLOCK);
}

/* The permission bits split and merge carry over: writable-clean or -dirty as asked. */
static arm_lpae_iopte arm_lpae_state_to_prot(struct arm_lpae_io_pgtable *data, bool writeable, bool dirty)
{
	if (!writeable)
		return ARM_LPAE_PTE_AP_RDONLY;
	if (!arm_lpae_hd(data))
		return 0;
	return dirty ? ARM_LPAE_PTE_DBM : ARM_LPAE_PTE_DBM | ARM_LPAE_PTE_AP_RDONLY;
}

static arm_lpae_iopte arm_lpae_table_pte(arm_lpae_iopte *table)
{
	return virt_to_phys(table) | ARM_LPAE_PTE_TYPE_TABLE;
}

/* ---- Table memory ---- */

static dma_addr_t __arm_lpae_dma_addr(void *pages)
{
	return (dma_addr_t)virt_to_phys(pages);
}

/* A walker that does not snoop the CPU caches reads the table through the DMA API's mapping, which
 * must be the identity: it is given physical addresses. */
static bool arm_lpae_dma_map_table(struct device *dev, void *pages, size_t size)
{
	dma_addr_t dma = dma_map_single(dev, pages, size, DMA_TO_DEVICE);

	if (dma_mapping_error(dev, dma))
		return false;
	if (dma == virt_to_phys(pages))
		return true;
	dev_err(dev, "Cannot accommodate DMA translation for IOMMU page tables\n");
	dma_unmap_single(dev, dma, size, DMA_TO_DEVICE);
	return false;
}

static void *__arm_lpae_alloc_pages(size_t size, gfp_t gfp, struct io_pgtable_cfg *cfg)
{
	void *pages = iommu_alloc_pages_node_sz(dev_to_node(cfg->iommu_dev), gfp, size);

	if (!pages)
		return NULL;
	/* A table descriptor holds bits 47:12 of the next table's address; the walker must reach it. */
	if ((virt_to_phys(pages) & ~ARM_LPAE_PTE_ADDR_MASK & ~(ARM_LPAE_GRANULE - 1)) ||
	    (!cfg->coherent_walk && !arm_lpae_dma_map_table(cfg->iommu_dev, pages, size))) {
		iommu_free_pages(pages);
		return NULL;
	}
	return pages;
}

static void __arm_lpae_free_pages(void *pages, size_t size, struct io_pgtable_cfg *cfg)
{
	if (!cfg->coherent_walk)
		dma_unmap_single(cfg->iommu_dev, __arm_lpae_dma_addr(pages), size, DMA_TO_DEVICE);
	iommu_free_pages(pages);
}

static void __arm_lpae_sync_pte(arm_lpae_iopte *ptep, int num_entries, struct io_pgtable_cfg *cfg)
{
	dma_sync_single_for_device(cfg->iommu_dev, __arm_lpae_dma_addr(ptep),
				   sizeof(*ptep) * num_entries, DMA_TO_DEVICE);
}

static arm_lpae_iopte *arm_lpae_alloc_table(struct arm_lpae_io_pgtable *data, gfp_t gfp)
{
	return __arm_lpae_alloc_pages(ARM_LPAE_GRANULE, gfp, &data->iop.cfg);
}

static void arm_lpae_free_table(struct arm_lpae_io_pgtable *data, arm_lpae_iopte *table)
{
	__arm_lpae_free_pages(table, ARM_LPAE_GRANULE, &data->iop.cfg);
}

/* Frees a table and everything below it; only once the walker cannot reach any of it. */
static void __arm_lpae_free_pgtable(struct arm_lpae_io_pgtable *data, int lvl, arm_lpae_iopte *ptep)
{
	size_t table_size = lvl == data->start_level ? sizeof(*ptep) << data->pgd_bits : ARM_LPAE_GRANULE;
	int i;

	if (lvl < ARM_LPAE_MAX_LEVELS - 1) {
		for (i = 0; i < ARM_LPAE_PTES_AT(lvl, data); i++) {
			arm_lpae_iopte pte = ptep[i];

			if (iopte_table(pte, lvl))
				__arm_lpae_free_pgtable(data, lvl + 1, iopte_deref(pte));
		}
	}
	__arm_lpae_free_pages(ptep, table_size, &data->iop.cfg);
}

/* ---- Leaves ---- */

static void __arm_lpae_clear_pte(arm_lpae_iopte *ptep, struct io_pgtable_cfg *cfg, int num_entries)
{
	int i;

	for (i = 0; i < num_entries; i++)
		ptep[i] = 0;

	if (!cfg->coherent_walk && num_entries)
		__arm_lpae_sync_pte(ptep, num_entries, cfg);
}

static void __arm_lpae_init_pte(struct arm_lpae_io_pgtable *data, phys_addr_t paddr, arm_lpae_iopte prot,
				int lvl, int num_entries, arm_lpae_iopte *ptep)
{
	struct io_pgtable_cfg *cfg = &data->iop.cfg;
	size_t sz = ARM_LPAE_BLOCK_SIZE(lvl);
	int i;

	for (i = 0; i < num_entries; i++)
		ptep[i] = arm_lpae_leaf_pte(data, lvl, paddr + i * sz, prot);

	if (!cfg->coherent_walk)
		__arm_lpae_sync_pte(ptep, num_entries, cfg);
}

static size_t __arm_lpae_unmap(struct arm_lpae_io_pgtable *data, struct iommu_iotlb_gather *gather,
			       unsigned long iova, size_t size, size_t pgcount, int lvl, arm_lpae_iopte *ptep);

/* The entries are empty, or tables an earlier unmap emptied: such a table goes (unlinked, walk
 * flushed, freed) before the leaf is written over it. A leaf there is a map over a map. */
static int arm_lpae_init_pte(struct arm_lpae_io_pgtable *data, unsigned long iova, phys_addr_t paddr,
			     arm_lpae_iopte prot, int lvl, int num_entries, arm_lpae_iopte *ptep)
{
	size_t sz = ARM_LPAE_BLOCK_SIZE(lvl);
	int i;

	for (i = 0; i < num_entries; i++) {
		arm_lpae_iopte pte = READ_ONCE(ptep[i]);

		if (iopte_leaf(pte, lvl)) {
			/* We require an unmap first */
			WARN_ON(1);
			return -EEXIST;
		} else if (iopte_table(pte, lvl)) {
			arm_lpae_iopte *tblp = ptep - ARM_LPAE_LVL_IDX(iova, lvl, data);

			if (__arm_lpae_unmap(data, NULL, iova + i * sz, sz, 1, lvl, tblp) != sz) {
				WARN_ON(1);
				return -EINVAL;
			}
		}
	}

	__arm_lpae_init_pte(data, paddr, prot, lvl, num_entries, ptep);
	return 0;
}

/* Links a new table where the entry still holds curr; returns what the entry held (curr: ours). */
static arm_lpae_iopte arm_lpae_install_table(arm_lpae_iopte *table, arm_lpae_iopte *ptep, arm_lpae_iopte curr,
					     struct arm_lpae_io_pgtable *data)
{
	struct io_pgtable_cfg *cfg = &data->iop.cfg;
	arm_lpae_iopte old;

	/* The table's contents must be visible before its descriptor can be. */
	dma_wmb();
	old = cmpxchg64_relaxed(ptep, curr, arm_lpae_table_pte(table));
	if (!cfg->coherent_walk)
		__arm_lpae_sync_pte(ptep, 1, cfg);
	return old;
}

/* ---- map_pages ---- */

static int __arm_lpae_map(struct arm_lpae_io_pgtable *data, unsigned long iova, phys_addr_t paddr, size_t size,
			  size_t pgcount, arm_lpae_iopte prot, int lvl, arm_lpae_iopte *ptep, gfp_t gfp,
			  size_t *mapped)
{
	size_t block_size = ARM_LPAE_BLOCK_SIZE(lvl);
	int ret, num_entries, max_entries, map_idx_start;
	arm_lpae_iopte *cptep, pte;

	/* Find our entry at the current level */
	map_idx_start = ARM_LPAE_LVL_IDX(iova, lvl, data);
	ptep += map_idx_start;

	/* If we can install a leaf entry at this level, then do so */
	if (size == block_size) {
		max_entries = ARM_LPAE_PTES_AT(lvl, data) - map_idx_start;
		num_entries = min_t(int, pgcount, max_entries);
		ret = arm_lpae_init_pte(data, iova, paddr, prot, lvl, num_entries, ptep);
		if (!ret)
			*mapped += num_entries * size;
		return ret;
	}

	/* We can't allocate tables at the final level */
	if (WARN_ON(lvl >= ARM_LPAE_MAX_LEVELS - 1))
		return -EINVAL;

	/* Grab a pointer to the next level; a neighbouring map may install it first */
	pte = READ_ONCE(*ptep);
	if (!pte) {
		cptep = arm_lpae_alloc_table(data, gfp);
		if (!cptep)
			return -ENOMEM;

		pte = arm_lpae_install_table(cptep, ptep, 0, data);
		if (pte)
			arm_lpae_free_table(data, cptep);
	}

	if (pte && iopte_table(pte, lvl)) {
		cptep = iopte_deref(pte);
	} else if (pte) {
		/* We require an unmap first */
		WARN_ON(1);
		return -EEXIST;
	}

	/* Rinse, repeat */
	return __arm_lpae_map(data, iova, paddr, size, pgcount, prot, lvl + 1, cptep, gfp, mapped);
}

static int arm_lpae_map_pages(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr, size_t pgsize,
			      size_t pgcount, int iommu_prot, gfp_t gfp, size_t *mapped)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	struct io_pgtable_cfg *cfg = &data->iop.cfg;
	int ret;

	if (WARN_ON(!pgsize || (pgsize & cfg->pgsize_bitmap) != pgsize))
		return -EINVAL;
	/* Out of the input or output range: the caller's mistake, no WARN (as iommu_map's own checks) */
	if ((u64)iova >> cfg->ias || (iova + pgsize * pgcount - 1) >> cfg->ias || paddr >> cfg->oas ||
	    (paddr + pgsize * pgcount - 1) >> cfg->oas)
		return -EINVAL;

	/* If no access, then nothing to do */
	if (!(iommu_prot & (IOMMU_READ | IOMMU_WRITE)))
		return 0;

	ret = __arm_lpae_map(data, iova, paddr, pgsize, pgcount, arm_lpae_prot_to_pte(data, iommu_prot),
			     data->start_level, data->pgd, gfp, mapped);
	/* Synchronise all PTE updates for the new mapping before a walk can start for the new iova */
	wmb();
	return ret;
}

/* ---- unmap_pages ---- */

static size_t __arm_lpae_unmap(struct arm_lpae_io_pgtable *data, struct iommu_iotlb_gather *gather,
			       unsigned long iova, size_t size, size_t pgcount, int lvl, arm_lpae_iopte *ptep)
{
	struct io_pgtable *iop = &data->iop;
	int i = 0, num_entries, max_entries, unmap_idx_start;
	arm_lpae_iopte pte;

	/* Something went horribly wrong and we ran out of page table */
	if (WARN_ON(lvl == ARM_LPAE_MAX_LEVELS))
		return 0;

	unmap_idx_start = ARM_LPAE_LVL_IDX(iova, lvl, data);
	ptep += unmap_idx_start;
	pte = READ_ONCE(*ptep);
	if (!pte)
		return 0;

	/* If the size matches this level, we're in the right place */
	if (size == ARM_LPAE_BLOCK_SIZE(lvl)) {
		max_entries = ARM_LPAE_PTES_AT(lvl, data) - unmap_idx_start;
		num_entries = min_t(int, pgcount, max_entries);

		/* Find and handle non-leaf entries */
		for (i = 0; i < num_entries; i++) {
			pte = READ_ONCE(ptep[i]);
			if (!pte)
				break;

			if (iopte_table(pte, lvl)) {
				__arm_lpae_clear_pte(&ptep[i], &iop->cfg, 1);
				/* Also flush any partial walks */
				io_pgtable_tlb_flush_walk(iop, iova + i * size, size, ARM_LPAE_GRANULE);
				__arm_lpae_free_pgtable(data, lvl + 1, iopte_deref(pte));
			}
		}

		/* Clear the remaining entries */
		__arm_lpae_clear_pte(ptep, &iop->cfg, i);

		if (gather && !iommu_iotlb_gather_queued(gather))
			for (int j = 0; j < i; j++)
				io_pgtable_tlb_add_page(iop, gather, iova + j * size, size);

		return i * size;
	} else if (iopte_leaf(pte, lvl)) {
		/* Unmap of a part of a leaf: nothing is unmapped (Linux's callers never ask for it) */
		return 0;
	}

	/* Keep on walkin' */
	return __arm_lpae_unmap(data, gather, iova, size, pgcount, lvl + 1, iopte_deref(pte));
}

static size_t arm_lpae_unmap_pages(struct io_pgtable_ops *ops, unsigned long iova, size_t pgsize, size_t pgcount,
				   struct iommu_iotlb_gather *gather)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	struct io_pgtable_cfg *cfg = &data->iop.cfg;

	if (WARN_ON(!pgsize || (pgsize & cfg->pgsize_bitmap) != pgsize || !pgcount))
		return 0;
	if ((u64)iova >> cfg->ias || (iova + pgsize * pgcount - 1) >> cfg->ias)
		return 0;

	return __arm_lpae_unmap(data, gather, iova, pgsize, pgcount, data->start_level, data->pgd);
}

/* ---- Walking ---- */

struct io_pgtable_walk_data {
	struct arm_lpae_io_pgtable	*data;
	void				*arg;
	unsigned long			flags;
	int (*visit)(struct io_pgtable_walk_data *walk_data, int lvl, arm_lpae_iopte *ptep, arm_lpae_iopte pte,
		     u64 iova);
	u64				addr;
	const u64			end;
};

/* Calls visit for every leaf intersecting [addr, end), in order, from the start of the leaf that
 * holds addr (the next leaf starts at an aligned address, not at addr + size); stops at the first
 * nonzero return. visit may replace the leaf (it is not revisited). */
static int __arm_lpae_iopte_walk(struct io_pgtable_walk_data *walk_data, arm_lpae_iopte *ptep, int lvl, u64 base)
{
	struct arm_lpae_io_pgtable *data = walk_data->data;
	u64 span = ARM_LPAE_BLOCK_SIZE(lvl);
	int i = walk_data->addr > base ? (walk_data->addr - base) >> ARM_LPAE_LVL_SHIFT(lvl) : 0;
	int ret;

	for (; i < ARM_LPAE_PTES_AT(lvl, data); i++) {
		u64 iova = base + i * span;
		arm_lpae_iopte pte;

		if (iova >= walk_data->end)
			break;
		pte = ptep[i];
		if (iopte_table(pte, lvl))
			ret = __arm_lpae_iopte_walk(walk_data, iopte_deref(pte), lvl + 1, iova);
		else if (iopte_leaf(pte, lvl))
			ret = walk_data->visit(walk_data, lvl, &ptep[i], pte, iova);
		else
			ret = 0;
		if (ret)
			return ret;
	}
	return 0;
}

static int arm_lpae_walk(struct arm_lpae_io_pgtable *data, u64 iova, u64 size,
			 int (*visit)(struct io_pgtable_walk_data *, int, arm_lpae_iopte *, arm_lpae_iopte, u64),
			 void *arg)
{
	struct io_pgtable_walk_data walk_data = {
		.data = data, .arg = arg, .visit = visit, .addr = iova, .end = iova + size,
	};

	return __arm_lpae_iopte_walk(&walk_data, data->pgd, data->start_level, 0);
}

/* The leaf translating iova: its descriptor pointer and level, or NULL. */
static arm_lpae_iopte *arm_lpae_find_leaf(struct arm_lpae_io_pgtable *data, u64 iova, arm_lpae_iopte *ptev, int *lvlp)
{
	arm_lpae_iopte *ptep = data->pgd;
	int lvl;

	for (lvl = data->start_level; lvl < ARM_LPAE_MAX_LEVELS; lvl++) {
		arm_lpae_iopte pte;

		ptep += ARM_LPAE_LVL_IDX(iova, lvl, data);
		pte = *ptep;
		if (!(pte & ARM_LPAE_PTE_VALID))
			return NULL;
		if (iopte_table(pte, lvl)) {
			ptep = iopte_deref(pte);
			continue;
		}
		*ptev = pte;
		*lvlp = lvl;
		return ptep;
	}
	return NULL;
}

/* 4K-aligned, non-empty, below 2^ias. */
static bool arm_lpae_iova_ok(struct arm_lpae_io_pgtable *data, u64 iova, u64 size)
{
	u64 top = 1ULL << data->iop.cfg.ias;

	return IS_ALIGNED(iova | size, SZ_4K) && size && iova < top && size <= top - iova;
}

/* A leaf sticking out of [iova, iova + size): only the two ends can. */
static bool arm_lpae_range_cuts_leaf(struct arm_lpae_io_pgtable *data, u64 iova, u64 size)
{
	arm_lpae_iopte pte;
	int lvl;

	if (arm_lpae_find_leaf(data, iova, &pte, &lvl) && !IS_ALIGNED(iova, ARM_LPAE_BLOCK_SIZE(lvl)))
		return true;
	if (arm_lpae_find_leaf(data, iova + size - 1, &pte, &lvl) && !IS_ALIGNED(iova + size, ARM_LPAE_BLOCK_SIZE(lvl)))
		return true;
	return false;
}

/* ---- iova_to_phys ---- */

static phys_addr_t arm_lpae_iova_to_phys(struct io_pgtable_ops *ops, unsigned long iova)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	arm_lpae_iopte pte;
	int lvl;

	if ((u64)iova >> data->iop.cfg.ias || !arm_lpae_find_leaf(data, iova, &pte, &lvl))
		return 0;
	return iopte_to_paddr(pte, lvl) | (iova & (ARM_LPAE_BLOCK_SIZE(lvl) - 1));
}

/* ---- read_and_clear_dirty ---- */

/* Records the part inside the range; cleans (sets AP[2] with set_bit) only leaves wholly inside,
 * so a leaf sticking out keeps its dirty pages for their own read. The caller's gather, fed by
 * iommu_dirty_bitmap_record, is synced after the walk (iommufd), dropping cached dirty entries. */
static int visit_dirty(struct io_pgtable_walk_data *walk_data, int lvl, arm_lpae_iopte *ptep, arm_lpae_iopte pte,
		       u64 iova)
{
	struct iommu_dirty_bitmap *dirty = walk_data->arg;
	u64 size = ARM_LPAE_BLOCK_SIZE(lvl);
	u64 lo = max_t(u64, iova, walk_data->addr), hi = min_t(u64, iova + size, walk_data->end);

	if (!iopte_writeable_dirty(pte, walk_data->data))
		return 0;
	iommu_dirty_bitmap_record(dirty, lo, hi - lo);
	if (!(walk_data->flags & IOMMU_DIRTY_NO_CLEAR) && iova >= walk_data->addr && iova + size <= walk_data->end)
		set_bit(ARM_LPAE_PTE_AP_RDONLY_BIT, (unsigned long *)ptep);
	return 0;
}

static int arm_lpae_read_and_clear_dirty(struct io_pgtable_ops *ops, unsigned long iova, size_t size,
					 unsigned long flags, struct iommu_dirty_bitmap *dirty)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	struct io_pgtable_walk_data walk_data = {
		.data = data, .arg = dirty, .flags = flags, .visit = visit_dirty, .addr = iova, .end = iova + size,
	};

	if (!arm_lpae_hd(data))
		return -EOPNOTSUPP;
	if (!arm_lpae_iova_ok(data, iova, size))
		return -EINVAL;
	return __arm_lpae_iopte_walk(&walk_data, data->pgd, data->start_level, 0);
}

/* ---- The series: unmap with dirty recording, split, merge (hooks to ptcheck_add_kernel_target) ---- */

static bool arm_lpae_try_cmpxchg(arm_lpae_iopte *ptep, arm_lpae_iopte *old, arm_lpae_iopte new)
{
	arm_lpae_iopte prev = cmpxchg64(ptep, *old, new);

	if (prev == *old)
		return true;
	*old = prev;
	return false;
}

static int visit_record_dirty(struct io_pgtable_walk_data *walk_data, int lvl, arm_lpae_iopte *ptep,
			      arm_lpae_iopte pte, u64 iova)
{
	if (iopte_writeable_dirty(pte, walk_data->data))
		iommu_dirty_bitmap_record(walk_data->arg, iova, ARM_LPAE_BLOCK_SIZE(lvl));
	return 0;
}

/*
 * unmap_pages, recording every removed leaf that was writable-dirty when it went: a leaf is taken
 * with xchg, whose value is its last dirty state (a cached writable-clean entry can no longer
 * dirty it: its compare-and-swap finds 0). A table that goes whole is unlinked and its walk
 * flushed and synced first; then no device can dirty its leaves, and they are read as they are.
 * The caller syncs the gather before it returns, in lazy mode too.
 */
static size_t arm_lpae_unmap_pages_read_dirty(struct io_pgtable_ops *ops, unsigned long iova, size_t pgsize,
					      size_t pgcount, struct iommu_iotlb_gather *gather,
					      struct iommu_dirty_bitmap *dirty)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	struct io_pgtable *iop = &data->iop;
	arm_lpae_iopte *ptep = data->pgd;
	int lvl, i, idx, num_entries;

	if (WARN_ON(!pgsize || (pgsize & iop->cfg.pgsize_bitmap) != pgsize || !pgcount))
		return 0;
	if ((u64)iova >> iop->cfg.ias || (iova + pgsize * pgcount - 1) >> iop->cfg.ias)
		return 0;

	/* Down to the level whose entries are pgsize, through tables only */
	for (lvl = data->start_level; ARM_LPAE_BLOCK_SIZE(lvl) != pgsize; lvl++) {
		arm_lpae_iopte pte = READ_ONCE(ptep[ARM_LPAE_LVL_IDX(iova, lvl, data)]);

		if (!iopte_table(pte, lvl))
			return 0;
		ptep = iopte_deref(pte);
	}
	idx = ARM_LPAE_LVL_IDX(iova, lvl, data);
	num_entries = min_t(int, pgcount, ARM_LPAE_PTES_AT(lvl, data) - idx);
	for (i = 0; i < num_entries; i++) {
		u64 addr = iova + (u64)i * pgsize;
		arm_lpae_iopte pte = READ_ONCE(ptep[idx + i]);

		if (iopte_table(pte, lvl)) {
			struct io_pgtable_walk_data walk_data = {
				.data = data, .arg = dirty, .visit = visit_record_dirty, .addr = addr,
				.end = addr + pgsize,
			};

			__arm_lpae_clear_pte(&ptep[idx + i], &iop->cfg, 1);
			io_pgtable_tlb_flush_walk(iop, addr, pgsize, ARM_LPAE_GRANULE);
			__arm_lpae_iopte_walk(&walk_data, iopte_deref(pte), lvl + 1, addr);
			__arm_lpae_free_pgtable(data, lvl + 1, iopte_deref(pte));
		} else if (iopte_leaf(pte, lvl)) {
			pte = xchg(&ptep[idx + i], 0);
			if (iopte_writeable_dirty(pte, data))
				iommu_dirty_bitmap_record(dirty, addr, pgsize);
			io_pgtable_tlb_add_page(iop, gather, addr, pgsize);
		} else {
			break;
		}
	}
	return (size_t)i * pgsize;
}

/* Tables allocated before the first descriptor changes, so that -ENOMEM changes nothing. */
struct arm_lpae_prealloc {
	arm_lpae_iopte	**tables;
	size_t		nr, used;
};

static int arm_lpae_prealloc(struct arm_lpae_io_pgtable *data, struct arm_lpae_prealloc *pa, size_t nr)
{
	pa->tables = NULL;
	pa->nr = pa->used = 0;
	if (!nr)
		return 0;
	pa->tables = kzalloc(nr * sizeof(*pa->tables), GFP_KERNEL);
	if (!pa->tables)
		return -ENOMEM;
	for (; pa->nr < nr; pa->nr++) {
		pa->tables[pa->nr] = arm_lpae_alloc_table(data, GFP_KERNEL);
		if (!pa->tables[pa->nr]) {
			while (pa->nr--)
				arm_lpae_free_table(data, pa->tables[pa->nr]);
			kfree(pa->tables);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Tables never made reachable go straight back. */
static void arm_lpae_prealloc_release(struct arm_lpae_io_pgtable *data, struct arm_lpae_prealloc *pa)
{
	for (; pa->used < pa->nr; pa->used++)
		arm_lpae_free_table(data, pa->tables[pa->used]);
	kfree(pa->tables);
}

struct arm_lpae_split_state {
	struct arm_lpae_prealloc	pa;
	size_t				need;
};

/* 2M block: one L3 table; 1G block: one L2 table and 512 L3 tables. */
static size_t arm_lpae_split_tables(int lvl)
{
	return lvl == 1 ? 1 + ARM_LPAE_PTES_PER_TABLE : lvl == 2 ? 1 : 0;
}

static int visit_count_split(struct io_pgtable_walk_data *walk_data, int lvl, arm_lpae_iopte *ptep,
			     arm_lpae_iopte pte, u64 iova)
{
	((struct arm_lpae_split_state *)walk_data->arg)->need += arm_lpae_split_tables(lvl);
	return 0;
}

/* Fills the off-line tables with the pages of blk (same output, permission, dirty state) and
 * returns the table descriptor for tables[0]. Unreachable: may be rebuilt at will. */
static arm_lpae_iopte arm_lpae_build_split(struct arm_lpae_io_pgtable *data, arm_lpae_iopte **tables, int lvl,
					   arm_lpae_iopte blk)
{
	arm_lpae_iopte prot = arm_lpae_state_to_prot(data, iopte_writeable(blk, data), iopte_writeable_dirty(blk, data));
	phys_addr_t paddr = iopte_to_paddr(blk, lvl);
	int j;

	if (lvl == 2) {
		__arm_lpae_init_pte(data, paddr, prot, 3, ARM_LPAE_PTES_PER_TABLE, tables[0]);
	} else {
		for (j = 0; j < ARM_LPAE_PTES_PER_TABLE; j++) {
			__arm_lpae_init_pte(data, paddr + (u64)j * SZ_2M, prot, 3, ARM_LPAE_PTES_PER_TABLE, tables[1 + j]);
			tables[0][j] = arm_lpae_table_pte(tables[1 + j]);
		}
	}
	return arm_lpae_table_pte(tables[0]);
}

/* Swaps the built table in for the block *old. Fails, with *old updated, when the device dirtied
 * the block since it was read: the caller rebuilds the pages dirty. */
static bool arm_lpae_install_split(arm_lpae_iopte *ptep, arm_lpae_iopte *old, arm_lpae_iopte table)
{
#ifdef KSTYLE_BREAK_SPLIT
	WRITE_ONCE(*ptep, table);	/* the bug: a dirty bit set since *old was read is lost */
	return true;
#else
	return arm_lpae_try_cmpxchg(ptep, old, table);
#endif
}

/* BBML1: block -> block|nT (never cached, never faults), flush the old block, then swap in the
 * table built from the nT block. BBML2: swap the table in, then flush the old block (a cached
 * writable-clean block fails its CAS on the table descriptor, walks again, dirties the page). */
static int visit_split_blk(struct io_pgtable_walk_data *walk_data, int lvl, arm_lpae_iopte *ptep,
			   arm_lpae_iopte pte, u64 iova)
{
	struct arm_lpae_io_pgtable *data = walk_data->data;
	struct arm_lpae_split_state *st = walk_data->arg;
	size_t need = arm_lpae_split_tables(lvl);
	arm_lpae_iopte **tables;

	if (!need)
		return 0;
	if (WARN_ON(st->pa.nr - st->pa.used < need))
		return -ENOMEM;
	tables = &st->pa.tables[st->pa.used];
	st->pa.used += need;

	if (arm_lpae_bbml(data) == 1) {
#ifdef KSTYLE_PLAIN_NT_WRITE
		*ptep = pte | ARM_LPAE_PTE_NT;	/* the bug: a dirty bit set since pte was read is lost */
#else
		while (!arm_lpae_try_cmpxchg(ptep, &pte, pte | ARM_LPAE_PTE_NT))
			;
#endif
		pte |= ARM_LPAE_PTE_NT;
		io_pgtable_tlb_flush_walk(&data->iop, iova, ARM_LPAE_BLOCK_SIZE(lvl), ARM_LPAE_GRANULE);
		while (!arm_lpae_install_split(ptep, &pte, arm_lpae_build_split(data, tables, lvl, pte)))
			;
	} else {
		while (!arm_lpae_install_split(ptep, &pte, arm_lpae_build_split(data, tables, lvl, pte)))
			;
		io_pgtable_tlb_flush_walk(&data->iop, iova, ARM_LPAE_BLOCK_SIZE(lvl), ARM_LPAE_GRANULE);
	}
	return 0;
}

/* Every block in [iova, iova + size) becomes pages: 0, -EOPNOTSUPP (no BBML), -EINVAL, -ENOMEM. */
static int arm_lpae_split_blocks(struct io_pgtable_ops *ops, unsigned long iova, size_t size)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	struct arm_lpae_split_state st = { .need = 0 };
	int ret;

	if (!arm_lpae_bbml(data))
		return -EOPNOTSUPP;
	if (!arm_lpae_iova_ok(data, iova, size) || arm_lpae_range_cuts_leaf(data, iova, size))
		return -EINVAL;
	arm_lpae_walk(data, iova, size, visit_count_split, &st);
	ret = arm_lpae_prealloc(data, &st.pa, st.need);
	if (ret)
		return ret;
	ret = arm_lpae_walk(data, iova, size, visit_split_blk, &st);
	arm_lpae_prealloc_release(data, &st.pa);
	return ret;
}

struct arm_lpae_merge_scan {
	u64		iova;
	phys_addr_t	paddr;
	bool		first_seen, writeable, dirty, ok;
};

/* Every page mapped, output contiguous, one permission; any dirty? */
static void __arm_lpae_merge_scan(struct arm_lpae_io_pgtable *data, arm_lpae_iopte *tablep, int lvl, u64 base,
				  struct arm_lpae_merge_scan *s)
{
	u64 span = ARM_LPAE_BLOCK_SIZE(lvl);
	int i;

	for (i = 0; i < ARM_LPAE_PTES_PER_TABLE && s->ok; i++) {
		u64 iova = base + i * span;
		arm_lpae_iopte pte = READ_ONCE(tablep[i]);

		if (iopte_table(pte, lvl)) {
			__arm_lpae_merge_scan(data, iopte_deref(pte), lvl + 1, iova, s);
			continue;
		}
		if (!iopte_leaf(pte, lvl)) {
			s->ok = false;
			return;
		}
		if (!s->first_seen) {
			s->first_seen = true;
			s->paddr = iopte_to_paddr(pte, lvl);
			s->writeable = iopte_writeable(pte, data);
		} else if (iopte_to_paddr(pte, lvl) != s->paddr + (iova - s->iova) ||
			   iopte_writeable(pte, data) != s->writeable) {
			s->ok = false;
			return;
		}
		s->dirty |= iopte_writeable_dirty(pte, data);
	}
}

static bool __arm_lpae_any_dirty(struct arm_lpae_io_pgtable *data, arm_lpae_iopte *tablep, int lvl)
{
	int i;

	for (i = 0; i < ARM_LPAE_PTES_PER_TABLE; i++) {
		arm_lpae_iopte pte = READ_ONCE(tablep[i]);

		if (iopte_table(pte, lvl) ? __arm_lpae_any_dirty(data, iopte_deref(pte), lvl + 1)
					  : iopte_writeable_dirty(pte, data))
			return true;
	}
	return false;
}

/* table -> block (BBML1: block|nT), flush walk and sync; the old pages may still have been
 * dirtied through cached entries until the sync, so read them again and dirty the block if so;
 * BBML1 then clears nT. Never leaves the region invalid. */
static void arm_lpae_merge_one(struct arm_lpae_io_pgtable *data, arm_lpae_iopte *ptep, arm_lpae_iopte table,
			       int lvl, u64 iova)
{
	size_t size = ARM_LPAE_BLOCK_SIZE(lvl);
	arm_lpae_iopte *child = iopte_deref(table);
	struct arm_lpae_merge_scan s = { .iova = iova, .ok = true };
	arm_lpae_iopte blk, cur;
	bool make_dirty;

	__arm_lpae_merge_scan(data, child, lvl + 1, iova, &s);
	if (!s.ok || !IS_ALIGNED(s.paddr, size))
		return;
	blk = arm_lpae_leaf_pte(data, lvl, s.paddr, arm_lpae_state_to_prot(data, s.writeable, s.dirty));
	if (arm_lpae_bbml(data) == 1)
		blk |= ARM_LPAE_PTE_NT;
	if (WARN_ON(cmpxchg64(ptep, table, blk) != table))
		return;
	io_pgtable_tlb_flush_walk(&data->iop, iova, size, ARM_LPAE_GRANULE);

	make_dirty = s.writeable && arm_lpae_hd(data) && !s.dirty && __arm_lpae_any_dirty(data, child, lvl + 1);
	if (arm_lpae_bbml(data) == 1 || make_dirty) {
		cur = READ_ONCE(*ptep);
		for (;;) {
			arm_lpae_iopte want = cur & ~ARM_LPAE_PTE_NT;

			if (make_dirty)
				want &= ~ARM_LPAE_PTE_AP_RDONLY;
			if (want == cur || arm_lpae_try_cmpxchg(ptep, &cur, want))
				break;
		}
	}
	__arm_lpae_free_pgtable(data, lvl + 1, child);
}

/* The level-target table descriptors whose region lies wholly inside [lo, hi). */
static void __arm_lpae_merge(struct arm_lpae_io_pgtable *data, arm_lpae_iopte *tablep, int lvl, u64 base, u64 lo,
			     u64 hi, int target)
{
	u64 span = ARM_LPAE_BLOCK_SIZE(lvl);
	int i = lo > base ? (lo - base) >> ARM_LPAE_LVL_SHIFT(lvl) : 0;

	for (; i < ARM_LPAE_PTES_AT(lvl, data); i++) {
		u64 iova = base + i * span;
		arm_lpae_iopte pte;

		if (iova >= hi)
			break;
		pte = READ_ONCE(tablep[i]);
		if (!iopte_table(pte, lvl))
			continue;
		if (lvl < target)
			__arm_lpae_merge(data, iopte_deref(pte), lvl + 1, iova, lo, hi, target);
		else if (iova >= lo && iova + span <= hi)
			arm_lpae_merge_one(data, &tablep[i], pte, lvl, iova);
	}
}

/* Every aligned 1G, else 2M, region of [iova, iova + size) that can be one block becomes one. */
static int arm_lpae_merge_blocks(struct io_pgtable_ops *ops, unsigned long iova, size_t size)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	struct io_pgtable_cfg *cfg = &data->iop.cfg;

	if (!arm_lpae_bbml(data))
		return -EOPNOTSUPP;
	if (!arm_lpae_iova_ok(data, iova, size))
		return -EINVAL;
	/* 1G regions first, then 2M regions of what is left (SPEC section 3). */
	if (cfg->pgsize_bitmap & SZ_1G)
		__arm_lpae_merge(data, data->pgd, data->start_level, 0, iova, iova + size, 1);
	if (cfg->pgsize_bitmap & SZ_2M)
		__arm_lpae_merge(data, data->pgd, data->start_level, 0, iova, iova + size, 2);
	return 0;
}

/* ---- alloc, free ---- */

static struct io_pgtable *arm_64_lpae_alloc_pgtable_s1(struct io_pgtable_cfg *cfg, void *cookie)
{
	unsigned long sizes = SZ_4K | SZ_2M | SZ_1G;
	struct arm_lpae_io_pgtable *data;

	if ((cfg->ias != 32 && cfg->ias != 36 && cfg->ias != 39 && cfg->ias != 42 && cfg->ias != 48) ||
	    cfg->oas < 32 || cfg->oas > ARM_LPAE_MAX_ADDR_BITS || !(cfg->pgsize_bitmap & SZ_4K) ||
	    (cfg->pgsize_bitmap & ~sizes) || (cfg->quirks & ~ARM_LPAE_KSTYLE_QUIRKS) ||
	    ((cfg->quirks & IO_PGTABLE_QUIRK_ARM_BBML1) && (cfg->quirks & IO_PGTABLE_QUIRK_ARM_BBML2)))
		return NULL;

	data = kzalloc(sizeof(*data), GFP_KERNEL);
	if (!data)
		return NULL;
	data->start_level = cfg->ias > 39 ? 0 : 1;
	data->pgd_bits = cfg->ias - ARM_LPAE_LVL_SHIFT(data->start_level);
	data->pgd = __arm_lpae_alloc_pages(sizeof(arm_lpae_iopte) << data->pgd_bits, GFP_KERNEL, cfg);
	if (data->pgd) {
		/* The empty pgd is visible before the driver writes the TTBR the cfg now holds */
		wmb();
		cfg->arm_lpae_s1_cfg.ttbr = virt_to_phys(data->pgd);
		data->iop.cfg = *cfg;
	} else {
		kfree(data);
		return NULL;
	}
	data->iop.ops = (struct io_pgtable_ops) {
		.map_pages		= arm_lpae_map_pages,
		.unmap_pages		= arm_lpae_unmap_pages,
		.iova_to_phys		= arm_lpae_iova_to_phys,
		.read_and_clear_dirty	= arm_lpae_read_and_clear_dirty,
	};
	return &data->iop;
}

/* The domain is gone: every table goes, once. */
static void arm_lpae_free_pgtable(struct io_pgtable *iop)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_to_data(iop);

	__arm_lpae_free_pgtable(data, data->start_level, data->pgd);
	kfree(data);
}

struct io_pgtable_init_fns io_pgtable_arm_64_lpae_s1_init_fns = {
	.alloc	= arm_64_lpae_alloc_pgtable_s1,
	.free	= arm_lpae_free_pgtable,
};
