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

/*
 * A hook of the RFC's shape handled fewer bytes than asked (arm-smmu-v3 says
 * -EFAULT, and VFIO ignores it): -ENOMEM when a table allocation failed
 * during the call, -EINVAL otherwise (the file WARNed: a block straddling
 * the range, or no leaf where one was expected).
 */
static int ptc_adapter_short(unsigned long alloc_failures_before)
{
	return ptc_k_alloc_failures() != alloc_failures_before ? -ENOMEM : -EINVAL;
}

/*
 * What the caller mapped in [iova, iova + size), clipped to it, as runs of
 * contiguous IOVA and output address with one prot: VFIO calls the RFC's
 * start/stop_dirty_log per vfio_dma, and iommu_merge_page finds such runs
 * with iova_to_phys page by page (the record gives the same runs without
 * 2^18 counted walks for a 1G range). Taken under the lock, used without
 * it: an operation injected while the hook runs may map or unmap. NULL
 * with *nr 0 is -ENOMEM.
 */
static struct ptc_adapter_range *ptc_adapter_runs(struct ptc_target *t, u64 iova,
						  u64 size, size_t *nr)
{
	struct ptc_adapter_range *runs;
	u64 end = iova + size;
	size_t i;

	*nr = 0;
	ptc_adapter_lock(t);
	runs = kmalloc_array(t->nr_ranges + 1, sizeof(*runs), GFP_KERNEL);
	for (i = 0; runs && i < t->nr_ranges; i++) {
		struct ptc_adapter_range r = t->ranges[i];
		struct ptc_adapter_range *last = *nr ? &runs[*nr - 1] : NULL;

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
			runs[(*nr)++] = r;
	}
	ptc_adapter_unlock(t);
	return runs;
}

/*
 * One run through a hook of the RFC's shape, in iommu_pgsize pieces: split
 * (iommu_split_block) aligns them to the IOVA alone, merge
 * (__iommu_merge_page) to IOVA and output address and passes the run's prot.
 */
static int ptc_adapter_rfc_run(struct ptc_target *t, const struct ptc_adapter_range *run,
			       ptc_rfc_split_fn *split, ptc_rfc_merge_fn *merge)
{
	u64 iova = run->iova, paddr = run->paddr, size = run->size;

	while (size) {
		unsigned long failures = ptc_k_alloc_failures();
		size_t count, done = 0;
		size_t pgsize = ptc_adapter_pgsize(t->domain.pgsize_bitmap, iova,
						   split ? 0 : paddr, size, &count);

		if (pgsize)
			done = split ? split(t->ops, iova, pgsize)
				     : merge(t->ops, iova, paddr, pgsize, run->prot);
		if (!pgsize || done != pgsize)
			return ptc_adapter_short(failures);
		iova += pgsize;
		paddr += pgsize;
		size -= pgsize;
	}
	return 0;
}

/*
 * Split or merge through a hook: a whole-range int hook once, or one of the
 * RFC's shape over the caller's runs, then iommu_flush_iotlb_all as the
 * RFC's iommu_split_block and iommu_merge_page end.
 */
static int ptc_adapter_bbm_op(struct ptc_target *t, u64 iova, u64 size, ptc_range_fn *whole,
			      ptc_rfc_split_fn *split, ptc_rfc_merge_fn *merge)
{
	struct ptc_adapter_range *runs = NULL;
	const struct ptc_hw *prev;
	size_t i, nr = 0;
	int ret = ptc_adapter_bbm_check(t, iova, size);

	if (ret)
		return ret;
	if (!whole) {
		runs = ptc_adapter_runs(t, iova, size, &nr);
		if (!runs)
			return -ENOMEM;
	}
	prev = ptc_k_enter(t->hw);
	if (whole) {
		ret = whole(t->ops, iova, size);
	} else {
		for (i = 0; i < nr && !ret; i++)
			ret = ptc_adapter_rfc_run(t, &runs[i], split, merge);
		iommu_flush_iotlb_all(&t->domain);
	}
	ptc_k_leave(prev);
	kfree(runs);
	return ret;
}
#endif

#ifdef PTC_KERNEL_SPLIT
PTC_HOOK_CHECK(PTC_KERNEL_SPLIT, ptc_rfc_split_fn, ptc_range_fn,
	       "PTC_KERNEL_SPLIT: want size_t fn(struct io_pgtable_ops *, unsigned long, size_t) "
	       "or int fn(struct io_pgtable_ops *, unsigned long, size_t)");

static int ptc_adapter_split(struct ptc_target *t, uint64_t iova, uint64_t size)
{
	return ptc_adapter_bbm_op(t, iova, size, PTC_HOOK_AS(PTC_KERNEL_SPLIT, ptc_range_fn),
				  PTC_HOOK_AS(PTC_KERNEL_SPLIT, ptc_rfc_split_fn), NULL);
}
#define PTC_ADAPTER_SPLIT ptc_adapter_split
#else
#define PTC_ADAPTER_SPLIT NULL
#endif

#ifdef PTC_KERNEL_MERGE
PTC_HOOK_CHECK(PTC_KERNEL_MERGE, ptc_rfc_merge_fn, ptc_range_fn,
	       "PTC_KERNEL_MERGE: want size_t fn(struct io_pgtable_ops *, unsigned long, phys_addr_t, "
	       "size_t, int) or int fn(struct io_pgtable_ops *, unsigned long, size_t)");

static int ptc_adapter_merge(struct ptc_target *t, uint64_t iova, uint64_t size)
{
	return ptc_adapter_bbm_op(t, iova, size, PTC_HOOK_AS(PTC_KERNEL_MERGE, ptc_range_fn),
				  NULL, PTC_HOOK_AS(PTC_KERNEL_MERGE, ptc_rfc_merge_fn));
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
