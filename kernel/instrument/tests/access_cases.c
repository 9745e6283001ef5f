/* The accesses the instrumentation must rewrite, and those it must leave alone, each in its own function
 * so that the driver (access_driver.c, compiled without the plugin) can check the calls one case makes.
 * Compiled with the plugin at -O0 and -O2. */
#include <stdint.h>

#define NOINLINE __attribute__((noinline))

struct desc_holder { uint32_t tag; uint64_t desc; };
struct __attribute__((packed)) packed_holder { uint8_t tag; uint64_t desc; };
struct node { struct node *next; uint64_t value; };

/* Rewritten: plain 8-byte integer and pointer accesses through a pointer. */
NOINLINE void case_array_store(uint64_t *ptep, int i, uint64_t pte) { ptep[i] = pte; }
NOINLINE uint64_t case_deref_load(const uint64_t *ptep) { return *ptep; }
NOINLINE void case_field_copy(struct desc_holder *h, const uint64_t *ptep) { h->desc = *ptep; }
NOINLINE void case_pointer_store(void **slot, void *p) { *slot = p; }
NOINLINE void *case_pointer_load(void *const *slot) { return *slot; }
/* A loop the optimizer would turn into a memset or vector stores: four separate stores, in order. */
NOINLINE void case_fill(uint64_t *ptep, uint64_t first) {
  for (int i = 0; i < 4; i++)
    ptep[i] = first + (uint64_t)i;
}
/* A walk through pointer loads: the program's result is unchanged. */
NOINLINE uint64_t case_list_sum(const struct node *n) {
  uint64_t sum = 0;
  for (; n; n = n->next)
    sum += n->value;
  return sum;
}

/* Left alone: atomics, volatile, other widths, under-aligned, local and global variables, and code that
 * opts out. */
NOINLINE uint64_t case_atomics(uint64_t *ptep) {
  uint64_t old = __atomic_load_n(ptep, __ATOMIC_RELAXED);
  __atomic_store_n(ptep, old + 1, __ATOMIC_RELEASE);
  uint64_t expected = old + 1;
  __atomic_compare_exchange_n(ptep, &expected, old + 2, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  old = __atomic_exchange_n(ptep, old + 3, __ATOMIC_ACQ_REL);
  __atomic_fetch_or(ptep, 0x100, __ATOMIC_RELAXED);
  __sync_fetch_and_and(ptep, ~(uint64_t)0x1);
  __sync_val_compare_and_swap(ptep, 0, 1);
  return old + __sync_fetch_and_add(ptep, 0);
}
NOINLINE uint64_t case_volatile(uint64_t *ptep, uint64_t pte) {
  *(volatile uint64_t *)ptep = pte;
  return *(volatile uint64_t *)ptep;
}
NOINLINE uint32_t case_narrow(uint32_t *p, uint16_t *q, uint8_t *r) {
  *p = *p + 1;
  *q = (uint16_t)(*q + 1);
  *r = (uint8_t)(*r + 1);
  return *p + *q + *r;
}
NOINLINE uint64_t case_packed(struct packed_holder *h, uint64_t v) {
  h->desc = v;
  return h->desc;
}
uint64_t case_global_counter;
NOINLINE uint64_t case_locals_and_globals(uint64_t v) {
  uint64_t local[4];
  for (int i = 0; i < 4; i++)
    local[i] = v + (uint64_t)i;
  case_global_counter += local[3];
  return case_global_counter + local[1];
}
__attribute__((disable_sanitizer_instrumentation)) NOINLINE void case_opted_out(uint64_t *ptep, uint64_t v) {
  *ptep = v;
}

/* Named like the runtime's helpers (the include tree's inlines): left alone. */
NOINLINE void __ptc_case_runtime_helper(uint64_t *ptep, uint64_t v) { *ptep = v; }

/* The marker the pass defines; declared weak here as the adapter declares it, so that this file also links
 * (and the driver sees it missing) when it is compiled without the plugin. */
extern const int __ptc_access_instrumented __attribute__((weak));
NOINLINE int case_marker(void) { return &__ptc_access_instrumented ? __ptc_access_instrumented : 0; }
