#include "core/smmu/smmu.h"
#include "core/smmu/table_pages.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/descriptor_bits.h"
#include "core/fmt.h"

namespace ptc {

namespace {

using ull = unsigned long long;

bool overlaps(uint64_t a, uint64_t asize, uint64_t b, uint64_t bsize) { return a < b + bsize && b < a + asize; }

std::string leaf_text(const HwLeaf& l, bool hw_dirty) {
  const char* perm = !l.writable ? "read-only" : !hw_dirty ? "writable" : l.dirty ? "writable-dirty" : "writable-clean";
  return fmt("[0x%llx+0x%llx) -> 0x%llx %s%s%s", ull(l.iova), ull(l.size), ull(l.pa), perm, l.nt ? " nT" : "",
             l.af ? "" : " AF=0");
}

// Shadows of freed tables, kept for the next tables (one allocation less per table).
std::vector<std::vector<ptc_pte_t>>& spare_shadows() {
  static thread_local std::vector<std::vector<ptc_pte_t>> spare;
  return spare;
}
std::vector<ptc_pte_t> take_shadow(size_t entries) {
  std::vector<ptc_pte_t> v;
  if (!spare_shadows().empty()) {
    v = std::move(spare_shadows().back());
    spare_shadows().pop_back();
  }
  v.assign(entries, 0);
  return v;
}
void give_shadow(std::vector<ptc_pte_t> v) {
  if (spare_shadows().size() < 64) spare_shadows().push_back(std::move(v));
}

}  // namespace

Smmu::Smmu(const Config& cfg) : cfg_(cfg) {
  start_level_ = cfg.ias > 39 ? 0 : 1;
  hw_ = ptc_hw{this,     &hw_alloc,   &hw_free,     &hw_read,  &hw_write, &hw_cmpxchg,
               &hw_xchg, &hw_fetch_or, &hw_inv_range, &hw_inv_all, &hw_sync};
}

Smmu::~Smmu() {
  for (auto& [addr, t] : tables_) table_pages::give(reinterpret_cast<void*>(addr), t.bytes);
}

unsigned Smmu::entries_at(int level) const {
  if (level == start_level_) return 1u << (cfg_.ias - level_shift(level));
  return 512;
}

void Smmu::add_event(EventKind kind, std::string text) {
  if (timeline_) {
    TimelineEvent te;
    te.kind = kind;
    te.text = text;
    record(std::move(te));
  }
  log_.note(seq_, kind, std::move(text));
}

void Smmu::record(TimelineEvent e) {
  e.t = seq_;
  e.line = statement_line_;
  timeline_->push_back(std::move(e));
  refresh_snapshot();
}

void Smmu::refresh_snapshot() {
  if (!timeline_ || timeline_->empty()) return;
  TimelineEvent& e = timeline_->back();
  e.iotlb.clear();
  e.walk_cache.clear();
  for (const TlbEntry& x : tlb_)
    e.iotlb.push_back(TimelineTlbEntry{x.iova, x.size, x.pa, x.writable, x.dirty, x.desc, x.filled_at});
  for (const WalkEntry& w : walk_cache_)
    e.walk_cache.push_back(TimelineWalkCacheEntry{w.level, w.iova_base, w.span, uint64_t(w.table), w.filled_at});
}

void Smmu::record_httu(ptc_pte_t* p, ptc_pte_t old_desc, ptc_pte_t new_desc) {
  if (!timeline_) return;
  uintptr_t base = 0;
  const Table* t = table_of(p, &base);
  TimelineEvent e;
  e.kind = EventKind::kHttu;
  e.table = base;
  e.index = unsigned((uintptr_t(p) - base) / sizeof(ptc_pte_t));
  e.level = t && t->reachable ? t->level : -1;
  e.slot_iova = t && t->level >= 0 ? t->iova_base + (uint64_t(e.index) << level_shift(t->level)) : 0;
  e.old_value = old_desc;
  e.new_value = new_desc;
  e.text = fmt("HTTU CAS %s: 0x%llx -> 0x%llx (clean -> dirty)",
               t ? where(base, *t, e.index).c_str() : "?", ull(old_desc), ull(new_desc));
  record(std::move(e));
}

void Smmu::record_walk(uint64_t iova, const Walk& w) {
  if (!timeline_) return;
  TimelineEvent e;
  e.kind = EventKind::kWalk;
  e.iova = iova;
  std::string path;
  for (const WalkStep& s : w.steps) {
    const ptc_pte_t d = live_table(s.table) ? __atomic_load_n(reinterpret_cast<ptc_pte_t*>(s.table) + s.index,
                                                              __ATOMIC_ACQUIRE)
                                            : 0;
    e.walk.push_back(TimelineWalkStep{s.level, s.index, uint64_t(s.table), d});
    path += fmt(" L%d[%u]=0x%llx", s.level, s.index, ull(d));
  }
  e.text = fmt("walk 0x%llx%s%s -> %s", ull(iova), w.age != ~0ull ? " (from walk cache)" : "", path.c_str(),
               w.fault ? w.why.c_str() : leaf_text(w.leaf, cfg_.hw_dirty).c_str());
  record(std::move(e));
}

void Smmu::record_access(EventKind kind, uintptr_t base, const Table& t, unsigned index, EventLog::Access a) {
  const AccessSite site = last_access();
  a.table = base;
  a.level = site.level;
  a.index = index;
  a.slot_iova = site.slot_iova;
  if (timeline_) {
    TimelineEvent te;
    te.kind = kind;
    te.level = a.level;
    te.index = index;
    te.slot_iova = a.slot_iova;
    te.table = base;
    te.old_value = a.before;
    te.new_value = a.after;
    te.ok = a.ok;
    te.text = EventLog::access_text(kind, a);
    record(std::move(te));
  }
  log_.access(seq_, kind, a);
}

void Smmu::raise(Oracle o, const std::string& message) {
  note(EventKind::kViolation, [&] { return std::string(oracle_name(o)) + ": " + message; });
  if (!violation_) violation_ = Violation{o, message};
}

// Inline: every descriptor store decodes the old and the new descriptor (on_store).
inline std::optional<HwLeaf> Smmu::decode_leaf(int level, uint64_t iova, ptc_pte_t d) const {
  if (!(d & pte::kValid)) return std::nullopt;
  if (level < 3 && (d & pte::kTable)) return std::nullopt;  // a table descriptor
  if (level == 0) return std::nullopt;                        // no L0 blocks with a 4K granule
  if (level == 3 && !(d & pte::kPage)) return std::nullopt;   // reserved encoding at L3
  HwLeaf l;
  l.level = level;
  l.size = 1ull << level_shift(level);
  l.iova = iova & ~(l.size - 1);
  l.pa = d & pte::kAddrMask & ~(l.size - 1);
  const bool ap2 = d & pte::kAp2;
  l.writable = !ap2 || (cfg_.hw_dirty && (d & pte::kDbm));
  l.dirty = l.writable && !ap2;
  l.nt = level < 3 && (d & pte::kNt);
  l.af = d & pte::kAf;
  l.desc = d;
  return l;
}

// ---- tables -------------------------------------------------------------------------------------

Smmu::Table* Smmu::live_table(uintptr_t addr) {
  auto it = tables_.find(addr);
  return it == tables_.end() ? nullptr : &it->second;
}

Smmu::Table* Smmu::table_of(const ptc_pte_t* p, uintptr_t* base) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  // Walks and scans touch one table many times in a row: remember the last one found.
  if (a - last_table_base_ < last_table_bytes_) {
    *base = last_table_base_;
    return last_table_;
  }
  auto it = tables_.upper_bound(a);
  if (it == tables_.begin()) return nullptr;
  --it;
  if (a - it->first >= it->second.bytes) return nullptr;
  cache_table(it->first, &it->second);
  *base = it->first;
  return &it->second;
}

