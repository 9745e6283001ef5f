/* ptcheck kernel include tree: compile-time assertions. */
#ifndef PTC_LINUX_BUILD_BUG_H
#define PTC_LINUX_BUILD_BUG_H

/* 0 when e is false; a negative bit-field width (an error) when it is true. */
#define BUILD_BUG_ON_ZERO(e) ((int)(sizeof(struct { int : (-!!(e)); })))
#define BUILD_BUG_ON(condition) ((void)sizeof(char[1 - 2 * !!(condition)]))
#define BUILD_BUG_ON_MSG(condition, msg) BUILD_BUG_ON(condition)
#define BUILD_BUG_ON_NOT_POWER_OF_2(n) BUILD_BUG_ON((n) == 0 || (((n) & ((n) - 1)) != 0))
#define BUILD_BUG() BUILD_BUG_ON(1)
#define __must_be_array(a) BUILD_BUG_ON_ZERO(__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])))

/* static_assert(expr) or static_assert(expr, "message"), as the kernel's. */
#undef static_assert
#define static_assert(expr, ...) __ptc_static_assert(expr, ##__VA_ARGS__, #expr)
#define __ptc_static_assert(expr, msg, ...) _Static_assert(expr, msg)

#endif
