/*
 * ptcheck's io-pgtable callers (SPEC section 10): turns a kernel file's
 * io_pgtable_init_fns / io_pgtable_ops into the ptc_target_ops the harness
 * loads, doing what Linux's own callers of io-pgtable do and no more.
 *
 * This file is #included at the END of a translation unit that
 * ptcheck_add_kernel_target() generates: first the user's kernel file(s),
 * unchanged, then this. Being in the same unit, it reaches the file's static
 * init_fns and hook functions by name.
 *
 * Knobs (preprocessor macros, set by ptcheck_add_kernel_target):
 *   PTC_KERNEL_INIT_FNS          the io_pgtable_init_fns to use
 *                                (default io_pgtable_arm_64_lpae_s1_init_fns)
 *   PTC_KERNEL_SPLIT             split hook: the RFC's split_block
 *                                  size_t fn(struct io_pgtable_ops *, unsigned long iova, size_t size)
 *                                or  int fn(struct io_pgtable_ops *, unsigned long iova, size_t size)
 *   PTC_KERNEL_MERGE             merge hook: the RFC's merge_page
 *                                  size_t fn(struct io_pgtable_ops *, unsigned long iova,
 *                                            phys_addr_t phys, size_t size, int prot)
 *                                or  int fn(struct io_pgtable_ops *, unsigned long iova, size_t size)
 *   PTC_KERNEL_UNMAP_READ_DIRTY  unmap_read_dirty hook (the 2022 iommufd RFC's shapes):
 *                                  size_t fn(ops, iova, pgsize, pgcount, gather, dirty)
 *                                  size_t fn(ops, iova, size, gather, dirty)
 *   PTC_KERNEL_API               5 (map/unmap, IO_PGTABLE_QUIRK_NON_STRICT) or
 *                                6 (map_pages/unmap_pages, gather->queued,
 *                                read_and_clear_dirty); default: detected.
 * An unset hook is a NULL op: the harness then never issues it (SPEC 6).
 *
 * The mirrors, per op:
 *   create   drivers/iommu/io-pgtable.c alloc_io_pgtable_ops, with the cfg
 *            arm-smmu-v3 builds for a stage-1 domain
 *   destroy  free_io_pgtable_ops (flush_all, then init_fns->free)
 *   map      iommu.c __iommu_map: iommu_pgsize chunks, unmap what was mapped
 *            on failure
 *   unmap    iommu.c __iommu_unmap + iommu_iotlb_sync (strict); dma-iommu's
 *            flush queue (lazy): nothing synced until flush
 *   flush    the flush queue's drain: arm-smmu-v3 flush_iotlb_all
 *   dirty    iommufd: gather + iommu_dirty_bitmap, read_and_clear_dirty,
 *            iommu_iotlb_sync unless NO_CLEAR
 *   split    the RFC's iommu_split_block, merge its iommu_merge_page
 *
 * Its parts: ptc_adapter_tlb.h (the SMMU driver's TLB maintenance),
 * ptc_adapter_pgsize.h (iommu_pgsize), ptc_adapter_record.h (what the caller
 * mapped), ptc_adapter_dirty.h and ptc_adapter_hooks.h (the optional ops).
 */

#include <linux/io-pgtable.h>
#include <linux/iommu.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <ptcheck/target.h>
#include "ptc_kernel.h"

#ifndef PTC_KERNEL_INIT_FNS
#define PTC_KERNEL_INIT_FNS io_pgtable_arm_64_lpae_s1_init_fns
#endif
#ifndef PTC_KERNEL_FMT
#define PTC_KERNEL_FMT ARM_64_LPAE_S1
#endif
#ifndef PTC_KERNEL_NAME
#define PTC_KERNEL_NAME "kernel-io-pgtable"
#endif

/*
 * Which io_pgtable_ops members exist. ptcheck's own io-pgtable.h has both
 * generations' members (it says so with PTC_IO_PGTABLE_BOTH_APIS) and the
 * file's ops tell which it fills; a kernel's own header, put first on the
 * include path, has one: v5.10's still has IO_PGTABLE_QUIRK_NON_STRICT.
 */
