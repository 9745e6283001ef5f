/* ptcheck kernel include tree: atomics and cmpxchg/xchg.
 *
 * cmpxchg, cmpxchg64, try_cmpxchg(64), xchg and their _relaxed/_acquire/_release forms on an 8-byte
 * object go through the runtime (ptc_k_cmpxchg8 / ptc_k_xchg8): a descriptor access when the object
 * lies in a live table, an atomic of ordinary memory otherwise. Every descriptor access is fully
 * ordered, so the weaker orderings are the full one here. Other sizes use the __atomic builtins.
 * atomic64_t operations act on their counter the same way; atomic_t uses the builtins. */
#ifndef PTC_LINUX_ATOMIC_H
#define PTC_LINUX_ATOMIC_H

#include <linux/compiler.h>
#include <linux/types.h>

static inline uint64_t __ptc_to_u64(const void *v, size_t n) {
  uint64_t w = 0;
  __builtin_memcpy(&w, v, n);
  return w;
}

#define __ptc_cmpxchg(ptr, o, n, po, pn, pr)                                                            \
  __extension__({                                                                                       \
    __typeof__(*(ptr)) po = (o);                                                                        \
    __typeof__(*(ptr)) pn = (n);                                                                        \
    __typeof__(*(ptr)) pr = po;                                                                         \
    if (sizeof(*(ptr)) == 8) {                                                                          \
      uint64_t pr##_w = ptc_k_cmpxchg8((uint64_t *)(uintptr_t)(ptr), __ptc_to_u64(&po, sizeof(po)),      \
                                       __ptc_to_u64(&pn, sizeof(pn)));                                  \
      __builtin_memcpy((void *)&pr, &pr##_w, sizeof(pr));                                               \
    } else {                                                                                            \
      __atomic_compare_exchange_n((ptr), &pr, pn, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);               \
    }                                                                                                   \
    pr;                                                                                                 \
  })
#define cmpxchg(ptr, o, n) __ptc_cmpxchg(ptr, o, n, __ptc_cx_o, __ptc_cx_n, __ptc_cx_r)
#define cmpxchg_relaxed(ptr, o, n) cmpxchg(ptr, o, n)
#define cmpxchg_acquire(ptr, o, n) cmpxchg(ptr, o, n)
#define cmpxchg_release(ptr, o, n) cmpxchg(ptr, o, n)
#define cmpxchg64(ptr, o, n) cmpxchg(ptr, o, n)
#define cmpxchg64_relaxed(ptr, o, n) cmpxchg(ptr, o, n)
#define cmpxchg64_acquire(ptr, o, n) cmpxchg(ptr, o, n)
#define cmpxchg64_release(ptr, o, n) cmpxchg(ptr, o, n)
#define cmpxchg_local(ptr, o, n) cmpxchg(ptr, o, n)
#define cmpxchg64_local(ptr, o, n) cmpxchg(ptr, o, n)

/* true when *ptr held *oldp and now holds n; otherwise *oldp receives what *ptr held. */
#define try_cmpxchg(ptr, oldp, n)                                                  \
  __extension__({                                                                  \
    __typeof__(*(ptr)) *__ptc_tcx_oldp = (oldp);                                   \
    __typeof__(*(ptr)) __ptc_tcx_expected = *__ptc_tcx_oldp;                       \
    __typeof__(*(ptr)) __ptc_tcx_seen = cmpxchg(ptr, __ptc_tcx_expected, n);       \
    bool __ptc_tcx_ok = __ptc_tcx_seen == __ptc_tcx_expected;                      \
    if (!__ptc_tcx_ok) *__ptc_tcx_oldp = __ptc_tcx_seen;                           \
    __ptc_tcx_ok;                                                                  \
  })
#define try_cmpxchg_relaxed(ptr, oldp, n) try_cmpxchg(ptr, oldp, n)
#define try_cmpxchg_acquire(ptr, oldp, n) try_cmpxchg(ptr, oldp, n)
#define try_cmpxchg_release(ptr, oldp, n) try_cmpxchg(ptr, oldp, n)
#define try_cmpxchg64(ptr, oldp, n) try_cmpxchg(ptr, oldp, n)
#define try_cmpxchg64_relaxed(ptr, oldp, n) try_cmpxchg(ptr, oldp, n)

#define xchg(ptr, v)                                                                                \
  __extension__({                                                                                   \
    __typeof__(*(ptr)) __ptc_xchg_v = (v);                                                          \
    __typeof__(*(ptr)) __ptc_xchg_r;                                                                \
    if (sizeof(*(ptr)) == 8) {                                                                      \
      uint64_t __ptc_xchg_w = ptc_k_xchg8((uint64_t *)(uintptr_t)(ptr),                             \
                                          __ptc_to_u64(&__ptc_xchg_v, sizeof(__ptc_xchg_v)));       \
      __builtin_memcpy((void *)&__ptc_xchg_r, &__ptc_xchg_w, sizeof(__ptc_xchg_r));                 \
    } else {                                                                                        \
      __ptc_xchg_r = __atomic_exchange_n((ptr), __ptc_xchg_v, __ATOMIC_SEQ_CST);                    \
    }                                                                                               \
    __ptc_xchg_r;                                                                                   \
  })
#define xchg_relaxed(ptr, v) xchg(ptr, v)
#define xchg_acquire(ptr, v) xchg(ptr, v)
#define xchg_release(ptr, v) xchg(ptr, v)

