/* ptcheck kernel include tree: page accounting (v6.11-6.14 iommu-pages.h counts its pages): no-ops. */
#ifndef PTC_LINUX_VMSTAT_H
#define PTC_LINUX_VMSTAT_H

#include <linux/mm_types.h>

enum node_stat_item { NR_PAGETABLE, NR_SECONDARY_PAGETABLE, NR_IOMMU_PAGES, NR_VM_NODE_STAT_ITEMS };

static inline void mod_node_page_state(pg_data_t *pgdat, enum node_stat_item item, long delta) {
  (void)pgdat;
  (void)item;
  (void)delta;
}
static inline void mod_lruvec_page_state(struct page *page, enum node_stat_item item, int delta) {
  (void)page;
  (void)item;
  (void)delta;
}
static inline void lruvec_stat_mod_folio(struct folio *folio, enum node_stat_item item, int delta) {
  (void)folio;
  (void)item;
  (void)delta;
}
#define __mod_node_page_state mod_node_page_state
#define __mod_lruvec_page_state mod_lruvec_page_state
#define inc_node_page_state(page, item) ((void)(page), (void)(item))
#define dec_node_page_state(page, item) ((void)(page), (void)(item))

#endif
