/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * drivers/iommu/iommu-pages.h as a v6.15+ tree has it, for ptcheck's kernel-style example: the
 * sibling header io-pgtable-arm.c includes as "iommu-pages.h". Written from the documented
 * interface: the allocator of page-table memory for IOMMU drivers (zeroed, physically aligned to
 * its size rounded up to a power of two), defined in iommu-pages.c (here: ptcheck's runtime).
 */
#ifndef __IOMMU_PAGES_H
#define __IOMMU_PAGES_H

#include <linux/gfp.h>
#include <linux/types.h>

void *iommu_alloc_pages_node_sz(int nid, gfp_t gfp, size_t size);
void iommu_free_pages(void *virt);

#endif /* __IOMMU_PAGES_H */
