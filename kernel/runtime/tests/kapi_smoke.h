/* The functions of kapi_smoke.c (kernel-shaped code on the include tree), for its C driver. */
#ifndef PTC_KERNEL_TESTS_KAPI_SMOKE_H
#define PTC_KERNEL_TESTS_KAPI_SMOKE_H

#include <stddef.h>

struct ptc_dirty;

int smoke_warn_on(int cond);
int smoke_warn(int value);
unsigned long long smoke_field_prep(unsigned long long pa);
unsigned long long smoke_field_get(unsigned long long pte);
int smoke_get_order(size_t size);
int smoke_log2(unsigned long long n);
unsigned long smoke_roundup(unsigned long n);
unsigned long long *smoke_alloc_table(unsigned int order);
void smoke_free_table(unsigned long long *table, unsigned int order);
unsigned long long smoke_read(unsigned long long *ptep);
void smoke_write(unsigned long long *ptep, unsigned long long pte);
unsigned long long smoke_install(unsigned long long *ptep, unsigned long long curr, unsigned long long pte);
int smoke_try_install(unsigned long long *ptep, unsigned long long curr, unsigned long long pte);
void smoke_clean(unsigned long long *ptep);
int smoke_test_and_clear(unsigned long long *ptep);
/* Unmaps [iova, iova + n * size) through the flush ops and a gather; returns the tlb_add_page count
 * and stores the gathered range. */
int smoke_gather(unsigned long iova, size_t size, int n, unsigned long *start, unsigned long *end);
/* Records [iova, iova + length) through iommu_dirty_bitmap_record into dirty. */
void smoke_record_dirty(const struct ptc_dirty *dirty, unsigned long iova, unsigned long length);
/* kzalloc, list_head, atomic64, bitmap, min/max: 0 when all behave. */
int smoke_misc(void);

#endif