std::string Smmu::where(uintptr_t base, const Table& t, unsigned index) const {
  if (t.reachable && t.level >= 0) return slot_text({t.level, index, t.iova_base + (uint64_t(index) << level_shift(t.level))});
  return fmt("unlinked table 0x%llx[%u]", ull(base), index);
}

std::string Smmu::slot_text(const Slot& at) { return fmt("L%d[%u] (iova 0x%llx)", at.level, at.index, ull(at.iova)); }

void* Smmu::alloc_table(size_t bytes) {
  ++seq_;
  if (op_active_) {
    ++op_allocs_;
    if (fail_at_ && op_allocs_ == fail_at_) {
      alloc_failed_ = true;
      fail_at_ = 0;
      note(EventKind::kAlloc, [&] { return fmt("alloc_table(%zu) -> NULL (fail alloc %llu)", bytes, ull(op_allocs_)); });
      return nullptr;
    }
  }
  void* p = table_pages::take(bytes);
  if (!p) return nullptr;
  Table& t = tables_[reinterpret_cast<uintptr_t>(p)];
  t.bytes = bytes;
  t.shadow = take_shadow((bytes + sizeof(ptc_pte_t) - 1) / sizeof(ptc_pte_t));
  note(EventKind::kAlloc, [&] { return fmt("alloc_table(%zu) -> 0x%llx", bytes, ull(reinterpret_cast<uintptr_t>(p))); });
  return p;
}

void Smmu::free_table(void* table) {
  ++seq_;
  const uintptr_t a = reinterpret_cast<uintptr_t>(table);
  Table* t = live_table(a);
  if (!t) {
    raise(Oracle::TableUseAfterFree,
          fmt("free_table(0x%llx) at t%llu: not a live table (freed twice, or never allocated)", ull(a), ull(seq_)));
    return;
  }
  const auto span = [t] { return t->level >= 0 ? fmt("L%d table for iova 0x%llx", t->level, ull(t->iova_base)) : "table"; };
  if (attached_) {
    if (t->reachable) {
      raise(Oracle::TableUseAfterFree,
            fmt("%s 0x%llx freed at t%llu while still reachable from the root", span().c_str(), ull(a), ull(seq_)));
    } else if (t->exposed) {
      raise(Oracle::TableUseAfterFree,
            fmt("%s 0x%llx freed at t%llu before its walk-cache entries were invalidated and synced (unlinked at "
                "t%llu; no non-leaf invalidation covering it issued after that has been synced)",
                span().c_str(), ull(a), ull(seq_), ull(t->unlinked_at)));
    }
    for (const WalkEntry& w : walk_cache_)
      if (w.table == a)
        raise(Oracle::TableUseAfterFree, fmt("%s 0x%llx freed at t%llu while the walk cache holds it (filled at t%llu)",
                                             span().c_str(), ull(a), ull(seq_), ull(w.filled_at)));
  }
  note(EventKind::kFree, [&] { return fmt("free_table(0x%llx)", ull(a)); });
  // Keep the harness itself memory-safe: forget cached entries that point into the table.
  const size_t t_bytes = t->bytes;
  const uintptr_t end = a + t_bytes;
  std::erase_if(walk_cache_, [&](const WalkEntry& w) { return w.table == a; });
  std::erase_if(tlb_, [&](const TlbEntry& e) {
    const uintptr_t p = reinterpret_cast<uintptr_t>(e.ptep);
    return p >= a && p < end;
  });
  if (last_table_ == t) forget_table();
  give_shadow(std::move(t->shadow));
  tables_.erase(a);
  table_pages::give(table, t_bytes);
  refresh_snapshot();
}

void Smmu::check_leaks() {
  if (tables_.empty()) return;
  std::string list;
  int n = 0;
  for (const auto& [addr, t] : tables_) {
    if (n++ < 4) list += fmt(" 0x%llx(%zu bytes%s)", ull(addr), t.bytes, t.level >= 0 ? fmt(", L%d", t.level).c_str() : "");
  }
  raise(Oracle::Leak, fmt("%zu table(s) still allocated after destroy:%s%s", tables_.size(), list.c_str(),
                          tables_.size() > 4 ? " ..." : ""));
  for (auto& [addr, t] : tables_) table_pages::give(reinterpret_cast<void*>(addr), t.bytes);
  tables_.clear();
  forget_table();
}

// ---- attach / ops -------------------------------------------------------------------------------

void Smmu::attach(ptc_pte_t* root) {
  check_unseen_writes("seen when the target's root was attached");
  root_ = reinterpret_cast<uintptr_t>(root);
  Table* t = live_table(root_);
  if (!t) {
    raise(Oracle::TableUseAfterFree, fmt("root() 0x%llx is not a table from alloc_table", ull(root_)));
    return;
  }
  if (t->bytes < entries_at(start_level_) * sizeof(ptc_pte_t))
    raise(Oracle::Divergence, fmt("root table has %zu bytes; ias %u needs %u entries at L%d", t->bytes, cfg_.ias,
                                  entries_at(start_level_), start_level_));
  attached_ = true;
  t->parents = 1;
  mark_reachable(*t, root_, start_level_, 0);
}

void Smmu::detach() {
  attached_ = false;
  tlb_.clear();
  walk_cache_.clear();
  stale_.clear();
  pending_.clear();
  for (auto& [addr, t] : tables_) {
    t.reachable = false;
    t.exposed = false;
    t.parents = 0;
  }
}

void Smmu::begin_op(OpKind kind, uint64_t iova, uint64_t size, OpLabel label) {
  if (op_active_) {
    op_stack_.push_back(OpFrame{op_kind_, op_id_, op_iova_, op_size_, op_label_, op_accesses_, op_allocs_, fail_at_,
                                alloc_failed_, op_began_at_});
    fail_at_ = 0;  // `fail alloc N` belongs to the outer op
  }
  ++seq_;  // an op begins strictly after everything before it
  op_began_at_ = seq_;
  op_active_ = true;
  update_access_flags();
  op_kind_ = kind;
  op_iova_ = iova;
  op_size_ = size;
  op_label_ = std::move(label);
  op_id_ = ++op_counter_;
  op_accesses_ = 0;
  op_allocs_ = 0;
  alloc_failed_ = false;
  note(EventKind::kBegin, [&] { return "begins: " + op_label_.str(); });
}

