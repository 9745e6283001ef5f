/* The ptcheck glue of the kernel-style table: ptc_target_ops (include/ptcheck/target.h) on top of
 * its io_pgtable_ops. Each entry point makes the instance's ptc_hw the shim's current one for the
 * duration of the call (PTC_KSHIM_ENTER / LEAVE), so READ_ONCE, cmpxchg64, the TLB hooks and the
 * table allocator inside io-pgtable-kstyle.c reach the harness. This file is what a kernel engineer
 * writes once; io-pgtable-kstyle.c stays kernel code. */
#include "io-pgtable-kstyle.h"

struct ptc_target {
	struct io_pgtable_ops	*ops;
	const struct ptc_hw	*hw;
};

static struct ptc_target *kstyle_create(const struct ptc_cfg *cfg, const struct ptc_hw *hw)
{
	struct io_pgtable_cfg pcfg = {
		.quirks = ((cfg->flags & PTC_CFG_HW_DIRTY) ? IO_PGTABLE_QUIRK_ARM_HD : 0) |
			  ((cfg->flags & PTC_CFG_LAZY) ? IO_PGTABLE_QUIRK_NON_STRICT : 0),
		.pgsize_bitmap = cfg->pgsize_bitmap,
		.ias = cfg->ias,
		.oas = cfg->oas,
		.bbml = cfg->bbml,
	};
	struct ptc_target *t;

	if (cfg->flags & ~(unsigned)(PTC_CFG_HW_DIRTY | PTC_CFG_LAZY))
		return NULL;
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	t->hw = hw;
	PTC_KSHIM_ENTER(hw);
	t->ops = alloc_io_pgtable_ops_kstyle(&pcfg);
	PTC_KSHIM_LEAVE();
	if (!t->ops) {
		kfree(t);
		return NULL;
	}
	return t;
}

static void kstyle_destroy(struct ptc_target *t)
{
	PTC_KSHIM_ENTER(t->hw);
	free_io_pgtable_ops_kstyle(t->ops);
	PTC_KSHIM_LEAVE();
	kfree(t);
}

static ptc_pte_t *kstyle_root(struct ptc_target *t)
{
	return t->ops->pgd(t->ops);
}

static int kstyle_map(struct ptc_target *t, uint64_t iova, uint64_t paddr, uint64_t size, unsigned prot)
{
	int prot_bits = ((prot & PTC_PROT_READ) ? IOMMU_READ : 0) | ((prot & PTC_PROT_WRITE) ? IOMMU_WRITE : 0);
	int ret;

	if (prot & ~(unsigned)(PTC_PROT_READ | PTC_PROT_WRITE))
		return -EINVAL;
	PTC_KSHIM_ENTER(t->hw);
	ret = t->ops->map_range(t->ops, iova, paddr, size, prot_bits, GFP_KERNEL);
	PTC_KSHIM_LEAVE();
	return ret;
}

static int64_t kstyle_unmap_dirty(struct ptc_target *t, uint64_t iova, uint64_t size, const struct ptc_dirty *dirty)
{
	struct iommu_dirty_bitmap bitmap = { .ptc = dirty };
	s64 ret;

	PTC_KSHIM_ENTER(t->hw);
	ret = t->ops->unmap_range(t->ops, iova, size, dirty ? &bitmap : NULL);
	PTC_KSHIM_LEAVE();
	return ret;
}

static int64_t kstyle_unmap(struct ptc_target *t, uint64_t iova, uint64_t size)
{
	return kstyle_unmap_dirty(t, iova, size, NULL);
}

static int kstyle_flush(struct ptc_target *t)
{
	int ret;

	PTC_KSHIM_ENTER(t->hw);
	ret = t->ops->flush_lazy(t->ops);
	PTC_KSHIM_LEAVE();
	return ret;
}

static int kstyle_split(struct ptc_target *t, uint64_t iova, uint64_t size)
{
	int ret;

	PTC_KSHIM_ENTER(t->hw);
	ret = t->ops->split_blocks(t->ops, iova, size);
	PTC_KSHIM_LEAVE();
	return ret;
}

static int kstyle_merge(struct ptc_target *t, uint64_t iova, uint64_t size)
{
	int ret;

	PTC_KSHIM_ENTER(t->hw);
	ret = t->ops->merge_blocks(t->ops, iova, size);
	PTC_KSHIM_LEAVE();
	return ret;
}

static int kstyle_read_and_clear_dirty(struct ptc_target *t, uint64_t iova, uint64_t size, unsigned flags,
				       const struct ptc_dirty *dirty)
{
	struct iommu_dirty_bitmap bitmap = { .ptc = dirty };
	int ret;

	PTC_KSHIM_ENTER(t->hw);
	ret = t->ops->read_and_clear_dirty(t->ops, iova, size,
					   (flags & PTC_DIRTY_NO_CLEAR) ? IOMMU_DIRTY_NO_CLEAR : 0, &bitmap);
	PTC_KSHIM_LEAVE();
	return ret;
}

static uint64_t kstyle_iova_to_phys(struct ptc_target *t, uint64_t iova)
{
	uint64_t pa;

	PTC_KSHIM_ENTER(t->hw);
	pa = t->ops->iova_to_phys(t->ops, iova);
	PTC_KSHIM_LEAVE();
	return pa;
}

static const struct ptc_target_ops kstyle_target_ops = {
	.abi = PTC_TARGET_ABI,
#ifdef KSTYLE_BREAK_SPLIT
	.name = "kernel-style-broken-split",
#else
	.name = "kernel-style",
#endif
	.create = kstyle_create,
	.destroy = kstyle_destroy,
	.root = kstyle_root,
	.map = kstyle_map,
	.unmap = kstyle_unmap,
	.flush = kstyle_flush,
	.split = kstyle_split,
	.merge = kstyle_merge,
	.read_and_clear_dirty = kstyle_read_and_clear_dirty,
	.unmap_read_dirty = kstyle_unmap_dirty,
	.iova_to_phys = kstyle_iova_to_phys,
};

const struct ptc_target_ops *ptc_target(void)
{
	return &kstyle_target_ops;
}
