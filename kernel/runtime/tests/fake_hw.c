/* The recording ptc_hw of fake_hw.h. */
#include "fake_hw.h"

#include <stdlib.h>
#include <string.h>

static struct fake_hw *of(void *ctx) { return ctx; }

static void *alloc_table(void *ctx, size_t bytes) {
  struct fake_hw *f = of(ctx);
  f->allocs++;
  f->last_alloc_bytes = bytes;
  if (f->fail_allocs > 0) {
    f->fail_allocs--;
    return NULL;
  }
  void *p = aligned_alloc(bytes, bytes);
  if (p) memset(p, 0, bytes);
  return p;
}

static void free_table(void *ctx, void *table) {
  struct fake_hw *f = of(ctx);
  f->frees++;
  f->last_freed = table;
  for (unsigned i = 0; i < f->n_retired; i++)
    if (f->retired[i] == table) return; /* freed twice: released once */
  if (f->n_retired < sizeof f->retired / sizeof f->retired[0]) f->retired[f->n_retired++] = table;
}

static ptc_pte_t read(void *ctx, ptc_pte_t *p) {
  of(ctx)->reads++;
  return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void write(void *ctx, ptc_pte_t *p, ptc_pte_t v) {
  of(ctx)->writes++;
  __atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static ptc_pte_t cmpxchg(void *ctx, ptc_pte_t *p, ptc_pte_t old, ptc_pte_t v) {
  struct fake_hw *f = of(ctx);
  f->cmpxchgs++;
  if (f->race_bits) {
    __atomic_fetch_or(p, f->race_bits, __ATOMIC_SEQ_CST);
    f->race_bits = 0;
  }
  __atomic_compare_exchange_n(p, &old, v, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  return old;
}

static ptc_pte_t xchg(void *ctx, ptc_pte_t *p, ptc_pte_t v) {
  of(ctx)->xchgs++;
  return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}

static ptc_pte_t fetch_or(void *ctx, ptc_pte_t *p, ptc_pte_t bits) {
  of(ctx)->fetch_ors++;
  return __atomic_fetch_or(p, bits, __ATOMIC_SEQ_CST);
}

static void tlb_inv_range(void *ctx, uint64_t iova, uint64_t size, uint64_t granule, int leaf_only) {
  (void)ctx, (void)iova, (void)size, (void)granule, (void)leaf_only;
}
static void tlb_inv_all(void *ctx) { (void)ctx; }
static void tlb_sync(void *ctx) { (void)ctx; }

void fake_hw_init(struct fake_hw *f) {
  memset(f, 0, sizeof *f);
  f->hw = (struct ptc_hw){
      .ctx = f,
      .alloc_table = alloc_table,
      .free_table = free_table,
      .read = read,
      .write = write,
      .cmpxchg = cmpxchg,
      .xchg = xchg,
      .fetch_or = fetch_or,
      .tlb_inv_range = tlb_inv_range,
      .tlb_inv_all = tlb_inv_all,
      .tlb_sync = tlb_sync,
  };
}

void fake_hw_release(struct fake_hw *f) {
  for (unsigned i = 0; i < f->n_retired; i++) free(f->retired[i]);
  f->n_retired = 0;
}

unsigned fake_hw_accesses(const struct fake_hw *f) {
  return f->reads + f->writes + f->cmpxchgs + f->xchgs + f->fetch_ors;
}
