// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * An Arm SMMUv3 stage-1 IO page table (VMSAv8-64 long descriptors, 4K granule) written the way
 * drivers/iommu/io-pgtable-arm.c is: an ops table, level arithmetic in macros, recursive
 * __arm_lpae_* walkers, and every descriptor touched through READ_ONCE / WRITE_ONCE / cmpxchg64 /
 * xchg / set_bit. Built against <ptcheck/kernel_shim.h>, those primitives are ptcheck's ptc_hw
 * accessors, so the simulated SMMU sees every access and may act between any two of them.
 *
 * Beyond io-pgtable-arm it has HTTU dirty tracking with race-free clearing, BBML1/BBML2 block
 * split and merge, and lazy (non-strict) unmap. The rules it keeps (SPEC.md section 4):
 *  - the walker may cache anything it can reach, at any moment; an invalidation covers only
 *    changes made before it and takes effect at the next sync;
 *  - so a table is freed only when unreachable and after a non-leaf invalidation, issued after
 *    the unlink, has been synced;
 *  - HTTU clears AP[2] of a writable-clean leaf by compare-and-swap at any time: wherever the
 *    dirty state matters the descriptor changes atomically (cmpxchg64, xchg, set_bit) and we act
 *    on the value that access returned;
 *  - -ENOMEM changes nothing: every table an operation needs is allocated before the first
 *    descriptor changes;
 *  - operations on disjoint ranges may run concurrently: they share only the table descriptors
 *    above their ranges, which go only from 0 to a table, by cmpxchg64.
 *
 * KSTYLE_BREAK_SPLIT (a compile definition) installs the split table with WRITE_ONCE instead of
 * cmpxchg64: one line, and a device write landing while the table is built is lost.
 */
#include "io-pgtable-kstyle.h"

#define ARM_LPAE_MAX_LEVELS		4
#define ARM_LPAE_GRANULE_SHIFT		12
#define ARM_LPAE_BITS_PER_LEVEL		9
#define ARM_LPAE_PTES_PER_TABLE		(1 << ARM_LPAE_BITS_PER_LEVEL)
#define ARM_LPAE_TABLE_SIZE		(ARM_LPAE_PTES_PER_TABLE * sizeof(arm_lpae_iopte))

/* A level-l entry maps 1 << ARM_LPAE_LVL_SHIFT(l) bytes: L0 512G, L1 1G, L2 2M, L3 4K. */
#define ARM_LPAE_LVL_SHIFT(l)						\
	(ARM_LPAE_GRANULE_SHIFT + (ARM_LPAE_MAX_LEVELS - 1 - (l)) * ARM_LPAE_BITS_PER_LEVEL)
#define ARM_LPAE_BLOCK_SIZE(l)		(1ULL << ARM_LPAE_LVL_SHIFT(l))
#define ARM_LPAE_PTES_AT(l, d)						\
	((l) == (d)->start_level ? 1 << (d)->pgd_bits : ARM_LPAE_PTES_PER_TABLE)
#define ARM_LPAE_LVL_IDX(a, l, d)					\
	(((u64)(a) >> ARM_LPAE_LVL_SHIFT(l)) & (ARM_LPAE_PTES_AT(l, d) - 1))

/* Descriptor bits (SPEC section 2) */
#define ARM_LPAE_PTE_TYPE_MASK		0x3ULL
#define ARM_LPAE_PTE_TYPE_BLOCK		1
#define ARM_LPAE_PTE_TYPE_TABLE		3
#define ARM_LPAE_PTE_TYPE_PAGE		3
#define ARM_LPAE_PTE_VALID		BIT(0)
#define ARM_LPAE_PTE_AP_RDONLY_BIT	7
#define ARM_LPAE_PTE_AP_RDONLY		BIT(ARM_LPAE_PTE_AP_RDONLY_BIT)
#define ARM_LPAE_PTE_AF			BIT(10)
#define ARM_LPAE_PTE_NT			BIT(16)
#define ARM_LPAE_PTE_DBM		BIT_ULL(51)
#define ARM_LPAE_PTE_ADDR_MASK		GENMASK_ULL(47, 12)

typedef u64 arm_lpae_iopte;

