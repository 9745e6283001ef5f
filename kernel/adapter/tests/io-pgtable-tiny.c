// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * A small stage-1 LPAE io-pgtable in the kernel's shape (v6 API), written for
 * ptcheck's adapter tests: an io_pgtable_init_fns with alloc/free and
 * io_pgtable_ops with map_pages, unmap_pages, iova_to_phys and
 * read_and_clear_dirty, built from the kernel include tree alone. Two split
 * functions in the two shapes the adapter accepts (the 2021 RFC's
 * split_block and a whole-range int form) and the RFC's merge_page shape.
 * With TINY_V5 defined, the v5.10 ops instead (map, unmap; lazy as the
 * NON_STRICT quirk; no dirty read); with TINY_BBML, it takes the series'
 * BBML1/2 quirks (else it refuses them, as mainline does).
 */
#include <linux/io-pgtable.h>
#include <linux/iommu.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/sizes.h>
#include <linux/errno.h>
#include <linux/kernel.h>

#define TINY_VALID	BIT_ULL(0)
#define TINY_TABLE	BIT_ULL(1)	/* a table at L0-L2, a page at L3 */
#define TINY_RDONLY	BIT_ULL(7)
#define TINY_AF		BIT_ULL(10)
#define TINY_DBM	BIT_ULL(51)
#define TINY_ADDR	GENMASK_ULL(47, 12)
#define TINY_ATTRS	(TINY_RDONLY | TINY_AF | TINY_DBM)

/* The 2021 series' BBM quirks with its split and merge (TINY_BBML), v5.10's lazy quirk (TINY_V5). */
#ifdef TINY_BBML
#define TINY_BBML_QUIRKS	(IO_PGTABLE_QUIRK_ARM_BBML1 | IO_PGTABLE_QUIRK_ARM_BBML2)
#else
#define TINY_BBML_QUIRKS	0
#endif
#ifdef TINY_V5
#define TINY_QUIRKS		(TINY_BBML_QUIRKS | IO_PGTABLE_QUIRK_NON_STRICT)
#else
#define TINY_QUIRKS		TINY_BBML_QUIRKS
#endif

struct tiny_pgtable {
	struct io_pgtable	iop;
	u64			*pgd;
	int			start;	/* the level of pgd */
};

#define to_tiny(ops) \
	container_of(io_pgtable_ops_to_pgtable(ops), struct tiny_pgtable, iop)

static unsigned int tiny_shift(int lvl)
{
	return 12 + 9 * (3 - lvl);
}

static u64 *tiny_ptep(u64 *table, unsigned long iova, int lvl)
{
	return table + ((iova >> tiny_shift(lvl)) & 511);
}

static bool tiny_is_table(u64 pte, int lvl)
{
	return lvl < 3 && (pte & (TINY_VALID | TINY_TABLE)) == (TINY_VALID | TINY_TABLE);
}

static u64 *tiny_deref(u64 pte)
{
	return phys_to_virt(pte & TINY_ADDR);
}

static u64 *tiny_alloc_table(gfp_t gfp)
{
	struct page *p = alloc_pages_node(NUMA_NO_NODE, gfp | __GFP_ZERO, 0);

	return p ? page_address(p) : NULL;
}

static void tiny_free_table(u64 *table, int lvl)
{
	int i;

	for (i = 0; lvl < 3 && i < 512; i++) {
		u64 pte = READ_ONCE(table[i]);

		if (tiny_is_table(pte, lvl))
			tiny_free_table(tiny_deref(pte), lvl + 1);
	}
	free_pages((unsigned long)table, 0);
}

/* No leaf anywhere below: the table holds nothing but empty tables. */
static bool tiny_empty(u64 *table, int lvl)
{
	int i;

	for (i = 0; i < 512; i++) {
		u64 pte = READ_ONCE(table[i]);

		if (pte && !(tiny_is_table(pte, lvl) && tiny_empty(tiny_deref(pte), lvl + 1)))
			return false;
	}
	return true;
}

/* The leaf (or the hole) at iova: its descriptor pointer and level. */
static u64 *tiny_walk(struct tiny_pgtable *data, unsigned long iova, int *lvl)
{
	u64 *table = data->pgd;

	for (*lvl = data->start; ; (*lvl)++) {
		u64 *ptep = tiny_ptep(table, iova, *lvl);
		u64 pte = READ_ONCE(*ptep);

		if (!tiny_is_table(pte, *lvl))
			return pte ? ptep : NULL;
		table = tiny_deref(pte);
	}
}

