/* simple_pt.c: a simple, correct Arm SMMUv3 IO page table, written as a ptcheck target.
 *
 * VMSAv8-64 stage-1 long descriptors, 4 KiB granule, with HTTU dirty tracking, block split/merge
 * under BBML1/BBML2 and strict or lazy unmap. It implements SPEC.md sections 2 (descriptors),
 * 3 (operations) and 6 (ABI, concurrency) against include/ptcheck/target.h, and is meant to be
 * read and copied: every step is the obvious one, in the order the hardware rules require, and
 * nothing is optimized.
 *
 * Build (outside the ptcheck build, as any user's target):
 *   cc -std=c11 -O1 -g -shared -fPIC -I include examples/simple-c/simple_pt.c -o libsimple_pt.so
 * Check:
 *   ptcheck run SCRIPT.ops --target ./libsimple_pt.so
 *
 * The rules the code follows throughout (SPEC section 4, the simulated SMMU):
 *  - The device may walk the tables and cache any translation or table it can reach, at any
 *    moment, between any two descriptor accesses. An invalidation (tlb_inv_range / tlb_inv_all)
 *    only covers changes made before it was issued, and takes effect at the next tlb_sync.
 *  - So a table is freed only when it is unreachable AND a non-leaf invalidation covering it,
 *    issued after it was unlinked, has been synced.
 *  - The device sets a writable-clean leaf dirty (clears AP[2]) with a compare-and-swap at any
 *    time. Wherever a leaf's dirty state matters we change it atomically (a cmpxchg loop, xchg or
 *    fetch_or) and act on the value that access returned, so that a dirty update cannot be lost.
 *  - Every descriptor access goes through the ptc_hw accessors; every table comes from
 *    alloc_table. Table memory is never touched directly.
 *
 * Concurrency (SPEC section 6): operations on disjoint ranges may run at once. The only
 * descriptors two such operations share are the table descriptors above their ranges, and those
 * only go from empty to a table: we install tables with cmpxchg from 0. Everything else an
 * operation changes lies inside its own range. No locks are needed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ptcheck/target.h"

/* ---- Geometry (4 KiB granule) -------------------------------------------------------------- */

#define SZ_4K (UINT64_C(1) << 12)
#define SZ_2M (UINT64_C(1) << 21)
#define SZ_1G (UINT64_C(1) << 30)

#define LAST_LEVEL 3u                /* L3 holds 4K pages */
#define TABLE_ENTRIES 512u           /* every table below the root */
#define TABLE_BYTES (TABLE_ENTRIES * sizeof(ptc_pte_t))

/* A level-L entry covers 1 << level_shift(L) bytes: L0 512G, L1 1G, L2 2M, L3 4K. */
static unsigned level_shift(unsigned level) { return 39u - 9u * level; }
static uint64_t level_size(unsigned level) { return UINT64_C(1) << level_shift(level); }

/* ---- Descriptors (SPEC section 2) ---------------------------------------------------------- */

#define PTE_VALID (UINT64_C(1) << 0)
#define PTE_TABLE (UINT64_C(1) << 1)  /* L0-L2: a next-level table descriptor */
#define PTE_PAGE (UINT64_C(1) << 1)   /* L3: a page (must be 1) */
#define PTE_AP2 (UINT64_C(1) << 7)    /* 1 = read-only (or writable-clean when DBM = 1) */
#define PTE_AF (UINT64_C(1) << 10)    /* access flag: we always set it */
#define PTE_NT (UINT64_C(1) << 16)    /* block descriptors, BBML1: never cached, never faults */
#define PTE_DBM (UINT64_C(1) << 51)   /* dirty bit modifier: HTTU may clear AP[2] */
#define PTE_ADDR_MASK UINT64_C(0x0000FFFFFFFFF000) /* bits 47:12 */

static bool pte_valid(ptc_pte_t d) { return (d & PTE_VALID) != 0; }

static bool pte_is_table(unsigned level, ptc_pte_t d) {
  return level < LAST_LEVEL && (d & (PTE_VALID | PTE_TABLE)) == (PTE_VALID | PTE_TABLE);
}

static bool pte_is_leaf(unsigned level, ptc_pte_t d) { return pte_valid(d) && !pte_is_table(level, d); }

static ptc_pte_t *pte_table_addr(ptc_pte_t d) { return (ptc_pte_t *)(uintptr_t)(d & PTE_ADDR_MASK); }

/* A leaf's output address: bits 47:N for a leaf of 2^N bytes (the bits below, nT among them,
 * are not part of the address). */
static uint64_t pte_output(unsigned level, ptc_pte_t d) { return d & PTE_ADDR_MASK & ~(level_size(level) - 1); }

static ptc_pte_t make_table_pte(ptc_pte_t *table) { return (uint64_t)(uintptr_t)table | PTE_VALID | PTE_TABLE; }

/* ---- The instance -------------------------------------------------------------------------- */

struct ptc_target {
  struct ptc_cfg cfg;
  const struct ptc_hw *hw;
  ptc_pte_t *root;
  unsigned start_level;  /* L0 when ias > 39, else L1 */
  unsigned root_entries; /* 2^(ias - level_shift(start_level)) */
  bool hw_dirty;         /* PTC_CFG_HW_DIRTY */
  bool lazy;             /* PTC_CFG_LAZY */
};

