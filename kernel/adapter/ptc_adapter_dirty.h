/*
 * Part of io_pgtable_adapter.c, #included there after struct ptc_target:
 * dirty tracking as iommufd drives it.
 */
#ifndef PTC_ADAPTER_DIRTY_H
#define PTC_ADAPTER_DIRTY_H

/*
 * After a clearing dirty read, iommufd syncs the gather the dirty bitmap fed.
 * The gather holds a range but no page size (iommu_dirty_bitmap_record adds
 * a range, not pages), and arm-smmu-v3's iotlb_sync skips a gather without
 * one; the range is invalidated here at the smallest page size so that a
 * device write after the read marks the leaf dirty again (SPEC 3).
 */
#if PTC_HAS_API6 || defined(PTC_KERNEL_UNMAP_READ_DIRTY)
static void ptc_adapter_dirty_sync(struct ptc_target *t,
				   struct iommu_iotlb_gather *gather)
{
	if (!gather->pgsize && gather->start <= gather->end)
		gather->pgsize = 1ULL << __builtin_ctzll(t->domain.pgsize_bitmap);
	iommu_iotlb_sync(&t->domain, gather);
}
#endif

#if PTC_HAS_API6
/* iommufd's iommu_read_and_clear_dirty over one area. */
static int ptc_adapter_read_and_clear_dirty(struct ptc_target *t, uint64_t iova,
					    uint64_t size, unsigned int flags,
					    const struct ptc_dirty *dirty)
{
	unsigned long kflags = (flags & PTC_DIRTY_NO_CLEAR) ? IOMMU_DIRTY_NO_CLEAR : 0;
	struct iommu_iotlb_gather gather;
	struct iova_bitmap iova_bitmap = { .dirty = dirty };
	struct iommu_dirty_bitmap bitmap;
	const struct ptc_hw *prev;
	int ret;

	if (flags & ~(unsigned int)PTC_DIRTY_NO_CLEAR)
		return -EINVAL;
	/* no dirty_ops on the domain: iommufd refuses */
	if (!(t->cfg.flags & PTC_CFG_HW_DIRTY) || !t->ops->read_and_clear_dirty)
		return -EOPNOTSUPP;
	if (!ptc_adapter_in_aperture(t, iova, size))
		return -EINVAL;
	prev = ptc_k_enter(t->hw);
	iommu_iotlb_gather_init(&gather);
	iommu_dirty_bitmap_init(&bitmap, &iova_bitmap, &gather);
	ret = t->ops->read_and_clear_dirty(t->ops, iova, size, kflags, &bitmap);
	if (!(kflags & IOMMU_DIRTY_NO_CLEAR))
		ptc_adapter_dirty_sync(t, &gather);
	ptc_k_leave(prev);
	return ret;
}
#define PTC_ADAPTER_READ_AND_CLEAR_DIRTY ptc_adapter_read_and_clear_dirty
#else
#define PTC_ADAPTER_READ_AND_CLEAR_DIRTY NULL
#endif

#endif /* PTC_ADAPTER_DIRTY_H */
