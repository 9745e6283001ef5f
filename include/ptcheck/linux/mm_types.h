/* ptcheck kernel include tree: struct page and struct folio. A struct page describes one table from
 * the page allocator (ptc_k_alloc_pages); its first members have the offsets v6.15's struct ioptdesc
 * (drivers/iommu/iommu-pages.h) overlays: flags, lru (the free-list link), mapping, index, private,
 * page_type, refcount, memcg_data. */
#ifndef PTC_LINUX_MM_TYPES_H
#define PTC_LINUX_MM_TYPES_H

#include <linux/types.h>

struct page {
  unsigned long flags;
  struct list_head lru;
  unsigned long mapping;
  pgoff_t index;
  void *private;
  unsigned int page_type;
  atomic_t _refcount;
  unsigned long memcg_data;
  /* ptcheck's own: the table's address and PAGE_SIZE << order bytes (order 0 for tables that
   * did not come from the page allocator). */
  void *ptc_virtual;
  unsigned int ptc_order;
};

struct folio {
  struct page page;
};

typedef struct pglist_data {
  int node_id;
} pg_data_t;

#endif