struct arm_lpae_io_pgtable {
	struct io_pgtable_ops	ops;
	struct io_pgtable_cfg	cfg;
	int			pgd_bits;
	int			start_level;
	bool			hd;		/* IO_PGTABLE_QUIRK_ARM_HD */
	bool			non_strict;	/* IO_PGTABLE_QUIRK_NON_STRICT */
	arm_lpae_iopte		*pgd;
};

#define io_pgtable_ops_to_data(x)	((struct arm_lpae_io_pgtable *)(x))
#define iopte_type(pte)			((pte) & ARM_LPAE_PTE_TYPE_MASK)
#define iopte_deref(pte)		((arm_lpae_iopte *)__va((pte) & ARM_LPAE_PTE_ADDR_MASK))

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

/* read-only AP2=1 | writable-clean DBM=1 AP2=1 | writable-dirty DBM=1 AP2=0 | writable, HTTU off: 0 0 */
static bool iopte_writeable(arm_lpae_iopte pte, struct arm_lpae_io_pgtable *data)
{
	return !(pte & ARM_LPAE_PTE_AP_RDONLY) || (data->hd && (pte & ARM_LPAE_PTE_DBM));
}

static bool iopte_writeable_dirty(arm_lpae_iopte pte, struct arm_lpae_io_pgtable *data)
{
	return data->hd && (pte & (ARM_LPAE_PTE_DBM | ARM_LPAE_PTE_AP_RDONLY)) == ARM_LPAE_PTE_DBM;
}

static arm_lpae_iopte arm_lpae_leaf_pte(struct arm_lpae_io_pgtable *data, int lvl, phys_addr_t paddr,
					bool writeable, bool dirty)
{
	arm_lpae_iopte pte = ARM_LPAE_PTE_AF | (paddr & ARM_LPAE_PTE_ADDR_MASK);

	pte |= lvl == ARM_LPAE_MAX_LEVELS - 1 ? ARM_LPAE_PTE_TYPE_PAGE : ARM_LPAE_PTE_TYPE_BLOCK;
	if (!writeable)
		pte |= ARM_LPAE_PTE_AP_RDONLY;
	else if (data->hd)
		pte |= dirty ? ARM_LPAE_PTE_DBM : ARM_LPAE_PTE_DBM | ARM_LPAE_PTE_AP_RDONLY;
	return pte;
}

static arm_lpae_iopte arm_lpae_table_pte(arm_lpae_iopte *table)
{
	return virt_to_phys(table) | ARM_LPAE_PTE_TYPE_TABLE;
}

static int arm_lpae_lvl_of_size(size_t size)
{
	return size == SZ_1G ? 1 : size == SZ_2M ? 2 : 3;
}

/* A zeroed table below the pgd, or NULL (also when the address does not fit bits 47:12). */
static arm_lpae_iopte *arm_lpae_alloc_table(struct arm_lpae_io_pgtable *data)
{
	arm_lpae_iopte *table = __arm_lpae_alloc_pages(ARM_LPAE_TABLE_SIZE, GFP_ATOMIC, &data->cfg);

	if (table && (virt_to_phys(table) & ~ARM_LPAE_PTE_ADDR_MASK)) {
		__arm_lpae_free_pages(table, ARM_LPAE_TABLE_SIZE, &data->cfg);
		return NULL;
	}
	return table;
}

/* Frees a table and everything below it. Only once the walker cannot reach any of it. */
static void __arm_lpae_free_pgtable(struct arm_lpae_io_pgtable *data, int lvl, arm_lpae_iopte *ptep)
{
	int i;

	if (lvl < ARM_LPAE_MAX_LEVELS - 1) {
		for (i = 0; i < ARM_LPAE_PTES_AT(lvl, data); i++) {
			arm_lpae_iopte pte = READ_ONCE(ptep[i]);

			if (iopte_table(pte, lvl))
				__arm_lpae_free_pgtable(data, lvl + 1, iopte_deref(pte));
		}
	}
	__arm_lpae_free_pages(ptep, ARM_LPAE_TABLE_SIZE, &data->cfg);
}

/* 4K-aligned, non-empty, below 2^ias. */
static bool arm_lpae_iova_ok(struct arm_lpae_io_pgtable *data, u64 iova, u64 size)
{
	u64 top = 1ULL << data->cfg.ias;

	return IS_ALIGNED(iova | size, SZ_4K) && size && iova < top && size <= top - iova;
}

