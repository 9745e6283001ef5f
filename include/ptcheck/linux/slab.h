/* ptcheck kernel include tree: kmalloc and friends: instance memory (ptc_k_zalloc, always zeroed),
 * never a table and never a descriptor access. */
#ifndef PTC_LINUX_SLAB_H
#define PTC_LINUX_SLAB_H

#include <linux/gfp.h>
#include <linux/overflow.h>
#include <linux/types.h>

static inline void *kmalloc(size_t size, gfp_t flags) {
  (void)flags;
  return ptc_k_zalloc(size);
}
#define kzalloc(size, flags) kmalloc(size, flags)
#define kmalloc_node(size, flags, node) kmalloc(size, flags)
#define kzalloc_node(size, flags, node) kmalloc(size, flags)
#define kvmalloc(size, flags) kmalloc(size, flags)
#define kvzalloc(size, flags) kmalloc(size, flags)
static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags) {
  size_t bytes;
  if (__builtin_mul_overflow(n, size, &bytes)) return NULL;
  return kmalloc(bytes, flags);
}
#define kcalloc(n, size, flags) kmalloc_array(n, size, flags)
#define kvcalloc(n, size, flags) kmalloc_array(n, size, flags)
#define kvmalloc_array(n, size, flags) kmalloc_array(n, size, flags)
static inline void kfree(const void *p) { ptc_k_kfree(p); }
#define kvfree(p) kfree(p)
#define kfree_sensitive(p) kfree(p)
static inline void *kmemdup(const void *src, size_t len, gfp_t flags) {
  void *p = kmalloc(len, flags);
  if (p) __builtin_memcpy(p, src, len);
  return p;
}

#endif