#ifndef PTC_KERNEL_API
#if defined(PTC_IO_PGTABLE_BOTH_APIS)
#define PTC_KERNEL_API 0
#elif defined(IO_PGTABLE_QUIRK_NON_STRICT)
#define PTC_KERNEL_API 5
#else
#define PTC_KERNEL_API 6
#endif
#endif
#if PTC_KERNEL_API != 0 && PTC_KERNEL_API != 5 && PTC_KERNEL_API != 6
#error "PTC_KERNEL_API must be 5 or 6"
#endif
#define PTC_HAS_API5 (PTC_KERNEL_API != 6)
#define PTC_HAS_API6 (PTC_KERNEL_API != 5)

/* A mapping as the caller knows it (VFIO's vfio_dma, iommufd's area). */
struct ptc_adapter_range {
	u64 iova, paddr, size;
	int prot;
};

struct ptc_target {
	const struct ptc_hw *hw;
	struct ptc_cfg cfg;
	struct io_pgtable_ops *ops;
	/* the IOMMU domain: its ops (arm-smmu-v3's) and pgsize_bitmap (what alloc left) */
	struct iommu_domain domain;
	/*
	 * The caller's record of what it mapped, sorted by iova: the RFC's
	 * merge_page needs the prot and output address VFIO passes it.
	 */
	bool lock;		/* taken with ptc_adapter_lock, never across a call into the file */
	struct ptc_adapter_range *ranges;
	size_t nr_ranges, cap_ranges;
};

/* x is a multiple of the smallest page size (every caller's alignment check). */
static bool ptc_adapter_aligned(struct ptc_target *t, u64 x)
{
	return IS_ALIGNED(x, 1ULL << __builtin_ctzll(t->domain.pgsize_bitmap));
}

/*
 * [iova, iova + size) lies in the domain's aperture, the IOVA space of ias
 * bits, which no caller leaves (the IOVA allocators of dma-iommu and iommufd
 * hand out nothing else); a format WARNs on what lies beyond.
 */
static bool ptc_adapter_in_aperture(struct ptc_target *t, u64 iova, u64 size)
{
	u64 top = 1ULL << t->cfg.ias;

	return size <= top && iova <= top - size;
}

#include "ptc_adapter_tlb.h"
#include "ptc_adapter_pgsize.h"
#include "ptc_adapter_record.h"

/* ---- create / destroy / root ------------------------------------------------- */

/* Defined in a module the access instrumentation ran on (kernel/instrument). */
extern const int __ptc_access_instrumented __attribute__((weak));

/* Once, into the target log: plain descriptor accesses of this build are not seen. */
static void ptc_adapter_note_instrumentation(void)
{
	static bool said;

	if (!&__ptc_access_instrumented && !__atomic_test_and_set(&said, __ATOMIC_RELAXED))
		ptc_k_printk("ptcheck: %s was built without the access instrumentation: "
			     "a plain load or store of a descriptor is not seen, and a plain store "
			     "is reported as a contract error (build it with clang 14 and "
			     "ptcheck_add_kernel_target)\n", PTC_KERNEL_NAME);
}

/*
 * alloc_io_pgtable_ops: the format allocates (and fills in what it offers
 * in *pcfg), the core fills in the rest. NULL: the format refused.
 */
static struct io_pgtable *ptc_adapter_alloc(struct ptc_target *t,
					    struct io_pgtable_cfg *pcfg)
{
	const struct ptc_hw *prev = ptc_k_enter(t->hw);
	struct io_pgtable *iop = PTC_KERNEL_INIT_FNS.alloc(pcfg, t);

	if (iop) {
		iop->fmt = PTC_KERNEL_FMT;
		iop->cookie = t;
		iop->cfg = *pcfg;
		t->ops = &iop->ops;
	}
	ptc_k_leave(prev);
	return iop;
}

/* The format's free, for a table the device never saw. */
static void ptc_adapter_free(struct ptc_target *t, struct io_pgtable *iop)
{
	const struct ptc_hw *prev = ptc_k_enter(t->hw);

	PTC_KERNEL_INIT_FNS.free(iop);
	ptc_k_leave(prev);
}

