/* ptcheck kernel include tree: spinlocks on ordinary memory (never descriptors). */
#ifndef PTC_LINUX_SPINLOCK_H
#define PTC_LINUX_SPINLOCK_H

#include <linux/types.h>

typedef struct {
  unsigned char locked;
} spinlock_t;
typedef spinlock_t raw_spinlock_t;

#define __SPIN_LOCK_UNLOCKED(name) { 0 }
#define DEFINE_SPINLOCK(name) spinlock_t name = __SPIN_LOCK_UNLOCKED(name)
#define DEFINE_RAW_SPINLOCK(name) raw_spinlock_t name = __SPIN_LOCK_UNLOCKED(name)
static inline void spin_lock_init(spinlock_t *lock) { __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE); }
static inline void spin_lock(spinlock_t *lock) {
  while (__atomic_test_and_set(&lock->locked, __ATOMIC_ACQUIRE)) {
  }
}
static inline int spin_trylock(spinlock_t *lock) { return !__atomic_test_and_set(&lock->locked, __ATOMIC_ACQUIRE); }
static inline void spin_unlock(spinlock_t *lock) { __atomic_clear(&lock->locked, __ATOMIC_RELEASE); }
#define spin_lock_irqsave(lock, flags) do { (flags) = 0; spin_lock(lock); } while (0)
#define spin_unlock_irqrestore(lock, flags) do { (void)(flags); spin_unlock(lock); } while (0)
#define spin_lock_irq(lock) spin_lock(lock)
#define spin_unlock_irq(lock) spin_unlock(lock)
#define spin_lock_bh(lock) spin_lock(lock)
#define spin_unlock_bh(lock) spin_unlock(lock)
#define raw_spin_lock_init spin_lock_init
#define raw_spin_lock spin_lock
#define raw_spin_unlock spin_unlock
#define raw_spin_lock_irqsave spin_lock_irqsave
#define raw_spin_unlock_irqrestore spin_unlock_irqrestore
#define lockdep_assert_held(lock) ((void)(lock))

#endif