/* ---- Walking ---- */

struct io_pgtable_walk_data {
	struct arm_lpae_io_pgtable	*data;
	int (*visit)(struct io_pgtable_walk_data *wd, arm_lpae_iopte *ptep, arm_lpae_iopte pte,
		     int lvl, u64 iova);
	void				*arg;
	u64				addr, end;
};

/* Calls wd->visit for every leaf intersecting [wd->addr, wd->end), in order; stops at the first
 * nonzero return. visit may replace the leaf (it is not revisited). */
static int __arm_lpae_iopte_walk(struct io_pgtable_walk_data *wd, arm_lpae_iopte *tablep, int lvl, u64 base)
{
	u64 span = ARM_LPAE_BLOCK_SIZE(lvl);
	int i = wd->addr > base ? (wd->addr - base) >> ARM_LPAE_LVL_SHIFT(lvl) : 0;
	int ret;

	for (; i < ARM_LPAE_PTES_AT(lvl, wd->data); i++) {
		u64 iova = base + i * span;
		arm_lpae_iopte pte;

		if (iova >= wd->end)
			break;
		pte = READ_ONCE(tablep[i]);
		if (iopte_table(pte, lvl))
			ret = __arm_lpae_iopte_walk(wd, iopte_deref(pte), lvl + 1, iova);
		else if (iopte_leaf(pte, lvl))
			ret = wd->visit(wd, &tablep[i], pte, lvl, iova);
		else
			ret = 0;
		if (ret)
			return ret;
	}
	return 0;
}

static int arm_lpae_walk(struct arm_lpae_io_pgtable *data, u64 iova, u64 size,
			 int (*visit)(struct io_pgtable_walk_data *, arm_lpae_iopte *, arm_lpae_iopte, int, u64),
			 void *arg)
{
	struct io_pgtable_walk_data wd = {
		.data = data, .visit = visit, .arg = arg, .addr = iova, .end = iova + size,
	};

	return __arm_lpae_iopte_walk(&wd, data->pgd, data->start_level, 0);
}

