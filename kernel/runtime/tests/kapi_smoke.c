/* Kernel-shaped code (ptcheck's own, written for this test) on the kernel include tree: what an
 * io-pgtable file does, in small pieces the C driver (kapi_smoke_main.c) calls and checks. Built with
 * -Wall -Wextra -Werror by clang and, where present, gcc. */
#define pr_fmt(fmt) "kapi-smoke: " fmt

#include <linux/atomic.h>
#include <linux/bitfield.h>
#include <linux/bitops.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/io-pgtable.h>
#include <linux/iommu.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/types.h>

#include <asm/barrier.h>

#include "kapi_smoke.h"

#define SMOKE_ADDR_MASK GENMASK_ULL(47, 12)
#define SMOKE_AP_RDONLY_BIT 7

typedef u64 smoke_pte;

int smoke_warn_on(int cond) { return WARN_ON(cond > 0); }

int smoke_warn(int value) { return WARN(value > 3, "value %d too big\n", value); }

unsigned long long smoke_field_prep(unsigned long long pa) { return FIELD_PREP(SMOKE_ADDR_MASK, pa >> 12); }

unsigned long long smoke_field_get(unsigned long long pte) { return FIELD_GET(SMOKE_ADDR_MASK, pte) << 12; }

int smoke_get_order(size_t size) { return get_order(size); }

int smoke_log2(unsigned long long n) { return ilog2(n); }

unsigned long smoke_roundup(unsigned long n) { return roundup_pow_of_two(n); }

unsigned long long *smoke_alloc_table(unsigned int order) {
  struct page *p = alloc_pages_node(NUMA_NO_NODE, GFP_ATOMIC | __GFP_ZERO, order);
  void *table;
  dma_addr_t dma;

  if (!p) return NULL;
  table = page_address(p);
  dma = dma_map_single(NULL, table, PAGE_SIZE << order, DMA_TO_DEVICE);
  if (dma_mapping_error(NULL, dma) || dma != virt_to_phys(table)) {
    pr_err("cannot map table %p\n", table);
    __free_pages(p, order);
    return NULL;
  }
  kmemleak_ignore(table);
  return table;
}

void smoke_free_table(unsigned long long *table, unsigned int order) { __free_pages(virt_to_page(table), order); }

unsigned long long smoke_read(unsigned long long *ptep) { return READ_ONCE(*ptep); }

void smoke_write(unsigned long long *ptep, unsigned long long pte) { WRITE_ONCE(*ptep, pte); }

unsigned long long smoke_install(unsigned long long *ptep, unsigned long long curr, unsigned long long pte) {
  smoke_pte old;

  dma_wmb();
  old = cmpxchg64_relaxed(ptep, curr, pte);
  return old;
}

int smoke_try_install(unsigned long long *ptep, unsigned long long curr, unsigned long long pte) {
  smoke_pte expected = curr;

  return try_cmpxchg64(ptep, &expected, pte);
}

void smoke_clean(unsigned long long *ptep) { set_bit(SMOKE_AP_RDONLY_BIT, (unsigned long *)ptep); }

int smoke_test_and_clear(unsigned long long *ptep) {
  return test_and_clear_bit(SMOKE_AP_RDONLY_BIT, (unsigned long *)ptep);
}

struct smoke_domain {
  struct io_pgtable iop;
  int add_pages;
};

static void smoke_tlb_flush_all(void *cookie) { (void)cookie; }

static void smoke_tlb_flush_walk(unsigned long iova, size_t size, size_t granule, void *cookie) {
  (void)iova, (void)size, (void)granule, (void)cookie;
}

static void smoke_tlb_add_page(struct iommu_iotlb_gather *gather, unsigned long iova, size_t granule,
                               void *cookie) {
  struct smoke_domain *d = cookie;

  d->add_pages++;
  iommu_iotlb_gather_add_range(gather, iova, granule);
}

static const struct iommu_flush_ops smoke_flush_ops = {
    .tlb_flush_all = smoke_tlb_flush_all,
    .tlb_flush_walk = smoke_tlb_flush_walk,
    .tlb_add_page = smoke_tlb_add_page,
};

int smoke_gather(unsigned long iova, size_t size, int n, unsigned long *start, unsigned long *end) {
  struct smoke_domain d = {.iop = {.fmt = ARM_64_LPAE_S1, .cfg = {.tlb = &smoke_flush_ops}}};
  struct iommu_iotlb_gather gather;
  int i;

  d.iop.cookie = &d;
  iommu_iotlb_gather_init(&gather);
  for (i = 0; i < n; i++)
    if (!iommu_iotlb_gather_queued(&gather)) io_pgtable_tlb_add_page(&d.iop, &gather, iova + i * size, size);
  io_pgtable_tlb_flush_walk(&d.iop, iova, n * size, SZ_4K);
  *start = gather.start;
  *end = gather.end;
  return d.add_pages;
}

void smoke_record_dirty(const struct ptc_dirty *dirty, unsigned long iova, unsigned long length) {
  struct iova_bitmap bitmap = {.dirty = dirty};
  struct iommu_iotlb_gather gather;
  struct iommu_dirty_bitmap dirty_bitmap;

  iommu_dirty_bitmap_init(&dirty_bitmap, &bitmap, &gather);
  iommu_dirty_bitmap_record(&dirty_bitmap, iova, length);
  WARN_ON(gather.start != iova || gather.end != iova + length - 1);
}

struct smoke_item {
  struct list_head node;
  int value;
};

int smoke_misc(void) {
  LIST_HEAD(items);
  struct smoke_item *item, *tmp;
  atomic64_t counter = ATOMIC64_INIT(5);
  DECLARE_BITMAP(map, 128);
  int sum = 0, i, bad = 0;

  for (i = 1; i <= 3; i++) {
    item = kzalloc(sizeof(*item), GFP_KERNEL);
    if (!item) return -ENOMEM;
    item->value = i;
    list_add_tail(&item->node, &items);
  }
  list_for_each_entry_safe(item, tmp, &items, node) {
    sum += item->value;
    list_del(&item->node);
    kfree(item);
  }
  bad |= sum != 6 || !list_empty(&items);
  bad |= atomic64_fetch_or(0x10, &counter) != 5 || atomic64_read(&counter) != 0x15;
  bad |= atomic64_cmpxchg(&counter, 0x15, 1) != 0x15 || atomic64_inc_return(&counter) != 2;
  bitmap_zero(map, 128);
  bitmap_set(map, 60, 8);
  bad |= find_first_bit(map, 128) != 60 || bitmap_weight(map, 128) != 8 || !test_bit(67, map);
  bad |= min(3, 5) != 3 || max_t(u64, 1, SZ_4G) != SZ_4G || clamp(9, 1, 4) != 4;
  bad |= ALIGN(5000, SZ_4K) != 8192 || !IS_ALIGNED(SZ_2M, SZ_2M) || DIV_ROUND_UP(5, 2) != 3;
  bad |= __ffs(SZ_2M) != 21 || __fls(SZ_1G | SZ_4K) != 30 || fls64(0) != 0 || !is_power_of_2(SZ_64K);
  bad |= BIT(3) != 8 || BIT_ULL(40) != SZ_1T || ARRAY_SIZE(map) != 2 || order_base_2(3) != 2;
  BUILD_BUG_ON(SZ_2M != 1 << 21);
  return bad;
}
