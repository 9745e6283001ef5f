/* ptcheck kernel include tree: initcalls. ptcheck runs no initcall (a format file's selftest is
 * CONFIG_-guarded and stays out); the macros keep the function referenced. */
#ifndef PTC_LINUX_INIT_H
#define PTC_LINUX_INIT_H

#include <linux/compiler.h>

#define __ptc_initcall(fn) static int (*const __PTC_CAT(__ptc_initcall_, fn))(void) __attribute__((__used__)) = fn
#define early_initcall(fn) __ptc_initcall(fn)
#define core_initcall(fn) __ptc_initcall(fn)
#define arch_initcall(fn) __ptc_initcall(fn)
#define subsys_initcall(fn) __ptc_initcall(fn)
#define fs_initcall(fn) __ptc_initcall(fn)
#define device_initcall(fn) __ptc_initcall(fn)
#define late_initcall(fn) __ptc_initcall(fn)
#define module_init(fn) __ptc_initcall(fn)
#define module_exit(fn) static void (*const __PTC_CAT(__ptc_exitcall_, fn))(void) __attribute__((__used__)) = fn

#endif
