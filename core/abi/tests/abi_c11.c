/* The project's own ABI test (a user's clone has no ../shared): include/ptcheck/target.h compiled as
 * C11, every name, constant and signature of SPEC section 6 checked at compile time, and a small C
 * target's ops table assembled from C functions, as a kernel-style shim would. */
#include <ptcheck/target.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

_Static_assert(PTC_TARGET_ABI == 1, "ABI version");
_Static_assert(sizeof(ptc_pte_t) == 8, "64-bit descriptors");
_Static_assert(PTC_PROT_READ == 1 && PTC_PROT_WRITE == 2, "prot");
_Static_assert(PTC_DIRTY_NO_CLEAR == 1, "dirty flags");
_Static_assert(PTC_CFG_HW_DIRTY == 1 && PTC_CFG_LAZY == 2, "cfg flags");
_Static_assert(offsetof(struct ptc_hw, ctx) == 0, "ctx first");
_Static_assert(offsetof(struct ptc_dirty, ctx) == 0, "ctx first");

#define IS(expr, T) _Static_assert(_Generic((expr), T: 1, default: 0), #expr)

static struct ptc_target *c_create(const struct ptc_cfg *cfg, const struct ptc_hw *hw) { (void)cfg; (void)hw; return NULL; }
static void c_destroy(struct ptc_target *t) { (void)t; }
static ptc_pte_t *c_root(struct ptc_target *t) { (void)t; return NULL; }
static int c_map(struct ptc_target *t, uint64_t i, uint64_t p, uint64_t s, unsigned prot) { (void)t; (void)i; (void)p; (void)s; (void)prot; return -EINVAL; }
static int64_t c_unmap(struct ptc_target *t, uint64_t i, uint64_t s) { (void)t; (void)i; (void)s; return -EINVAL; }
static int c_flush(struct ptc_target *t) { (void)t; return 0; }
static int c_split(struct ptc_target *t, uint64_t i, uint64_t s) { (void)t; (void)i; (void)s; return -EOPNOTSUPP; }
static int c_merge(struct ptc_target *t, uint64_t i, uint64_t s) { (void)t; (void)i; (void)s; return -EOPNOTSUPP; }
static int c_rcd(struct ptc_target *t, uint64_t i, uint64_t s, unsigned f, const struct ptc_dirty *d) { (void)t; (void)i; (void)s; (void)f; (void)d; return -EOPNOTSUPP; }
static int64_t c_urd(struct ptc_target *t, uint64_t i, uint64_t s, const struct ptc_dirty *d) { (void)t; (void)i; (void)s; (void)d; return -EINVAL; }
static uint64_t c_phys(struct ptc_target *t, uint64_t i) { (void)t; (void)i; return 0; }

/* Designated initializers against the contract's field names: a renamed or retyped field fails here. */
const struct ptc_target_ops abi_c11_ops = {
    .abi = PTC_TARGET_ABI, .name = "abi-c11", .create = c_create, .destroy = c_destroy, .root = c_root,
    .map = c_map, .unmap = c_unmap, .flush = c_flush, .split = c_split, .merge = c_merge,
    .read_and_clear_dirty = c_rcd, .unmap_read_dirty = c_urd, .iova_to_phys = c_phys};

static void check_hw(const struct ptc_hw *h, struct ptc_cfg *c) {
  IS(h->alloc_table, void *(*)(void *, size_t));
  IS(h->free_table, void (*)(void *, void *));
  IS(h->read, ptc_pte_t (*)(void *, ptc_pte_t *));
  IS(h->write, void (*)(void *, ptc_pte_t *, ptc_pte_t));
  IS(h->cmpxchg, ptc_pte_t (*)(void *, ptc_pte_t *, ptc_pte_t, ptc_pte_t));
  IS(h->xchg, ptc_pte_t (*)(void *, ptc_pte_t *, ptc_pte_t));
  IS(h->fetch_or, ptc_pte_t (*)(void *, ptc_pte_t *, ptc_pte_t));
  IS(h->tlb_inv_range, void (*)(void *, uint64_t, uint64_t, uint64_t, int));
  IS(h->tlb_inv_all, void (*)(void *));
  IS(h->tlb_sync, void (*)(void *));
  IS(c->ias, unsigned);
  IS(c->oas, unsigned);
  IS(c->pgsize_bitmap, uint64_t);
  IS(c->bbml, unsigned);
  IS(c->flags, unsigned);
}

const struct ptc_target_ops *abi_c11_target(void) {
  (void)check_hw;
  return &abi_c11_ops;
}
