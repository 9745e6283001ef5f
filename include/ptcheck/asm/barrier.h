/* ptcheck kernel include tree: memory barriers. Every descriptor access already reaches the simulated
 * SMMU in program order; the barriers keep the compiler (and the CPU, for ordinary memory shared
 * between threads) from reordering around them. */
#ifndef PTC_ASM_BARRIER_H
#define PTC_ASM_BARRIER_H

#include <linux/compiler.h>

#define __ptc_fence(order) __extension__({ barrier(); __atomic_thread_fence(order); barrier(); })
#define mb() __ptc_fence(__ATOMIC_SEQ_CST)
#define rmb() __ptc_fence(__ATOMIC_ACQUIRE)
#define wmb() __ptc_fence(__ATOMIC_RELEASE)
#define dma_mb() mb()
#define dma_rmb() rmb()
#define dma_wmb() wmb()
#define smp_mb() mb()
#define smp_rmb() rmb()
#define smp_wmb() wmb()
#define __smp_mb() mb()
#define smp_mb__before_atomic() mb()
#define smp_mb__after_atomic() mb()
#define smp_mb__after_spinlock() mb()
#define smp_load_acquire(p)                                  \
  __extension__({                                            \
    __unqual_scalar_typeof(*(p)) __ptc_acq = READ_ONCE(*(p)); \
    __ptc_fence(__ATOMIC_ACQUIRE);                           \
    __ptc_acq;                                               \
  })
#define smp_store_release(p, v)         \
  do {                                  \
    __ptc_fence(__ATOMIC_RELEASE);      \
    WRITE_ONCE(*(p), v);                \
  } while (0)
#define virt_mb() mb()

#endif
