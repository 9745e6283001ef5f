/* ptcheck kernel include tree: sparse annotations (empty: ptcheck builds with a plain C compiler). */
#ifndef PTC_LINUX_COMPILER_TYPES_H
#define PTC_LINUX_COMPILER_TYPES_H

#include <linux/compiler_attributes.h>

#define __iomem
#define __user
#define __kernel
#define __force
#define __bitwise
#define __rcu
#define __percpu
#define __private
#define __must_hold(x)
#define __acquires(x)
#define __releases(x)
#define __cond_lock(x, c) (c)
#define __init
#define __initdata
#define __initconst
#define __exit
#define __exitdata
#define __ro_after_init
#define __read_mostly

#define __same_type(a, b) __builtin_types_compatible_p(__typeof__(a), __typeof__(b))

/* x's type without qualifiers for scalars (READ_ONCE returns a value, not a const lvalue). */
#define __unqual_scalar_typeof(x)                                                                      \
  __typeof__(_Generic((x), char: (char)0, unsigned char: (unsigned char)0, signed char: (signed char)0, \
                      unsigned short: (unsigned short)0, signed short: (signed short)0,                  \
                      unsigned int: (unsigned int)0, signed int: (signed int)0,                          \
                      unsigned long: (unsigned long)0, signed long: (signed long)0,                      \
                      unsigned long long: (unsigned long long)0, signed long long: (signed long long)0,  \
                      _Bool: (_Bool)0, default: (x)))

#endif
