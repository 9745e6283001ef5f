/* ptcheck kernel include tree: the DMA API for non-coherent table walks. The simulated SMMU reads table
 * memory directly: a mapping is the identity, syncs are no-ops, and mapping never fails. */
#ifndef PTC_LINUX_DMA_MAPPING_H
#define PTC_LINUX_DMA_MAPPING_H

#include <asm/page.h>
#include <linux/device.h>
#include <linux/mm.h>
#include <linux/types.h>

enum dma_data_direction { DMA_BIDIRECTIONAL = 0, DMA_TO_DEVICE = 1, DMA_FROM_DEVICE = 2, DMA_NONE = 3 };

#define DMA_MAPPING_ERROR (~(dma_addr_t)0)
#define DMA_BIT_MASK(n) (((n) == 64) ? ~0ULL : ((1ULL << (n)) - 1))

static inline dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr, size_t size,
                                              enum dma_data_direction dir, unsigned long attrs) {
  (void)dev, (void)size, (void)dir, (void)attrs;
  return (dma_addr_t)(uintptr_t)ptr;
}
static inline void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size,
                                          enum dma_data_direction dir, unsigned long attrs) {
  (void)dev, (void)addr, (void)size, (void)dir, (void)attrs;
}
#define dma_map_single(dev, ptr, size, dir) dma_map_single_attrs(dev, ptr, size, dir, 0)
#define dma_unmap_single(dev, addr, size, dir) dma_unmap_single_attrs(dev, addr, size, dir, 0)
static inline int dma_mapping_error(struct device *dev, dma_addr_t addr) {
  (void)dev, (void)addr;
  return 0;
}
static inline void dma_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t size,
                                              enum dma_data_direction dir) {
  (void)dev, (void)addr, (void)size, (void)dir;
}
static inline void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t size,
                                           enum dma_data_direction dir) {
  (void)dev, (void)addr, (void)size, (void)dir;
}
static inline int dma_set_mask_and_coherent(struct device *dev, u64 mask) {
  (void)dev, (void)mask;
  return 0;
}

#endif
