// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * An Arm SMMUv3 stage-1 IO page table (4K granule) shaped like drivers/iommu/io-pgtable-arm.c of a
 * v5.10 tree with the 2021 dirty-log series applied, written for ptcheck's examples: v5.10's
 * io_pgtable_ops (map / unmap with a gather, IO_PGTABLE_QUIRK_NON_STRICT for lazy unmap), pages
 * from alloc_pages_node(), every descriptor store through __arm_lpae_set_pte() (`*ptep = pte`,
 * a plain store) where no device update can race with it, and the series' split_block /
 * merge_page (bytes handled; size on success).
 *
 * Unlike the series as posted it keeps the SMMU's rules where the device races with the CPU:
 * a live block is marked nT and replaced by its table with cmpxchg64 (a device write can dirty
 * it in between), a split allocates every table it needs before it changes anything, a block
 * straddling the range is not split, a merge re-reads the pages after the walk is flushed and
 * frees them only then. It still trusts its callers as v5.10 does: they unmap what they mapped.
 */

#define pr_fmt(fmt)	"arm-lpae io-pgtable (v5 example): " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/io-pgtable.h>
#include <linux/kernel.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/types.h>
#include <linux/dma-mapping.h>

#include <asm/barrier.h>

#define ARM_LPAE_MAX_ADDR_BITS		48
#define ARM_LPAE_MAX_LEVELS		4
#define ARM_LPAE_GRANULE_SHIFT		12

/* Struct accessors */
#define io_pgtable_to_data(x)						\
	container_of((x), struct arm_lpae_io_pgtable, iop)

#define io_pgtable_ops_to_data(x)					\
	io_pgtable_to_data(io_pgtable_ops_to_pgtable(x))

#define ARM_LPAE_GRANULE(d)		(1UL << ARM_LPAE_GRANULE_SHIFT)
#define ARM_LPAE_LVL_SHIFT(l, d)					\
	(ARM_LPAE_GRANULE_SHIFT + (ARM_LPAE_MAX_LEVELS - 1 - (l)) * (d)->bits_per_level)
#define ARM_LPAE_BLOCK_SIZE(l, d)	(1ULL << ARM_LPAE_LVL_SHIFT(l, d))
#define ARM_LPAE_PTES_PER_TABLE(d)	(1 << (d)->bits_per_level)
#define ARM_LPAE_LVL_IDX(a, l, d)					\
	(((u64)(a) >> ARM_LPAE_LVL_SHIFT(l, d)) &			\
	 ((1 << ((l) == (d)->start_level ? (d)->pgd_bits : (d)->bits_per_level)) - 1))

/* Page table bits */
#define ARM_LPAE_PTE_TYPE_MASK		0x3
#define ARM_LPAE_PTE_TYPE_BLOCK		1
#define ARM_LPAE_PTE_TYPE_TABLE		3
#define ARM_LPAE_PTE_TYPE_PAGE		3
#define ARM_LPAE_PTE_VALID		(((arm_lpae_iopte)1) << 0)
#define ARM_LPAE_PTE_AF			(((arm_lpae_iopte)1) << 10)
#define ARM_LPAE_PTE_AP_RDONLY		(((arm_lpae_iopte)1) << 7)
/* The dirty-log series */
#define ARM_LPAE_PTE_NT			(((arm_lpae_iopte)1) << 16)
#define ARM_LPAE_PTE_DBM		(((arm_lpae_iopte)1) << 51)
#define ARM_LPAE_PTE_ADDR_MASK		(((1ULL << ARM_LPAE_MAX_ADDR_BITS) - 1) & ~0xfffULL)

typedef u64 arm_lpae_iopte;

struct arm_lpae_io_pgtable {
	struct io_pgtable	iop;

	int			pgd_bits;
	int			start_level;
	int			bits_per_level;

	void			*pgd;
};

/* IOPTE accessors */
#define iopte_deref(pte, d)	__va((pte) & ARM_LPAE_PTE_ADDR_MASK)
#define iopte_type(pte)		((pte) & ARM_LPAE_PTE_TYPE_MASK)

