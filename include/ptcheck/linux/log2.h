/* ptcheck kernel include tree: integer logarithms. Constant arguments give constant expressions. */
#ifndef PTC_LINUX_LOG2_H
#define PTC_LINUX_LOG2_H

#include <linux/bitops.h>
#include <linux/types.h>

static inline int __ptc_ilog2_u64(u64 n) { return n ? 63 - __builtin_clzll(n) : -1; }

/* floor(log2(n)); n must not be 0. */
#define ilog2(n) \
  (__builtin_constant_p(n) ? ((n) < 2 ? 0 : 63 - __builtin_clzll((unsigned long long)(n))) : __ptc_ilog2_u64(n))

static inline __attribute__((const)) bool is_power_of_2(unsigned long n) { return n != 0 && ((n & (n - 1)) == 0); }

static inline unsigned long __ptc_roundup_pow_of_two(unsigned long n) {
  return n <= 1 ? 1UL : 1UL << (64 - __builtin_clzl(n - 1));
}
#define roundup_pow_of_two(n) \
  (__builtin_constant_p(n) ? ((n) <= 1 ? 1UL : 1UL << (ilog2((n) - 1) + 1)) : __ptc_roundup_pow_of_two(n))
#define rounddown_pow_of_two(n) (1UL << ilog2(n))
/* ceil(log2(n)); 0 for n <= 1. */
#define order_base_2(n) ((n) > 1 ? ilog2((n) - 1) + 1 : 0)
#define bits_per(n) ((n) < 2 ? 1 : order_base_2((n) + 1))

#endif