void Smmu::end_op() {
  check_unseen_writes("seen when it returned");
  ++seq_;
  note(EventKind::kReturn, [&] { return "returns: " + op_label_.str(); });
  returned_ = Returned{op_id_, op_kind_, op_label_, op_began_at_};
  op_returned_at_[op_id_] = seq_;
  if (!op_stack_.empty()) {
    const OpFrame f = op_stack_.back();
    op_stack_.pop_back();
    op_kind_ = f.kind;
    op_id_ = f.id;
    op_iova_ = f.iova;
    op_size_ = f.size;
    op_label_ = f.label;
    op_accesses_ = f.accesses;
    op_allocs_ = f.allocs;
    fail_at_ = f.fail_at;
    alloc_failed_ = f.alloc_failed;
    op_began_at_ = f.began_at;
    return;
  }
  op_active_ = false;
  update_access_flags();
  fail_at_ = 0;  // `fail alloc N` applies to one operation only
}

// ---- descriptor accessors -----------------------------------------------------------------------

Smmu::Table* Smmu::find_accessed_table(EventKind kind, ptc_pte_t* p) {
  const char* what = event_kind_name(kind);
  uintptr_t base = 0;
  Table* t = table_of(p, &base);
  if (!t) {
    raise(Oracle::TableUseAfterFree, fmt("target %s of a descriptor at 0x%llx at t%llu: outside every live table", what,
                                         ull(reinterpret_cast<uintptr_t>(p)), ull(seq_)));
    return nullptr;
  }
  if ((reinterpret_cast<uintptr_t>(p) - base) % sizeof(ptc_pte_t)) {
    raise(Oracle::TableUseAfterFree, fmt("target %s of a misaligned descriptor at 0x%llx", what,
                                         ull(reinterpret_cast<uintptr_t>(p))));
    return nullptr;
  }
  return t;
}

void Smmu::after_counted_access() {
  if (access_sites_ && access_sites_->size() < access_sites_limit_) access_sites_->push_back(last_access());
  if (op_accesses_ < next_hook_at_ || in_hook_) return;
  in_hook_ = true;
  on_access_(op_accesses_);
  in_hook_ = false;
  next_hook_at_ = on_access_ ? next_hook_count(op_accesses_) : kNoHook;
}

ptc_pte_t Smmu::hw_read(void* ctx, ptc_pte_t* p) {
  auto* s = static_cast<Smmu*>(ctx);
  Table* t = s->check_access(EventKind::kRead, p);
  if (!t) return 0;
  const uintptr_t base = s->last_table_base_;
  const ptc_pte_t v = __atomic_load_n(p, __ATOMIC_SEQ_CST);
  s->check_seen(p, v, EventKind::kRead);
  s->note_access(EventKind::kRead, base, *t, unsigned((uintptr_t(p) - base) / 8), [&] { return EventLog::Access{.before = v, .after = v}; });
  s->after_access();
  return v;
}

// write and xchg are both an atomic exchange to the harness; only the name in the trace differs.
ptc_pte_t Smmu::exchange(EventKind kind, ptc_pte_t* p, ptc_pte_t v) {
  Table* t = check_access(kind, p);
  if (!t) return 0;
  const uintptr_t base = last_table_base_;
  const unsigned idx = unsigned((uintptr_t(p) - base) / 8);
  const ptc_pte_t old = __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
  check_seen(p, old, kind);
  seen_store(p, v);
  note_access(kind, base, *t, idx, [&] { return EventLog::Access{.before = old, .after = v}; });
  on_store(*t, base, idx, old, v);
  after_access();
  return old;
}

void Smmu::hw_write(void* ctx, ptc_pte_t* p, ptc_pte_t v) { static_cast<Smmu*>(ctx)->exchange(EventKind::kWrite, p, v); }

