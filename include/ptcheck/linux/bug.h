/* ptcheck kernel include tree: WARN and BUG.
 *
 * WARN, WARN_ON, WARN_ONCE, WARN_ON_ONCE return their condition, as the kernel's do; when it is true
 * they print one line "WARNING: at FILE:LINE FUNC: message" (ptc_k_warn), which the harness's
 * `warning` oracle counts. The _ONCE forms warn every time: once per process would let the first
 * script's warning hide every later one. BUG / BUG_ON / VM_BUG_ON print "kernel BUG at FILE:LINE!" and
 * abort (the harness reports a dead target with the script that killed it). */
#ifndef PTC_LINUX_BUG_H
#define PTC_LINUX_BUG_H

#include <linux/build_bug.h>
#include <linux/compiler.h>

#define WARN(condition, format, ...)                                                        \
  __extension__({                                                                           \
    int __ptc_warn_ret = !!(condition);                                                     \
    if (unlikely(__ptc_warn_ret))                                                           \
      ptc_k_warn(__FILE__, __LINE__, "%s: " format, __func__, ##__VA_ARGS__);               \
    unlikely(__ptc_warn_ret);                                                               \
  })
#define WARN_ON(condition)                                                                  \
  __extension__({                                                                           \
    int __ptc_warn_ret = !!(condition);                                                     \
    if (unlikely(__ptc_warn_ret))                                                           \
      ptc_k_warn(__FILE__, __LINE__, "%s: WARN_ON(%s)", __func__, #condition);              \
    unlikely(__ptc_warn_ret);                                                               \
  })
#define WARN_ONCE(condition, format, ...) WARN(condition, format, ##__VA_ARGS__)
#define WARN_ON_ONCE(condition) WARN_ON(condition)
#define WARN_TAINT(condition, taint, format, ...) WARN(condition, format, ##__VA_ARGS__)
#define WARN_TAINT_ONCE(condition, taint, format, ...) WARN(condition, format, ##__VA_ARGS__)
#define WARN_ON_SMP(condition) WARN_ON(condition)

#define BUG() ptc_k_bug(__FILE__, __LINE__)
#define BUG_ON(condition)               \
  do {                                  \
    if (unlikely(condition)) BUG();     \
  } while (0)
/* As with CONFIG_DEBUG_VM: the checks run. */
#define VM_BUG_ON(condition) BUG_ON(condition)
#define VM_WARN_ON(condition) ((void)WARN_ON(condition))
#define VM_WARN_ON_ONCE(condition) WARN_ON_ONCE(condition)

#endif
