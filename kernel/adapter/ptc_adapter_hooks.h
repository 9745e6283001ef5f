/*
 * Part of io_pgtable_adapter.c, #included there after struct ptc_target:
 * split, merge and unmap_read_dirty through the file's own functions.
 */
#ifndef PTC_ADAPTER_HOOKS_H
#define PTC_ADAPTER_HOOKS_H

/*
 * A hook's address as a pointer of one accepted type, or NULL when the
 * function has another type: _Generic picks the call that fits.
 */
#define PTC_HOOK_AS(fn, type) _Generic(&(fn), type *: &(fn), default: (type *)0)
/* The hook has one of the two accepted types (else `why`, at compile time). */
#define PTC_HOOK_CHECK(fn, type1, type2, why) \
	_Static_assert(_Generic(&(fn), type1 *: 1, type2 *: 1, default: 0), why)

typedef size_t ptc_rfc_split_fn(struct io_pgtable_ops *ops, unsigned long iova,
				size_t size);
typedef size_t ptc_rfc_merge_fn(struct io_pgtable_ops *ops, unsigned long iova,
				phys_addr_t phys, size_t size, int prot);
typedef int ptc_range_fn(struct io_pgtable_ops *ops, unsigned long iova,
			 size_t size);

#if defined(PTC_KERNEL_SPLIT) || defined(PTC_KERNEL_MERGE)
/* Split and merge need break-before-make level 1 or 2 (arm-smmu-v3 refuses). */
static int ptc_adapter_bbm_check(struct ptc_target *t, u64 iova, u64 size)
{
	if (!t->cfg.bbml)
		return -EOPNOTSUPP;
	if (!ptc_adapter_aligned(t, iova | size) || !ptc_adapter_in_aperture(t, iova, size))
		return -EINVAL;
	return 0;
}
#endif

#ifdef PTC_KERNEL_SPLIT
PTC_HOOK_CHECK(PTC_KERNEL_SPLIT, ptc_rfc_split_fn, ptc_range_fn,
	       "PTC_KERNEL_SPLIT: want size_t fn(struct io_pgtable_ops *, unsigned long, size_t) "
	       "or int fn(struct io_pgtable_ops *, unsigned long, size_t)");

/*
 * The RFC's iommu_split_block: split_block in iommu_pgsize pieces (a short
 * count fails: arm-smmu-v3 says -EFAULT; the only short count without a
 * WARNING is a failed table allocation, so ptcheck reads it as -ENOMEM),
 * then iommu_flush_iotlb_all. An int hook is the whole operation.
 */
static int ptc_adapter_split(struct ptc_target *t, uint64_t iova, uint64_t size)
{
	ptc_rfc_split_fn *rfc = PTC_HOOK_AS(PTC_KERNEL_SPLIT, ptc_rfc_split_fn);
	ptc_range_fn *whole = PTC_HOOK_AS(PTC_KERNEL_SPLIT, ptc_range_fn);
	const struct ptc_hw *prev;
	int ret = ptc_adapter_bbm_check(t, iova, size);

	if (ret)
		return ret;
	prev = ptc_k_enter(t->hw);
	if (whole) {
		ret = whole(t->ops, iova, size);
	} else {
		while (size) {
			size_t count, pgsize = ptc_adapter_pgsize(t->domain.pgsize_bitmap,
								  iova, 0, size, &count);

			if (!pgsize || rfc(t->ops, iova, pgsize) != pgsize) {
				ret = -ENOMEM;
				break;
			}
			iova += pgsize;
			size -= pgsize;
		}
		iommu_flush_iotlb_all(&t->domain);
	}
	ptc_k_leave(prev);
	return ret;
}
#define PTC_ADAPTER_SPLIT ptc_adapter_split
#else
#define PTC_ADAPTER_SPLIT NULL
#endif

#ifdef PTC_KERNEL_MERGE
PTC_HOOK_CHECK(PTC_KERNEL_MERGE, ptc_rfc_merge_fn, ptc_range_fn,
	       "PTC_KERNEL_MERGE: want size_t fn(struct io_pgtable_ops *, unsigned long, phys_addr_t, "
	       "size_t, int) or int fn(struct io_pgtable_ops *, unsigned long, size_t)");

/*
 * The RFC's __iommu_merge_page over one run of pages with contiguous output
 * addresses and one prot: merge_page in iommu_pgsize pieces. Hw entered.
 */
static int ptc_adapter_merge_run(struct ptc_target *t, ptc_rfc_merge_fn *rfc,
				 u64 iova, u64 paddr, u64 size, int prot)
{
	while (size) {
		size_t count, pgsize = ptc_adapter_pgsize(t->domain.pgsize_bitmap, iova,
							  paddr, size, &count);

		if (!pgsize || rfc(t->ops, iova, paddr, pgsize, prot) != pgsize)
			return -EINVAL;
		iova += pgsize;
		paddr += pgsize;
		size -= pgsize;
	}
	return 0;
}

/*
 * VFIO's stop_dirty_log -> the RFC's iommu_merge_page: over what the caller
 * mapped in the range, run by run (contiguous output addresses, one prot:
 * the RFC finds runs with iova_to_phys page by page, VFIO passes the prot of
 * its mapping; the record holds both, without 2^18 walks for a 1G range),
 * then iommu_flush_iotlb_all. An int hook is the whole operation.
 */