static unsigned entries_at(const struct ptc_target *t, unsigned level) {
  return level == t->start_level ? t->root_entries : TABLE_ENTRIES;
}

static unsigned index_at(const struct ptc_target *t, unsigned level, uint64_t iova) {
  return (unsigned)((iova >> level_shift(level)) & (entries_at(t, level) - 1));
}

/* Permission and dirty state of a leaf (SPEC section 2):
 *   read-only DBM=0 AP2=1 | writable-clean DBM=1 AP2=1 | writable-dirty DBM=1 AP2=0 |
 *   writable untracked (hw_dirty off) DBM=0 AP2=0. */
static bool pte_writable(const struct ptc_target *t, ptc_pte_t d) {
  return !(d & PTE_AP2) || (t->hw_dirty && (d & PTE_DBM));
}

static bool pte_dirty(const struct ptc_target *t, ptc_pte_t d) {
  return t->hw_dirty && (d & PTE_DBM) && !(d & PTE_AP2);
}

static ptc_pte_t make_leaf_pte(const struct ptc_target *t, unsigned level, uint64_t pa, bool writable, bool dirty) {
  ptc_pte_t d = PTE_VALID | PTE_AF | (pa & PTE_ADDR_MASK);
  if (level == LAST_LEVEL) d |= PTE_PAGE; /* L1/L2 blocks keep bit 1 clear */
  if (!writable)
    d |= PTE_AP2;
  else if (t->hw_dirty)
    d |= dirty ? PTE_DBM : PTE_DBM | PTE_AP2;
  /* writable without hw_dirty: DBM = 0, AP2 = 0 */
  return d;
}

/* ---- ptc_hw services, spelled out ---------------------------------------------------------- */

static ptc_pte_t pte_read(struct ptc_target *t, ptc_pte_t *p) { return t->hw->read(t->hw->ctx, p); }
static void pte_write(struct ptc_target *t, ptc_pte_t *p, ptc_pte_t v) { t->hw->write(t->hw->ctx, p, v); }
static ptc_pte_t pte_cmpxchg(struct ptc_target *t, ptc_pte_t *p, ptc_pte_t old, ptc_pte_t v) {
  return t->hw->cmpxchg(t->hw->ctx, p, old, v);
}
static ptc_pte_t pte_xchg(struct ptc_target *t, ptc_pte_t *p, ptc_pte_t v) { return t->hw->xchg(t->hw->ctx, p, v); }
static ptc_pte_t pte_fetch_or(struct ptc_target *t, ptc_pte_t *p, ptc_pte_t bits) {
  return t->hw->fetch_or(t->hw->ctx, p, bits);
}

static void tlb_inv_range(struct ptc_target *t, uint64_t iova, uint64_t size, uint64_t granule, bool leaf_only) {
  t->hw->tlb_inv_range(t->hw->ctx, iova, size, granule, leaf_only ? 1 : 0);
}
static void tlb_sync(struct ptc_target *t) { t->hw->tlb_sync(t->hw->ctx); }

/* A zeroed 4 KiB table (below the root). NULL when out of memory, or when the harness hands out
 * an address a table descriptor cannot hold (bits 47:12 only). */
static ptc_pte_t *alloc_table(struct ptc_target *t) {
  void *p = t->hw->alloc_table(t->hw->ctx, TABLE_BYTES);
  if (p && ((uint64_t)(uintptr_t)p & ~PTE_ADDR_MASK)) {
    t->hw->free_table(t->hw->ctx, p);
    return NULL;
  }
  return p;
}

/* Frees `table` (at `level`) and every table below it. The caller guarantees the device can no
 * longer walk any of them: unreachable, and a non-leaf invalidation issued after the unlink has
 * been synced. The entries are read through the accessors like any other descriptor. */
static void free_subtree(struct ptc_target *t, ptc_pte_t *table, unsigned level) {
  if (level < LAST_LEVEL) {
    for (unsigned i = 0; i < entries_at(t, level); i++) {
      ptc_pte_t d = pte_read(t, &table[i]);
      if (pte_is_table(level, d)) free_subtree(t, pte_table_addr(d), level + 1);
    }
  }
  t->hw->free_table(t->hw->ctx, table);
}

/* ---- Ranges ------------------------------------------------------------------------------- */

/* [iova, iova+size) is 4K-aligned, non-empty and below 2^ias (no overflow). */
static bool iova_range_ok(const struct ptc_target *t, uint64_t iova, uint64_t size) {
  const uint64_t top = UINT64_C(1) << t->cfg.ias;
  if ((iova | size) & (SZ_4K - 1)) return false;
  return size != 0 && iova < top && size <= top - iova;
}

static bool output_range_ok(const struct ptc_target *t, uint64_t pa, uint64_t size) {
  const uint64_t top = UINT64_C(1) << t->cfg.oas;
  if (pa & (SZ_4K - 1)) return false;
  return pa < top && size <= top - pa;
}

/* ---- Walking ------------------------------------------------------------------------------- */

/* A leaf as found by a walk: where its descriptor is, the value read, its level and iova span. */
struct leaf {
  ptc_pte_t *ptep;
  ptc_pte_t desc;
  unsigned level;
  uint64_t iova;
  uint64_t size;
};

