/* Drives kapi_smoke.c (kernel-shaped code on the include tree) against a recording ptc_hw: the API
 * reaches the table allocator and the descriptor accessors, WARN prints "WARNING:" lines and returns
 * its condition. */
#include <string.h>

#include "check.h"
#include "fake_hw.h"
#include "kapi_smoke.h"
#include "ptc_kernel.h"

static int warn_result;

static void warn_on_true(void *unused) {
  (void)unused;
  warn_result = smoke_warn_on(1);
}
static void warn_on_false(void *unused) {
  (void)unused;
  warn_result = smoke_warn_on(0);
}
static void warn_fmt(void *arg) { warn_result = smoke_warn(*(int *)arg); }

static unsigned long long recorded_iova, recorded_length;
static void record(void *ctx, uint64_t iova, uint64_t length) {
  (void)ctx;
  recorded_iova = iova;
  recorded_length = length;
}

int main(void) {
  struct fake_hw f;
  fake_hw_init(&f);
  const struct ptc_hw *prev = ptc_k_enter(&f.hw);

  /* WARN_ON returns its condition and prints a WARNING line only when it holds. */
  const char *err = capture_stderr(warn_on_true, NULL);
  CHECK(warn_result == 1);
  CHECK(strncmp(err, "WARNING: at ", 12) == 0 && strstr(err, "kapi_smoke.c:") && strstr(err, "smoke_warn_on"));
  err = capture_stderr(warn_on_false, NULL);
  CHECK(warn_result == 0 && err[0] == '\0');
  int v = 9;
  err = capture_stderr(warn_fmt, &v);
  CHECK(warn_result == 1 && strncmp(err, "WARNING: ", 9) == 0 && strstr(err, "value 9 too big\n"));
  v = 2;
  err = capture_stderr(warn_fmt, &v);
  CHECK(warn_result == 0 && err[0] == '\0');

  CHECK(smoke_field_prep(0x12345678000ULL) == 0x12345678000ULL);
  CHECK(smoke_field_get(0xfff0123456789fffULL) == 0x123456789000ULL);
  CHECK(smoke_get_order(1) == 0 && smoke_get_order(4096) == 0 && smoke_get_order(4097) == 1 &&
        smoke_get_order(1 << 21) == 9);
  CHECK(smoke_log2(1) == 0 && smoke_log2(4096) == 12 && smoke_log2((1ULL << 39) + 5) == 39);
  CHECK(smoke_roundup(1) == 1 && smoke_roundup(5) == 8 && smoke_roundup(4096) == 4096);

  /* alloc_pages_node/page_address reach the table allocator; READ_ONCE, WRITE_ONCE, cmpxchg64,
   * set_bit on the table are descriptor accesses of the hw. */
  unsigned long long *table = smoke_alloc_table(0);
  CHECK(table != NULL && f.allocs == 1 && f.last_alloc_bytes == 4096 && ptc_k_in_table(table));
  smoke_write(&table[5], 0x40000003ULL);
  CHECK(f.writes == 1 && table[5] == 0x40000003ULL);
  CHECK(smoke_read(&table[5]) == 0x40000003ULL && f.reads == 1);
  CHECK(smoke_install(&table[6], 0, 0x80000003ULL) == 0 && f.cmpxchgs == 1 && table[6] == 0x80000003ULL);
  CHECK(smoke_install(&table[6], 0, 0x90000003ULL) == 0x80000003ULL && table[6] == 0x80000003ULL);
  CHECK(!smoke_try_install(&table[6], 0, 1) && smoke_try_install(&table[6], 0x80000003ULL, 1) && table[6] == 1);
  smoke_clean(&table[5]);
  CHECK(f.fetch_ors == 1 && table[5] == 0x40000083ULL);
  CHECK(smoke_test_and_clear(&table[5]) == 1 && table[5] == 0x40000003ULL);
  unsigned before = fake_hw_accesses(&f);
  unsigned long long plain = 0;
  smoke_write(&plain, 4);
  CHECK(smoke_read(&plain) == 4 && smoke_install(&plain, 4, 5) == 4 && plain == 5);
  CHECK(fake_hw_accesses(&f) == before); /* ordinary memory: no descriptor access */
  smoke_free_table(table, 0);
  CHECK(f.frees == 1 && f.last_freed == table && !ptc_k_in_table(table));

  unsigned long long *big = smoke_alloc_table(2);
  CHECK(big != NULL && f.last_alloc_bytes == 16384);
  smoke_free_table(big, 2);
  f.fail_allocs = 1;
  CHECK(smoke_alloc_table(0) == NULL);

  unsigned long start = 0, end = 0;
  CHECK(smoke_gather(0x200000, 4096, 3, &start, &end) == 3 && start == 0x200000 && end == 0x202fff);

  struct ptc_dirty dirty = {.ctx = NULL, .record = record};
  smoke_record_dirty(&dirty, 0x400000, 0x200000);
  CHECK(recorded_iova == 0x400000 && recorded_length == 0x200000);

  CHECK(smoke_misc() == 0);

  ptc_k_leave(prev);
  fake_hw_release(&f);
  return check_status("test_kernel_kapi_smoke");
}