/* The leaf translating iova: its descriptor pointer and level, or NULL. */
static arm_lpae_iopte *arm_lpae_find_leaf(struct arm_lpae_io_pgtable *data, u64 iova, arm_lpae_iopte *ptev, int *lvlp)
{
	arm_lpae_iopte *ptep = data->pgd;
	int lvl;

	for (lvl = data->start_level; lvl < ARM_LPAE_MAX_LEVELS; lvl++) {
		arm_lpae_iopte pte;

		ptep += ARM_LPAE_LVL_IDX(iova, lvl, data);
		pte = READ_ONCE(*ptep);
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

/* ---- Preallocated tables: -ENOMEM before the first change ---- */

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
		pa->tables[pa->nr] = arm_lpae_alloc_table(data);
		if (!pa->tables[pa->nr]) {
			while (pa->nr--)
				__arm_lpae_free_pages(pa->tables[pa->nr], ARM_LPAE_TABLE_SIZE, &data->cfg);
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
		__arm_lpae_free_pages(pa->tables[pa->used], ARM_LPAE_TABLE_SIZE, &data->cfg);
	kfree(pa->tables);
}

/* ---- map ---- */

/* iommu_pgsize(): the largest allowed leaf to which iova and paddr are aligned and that fits. */
static size_t arm_lpae_pgsize(struct arm_lpae_io_pgtable *data, u64 iova, phys_addr_t paddr, u64 left)
{
	static const size_t sizes[] = { SZ_1G, SZ_2M, SZ_4K };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		if ((data->cfg.pgsize_bitmap & sizes[i]) && IS_ALIGNED(iova | paddr, sizes[i]) && sizes[i] <= left)
			return sizes[i];
	return SZ_4K;
}

static int arm_lpae_any_leaf(struct io_pgtable_walk_data *wd, arm_lpae_iopte *ptep, arm_lpae_iopte pte,
			     int lvl, u64 iova)
{
	return 1;
}

/* The tables a map must add; a missing table is counted once (leaves come in order, so the last
 * counted index per level is enough). */
static size_t arm_lpae_map_tables_needed(struct arm_lpae_io_pgtable *data, u64 iova, phys_addr_t paddr, u64 size)
{
	u64 counted[ARM_LPAE_MAX_LEVELS] = { 0 };
	bool have[ARM_LPAE_MAX_LEVELS] = { false };
	size_t need = 0, pgsize;
	u64 off;

	for (off = 0; off < size; off += pgsize) {
		u64 a = iova + off;
		arm_lpae_iopte *tablep = data->pgd;
		int lvl = data->start_level, leaf_lvl;

		pgsize = arm_lpae_pgsize(data, a, paddr + off, size - off);
		leaf_lvl = arm_lpae_lvl_of_size(pgsize);
		for (; lvl < leaf_lvl; lvl++) {
			arm_lpae_iopte pte = READ_ONCE(tablep[ARM_LPAE_LVL_IDX(a, lvl, data)]);

			if (!iopte_table(pte, lvl))
				break;
			tablep = iopte_deref(pte);
		}
		for (; lvl < leaf_lvl; lvl++) {
			if (!have[lvl] || counted[lvl] != a >> ARM_LPAE_LVL_SHIFT(lvl)) {
				have[lvl] = true;
				counted[lvl] = a >> ARM_LPAE_LVL_SHIFT(lvl);
				need++;
			}
		}
	}
	return need;
}

/* Walks to the level-leaf_lvl entry for iova, installing missing tables with cmpxchg64 from 0
 * (a concurrent map of a neighbouring range may win: then we use its table and keep ours). */
static arm_lpae_iopte *__arm_lpae_map_walk(struct arm_lpae_io_pgtable *data, u64 iova, int leaf_lvl,
					   struct arm_lpae_prealloc *pa)
{
	arm_lpae_iopte *tablep = data->pgd;
	int lvl;

	for (lvl = data->start_level; lvl < leaf_lvl; lvl++) {
		arm_lpae_iopte *ptep = &tablep[ARM_LPAE_LVL_IDX(iova, lvl, data)];
		arm_lpae_iopte pte = READ_ONCE(*ptep);

		if (!(pte & ARM_LPAE_PTE_VALID)) {
			arm_lpae_iopte *cptep, new;

			if (WARN_ON(pa->used == pa->nr))
				return NULL;
			cptep = pa->tables[pa->used++];
			new = arm_lpae_table_pte(cptep);
			pte = cmpxchg64(ptep, 0, new);
			if (!pte)
				pte = new;
			else
				pa->tables[--pa->used] = cptep;	/* lost the race; never seen */
		}
		if (WARN_ON(!iopte_table(pte, lvl)))
			return NULL;
		tablep = iopte_deref(pte);
	}
	return &tablep[ARM_LPAE_LVL_IDX(iova, leaf_lvl, data)];
}

/* The entry is ours and holds no leaf: 0, or a table an earlier unmap emptied. Such a table is
 * unlinked, its walk-cache entries flushed, and freed before the leaf goes in. */
static void __arm_lpae_install_leaf(struct arm_lpae_io_pgtable *data, arm_lpae_iopte *ptep, int lvl, u64 iova,
				    arm_lpae_iopte leaf)
{
	arm_lpae_iopte old = READ_ONCE(*ptep);

	if (iopte_table(old, lvl)) {
		WRITE_ONCE(*ptep, 0);
		io_pgtable_tlb_flush_walk(&data->ops, iova, ARM_LPAE_BLOCK_SIZE(lvl), SZ_4K);
		__arm_lpae_free_pgtable(data, lvl + 1, iopte_deref(old));
	}
	WRITE_ONCE(*ptep, leaf);
}

static int arm_lpae_map_range(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr, size_t size,
			      int prot, gfp_t gfp)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	u64 otop = 1ULL << data->cfg.oas;
	struct arm_lpae_prealloc pa;
	size_t pgsize;
	u64 off;
	int ret;

	if (!arm_lpae_iova_ok(data, iova, size) || !IS_ALIGNED(paddr, SZ_4K) || paddr >= otop || size > otop - paddr)
		return -EINVAL;
	if (!(prot & IOMMU_READ) || (prot & ~(IOMMU_READ | IOMMU_WRITE)))
		return -EINVAL;
	if (arm_lpae_walk(data, iova, size, arm_lpae_any_leaf, NULL))
		return -EEXIST;

	ret = arm_lpae_prealloc(data, &pa, arm_lpae_map_tables_needed(data, iova, paddr, size));
	if (ret)
		return ret;
	for (off = 0; off < size; off += pgsize) {
		int lvl;
		arm_lpae_iopte *ptep;

		pgsize = arm_lpae_pgsize(data, iova + off, paddr + off, size - off);
		lvl = arm_lpae_lvl_of_size(pgsize);
		ptep = __arm_lpae_map_walk(data, iova + off, lvl, &pa);
		if (WARN_ON(!ptep)) {
			ret = -ENOMEM;
			break;
		}
		/* A new writable mapping starts dirty. */
		__arm_lpae_install_leaf(data, ptep, lvl, iova + off,
					arm_lpae_leaf_pte(data, lvl, paddr + off, prot & IOMMU_WRITE, true));
	}
	arm_lpae_prealloc_release(data, &pa);
	return ret;
}

/* ---- unmap, unmap with dirty, flush ---- */

struct arm_lpae_unmap_state {
	bool				unlink_tables;	/* strict: unlink tables wholly inside */
	struct iommu_dirty_bitmap	*dirty;
	u64				bytes;
	bool				unlinked;
	struct { arm_lpae_iopte *table; int lvl; } *freelist;
	size_t				nr, cap;
};

/* Frees after the final flush; if the list cannot grow, flush and free now (slower, still right). */
static void arm_lpae_defer_free(struct arm_lpae_io_pgtable *data, struct arm_lpae_unmap_state *st,
				arm_lpae_iopte *table, int lvl, u64 iova)
{
	if (st->nr == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 16;
		void *grown = realloc(st->freelist, cap * sizeof(*st->freelist));

		if (!grown) {
			io_pgtable_tlb_flush_walk(&data->ops, iova, ARM_LPAE_BLOCK_SIZE(lvl - 1), SZ_4K);
			__arm_lpae_free_pgtable(data, lvl, table);
			return;
		}
		st->freelist = grown;
		st->cap = cap;
	}
	st->freelist[st->nr].table = table;
	st->freelist[st->nr].lvl = lvl;
	st->nr++;
}

/* Removes every leaf of [lo, hi) below tablep with xchg (its return value is the dirty state at
 * removal). Strict: tables wholly inside are unlinked afterwards; goes_whole says the caller
 * unlinks this very table, so its subtables stay attached and are freed with it. */
static void __arm_lpae_unmap(struct arm_lpae_io_pgtable *data, arm_lpae_iopte *tablep, int lvl, u64 base,
			     u64 lo, u64 hi, struct arm_lpae_unmap_state *st, bool goes_whole)
{
	u64 span = ARM_LPAE_BLOCK_SIZE(lvl);
	int i = lo > base ? (lo - base) >> ARM_LPAE_LVL_SHIFT(lvl) : 0;

	for (; i < ARM_LPAE_PTES_AT(lvl, data); i++) {
		u64 iova = base + i * span;
		arm_lpae_iopte *ptep = &tablep[i];
		arm_lpae_iopte pte;

		if (iova >= hi)
			break;
		pte = READ_ONCE(*ptep);
		if (iopte_table(pte, lvl)) {
			bool unlink = st->unlink_tables && iova >= lo && iova + span <= hi;

			__arm_lpae_unmap(data, iopte_deref(pte), lvl + 1, iova, lo, hi, st, unlink);
			if (unlink && !goes_whole) {
				xchg(ptep, 0);
				st->unlinked = true;
				arm_lpae_defer_free(data, st, iopte_deref(pte), lvl + 1, iova);
			}
		} else if (iopte_leaf(pte, lvl)) {
			arm_lpae_iopte old = xchg(ptep, 0);

			st->bytes += span;
			if (st->dirty && iopte_writeable_dirty(old, data))
				iommu_dirty_bitmap_record(st->dirty, iova, span);
		}
	}
}

static s64 arm_lpae_unmap_range(struct io_pgtable_ops *ops, unsigned long iova, size_t size,
				struct iommu_dirty_bitmap *dirty)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	/* With dirty, always strict: no device write may land once it returns. */
	bool strict = dirty || !data->non_strict;
	struct arm_lpae_unmap_state st = { .unlink_tables = strict, .dirty = dirty };
	struct iommu_iotlb_gather gather;
	size_t i;

	if (!arm_lpae_iova_ok(data, iova, size) || arm_lpae_range_cuts_leaf(data, iova, size))
		return -EINVAL;

	/* Non-strict leaves the emptied tables linked: the walk cache may hold them until
	 * flush_lazy, and a map there before then must not hide behind a stale cached table. */
	__arm_lpae_unmap(data, data->pgd, data->start_level, 0, iova, iova + size, &st, false);
	if (strict && st.unlinked) {
		io_pgtable_tlb_flush_walk(ops, iova, size, SZ_4K);
	} else if (strict && st.bytes) {
		iommu_iotlb_gather_init(&gather);
		iommu_iotlb_gather_add_range(&gather, iova, size);
		iommu_iotlb_sync(NULL, &gather);
	}
	for (i = 0; i < st.nr; i++)
		__arm_lpae_free_pgtable(data, st.freelist[i].lvl, st.freelist[i].table);
	kfree(st.freelist);
	return st.bytes;
}

