/* Checks the calls each case of access_cases.c makes to the test runtime (access_runtime.c): the exact
 * sequence of loads and stores, their addresses and values, and each case's result. Compiled WITHOUT the
 * plugin. Exit status 0: every check held; 1: some failed (each named on stderr). Without the plugin the
 * cases make no calls, so the checks of the rewritten cases fail: run_access_test.sh checks that too. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "access_log.h"

struct desc_holder { uint32_t tag; uint64_t desc; };
struct __attribute__((packed)) packed_holder { uint8_t tag; uint64_t desc; };
struct node { struct node *next; uint64_t value; };

void case_array_store(uint64_t *ptep, int i, uint64_t pte);
uint64_t case_deref_load(const uint64_t *ptep);
void case_field_copy(struct desc_holder *h, const uint64_t *ptep);
void case_pointer_store(void **slot, void *p);
void *case_pointer_load(void *const *slot);
void case_fill(uint64_t *ptep, uint64_t first);
uint64_t case_list_sum(const struct node *n);
uint64_t case_atomics(uint64_t *ptep);
uint64_t case_volatile(uint64_t *ptep, uint64_t pte);
uint32_t case_narrow(uint32_t *p, uint16_t *q, uint8_t *r);
uint64_t case_packed(struct packed_holder *h, uint64_t v);
uint64_t case_locals_and_globals(uint64_t v);
void case_opted_out(uint64_t *ptep, uint64_t v);
void __ptc_case_runtime_helper(uint64_t *ptep, uint64_t v);
int case_marker(void);

static int failures;

static void fail(const char *name, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "FAIL %s: ", name);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  failures++;
}

/* The calls since the last access_log_reset() are exactly `n` (kind, addr, value) triples, in order. */
static void expect_calls(const char *name, int n, ...) {
  if (access_count != n) {
    fail(name, "%d instrumented accesses, expected %d", access_count, n);
    return;
  }
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) {
    char kind = (char)va_arg(ap, int);
    const void *addr = va_arg(ap, const void *);
    uint64_t value = va_arg(ap, uint64_t);
    const struct access *a = &access_log[i];
    if (a->kind != kind || a->addr != addr || a->value != value)
      fail(name, "access %d is %c %p = %#llx, expected %c %p = %#llx", i, a->kind, a->addr,
           (unsigned long long)a->value, kind, addr, (unsigned long long)value);
  }
  va_end(ap);
}

static void expect_value(const char *name, uint64_t got, uint64_t want) {
  if (got != want)
    fail(name, "result %#llx, expected %#llx", (unsigned long long)got, (unsigned long long)want);
}

#define L(addr, value) 'L', (const void *)(addr), (uint64_t)(value)
#define S(addr, value) 'S', (const void *)(addr), (uint64_t)(value)

int main(void) {
  uint64_t table[8];
  memset(table, 0, sizeof(table));

  access_log_reset();
  case_array_store(table, 5, 0x1234);
  expect_calls("array store", 1, S(&table[5], 0x1234));
  expect_value("array store", table[5], 0x1234);

  access_log_reset();
  expect_value("deref load", case_deref_load(&table[5]), 0x1234);
  expect_calls("deref load", 1, L(&table[5], 0x1234));

  struct desc_holder holder = {7, 0};
  access_log_reset();
  case_field_copy(&holder, &table[5]);
  expect_calls("struct field", 2, L(&table[5], 0x1234), S(&holder.desc, 0x1234));
  expect_value("struct field", holder.desc, 0x1234);
  expect_value("struct field tag", holder.tag, 7);

  void *slot = NULL;
  access_log_reset();
  case_pointer_store(&slot, &holder);
  expect_calls("pointer store", 1, S(&slot, (uintptr_t)&holder));
  expect_value("pointer store", (uintptr_t)slot, (uintptr_t)&holder);
  access_log_reset();
  expect_value("pointer load", (uintptr_t)case_pointer_load(&slot), (uintptr_t)&holder);
  expect_calls("pointer load", 1, L(&slot, (uintptr_t)&holder));

  access_log_reset();
  case_fill(table, 0x700);
  expect_calls("fill loop", 4, S(&table[0], 0x700), S(&table[1], 0x701), S(&table[2], 0x702), S(&table[3], 0x703));

  struct node n2 = {NULL, 30}, n1 = {&n2, 20}, n0 = {&n1, 10};
  access_log_reset();
  expect_value("list walk", case_list_sum(&n0), 60);
  expect_calls("list walk", 6, L(&n0.value, 10), L(&n0.next, (uintptr_t)&n1), L(&n1.value, 20),
               L(&n1.next, (uintptr_t)&n2), L(&n2.value, 30), L(&n2.next, 0));

  table[6] = 0x10;
  access_log_reset();
  /* 0x10 -> 0x11 (store) -> 0x12 (cmpxchg) -> 0x13 (xchg, returns 0x12) -> 0x113 (or) -> 0x112 (and);
   * the val_cas does not match; old 0x12 + 0x112. */
  expect_value("atomics", case_atomics(&table[6]), 0x12 + 0x112);
  expect_calls("atomics", 0);
  expect_value("atomics memory", table[6], 0x112);

  access_log_reset();
  expect_value("volatile", case_volatile(&table[7], 0x77), 0x77);
  expect_calls("volatile", 0);

  uint32_t w = 1;
  uint16_t h = 2;
  uint8_t b = 3;
  access_log_reset();
  expect_value("narrow", case_narrow(&w, &h, &b), 2 + 3 + 4);
  expect_calls("narrow", 0);

  struct packed_holder packed = {1, 0};
  access_log_reset();
  expect_value("packed", case_packed(&packed, 0x55), 0x55);
  expect_calls("packed", 0);

  access_log_reset();
  expect_value("locals and globals", case_locals_and_globals(100), 103 + 101);
  expect_calls("locals and globals", 0);

  access_log_reset();
  case_opted_out(&table[0], 0x99);
  expect_calls("opted out", 0);
  expect_value("opted out", table[0], 0x99);

  access_log_reset();
  __ptc_case_runtime_helper(&table[1], 0x98);
  expect_calls("runtime helper", 0);
  expect_value("runtime helper", table[1], 0x98);

  expect_value("marker __ptc_access_instrumented", (uint64_t)case_marker(), 1);

  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("all instrumentation checks passed\n");
  return 0;
}
