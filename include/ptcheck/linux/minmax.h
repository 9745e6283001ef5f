/* ptcheck kernel include tree: min/max/clamp, each argument evaluated once. */
#ifndef PTC_LINUX_MINMAX_H
#define PTC_LINUX_MINMAX_H

#include <linux/compiler.h>

#define __ptc_cmp(op, x, y, a, b) \
  __extension__({                 \
    __auto_type a = (x);          \
    __auto_type b = (y);          \
    a op b ? a : b;               \
  })
#define min(x, y) __ptc_cmp(<, x, y, __PTC_UNIQUE(a), __PTC_UNIQUE(b))
#define max(x, y) __ptc_cmp(>, x, y, __PTC_UNIQUE(a), __PTC_UNIQUE(b))
#define min_t(type, x, y) __ptc_cmp(<, (type)(x), (type)(y), __PTC_UNIQUE(a), __PTC_UNIQUE(b))
#define max_t(type, x, y) __ptc_cmp(>, (type)(x), (type)(y), __PTC_UNIQUE(a), __PTC_UNIQUE(b))
#define umin(x, y) min_t(unsigned long long, x, y)
#define umax(x, y) max_t(unsigned long long, x, y)
#define min3(x, y, z) min(min(x, y), z)
#define max3(x, y, z) max(max(x, y), z)
#define clamp(val, lo, hi) min(max(val, lo), hi)
#define clamp_t(type, val, lo, hi) min_t(type, max_t(type, val, lo), hi)
#define clamp_val(val, lo, hi) clamp_t(__typeof__(val), val, lo, hi)
#define min_not_zero(x, y) \
  __extension__({ __auto_type __ptc_mnz_x = (x); __auto_type __ptc_mnz_y = (y); \
                  __ptc_mnz_x == 0 ? __ptc_mnz_y : (__ptc_mnz_y == 0 ? __ptc_mnz_x : min(__ptc_mnz_x, __ptc_mnz_y)); })
#define swap(a, b) \
  do { __typeof__(a) __ptc_swap_tmp = (a); (a) = (b); (b) = __ptc_swap_tmp; } while (0)

#endif
