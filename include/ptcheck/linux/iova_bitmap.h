/* ptcheck kernel include tree: the IOVA bitmap iommufd hands to read_and_clear_dirty. Here it wraps the
 * harness's struct ptc_dirty: iova_bitmap_set records [iova, iova + length) dirty. */
#ifndef PTC_LINUX_IOVA_BITMAP_H
#define PTC_LINUX_IOVA_BITMAP_H

#include <linux/types.h>
#include <ptcheck/target.h>

struct iova_bitmap {
  const struct ptc_dirty *dirty;
};

static inline void iova_bitmap_set(struct iova_bitmap *bitmap, unsigned long iova, size_t length) {
  bitmap->dirty->record(bitmap->dirty->ctx, iova, length);
}

#endif