static struct ptc_target *ptc_adapter_create(const struct ptc_cfg *cfg,
					     const struct ptc_hw *hw)
{
	struct io_pgtable_cfg pcfg = {
		.pgsize_bitmap	= cfg->pgsize_bitmap,
		.ias		= cfg->ias,
		.oas		= cfg->oas,
		.coherent_walk	= true,
		.tlb		= &ptc_adapter_flush_ops,
	};
	struct io_pgtable *iop;
	struct ptc_target *t;

	ptc_adapter_note_instrumentation();
	if (cfg->flags & ~(unsigned int)(PTC_CFG_HW_DIRTY | PTC_CFG_LAZY))
		return NULL;
	if (cfg->flags & PTC_CFG_HW_DIRTY) {
#ifdef IO_PGTABLE_QUIRK_ARM_HD
		pcfg.quirks |= IO_PGTABLE_QUIRK_ARM_HD;
#else
		return NULL;	/* the file cannot make writable-clean leaves */
#endif
	}
#if PTC_KERNEL_API == 5
	if (cfg->flags & PTC_CFG_LAZY)
		pcfg.quirks |= IO_PGTABLE_QUIRK_NON_STRICT;
#endif
	/*
	 * The 2021 series tells its split and merge the BBM level by quirk; a
	 * file without them has no use for it (and mainline refuses quirks it
	 * does not know).
	 */
#if defined(IO_PGTABLE_QUIRK_ARM_BBML1) && (defined(PTC_KERNEL_SPLIT) || defined(PTC_KERNEL_MERGE))
	if (cfg->bbml == 1)
		pcfg.quirks |= IO_PGTABLE_QUIRK_ARM_BBML1;
#endif
#if defined(IO_PGTABLE_QUIRK_ARM_BBML2) && (defined(PTC_KERNEL_SPLIT) || defined(PTC_KERNEL_MERGE))
	if (cfg->bbml == 2)
		pcfg.quirks |= IO_PGTABLE_QUIRK_ARM_BBML2;
#endif

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return NULL;
	t->hw = hw;
	t->cfg = *cfg;
	t->domain.ops = &ptc_adapter_domain_ops;
#if PTC_KERNEL_API == 0
	const struct io_pgtable_cfg asked = pcfg;	/* before the format changes it */
#endif
	iop = ptc_adapter_alloc(t, &pcfg);
#if PTC_KERNEL_API == 0
	/*
	 * Which generation the file is shows in the ops it fills. A v5.10 file
	 * is told lazy mode by a quirk (a v6 one by gather->queued): it gets a
	 * table allocated with it, before the device ever saw the first.
	 */
	if (iop && !iop->ops.map_pages && (cfg->flags & PTC_CFG_LAZY)) {
		ptc_adapter_free(t, iop);
		pcfg = asked;
		pcfg.quirks |= IO_PGTABLE_QUIRK_NON_STRICT;
		iop = ptc_adapter_alloc(t, &pcfg);
	}
	if (iop && !iop->ops.map_pages && !iop->ops.map)
		goto free_ops;
#endif
	if (!iop)
		goto refused;
	t->domain.pgsize_bitmap = pcfg.pgsize_bitmap;
	/* a table that left out a leaf size the config asks for is another config */
	if (pcfg.pgsize_bitmap != cfg->pgsize_bitmap || pcfg.ias != cfg->ias ||
	    pcfg.oas != cfg->oas)
		goto free_ops;
#if PTC_HAS_API6
	/*
	 * HTTU with no way to read the dirty state back: the harness would
	 * issue read_and_clear_dirty (offered, as the header has the member)
	 * and get -EOPNOTSUPP. Not a table ptcheck can check in that config.
	 */
	if ((cfg->flags & PTC_CFG_HW_DIRTY) && !iop->ops.read_and_clear_dirty)
		goto free_ops;
#endif
	return t;

free_ops:
	ptc_adapter_free(t, iop);
refused:
	kfree(t);
	return NULL;
}

static void ptc_adapter_destroy(struct ptc_target *t)
{
	const struct ptc_hw *prev = ptc_k_enter(t->hw);
	struct io_pgtable *iop = io_pgtable_ops_to_pgtable(t->ops);

	/* free_io_pgtable_ops: the TLB first, then the tables */
	io_pgtable_tlb_flush_all(iop);
	ptc_k_leave(prev);
	ptc_adapter_free(t, iop);
	kfree(t->ranges);
	kfree(t);
}

