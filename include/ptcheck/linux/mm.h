/* ptcheck kernel include tree: struct page <-> address of the tables the page allocator gave. */
#ifndef PTC_LINUX_MM_H
#define PTC_LINUX_MM_H

#include <asm/page.h>
#include <linux/align.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/numa.h>
#include <linux/vmstat.h>

static inline void *page_address(const struct page *page) { return ptc_k_page_address(page); }
#define page_to_virt(page) page_address(page)
/* The struct page of the live table holding addr; NULL for other memory. */
#define virt_to_page(addr) ptc_k_virt_to_page((const void *)(uintptr_t)(addr))
#define virt_to_head_page(addr) virt_to_page(addr)
#define page_to_phys(page) virt_to_phys(page_address(page))
#define offset_in_page(p) ((unsigned long)(uintptr_t)(p) & ~PAGE_MASK)
#define PAGE_ALIGN(addr) ALIGN(addr, PAGE_SIZE)
#define PAGE_ALIGNED(addr) IS_ALIGNED((unsigned long)(uintptr_t)(addr), PAGE_SIZE)

static inline struct folio *page_folio(const struct page *page) { return (struct folio *)(uintptr_t)page; }
static inline struct page *folio_page(struct folio *folio, unsigned long n) { return &folio->page + n; }
static inline struct folio *virt_to_folio(const void *addr) { return page_folio(virt_to_page(addr)); }
static inline void *folio_address(const struct folio *folio) { return page_address(&folio->page); }
static inline unsigned int folio_order(const struct folio *folio) { return folio->page.ptc_order; }
static inline void folio_put(struct folio *folio) { ptc_k_free_pages(&folio->page, -1); }

/* A table page is never shared: the last reference is the only one. */
static inline void put_page(struct page *page) { ptc_k_free_pages(page, -1); }
static inline void get_page(struct page *page) { (void)page; }

static inline pg_data_t *page_pgdat(const struct page *page) {
  static pg_data_t node0;
  (void)page;
  return &node0;
}
static inline pg_data_t *folio_pgdat(const struct folio *folio) { return page_pgdat(&folio->page); }
static inline int page_to_nid(const struct page *page) {
  (void)page;
  return 0;
}

#endif
