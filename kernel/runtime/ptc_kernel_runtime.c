/* The kernel runtime (ptc_kernel.h): current hw, table registry, page allocator, descriptor access
 * routing, kernel messages, and the out-of-line iommu-pages functions of v6.15+ trees.
 *
 * Compile WITHOUT the access instrumentation: the registry's own loads and stores are not the file's.
 * Thread safety: operations on disjoint ranges run on several threads at once (SPEC 6), each with its
 * own current hw; the registry is shared and guarded by a reader-writer lock (lookups on every
 * instrumented access take the read side). */
#define _GNU_SOURCE
#include "ptc_kernel.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptcheck/target.h"

/* struct page, get_order and struct iommu_pages_list as the include tree declares them. */
#include <asm/page.h>
#include <linux/iommu.h>
#include <linux/mm_types.h>

/* ptc_order of a table that did not come from the page allocator (ptc_k_alloc_table). */
#define NOT_PAGES UINT32_MAX

/* ---- current hw ---- */

static _Thread_local const struct ptc_hw *current_hw;

const struct ptc_hw *ptc_k_enter(const struct ptc_hw *hw) {
  const struct ptc_hw *previous = current_hw;
  current_hw = hw;
  return previous;
}

void ptc_k_leave(const struct ptc_hw *previous) { current_hw = previous; }

const struct ptc_hw *ptc_k_hw(void) { return current_hw; }

static const struct ptc_hw *need_hw(const char *what) {
  if (!current_hw) {
    fprintf(stderr, "ptcheck: kernel code called %s outside any call from ptcheck (no current ptc_hw)\n", what);
    abort();
  }
  return current_hw;
}

/* ---- table registry: live tables sorted by address ---- */

struct table {
  uintptr_t base;
  size_t size;
  const struct ptc_hw *hw; /* the instance that allocated it */
  struct page page;
};

static pthread_rwlock_t registry_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct table **tables;  /* sorted by base */
static size_t n_tables, cap_tables;
/* [lowest base, highest end) ever registered: a lock-free first test for addresses (the stack, most
 * heap) that cannot be in a table. Only widens. */
static uintptr_t bounds_lo = UINTPTR_MAX, bounds_hi;

