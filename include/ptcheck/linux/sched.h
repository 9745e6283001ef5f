/* ptcheck kernel include tree: scheduling points (no-ops). */
#ifndef PTC_LINUX_SCHED_H
#define PTC_LINUX_SCHED_H

#include <linux/kernel.h>

#endif
