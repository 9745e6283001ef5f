/*
 * Part of io_pgtable_adapter.c, #included there after struct ptc_target:
 * arm-smmu-v3's iommu_flush_ops, its gathering of leaf invalidations and iotlb_sync.
 */
#ifndef PTC_ADAPTER_TLB_H
#define PTC_ADAPTER_TLB_H

static void ptc_adapter_tlb_flush_all(void *cookie)
{
	const struct ptc_hw *hw = ((struct ptc_target *)cookie)->hw;

	hw->tlb_inv_all(hw->ctx);
	hw->tlb_sync(hw->ctx);
}

static void ptc_adapter_tlb_flush_walk(unsigned long iova, size_t size,
				       size_t granule, void *cookie)
{
	const struct ptc_hw *hw = ((struct ptc_target *)cookie)->hw;

	hw->tlb_inv_range(hw->ctx, iova, size, granule, 0);
	hw->tlb_sync(hw->ctx);
}

/* arm_smmu_iotlb_sync, then the core's re-init of the gather. */
static void ptc_adapter_iotlb_sync(struct ptc_target *t,
				   struct iommu_iotlb_gather *gather)
{
	if (gather->pgsize) {
		t->hw->tlb_inv_range(t->hw->ctx, gather->start,
				     gather->end - gather->start + 1,
				     gather->pgsize, 1);
		t->hw->tlb_sync(t->hw->ctx);
	}
	iommu_iotlb_gather_init(gather);
}

/*
 * arm-smmu-v3 gathers leaf invalidations (iommu_iotlb_gather_add_page): a
 * page of another granule, or one not adjacent to the gathered range, first
 * syncs what was gathered.
 */
static void ptc_adapter_tlb_add_page(struct iommu_iotlb_gather *gather,
				     unsigned long iova, size_t granule,
				     void *cookie)
{
	unsigned long end = iova + granule - 1;

	if (gather->pgsize && (gather->pgsize != granule ||
			       end + 1 < gather->start ||
			       iova > gather->end + 1))
		ptc_adapter_iotlb_sync(cookie, gather);
	gather->pgsize = granule;
	if (iova < gather->start)
		gather->start = iova;
	if (end > gather->end || gather->end == 0)
		gather->end = end;
}

static const struct iommu_flush_ops ptc_adapter_flush_ops = {
	.tlb_flush_all	= ptc_adapter_tlb_flush_all,
	.tlb_flush_walk	= ptc_adapter_tlb_flush_walk,
	.tlb_add_page	= ptc_adapter_tlb_add_page,
};

#endif /* PTC_ADAPTER_TLB_H */