/* Index of the first table with base > addr. Caller holds the lock. */
static size_t upper_bound(uintptr_t addr) {
  size_t lo = 0, hi = n_tables;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (tables[mid]->base <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The live table holding addr, or NULL. Caller holds the lock. */
static struct table *find_locked(uintptr_t addr) {
  size_t i = upper_bound(addr);
  if (i == 0) return NULL;
  struct table *t = tables[i - 1];
  return addr - t->base < t->size ? t : NULL;
}

static struct table *find(const void *p) {
  uintptr_t addr = (uintptr_t)p;
  if (addr < __atomic_load_n(&bounds_lo, __ATOMIC_RELAXED) || addr >= __atomic_load_n(&bounds_hi, __ATOMIC_RELAXED))
    return NULL;
  pthread_rwlock_rdlock(&registry_lock);
  struct table *t = find_locked(addr);
  pthread_rwlock_unlock(&registry_lock);
  return t;
}

static void registry_add(struct table *t) {
  pthread_rwlock_wrlock(&registry_lock);
  size_t i = upper_bound(t->base);
  if ((i > 0 && tables[i - 1]->base + tables[i - 1]->size > t->base) ||
      (i < n_tables && t->base + t->size > tables[i]->base)) {
    fprintf(stderr, "ptcheck: alloc_table returned 0x%llx (+%zu bytes), which overlaps a live table\n",
            (unsigned long long)t->base, t->size);
    abort();
  }
  if (n_tables == cap_tables) {
    cap_tables = cap_tables ? 2 * cap_tables : 64;
    tables = realloc(tables, cap_tables * sizeof *tables);
    if (!tables) abort();
  }
  memmove(&tables[i + 1], &tables[i], (n_tables - i) * sizeof *tables);
  tables[i] = t;
  n_tables++;
  if (t->base < bounds_lo) __atomic_store_n(&bounds_lo, t->base, __ATOMIC_RELAXED);
  if (t->base + t->size > bounds_hi) __atomic_store_n(&bounds_hi, t->base + t->size, __ATOMIC_RELAXED);
  pthread_rwlock_unlock(&registry_lock);
}

/* Unregisters the table starting at base; NULL when none does. */
static struct table *registry_remove(uintptr_t base) {
  pthread_rwlock_wrlock(&registry_lock);
  struct table *t = find_locked(base);
  if (t && t->base == base) {
    size_t i = upper_bound(base) - 1;
    memmove(&tables[i], &tables[i + 1], (n_tables - i - 1) * sizeof *tables);
    n_tables--;
  } else {
    t = NULL;
  }
  pthread_rwlock_unlock(&registry_lock);
  return t;
}

int ptc_k_in_table(const void *p) { return ((uintptr_t)p & 7) == 0 && find(p) != NULL; }

static __thread unsigned long alloc_failures;

unsigned long ptc_k_alloc_failures(void) { return alloc_failures; }

static struct table *alloc_registered(size_t bytes, unsigned int order) {
  const struct ptc_hw *hw = need_hw("a page allocator");
  void *mem = hw->alloc_table(hw->ctx, bytes);
  if (!mem) {
    alloc_failures++;
    return NULL;
  }
  struct table *t = calloc(1, sizeof *t);
  if (!t) abort();
  t->base = (uintptr_t)mem;
  t->size = bytes;
  t->hw = hw;
  t->page.ptc_virtual = mem;
  t->page.ptc_order = order;
  INIT_LIST_HEAD(&t->page.lru);
  registry_add(t);
  return t;
}

void *ptc_k_alloc_table(size_t bytes) {
  struct table *t = alloc_registered(bytes, NOT_PAGES);
  return t ? (void *)t->base : NULL;
}

/* Returns the table to the hw that allocated it. A pointer that starts no live table (a double free,
 * or memory that never was a table) still goes to the current hw: the harness names the bug. */
void ptc_k_free_table(void *table) {
  if (!table) return;
  struct table *t = registry_remove((uintptr_t)table);
  if (!t) {
    const struct ptc_hw *hw = need_hw("a page free of memory that is no live table");
    hw->free_table(hw->ctx, table);
    return;
  }
  t->hw->free_table(t->hw->ctx, table);
  free(t);
}

struct page *ptc_k_alloc_pages(unsigned int order) {
  struct table *t = alloc_registered((size_t)PAGE_SIZE << order, order);
  return t ? &t->page : NULL;
}

/* A free of another order than the allocation's is a bug of the file (the kernel would free the wrong
 * number of pages): a WARNING, and the whole table goes back. */
static void check_order(const struct page *page, int order) {
  if (order >= 0 && page->ptc_order != NOT_PAGES && (unsigned int)order != page->ptc_order)
    ptc_k_warn(__FILE__, __LINE__, "pages of order %u at %p freed as order %d", page->ptc_order,
               page->ptc_virtual, order);
}

void ptc_k_free_pages(struct page *page, int order) {
  if (!page) return;
  check_order(page, order);
  ptc_k_free_table(page->ptc_virtual);
}

void ptc_k_free_pages_at(const void *addr, int order) {
  struct page *page = ptc_k_virt_to_page(addr);
  if (page && page->ptc_virtual == addr) check_order(page, order);
  ptc_k_free_table((void *)(uintptr_t)addr);
}

void *ptc_k_page_address(const struct page *page) { return page ? page->ptc_virtual : NULL; }

struct page *ptc_k_virt_to_page(const void *addr) {
  struct table *t = find(addr);
  return t ? &t->page : NULL;
}

void *ptc_k_zalloc(size_t bytes) { return calloc(1, bytes ? bytes : 1); }

void ptc_k_kfree(const void *p) { free((void *)(uintptr_t)p); }

/* ---- descriptor accesses ---- */

/* The hw for a descriptor access at p, or NULL when p is no descriptor (unaligned, or outside every
 * live table): the current one (the instance whose call is running), else the one that allocated the
 * table. Read under the lock, so that a table freed meanwhile by another thread (a race of the file,
 * for the harness to report) is never read here. */
static const struct ptc_hw *descriptor(const uint64_t *p) {
  uintptr_t addr = (uintptr_t)p;
  if ((addr & 7) || addr < __atomic_load_n(&bounds_lo, __ATOMIC_RELAXED) ||
      addr >= __atomic_load_n(&bounds_hi, __ATOMIC_RELAXED))
    return NULL;
  const struct ptc_hw *hw = NULL;
  pthread_rwlock_rdlock(&registry_lock);
  struct table *t = find_locked(addr);
  if (t) hw = current_hw ? current_hw : t->hw;
  pthread_rwlock_unlock(&registry_lock);
  return hw;
}

uint64_t ptc_k_load8(const uint64_t *p) {
  const struct ptc_hw *hw = descriptor(p);
  if (hw) return hw->read(hw->ctx, (ptc_pte_t *)p);
  uint64_t v;
  if ((uintptr_t)p & 7)
    memcpy(&v, p, sizeof v);
  else
    v = __atomic_load_n(p, __ATOMIC_RELAXED);
  return v;
}

void ptc_k_store8(uint64_t *p, uint64_t v) {
  const struct ptc_hw *hw = descriptor(p);
  if (hw) {
    hw->write(hw->ctx, p, v);
  } else if ((uintptr_t)p & 7) {
    memcpy(p, &v, sizeof v);
  } else {
    __atomic_store_n(p, v, __ATOMIC_RELAXED);
  }
}

uint64_t ptc_k_cmpxchg8(uint64_t *p, uint64_t old, uint64_t new_) {
  const struct ptc_hw *hw = descriptor(p);
  if (hw) return hw->cmpxchg(hw->ctx, p, old, new_);
  __atomic_compare_exchange_n(p, &old, new_, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  return old;
}

uint64_t ptc_k_xchg8(uint64_t *p, uint64_t v) {
  const struct ptc_hw *hw = descriptor(p);
  if (hw) return hw->xchg(hw->ctx, p, v);
  return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}

uint64_t ptc_k_fetch_or8(uint64_t *p, uint64_t bits) {
  const struct ptc_hw *hw = descriptor(p);
  if (hw) return hw->fetch_or(hw->ctx, p, bits);
  return __atomic_fetch_or(p, bits, __ATOMIC_SEQ_CST);
}

/* ptc_hw has no fetch_and: one read, then a cmpxchg per attempt until none raced with it. */
uint64_t ptc_k_fetch_and8(uint64_t *p, uint64_t mask) {
  const struct ptc_hw *hw = descriptor(p);
  if (!hw) return __atomic_fetch_and(p, mask, __ATOMIC_SEQ_CST);
  uint64_t old = hw->read(hw->ctx, p);
  for (;;) {
    uint64_t seen = hw->cmpxchg(hw->ctx, p, old, old & mask);
    if (seen == old) return old;
    old = seen;
  }
}

uint64_t __ptc_instr_load8(const uint64_t *p) { return ptc_k_load8(p); }

void __ptc_instr_store8(uint64_t *p, uint64_t v) { ptc_k_store8(p, v); }

/* ---- kernel messages ---- */

/* One message as one write, so that lines of concurrent threads do not interleave. */
static void emit(const char *prefix, const char *fmt, va_list ap) {
  char body[1024];
  vsnprintf(body, sizeof body, fmt, ap);
  size_t n = strlen(body);
  while (n && body[n - 1] == '\n') body[--n] = '\0';
  fprintf(stderr, "%s%s\n", prefix, body);
}

void ptc_k_printk(const char *fmt, ...) {
  /* KERN_<level>: "\001" and a level character. */
  while (fmt[0] == '\001' && fmt[1]) fmt += 2;
  va_list ap;
  va_start(ap, fmt);
  emit("", fmt, ap);
  va_end(ap);
}

void ptc_k_warn(const char *file, int line, const char *fmt, ...) {
  char prefix[512];
  snprintf(prefix, sizeof prefix, "WARNING: at %s:%d ", file, line);
  va_list ap;
  va_start(ap, fmt);
  emit(prefix, fmt, ap);
  va_end(ap);
}

void ptc_k_bug(const char *file, int line) {
  fprintf(stderr, "kernel BUG at %s:%d!\n", file, line);
  abort();
}

/* ---- v6.15+ iommu-pages: the functions drivers/iommu/iommu-pages.h declares (and iommu-pages.c
 * defines in the kernel), on the page allocator above. Weak: a definition of the user's wins. ---- */

void *iommu_alloc_pages_node_sz(int nid, gfp_t gfp, size_t size) __attribute__((weak));
void iommu_free_pages(void *virt) __attribute__((weak));
void iommu_put_pages_list(struct iommu_pages_list *list) __attribute__((weak));

/* PAGE_SIZE << get_order(size) bytes, aligned to their size, as the kernel's. */
void *iommu_alloc_pages_node_sz(int nid, gfp_t gfp, size_t size) {
  (void)nid;
  (void)gfp;
  return ptc_k_page_address(ptc_k_alloc_pages((unsigned int)get_order(size)));
}

void iommu_free_pages(void *virt) {
  if (virt) ptc_k_free_pages_at(virt, -1);
}

/* Frees every page on the list (linked through struct page's lru, which v6.15's ioptdesc overlays). */
void iommu_put_pages_list(struct iommu_pages_list *list) {
  struct list_head *pos = list->pages.next;
  while (pos != &list->pages) {
    struct list_head *next = pos->next;
    ptc_k_free_pages(container_of(pos, struct page, lru), -1);
    pos = next;
  }
}
