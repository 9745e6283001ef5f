/* ptcheck kernel include tree: IS_ENABLED and friends. CONFIG_FOO is enabled when the build defines it
 * to 1 (-DCONFIG_FOO=1); ptcheck defines no CONFIG_ option itself. */
#ifndef PTC_LINUX_KCONFIG_H
#define PTC_LINUX_KCONFIG_H

/* An option defined to 1 turns into "0," which makes 1 the second argument; anything else leaves 0. */
#define __PTC_ENABLED_PROBE_1 0,
#define __ptc_second(ignored, value, ...) value
#define __ptc_defined3(probe_or_junk) __ptc_second(probe_or_junk 1, 0)
#define __ptc_defined2(value) __ptc_defined3(__PTC_ENABLED_PROBE_##value)
#define __ptc_defined(option) __ptc_defined2(option)

#define IS_BUILTIN(option) __ptc_defined(option)
#define IS_MODULE(option) __ptc_defined(option##_MODULE)
#define IS_ENABLED(option) (IS_BUILTIN(option) || IS_MODULE(option))
#define IS_REACHABLE(option) IS_ENABLED(option)

#endif
