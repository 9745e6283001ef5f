/* ptcheck kernel include tree: atomics (in linux/atomic.h). */
#include <linux/atomic.h>