/* Non-strict unmap freed nothing, so invalidating everything is all there is to do. */
static int arm_lpae_flush_lazy(struct io_pgtable_ops *ops)
{
	if (io_pgtable_ops_to_data(ops)->non_strict)
		io_pgtable_tlb_flush_all(ops);
	return 0;
}

/* ---- split ---- */

struct arm_lpae_split_state {
	struct arm_lpae_prealloc	pa;
	size_t				need;
};

/* 2M block: one L3 table; 1G block: one L2 table and 512 L3 tables. */
static size_t arm_lpae_split_tables(int lvl)
{
	return lvl == 1 ? 1 + ARM_LPAE_PTES_PER_TABLE : lvl == 2 ? 1 : 0;
}

static int arm_lpae_count_split(struct io_pgtable_walk_data *wd, arm_lpae_iopte *ptep, arm_lpae_iopte pte,
				int lvl, u64 iova)
{
	((struct arm_lpae_split_state *)wd->arg)->need += arm_lpae_split_tables(lvl);
	return 0;
}

/* Fills the off-line tables with the pages of blk (same output, permission, dirty state) and
 * returns the table descriptor for tables[0]. Unreachable: may be rebuilt at will. */
static arm_lpae_iopte arm_lpae_build_split(struct arm_lpae_io_pgtable *data, arm_lpae_iopte **tables, int lvl,
					   arm_lpae_iopte blk)
{
	phys_addr_t paddr = iopte_to_paddr(blk, lvl);
	bool w = iopte_writeable(blk, data), d = iopte_writeable_dirty(blk, data);
	int i, j;

	if (lvl == 2) {
		for (i = 0; i < ARM_LPAE_PTES_PER_TABLE; i++)
			WRITE_ONCE(tables[0][i], arm_lpae_leaf_pte(data, 3, paddr + i * SZ_4K, w, d));
	} else {
		for (j = 0; j < ARM_LPAE_PTES_PER_TABLE; j++) {
			for (i = 0; i < ARM_LPAE_PTES_PER_TABLE; i++)
				WRITE_ONCE(tables[1 + j][i],
					   arm_lpae_leaf_pte(data, 3, paddr + (u64)j * SZ_2M + i * SZ_4K, w, d));
			WRITE_ONCE(tables[0][j], arm_lpae_table_pte(tables[1 + j]));
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
	return try_cmpxchg64(ptep, old, table);
#endif
}

/* BBML1: block -> block|nT (never cached, never faults), flush the old block, then swap in the
 * table built from the nT block. BBML2: swap the table in, then flush the old block (a cached
 * writable-clean block fails its CAS on the table descriptor, walks again, dirties the page). */
static int arm_lpae_split_blk(struct io_pgtable_walk_data *wd, arm_lpae_iopte *ptep, arm_lpae_iopte pte,
			      int lvl, u64 iova)
{
	struct arm_lpae_io_pgtable *data = wd->data;
	struct arm_lpae_split_state *st = wd->arg;
	size_t need = arm_lpae_split_tables(lvl);
	arm_lpae_iopte **tables;

	if (!need)
		return 0;
	if (WARN_ON(st->pa.nr - st->pa.used < need))
		return -ENOMEM;
	tables = &st->pa.tables[st->pa.used];
	st->pa.used += need;

	if (data->cfg.bbml == 1) {
		while (!try_cmpxchg64(ptep, &pte, pte | ARM_LPAE_PTE_NT))
			;
		pte |= ARM_LPAE_PTE_NT;
		io_pgtable_tlb_add_page(&data->ops, NULL, iova, ARM_LPAE_BLOCK_SIZE(lvl));
		io_pgtable_tlb_sync(&data->ops);
		while (!arm_lpae_install_split(ptep, &pte, arm_lpae_build_split(data, tables, lvl, pte)))
			;
	} else {
		while (!arm_lpae_install_split(ptep, &pte, arm_lpae_build_split(data, tables, lvl, pte)))
			;
		io_pgtable_tlb_add_page(&data->ops, NULL, iova, ARM_LPAE_BLOCK_SIZE(lvl));
		io_pgtable_tlb_sync(&data->ops);
	}
	return 0;
}

static int arm_lpae_split_blocks(struct io_pgtable_ops *ops, unsigned long iova, size_t size)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	struct arm_lpae_split_state st = { .need = 0 };
	int ret;

	if (!data->cfg.bbml)
		return -EOPNOTSUPP;
	if (!arm_lpae_iova_ok(data, iova, size) || arm_lpae_range_cuts_leaf(data, iova, size))
		return -EINVAL;
	arm_lpae_walk(data, iova, size, arm_lpae_count_split, &st);
	ret = arm_lpae_prealloc(data, &st.pa, st.need);
	if (ret)
		return ret;
	ret = arm_lpae_walk(data, iova, size, arm_lpae_split_blk, &st);
	arm_lpae_prealloc_release(data, &st.pa);
	return ret;
}

/* ---- merge ---- */

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
	blk = arm_lpae_leaf_pte(data, lvl, s.paddr, s.writeable, s.dirty);
	if (data->cfg.bbml == 1)
		blk |= ARM_LPAE_PTE_NT;
	if (WARN_ON(cmpxchg64(ptep, table, blk) != table))
		return;
	io_pgtable_tlb_flush_walk(&data->ops, iova, size, SZ_4K);

	make_dirty = s.writeable && data->hd && !s.dirty && __arm_lpae_any_dirty(data, child, lvl + 1);
	if (data->cfg.bbml == 1 || make_dirty) {
		cur = READ_ONCE(*ptep);
		for (;;) {
			arm_lpae_iopte want = cur & ~ARM_LPAE_PTE_NT;

			if (make_dirty)
				want &= ~ARM_LPAE_PTE_AP_RDONLY;
			if (want == cur || try_cmpxchg64(ptep, &cur, want))
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

static int arm_lpae_merge_blocks(struct io_pgtable_ops *ops, unsigned long iova, size_t size)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);

	if (!data->cfg.bbml)
		return -EOPNOTSUPP;
	if (!arm_lpae_iova_ok(data, iova, size))
		return -EINVAL;
	/* 1G regions first, then 2M regions of what is left (SPEC section 3). */
	if (data->cfg.pgsize_bitmap & SZ_1G)
		__arm_lpae_merge(data, data->pgd, data->start_level, 0, iova, iova + size, 1);
	if (data->cfg.pgsize_bitmap & SZ_2M)
		__arm_lpae_merge(data, data->pgd, data->start_level, 0, iova, iova + size, 2);
	return 0;
}

/* ---- read_and_clear_dirty ---- */

struct arm_lpae_dirty_walk {
	struct iommu_dirty_bitmap	*dirty;
	unsigned long			flags;
	bool				cleaned;
};

/* Records the part inside the range; cleans (sets AP[2] with set_bit, as io-pgtable-arm does)
 * only leaves wholly inside, so a leaf sticking out keeps its dirty pages for their own read. */
static int arm_lpae_visit_dirty(struct io_pgtable_walk_data *wd, arm_lpae_iopte *ptep, arm_lpae_iopte pte,
				int lvl, u64 iova)
{
	struct arm_lpae_dirty_walk *dw = wd->arg;
	u64 size = ARM_LPAE_BLOCK_SIZE(lvl);
	u64 lo = max(iova, wd->addr), hi = min(iova + size, wd->end);

	if (!iopte_writeable_dirty(pte, wd->data))
		return 0;
	iommu_dirty_bitmap_record(dw->dirty, lo, hi - lo);
	if (!(dw->flags & IOMMU_DIRTY_NO_CLEAR) && iova >= wd->addr && iova + size <= wd->end) {
		set_bit(ARM_LPAE_PTE_AP_RDONLY_BIT, (unsigned long *)ptep);
		dw->cleaned = true;
	}
	return 0;
}

static int arm_lpae_read_and_clear_dirty(struct io_pgtable_ops *ops, unsigned long iova, size_t size,
					 unsigned long flags, struct iommu_dirty_bitmap *dirty)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	struct arm_lpae_dirty_walk dw = { .dirty = dirty, .flags = flags };
	struct iommu_iotlb_gather gather;

	if (!data->hd)
		return -EOPNOTSUPP;
	if (!arm_lpae_iova_ok(data, iova, size))
		return -EINVAL;
	arm_lpae_walk(data, iova, size, arm_lpae_visit_dirty, &dw);
	/* A cached writable-dirty entry writes without touching the descriptor: drop them (non-strict
	 * too), so the next write dirties the cleaned leaf again. */
	if (dw.cleaned) {
		iommu_iotlb_gather_init(&gather);
		iommu_iotlb_gather_add_range(&gather, iova, size);
		iommu_iotlb_sync(NULL, &gather);
	}
	return 0;
}

