#include "fuzz/feedback_target.h"

#include <cstddef>
#include <cstdint>

namespace ptc {
namespace {

// Which table entry point control is in (the feature's first part).
enum Entry : unsigned { kOther, kMap, kUnmap, kFlush, kSplit, kMerge, kDirty, kUnmapDirty, kIovaToPhys, kEntries };
// Which accessor the table called.
enum Access : unsigned { kRead, kWrite, kCmpxchg, kXchg, kFetchOr, kAccesses };
// Which descriptor fields changed behind the table's back (Arm VMSAv8-64 stage 1), as bits.
constexpr unsigned kFieldClasses = 128;
unsigned changed_fields(ptc_pte_t diff) {
  unsigned c = 0;
  if (diff & 1) c |= 1;                          // valid
  if (diff & 2) c |= 2;                          // table / page vs block
  if (diff & (1ull << 10)) c |= 4;               // AF: the SMMU's access flag
  if (diff & (1ull << 7)) c |= 8;                // AP[2]: HTTU's dirty state (DBM leaves)
  if (diff & (1ull << 51)) c |= 16;              // DBM
  if (diff & 0x0000fffffffff000ull) c |= 32;     // output address
  if (diff & ~(0x0000fffffffff000ull | (1ull << 51) | (1ull << 10) | (1ull << 7) | 3)) c |= 64;  // the rest
  return c;
}

// libFuzzer's extra counters (its -use_counters feature): one per (entry, nested, access, fields).
constexpr size_t kCounters = size_t(kEntries) * 2 * kAccesses * kFieldClasses;
__attribute__((section("__libfuzzer_extra_counters"), used)) uint8_t g_counters[kCounters];

// The last value the table saw in each descriptor slot it touched: open addressing over a fixed array,
// valid for the current generation only (a new table instance starts a new one: nothing to clear).
constexpr size_t kSlots = 4096, kProbes = 8;
struct Slot {
  uintptr_t addr = 0;
  uint32_t gen = 0;
  ptc_pte_t seen = 0;
};
Slot g_slots[kSlots];
uint32_t g_gen = 0;
// Live tables (alloc_table / free_table): a freed table's slots are forgotten, so the wrapper never
// reads memory the harness took back.
constexpr size_t kTables = 1024;
struct Table {
  uintptr_t base = 0;
  uint32_t gen = 0;
  size_t bytes = 0;
};
Table g_tables[kTables];

size_t slot_hash(uintptr_t a) { return size_t((a >> 3) * 0x9E3779B97F4A7C15ull >> 40); }

Slot* find_slot(uintptr_t a) {
  for (size_t i = 0, h = slot_hash(a); i < kProbes; ++i) {
    Slot& s = g_slots[(h + i) % kSlots];
    if (s.gen == g_gen && s.addr == a) return &s;
  }
  return nullptr;
}
void remember(uintptr_t a, ptc_pte_t v) {
  for (size_t i = 0, h = slot_hash(a); i < kProbes; ++i) {
    Slot& s = g_slots[(h + i) % kSlots];
    if (s.gen != g_gen || s.addr == a) {
      s = {a, g_gen, v};
      return;
    }
  }  // full around here: this slot goes unwatched
}

// The wrapped instance: the real one and the harness's services.
struct Wrapped {
  struct ptc_target* real = nullptr;
  ptc_hw hw{};       // the harness's
  ptc_hw mine{};     // what the real table got: hw, watched
};
const ptc_target_ops* g_real = nullptr;
ptc_target_ops g_ops{};
unsigned g_entry = kOther;
unsigned g_depth = 0;  // > 0: an op injected inside another op's descriptor access

// Before the table's access of `p`: if the slot's memory is not what the table last saw there, a race
// landed in between; count it.
void before(ptc_pte_t* p, Access a) {
  const Slot* s = find_slot(uintptr_t(p));
  if (!s) return;
  const ptc_pte_t now = __atomic_load_n(p, __ATOMIC_RELAXED);
  if (now == s->seen) return;
  const size_t i = ((size_t(g_entry) * 2 + (g_depth > 1 ? 1 : 0)) * kAccesses + a) * kFieldClasses +
                   changed_fields(now ^ s->seen);
  if (g_counters[i] != 255) ++g_counters[i];
}

Wrapped* of(void* ctx) { return static_cast<Wrapped*>(ctx); }

void* hw_alloc(void* ctx, size_t bytes) {
  void* t = of(ctx)->hw.alloc_table(of(ctx)->hw.ctx, bytes);
  if (t) {
    for (Table& e : g_tables) {
      if (e.gen != g_gen || e.base == 0) {
        e = {uintptr_t(t), g_gen, bytes};
        break;
      }
    }
  }
  return t;
}
void hw_free(void* ctx, void* table) {
  const uintptr_t b = uintptr_t(table);
  bool known = false;
  for (Table& e : g_tables) {
    if (e.gen == g_gen && e.base == b) {
      // The table's own descriptors only (a scan of every watched slot for each freed table was 4 % of a
      // fuzzing run).
      for (uintptr_t a = b; a < b + e.bytes; a += sizeof(ptc_pte_t))
        if (Slot* s = find_slot(a)) s->gen = 0;
      e.base = 0;
      known = true;
      break;
    }
  }
  if (!known) {  // allocated before this generation, or not by alloc_table: forget every slot
    for (Slot& s : g_slots) s.gen = 0;
  }
  of(ctx)->hw.free_table(of(ctx)->hw.ctx, table);
}
ptc_pte_t hw_read(void* ctx, ptc_pte_t* p) {
  before(p, kRead);
  const ptc_pte_t v = of(ctx)->hw.read(of(ctx)->hw.ctx, p);
  remember(uintptr_t(p), v);
  return v;
}
void hw_write(void* ctx, ptc_pte_t* p, ptc_pte_t v) {
  before(p, kWrite);
  of(ctx)->hw.write(of(ctx)->hw.ctx, p, v);
  remember(uintptr_t(p), v);
}
ptc_pte_t hw_cmpxchg(void* ctx, ptc_pte_t* p, ptc_pte_t old, ptc_pte_t v) {
  before(p, kCmpxchg);
  const ptc_pte_t prev = of(ctx)->hw.cmpxchg(of(ctx)->hw.ctx, p, old, v);
  remember(uintptr_t(p), prev == old ? v : prev);
  return prev;
}
ptc_pte_t hw_xchg(void* ctx, ptc_pte_t* p, ptc_pte_t v) {
  before(p, kXchg);
  const ptc_pte_t prev = of(ctx)->hw.xchg(of(ctx)->hw.ctx, p, v);
  remember(uintptr_t(p), v);
  return prev;
}
ptc_pte_t hw_fetch_or(void* ctx, ptc_pte_t* p, ptc_pte_t bits) {
  before(p, kFetchOr);
  const ptc_pte_t prev = of(ctx)->hw.fetch_or(of(ctx)->hw.ctx, p, bits);
  remember(uintptr_t(p), prev | bits);
  return prev;
}
void hw_inv_range(void* ctx, uint64_t iova, uint64_t size, uint64_t granule, int leaf_only) {
  of(ctx)->hw.tlb_inv_range(of(ctx)->hw.ctx, iova, size, granule, leaf_only);
}
void hw_inv_all(void* ctx) { of(ctx)->hw.tlb_inv_all(of(ctx)->hw.ctx); }
void hw_sync(void* ctx) { of(ctx)->hw.tlb_sync(of(ctx)->hw.ctx); }

// Marks the entry point control is in for the features counted meanwhile, nested calls included.
struct InEntry {
  unsigned saved;
  explicit InEntry(unsigned e) : saved(g_entry) {
    g_entry = e;
    ++g_depth;
  }
  ~InEntry() {
    g_entry = saved;
    --g_depth;
  }
};

struct ptc_target* real(struct ptc_target* t) { return reinterpret_cast<Wrapped*>(t)->real; }

struct ptc_target* w_create(const ptc_cfg* cfg, const ptc_hw* hw) {
  auto* w = new Wrapped;
  w->hw = *hw;
  w->mine = {.ctx = w, .alloc_table = hw_alloc, .free_table = hw_free, .read = hw_read, .write = hw_write,
             .cmpxchg = hw_cmpxchg, .xchg = hw_xchg, .fetch_or = hw_fetch_or, .tlb_inv_range = hw_inv_range,
             .tlb_inv_all = hw_inv_all, .tlb_sync = hw_sync};
  ++g_gen;  // a new table: what was seen of the last one no longer counts
  if (g_gen == 0) ++g_gen;
  w->real = g_real->create(cfg, &w->mine);
  if (!w->real) {
    delete w;
    return nullptr;
  }
  return reinterpret_cast<struct ptc_target*>(w);
}
void w_destroy(struct ptc_target* t) {
  g_real->destroy(real(t));
  delete reinterpret_cast<Wrapped*>(t);
}
ptc_pte_t* w_root(struct ptc_target* t) { return g_real->root(real(t)); }
int w_map(struct ptc_target* t, uint64_t iova, uint64_t paddr, uint64_t size, unsigned prot) {
  InEntry e(kMap);
  return g_real->map(real(t), iova, paddr, size, prot);
}
int64_t w_unmap(struct ptc_target* t, uint64_t iova, uint64_t size) {
  InEntry e(kUnmap);
  return g_real->unmap(real(t), iova, size);
}
int w_flush(struct ptc_target* t) {
  InEntry e(kFlush);
  return g_real->flush(real(t));
}
int w_split(struct ptc_target* t, uint64_t iova, uint64_t size) {
  InEntry e(kSplit);
  return g_real->split(real(t), iova, size);
}
int w_merge(struct ptc_target* t, uint64_t iova, uint64_t size) {
  InEntry e(kMerge);
  return g_real->merge(real(t), iova, size);
}
int w_dirty(struct ptc_target* t, uint64_t iova, uint64_t size, unsigned flags, const ptc_dirty* d) {
  InEntry e(kDirty);
  return g_real->read_and_clear_dirty(real(t), iova, size, flags, d);
}
int64_t w_unmap_dirty(struct ptc_target* t, uint64_t iova, uint64_t size, const ptc_dirty* d) {
  InEntry e(kUnmapDirty);
  return g_real->unmap_read_dirty(real(t), iova, size, d);
}
uint64_t w_iova_to_phys(struct ptc_target* t, uint64_t iova) {
  InEntry e(kIovaToPhys);
  return g_real->iova_to_phys(real(t), iova);
}

}  // namespace

const ptc_target_ops* with_race_feedback(const ptc_target_ops* target) {
  {
    g_real = target;
    g_ops = *target;
    // The entry points the target offers; NULL stays NULL (not offered, SPEC 6).
    g_ops.create = target->create ? w_create : nullptr;
    g_ops.destroy = target->destroy ? w_destroy : nullptr;
    g_ops.root = target->root ? w_root : nullptr;
    g_ops.map = target->map ? w_map : nullptr;
    g_ops.unmap = target->unmap ? w_unmap : nullptr;
    g_ops.flush = target->flush ? w_flush : nullptr;
    g_ops.split = target->split ? w_split : nullptr;
    g_ops.merge = target->merge ? w_merge : nullptr;
    g_ops.read_and_clear_dirty = target->read_and_clear_dirty ? w_dirty : nullptr;
    g_ops.unmap_read_dirty = target->unmap_read_dirty ? w_unmap_dirty : nullptr;
    g_ops.iova_to_phys = target->iova_to_phys ? w_iova_to_phys : nullptr;
  }
  return &g_ops;
}

}  // namespace ptc
