/* ptcheck kernel include tree: module metadata (declarations only). */
#ifndef PTC_LINUX_MODULE_H
#define PTC_LINUX_MODULE_H

#include <linux/export.h>
#include <linux/init.h>

#define MODULE_LICENSE(x) extern int __ptc_module_info_unused
#define MODULE_AUTHOR(x) extern int __ptc_module_info_unused
#define MODULE_DESCRIPTION(x) extern int __ptc_module_info_unused
#define MODULE_ALIAS(x) extern int __ptc_module_info_unused
#define MODULE_DEVICE_TABLE(type, name) extern int __ptc_module_info_unused
#define MODULE_IMPORT_NS(ns) extern int __ptc_module_info_unused
#define MODULE_SOFTDEP(x) extern int __ptc_module_info_unused
#define THIS_MODULE ((void *)0)

#endif
