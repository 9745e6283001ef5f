/*
 * Part of io_pgtable_adapter.c, #included there after struct ptc_target:
 * the IOMMU core's choice of page sizes (iommu_pgsize).
 */
#ifndef PTC_ADAPTER_PGSIZE_H
#define PTC_ADAPTER_PGSIZE_H

static unsigned int ptc_adapter_fls64(u64 x)
{
	return 63 - __builtin_clzll(x);
}

/*
 * The largest supported page size to which iova and paddr are both aligned
 * and that fits in size; *count of them, stopping where the next larger size
 * would become possible (Linux's iommu_pgsize, v5.15 on; v5.10 takes one).
 */
static size_t ptc_adapter_pgsize(unsigned long bitmap, u64 iova, u64 paddr,
				 u64 size, size_t *count)
{
	u64 merged = iova | paddr;
	u64 sizes = bitmap & (~0ULL >> (63 - ptc_adapter_fls64(size)));
	u64 pgsize, bigger, next, offset;

	if (merged)
		sizes &= ~0ULL >> (63 - __builtin_ctzll(merged));
	if (WARN_ON(!sizes))
		return 0;
	pgsize = 1ULL << ptc_adapter_fls64(sizes);
	bigger = bitmap & ~((pgsize << 1) - 1);
	if (bigger) {
		next = bigger & -bigger;
		offset = next - (merged & (next - 1));
		if (!((iova ^ paddr) & (next - 1)) && offset + next <= size)
			size = offset;
	}
	*count = size / pgsize;
	return pgsize;
}

#endif /* PTC_ADAPTER_PGSIZE_H */