/*
 * The table the SMMU walks: the TTBR the format wrote into the stage-1 cfg
 * (arm-smmu-v3 puts it in the context descriptor), a physical address that
 * is the table's own address under ptcheck's identity mapping (SPEC 6).
 */
static ptc_pte_t *ptc_adapter_root(struct ptc_target *t)
{
	struct io_pgtable *iop = io_pgtable_ops_to_pgtable(t->ops);

	return phys_to_virt(iop->cfg.arm_lpae_s1_cfg.ttbr);
}

/* ---- map / unmap / flush ------------------------------------------------------ */

/*
 * __iommu_unmap's loop: unmap_pages (or v5.10's unmap) in iommu_pgsize
 * sizes until the file unmaps nothing. Called with the hw entered.
 */
static u64 ptc_adapter_unmap_loop(struct ptc_target *t, u64 iova, u64 size,
				  struct iommu_iotlb_gather *gather)
{
	struct io_pgtable_ops *ops = t->ops;
	u64 unmapped = 0;

	if (!ptc_adapter_aligned(t, iova | size)) {
		pr_err("unaligned: iova 0x%llx size 0x%llx\n",
		       (unsigned long long)iova, (unsigned long long)size);
		return 0;
	}
	while (unmapped < size) {
		size_t count = 1, pgsize, done = 0;

		pgsize = ptc_adapter_pgsize(t->domain.pgsize_bitmap, iova, iova,
					    size - unmapped, &count);
		if (!pgsize)
			break;
#if PTC_HAS_API6
		if (ops->unmap_pages)
			done = ops->unmap_pages(ops, iova, pgsize, count, gather);
#endif
#if PTC_HAS_API5
#if PTC_HAS_API6
		else
#endif
			done = ops->unmap(ops, iova, pgsize, gather);
#endif
		if (!done)
			break;
		iova += done;
		unmapped += done;
	}
	return unmapped;
}

/* iommu_unmap: a gather, the loop, then iommu_iotlb_sync. Hw entered. */
static u64 ptc_adapter_unmap_sync(struct ptc_target *t, u64 iova, u64 size)
{
	struct iommu_iotlb_gather gather;
	u64 unmapped;

	iommu_iotlb_gather_init(&gather);
	unmapped = ptc_adapter_unmap_loop(t, iova, size, &gather);
	iommu_iotlb_sync(&t->domain, &gather);
	return unmapped;
}

static int ptc_adapter_prot(unsigned int prot)
{
	int iommu_prot = IOMMU_READ | IOMMU_CACHE;

	if (prot & PTC_PROT_WRITE)
		iommu_prot |= IOMMU_WRITE;
	return iommu_prot;
}

static int ptc_adapter_map(struct ptc_target *t, uint64_t iova, uint64_t paddr,
			   uint64_t size, unsigned int prot)
{
	struct io_pgtable_ops *ops = t->ops;
	const struct ptc_hw *prev;
	u64 left = size, at = iova, pa = paddr;
	int iommu_prot = ptc_adapter_prot(prot);
	int ret = 0;

	/*
	 * What no caller passes: no READ (ptcheck's prot requires it), an empty
	 * or unaligned range (__iommu_map's -EINVAL), an IOVA outside the
	 * domain's aperture (iommufd's and dma-iommu's IOVA allocators) or an
	 * output address beyond oas.
	 */
	if (!(prot & PTC_PROT_READ) ||
	    (prot & ~(unsigned int)(PTC_PROT_READ | PTC_PROT_WRITE)) || !size ||
	    !ptc_adapter_aligned(t, iova | paddr | size) ||
	    !ptc_adapter_in_aperture(t, iova, size) ||
	    size > (1ULL << t->cfg.oas) || paddr > (1ULL << t->cfg.oas) - size)
		return -EINVAL;

	prev = ptc_k_enter(t->hw);
	while (left) {
		size_t count = 1, mapped = 0, pgsize;

		pgsize = ptc_adapter_pgsize(t->domain.pgsize_bitmap, at, pa, left, &count);
		if (!pgsize) {
			ret = -EINVAL;
			break;
		}
#if PTC_HAS_API6
		if (ops->map_pages) {
			ret = ops->map_pages(ops, at, pa, pgsize, count, iommu_prot,
					     GFP_KERNEL, &mapped);
		}
#endif
#if PTC_HAS_API5
#if PTC_HAS_API6
		else
#endif
		{
			ret = ops->map(ops, at, pa, pgsize, iommu_prot, GFP_KERNEL);
			mapped = ret ? 0 : pgsize;
		}
#endif
		left -= mapped;
		if (ret)
			break;
		if (!mapped) {
			/* Linux's loop would spin here for ever */
			WARN(1, "map of 0x%llx mapped nothing and returned 0\n",
			     (unsigned long long)at);
			ret = -EINVAL;
			break;
		}
		at += mapped;
		pa += mapped;
	}
	/* unroll mapping in case something went wrong, as __iommu_map does */
	if (ret && left != size)
		ptc_adapter_unmap_sync(t, iova, size - left);
	ptc_k_leave(prev);
	if (!ret)
		ptc_adapter_remember(t, iova, paddr, size, iommu_prot);
	return ret;
}

