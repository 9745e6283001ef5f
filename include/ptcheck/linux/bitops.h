/* ptcheck kernel include tree: bit searches and bit operations on words of unsigned long.
 *
 * The atomic bit operations act on the 64-bit word holding the bit through the runtime: on a
 * descriptor of a live table they are descriptor accesses (set_bit and test_and_set_bit: fetch_or;
 * clear_bit and test_and_clear_bit: a read and cmpxchg loop; test_bit: a read), on other memory atomic
 * read-modify-writes. The __-prefixed ones are the kernel's non-atomic variants on ordinary memory. */
#ifndef PTC_LINUX_BITOPS_H
#define PTC_LINUX_BITOPS_H

/* glibc declares ffs() there; the macro below must come after that declaration. */
#include <string.h>
#include <strings.h>

#include <linux/bits.h>
#include <linux/types.h>

static inline unsigned long __ffs(unsigned long word) { return (unsigned long)__builtin_ctzl(word); }
static inline unsigned long __fls(unsigned long word) { return 63UL - (unsigned long)__builtin_clzl(word); }
static inline unsigned long ffz(unsigned long word) { return __ffs(~word); }
static inline int fls(unsigned int x) { return x ? 32 - __builtin_clz(x) : 0; }
static inline int fls64(u64 x) { return x ? 64 - __builtin_clzll(x) : 0; }
static inline unsigned int fls_long(unsigned long l) { return (unsigned int)fls64(l); }
static inline unsigned long __ffs64(u64 word) { return __ffs((unsigned long)word); }
#undef ffs
#define ffs(x) __builtin_ffs(x)

static inline unsigned int hweight8(unsigned int w) { return (unsigned int)__builtin_popcount(w & 0xff); }
static inline unsigned int hweight16(unsigned int w) { return (unsigned int)__builtin_popcount(w & 0xffff); }
static inline unsigned int hweight32(unsigned int w) { return (unsigned int)__builtin_popcount(w); }
static inline unsigned long hweight64(u64 w) { return (unsigned long)__builtin_popcountll(w); }
static inline unsigned long hweight_long(unsigned long w) { return (unsigned long)__builtin_popcountl(w); }

static inline uint64_t *__ptc_bit_word(long nr, const volatile unsigned long *addr) {
  return (uint64_t *)(uintptr_t)(addr + BIT_WORD(nr));
}

static inline void set_bit(long nr, volatile unsigned long *addr) {
  ptc_k_fetch_or8(__ptc_bit_word(nr, addr), BIT_MASK(nr));
}
static inline void clear_bit(long nr, volatile unsigned long *addr) {
  ptc_k_fetch_and8(__ptc_bit_word(nr, addr), ~BIT_MASK(nr));
}
static inline void change_bit(long nr, volatile unsigned long *addr) {
  uint64_t *w = __ptc_bit_word(nr, addr);
  uint64_t old = ptc_k_load8(w);
  for (;;) {
    uint64_t seen = ptc_k_cmpxchg8(w, old, old ^ BIT_MASK(nr));
    if (seen == old) return;
    old = seen;
  }
}
static inline bool test_and_set_bit(long nr, volatile unsigned long *addr) {
  return (ptc_k_fetch_or8(__ptc_bit_word(nr, addr), BIT_MASK(nr)) & BIT_MASK(nr)) != 0;
}
static inline bool test_and_clear_bit(long nr, volatile unsigned long *addr) {
  return (ptc_k_fetch_and8(__ptc_bit_word(nr, addr), ~BIT_MASK(nr)) & BIT_MASK(nr)) != 0;
}
static inline bool test_bit(long nr, const volatile unsigned long *addr) {
  return (ptc_k_load8(__ptc_bit_word(nr, addr)) & BIT_MASK(nr)) != 0;
}
#define set_bit_unlock(nr, addr) set_bit(nr, addr)
#define clear_bit_unlock(nr, addr) clear_bit(nr, addr)
#define test_and_set_bit_lock(nr, addr) test_and_set_bit(nr, addr)

static inline void __set_bit(long nr, volatile unsigned long *addr) { addr[BIT_WORD(nr)] |= BIT_MASK(nr); }
static inline void __clear_bit(long nr, volatile unsigned long *addr) { addr[BIT_WORD(nr)] &= ~BIT_MASK(nr); }
static inline void __change_bit(long nr, volatile unsigned long *addr) { addr[BIT_WORD(nr)] ^= BIT_MASK(nr); }
static inline bool __test_and_set_bit(long nr, volatile unsigned long *addr) {
  bool old = (addr[BIT_WORD(nr)] & BIT_MASK(nr)) != 0;
  addr[BIT_WORD(nr)] |= BIT_MASK(nr);
  return old;
}
static inline bool __test_and_clear_bit(long nr, volatile unsigned long *addr) {
  bool old = (addr[BIT_WORD(nr)] & BIT_MASK(nr)) != 0;
  addr[BIT_WORD(nr)] &= ~BIT_MASK(nr);
  return old;
}

static inline u64 rol64(u64 word, unsigned int shift) { return (word << (shift & 63)) | (word >> ((-shift) & 63)); }
static inline u64 ror64(u64 word, unsigned int shift) { return (word >> (shift & 63)) | (word << ((-shift) & 63)); }

#include <linux/bitmap.h>

#endif
