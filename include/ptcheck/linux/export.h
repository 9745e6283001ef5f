/* ptcheck kernel include tree: symbol exports (nothing to export: a declaration keeps the trailing
 * semicolon valid at file scope). */
#ifndef PTC_LINUX_EXPORT_H
#define PTC_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym) extern int __ptc_export_unused
#define EXPORT_SYMBOL_GPL(sym) extern int __ptc_export_unused
#define EXPORT_SYMBOL_NS(sym, ns) extern int __ptc_export_unused
#define EXPORT_SYMBOL_NS_GPL(sym, ns) extern int __ptc_export_unused
#define EXPORT_SYMBOL_FOR_MODULES(sym, mods) extern int __ptc_export_unused

#endif