static int tiny_map_one(struct tiny_pgtable *data, unsigned long iova,
			phys_addr_t paddr, size_t size, int prot, gfp_t gfp)
{
	u64 *table = data->pgd, *ptep, pte;
	int lvl, leaf = 3 - (ilog2(size) - 12) / 9;

	for (lvl = data->start; lvl < leaf; lvl++) {
		ptep = tiny_ptep(table, iova, lvl);
		pte = READ_ONCE(*ptep);
		if (!pte) {
			u64 *next = tiny_alloc_table(gfp);

			if (!next)
				return -ENOMEM;
			pte = virt_to_phys(next) | TINY_TABLE | TINY_VALID;
			if (cmpxchg64(ptep, 0ULL, pte)) {
				free_pages((unsigned long)next, 0);
				pte = READ_ONCE(*ptep);
			}
		}
		if (!tiny_is_table(pte, lvl))
			return -EEXIST;
		table = tiny_deref(pte);
	}
	ptep = tiny_ptep(table, iova, leaf);
	pte = READ_ONCE(*ptep);
	if (tiny_is_table(pte, leaf) && tiny_empty(tiny_deref(pte), leaf + 1)) {
		/* tables that unmaps emptied: gone before a block takes their place */
		WRITE_ONCE(*ptep, 0);
		io_pgtable_tlb_flush_walk(&data->iop, iova, size, SZ_4K);
		tiny_free_table(tiny_deref(pte), leaf + 1);
	} else if (pte) {
		return -EEXIST;
	}
	pte = paddr | TINY_VALID | TINY_AF | (leaf == 3 ? TINY_TABLE : 0);
	if (!(prot & IOMMU_WRITE))
		pte |= TINY_RDONLY;
	else if (data->iop.cfg.quirks & IO_PGTABLE_QUIRK_ARM_HD)
		pte |= TINY_DBM;	/* writable-dirty: new mappings count as dirty */
	WRITE_ONCE(*ptep, pte);
	return 0;
}

static int tiny_map_pages(struct io_pgtable_ops *ops, unsigned long iova,
			  phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, gfp_t gfp, size_t *mapped)
{
	int ret = 0;

	if (!(prot & (IOMMU_READ | IOMMU_WRITE)))
		return 0;
	while (pgcount-- && !ret) {
		ret = tiny_map_one(to_tiny(ops), iova, paddr, pgsize, prot, gfp);
		if (!ret)
			*mapped += pgsize;
		iova += pgsize;
		paddr += pgsize;
	}
	return ret;
}

/* Lazy unmap: the caller flushes later (v6: a queued gather; v5.10: the NON_STRICT quirk). */
static bool tiny_lazy(struct tiny_pgtable *data, struct iommu_iotlb_gather *gather)
{
#ifdef TINY_V5
	return data->iop.cfg.quirks & IO_PGTABLE_QUIRK_NON_STRICT;
#else
	return iommu_iotlb_gather_queued(gather);
#endif
}

static size_t tiny_unmap_pages(struct io_pgtable_ops *ops, unsigned long iova,
			       size_t pgsize, size_t pgcount,
			       struct iommu_iotlb_gather *gather)
{
	struct tiny_pgtable *data = to_tiny(ops);
	size_t unmapped = 0;

	while (pgcount--) {
		int lvl, want = 3 - (ilog2(pgsize) - 12) / 9;
		u64 *ptep = tiny_walk(data, iova, &lvl), pte;

		if (lvl > want) {
			/* a table over the range: the pages below go with it */
			u64 *table = data->pgd;

			for (lvl = data->start; lvl < want; lvl++)
				table = tiny_deref(READ_ONCE(*tiny_ptep(table, iova, lvl)));
			ptep = tiny_ptep(table, iova, want);
			pte = READ_ONCE(*ptep);
			if (!tiny_is_table(pte, want))
				break;
			WRITE_ONCE(*ptep, 0);
			io_pgtable_tlb_flush_walk(&data->iop, iova, pgsize, SZ_4K);
			tiny_free_table(tiny_deref(pte), want + 1);
		} else if (!ptep || lvl != want) {
			break;		/* a hole, or a leaf of another size */
		} else {
			WRITE_ONCE(*ptep, 0);
			if (!tiny_lazy(data, gather))
				io_pgtable_tlb_add_page(&data->iop, gather, iova, pgsize);
		}
		unmapped += pgsize;
		iova += pgsize;
	}
	return unmapped;
}