static bool iopte_leaf(arm_lpae_iopte pte, int lvl)
{
	if (lvl == ARM_LPAE_MAX_LEVELS - 1)
		return iopte_type(pte) == ARM_LPAE_PTE_TYPE_PAGE;
	return iopte_type(pte) == ARM_LPAE_PTE_TYPE_BLOCK;
}

static bool iopte_table(arm_lpae_iopte pte, int lvl)
{
	return lvl < ARM_LPAE_MAX_LEVELS - 1 && iopte_type(pte) == ARM_LPAE_PTE_TYPE_TABLE;
}

static phys_addr_t iopte_to_paddr(arm_lpae_iopte pte, int lvl, struct arm_lpae_io_pgtable *data)
{
	return pte & ARM_LPAE_PTE_ADDR_MASK & ~(ARM_LPAE_BLOCK_SIZE(lvl, data) - 1);
}

/* With HTTU a writable leaf is DBM=1 (clean while AP[2] is set); without, AP[2] clear. */
static bool iopte_writeable(arm_lpae_iopte pte, struct io_pgtable_cfg *cfg)
{
	return !(pte & ARM_LPAE_PTE_AP_RDONLY) ||
	       ((cfg->quirks & IO_PGTABLE_QUIRK_ARM_HD) && (pte & ARM_LPAE_PTE_DBM));
}

static bool iopte_hw_dirty(arm_lpae_iopte pte, struct io_pgtable_cfg *cfg)
{
	return (cfg->quirks & IO_PGTABLE_QUIRK_ARM_HD) &&
	       (pte & (ARM_LPAE_PTE_DBM | ARM_LPAE_PTE_AP_RDONLY)) == ARM_LPAE_PTE_DBM;
}

static bool selftest_running;

static dma_addr_t __arm_lpae_dma_addr(void *pages)
{
	return (dma_addr_t)virt_to_phys(pages);
}

static void *__arm_lpae_alloc_pages(size_t size, gfp_t gfp, struct io_pgtable_cfg *cfg)
{
	struct device *dev = cfg->iommu_dev;
	int order = get_order(size);
	struct page *p;
	dma_addr_t dma;
	void *pages;

	p = alloc_pages_node(dev ? dev_to_node(dev) : NUMA_NO_NODE, gfp | __GFP_ZERO, order);
	if (!p)
		return NULL;

	pages = page_address(p);
	if (!cfg->coherent_walk) {
		dma = dma_map_single(dev, pages, size, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, dma))
			goto out_free;
		/* The walker is given physical addresses: a translating DMA layer cannot work. */
		if (dma != virt_to_phys(pages))
			goto out_unmap;
	}

	return pages;

out_unmap:
	dev_err(dev, "Cannot accommodate DMA translation for IOMMU page tables\n");
	dma_unmap_single(dev, dma, size, DMA_TO_DEVICE);
out_free:
	__free_pages(p, order);
	return NULL;
}

static void __arm_lpae_free_pages(void *pages, size_t size, struct io_pgtable_cfg *cfg)
{
	if (!cfg->coherent_walk)
		dma_unmap_single(cfg->iommu_dev, __arm_lpae_dma_addr(pages), size, DMA_TO_DEVICE);
	free_pages((unsigned long)pages, get_order(size));
}

static void __arm_lpae_sync_pte(arm_lpae_iopte *ptep, struct io_pgtable_cfg *cfg)
{
	dma_sync_single_for_device(cfg->iommu_dev, __arm_lpae_dma_addr(ptep), sizeof(*ptep), DMA_TO_DEVICE);
}

static void __arm_lpae_set_pte(arm_lpae_iopte *ptep, arm_lpae_iopte pte, struct io_pgtable_cfg *cfg)
{
	*ptep = pte;

	if (!cfg->coherent_walk)
		__arm_lpae_sync_pte(ptep, cfg);
}

