/* ptcheck kernel include tree: FIELD_GET / FIELD_PREP on a contiguous constant mask. */
#ifndef PTC_LINUX_BITFIELD_H
#define PTC_LINUX_BITFIELD_H

#include <linux/bits.h>
#include <linux/build_bug.h>

#define __bf_shf(x) (__builtin_ffsll(x) - 1)

#define FIELD_MAX(mask) ((__typeof__(mask))((mask) >> __bf_shf(mask)))
#define FIELD_FIT(mask, val) (!((((__typeof__(mask))(val)) << __bf_shf(mask)) & ~(mask)))
#define FIELD_PREP(mask, val) ((((__typeof__(mask))(val)) << __bf_shf(mask)) & (mask))
#define FIELD_GET(mask, reg) ((__typeof__(mask))(((reg) & (mask)) >> __bf_shf(mask)))
#define FIELD_MODIFY(mask, regp, val) (*(regp) = (*(regp) & ~(mask)) | FIELD_PREP(mask, val))

#endif
