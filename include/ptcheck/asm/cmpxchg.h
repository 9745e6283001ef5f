/* ptcheck kernel include tree: cmpxchg and xchg (in linux/atomic.h). */
#include <linux/atomic.h>
