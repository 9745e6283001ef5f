/* ptcheck kernel include tree: what io-pgtable code and <linux/io-pgtable.h> (ptcheck's or a patched
 * tree's own) use of <linux/iommu.h>: the IOMMU_* protection bits, the iotlb gather, the dirty bitmap,
 * the page list of v6.15+, and an iommu_domain whose ops the caller (ptcheck's adapter) provides. */
#ifndef PTC_LINUX_IOMMU_H
#define PTC_LINUX_IOMMU_H

#include <linux/bitops.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/iova_bitmap.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/types.h>

#define IOMMU_READ (1 << 0)
#define IOMMU_WRITE (1 << 1)
#define IOMMU_CACHE (1 << 2) /* DMA cache coherency */
#define IOMMU_NOEXEC (1 << 3)
#define IOMMU_MMIO (1 << 4) /* e.g. things like MSI doorbells */
#define IOMMU_PRIV (1 << 5)

/* read_and_clear_dirty flags: record dirty leaves but leave them dirty. */
#define IOMMU_DIRTY_NO_CLEAR (1 << 0)

/* Pages a table walk may still reach, freed once the IOTLB is synced (v6.15+). */
struct iommu_pages_list {
  struct list_head pages;
};
#define IOMMU_PAGES_LIST_INIT(name) { .pages = LIST_HEAD_INIT(name.pages) }

/* The IOVA range [start, end] an unmap gathered for invalidation, with the page size it used; queued:
 * the caller defers invalidation to a flush queue (lazy mode), so the table need not add pages. */
struct iommu_iotlb_gather {
  unsigned long start;
  unsigned long end;
  size_t pgsize;
  struct iommu_pages_list freelist;
  bool queued;
};

struct iommu_domain;
struct iommu_domain_ops {
  void (*flush_iotlb_all)(struct iommu_domain *domain);
  int (*iotlb_sync_map)(struct iommu_domain *domain, unsigned long iova, size_t size);
  void (*iotlb_sync)(struct iommu_domain *domain, struct iommu_iotlb_gather *iotlb_gather);
};
struct iommu_domain {
  unsigned int type;
  const struct iommu_domain_ops *ops;
  unsigned long pgsize_bitmap;
};

static inline void iommu_iotlb_gather_init(struct iommu_iotlb_gather *gather) {
  *gather = (struct iommu_iotlb_gather){
      .start = ULONG_MAX,
      .freelist = IOMMU_PAGES_LIST_INIT(gather->freelist),
  };
}

static inline void iommu_flush_iotlb_all(struct iommu_domain *domain) {
  if (domain->ops->flush_iotlb_all) domain->ops->flush_iotlb_all(domain);
}

static inline void iommu_iotlb_sync(struct iommu_domain *domain, struct iommu_iotlb_gather *iotlb_gather) {
  if (domain->ops->iotlb_sync) domain->ops->iotlb_sync(domain, iotlb_gather);
  iommu_iotlb_gather_init(iotlb_gather);
}

/* Whether [iova, iova + size) neither overlaps nor touches the gathered range (an empty gather is never
 * disjoint). */
static inline bool iommu_iotlb_gather_is_disjoint(struct iommu_iotlb_gather *gather, unsigned long iova,
                                                  size_t size) {
  unsigned long start = iova, end = start + size - 1;
  return gather->end != 0 && (end + 1 < gather->start || start > gather->end + 1);
}

static inline void iommu_iotlb_gather_add_range(struct iommu_iotlb_gather *gather, unsigned long iova,
                                                size_t size) {
  unsigned long end = iova + size - 1;
  if (gather->start > iova) gather->start = iova;
  if (gather->end < end) gather->end = end;
}

/* Adds a page; a gather of another page size, or one this page is disjoint from, is synced first. */
static inline void iommu_iotlb_gather_add_page(struct iommu_domain *domain, struct iommu_iotlb_gather *gather,
                                               unsigned long iova, size_t size) {
  if ((gather->pgsize && gather->pgsize != size) || iommu_iotlb_gather_is_disjoint(gather, iova, size))
    iommu_iotlb_sync(domain, gather);
  gather->pgsize = size;
  iommu_iotlb_gather_add_range(gather, iova, size);
}

static inline bool iommu_iotlb_gather_queued(struct iommu_iotlb_gather *gather) {
  return gather && gather->queued;
}

/* What read_and_clear_dirty records into: the bitmap, and the gather of the entries it cleaned (the
 * caller flushes it afterwards). */
struct iommu_dirty_bitmap {
  struct iova_bitmap *bitmap;
  struct iommu_iotlb_gather *gather;
};

static inline void iommu_dirty_bitmap_init(struct iommu_dirty_bitmap *dirty, struct iova_bitmap *bitmap,
                                           struct iommu_iotlb_gather *gather) {
  if (gather) iommu_iotlb_gather_init(gather);
  dirty->bitmap = bitmap;
  dirty->gather = gather;
}

static inline void iommu_dirty_bitmap_record(struct iommu_dirty_bitmap *dirty, unsigned long iova,
                                             unsigned long length) {
  if (dirty->bitmap) iova_bitmap_set(dirty->bitmap, iova, length);
  if (dirty->gather) iommu_iotlb_gather_add_range(dirty->gather, iova, length);
}

#endif
