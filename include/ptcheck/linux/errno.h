/* ptcheck kernel include tree: errno values (the kernel's UAPI ones, plus the kernel-internal ones).
 *
 * The C library's <errno.h> includes <linux/errno.h> itself and finds this file first on the include
 * path: it pulls in the system's UAPI header of the same name, which holds the values. */
#ifndef PTC_LINUX_ERRNO_H
#define PTC_LINUX_ERRNO_H

#include_next <linux/errno.h>

#ifndef ERESTARTSYS
#define ERESTARTSYS 512
#endif
#ifndef EPROBE_DEFER
#define EPROBE_DEFER 517
#endif
#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

#endif
