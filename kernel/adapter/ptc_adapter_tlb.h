/*
 * Part of io_pgtable_adapter.c, #included there after struct ptc_target:
 * arm-smmu-v3's TLB maintenance, the io_pgtable's iommu_flush_ops and the
 * domain's flush_iotlb_all / iotlb_sync, onto the harness's ptc_hw.
 */
#ifndef PTC_ADAPTER_TLB_H
#define PTC_ADAPTER_TLB_H

#define ptc_adapter_of(domain) container_of(domain, struct ptc_target, domain)

/* tlb_flush_all and flush_iotlb_all: the whole context (CMD_TLBI_NH_ASID), synced. */
static void ptc_adapter_tlb_flush_all(void *cookie)
{
	const struct ptc_hw *hw = ((struct ptc_target *)cookie)->hw;

	hw->tlb_inv_all(hw->ctx);
	hw->tlb_sync(hw->ctx);
}

static void ptc_adapter_flush_iotlb_all(struct iommu_domain *domain)
{
	ptc_adapter_tlb_flush_all(ptc_adapter_of(domain));
}

/* A range, walk cache included (leaf_only 0) or leaves only, synced. */
static void ptc_adapter_inv_range(struct ptc_target *t, unsigned long iova,
				  size_t size, size_t granule, int leaf_only)
{
	t->hw->tlb_inv_range(t->hw->ctx, iova, size, granule, leaf_only);
	t->hw->tlb_sync(t->hw->ctx);
}

static void ptc_adapter_tlb_flush_walk(unsigned long iova, size_t size,
				       size_t granule, void *cookie)
{
	ptc_adapter_inv_range(cookie, iova, size, granule, 0);
}

#if PTC_HAS_API5
/* v5.10's iommu_flush_ops still has it (io-pgtable-arm no longer calls it). */
static void ptc_adapter_tlb_flush_leaf(unsigned long iova, size_t size,
				       size_t granule, void *cookie)
{
	ptc_adapter_inv_range(cookie, iova, size, granule, 1);
}
#endif

/* The SMMU gathers leaf invalidations (iommu_iotlb_gather_add_page). */
static void ptc_adapter_tlb_add_page(struct iommu_iotlb_gather *gather,
				     unsigned long iova, size_t granule,
				     void *cookie)
{
	iommu_iotlb_gather_add_page(&((struct ptc_target *)cookie)->domain, gather,
				    iova, granule);
}

/* arm_smmu_iotlb_sync: the gathered range, leaves only; nothing without a page size. */
static void ptc_adapter_iotlb_sync(struct iommu_domain *domain,
				   struct iommu_iotlb_gather *gather)
{
	if (gather->pgsize)
		ptc_adapter_inv_range(ptc_adapter_of(domain), gather->start,
				      gather->end - gather->start + 1,
				      gather->pgsize, 1);
}

static const struct iommu_flush_ops ptc_adapter_flush_ops = {
	.tlb_flush_all	= ptc_adapter_tlb_flush_all,
	.tlb_flush_walk	= ptc_adapter_tlb_flush_walk,
#if PTC_HAS_API5
	.tlb_flush_leaf	= ptc_adapter_tlb_flush_leaf,
#endif
	.tlb_add_page	= ptc_adapter_tlb_add_page,
};

static const struct iommu_domain_ops ptc_adapter_domain_ops = {
	.flush_iotlb_all	= ptc_adapter_flush_iotlb_all,
	.iotlb_sync		= ptc_adapter_iotlb_sync,
};

#endif /* PTC_ADAPTER_TLB_H */
