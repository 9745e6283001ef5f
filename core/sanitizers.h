// What the build's sanitizers need of the harness: whether ThreadSanitizer instruments this file, and
// AddressSanitizer's poisoning of memory the harness keeps for reuse (a caller's bitmap, table pages).
#pragma once
#include <cstddef>

#if defined(__SANITIZE_THREAD__)
#define PTCHECK_TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PTCHECK_TSAN_BUILD 1
#endif
#endif

// AddressSanitizer's poisoning interface, weak: null unless the ASan runtime is linked in. Weak rather than
// under __has_feature(address_sanitizer), so that it works also where only the code under test is compiled
// with ASan (the fuzz build) and the harness is not.
extern "C" void __asan_poison_memory_region(void const volatile* addr, size_t size) __attribute__((weak));
extern "C" void __asan_unpoison_memory_region(void const volatile* addr, size_t size) __attribute__((weak));

namespace ptc::sanitizers {

#ifdef PTCHECK_TSAN_BUILD
constexpr bool kThreadSanitizer = true;
#else
constexpr bool kThreadSanitizer = false;
#endif

// Marks [p, p + n) unaddressable (an access is reported) or addressable again; nothing without ASan.
inline void poison(const void* p, size_t n) {
  if (__asan_poison_memory_region && n > 0) __asan_poison_memory_region(p, n);
}
inline void unpoison(const void* p, size_t n) {
  if (__asan_unpoison_memory_region && n > 0) __asan_unpoison_memory_region(p, n);
}

}  // namespace ptc::sanitizers
