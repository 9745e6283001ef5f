/* ptcheck kernel include tree: bitmaps of unsigned long words in ordinary memory (the dirty bitmap of
 * the 2021 dirty-log series), non-atomic, and the bit searches for_each_set_bit uses. */
#ifndef PTC_LINUX_BITMAP_H
#define PTC_LINUX_BITMAP_H

#include <string.h>

#include <linux/bits.h>
#include <linux/types.h>

#define DECLARE_BITMAP(name, bits) unsigned long name[BITS_TO_LONGS(bits)]

static inline void bitmap_set(unsigned long *map, unsigned int start, unsigned int nbits) {
  for (unsigned int i = start; i < start + nbits; i++) map[BIT_WORD(i)] |= BIT_MASK(i);
}
static inline void bitmap_clear(unsigned long *map, unsigned int start, unsigned int nbits) {
  for (unsigned int i = start; i < start + nbits; i++) map[BIT_WORD(i)] &= ~BIT_MASK(i);
}
static inline void bitmap_zero(unsigned long *dst, unsigned int nbits) {
  memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}
static inline void bitmap_fill(unsigned long *dst, unsigned int nbits) {
  bitmap_zero(dst, nbits);
  bitmap_set(dst, 0, nbits);
}

/* The first set (or clear) bit at or after offset, or size when there is none. */
static inline unsigned long find_next_bit(const unsigned long *addr, unsigned long size, unsigned long offset) {
  for (unsigned long i = offset; i < size; i++)
    if (addr[BIT_WORD(i)] & BIT_MASK(i)) return i;
  return size;
}
static inline unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size, unsigned long offset) {
  for (unsigned long i = offset; i < size; i++)
    if (!(addr[BIT_WORD(i)] & BIT_MASK(i))) return i;
  return size;
}
static inline unsigned long find_first_bit(const unsigned long *addr, unsigned long size) {
  return find_next_bit(addr, size, 0);
}
static inline unsigned long find_first_zero_bit(const unsigned long *addr, unsigned long size) {
  return find_next_zero_bit(addr, size, 0);
}
static inline bool bitmap_empty(const unsigned long *src, unsigned int nbits) {
  return find_first_bit(src, nbits) >= nbits;
}
static inline bool bitmap_full(const unsigned long *src, unsigned int nbits) {
  return find_first_zero_bit(src, nbits) >= nbits;
}
static inline unsigned int bitmap_weight(const unsigned long *src, unsigned int nbits) {
  unsigned int n = 0;
  for (unsigned int i = 0; i < nbits; i++) n += (src[BIT_WORD(i)] & BIT_MASK(i)) != 0;
  return n;
}

#define for_each_set_bit(bit, addr, size) \
  for ((bit) = find_first_bit((addr), (size)); (bit) < (size); (bit) = find_next_bit((addr), (size), (bit) + 1))
#define for_each_clear_bit(bit, addr, size) \
  for ((bit) = find_first_zero_bit((addr), (size)); (bit) < (size); (bit) = find_next_zero_bit((addr), (size), (bit) + 1))

#endif
