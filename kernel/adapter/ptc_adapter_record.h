/*
 * Part of io_pgtable_adapter.c, #included there after struct ptc_target:
 * the caller's record of what it mapped (VFIO's vfio_dma list, iommufd's areas).
 */
#ifndef PTC_ADAPTER_RECORD_H
#define PTC_ADAPTER_RECORD_H

/*
 * The record's lock: a flag, not a mutex (no libc header after the kernel
 * file's own), held for a few loads and stores; operations on disjoint
 * ranges may run at once (SPEC 6).
 */
static void ptc_adapter_lock(struct ptc_target *t)
{
	while (__atomic_test_and_set(&t->lock, __ATOMIC_ACQUIRE))
		;
}

static void ptc_adapter_unlock(struct ptc_target *t)
{
	__atomic_clear(&t->lock, __ATOMIC_RELEASE);
}

/* Room for one more range; false when there is none (the record then misses it). */
static bool ptc_adapter_reserve(struct ptc_target *t)
{
	size_t cap = t->cap_ranges ? 2 * t->cap_ranges : 16;
	struct ptc_adapter_range *r;

	if (t->nr_ranges < t->cap_ranges)
		return true;
	r = kmalloc_array(cap, sizeof(*r), GFP_KERNEL);
	if (!r)
		return false;
	if (t->nr_ranges)
		__builtin_memcpy(r, t->ranges, t->nr_ranges * sizeof(*r));
	kfree(t->ranges);
	t->ranges = r;
	t->cap_ranges = cap;
	return true;
}

/* Drops [iova, iova + size) from the record (after an unmap removed it). */
static void ptc_adapter_forget(struct ptc_target *t, u64 iova, u64 size)
{
	u64 end = iova + size;
	size_t i = 0;

	ptc_adapter_lock(t);
	while (i < t->nr_ranges) {
		struct ptc_adapter_range *r = &t->ranges[i];
		u64 r_end = r->iova + r->size;

		if (r_end <= iova || r->iova >= end) {
			i++;
		} else if (r->iova < iova && r_end > end) {
			/* a hole in the middle: the tail becomes a range of its own */
			if (ptc_adapter_reserve(t)) {
				r = &t->ranges[i];
				__builtin_memmove(r + 2, r + 1, (t->nr_ranges - i - 1) * sizeof(*r));
				r[1] = (struct ptc_adapter_range){
					end, r->paddr + (end - r->iova), r_end - end, r->prot };
				t->nr_ranges++;
			}
			r->size = iova - r->iova;
			i++;
		} else if (r->iova < iova) {
			r->size = iova - r->iova;
			i++;
		} else if (r_end > end) {
			r->paddr += end - r->iova;
			r->size = r_end - end;
			r->iova = end;
			i++;
		} else {
			__builtin_memmove(r, r + 1, (t->nr_ranges - i - 1) * sizeof(*r));
			t->nr_ranges--;
		}
	}
	ptc_adapter_unlock(t);
}

/* Records a successful map (kept sorted by iova; mapped ranges are disjoint). */
static void ptc_adapter_remember(struct ptc_target *t, u64 iova, u64 paddr,
				 u64 size, int prot)
{
	size_t i;

	ptc_adapter_lock(t);
	if (ptc_adapter_reserve(t)) {
		for (i = t->nr_ranges; i > 0 && t->ranges[i - 1].iova > iova; i--)
			t->ranges[i] = t->ranges[i - 1];
		t->ranges[i] = (struct ptc_adapter_range){ iova, paddr, size, prot };
		t->nr_ranges++;
	}
	ptc_adapter_unlock(t);
}

#endif /* PTC_ADAPTER_RECORD_H */
