/* The kernel runtime (ptc_kernel.h) against a recording ptc_hw: which accesses become descriptor
 * accesses of the current hw, the table registry, the page allocator, nesting and threads. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fake_hw.h"
#include "ptc_kernel.h"

/* Declared by v6.15+ drivers/iommu/iommu-pages.h (which ptcheck does not ship); defined by the runtime. */
struct iommu_pages_list;
void *iommu_alloc_pages_node_sz(int nid, unsigned int gfp, size_t size);
void iommu_free_pages(void *virt);

static void test_current_hw_nests(void) {
  struct fake_hw a, b;
  fake_hw_init(&a);
  fake_hw_init(&b);
  CHECK(ptc_k_hw() == NULL);
  const struct ptc_hw *outer = ptc_k_enter(&a.hw);
  CHECK(outer == NULL);
  CHECK(ptc_k_hw() == &a.hw);
  const struct ptc_hw *inner = ptc_k_enter(&b.hw);
  CHECK(inner == &a.hw);
  CHECK(ptc_k_hw() == &b.hw);
  ptc_k_leave(inner);
  CHECK(ptc_k_hw() == &a.hw);
  ptc_k_leave(outer);
  CHECK(ptc_k_hw() == NULL);
}

static void *hw_of_new_thread(void *unused) {
  (void)unused;
  return (void *)ptc_k_hw();
}

static void test_current_hw_is_per_thread(void) {
  struct fake_hw f;
  fake_hw_init(&f);
  const struct ptc_hw *prev = ptc_k_enter(&f.hw);
  pthread_t t;
  void *seen = &f;
  CHECK(pthread_create(&t, NULL, hw_of_new_thread, NULL) == 0);
  CHECK(pthread_join(t, &seen) == 0);
  CHECK(seen == NULL);
  ptc_k_leave(prev);
}

/* Table descriptors go to the hw, one service call each; ordinary memory never does. */
static void test_accesses_route_by_address(void) {
  struct fake_hw f;
  fake_hw_init(&f);
  const struct ptc_hw *prev = ptc_k_enter(&f.hw);
  uint64_t *table = ptc_k_alloc_table(4096);
  CHECK(table != NULL);
  CHECK(f.allocs == 1 && f.last_alloc_bytes == 4096);
  CHECK(ptc_k_in_table(table) && ptc_k_in_table(&table[511]));
  CHECK(!ptc_k_in_table((char *)table + 4));     /* unaligned: no descriptor */
  CHECK(!ptc_k_in_table(&table[512]));           /* one past the end */

  ptc_k_store8(&table[3], 0x1003);
  CHECK(f.writes == 1 && table[3] == 0x1003);
  CHECK(ptc_k_load8(&table[3]) == 0x1003 && f.reads == 1);
  CHECK(ptc_k_cmpxchg8(&table[3], 0x1003, 0x2003) == 0x1003 && f.cmpxchgs == 1 && table[3] == 0x2003);
  CHECK(ptc_k_cmpxchg8(&table[3], 0x1003, 0x3003) == 0x2003 && table[3] == 0x2003); /* lost: unchanged */
  CHECK(ptc_k_xchg8(&table[3], 0x4003) == 0x2003 && f.xchgs == 1 && table[3] == 0x4003);
  CHECK(ptc_k_fetch_or8(&table[3], 0x80) == 0x4003 && f.fetch_ors == 1 && table[3] == 0x4083);
  CHECK(__ptc_instr_load8(&table[3]) == 0x4083 && f.reads == 2);
  __ptc_instr_store8(&table[4], 7);
  CHECK(f.writes == 2 && table[4] == 7);
  unsigned before = fake_hw_accesses(&f);

  uint64_t plain[4] = {0, 0, 0, 0};
  ptc_k_store8(&plain[1], 5);
  CHECK(plain[1] == 5 && ptc_k_load8(&plain[1]) == 5);
  CHECK(ptc_k_cmpxchg8(&plain[1], 5, 6) == 5 && plain[1] == 6);
  CHECK(ptc_k_xchg8(&plain[1], 9) == 6 && plain[1] == 9);
  CHECK(ptc_k_fetch_or8(&plain[1], 0x10) == 9 && plain[1] == 0x19);
  CHECK(ptc_k_fetch_and8(&plain[1], 0x10) == 0x19 && plain[1] == 0x10);
  __ptc_instr_store8(&plain[2], 11);
  CHECK(__ptc_instr_load8(&plain[2]) == 11);
  CHECK(fake_hw_accesses(&f) == before);

  /* Freed: back to the hw, unregistered, and no longer a descriptor. */
  ptc_k_free_table(table);
  CHECK(f.frees == 1 && f.last_freed == table);
  CHECK(!ptc_k_in_table(table));
  CHECK(ptc_k_load8(&table[3]) == 0x4083); /* the fake hw keeps freed memory readable */
  CHECK(fake_hw_accesses(&f) == before);
  ptc_k_leave(prev);
  fake_hw_release(&f);
}

/* clear_bit on a descriptor: a read and a cmpxchg, retried when the device raced with it. */
static void test_fetch_and_retries_a_race(void) {
  struct fake_hw f;
  fake_hw_init(&f);
  const struct ptc_hw *prev = ptc_k_enter(&f.hw);
  uint64_t *table = ptc_k_alloc_table(64);
  table[0] = 0xf0;
  f.race_bits = 0x100; /* the device sets bit 8 between the read and the first cmpxchg */
  CHECK(ptc_k_fetch_and8(&table[0], ~(uint64_t)0x10) == 0x1f0);
  CHECK(table[0] == 0x1e0);
  CHECK(f.reads == 1 && f.cmpxchgs == 2);
  ptc_k_free_table(table);
  ptc_k_leave(prev);
  fake_hw_release(&f);
}