/* The leaf translating iova, if any. */
static bool find_leaf(struct ptc_target *t, uint64_t iova, struct leaf *out) {
  ptc_pte_t *table = t->root;
  for (unsigned level = t->start_level; level <= LAST_LEVEL; level++) {
    ptc_pte_t *ptep = &table[index_at(t, level, iova)];
    ptc_pte_t d = pte_read(t, ptep);
    if (!pte_valid(d)) return false;
    if (pte_is_table(level, d)) {
      table = pte_table_addr(d);
      continue;
    }
    out->ptep = ptep;
    out->desc = d;
    out->level = level;
    out->size = level_size(level);
    out->iova = iova & ~(out->size - 1);
    return true;
  }
  return false;
}

/* True when a leaf sticks out of [iova, iova+size). With 4K-aligned ranges only the leaves at the
 * two ends can. */
static bool range_cuts_leaf(struct ptc_target *t, uint64_t iova, uint64_t size) {
  struct leaf l;
  if (find_leaf(t, iova, &l) && l.iova < iova) return true;
  if (find_leaf(t, iova + size - 1, &l) && l.iova + l.size > iova + size) return true;
  return false;
}

/* Calls fn for every leaf intersecting [lo, hi), in ascending order; stops at the first nonzero
 * return and passes it on. fn may replace the leaf's descriptor (the walk does not revisit it). */
typedef int (*leaf_fn)(struct ptc_target *t, const struct leaf *l, void *arg);

static int walk_leaves_in(struct ptc_target *t, ptc_pte_t *table, unsigned level, uint64_t base, uint64_t lo,
                          uint64_t hi, leaf_fn fn, void *arg) {
  const uint64_t span = level_size(level);
  const unsigned first = lo > base ? (unsigned)((lo - base) >> level_shift(level)) : 0;
  for (unsigned i = first; i < entries_at(t, level); i++) {
    const uint64_t slot = base + (uint64_t)i * span;
    if (slot >= hi) break;
    ptc_pte_t d = pte_read(t, &table[i]);
    int rc = 0;
    if (pte_is_table(level, d)) {
      rc = walk_leaves_in(t, pte_table_addr(d), level + 1, slot, lo, hi, fn, arg);
    } else if (pte_is_leaf(level, d)) {
      const struct leaf l = {&table[i], d, level, slot, span};
      rc = fn(t, &l, arg);
    }
    if (rc) return rc;
  }
  return 0;
}

static int walk_leaves(struct ptc_target *t, uint64_t lo, uint64_t hi, leaf_fn fn, void *arg) {
  return walk_leaves_in(t, t->root, t->start_level, 0, lo, hi, fn, arg);
}

/* ---- map ---------------------------------------------------------------------------------- */

/* Linux's iommu_pgsize: the largest allowed leaf size to which iova and pa are both aligned and
 * that fits in what is left. */
static uint64_t pick_leaf_size(const struct ptc_target *t, uint64_t iova, uint64_t pa, uint64_t left) {
  static const uint64_t sizes[] = {SZ_1G, SZ_2M, SZ_4K};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    const uint64_t s = sizes[i];
    if ((t->cfg.pgsize_bitmap & s) && !(iova & (s - 1)) && !(pa & (s - 1)) && s <= left) return s;
  }
  return SZ_4K;
}

static unsigned level_of_size(uint64_t size) { return size == SZ_1G ? 1 : size == SZ_2M ? 2 : 3; }

static int found_a_leaf(struct ptc_target *t, const struct leaf *l, void *arg) {
  (void)t, (void)l, (void)arg;
  return 1;
}

/* Tables allocated up front, so that an operation that would run out of memory fails before it
 * changes anything. Tables left over were never reachable and are freed directly. */
struct table_pool {
  ptc_pte_t **tables;
  size_t n, used;
};

static int pool_fill(struct ptc_target *t, struct table_pool *pool, size_t n) {
  pool->tables = NULL;
  pool->n = pool->used = 0;
  if (n == 0) return 0;
  pool->tables = calloc(n, sizeof *pool->tables);
  if (!pool->tables) return -ENOMEM;
  for (; pool->n < n; pool->n++) {
    pool->tables[pool->n] = alloc_table(t);
    if (!pool->tables[pool->n]) {
      for (size_t i = 0; i < pool->n; i++) t->hw->free_table(t->hw->ctx, pool->tables[i]);
      free(pool->tables);
      pool->tables = NULL;
      pool->n = 0;
      return -ENOMEM;
    }
  }
  return 0;
}

static ptc_pte_t *pool_take(struct table_pool *pool) {
  return pool->used < pool->n ? pool->tables[pool->used++] : NULL;
}

static void pool_release(struct ptc_target *t, struct table_pool *pool) {
  for (size_t i = pool->used; i < pool->n; i++) t->hw->free_table(t->hw->ctx, pool->tables[i]);
  free(pool->tables);
}

/* Walks from the root to the level-`leaf_level` entry for iova and returns its address in *slot,
 * installing a table from the pool wherever one is missing on the way. Tables are installed by
 * cmpxchg from 0: a concurrent map of a neighbouring range may install the same table first, and
 * then we use theirs and put ours back (the device never saw it). */
