/* ptcheck kernel include tree: mutexes (spinning, on ordinary memory). */
#ifndef PTC_LINUX_MUTEX_H
#define PTC_LINUX_MUTEX_H

#include <linux/spinlock.h>

struct mutex {
  spinlock_t lock;
};
#define DEFINE_MUTEX(name) struct mutex name = { __SPIN_LOCK_UNLOCKED(name) }
static inline void mutex_init(struct mutex *m) { spin_lock_init(&m->lock); }
static inline void mutex_lock(struct mutex *m) { spin_lock(&m->lock); }
static inline int mutex_trylock(struct mutex *m) { return spin_trylock(&m->lock); }
static inline void mutex_unlock(struct mutex *m) { spin_unlock(&m->lock); }
static inline void mutex_destroy(struct mutex *m) { (void)m; }

#endif