/* With no current hw (the adapter's bookkeeping between calls), a table's accesses go to its owner. */
static void test_access_outside_a_call_goes_to_the_owner(void) {
  struct fake_hw f;
  fake_hw_init(&f);
  const struct ptc_hw *prev = ptc_k_enter(&f.hw);
  uint64_t *table = ptc_k_alloc_table(4096);
  ptc_k_leave(prev);
  ptc_k_store8(&table[0], 3);
  CHECK(f.writes == 1);
  prev = ptc_k_enter(&f.hw);
  ptc_k_free_table(table);
  ptc_k_leave(prev);
  fake_hw_release(&f);
}

static struct page *the_page;

static void free_with_order_3(void *unused) {
  (void)unused;
  ptc_k_free_pages(the_page, 3);
}

static void test_page_allocator(void) {
  struct fake_hw f;
  fake_hw_init(&f);
  const struct ptc_hw *prev = ptc_k_enter(&f.hw);
  struct page *page = ptc_k_alloc_pages(1);
  CHECK(page != NULL && f.last_alloc_bytes == 8192);
  char *addr = ptc_k_page_address(page);
  CHECK(ptc_k_in_table(addr) && ptc_k_in_table(addr + 8184));
  CHECK(ptc_k_virt_to_page(addr) == page && ptc_k_virt_to_page(addr + 5000) == page);
  int local;
  CHECK(ptc_k_virt_to_page(&local) == NULL);
  ptc_k_free_pages(page, 1);
  CHECK(f.frees == 1 && f.last_freed == addr && !ptc_k_in_table(addr));

  /* Freed as another order: the kernel would free the wrong amount; a WARNING names it. */
  the_page = ptc_k_alloc_pages(0);
  const char *err = capture_stderr(free_with_order_3, NULL);
  CHECK(strncmp(err, "WARNING: ", 9) == 0);
  CHECK(strstr(err, "freed as order 3") != NULL);
  CHECK(f.frees == 2);

  /* Out of memory is NULL, not a registered table. */
  f.fail_allocs = 1;
  CHECK(ptc_k_alloc_pages(0) == NULL);
  void *next = ptc_k_alloc_table(4096);
  CHECK(next != NULL); /* the next one succeeds */
  ptc_k_free_table(next);
  ptc_k_free_table(next); /* freed again: still handed to the hw, which judges */
  CHECK(f.frees == 4 && f.last_freed == next);
  ptc_k_leave(prev);
  fake_hw_release(&f);
}

/* v6.15+ iommu-pages: whole pages from the table allocator, freed by address. */
static void test_iommu_pages(void) {
  struct fake_hw f;
  fake_hw_init(&f);
  const struct ptc_hw *prev = ptc_k_enter(&f.hw);
  void *small = iommu_alloc_pages_node_sz(-1, 0, 64);
  CHECK(small != NULL && f.last_alloc_bytes == 4096 && ptc_k_in_table(small));
  void *big = iommu_alloc_pages_node_sz(0, 0, 3 * 4096);
  CHECK(big != NULL && f.last_alloc_bytes == 16384);
  iommu_free_pages(small);
  iommu_free_pages(big);
  iommu_free_pages(NULL);
  CHECK(f.frees == 2 && !ptc_k_in_table(small) && !ptc_k_in_table(big));
  ptc_k_leave(prev);
  fake_hw_release(&f);
}

/* Instances on several threads at once (SPEC 6): each thread's tables and accesses reach its own hw. */
struct worker {
  struct fake_hw f;
  int ok;
};

static void *work(void *arg) {
  struct worker *w = arg;
  const struct ptc_hw *prev = ptc_k_enter(&w->f.hw);
  w->ok = 1;
  for (int i = 0; i < 200; i++) {
    uint64_t *t = ptc_k_alloc_table(4096);
    if (!t) {
      w->ok = 0;
      break;
    }
    ptc_k_store8(&t[i % 512], (uint64_t)i + 1);
    w->ok &= ptc_k_load8(&t[i % 512]) == (uint64_t)i + 1;
    ptc_k_free_table(t);
    w->ok &= !ptc_k_in_table(t);
  }
  ptc_k_leave(prev);
  return NULL;
}

static void test_threads_keep_their_hw(void) {
  struct worker w[4];
  pthread_t t[4];
  for (int i = 0; i < 4; i++) {
    fake_hw_init(&w[i].f);
    CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0);
  }
  for (int i = 0; i < 4; i++) {
    CHECK(pthread_join(t[i], NULL) == 0);
    CHECK(w[i].ok);
    CHECK(w[i].f.allocs == 200 && w[i].f.frees == 200 && w[i].f.writes == 200 && w[i].f.reads == 200);
    fake_hw_release(&w[i].f);
  }
}

static void print_messages(void *unused) {
  (void)unused;
  ptc_k_printk("\0013plain %d\n", 7);
  ptc_k_warn("f.c", 12, "cond %s", "x");
}

static void test_messages(void) {
  const char *err = capture_stderr(print_messages, NULL);
  CHECK(strcmp(err, "plain 7\nWARNING: at f.c:12 cond x\n") == 0);
}

int main(void) {
  test_current_hw_nests();
  test_current_hw_is_per_thread();
  test_accesses_route_by_address();
  test_fetch_and_retries_a_race();
  test_access_outside_a_call_goes_to_the_owner();
  test_page_allocator();
  test_iommu_pages();
  test_threads_keep_their_hw();
  test_messages();
  return check_status("test_kernel_runtime");
}