static int walk_to_slot(struct ptc_target *t, uint64_t iova, unsigned leaf_level, struct table_pool *pool,
                        ptc_pte_t **slot) {
  ptc_pte_t *table = t->root;
  for (unsigned level = t->start_level; level < leaf_level; level++) {
    ptc_pte_t *ptep = &table[index_at(t, level, iova)];
    ptc_pte_t d = pte_read(t, ptep);
    if (!pte_valid(d)) {
      ptc_pte_t *fresh = pool_take(pool);
      if (!fresh) return -ENOMEM; /* cannot happen: map counted the tables it needs */
      const ptc_pte_t want = make_table_pte(fresh);
      d = pte_cmpxchg(t, ptep, 0, want);
      if (d == 0)
        d = want;
      else
        pool->tables[--pool->used] = fresh; /* lost the race: back into the pool */
    }
    if (!pte_is_table(level, d)) return -EEXIST; /* a block on the way: excluded by map's check */
    table = pte_table_addr(d);
  }
  *slot = &table[index_at(t, leaf_level, iova)];
  return 0;
}

/* How many tables a map of [iova, iova+size) -> paddr must add: each leaf's path is walked, and a
 * missing table is counted once (consecutive leaves share the tables above them, and leaves come
 * in ascending order, so remembering the last counted one per level is enough). */
static size_t count_map_tables(struct ptc_target *t, uint64_t iova, uint64_t paddr, uint64_t size) {
  uint64_t counted[LAST_LEVEL + 1]; /* per level: iova >> level_shift(level) of the entry counted last */
  bool have[LAST_LEVEL + 1] = {false};
  size_t need = 0;
  uint64_t leaf_size;
  for (uint64_t off = 0; off < size; off += leaf_size) {
    const uint64_t a = iova + off;
    leaf_size = pick_leaf_size(t, a, paddr + off, size - off);
    const unsigned leaf_level = level_of_size(leaf_size);
    ptc_pte_t *table = t->root;
    unsigned level = t->start_level;
    for (; level < leaf_level; level++) {
      const ptc_pte_t d = pte_read(t, &table[index_at(t, level, a)]);
      if (!pte_is_table(level, d)) break;
      table = pte_table_addr(d);
    }
    for (; level < leaf_level; level++) { /* the entry at `level` is empty: it needs a new table */
      const uint64_t key = a >> level_shift(level);
      if (!have[level] || counted[level] != key) {
        have[level] = true;
        counted[level] = key;
        need++;
      }
    }
  }
  return need;
}

/* Writes a leaf into an entry of our range. The entry is empty, or holds a table without leaves
 * (an earlier unmap of part of it, a lazy unmap, or a failed map left it): that table is unlinked,
 * its walk-cache entries invalidated and synced, and freed before the leaf goes in, so no device
 * can walk the old table once the leaf is there. */
static void install_leaf(struct ptc_target *t, ptc_pte_t *ptep, unsigned level, uint64_t iova, ptc_pte_t leaf) {
  const ptc_pte_t old = pte_read(t, ptep);
  if (pte_is_table(level, old)) {
    pte_write(t, ptep, 0);
    tlb_inv_range(t, iova, level_size(level), SZ_4K, false);
    tlb_sync(t);
    free_subtree(t, pte_table_addr(old), level + 1);
  }
  pte_write(t, ptep, leaf);
}

static int simple_map(struct ptc_target *t, uint64_t iova, uint64_t paddr, uint64_t size, unsigned prot) {
  if (!iova_range_ok(t, iova, size) || !output_range_ok(t, paddr, size)) return -EINVAL;
  if (!(prot & PTC_PROT_READ) || (prot & ~(unsigned)(PTC_PROT_READ | PTC_PROT_WRITE))) return -EINVAL;
  if (walk_leaves(t, iova, iova + size, found_a_leaf, NULL)) return -EEXIST;

  /* Every table the new leaves need is allocated before anything changes: -ENOMEM leaves no trace. */
  struct table_pool pool;
  int rc = pool_fill(t, &pool, count_map_tables(t, iova, paddr, size));
  if (rc) return rc;

  /* The leaves, low to high, greedy sizes. A new writable mapping starts writable-dirty (hw_dirty). */
  const bool writable = (prot & PTC_PROT_WRITE) != 0;
  uint64_t leaf_size;
  for (uint64_t off = 0; off < size && rc == 0; off += leaf_size) {
    leaf_size = pick_leaf_size(t, iova + off, paddr + off, size - off);
    const unsigned level = level_of_size(leaf_size);
    ptc_pte_t *slot;
    rc = walk_to_slot(t, iova + off, level, &pool, &slot);
    if (rc == 0) install_leaf(t, slot, level, iova + off, make_leaf_pte(t, level, paddr + off, writable, true));
  }
  pool_release(t, &pool);
  return rc;
}

/* ---- unmap, unmap_read_dirty, flush ------------------------------------------------------- */

/* A table unlinked by unmap, to be freed after the invalidation. */
struct detached {
  ptc_pte_t *table;
  unsigned level;
};

