/* ptcheck kernel include tree: faux devices (the io-pgtable selftests of v6.16+ create one). */
#ifndef PTC_LINUX_DEVICE_FAUX_H
#define PTC_LINUX_DEVICE_FAUX_H

#include <linux/device.h>
#include <linux/slab.h>

struct faux_device {
  struct device dev;
};
struct faux_device_ops;

static inline struct faux_device *faux_device_create(const char *name, struct device *parent,
                                                     const struct faux_device_ops *ops) {
  struct faux_device *fdev = kzalloc(sizeof(*fdev), GFP_KERNEL);
  (void)ops;
  if (fdev) {
    fdev->dev.init_name = name;
    fdev->dev.parent = parent;
    fdev->dev.numa_node = NUMA_NO_NODE;
  }
  return fdev;
}
static inline void faux_device_destroy(struct faux_device *fdev) { kfree(fdev); }

#endif
