/* ptcheck kernel include tree: struct device, what io-pgtable code reads of it (its NUMA node and
 * name, for allocation and messages). */
#ifndef PTC_LINUX_DEVICE_H
#define PTC_LINUX_DEVICE_H

#include <linux/dev_printk.h>
#include <linux/numa.h>
#include <linux/types.h>

struct device {
  struct device *parent;
  const char *init_name;
  int numa_node;
  void *driver_data;
  void *platform_data;
};

/* NULL (a cfg without iommu_dev) is NUMA_NO_NODE. */
static inline int dev_to_node(struct device *dev) { return dev ? dev->numa_node : NUMA_NO_NODE; }
static inline void set_dev_node(struct device *dev, int node) {
  if (dev) dev->numa_node = node;
}
static inline const char *dev_name(const struct device *dev) {
  return dev && dev->init_name ? dev->init_name : "ptcheck-iommu";
}
static inline void *dev_get_drvdata(const struct device *dev) { return dev->driver_data; }
static inline void dev_set_drvdata(struct device *dev, void *data) { dev->driver_data = data; }
#define get_device(dev) (dev)
#define put_device(dev) ((void)(dev))

#endif