#ifdef TINY_V5
/* The v5.10 ops: one page size at a time. */
static int tiny_map(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr,
		    size_t size, int prot, gfp_t gfp)
{
	size_t mapped = 0;

	return tiny_map_pages(ops, iova, paddr, size, 1, prot, gfp, &mapped);
}

static size_t tiny_unmap(struct io_pgtable_ops *ops, unsigned long iova, size_t size,
			 struct iommu_iotlb_gather *gather)
{
	return tiny_unmap_pages(ops, iova, size, 1, gather);
}
#endif

static phys_addr_t tiny_iova_to_phys(struct io_pgtable_ops *ops, unsigned long iova)
{
	int lvl;
	u64 *ptep = tiny_walk(to_tiny(ops), iova, &lvl);
	u64 mask = (1ULL << tiny_shift(lvl)) - 1;

	return ptep ? ((READ_ONCE(*ptep) & TINY_ADDR & ~mask) | (iova & mask)) : 0;
}

static int __maybe_unused tiny_read_and_clear_dirty(struct io_pgtable_ops *ops, unsigned long iova,
				     size_t size, unsigned long flags,
				     struct iommu_dirty_bitmap *dirty)
{
	unsigned long addr = iova, end = iova + size;

	while (addr < end) {
		int lvl;
		u64 *ptep = tiny_walk(to_tiny(ops), addr, &lvl), pte;
		unsigned long leaf = ALIGN_DOWN(addr, 1ULL << tiny_shift(lvl));
		unsigned long next = leaf + (1ULL << tiny_shift(lvl));

		pte = ptep ? READ_ONCE(*ptep) : 0;
		if ((pte & (TINY_DBM | TINY_RDONLY)) == TINY_DBM) {
			iommu_dirty_bitmap_record(dirty, leaf, next - leaf);
			/* a leaf that sticks out of the range stays dirty */
			while (!(flags & IOMMU_DIRTY_NO_CLEAR) && leaf >= iova &&
			       next <= end && (pte & TINY_RDONLY) == 0 &&
			       cmpxchg64(ptep, pte, pte | TINY_RDONLY) != pte)
				pte = READ_ONCE(*ptep);
		}
		addr = next;
	}
	return 0;
}

/* Every block in the range becomes 4K pages: a full table of the block's
 * pieces replaces it with one compare-and-swap (break-before-make level 2). */
static int __maybe_unused tiny_split(struct io_pgtable_ops *ops, unsigned long iova, size_t size)
{
	struct tiny_pgtable *data = to_tiny(ops);
	unsigned long addr = iova, end = iova + size;

	while (addr < end) {
		int lvl, i;
		u64 *ptep = tiny_walk(data, addr, &lvl), pte, *table;
		size_t blk = 1ULL << tiny_shift(lvl), piece = blk >> 9;

		if (!ptep || lvl == 3) {
			addr = ALIGN_DOWN(addr, blk) + blk;
			continue;
		}
		if (addr & (blk - 1) || addr + blk > end)
			return -EINVAL;
		table = tiny_alloc_table(GFP_ATOMIC);
		if (!table)
			return -ENOMEM;
		do {
			pte = READ_ONCE(*ptep);
			for (i = 0; i < 512; i++)
				WRITE_ONCE(table[i], ((pte & TINY_ADDR) + i * piece) |
					   (pte & TINY_ATTRS) | TINY_VALID |
					   (lvl + 1 == 3 ? TINY_TABLE : 0));
		} while (cmpxchg64(ptep, pte, virt_to_phys(table) | TINY_TABLE |
				   TINY_VALID) != pte);
		io_pgtable_tlb_flush_walk(&data->iop, addr, blk, SZ_4K);
	}
	return 0;
}

/* The RFC's shape: bytes handled, all of size or a failure. */
static size_t __maybe_unused tiny_split_block(struct io_pgtable_ops *ops, unsigned long iova,
			       size_t size)
{
	return tiny_split(ops, iova, size) ? 0 : size;
}

/*
 * The RFC's merge_page shape: [iova, iova + size), a full table of leaves
 * that map phys.. contiguously, becomes one block with prot; dirty if a
 * piece was. Pieces the device dirties until the walk is flushed are looked
 * at again afterwards.
 */
