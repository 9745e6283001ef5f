/* ptcheck kernel include tree: what <linux/kernel.h> gathers. */
#ifndef PTC_LINUX_KERNEL_H
#define PTC_LINUX_KERNEL_H

#include <linux/align.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/printk.h>
#include <linux/stddef.h>
#include <linux/stringify.h>
#include <linux/types.h>

#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]) + __must_be_array(arr))
#define upper_32_bits(n) ((u32)(((n) >> 16) >> 16))
#define lower_32_bits(n) ((u32)((n) & 0xffffffff))
#define REPEAT_BYTE(x) ((~0UL / 0xff) * (x))

#define might_sleep() do {} while (0)
#define might_sleep_if(cond) do {} while (0)
#define cond_resched() ({ 0; })
#define cpu_relax() barrier()

#endif
