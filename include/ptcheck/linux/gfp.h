/* ptcheck kernel include tree: the page allocator. Every page allocation is a TABLE allocation:
 * PAGE_SIZE << order bytes from the current instance's ptc_hw (zeroed, aligned to their size; NULL
 * when the harness makes it fail), registered so that accesses to it are descriptor accesses. The
 * node and the flags are ignored. */
#ifndef PTC_LINUX_GFP_H
#define PTC_LINUX_GFP_H

#include <asm/page.h>
#include <linux/gfp_types.h>
#include <linux/mm_types.h>
#include <linux/numa.h>

static inline struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order) {
  (void)nid;
  (void)gfp;
  return ptc_k_alloc_pages(order);
}
static inline struct page *alloc_pages(gfp_t gfp, unsigned int order) { return alloc_pages_node(NUMA_NO_NODE, gfp, order); }
#define alloc_page(gfp) alloc_pages(gfp, 0)
#define __alloc_pages_node(nid, gfp, order) alloc_pages_node(nid, gfp, order)
static inline struct folio *__folio_alloc_node(gfp_t gfp, unsigned int order, int nid) {
  return (struct folio *)alloc_pages_node(nid, gfp, order);
}
static inline struct folio *folio_alloc(gfp_t gfp, unsigned int order) { return __folio_alloc_node(gfp, order, NUMA_NO_NODE); }

static inline unsigned long __get_free_pages(gfp_t gfp, unsigned int order) {
  return (unsigned long)(uintptr_t)ptc_k_page_address(alloc_pages(gfp, order));
}
#define __get_free_page(gfp) __get_free_pages(gfp, 0)
#define get_zeroed_page(gfp) __get_free_pages((gfp) | __GFP_ZERO, 0)

static inline void __free_pages(struct page *page, unsigned int order) { ptc_k_free_pages(page, (int)order); }
#define __free_page(page) __free_pages(page, 0)
static inline void free_pages(unsigned long addr, unsigned int order) {
  if (addr) ptc_k_free_pages_at((const void *)(uintptr_t)addr, (int)order);
}
#define free_page(addr) free_pages(addr, 0)

static inline void *alloc_pages_exact(size_t size, gfp_t gfp) {
  return ptc_k_page_address(alloc_pages(gfp, (unsigned int)get_order(size)));
}
static inline void *alloc_pages_exact_nid(int nid, size_t size, gfp_t gfp) {
  return ptc_k_page_address(alloc_pages_node(nid, gfp, (unsigned int)get_order(size)));
}
static inline void free_pages_exact(void *virt, size_t size) {
  if (virt) ptc_k_free_pages_at(virt, get_order(size));
}

#endif