static size_t __arm_lpae_unmap(struct arm_lpae_io_pgtable *data, struct iommu_iotlb_gather *gather,
			       unsigned long iova, size_t size, int lvl, arm_lpae_iopte *ptep);

static arm_lpae_iopte __arm_lpae_leaf(struct arm_lpae_io_pgtable *data, phys_addr_t paddr, arm_lpae_iopte prot,
				      int lvl)
{
	arm_lpae_iopte pte = prot | ARM_LPAE_PTE_AF | (paddr & ARM_LPAE_PTE_ADDR_MASK);

	return pte | (lvl == ARM_LPAE_MAX_LEVELS - 1 ? ARM_LPAE_PTE_TYPE_PAGE : ARM_LPAE_PTE_TYPE_BLOCK);
}

static int arm_lpae_init_pte(struct arm_lpae_io_pgtable *data, unsigned long iova, phys_addr_t paddr,
			     arm_lpae_iopte prot, int lvl, arm_lpae_iopte *ptep)
{
	arm_lpae_iopte pte = *ptep;

	if (iopte_leaf(pte, lvl)) {
		/* We require an unmap first */
		WARN_ON(!selftest_running);
		return -EEXIST;
	} else if (iopte_type(pte) == ARM_LPAE_PTE_TYPE_TABLE) {
		/* An emptied table goes before the block is written over it */
		size_t sz = ARM_LPAE_BLOCK_SIZE(lvl, data);
		arm_lpae_iopte *tblp = ptep - ARM_LPAE_LVL_IDX(iova, lvl, data);

		if (WARN_ON(__arm_lpae_unmap(data, NULL, iova, sz, lvl, tblp) != sz))
			return -EINVAL;
	}

	__arm_lpae_set_pte(ptep, __arm_lpae_leaf(data, paddr, prot, lvl), &data->iop.cfg);
	return 0;
}

static arm_lpae_iopte arm_lpae_install_table(arm_lpae_iopte *table, arm_lpae_iopte *ptep, arm_lpae_iopte curr,
					     struct io_pgtable_cfg *cfg)
{
	arm_lpae_iopte old, new;

	new = __pa(table) | ARM_LPAE_PTE_TYPE_TABLE;

	/* The table must be visible before its descriptor can be */
	dma_wmb();

	old = cmpxchg64_relaxed(ptep, curr, new);
	if (!cfg->coherent_walk)
		__arm_lpae_sync_pte(ptep, cfg);
	return old;
}

static int __arm_lpae_map(struct arm_lpae_io_pgtable *data, unsigned long iova, phys_addr_t paddr, size_t size,
			  arm_lpae_iopte prot, int lvl, arm_lpae_iopte *ptep, gfp_t gfp)
{
	arm_lpae_iopte *cptep, pte;
	size_t block_size = ARM_LPAE_BLOCK_SIZE(lvl, data);
	size_t tblsz = ARM_LPAE_GRANULE(data);
	struct io_pgtable_cfg *cfg = &data->iop.cfg;

	/* Find our entry at the current level */
	ptep += ARM_LPAE_LVL_IDX(iova, lvl, data);

	/* If we can install a leaf entry at this level, then do so */
	if (size == block_size)
		return arm_lpae_init_pte(data, iova, paddr, prot, lvl, ptep);

	/* We can't allocate tables at the final level */
	if (WARN_ON(lvl >= ARM_LPAE_MAX_LEVELS - 1))
		return -EINVAL;

	/* Grab a pointer to the next level */
	pte = READ_ONCE(*ptep);
	if (!pte) {
		cptep = __arm_lpae_alloc_pages(tblsz, gfp, cfg);
		if (!cptep)
			return -ENOMEM;

		pte = arm_lpae_install_table(cptep, ptep, 0, cfg);
		if (pte)
			__arm_lpae_free_pages(cptep, tblsz, cfg);
	}

	if (pte && !iopte_leaf(pte, lvl)) {
		cptep = iopte_deref(pte, data);
	} else if (pte) {
		/* We require an unmap first */
		WARN_ON(!selftest_running);
		return -EEXIST;
	}

	/* Rinse, repeat */
	return __arm_lpae_map(data, iova, paddr, size, prot, lvl + 1, cptep, gfp);
}