struct unmap_work {
  bool unlink_tables;             /* unlink tables wholly inside the range (not in a lazy unmap) */
  const struct ptc_dirty *dirty;  /* unmap_read_dirty: record removed writable-dirty leaves */
  uint64_t bytes;                 /* bytes of leaves removed */
  bool unlinked;                  /* some table was unlinked */
  struct detached *list;          /* tables to free after the final invalidation and sync */
  size_t n, cap;
};

/* Remembers an unlinked table (at `level`, covering the level-1 entry at iova) for freeing after
 * the final sync. If the list cannot grow, the table is invalidated, synced and freed right away
 * instead (correct, only slower). */
static void defer_free(struct ptc_target *t, struct unmap_work *w, ptc_pte_t *table, unsigned level, uint64_t iova) {
  if (w->n == w->cap) {
    const size_t cap = w->cap ? 2 * w->cap : 16;
    struct detached *grown = realloc(w->list, cap * sizeof *grown);
    if (!grown) {
      tlb_inv_range(t, iova, level_size(level - 1), SZ_4K, false);
      tlb_sync(t);
      free_subtree(t, table, level);
      return;
    }
    w->list = grown;
    w->cap = cap;
  }
  w->list[w->n].table = table;
  w->list[w->n].level = level;
  w->n++;
}

/* Removes every leaf in [lo, hi) below `table` (the range cuts no leaf: checked before). Each leaf
 * goes with an xchg to 0, so unmap_read_dirty sees the dirty state it had when it was removed.
 * With unlink_tables, a table whose whole span lies inside the range is unlinked afterwards;
 * `goes_whole` says the caller will unlink this very table, so its subtables stay attached to it
 * and free_subtree frees them together. */
static void unmap_in(struct ptc_target *t, ptc_pte_t *table, unsigned level, uint64_t base, uint64_t lo, uint64_t hi,
                     struct unmap_work *w, bool goes_whole) {
  const uint64_t span = level_size(level);
  const unsigned first = lo > base ? (unsigned)((lo - base) >> level_shift(level)) : 0;
  for (unsigned i = first; i < entries_at(t, level); i++) {
    const uint64_t slot = base + (uint64_t)i * span;
    if (slot >= hi) break;
    ptc_pte_t *ptep = &table[i];
    const ptc_pte_t d = pte_read(t, ptep);
    if (pte_is_table(level, d)) {
      const bool inside = slot >= lo && slot + span <= hi;
      const bool unlink = inside && w->unlink_tables;
      unmap_in(t, pte_table_addr(d), level + 1, slot, lo, hi, w, unlink);
      if (unlink && !goes_whole) {
        pte_xchg(t, ptep, 0);
        w->unlinked = true;
        defer_free(t, w, pte_table_addr(d), level + 1, slot);
      }
    } else if (pte_is_leaf(level, d)) {
      const ptc_pte_t old = pte_xchg(t, ptep, 0);
      w->bytes += span;
      if (w->dirty && pte_dirty(t, old)) w->dirty->record(w->dirty->ctx, slot, span);
    }
  }
}

/* unmap and unmap_read_dirty. `strict`: invalidate and sync before returning. */
static int64_t do_unmap(struct ptc_target *t, uint64_t iova, uint64_t size, const struct ptc_dirty *dirty,
                        bool strict) {
  if (!iova_range_ok(t, iova, size) || range_cuts_leaf(t, iova, size)) return -EINVAL;

  /* A lazy unmap leaves the (now empty) tables in place: the device's walk cache may hold them
   * until flush(), and a map into the same range before that must not be hidden behind a cached
   * stale table. They are reused by later maps, replaced by install_leaf, or freed by destroy. */
  struct unmap_work w = {0};
  w.unlink_tables = strict;
  w.dirty = dirty;
  unmap_in(t, t->root, t->start_level, 0, iova, iova + size, &w, false);

  if (strict && (w.bytes || w.unlinked)) {
    tlb_inv_range(t, iova, size, SZ_4K, !w.unlinked);
    tlb_sync(t);
  }
  for (size_t i = 0; i < w.n; i++) free_subtree(t, w.list[i].table, w.list[i].level);
  free(w.list);
  return (int64_t)w.bytes;
}

static int64_t simple_unmap(struct ptc_target *t, uint64_t iova, uint64_t size) {
  return do_unmap(t, iova, size, NULL, !t->lazy);
}

/* Always strict, lazy mode too (SPEC section 3): once it returns, no device write may land in the
 * removed range. Leaves are removed with xchg, and the value it returns is what we record: a write
 * through a cached writable-dirty entry before the sync needs no descriptor update, but that leaf
 * was already dirty and is recorded; a write through a cached writable-clean entry fails its
 * compare-and-swap on the zeroed descriptor, walks again and faults. */
static int64_t simple_unmap_read_dirty(struct ptc_target *t, uint64_t iova, uint64_t size,
                                       const struct ptc_dirty *dirty) {
  return do_unmap(t, iova, size, dirty, true);
}

/* Lazy mode: everything unmapped before this call is invalidated. Since lazy unmap frees no table,
 * there is nothing else to do. */
static int simple_flush(struct ptc_target *t) {
  if (t->lazy) {
    t->hw->tlb_inv_all(t->hw->ctx);
    tlb_sync(t);
  }
  return 0;
}