/* ---- iova_to_phys, alloc, free ---- */

static phys_addr_t arm_lpae_iova_to_phys(struct io_pgtable_ops *ops, unsigned long iova)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);
	arm_lpae_iopte pte;
	int lvl;

	if ((u64)iova >> data->cfg.ias || !arm_lpae_find_leaf(data, iova, &pte, &lvl))
		return 0;
	return iopte_to_paddr(pte, lvl) | (iova & (ARM_LPAE_BLOCK_SIZE(lvl) - 1));
}

static void *arm_lpae_pgd(struct io_pgtable_ops *ops)
{
	return io_pgtable_ops_to_data(ops)->pgd;
}

struct io_pgtable_ops *alloc_io_pgtable_ops_kstyle(struct io_pgtable_cfg *cfg)
{
	struct arm_lpae_io_pgtable *data;
	unsigned long sizes = SZ_4K | SZ_2M | SZ_1G;

	if ((cfg->ias != 32 && cfg->ias != 36 && cfg->ias != 39 && cfg->ias != 42 && cfg->ias != 48) ||
	    cfg->oas < 32 || cfg->oas > 48 || !(cfg->pgsize_bitmap & SZ_4K) || (cfg->pgsize_bitmap & ~sizes) ||
	    cfg->bbml > 2 || (cfg->quirks & ~(IO_PGTABLE_QUIRK_ARM_HD | IO_PGTABLE_QUIRK_NON_STRICT)))
		return NULL;