/* Read-only: AP[2]. Writable with HTTU: DBM, and a new mapping starts dirty. */
static arm_lpae_iopte arm_lpae_prot_to_pte(struct arm_lpae_io_pgtable *data, int prot)
{
	if (!(prot & IOMMU_WRITE))
		return ARM_LPAE_PTE_AP_RDONLY;
	return (data->iop.cfg.quirks & IO_PGTABLE_QUIRK_ARM_HD) ? ARM_LPAE_PTE_DBM : 0;
}

static int arm_lpae_map(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr, size_t size,
			int iommu_prot, gfp_t gfp)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	struct io_pgtable_cfg *cfg = &data->iop.cfg;
	int ret;

	if (WARN_ON(!size || (size & cfg->pgsize_bitmap) != size))
		return -EINVAL;
	if (WARN_ON((u64)iova >> cfg->ias || paddr >> cfg->oas))
		return -ERANGE;

	/* If no access, then nothing to do */
	if (!(iommu_prot & (IOMMU_READ | IOMMU_WRITE)))
		return 0;

	ret = __arm_lpae_map(data, iova, paddr, size, arm_lpae_prot_to_pte(data, iommu_prot), data->start_level,
			     data->pgd, gfp);
	/* Synchronise all PTE updates for the new mapping before a walk can start for the new iova */
	wmb();

	return ret;
}

static void __arm_lpae_free_pgtable(struct arm_lpae_io_pgtable *data, int lvl, arm_lpae_iopte *ptep)
{
	arm_lpae_iopte *start = ptep, *end;
	unsigned long table_size;

	if (lvl == data->start_level)
		table_size = sizeof(arm_lpae_iopte) << data->pgd_bits;
	else
		table_size = ARM_LPAE_GRANULE(data);

	/* Only leaf entries at the last level */
	end = lvl == ARM_LPAE_MAX_LEVELS - 1 ? ptep : (void *)ptep + table_size;

	while (ptep != end) {
		arm_lpae_iopte pte = *ptep++;

		if (!pte || iopte_leaf(pte, lvl))
			continue;

		__arm_lpae_free_pgtable(data, lvl + 1, iopte_deref(pte, data));
	}

	__arm_lpae_free_pages(start, table_size, &data->iop.cfg);
}

static void arm_lpae_free_pgtable(struct io_pgtable *iop)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_to_data(iop);

	__arm_lpae_free_pgtable(data, data->start_level, data->pgd);
	kfree(data);
}

static size_t __arm_lpae_unmap(struct arm_lpae_io_pgtable *data, struct iommu_iotlb_gather *gather,
			       unsigned long iova, size_t size, int lvl, arm_lpae_iopte *ptep)
{
	struct io_pgtable *iop = &data->iop;
	arm_lpae_iopte pte;

	/* Something went horribly wrong and we ran out of page table */
	if (WARN_ON(lvl == ARM_LPAE_MAX_LEVELS))
		return 0;

	ptep += ARM_LPAE_LVL_IDX(iova, lvl, data);
	pte = READ_ONCE(*ptep);
	if (WARN_ON(!pte))
		return 0;

	/* If the size matches this level, we're in the right place */
	if (size == ARM_LPAE_BLOCK_SIZE(lvl, data)) {
		__arm_lpae_set_pte(ptep, 0, &iop->cfg);

		if (!iopte_leaf(pte, lvl)) {
			/* Also flush any partial walks */
			io_pgtable_tlb_flush_walk(iop, iova, size, ARM_LPAE_GRANULE(data));
			__arm_lpae_free_pgtable(data, lvl + 1, iopte_deref(pte, data));
		} else if (iop->cfg.quirks & IO_PGTABLE_QUIRK_NON_STRICT) {
			/* Order the PTE update against queueing the IOVA for the flush queue */
			smp_wmb();
		} else {
			io_pgtable_tlb_add_page(iop, gather, iova, size);
		}

		return size;
	} else if (iopte_leaf(pte, lvl)) {
		/* Part of a block: its callers unmap what they mapped; nothing is unmapped */
		return 0;
	}

	/* Keep on walkin' */
	return __arm_lpae_unmap(data, gather, iova, size, lvl + 1, iopte_deref(pte, data));
}