static int ptc_adapter_merge(struct ptc_target *t, uint64_t iova, uint64_t size)
{
	ptc_rfc_merge_fn *rfc = PTC_HOOK_AS(PTC_KERNEL_MERGE, ptc_rfc_merge_fn);
	ptc_range_fn *whole = PTC_HOOK_AS(PTC_KERNEL_MERGE, ptc_range_fn);
	struct ptc_adapter_range *runs = NULL;
	const struct ptc_hw *prev;
	size_t i, nr = 0;
	u64 end = iova + size;
	int ret = ptc_adapter_bbm_check(t, iova, size);

	if (ret)
		return ret;
	if (!whole) {
		/*
		 * The runs, taken under the lock and merged without it: an
		 * operation injected while merge_page runs may map or unmap.
		 */
		ptc_adapter_lock(t);
		runs = kmalloc_array(t->nr_ranges + 1, sizeof(*runs), GFP_KERNEL);
		for (i = 0; runs && i < t->nr_ranges; i++) {
			struct ptc_adapter_range r = t->ranges[i];
			struct ptc_adapter_range *last = nr ? &runs[nr - 1] : NULL;

			if (r.iova + r.size <= iova || r.iova >= end)
				continue;
			if (r.iova < iova) {
				r.paddr += iova - r.iova;
				r.size -= iova - r.iova;
				r.iova = iova;
			}
			if (r.iova + r.size > end)
				r.size = end - r.iova;
			if (last && last->iova + last->size == r.iova &&
			    last->paddr + last->size == r.paddr && last->prot == r.prot)
				last->size += r.size;
			else
				runs[nr++] = r;
		}
		ptc_adapter_unlock(t);
		if (!runs)
			return -ENOMEM;
	}
	prev = ptc_k_enter(t->hw);
	if (whole) {
		ret = whole(t->ops, iova, size);
	} else {
		for (i = 0; i < nr && !ret; i++)
			ret = ptc_adapter_merge_run(t, rfc, runs[i].iova, runs[i].paddr,
						    runs[i].size, runs[i].prot);
		iommu_flush_iotlb_all(&t->domain);
	}
	ptc_k_leave(prev);
	kfree(runs);
	return ret;
}
#define PTC_ADAPTER_MERGE ptc_adapter_merge
#else
#define PTC_ADAPTER_MERGE NULL
#endif

#ifdef PTC_KERNEL_UNMAP_READ_DIRTY
typedef size_t ptc_urd_pages_fn(struct io_pgtable_ops *ops, unsigned long iova,
				size_t pgsize, size_t pgcount,
				struct iommu_iotlb_gather *gather,
				struct iommu_dirty_bitmap *dirty);
typedef size_t ptc_urd_size_fn(struct io_pgtable_ops *ops, unsigned long iova,
			       size_t size, struct iommu_iotlb_gather *gather,
			       struct iommu_dirty_bitmap *dirty);
PTC_HOOK_CHECK(PTC_KERNEL_UNMAP_READ_DIRTY, ptc_urd_pages_fn, ptc_urd_size_fn,
	       "PTC_KERNEL_UNMAP_READ_DIRTY: want size_t fn(ops, iova, pgsize, pgcount, gather, dirty) "
	       "or size_t fn(ops, iova, size, gather, dirty)");

/*
 * iommu_unmap_read_dirty (the 2022 iommufd RFC): __iommu_unmap's loop with a
 * dirty bitmap beside the gather, then iommu_iotlb_sync, in lazy mode too.
 */
static int64_t ptc_adapter_unmap_read_dirty(struct ptc_target *t, uint64_t iova,
					    uint64_t size,
					    const struct ptc_dirty *dirty)
{
	ptc_urd_pages_fn *pages = PTC_HOOK_AS(PTC_KERNEL_UNMAP_READ_DIRTY, ptc_urd_pages_fn);
	ptc_urd_size_fn *sized = PTC_HOOK_AS(PTC_KERNEL_UNMAP_READ_DIRTY, ptc_urd_size_fn);
	struct iova_bitmap iova_bitmap = { .dirty = dirty };
	struct iommu_iotlb_gather gather;
	struct iommu_dirty_bitmap bitmap;
	const struct ptc_hw *prev;
	u64 unmapped = 0, at = iova;

	if (!ptc_adapter_in_aperture(t, iova, size))
		return -EINVAL;
	if (!ptc_adapter_aligned(t, iova | size))
		return 0;	/* __iommu_unmap: pr_err and nothing unmapped */
	prev = ptc_k_enter(t->hw);
	iommu_iotlb_gather_init(&gather);
	iommu_dirty_bitmap_init(&bitmap, &iova_bitmap, &gather);
	while (unmapped < size) {
		size_t count = 1, done;
		size_t pgsize = ptc_adapter_pgsize(t->domain.pgsize_bitmap, at, at,
						   size - unmapped, &count);

		if (!pgsize)
			break;
		done = pages ? pages(t->ops, at, pgsize, count, &gather, &bitmap)
			     : sized(t->ops, at, pgsize * count, &gather, &bitmap);
		if (!done)
			break;
		at += done;
		unmapped += done;
	}
	ptc_adapter_dirty_sync(t, &gather);
	ptc_k_leave(prev);
	ptc_adapter_forget(t, iova, unmapped);
	return (int64_t)unmapped;
}
#define PTC_ADAPTER_UNMAP_READ_DIRTY ptc_adapter_unmap_read_dirty
#else
#define PTC_ADAPTER_UNMAP_READ_DIRTY NULL
#endif

#endif /* PTC_ADAPTER_HOOKS_H */
