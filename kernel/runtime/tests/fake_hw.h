/* A ptc_hw for the runtime's tests: real table memory, and a count of every service called, so that a
 * test can tell a descriptor access from an ordinary one. */
#ifndef PTC_KERNEL_TESTS_FAKE_HW_H
#define PTC_KERNEL_TESTS_FAKE_HW_H

#include <stddef.h>
#include <stdint.h>

#include "ptcheck/target.h"

struct fake_hw {
  struct ptc_hw hw;
  unsigned allocs, frees, reads, writes, cmpxchgs, xchgs, fetch_ors;
  size_t last_alloc_bytes;
  void *last_freed;
  int fail_allocs;        /* the next alloc_table calls that return NULL */
  uint64_t race_bits;     /* ORed into the descriptor just before the next cmpxchg (a device write) */
  void *retired[256];     /* freed tables, released by fake_hw_release (a test may still look) */
  unsigned n_retired;
};

void fake_hw_init(struct fake_hw *f);
void fake_hw_release(struct fake_hw *f);
/* Descriptor accesses of any kind so far. */
unsigned fake_hw_accesses(const struct fake_hw *f);

#endif
