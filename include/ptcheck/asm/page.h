/* ptcheck kernel include tree: 4K pages and the identity "physical" mapping (SPEC 6: a table
 * descriptor holds the table's address as alloc_table returned it). */
#ifndef PTC_ASM_PAGE_H
#define PTC_ASM_PAGE_H

#include <linux/bitops.h>
#include <linux/types.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

#define __pa(x) ((phys_addr_t)(uintptr_t)(x))
#define __va(x) ((void *)(uintptr_t)(x))
#define __pa_symbol(x) __pa(x)
#define virt_to_phys(x) __pa(x)
#define phys_to_virt(x) __va(x)
#define PFN_PHYS(pfn) ((phys_addr_t)(pfn) << PAGE_SHIFT)
#define PHYS_PFN(x) ((unsigned long)((x) >> PAGE_SHIFT))
#define virt_addr_valid(x) ((x) != 0)

/* The order of the smallest power-of-two number of pages holding size bytes. */
static inline __attribute__((const)) int get_order(unsigned long size) {
  if (size <= PAGE_SIZE) return 0;
  return fls64((size - 1) >> PAGE_SHIFT);
}

#endif