/* ---- split -------------------------------------------------------------------------------- */

/* Tables a block split needs: a 2M block one L3 table; a 1G block one L2 table and 512 L3 tables. */
static size_t split_tables_needed(unsigned level) { return level == 1 ? 1 + TABLE_ENTRIES : level == 2 ? 1 : 0; }

static int count_split_tables(struct ptc_target *t, const struct leaf *l, void *arg) {
  (void)t;
  *(size_t *)arg += split_tables_needed(l->level);
  return 0;
}

/* Fills the detached tables `tables` with the 4K pages that replace `block` (a level-1 or level-2
 * leaf descriptor, maybe with nT): same output addresses, permission and dirty state. tables[0]
 * takes the block's place; for a 1G block tables[1..512] are its L3 tables. Returns the table
 * descriptor for tables[0]. Nothing here is reachable yet, so it may be rebuilt freely. */
static ptc_pte_t build_split_tables(struct ptc_target *t, ptc_pte_t **tables, unsigned level, ptc_pte_t block) {
  const uint64_t pa = pte_output(level, block);
  const bool writable = pte_writable(t, block), dirty = pte_dirty(t, block);
  if (level == 2) {
    for (unsigned i = 0; i < TABLE_ENTRIES; i++)
      pte_write(t, &tables[0][i], make_leaf_pte(t, 3, pa + i * SZ_4K, writable, dirty));
  } else {
    for (unsigned j = 0; j < TABLE_ENTRIES; j++) {
      ptc_pte_t *l3 = tables[1 + j];
      for (unsigned i = 0; i < TABLE_ENTRIES; i++)
        pte_write(t, &l3[i], make_leaf_pte(t, 3, pa + j * SZ_2M + i * SZ_4K, writable, dirty));
      pte_write(t, &tables[0][j], make_table_pte(l3));
    }
  }
  return make_table_pte(tables[0]);
}

/* BBML1: the block may not be replaced by a table of another size while the IOTLB may hold it.
 * Mark it nT (never cached, never faults), invalidate and sync the old entry, then swap in the
 * table built from the nT block's current value. The device can still dirty the nT block (HTTU
 * by compare-and-swap): then our cmpxchg fails and we rebuild from the new value. */
static void split_block_bbml1(struct ptc_target *t, const struct leaf *l, ptc_pte_t **tables) {
  ptc_pte_t old = l->desc;
  for (;;) {
    const ptc_pte_t seen = pte_cmpxchg(t, l->ptep, old, old | PTE_NT);
    if (seen == old) break;
    old = seen; /* the device dirtied it meanwhile */
  }
  tlb_inv_range(t, l->iova, l->size, l->size, true);
  tlb_sync(t);

  ptc_pte_t cur = old | PTE_NT;
  for (;;) {
    const ptc_pte_t table = build_split_tables(t, tables, l->level, cur);
    const ptc_pte_t seen = pte_cmpxchg(t, l->ptep, cur, table);
    if (seen == cur) break;
    cur = seen; /* the device dirtied the nT block: rebuild the pages dirty */
  }
}

/* BBML2: the IOTLB may hold the old block and the new pages at once, so swap the table in
 * directly (retrying if the device dirtied the block after we read it), then invalidate the old
 * block. Until the sync a write through a cached writable-clean block fails its CAS on the table
 * descriptor, walks again and dirties the page it reaches. */
static void split_block_bbml2(struct ptc_target *t, const struct leaf *l, ptc_pte_t **tables) {
  ptc_pte_t cur = l->desc;
  for (;;) {
    const ptc_pte_t table = build_split_tables(t, tables, l->level, cur);
    const ptc_pte_t seen = pte_cmpxchg(t, l->ptep, cur, table);
    if (seen == cur) break;
    cur = seen;
  }
  tlb_inv_range(t, l->iova, l->size, l->size, true);
  tlb_sync(t);
}

/* Splits one block with tables from the pool (map and split count exactly what they take). */
static int split_one_block(struct ptc_target *t, const struct leaf *l, void *arg) {
  struct table_pool *pool = arg;
  const size_t need = split_tables_needed(l->level);
  if (need == 0) return 0; /* already a 4K page */
  if (pool->n - pool->used < need) return -ENOMEM; /* cannot happen: counted before */
  ptc_pte_t **tables = &pool->tables[pool->used];
  pool->used += need;
  if (t->cfg.bbml == 1)
    split_block_bbml1(t, l, tables);
  else
    split_block_bbml2(t, l, tables);
  return 0;
}

static int simple_split(struct ptc_target *t, uint64_t iova, uint64_t size) {
  if (t->cfg.bbml == 0) return -EOPNOTSUPP;
  if (!iova_range_ok(t, iova, size) || range_cuts_leaf(t, iova, size)) return -EINVAL;

  /* Allocate every table all the blocks need before changing anything (-ENOMEM changes nothing). */
  size_t need = 0;
  walk_leaves(t, iova, iova + size, count_split_tables, &need);
  struct table_pool pool;
  int rc = pool_fill(t, &pool, need);
  if (rc) return rc;
  rc = walk_leaves(t, iova, iova + size, split_one_block, &pool);
  pool_release(t, &pool);
  return rc;
}

