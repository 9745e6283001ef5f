/* ptcheck kernel include tree: likely/unlikely, barrier(), READ_ONCE/WRITE_ONCE.
 *
 * READ_ONCE / WRITE_ONCE of an 8-byte object go through ptc_k_load8 / ptc_k_store8: a descriptor
 * access of the current ptc_hw when the object lies in a live table, an ordinary (relaxed atomic)
 * access otherwise. Other sizes are volatile accesses and never descriptor accesses. */
#ifndef PTC_LINUX_COMPILER_H
#define PTC_LINUX_COMPILER_H

#include <stdint.h>

#include <linux/compiler_types.h>
#include <ptc_kernel.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define likely_notrace(x) likely(x)
#define unlikely_notrace(x) unlikely(x)

#define barrier() __asm__ __volatile__("" : : : "memory")

#define __PTC_CAT2(a, b) a##b
#define __PTC_CAT(a, b) __PTC_CAT2(a, b)
/* A fresh identifier per expansion, for the locals of statement-expression macros that nest. */
#define __PTC_UNIQUE(prefix) __PTC_CAT(__ptc_##prefix##_, __COUNTER__)
#define __UNIQUE_ID(prefix) __PTC_UNIQUE(prefix)

#define __ptc_read_once(x, p, v, w)                                                                   \
  __extension__({                                                                                  \
    const volatile void *p = &(x);                                                                 \
    __unqual_scalar_typeof(x) v;                                                                   \
    if (sizeof(x) == 8) {                                                                          \
      uint64_t w = ptc_k_load8((const uint64_t *)(uintptr_t)p);                                \
      __builtin_memcpy((void *)&v, &w, sizeof(v));                                             \
    } else {                                                                                       \
      v = *(const volatile __typeof__(x) *)p;                                                      \
    }                                                                                              \
    v;                                                                                             \
  })
#define READ_ONCE(x) __ptc_read_once(x, __PTC_UNIQUE(p), __PTC_UNIQUE(v), __PTC_UNIQUE(w))

#define __ptc_write_once(x, val, p, v, w)                                                             \
  do {                                                                                             \
    volatile void *p = &(x);                                                                       \
    __typeof__(x) v = (val);                                                                       \
    if (sizeof(x) == 8) {                                                                          \
      uint64_t w = 0;                                                                          \
      __builtin_memcpy(&w, (const void *)&v, sizeof(v));                                       \
      ptc_k_store8((uint64_t *)(uintptr_t)p, w);                                               \
    } else {                                                                                       \
      *(volatile __typeof__(x) *)p = v;                                                            \
    }                                                                                              \
  } while (0)
#define WRITE_ONCE(x, val) __ptc_write_once(x, val, __PTC_UNIQUE(p), __PTC_UNIQUE(v), __PTC_UNIQUE(w))

#define data_race(expr) (expr)
#define OPTIMIZER_HIDE_VAR(var) __asm__("" : "=r"(var) : "0"(var))

#endif