static int64_t ptc_adapter_unmap(struct ptc_target *t, uint64_t iova,
				 uint64_t size)
{
	const struct ptc_hw *prev;
	u64 unmapped;

	if (!ptc_adapter_in_aperture(t, iova, size))
		return -EINVAL;
	prev = ptc_k_enter(t->hw);
	if (!(t->cfg.flags & PTC_CFG_LAZY)) {
		unmapped = ptc_adapter_unmap_sync(t, iova, size);
	} else {
		/*
		 * dma-iommu's flush queue: the IOVA waits in the queue and nothing
		 * is synced until flush_iotlb_all. v6 marks the gather queued so
		 * the file adds no pages; v5.10 files skip them for NON_STRICT.
		 */
		struct iommu_iotlb_gather gather;

		iommu_iotlb_gather_init(&gather);
#if PTC_HAS_API6
		gather.queued = true;
#endif
		unmapped = ptc_adapter_unmap_loop(t, iova, size, &gather);
	}
	ptc_k_leave(prev);
	ptc_adapter_forget(t, iova, unmapped);
	return (int64_t)unmapped;
}

static int ptc_adapter_flush(struct ptc_target *t)
{
	const struct ptc_hw *prev;

	if (!(t->cfg.flags & PTC_CFG_LAZY))
		return 0;	/* strict: no flush queue */
	prev = ptc_k_enter(t->hw);
	iommu_flush_iotlb_all(&t->domain);
	ptc_k_leave(prev);
	return 0;
}

static uint64_t ptc_adapter_iova_to_phys(struct ptc_target *t, uint64_t iova)
{
	const struct ptc_hw *prev;
	u64 phys;

	if (iova >> t->cfg.ias)
		return 0;	/* outside the aperture: iommu_iova_to_phys's callers never ask */
	prev = ptc_k_enter(t->hw);
	phys = t->ops->iova_to_phys(t->ops, iova);
	ptc_k_leave(prev);
	return phys;
}

#include "ptc_adapter_dirty.h"
#include "ptc_adapter_hooks.h"

static const struct ptc_target_ops ptc_adapter_target_ops = {
	.abi			= PTC_TARGET_ABI,
	.name			= PTC_KERNEL_NAME,
	.create			= ptc_adapter_create,
	.destroy		= ptc_adapter_destroy,
	.root			= ptc_adapter_root,
	.map			= ptc_adapter_map,
	.unmap			= ptc_adapter_unmap,
	.flush			= ptc_adapter_flush,
	.read_and_clear_dirty	= PTC_ADAPTER_READ_AND_CLEAR_DIRTY,
	.split			= PTC_ADAPTER_SPLIT,
	.merge			= PTC_ADAPTER_MERGE,
	.unmap_read_dirty	= PTC_ADAPTER_UNMAP_READ_DIRTY,
	.iova_to_phys		= ptc_adapter_iova_to_phys,
};

__attribute__((visibility("default")))
const struct ptc_target_ops *ptc_target(void)
{
	return &ptc_adapter_target_ops;
}