	data = kzalloc(sizeof(*data), GFP_KERNEL);
	if (!data)
		return NULL;
	data->cfg = *cfg;
	data->hd = cfg->quirks & IO_PGTABLE_QUIRK_ARM_HD;
	data->non_strict = cfg->quirks & IO_PGTABLE_QUIRK_NON_STRICT;
	data->start_level = cfg->ias > 39 ? 0 : 1;
	data->pgd_bits = cfg->ias - ARM_LPAE_LVL_SHIFT(data->start_level);
	data->pgd = __arm_lpae_alloc_pages(sizeof(arm_lpae_iopte) << data->pgd_bits, GFP_KERNEL, cfg);
	if (!data->pgd) {
		kfree(data);
		return NULL;
	}
	data->ops = (struct io_pgtable_ops) {
		.map_range		= arm_lpae_map_range,
		.unmap_range		= arm_lpae_unmap_range,
		.flush_lazy		= arm_lpae_flush_lazy,
		.split_blocks		= arm_lpae_split_blocks,
		.merge_blocks		= arm_lpae_merge_blocks,
		.read_and_clear_dirty	= arm_lpae_read_and_clear_dirty,
		.iova_to_phys		= arm_lpae_iova_to_phys,
		.pgd			= arm_lpae_pgd,
	};
	return &data->ops;
}

/* The device is detached: every table goes, once (non-strict unmap unlinked none). */
void free_io_pgtable_ops_kstyle(struct io_pgtable_ops *ops)
{
	struct arm_lpae_io_pgtable *data = io_pgtable_ops_to_data(ops);

	if (!ops)
		return;
	__arm_lpae_free_pgtable(data, data->start_level, data->pgd);
	kfree(data);
}
