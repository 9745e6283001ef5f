/* ptcheck kernel include tree: kmemleak annotations (no-ops). */
#ifndef PTC_LINUX_KMEMLEAK_H
#define PTC_LINUX_KMEMLEAK_H

#include <linux/gfp_types.h>
#include <linux/types.h>

static inline void kmemleak_alloc(const void *ptr, size_t size, int min_count, gfp_t gfp) {
  (void)ptr, (void)size, (void)min_count, (void)gfp;
}
static inline void kmemleak_free(const void *ptr) { (void)ptr; }
static inline void kmemleak_free_part(const void *ptr, size_t size) { (void)ptr, (void)size; }
static inline void kmemleak_not_leak(const void *ptr) { (void)ptr; }
static inline void kmemleak_ignore(const void *ptr) { (void)ptr; }
static inline void kmemleak_no_scan(const void *ptr) { (void)ptr; }
static inline void kmemleak_alloc_phys(phys_addr_t phys, size_t size, gfp_t gfp) { (void)phys, (void)size, (void)gfp; }
static inline void kmemleak_free_part_phys(phys_addr_t phys, size_t size) { (void)phys, (void)size; }
static inline void kmemleak_ignore_phys(phys_addr_t phys) { (void)phys; }

#endif