static size_t __maybe_unused tiny_merge_page(struct io_pgtable_ops *ops, unsigned long iova,
					     phys_addr_t phys, size_t size, int prot)
{
	struct tiny_pgtable *data = to_tiny(ops);
	int lvl, i, want = 3 - (ilog2(size) - 12) / 9;
	u64 *table = data->pgd, *ptep, pte, blk, *pieces;
	bool dirty = false;

	if (want == 3)
		return size;
	for (lvl = data->start; lvl < want; lvl++) {
		pte = READ_ONCE(*tiny_ptep(table, iova, lvl));
		if (!tiny_is_table(pte, lvl))
			return 0;
		table = tiny_deref(pte);
	}
	ptep = tiny_ptep(table, iova, want);
	pte = READ_ONCE(*ptep);
	if (!tiny_is_table(pte, want))
		return size;		/* a block already */
	pieces = tiny_deref(pte);
	for (i = 0; i < 512; i++) {
		u64 piece = READ_ONCE(pieces[i]);

		if (!(piece & TINY_VALID) || tiny_is_table(piece, want + 1) ||
		    (piece & TINY_ADDR) != phys + i * (size >> 9))
			return 0;
		dirty |= (piece & (TINY_DBM | TINY_RDONLY)) == TINY_DBM;
	}
	blk = phys | TINY_VALID | TINY_AF;
	if (!(prot & IOMMU_WRITE))
		blk |= TINY_RDONLY;
	else if (data->iop.cfg.quirks & IO_PGTABLE_QUIRK_ARM_HD)
		blk |= TINY_DBM | (dirty ? 0 : TINY_RDONLY);
	if (cmpxchg64(ptep, pte, blk) != pte)
		return 0;
	io_pgtable_tlb_flush_walk(&data->iop, iova, size, SZ_4K);
	for (i = 0; !dirty && i < 512; i++) {
		if ((READ_ONCE(pieces[i]) & (TINY_DBM | TINY_RDONLY)) != TINY_DBM)
			continue;
		dirty = true;
		while ((blk & TINY_RDONLY) && cmpxchg64(ptep, blk, blk & ~TINY_RDONLY) != blk)
			blk = READ_ONCE(*ptep);
	}
	tiny_free_table(pieces, want + 1);
	return size;
}

static struct io_pgtable *tiny_alloc(struct io_pgtable_cfg *cfg, void *cookie)
{
	struct tiny_pgtable *data;

	/* quirks it does not know it refuses, as io-pgtable-arm does */
	if (cfg->quirks & ~(IO_PGTABLE_QUIRK_ARM_HD | TINY_QUIRKS))
		return NULL;
	if (cfg->ias > 48 || cfg->ias < 32 || cfg->oas > 48 ||
	    !(cfg->pgsize_bitmap & SZ_4K))
		return NULL;
	cfg->pgsize_bitmap &= SZ_4K | SZ_2M | SZ_1G;
	data = kzalloc(sizeof(*data), GFP_KERNEL);
	if (!data)
		return NULL;
	data->start = 4 - DIV_ROUND_UP(cfg->ias - 12, 9);
	data->pgd = tiny_alloc_table(GFP_KERNEL);
	if (!data->pgd) {
		kfree(data);
		return NULL;
	}
	cfg->arm_lpae_s1_cfg.ttbr = virt_to_phys(data->pgd);
#ifdef TINY_V5
	data->iop.ops = (struct io_pgtable_ops) {
		.map			= tiny_map,
		.unmap			= tiny_unmap,
		.iova_to_phys		= tiny_iova_to_phys,
	};
#else
	data->iop.ops = (struct io_pgtable_ops) {
		.map_pages		= tiny_map_pages,
		.unmap_pages		= tiny_unmap_pages,
		.iova_to_phys		= tiny_iova_to_phys,
		.read_and_clear_dirty	= tiny_read_and_clear_dirty,
	};
#endif
	return &data->iop;
}

static void tiny_free(struct io_pgtable *iop)
{
	struct tiny_pgtable *data = container_of(iop, struct tiny_pgtable, iop);

	tiny_free_table(data->pgd, data->start);
	kfree(data);
}

struct io_pgtable_init_fns tiny_pgtable_init_fns = {
	.alloc	= tiny_alloc,
	.free	= tiny_free,
};