ptc_pte_t Smmu::hw_cmpxchg(void* ctx, ptc_pte_t* p, ptc_pte_t o, ptc_pte_t v) {
  auto* s = static_cast<Smmu*>(ctx);
  Table* t = s->check_access(EventKind::kCmpxchg, p);
  if (!t) return ~o;  // report failure without touching memory
  const uintptr_t base = s->last_table_base_;
  const unsigned idx = unsigned((uintptr_t(p) - base) / 8);
  ptc_pte_t expected = o;
  const bool ok = __atomic_compare_exchange_n(p, &expected, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  s->check_seen(p, ok ? o : expected, EventKind::kCmpxchg);
  if (ok) s->seen_store(p, v);
  s->note_access(EventKind::kCmpxchg, base, *t, idx, [&] {
    return EventLog::Access{.before = o, .after = ok ? v : expected, .operand = v, .ok = ok};
  });
  if (ok) s->on_store(*t, base, idx, o, v);
  s->after_access();
  return expected;
}

ptc_pte_t Smmu::hw_xchg(void* ctx, ptc_pte_t* p, ptc_pte_t v) { return static_cast<Smmu*>(ctx)->exchange(EventKind::kXchg, p, v); }

ptc_pte_t Smmu::hw_fetch_or(void* ctx, ptc_pte_t* p, ptc_pte_t bits) {
  auto* s = static_cast<Smmu*>(ctx);
  Table* t = s->check_access(EventKind::kFetchOr, p);
  if (!t) return 0;
  const uintptr_t base = s->last_table_base_;
  const unsigned idx = unsigned((uintptr_t(p) - base) / 8);
  const ptc_pte_t old = __atomic_fetch_or(p, bits, __ATOMIC_SEQ_CST);
  s->check_seen(p, old, EventKind::kFetchOr);
  s->seen_store(p, old | bits);
  s->note_access(EventKind::kFetchOr, base, *t, idx, [&] {
    return EventLog::Access{.before = old, .after = old | bits, .operand = bits};
  });
  s->on_store(*t, base, idx, old, old | bits);
  s->after_access();
  return old;
}

void* Smmu::hw_alloc(void* ctx, size_t bytes) { return static_cast<Smmu*>(ctx)->alloc_table(bytes); }
void Smmu::hw_free(void* ctx, void* table) { static_cast<Smmu*>(ctx)->free_table(table); }
void Smmu::hw_inv_range(void* ctx, uint64_t iova, uint64_t size, uint64_t granule, int leaf_only) {
  static_cast<Smmu*>(ctx)->tlb_inv(iova, size, leaf_only != 0, false);
}
void Smmu::hw_inv_all(void* ctx) { static_cast<Smmu*>(ctx)->tlb_inv(0, 0, false, true); }
void Smmu::hw_sync(void* ctx) { static_cast<Smmu*>(ctx)->tlb_sync(); }

// ---- structure tracking: what the device can reach, and what it may still have cached ----------


bool Smmu::slots_in(uintptr_t table, int level, uint64_t base, uint64_t lo, uint64_t hi, uint64_t* first,
                    uint64_t* last) const {
  auto it = tables_.find(table);
  if (it == tables_.end() || level > 3) return false;
  const unsigned shift = level_shift(level);
  const unsigned n = level == start_level_ && table == root_ ? entries_at(level) : 512;
  const unsigned max_n = unsigned(std::min<size_t>(n, it->second.bytes / sizeof(ptc_pte_t)));
  if (max_n == 0 || hi <= base) return false;
  // Only the slots that intersect [lo, hi): a one-page query reads one slot per level.
  *first = lo > base ? (lo - base) >> shift : 0;
  *last = std::min<uint64_t>(max_n - 1, (hi - 1 - base) >> shift);
  return *first <= *last;
}

// The first slot of [i, end) whose descriptor is valid (end: none), four slots a test: the tables a
// comparison or a link reads are mostly empty slots.
static uint64_t first_valid(const ptc_pte_t* e, uint64_t i, uint64_t end) {
  for (; i + 4 <= end; i += 4)
    if ((__atomic_load_n(&e[i], __ATOMIC_ACQUIRE) | __atomic_load_n(&e[i + 1], __ATOMIC_ACQUIRE) |
         __atomic_load_n(&e[i + 2], __ATOMIC_ACQUIRE) | __atomic_load_n(&e[i + 3], __ATOMIC_ACQUIRE)) &
        pte::kValid)
      break;
  while (i < end && !(__atomic_load_n(&e[i], __ATOMIC_ACQUIRE) & pte::kValid)) ++i;
  return i;
}

// Every valid non-table descriptor of the tree below `table` whose slot intersects [lo, hi), in address
// order: on_leaf(level, slot iova, descriptor). The walk of leaves_in().
template <class OnLeaf>
void Smmu::for_each_leaf_descriptor(uintptr_t table, int level, uint64_t base, uint64_t lo, uint64_t hi,
                                    OnLeaf& on_leaf) const {
  uint64_t first = 0, last = 0;
  if (!slots_in(table, level, base, lo, hi, &first, &last)) return;
  const unsigned shift = level_shift(level);
  const auto* e = reinterpret_cast<const ptc_pte_t*>(table);
  for (uint64_t i = first; i <= last; ++i) {
    const ptc_pte_t d = __atomic_load_n(&e[i], __ATOMIC_ACQUIRE);
    if (!(d & pte::kValid)) {  // neither a leaf nor a table
      i = first_valid(e, i + 1, last + 1) - 1;
      continue;
    }
    const uint64_t slot = base + (uint64_t(i) << shift);
    if (is_table_desc(level, d))
      for_each_leaf_descriptor(uintptr_t(d & pte::kAddrMask), level + 1, slot, lo, hi, on_leaf);
    else
      on_leaf(level, slot, d);
  }
}

void Smmu::collect_leaves(uintptr_t table, int level, uint64_t base, std::vector<HwLeaf>& out, uint64_t lo,
                          uint64_t hi) const {
  auto on_leaf = [&](int lv, uint64_t slot, ptc_pte_t d) {
    if (auto l = decode_leaf(lv, slot, d)) out.push_back(*l);
  };
  for_each_leaf_descriptor(table, level, base, lo, hi, on_leaf);
}

void Smmu::leaves_below(uintptr_t table, int level, uint64_t base, std::vector<HwLeaf>* out) const {
  out->clear();  // the buffer is shared (scratch_leaves_): nothing a previous use left may count here
  collect_leaves(table, level, base, *out, base, base + (1ull << (level_shift(level) + 9)));
}

void Smmu::leaves_in(uint64_t iova, uint64_t size, std::vector<HwLeaf>* out) const {
  out->clear();
  if (!root_) return;
  const uint64_t hi = size > ~iova ? ~0ull : iova + size;
  collect_leaves(root_, start_level_, 0, *out, iova, hi);
}

void Smmu::leaf_runs_in(uint64_t iova, uint64_t size, std::vector<HwRun>* out) const {
  out->clear();
  if (!root_) return;
  const uint64_t hi = size > ~iova ? ~0ull : iova + size;
  runs_below(root_, start_level_, 0, iova, hi, out);
}

// The walk of for_each_leaf_descriptor, for runs: a descriptor that is the last run's next one (the same
// descriptor one leaf further on, at the same level) only counts, with one compare. It runs after every
// op over the op's range, and calling out and testing the run's fields for each of a table's 512 slots
// was a tenth of a fuzz run.
void Smmu::runs_below(uintptr_t table, int level, uint64_t base, uint64_t lo, uint64_t hi,
                      std::vector<HwRun>* out) const {
  uint64_t first = 0, last = 0;
  if (!slots_in(table, level, base, lo, hi, &first, &last)) return;
  const unsigned shift = level_shift(level);
  const uint64_t leaf_size = 1ull << shift;
  const auto* e = reinterpret_cast<const ptc_pte_t*>(table);
  // The run the next slot extends when it holds `next` (none: run == nullptr). A leaf descriptor plus a
  // multiple of its size is a leaf descriptor (bits [1:0] kept), so `next` never matches a table or an
  // invalid slot.
  HwRun* run = nullptr;
  ptc_pte_t next = 0;
  if (!out->empty()) {  // a run of the table before this one may go on here
    HwRun& r = out->back();
    const uint64_t step = r.count * r.first.size;
    if (r.first.level == level && r.first.iova + step == base + (first << shift)) run = &r, next = r.first.desc + step;
  }
  for (uint64_t i = first; i <= last; ++i) {
    const ptc_pte_t d = __atomic_load_n(&e[i], __ATOMIC_ACQUIRE);
    if (run && d == next) {
      ++run->count;
      next += leaf_size;
      continue;
    }
    run = nullptr;
    if (!(d & pte::kValid)) {  // neither a leaf nor a table; nor, mostly, are the slots after it
      i = first_valid(e, i + 1, last + 1) - 1;
      continue;
    }
    const uint64_t slot = base + (i << shift);
    if (is_table_desc(level, d)) {
      runs_below(uintptr_t(d & pte::kAddrMask), level + 1, slot, lo, hi, out);  // its runs are of a deeper level
    } else if (auto l = decode_leaf(level, slot, d)) {
      out->push_back(HwRun{*l, 1});
      run = &out->back();
      next = d + leaf_size;
    }
  }
}

std::vector<HwLeaf> Smmu::leaves_in(uint64_t iova, uint64_t size) const {
  std::vector<HwLeaf> out;
  leaves_in(iova, size, &out);
  return out;
}

std::optional<HwLeaf> Smmu::leaf_at(uint64_t iova) const {
  auto v = leaves_in(iova, 1);
  if (v.empty()) return std::nullopt;
  return v.front();
}

void Smmu::mark_reachable(Table& t, uintptr_t base, int level, uint64_t iova_base) {
  t.reachable = true;
  t.exposed = true;
  t.level = level;
  t.iova_base = iova_base;
  if (level >= 3) return;
  const unsigned n = std::min<unsigned>(level == start_level_ && base == root_ ? entries_at(level) : 512,
                                        unsigned(t.bytes / sizeof(ptc_pte_t)));
  auto* e = reinterpret_cast<ptc_pte_t*>(base);
  for (unsigned i = unsigned(first_valid(e, 0, n)); i < n; i = unsigned(first_valid(e, i + 1, n))) {
    const ptc_pte_t d = __atomic_load_n(&e[i], __ATOMIC_ACQUIRE);
    if (!is_table_desc(level, d)) continue;
    const uintptr_t child = uintptr_t(d & pte::kAddrMask);
    Table* c = live_table(child);
    if (!c) {
      raise(Oracle::TableUseAfterFree, fmt("%s points to 0x%llx, which is not a live table", where(base, t, i).c_str(),
                                           ull(child)));
      continue;
    }
    if (++c->parents == 1) mark_reachable(*c, child, level + 1, iova_base + (uint64_t(i) << level_shift(level)));
  }
}

void Smmu::mark_unreachable(Table& t, uintptr_t base) {
  t.reachable = false;
  t.unlinked_at = seq_;
  if (t.level >= 3 || t.level < 0) return;
  auto* e = reinterpret_cast<ptc_pte_t*>(base);
  const unsigned n = unsigned(std::min<size_t>(512, t.bytes / sizeof(ptc_pte_t)));
  for (unsigned i = unsigned(first_valid(e, 0, n)); i < n; i = unsigned(first_valid(e, i + 1, n))) {
    const ptc_pte_t d = __atomic_load_n(&e[i], __ATOMIC_ACQUIRE);
    if (!is_table_desc(t.level, d)) continue;
    const uintptr_t child = uintptr_t(d & pte::kAddrMask);
    Table* c = live_table(child);
    if (c && c->parents > 0 && --c->parents == 0) mark_unreachable(*c, child);
  }
}

// Coalesces runs of equal leaves (one size, contiguous output, one permission and dirty state).
static bool cacheable(const HwLeaf& l, unsigned bbml) { return l.af && !(l.nt && bbml == 1); }

// The IOTLB-cacheable leaves of [leaves, leaves+n) as maximal runs of one leaf size, contiguous in input and
// output, one permission and dirty state: f(first leaf, span in bytes) for each. No allocation: it runs for
// every descriptor store that changes a translation.
template <class F>
static void for_each_cacheable_run(const HwLeaf* leaves, size_t n, unsigned bbml, F&& f) {
  const HwLeaf* run = nullptr;
  uint64_t span = 0;
  for (size_t i = 0; i < n; ++i) {
    const HwLeaf& l = leaves[i];
    if (!cacheable(l, bbml)) continue;
    if (run && run->size == l.size && run->iova + span == l.iova && run->pa + span == l.pa &&
        run->writable == l.writable && run->dirty == l.dirty) {
      span += l.size;
      continue;
    }
    if (run && !f(*run, span)) return;
    run = &l;
    span = l.size;
  }
  if (run) f(*run, span);
}

std::string Smmu::cause_text(const Stale& s) const {
  const std::string at = slot_text({s.cause_level, s.cause_index, s.cause_slot});
  return s.cause == StaleCause::kTableUnlinked ? "its table unlinked at " + at : "descriptor " + at + " changed by the target";
}

void Smmu::add_stale(const HwLeaf* leaves, size_t n, StaleCause cause, const Slot& at) {
  for_each_cacheable_run(leaves, n, cfg_.bbml, [&](const HwLeaf& l, uint64_t span) {
    add_stale_run(l, span, cause, at);
    return true;
  });
}

void Smmu::add_stale_leaf(const HwLeaf& l, StaleCause cause, const Slot& at) {
  if (cacheable(l, cfg_.bbml)) add_stale_run(l, l.size, cause, at);  // for_each_cacheable_run of one leaf
}

void Smmu::add_stale_run(const HwLeaf& l, uint64_t span, StaleCause cause, const Slot& at) {
  const uint64_t op_id = op_active_ ? op_id_ : 0;
  const bool lazy_unmap = cfg_.lazy && op_active_ && op_kind_ == OpKind::Unmap;
  // Extend the last run when this one continues it; only while no invalidation was issued since
  // the last run began, so that every invalidation still covers exactly what changed before it.
  if (!stale_.empty()) {
    Stale& b = stale_.back();
    if (b.created_at > last_inv_at_ && b.iova + b.span == l.iova && b.pa + b.span == l.pa && b.leaf_size == l.size &&
        b.writable == l.writable && b.dirty == l.dirty && b.op_id == op_id && b.lazy_unmap == lazy_unmap) {
      b.span += span;
      return;
    }
  }
  Stale s;
  s.iova = l.iova;
  s.span = span;
  s.leaf_size = l.size;
  s.pa = l.pa;
  s.writable = l.writable;
  s.dirty = l.dirty;
  s.created_at = seq_;
  s.op_id = op_id;
  s.lazy_unmap = lazy_unmap;
  s.cause = cause;
  s.cause_level = at.level;
  s.cause_index = at.index;
  s.cause_slot = at.iova;
  stale_.push_back(s);
}

void Smmu::check_new_translations(const HwLeaf* leaves, size_t n, const Describe& where_) {
  if (cfg_.bbml >= 2 || stale_.empty()) return;
  for_each_cacheable_run(leaves, n, cfg_.bbml, [&](const HwLeaf& l, uint64_t span) {
    for (const Stale& s : stale_) {
      if (s.lazy_unmap || !overlaps(s.iova, s.span, l.iova, span)) continue;
      if (s.leaf_size != l.size || s.pa - s.iova != l.pa - l.iova) {
        raise(Oracle::TlbConflict,
              fmt("at bbml %u, %s made the %s leaf [0x%llx+0x%llx) -> 0x%llx walkable at t%llu while the IOTLB may "
                  "still hold the %s leaf [0x%llx+0x%llx) -> 0x%llx (%s at t%llu; no invalidation covering it synced "
                  "since): a fill gives two entries of different %s for one address",
                  cfg_.bbml, where_().c_str(), fmt("0x%llx", ull(l.size)).c_str(), ull(l.iova), ull(span), ull(l.pa),
                  ull(seq_), fmt("0x%llx", ull(s.leaf_size)).c_str(), ull(s.iova), ull(s.span), ull(s.pa),
                  cause_text(s).c_str(), ull(s.created_at), s.leaf_size != l.size ? "size" : "output"));
        return false;
      }
    }
    return true;
  });
}

void Smmu::link(uintptr_t child, int level, uint64_t base, const Slot& at) {
  Table* c = live_table(child);
  if (!c) {
    raise(Oracle::TableUseAfterFree, fmt("%s now points to 0x%llx (t%llu), which is not a live table",
                                         slot_text(at).c_str(), ull(child), ull(seq_)));
    return;
  }
  if (++c->parents != 1) return;
  mark_reachable(*c, child, level, base);
  if (cfg_.bbml >= 2 || stale_.empty()) return;  // nothing check_new_translations could find
  leaves_below(child, level, base, &scratch_leaves_);
  check_new_translations(scratch_leaves_.data(), scratch_leaves_.size(),
                         [&] { return "installing a table at " + slot_text(at); });
}

void Smmu::unlink(uintptr_t child, const Slot& at) {
  Table* c = live_table(child);
  if (!c || c->parents == 0) return;
  if (--c->parents != 0) return;
  leaves_below(child, c->level, c->iova_base, &scratch_leaves_);
  add_stale(scratch_leaves_.data(), scratch_leaves_.size(), StaleCause::kTableUnlinked, at);
  mark_unreachable(*c, child);
}

void Smmu::on_store(Table& t, uintptr_t base, unsigned index, ptc_pte_t old_val, ptc_pte_t new_val) {
  if (old_val == new_val || !attached_ || !t.reachable || t.level < 0) return;
  const int level = t.level;
  const uint64_t slot = t.iova_base + (uint64_t(index) << level_shift(level));
  const Slot at{level, index, slot};
  const auto w = [&at] { return slot_text(at); };
  const bool old_table = is_table_desc(level, old_val), new_table = is_table_desc(level, new_val);
  const uintptr_t old_child = uintptr_t(old_val & pte::kAddrMask), new_child = uintptr_t(new_val & pte::kAddrMask);
  if (((old_val ^ new_val) & ~(pte::kAp2 | pte::kDbm)) == 0) {
    // Only AP[2] or DBM changed (a dirty read cleaning a leaf, a permission change): the same kind of
    // descriptor, and for a leaf the same size, output, AF and nT. The general case below then raises
    // nothing, links and unlinks nothing and makes nothing new walkable; it only keeps the old leaf when
    // its write permission went or its dirty state was cleaned. That, without the rest, for every leaf a
    // dirty read cleans.
    const std::optional<HwLeaf> old_leaf = decode_leaf(level, slot, old_val);
    if (!old_leaf) return;  // a table (the same one), or no leaf before or after
    const std::optional<HwLeaf> new_leaf = decode_leaf(level, slot, new_val);
    if (new_leaf->writable != old_leaf->writable || (old_leaf->dirty && !new_leaf->dirty))
      add_stale_leaf(*old_leaf, StaleCause::kDescriptorChanged, at);
    return;
  }
  const std::optional<HwLeaf> old_leaf = decode_leaf(level, slot, old_val);
  const std::optional<HwLeaf> new_leaf = decode_leaf(level, slot, new_val);
  const bool same_table = old_table && new_table && old_child == new_child;

  // A mapped address must not fault while split or merge runs (bbml 1 and 2).
  const bool old_maps = old_table || (old_leaf && old_leaf->af);
  const bool new_maps = new_table || (new_leaf && new_leaf->af);
  if ((op_kind_ == OpKind::Split || op_kind_ == OpKind::Merge) && op_active_ && cfg_.bbml >= 1 && old_maps && !new_maps)
    raise(Oracle::FaultDuringSplit,
          fmt("%s made %s invalid at t%llu while %s runs at bbml %u: a device access to iova 0x%llx faults there",
              op_label_.str().c_str(), w().c_str(), ull(seq_), op_name(op_kind_), cfg_.bbml, ull(slot)));

  // What the IOTLB may still hold of the old descriptor.
  if (old_table && !same_table) unlink(old_child, at);
  if (old_leaf) {
    const bool harmless = new_leaf && new_leaf->size == old_leaf->size && new_leaf->pa == old_leaf->pa &&
                          new_leaf->writable == old_leaf->writable && !(old_leaf->dirty && !new_leaf->dirty) &&
                          new_leaf->af == old_leaf->af && (new_leaf->nt == old_leaf->nt || old_leaf->nt);
    if (!harmless) add_stale_leaf(*old_leaf, StaleCause::kDescriptorChanged, at);
  }
  // What becomes walkable. A leaf that keeps its size and output (a permission or dirty change)
  // cannot conflict with anything.
  if (new_table && !same_table) link(new_child, level + 1, slot, at);
  const bool same_translation = old_leaf && new_leaf && old_leaf->size == new_leaf->size && old_leaf->pa == new_leaf->pa;
  if (new_leaf && !same_translation) check_new_translations(&*new_leaf, 1, [&] { return "writing a leaf at " + w(); });
}

// ---- TLB maintenance ----------------------------------------------------------------------------

void Smmu::tlb_inv(uint64_t iova, uint64_t size, bool leaf_only, bool all) {
  ++seq_;
  last_inv_at_ = seq_;
  pending_.push_back(PendingInv{iova, size, leaf_only, all, seq_});
  if (all)
    note(EventKind::kInvAll, [] { return std::string("tlb_inv_all"); });
  else
    note(EventKind::kInvRange,
         [&] { return fmt("tlb_inv_range [0x%llx+0x%llx)%s", ull(iova), ull(size), leaf_only ? " leaf-only" : ""); });
}

// Invalidations take effect at sync, and only for what changed or was filled before the invalidation
// was issued: the hardware may process the command as soon as it is issued and refill afterwards.
void Smmu::tlb_sync() {
  ++seq_;
  note(EventKind::kSync, [&] { return fmt("tlb_sync (%zu queued invalidation(s) take effect)", pending_.size()); });
  for (const PendingInv& p : pending_) {
    auto hits = [&](uint64_t a, uint64_t s) { return p.all || overlaps(a, s, p.iova, p.size); };
    std::erase_if(tlb_, [&](const TlbEntry& e) { return e.filled_at < p.issued_at && hits(e.iova, e.size); });
    if (!p.leaf_only || p.all)
      std::erase_if(walk_cache_, [&](const WalkEntry& w) { return w.filled_at < p.issued_at && hits(w.iova_base, w.span); });
    std::vector<Stale> kept;
    for (const Stale& s : stale_) {
      if (s.created_at >= p.issued_at || !hits(s.iova, s.span)) {
        kept.push_back(s);
        continue;
      }
      if (p.all) continue;
      // Keep the leaves of the run the invalidated range does not touch. A cached leaf is one IOTLB
      // entry, and an invalidation of any address it translates removes all of it (as for the concrete
      // IOTLB above): a range that starts or ends inside a 2M block drops the whole block.
      const uint64_t cut_lo = std::max(s.iova, p.iova & ~(s.leaf_size - 1));
      const uint64_t range_end = p.iova + p.size;
      const uint64_t leaf_end = range_end > ~uint64_t{0} - s.leaf_size ? ~uint64_t{0}
                                                                       : (range_end + s.leaf_size - 1) & ~(s.leaf_size - 1);
      const uint64_t cut_hi = std::min<uint64_t>(s.iova + s.span, leaf_end);
      if (s.iova < cut_lo) {
        Stale lo = s;
        lo.span = cut_lo - s.iova;
        kept.push_back(lo);
      }
      if (s.iova + s.span > cut_hi) {
        Stale hi = s;
        hi.iova = cut_hi;
        hi.pa = s.pa + (hi.iova - s.iova);
        hi.span = s.iova + s.span - hi.iova;
        kept.push_back(hi);
      }
    }
    stale_ = std::move(kept);
    if (!p.leaf_only || p.all) {
      for (auto& [addr, t] : tables_) {
        if (t.reachable || !t.exposed || t.level < 0 || t.unlinked_at >= p.issued_at) continue;
        if (hits(t.iova_base, 1ull << (level_shift(t.level) + 9))) t.exposed = false;
      }
    }
  }
  pending_.clear();
  refresh_snapshot();
}

void Smmu::check_returned_op() {
  if (!attached_) return;
  const bool flush = returned_.kind == OpKind::Flush;
  check_stale_at_return(returned_.id, returned_.label, flush ? returned_.began_at : 0,
                        flush ? "flush() returned" : "it returned");
}

// flush_began_at: 0 for an op other than flush; for flush, the step it began at. flush() answers for
// the lazy unmaps that returned before it began ("nothing unmapped earlier"), not for one still running.
void Smmu::check_stale_at_return(uint64_t op_id, const OpLabel& label, uint64_t flush_began_at, const char* when) {
  for (const Stale& s : stale_) {
    bool due = s.op_id == op_id && !s.lazy_unmap;
    if (s.lazy_unmap && flush_began_at) {
      auto r = op_returned_at_.find(s.op_id);
      due = r != op_returned_at_.end() && r->second < flush_began_at;
    }
    if (!due) continue;
    // Compare the possibly cached translation with what the tables say now, address run by run: the
    // run's leaves read once (a walk from the root for each page was most of a split's checking).
    uint64_t a = s.iova;
    const uint64_t end = s.iova + s.span;
    leaves_in(s.iova, s.span, &scratch_leaves_);
    size_t next_leaf = 0;
    while (a < end) {
      while (next_leaf < scratch_leaves_.size() && scratch_leaves_[next_leaf].iova + scratch_leaves_[next_leaf].size <= a)
        ++next_leaf;
      std::optional<HwLeaf> cur;
      if (next_leaf < scratch_leaves_.size() && scratch_leaves_[next_leaf].iova <= a) cur = scratch_leaves_[next_leaf];
      const uint64_t step = cur ? std::min(end, cur->iova + cur->size) - a : kSize4K;
      const uint64_t old_pa = s.pa + (a - s.iova);
      const bool cur_maps = cur && cur->af;
      auto old_text = [&] {
        return fmt("[0x%llx+0x%llx) -> 0x%llx %s", ull(s.iova), ull(s.span), ull(s.pa),
                   !s.writable ? "read-only" : s.dirty ? "writable-dirty" : "writable");
      };
      if (!cur_maps || cur->pa + (a - cur->iova) != old_pa || (s.writable && !cur->writable)) {
        raise(Oracle::StaleTranslation,
              fmt("after %s %s, the IOTLB may still translate iova 0x%llx through the removed leaf %s (%s at t%llu; "
                  "no invalidation covering it issued after that has been synced); the tables now say %s",
                  label.str().c_str(), when, ull(a), old_text().c_str(), cause_text(s).c_str(), ull(s.created_at),
                  cur_maps ? leaf_text(*cur, cfg_.hw_dirty).c_str() : "unmapped"));
        return;
      }
      if (cfg_.hw_dirty && s.dirty && !cur->dirty) {
        raise(Oracle::LostDirty,
              fmt("after %s %s, the IOTLB may still hold the writable-dirty entry %s (%s at t%llu; not invalidated "
                  "and synced): a device write to iova 0x%llx through it needs no descriptor update, so the now "
                  "writable-clean leaf %s is never marked dirty and the write is lost",
                  label.str().c_str(), when, old_text().c_str(), cause_text(s).c_str(), ull(s.created_at), ull(a),
                  leaf_text(*cur, cfg_.hw_dirty).c_str()));
        return;
      }
      if (cfg_.bbml < 2 && cur->size != s.leaf_size) {
        raise(Oracle::TlbConflict,
              fmt("after %s %s at bbml %u, the IOTLB may still hold the 0x%llx-byte entry %s (%s at t%llu; not "
                  "invalidated and synced) while the tables hold the 0x%llx-byte leaf %s: a fill conflicts",
                  label.str().c_str(), when, cfg_.bbml, ull(s.leaf_size), old_text().c_str(), cause_text(s).c_str(),
                  ull(s.created_at), ull(cur->size), leaf_text(*cur, cfg_.hw_dirty).c_str()));
        return;
      }
      a += step;
    }
  }
}

// ---- the device ---------------------------------------------------------------------------------

Smmu::Walk Smmu::walk(uint64_t iova, bool use_walk_cache, bool fill_walk_cache) {
  Walk w;
  if (cfg_.ias < 64 && iova >> cfg_.ias) {
    w.why = "address size fault (iova beyond ias)";
    return w;
  }
  int level = start_level_;
  uintptr_t table = root_;
  if (use_walk_cache) {
    const WalkEntry* best = nullptr;
    for (const WalkEntry& e : walk_cache_)
      if (iova - e.iova_base < e.span && (!best || e.level > best->level)) best = &e;
    if (best) {
      level = best->level;
      table = best->table;
      w.age = best->filled_at;
    }
  }
  for (; level <= 3; ++level) {
    Table* t = live_table(table);
    if (!t) {
      raise(Oracle::TableUseAfterFree,
            fmt("a device walk of iova 0x%llx reads the L%d table at 0x%llx at t%llu, which is not a live table "
                "(freed)",
                ull(iova), level, ull(table), ull(seq_)));
      w.why = "walk into a freed table";
      return w;
    }
    const unsigned idx = unsigned((iova >> level_shift(level)) & (entries_at(level) - 1));
    auto* e = reinterpret_cast<ptc_pte_t*>(table);
    const ptc_pte_t d = __atomic_load_n(&e[idx], __ATOMIC_ACQUIRE);
    w.steps.push_back(WalkStep{level, idx, table});
    if (!(d & pte::kValid)) {
      w.why = fmt("translation fault at L%d[%u]", level, idx);
      return w;
    }
    if (is_table_desc(level, d)) {
      const uintptr_t next = uintptr_t(d & pte::kAddrMask);
      if (fill_walk_cache) {
        const uint64_t span = 1ull << level_shift(level);
        walk_cache_.push_back(WalkEntry{level + 1, iova & ~(span - 1), span, next, std::min(seq_, w.age)});
      }
      table = next;
      continue;
    }
    std::optional<HwLeaf> l = decode_leaf(level, iova, d);
    if (!l) {
      w.why = fmt("translation fault at L%d[%u] (invalid leaf encoding 0x%llx)", level, idx, ull(d));
      return w;
    }
    if (!l->af) {
      w.why = fmt("access flag fault at L%d[%u]", level, idx);
      return w;
    }
    if (cfg_.oas < 64 && (l->pa + l->size - 1) >> cfg_.oas) {
      w.why = fmt("address size fault at L%d[%u] (output beyond oas)", level, idx);
      return w;
    }
    w.fault = false;
    w.leaf = *l;
    w.ptep = &e[idx];
    return w;
  }
  w.why = "walk deeper than L3";
  return w;
}

void Smmu::fill_tlb(const Walk& w) {
  const HwLeaf& l = w.leaf;
  if (l.nt && cfg_.bbml == 1) return;  // BBML1: an nT block is never cached
  for (auto it = tlb_.begin(); it != tlb_.end();) {
    if (!overlaps(it->iova, it->size, l.iova, l.size)) {
      ++it;
      continue;
    }
    if (it->size == l.size && it->iova == l.iova && it->pa == l.pa) {
      tlb_.erase(it);  // refill of the same translation
      break;
    }
    // An entry a lazy unmap left (its IOVA mapped again before flush): the device may use the old or
    // the new translation until flush returns (docs/HARNESS.md); this fill takes the new one.
    if (removed_by_lazy_unmap(*it)) {
      it = tlb_.erase(it);
      continue;
    }
    if (cfg_.bbml < 2)
      raise(Oracle::TlbConflict,
            fmt("at bbml %u, filling %s at t%llu while the IOTLB holds [0x%llx+0x%llx) -> 0x%llx (filled at t%llu): two "
                "entries of different %s for iova 0x%llx",
                cfg_.bbml, leaf_text(l, cfg_.hw_dirty).c_str(), ull(seq_), ull(it->iova), ull(it->size), ull(it->pa),
                ull(it->filled_at), it->size != l.size ? "size" : "output", ull(std::max(it->iova, l.iova))));
    ++it;
  }
  tlb_.push_back(TlbEntry{l.iova, l.size, l.pa, l.writable, l.dirty, l.desc, w.ptep, std::min(seq_, w.age)});
}

bool Smmu::removed_by_lazy_unmap(const TlbEntry& e) const {
  for (const Stale& s : stale_)
    if (s.lazy_unmap && s.iova <= e.iova && e.iova + e.size <= s.iova + s.span && s.pa - s.iova == e.pa - e.iova)
      return true;
  return false;
}

DeviceResult Smmu::device_access(uint64_t iova, bool write) {
  check_unseen_writes("seen before a device access");
  ++seq_;
  DeviceResult r;
  const char* verb = write ? "write" : "read";
  for (int attempt = 0; attempt < 8; ++attempt) {
    // An IOTLB hit. At bbml 2 the old and the new entry may both be cached: the oldest answers.
    TlbEntry* hit = nullptr;
    for (TlbEntry& e : tlb_)
      if (iova - e.iova < e.size && (!hit || e.filled_at < hit->filled_at)) hit = &e;
    if (hit) {
      const uint64_t pa = hit->pa + (iova - hit->iova);
      if (write && !hit->writable) {
        r = {true, 0, "permission fault (cached read-only entry)"};
      } else if (!write || hit->dirty) {
        r = {false, pa, fmt("IOTLB hit [0x%llx+0x%llx)", ull(hit->iova), ull(hit->size))};
      } else {
        // HTTU: mark the descriptor the entry was read from dirty, by compare-and-swap.
        uintptr_t base;
        Table* in = table_of(hit->ptep, &base);
        if (!in) {
          raise(Oracle::TableUseAfterFree,
                fmt("device write to iova 0x%llx: HTTU update through a cached entry lands in a freed table", ull(iova)));
          r = {true, 0, "HTTU into a freed table"};
        } else {
          ptc_pte_t expected = hit->desc;
          const ptc_pte_t dirty = hit->desc & ~pte::kAp2;
          if (__atomic_compare_exchange_n(hit->ptep, &expected, dirty, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            shadow_store(*in, base, hit->ptep, dirty);
            record_httu(hit->ptep, hit->desc, dirty);
            hit->dirty = true;
            hit->desc = dirty;
            r = {false, pa, fmt("IOTLB hit [0x%llx+0x%llx), HTTU CAS clean->dirty", ull(hit->iova), ull(hit->size))};
          } else {
            note(EventKind::kHttuRetry,
                 [&] { return fmt("%s 0x%llx: HTTU CAS failed (descriptor changed), walking again", verb, ull(iova)); });
            hit->filled_at = ~0ull;  // drop it below
            std::erase_if(tlb_, [](const TlbEntry& e) { return e.filled_at == ~0ull; });
            continue;
          }
        }
      }
      break;
    }
    Walk w = walk(iova, true, true);
    record_walk(iova, w);
    if (w.fault) {
      r = {true, 0, w.why};
      break;
    }
    fill_tlb(w);
    const uint64_t pa = w.leaf.pa + (iova - w.leaf.iova);
    std::string path;
    for (const WalkStep& s : w.steps) path += fmt(" L%d[%u]", s.level, s.index);
    if (write && !w.leaf.writable) {
      r = {true, 0, "permission fault (read-only) via walk" + path};
    } else if (!write || w.leaf.dirty) {
      r = {false, pa, "walk" + path};
    } else {
      ptc_pte_t expected = w.leaf.desc;
      const ptc_pte_t dirty = w.leaf.desc & ~pte::kAp2;
      if (!__atomic_compare_exchange_n(w.ptep, &expected, dirty, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) continue;
      if (uintptr_t base; Table* in = table_of(w.ptep, &base)) shadow_store(*in, base, w.ptep, dirty);
      record_httu(w.ptep, w.leaf.desc, dirty);
      for (TlbEntry& e : tlb_)
        if (e.ptep == w.ptep) {
          e.dirty = true;
          e.desc = dirty;
        }
      r = {false, pa, "walk" + path + ", HTTU CAS clean->dirty"};
    }
    break;
  }
  note(EventKind::kAccess, [&] {
    return fmt("%s 0x%llx -> %s (%s)", verb, ull(iova), r.fault ? "fault" : fmt("0x%llx", ull(r.pa)).c_str(),
               r.how.c_str());
  });
  return r;
}

DeviceResult Smmu::device_fill(uint64_t iova) {
  check_unseen_writes("seen before a device walk");
  ++seq_;
  Walk w = walk(iova, true, true);
  record_walk(iova, w);
  DeviceResult r;
  if (w.fault) {
    r = {true, 0, w.why};
  } else {
    fill_tlb(w);
    r = {false, w.leaf.pa + (iova - w.leaf.iova), "filled " + leaf_text(w.leaf, cfg_.hw_dirty)};
  }
  note(EventKind::kFill, [&] {
    return fmt("fill 0x%llx -> %s (%s)", ull(iova), r.fault ? "fault" : fmt("0x%llx", ull(r.pa)).c_str(), r.how.c_str());
  });
  return r;
}

void Smmu::device_evict(uint64_t iova) {
  ++seq_;
  std::erase_if(tlb_, [&](const TlbEntry& e) { return iova - e.iova < e.size; });
  std::erase_if(walk_cache_, [&](const WalkEntry& w) { return iova - w.iova_base < w.span; });
  note(EventKind::kEvict, [&] { return fmt("evict 0x%llx", ull(iova)); });
}

void Smmu::device_evict_all() {
  ++seq_;
  tlb_.clear();
  walk_cache_.clear();
  note(EventKind::kEvict, [] { return std::string("evict all"); });
}

}  // namespace ptc