static size_t arm_lpae_unmap(struct io_pgtable_ops *ops, unsigned long iova, size_t size,
			     struct iommu_iotlb_gather *gather)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	struct io_pgtable_cfg *cfg = &data->iop.cfg;

	if (WARN_ON(!size || (size & cfg->pgsize_bitmap) != size))
		return 0;
	if (WARN_ON((u64)iova >> cfg->ias))
		return 0;

	return __arm_lpae_unmap(data, gather, iova, size, data->start_level, data->pgd);
}

static phys_addr_t arm_lpae_iova_to_phys(struct io_pgtable_ops *ops, unsigned long iova)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	arm_lpae_iopte pte, *ptep = data->pgd;
	int lvl = data->start_level;

	do {
		/* Valid IOPTE pointer? */
		if (!ptep)
			return 0;

		/* Grab the IOPTE we're interested in */
		ptep += ARM_LPAE_LVL_IDX(iova, lvl, data);
		pte = *ptep;

		/* Valid entry? */
		if (!pte)
			return 0;

		/* Leaf entry? */
		if (iopte_leaf(pte, lvl))
			goto found_translation;

		/* Take it to the next level */
		ptep = iopte_deref(pte, data);
	} while (++lvl < ARM_LPAE_MAX_LEVELS);

	/* Ran out of page tables to walk */
	return 0;

found_translation:
	return iopte_to_paddr(pte, lvl, data) | (iova & (ARM_LPAE_BLOCK_SIZE(lvl, data) - 1));
}

/* ---- The dirty-log series: split_block ---- */

/* The entry that maps the size-aligned chunk at iova whole (its level's block size is size), or
 * NULL when the walk ends first: a hole (*pte = 0) or a bigger leaf (*pte that leaf). */
static arm_lpae_iopte *arm_lpae_chunk_ptep(struct arm_lpae_io_pgtable *data, unsigned long iova, size_t size,
					   int *lvlp, arm_lpae_iopte *pte)
{
	arm_lpae_iopte *ptep = data->pgd;
	int lvl;

	for (lvl = data->start_level;; lvl++) {
		ptep += ARM_LPAE_LVL_IDX(iova, lvl, data);
		*pte = READ_ONCE(*ptep);
		*lvlp = lvl;
		if (ARM_LPAE_BLOCK_SIZE(lvl, data) == size)
			return ptep;
		if (!iopte_table(*pte, lvl))
			return NULL;
		ptep = iopte_deref(*pte, data);
	}
}

/* The pages of blk, in the off-line tables (tables[0] the one that replaces it): same output,
 * permission and dirty state. Plain stores: nothing else can reach them yet. */
static arm_lpae_iopte arm_lpae_fill_split(struct arm_lpae_io_pgtable *data, arm_lpae_iopte blk, int lvl,
					  arm_lpae_iopte **tables)
{
	struct io_pgtable_cfg *cfg = &data->iop.cfg;
	arm_lpae_iopte prot = blk & (ARM_LPAE_PTE_AP_RDONLY | ARM_LPAE_PTE_DBM);
	phys_addr_t paddr = iopte_to_paddr(blk, lvl, data);
	int n = ARM_LPAE_PTES_PER_TABLE(data), i, t;

	for (t = 0; t < (lvl == 1 ? n : 1); t++) {
		arm_lpae_iopte *pages = tables[lvl == 1 ? 1 + t : 0];

		for (i = 0; i < n; i++)
			__arm_lpae_set_pte(&pages[i],
					   __arm_lpae_leaf(data, paddr + ((u64)t * n + i) * SZ_4K, prot, 3), cfg);
		if (lvl == 1)
			__arm_lpae_set_pte(&tables[0][t], __pa(pages) | ARM_LPAE_PTE_TYPE_TABLE, cfg);
	}
	return __pa(tables[0]) | ARM_LPAE_PTE_TYPE_TABLE;
}