/* ---- merge -------------------------------------------------------------------------------- */

/* What merging a table's region needs to know about the leaves below it. */
struct merge_scan {
  uint64_t region;  /* iova of the region */
  uint64_t pa;      /* output address of the region (from its first leaf) */
  bool writable;
  bool dirty;       /* any leaf writable-dirty */
  bool seen_first;
  bool ok;          /* every page mapped, contiguous output, one permission */
};

static void merge_scan_table(struct ptc_target *t, ptc_pte_t *table, unsigned level, uint64_t base,
                             struct merge_scan *s) {
  const uint64_t span = level_size(level);
  for (unsigned i = 0; i < TABLE_ENTRIES && s->ok; i++) {
    const uint64_t slot = base + (uint64_t)i * span;
    const ptc_pte_t d = pte_read(t, &table[i]);
    if (pte_is_table(level, d)) {
      merge_scan_table(t, pte_table_addr(d), level + 1, slot, s);
      continue;
    }
    if (!pte_is_leaf(level, d)) {
      s->ok = false; /* a hole */
      return;
    }
    const uint64_t pa = pte_output(level, d);
    if (!s->seen_first) { /* entries are visited in order: the first leaf starts the region */
      s->seen_first = true;
      s->pa = pa;
      s->writable = pte_writable(t, d);
    } else if (pa != s->pa + (slot - s->region) || pte_writable(t, d) != s->writable) {
      s->ok = false;
      return;
    }
    s->dirty = s->dirty || pte_dirty(t, d);
  }
}

/* True when some leaf below `table` is writable-dirty. */
static bool any_leaf_dirty(struct ptc_target *t, ptc_pte_t *table, unsigned level) {
  for (unsigned i = 0; i < TABLE_ENTRIES; i++) {
    const ptc_pte_t d = pte_read(t, &table[i]);
    if (pte_is_table(level, d) ? any_leaf_dirty(t, pte_table_addr(d), level + 1) : pte_dirty(t, d)) return true;
  }
  return false;
}

/* Replaces the table descriptor `old` at ptep (a level-`level` entry for the region at iova) by
 * one block when the leaves below allow it. Never leaves the region invalid:
 *  BBML2: table -> block; invalidate (non-leaf: the old tables) and sync.
 *  BBML1: table -> block|nT (never cached, so no TLB conflict with the cached pages); invalidate
 *         and sync; then clear nT.
 * Until the sync the device may still write through cached page entries and dirty the old (still
 * allocated) leaves, so after the sync we read them again and make the block dirty if needed. */
static void merge_region(struct ptc_target *t, ptc_pte_t *ptep, ptc_pte_t old, unsigned level, uint64_t iova) {
  const uint64_t size = level_size(level);
  ptc_pte_t *child = pte_table_addr(old);
  struct merge_scan s = {iova, 0, false, false, false, true};
  merge_scan_table(t, child, level + 1, iova, &s);
  if (!s.ok || (s.pa & (size - 1))) return;

  ptc_pte_t block = make_leaf_pte(t, level, s.pa, s.writable, s.dirty);
  if (t->cfg.bbml == 1) block |= PTE_NT;
  if (pte_cmpxchg(t, ptep, old, block) != old) return; /* cannot happen: nobody else changes this entry */
  tlb_inv_range(t, iova, size, SZ_4K, false);
  tlb_sync(t);

  /* The old leaves are final now. */
  const bool make_dirty = s.writable && t->hw_dirty && !s.dirty && any_leaf_dirty(t, child, level + 1);
  if (t->cfg.bbml == 1 || make_dirty) {
    ptc_pte_t cur = pte_read(t, ptep);
    for (;;) {
      ptc_pte_t want = cur & ~PTE_NT;
      if (make_dirty) want &= ~PTE_AP2;
      if (want == cur) break;
      const ptc_pte_t seen = pte_cmpxchg(t, ptep, cur, want);
      if (seen == cur) break;
      cur = seen; /* the device dirtied the block meanwhile */
    }
  }
  free_subtree(t, child, level + 1);
}

/* Visits the level-`target` table descriptors whose region lies wholly inside [lo, hi). */
static void merge_in(struct ptc_target *t, ptc_pte_t *table, unsigned level, uint64_t base, uint64_t lo, uint64_t hi,
                     unsigned target) {
  const uint64_t span = level_size(level);
  const unsigned first = lo > base ? (unsigned)((lo - base) >> level_shift(level)) : 0;
  for (unsigned i = first; i < entries_at(t, level); i++) {
    const uint64_t slot = base + (uint64_t)i * span;
    if (slot >= hi) break;
    const ptc_pte_t d = pte_read(t, &table[i]);
    if (!pte_is_table(level, d)) continue; /* a hole, or already one leaf */
    if (level < target)
      merge_in(t, pte_table_addr(d), level + 1, slot, lo, hi, target);
    else if (slot >= lo && slot + span <= hi)
      merge_region(t, &table[i], d, level, slot);
  }
}

