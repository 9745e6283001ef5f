/* ptcheck kernel include tree: the kernel's attribute shorthands (GCC and clang spell them alike).
 * The C library's <sys/cdefs.h> defines some of the same names: ours replace them. */
#ifndef PTC_LINUX_COMPILER_ATTRIBUTES_H
#define PTC_LINUX_COMPILER_ATTRIBUTES_H

#undef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#undef noinline
#define noinline __attribute__((__noinline__))
#undef __maybe_unused
#define __maybe_unused __attribute__((__unused__))
#undef __always_unused
#define __always_unused __attribute__((__unused__))
#undef __used
#define __used __attribute__((__used__))
#undef __must_check
#define __must_check __attribute__((__warn_unused_result__))
#undef __aligned
#define __aligned(x) __attribute__((__aligned__(x)))
#undef __packed
#define __packed __attribute__((__packed__))
#undef __pure
#define __pure __attribute__((__pure__))
#undef __attribute_const__
#define __attribute_const__ __attribute__((__const__))
#undef __weak
#define __weak __attribute__((__weak__))
#undef __cold
#define __cold __attribute__((__cold__))
#undef __noreturn
#define __noreturn __attribute__((__noreturn__))
#undef __printf
#define __printf(a, b) __attribute__((__format__(printf, a, b)))
#undef __section
#define __section(s) __attribute__((__section__(s)))
#undef __nonstring
#define __nonstring
#undef __counted_by
#define __counted_by(member)
#undef __malloc
#define __malloc __attribute__((__malloc__))
#undef __visible
#define __visible
#undef __no_sanitize_address
#define __no_sanitize_address
#undef __no_kcsan
#define __no_kcsan
#undef notrace
#define notrace

#if defined(__has_attribute)
#if __has_attribute(__fallthrough__)
#define fallthrough __attribute__((__fallthrough__))
#endif
#endif
#ifndef fallthrough
#define fallthrough do {} while (0)
#endif

#endif