/* BBML1: blk -> blk|nT by cmpxchg64, flush, then the table by cmpxchg64; BBML2: the table by
 * cmpxchg64, then flush. A cmpxchg64 that fails saw the device dirty the block: again, dirty. */
static void arm_lpae_do_split_blk(struct arm_lpae_io_pgtable *data, unsigned long iova, arm_lpae_iopte blk,
				  int lvl, arm_lpae_iopte *ptep, arm_lpae_iopte **tables)
{
	struct io_pgtable_cfg *cfg = &data->iop.cfg;
	size_t size = ARM_LPAE_BLOCK_SIZE(lvl, data);
	arm_lpae_iopte old;

	if (cfg->quirks & IO_PGTABLE_QUIRK_ARM_BBML1) {
		while ((old = cmpxchg64(ptep, blk, blk | ARM_LPAE_PTE_NT)) != blk)
			blk = old;
		blk |= ARM_LPAE_PTE_NT;
		io_pgtable_tlb_flush_walk(&data->iop, iova, size, ARM_LPAE_GRANULE(data));
	}
	while ((old = arm_lpae_install_table(tables[0], ptep, blk, cfg)) != blk) {
		blk = old;
		arm_lpae_fill_split(data, blk, lvl, tables);
	}
	if (cfg->quirks & IO_PGTABLE_QUIRK_ARM_BBML2)
		io_pgtable_tlb_flush_walk(&data->iop, iova, size, ARM_LPAE_GRANULE(data));
}

/* nr zeroed tables, all or none. */
static arm_lpae_iopte **arm_lpae_alloc_tables(struct arm_lpae_io_pgtable *data, int nr)
{
	struct io_pgtable_cfg *cfg = &data->iop.cfg;
	arm_lpae_iopte **tables = kmalloc_array(nr, sizeof(*tables), GFP_ATOMIC);
	int i;

	for (i = 0; tables && i < nr; i++) {
		tables[i] = __arm_lpae_alloc_pages(ARM_LPAE_GRANULE(data), GFP_ATOMIC, cfg);
		if (!tables[i]) {
			while (i--)
				__arm_lpae_free_pages(tables[i], ARM_LPAE_GRANULE(data), cfg);
			kfree(tables);
			return NULL;
		}
	}
	return tables;
}

/*
 * The blocks of one chunk (size: a leaf size, iova aligned to it) become pages: a block at the
 * chunk's level, or for a 1G chunk the 2M blocks of its table. Every table is allocated before
 * the first block changes; returns size, or 0 (out of memory, or the chunk lies inside a bigger
 * block: splitting that would split memory outside the chunk).
 */