static int simple_merge(struct ptc_target *t, uint64_t iova, uint64_t size) {
  if (t->cfg.bbml == 0) return -EOPNOTSUPP;
  if (!iova_range_ok(t, iova, size)) return -EINVAL;
  /* 1G regions first, then 2M regions of what is left (SPEC section 3). */
  if (t->cfg.pgsize_bitmap & SZ_1G) merge_in(t, t->root, t->start_level, 0, iova, iova + size, 1);
  if (t->cfg.pgsize_bitmap & SZ_2M) merge_in(t, t->root, t->start_level, 0, iova, iova + size, 2);
  return 0;
}

/* ---- read_and_clear_dirty ----------------------------------------------------------------- */

struct dirty_scan {
  uint64_t lo, hi;
  bool clear;
  const struct ptc_dirty *dirty;
  bool cleaned;
};

/* Records the part of a writable-dirty leaf inside the range; cleans it (sets AP[2]: writable-clean)
 * only when it lies wholly inside, so the pages of a leaf sticking out are not lost. If the device
 * dirties the leaf after our read, we neither record nor clean it: it stays dirty for next time. */
static int scan_dirty_leaf(struct ptc_target *t, const struct leaf *l, void *arg) {
  struct dirty_scan *s = arg;
  if (!pte_dirty(t, l->desc)) return 0;
  const uint64_t lo = l->iova > s->lo ? l->iova : s->lo;
  const uint64_t hi = l->iova + l->size < s->hi ? l->iova + l->size : s->hi;
  s->dirty->record(s->dirty->ctx, lo, hi - lo);
  if (s->clear && l->iova >= s->lo && l->iova + l->size <= s->hi) {
    pte_fetch_or(t, l->ptep, PTE_AP2);
    s->cleaned = true;
  }
  return 0;
}

static int simple_read_and_clear_dirty(struct ptc_target *t, uint64_t iova, uint64_t size, unsigned flags,
                                       const struct ptc_dirty *dirty) {
  if (!t->hw_dirty) return -EOPNOTSUPP;
  if (!iova_range_ok(t, iova, size)) return -EINVAL;
  struct dirty_scan s = {iova, iova + size, !(flags & PTC_DIRTY_NO_CLEAR), dirty, false};
  walk_leaves(t, iova, iova + size, scan_dirty_leaf, &s);
  /* A cached writable-dirty entry lets the device write without touching the descriptor: drop
   * those entries (lazy mode too), so the next write marks the cleaned leaf dirty again. */
  if (s.cleaned) {
    tlb_inv_range(t, iova, size, SZ_4K, true);
    tlb_sync(t);
  }
  return 0;
}

/* ---- iova_to_phys, create, destroy, root -------------------------------------------------- */

static uint64_t simple_iova_to_phys(struct ptc_target *t, uint64_t iova) {
  struct leaf l;
  if (iova >> t->cfg.ias) return 0;
  if (!find_leaf(t, iova, &l)) return 0;
  return pte_output(l.level, l.desc) + (iova - l.iova);
}

static bool cfg_ok(const struct ptc_cfg *cfg) {
  const uint64_t sizes = SZ_4K | SZ_2M | SZ_1G;
  const bool ias_ok = cfg->ias == 32 || cfg->ias == 36 || cfg->ias == 39 || cfg->ias == 42 || cfg->ias == 48;
  return ias_ok && cfg->oas >= 32 && cfg->oas <= 48 && (cfg->pgsize_bitmap & SZ_4K) &&
         !(cfg->pgsize_bitmap & ~sizes) && cfg->bbml <= 2 &&
         !(cfg->flags & ~(unsigned)(PTC_CFG_HW_DIRTY | PTC_CFG_LAZY));
}

static struct ptc_target *simple_create(const struct ptc_cfg *cfg, const struct ptc_hw *hw) {
  if (!cfg || !hw || !cfg_ok(cfg)) return NULL;
  struct ptc_target *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->cfg = *cfg;
  t->hw = hw;
  t->start_level = cfg->ias > 39 ? 0 : 1;
  t->root_entries = 1u << (cfg->ias - level_shift(t->start_level)); /* 48: 512 at L0 ... 32: 4 at L1 */
  t->hw_dirty = (cfg->flags & PTC_CFG_HW_DIRTY) != 0;
  t->lazy = (cfg->flags & PTC_CFG_LAZY) != 0;
  t->root = hw->alloc_table(hw->ctx, t->root_entries * sizeof(ptc_pte_t));
  if (!t->root) {
    free(t);
    return NULL;
  }
  return t;
}

/* The device is detached by now: every table goes, each exactly once (lazy unmap queues none). */
static void simple_destroy(struct ptc_target *t) {
  if (!t) return;
  free_subtree(t, t->root, t->start_level);
  free(t);
}

static ptc_pte_t *simple_root(struct ptc_target *t) { return t->root; }

static const struct ptc_target_ops simple_ops = {
    .abi = PTC_TARGET_ABI,
    .name = "simple-c",
    .create = simple_create,
    .destroy = simple_destroy,
    .root = simple_root,
    .map = simple_map,
    .unmap = simple_unmap,
    .flush = simple_flush,
    .split = simple_split,
    .merge = simple_merge,
    .read_and_clear_dirty = simple_read_and_clear_dirty,
    .unmap_read_dirty = simple_unmap_read_dirty,
    .iova_to_phys = simple_iova_to_phys,
};

const struct ptc_target_ops *ptc_target(void) { return &simple_ops; }