/* ---- atomic_t ---- */
#define ATOMIC_INIT(i) { (i) }
static inline int atomic_read(const atomic_t *v) { return __atomic_load_n(&v->counter, __ATOMIC_RELAXED); }
static inline void atomic_set(atomic_t *v, int i) { __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED); }
static inline int atomic_fetch_add(int i, atomic_t *v) { return __atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST); }
static inline int atomic_fetch_sub(int i, atomic_t *v) { return __atomic_fetch_sub(&v->counter, i, __ATOMIC_SEQ_CST); }
static inline int atomic_fetch_or(int i, atomic_t *v) { return __atomic_fetch_or(&v->counter, i, __ATOMIC_SEQ_CST); }
static inline int atomic_fetch_and(int i, atomic_t *v) { return __atomic_fetch_and(&v->counter, i, __ATOMIC_SEQ_CST); }
static inline int atomic_add_return(int i, atomic_t *v) { return atomic_fetch_add(i, v) + i; }
static inline int atomic_sub_return(int i, atomic_t *v) { return atomic_fetch_sub(i, v) - i; }
static inline void atomic_add(int i, atomic_t *v) { atomic_fetch_add(i, v); }
static inline void atomic_sub(int i, atomic_t *v) { atomic_fetch_sub(i, v); }
static inline void atomic_inc(atomic_t *v) { atomic_add(1, v); }
static inline void atomic_dec(atomic_t *v) { atomic_sub(1, v); }
static inline int atomic_inc_return(atomic_t *v) { return atomic_add_return(1, v); }
static inline int atomic_dec_return(atomic_t *v) { return atomic_sub_return(1, v); }
static inline bool atomic_dec_and_test(atomic_t *v) { return atomic_dec_return(v) == 0; }
static inline bool atomic_inc_and_test(atomic_t *v) { return atomic_inc_return(v) == 0; }
static inline int atomic_cmpxchg(atomic_t *v, int old, int n) { return cmpxchg(&v->counter, old, n); }
static inline bool atomic_try_cmpxchg(atomic_t *v, int *old, int n) { return try_cmpxchg(&v->counter, old, n); }
static inline int atomic_xchg(atomic_t *v, int n) { return xchg(&v->counter, n); }

/* ---- atomic64_t: through the runtime, so one overlaying a descriptor is a descriptor access ---- */
#define ATOMIC64_INIT(i) { (i) }
static inline uint64_t *__ptc_a64(atomic64_t *v) { return (uint64_t *)(void *)&v->counter; }
static inline s64 atomic64_read(const atomic64_t *v) { return (s64)ptc_k_load8((const uint64_t *)(const void *)&v->counter); }
static inline void atomic64_set(atomic64_t *v, s64 i) { ptc_k_store8(__ptc_a64(v), (uint64_t)i); }
static inline s64 atomic64_cmpxchg(atomic64_t *v, s64 old, s64 n) {
  return (s64)ptc_k_cmpxchg8(__ptc_a64(v), (uint64_t)old, (uint64_t)n);
}
static inline bool atomic64_try_cmpxchg(atomic64_t *v, s64 *old, s64 n) {
  s64 seen = atomic64_cmpxchg(v, *old, n);
  if (seen == *old) return true;
  *old = seen;
  return false;
}
static inline s64 atomic64_xchg(atomic64_t *v, s64 n) { return (s64)ptc_k_xchg8(__ptc_a64(v), (uint64_t)n); }
static inline s64 atomic64_fetch_or(s64 i, atomic64_t *v) { return (s64)ptc_k_fetch_or8(__ptc_a64(v), (uint64_t)i); }
static inline s64 atomic64_fetch_and(s64 i, atomic64_t *v) { return (s64)ptc_k_fetch_and8(__ptc_a64(v), (uint64_t)i); }
static inline s64 atomic64_fetch_andnot(s64 i, atomic64_t *v) { return atomic64_fetch_and(~i, v); }
static inline s64 atomic64_fetch_add(s64 i, atomic64_t *v) {
  s64 old = atomic64_read(v);
  while (!atomic64_try_cmpxchg(v, &old, (s64)((u64)old + (u64)i))) {
  }
  return old;
}
static inline s64 atomic64_add_return(s64 i, atomic64_t *v) { return (s64)((u64)atomic64_fetch_add(i, v) + (u64)i); }
static inline s64 atomic64_sub_return(s64 i, atomic64_t *v) { return atomic64_add_return(-i, v); }
static inline void atomic64_add(s64 i, atomic64_t *v) { atomic64_fetch_add(i, v); }
static inline void atomic64_sub(s64 i, atomic64_t *v) { atomic64_fetch_add(-i, v); }
static inline void atomic64_inc(atomic64_t *v) { atomic64_add(1, v); }
static inline void atomic64_dec(atomic64_t *v) { atomic64_add(-1, v); }
static inline s64 atomic64_inc_return(atomic64_t *v) { return atomic64_add_return(1, v); }
static inline s64 atomic64_dec_return(atomic64_t *v) { return atomic64_add_return(-1, v); }
static inline void atomic64_or(s64 i, atomic64_t *v) { atomic64_fetch_or(i, v); }
static inline void atomic64_and(s64 i, atomic64_t *v) { atomic64_fetch_and(i, v); }
static inline void atomic64_andnot(s64 i, atomic64_t *v) { atomic64_fetch_andnot(i, v); }
#define atomic64_read_acquire(v) atomic64_read(v)
#define atomic64_set_release(v, i) atomic64_set(v, i)
#define atomic64_cmpxchg_relaxed(v, o, n) atomic64_cmpxchg(v, o, n)

#define atomic_long_read atomic64_read
#define atomic_long_set atomic64_set
#define atomic_long_inc atomic64_inc
#define atomic_long_dec atomic64_dec
#define atomic_long_add atomic64_add
#define atomic_long_sub atomic64_sub
#define atomic_long_cmpxchg atomic64_cmpxchg
#define atomic_long_xchg atomic64_xchg

#include <asm/barrier.h>

#endif