static size_t arm_lpae_split_block(struct io_pgtable_ops *ops, unsigned long iova, size_t size)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	struct io_pgtable_cfg *cfg = &data->iop.cfg;
	int n = ARM_LPAE_PTES_PER_TABLE(data), lvl, i, nr = 0, used = 0;
	arm_lpae_iopte pte, *ptep, *cptep, **tables;

	if (!(cfg->quirks & (IO_PGTABLE_QUIRK_ARM_BBML1 | IO_PGTABLE_QUIRK_ARM_BBML2)))
		return 0;
	if (WARN_ON(!size || (size & cfg->pgsize_bitmap) != size || !IS_ALIGNED(iova, size)))
		return 0;
	/* Beyond the input range: the caller's mistake, no WARN */
	if ((u64)iova >> cfg->ias)
		return 0;

	ptep = arm_lpae_chunk_ptep(data, iova, size, &lvl, &pte);
	if (!ptep)
		return iopte_leaf(pte, lvl) ? 0 : size;
	if (lvl == ARM_LPAE_MAX_LEVELS - 1)
		return size;

	if (iopte_leaf(pte, lvl)) {
		nr = lvl == 1 ? 1 + n : 1;
		tables = arm_lpae_alloc_tables(data, nr);
		if (!tables)
			return 0;
		arm_lpae_fill_split(data, pte, lvl, tables);
		arm_lpae_do_split_blk(data, iova, pte, lvl, ptep, tables);
		kfree(tables);
		return size;
	}
	if (!iopte_table(pte, lvl) || lvl != 1)
		return size;

	/* A 1G chunk already a table: its 2M blocks */
	cptep = iopte_deref(pte, data);
	for (i = 0; i < n; i++)
		nr += iopte_leaf(READ_ONCE(cptep[i]), 2);
	if (!nr)
		return size;
	tables = arm_lpae_alloc_tables(data, nr);
	if (!tables)
		return 0;
	for (i = 0; i < n && used < nr; i++) {
		arm_lpae_iopte blk = READ_ONCE(cptep[i]);

		if (!iopte_leaf(blk, 2))
			continue;
		arm_lpae_fill_split(data, blk, 2, &tables[used]);
		arm_lpae_do_split_blk(data, iova + (u64)i * SZ_2M, blk, 2, &cptep[i], &tables[used]);
		used++;
	}
	kfree(tables);
	return size;
}

/* ---- The dirty-log series: merge_page ---- */

/* Whether every page below the table of level lvl is mapped at paddr onwards with prot's
 * permission; *dirty: any of them dirty. */
static bool arm_lpae_pages_mergeable(struct arm_lpae_io_pgtable *data, arm_lpae_iopte *tablep, int lvl,
				     phys_addr_t paddr, arm_lpae_iopte prot, bool *dirty)
{
	struct io_pgtable_cfg *cfg = &data->iop.cfg;
	size_t span = ARM_LPAE_BLOCK_SIZE(lvl, data);
	int i;

	for (i = 0; i < ARM_LPAE_PTES_PER_TABLE(data); i++, paddr += span) {
		arm_lpae_iopte pte = READ_ONCE(tablep[i]);

		if (iopte_table(pte, lvl)) {
			if (!arm_lpae_pages_mergeable(data, iopte_deref(pte, data), lvl + 1, paddr, prot, dirty))
				return false;
			continue;
		}
		if (!iopte_leaf(pte, lvl) || iopte_to_paddr(pte, lvl, data) != paddr ||
		    iopte_writeable(pte, cfg) != iopte_writeable(prot, cfg))
			return false;
		*dirty |= iopte_hw_dirty(pte, cfg);
	}
	return true;
}

/*
 * The pages of one chunk (size: a block size, iova and phys aligned to it; the caller mapped
 * them at phys with prot) become one block when they are all there: table -> block (BBML1:
 * block|nT) by cmpxchg64, walk flushed and synced, the old pages read again (the device may have
 * dirtied them through cached entries until the sync), nT cleared, the tables freed. Returns
 * size; a chunk that cannot be merged is left as it is.
 */
static size_t arm_lpae_merge_page(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t phys, size_t size,
				  int iommu_prot)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	struct io_pgtable_cfg *cfg = &data->iop.cfg;
	arm_lpae_iopte pte, *ptep, blk, prot = arm_lpae_prot_to_pte(data, iommu_prot), cur, want;
	bool dirty = false, late = false;
	int lvl;

	if (!(cfg->quirks & (IO_PGTABLE_QUIRK_ARM_BBML1 | IO_PGTABLE_QUIRK_ARM_BBML2)))
		return 0;
	if (WARN_ON(!size || (size & cfg->pgsize_bitmap) != size || !IS_ALIGNED(iova | phys, size)))
		return 0;
	if ((u64)iova >> cfg->ias)
		return 0;

	ptep = arm_lpae_chunk_ptep(data, iova, size, &lvl, &pte);
	if (!ptep || !iopte_table(pte, lvl))
		return size;
	if (!arm_lpae_pages_mergeable(data, iopte_deref(pte, data), lvl + 1, phys, prot, &dirty))
		return size;

	blk = __arm_lpae_leaf(data, phys, prot, lvl);
	if ((prot & ARM_LPAE_PTE_DBM) && !dirty)
		blk |= ARM_LPAE_PTE_AP_RDONLY;
	if (cfg->quirks & IO_PGTABLE_QUIRK_ARM_BBML1)
		blk |= ARM_LPAE_PTE_NT;
	if (cmpxchg64(ptep, pte, blk) != pte)
		return size;
	io_pgtable_tlb_flush_walk(&data->iop, iova, size, ARM_LPAE_GRANULE(data));

	if ((prot & ARM_LPAE_PTE_DBM) && !dirty)
		arm_lpae_pages_mergeable(data, iopte_deref(pte, data), lvl + 1, phys, prot, &late);
	cur = blk;
	for (;;) {
		want = cur & ~ARM_LPAE_PTE_NT;
		if (late)
			want &= ~ARM_LPAE_PTE_AP_RDONLY;
		if (want == cur)
			break;
		want = cmpxchg64(ptep, cur, want);
		if (want == cur)
			break;
		cur = want;
	}
	__arm_lpae_free_pgtable(data, lvl + 1, iopte_deref(pte, data));
	return size;
}

/* ---- alloc ---- */

static struct io_pgtable *arm_64_lpae_alloc_pgtable_s1(struct io_pgtable_cfg *cfg, void *cookie)
{
	struct arm_lpae_io_pgtable *data;

	if (cfg->quirks & ~(IO_PGTABLE_QUIRK_NON_STRICT | IO_PGTABLE_QUIRK_ARM_HD | IO_PGTABLE_QUIRK_ARM_BBML1 |
			    IO_PGTABLE_QUIRK_ARM_BBML2))
		return NULL;
	if (cfg->ias > ARM_LPAE_MAX_ADDR_BITS || cfg->oas > ARM_LPAE_MAX_ADDR_BITS || cfg->ias < 32 ||
	    !(cfg->pgsize_bitmap & SZ_4K))
		return NULL;
	/* 4K granule only: its block sizes */
	cfg->pgsize_bitmap &= SZ_4K | SZ_2M | SZ_1G;

	data = kmalloc(sizeof(*data), GFP_KERNEL);
	if (!data)
		return NULL;

	data->bits_per_level = 9;
	data->start_level = ARM_LPAE_MAX_LEVELS - DIV_ROUND_UP(cfg->ias - ARM_LPAE_GRANULE_SHIFT, 9);
	data->pgd_bits = cfg->ias - ARM_LPAE_LVL_SHIFT(data->start_level, data);

	data->iop.ops = (struct io_pgtable_ops) {
		.map		= arm_lpae_map,
		.unmap		= arm_lpae_unmap,
		.iova_to_phys	= arm_lpae_iova_to_phys,
		.split_block	= arm_lpae_split_block,
		.merge_page	= arm_lpae_merge_page,
	};

	data->pgd = __arm_lpae_alloc_pages(sizeof(arm_lpae_iopte) << data->pgd_bits, GFP_KERNEL, cfg);
	if (!data->pgd) {
		kfree(data);
		return NULL;
	}

	/* Ensure the empty pgd is visible before any actual TTBR write */
	wmb();

	cfg->arm_lpae_s1_cfg.ttbr = virt_to_phys(data->pgd);
	data->iop.cfg = *cfg;
	return &data->iop;
}

struct io_pgtable_init_fns io_pgtable_arm_64_lpae_s1_init_fns = {
	.alloc	= arm_64_lpae_alloc_pgtable_s1,
	.free	= arm_lpae_free_pgtable,
};
