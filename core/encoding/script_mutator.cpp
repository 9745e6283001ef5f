#include "core/ops/op_table.h"
#include "core/encoding/script_mutator.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <tuple>
#include <set>
#include <utility>

namespace ptc {

namespace {

size_t pick(MutationRng& rng, size_t n) { return n ? size_t(rng() % n) : 0; }
bool chance(MutationRng& rng, unsigned percent) { return rng() % 100 < percent; }

bool overlaps(uint64_t a, uint64_t as, uint64_t b, uint64_t bs) {
  return a < b + std::max<uint64_t>(bs, 1) && b < a + std::max<uint64_t>(as, 1);
}

// Where an `@N` lands: races sit in an op's first few dozen accesses (walks, an install's read and
// compare-and-swap, a leaf's read before its clear); table builds and scans reach a few hundred.
uint64_t injection_point(MutationRng& rng, uint64_t near) {
  const unsigned r = unsigned(rng() % 100);
  if (r < 45) {
    const int64_t step = 1 + int64_t(pick(rng, 3));
    return chance(rng, 50) ? near + uint64_t(step) : (near >= uint64_t(step) ? near - uint64_t(step) : 0);
  }
  if (r < 85) return pick(rng, 40);
  return pick(rng, 1100);
}

// A page of op's range a device action should touch: the first pages and block edges, where
// splits, merges and scans change things, come up most.
uint64_t page_inside(const Op& op, MutationRng& rng) {
  const uint64_t pages = std::max<uint64_t>(op.size / kSize4K, 1);
  uint64_t page;
  switch (pick(rng, 4)) {
    case 0: page = 0; break;
    case 1: page = std::min<uint64_t>(1, pages - 1); break;
    case 2: page = pages - 1; break;
    default: page = pick(rng, pages); break;
  }
  return (op.iova & ~(kSize4K - 1)) + page * kSize4K;
}

std::vector<Op*> target_ops(Script& s) {
  std::vector<Op*> v;
  for (Op& op : s.ops)
    if (is_target_op(op.kind)) v.push_back(&op);
  return v;
}

Op device_op(DevKind kind, uint64_t iova) {
  Op d;
  d.kind = OpKind::Dev;
  d.dev = kind;
  d.iova = kind == DevKind::EvictAll ? 0 : iova;
  return d;
}

DevKind some_device_kind(MutationRng& rng) {
  // Writes find lost and phantom dirt; fills make the IOTLB hold what a split or unmap must evict.
  static constexpr std::array<DevKind, 10> kKinds = {DevKind::Write, DevKind::Write, DevKind::Write, DevKind::Write,
                                                     DevKind::Read,  DevKind::Read,  DevKind::Fill,  DevKind::Fill,
                                                     DevKind::Evict, DevKind::EvictAll};
  return kKinds[pick(rng, kKinds.size())];
}

uint64_t some_size(MutationRng& rng) {
  static constexpr std::array<uint64_t, 8> kSizes = {kSize4K, 2 * kSize4K, 16 * kSize4K, kSize2M,
                                                     2 * kSize2M, kSize1G, kSize4K, kSize2M};
  return kSizes[pick(rng, kSizes.size())];
}

// ---- the mutations: each returns false when it does not apply to this script ----

bool retarget_injection(Script& s, MutationRng& rng) {
  std::vector<Injection*> all;
  for (Op& op : s.ops)
    for (Injection& inj : op.inject) all.push_back(&inj);
  if (all.empty()) return false;
  Injection& inj = *all[pick(rng, all.size())];
  inj.after_access = injection_point(rng, inj.after_access);
  return true;
}

bool add_device_injection(Script& s, MutationRng& rng, const FuzzLimits& lim) {
  std::vector<Op*> ops = target_ops(s);
  if (ops.empty()) return false;
  Op& op = *ops[pick(rng, ops.size())];
  if (op.inject.size() >= lim.max_injections) return false;
  const uint64_t iova = has_range(op.kind) && op.size ? page_inside(op, rng) : op.iova & ~(kSize4K - 1);
  Injection inj;
  inj.after_access = injection_point(rng, op.inject.empty() ? 8 : op.inject.back().after_access);
  inj.op = device_op(some_device_kind(rng), iova);
  op.inject.insert(op.inject.begin() + long(pick(rng, op.inject.size() + 1)), inj);
  return true;
}

// An op on a range next to op's: in the same last-level or next-level table, so the two race to
// install, split or scan the same tables (CPU against CPU).
bool add_op_injection(Script& s, MutationRng& rng, const FuzzLimits& lim) {
  std::vector<Op*> ops;
  for (Op* op : target_ops(s))
    if (has_range(op->kind) && op->size) ops.push_back(op);
  if (ops.empty()) return false;
  Op& outer = *ops[pick(rng, ops.size())];
  if (outer.inject.size() >= lim.max_injections) return false;
  const uint64_t end = outer.iova + outer.size;
  const std::array<uint64_t, 5> bases = {(end + kSize2M - 1) & ~(kSize2M - 1), outer.iova - kSize2M, end,
                                         outer.iova + kSize1G, (end + kSize1G - 1) & ~(kSize1G - 1)};
  static constexpr std::array<OpKind, 7> kKinds = {OpKind::Map,   OpKind::Map,   OpKind::Unmap, OpKind::Split,
                                                   OpKind::Dirty, OpKind::Merge, OpKind::Flush};
  Op inner;
  inner.kind = kKinds[pick(rng, kKinds.size())];
  if (inner.kind != OpKind::Flush) {
    inner.iova = bases[pick(rng, bases.size())];
    inner.size = chance(rng, 60) ? outer.size : some_size(rng);
    if (injection_breaks_contract(outer, inner)) return false;
    if (inner.kind == OpKind::Map) {
      inner.paddr = (outer.paddr + kSize1G + (inner.iova & (kSize2M - 1))) & ((1ull << s.config.oas) - 1);
      inner.prot = PTC_PROT_READ | PTC_PROT_WRITE;
    }
  }
  Injection inj;
  inj.after_access = injection_point(rng, 2);
  inj.op = inner;
  outer.inject.push_back(inj);
  return true;
}

bool remove_injection(Script& s, MutationRng& rng) {
  std::vector<Op*> with;
  for (Op& op : s.ops)
    if (!op.inject.empty()) with.push_back(&op);
  if (with.empty()) return false;
  Op& op = *with[pick(rng, with.size())];
  op.inject.erase(op.inject.begin() + long(pick(rng, op.inject.size())));
  return true;
}

bool duplicate_statement(Script& s, MutationRng& rng, const FuzzLimits& lim) {
  if (s.ops.empty() || s.ops.size() >= lim.max_statements) return false;
  const Op copy = s.ops[pick(rng, s.ops.size())];
  s.ops.insert(s.ops.begin() + long(pick(rng, s.ops.size() + 1)), copy);
  return true;
}

bool remove_statement(Script& s, MutationRng& rng) {
  if (s.ops.size() < 2) return false;
  s.ops.erase(s.ops.begin() + long(pick(rng, s.ops.size())));
  return true;
}

bool swap_statements(Script& s, MutationRng& rng) {
  if (s.ops.size() < 2) return false;
  const size_t i = pick(rng, s.ops.size() - 1);
  std::swap(s.ops[i], s.ops[i + 1]);
  return true;
}

// A statement about a range the script already uses: the device touching it, a scan, a split,
// an unmap, a flush.
bool insert_statement(Script& s, MutationRng& rng, const FuzzLimits& lim) {
  std::vector<const Op*> ranged;
  for (const Op& op : s.ops)
    if (has_range(op.kind) && op.size) ranged.push_back(&op);
  if (ranged.empty() || s.ops.size() >= lim.max_statements) return false;
  const Op& from = *ranged[pick(rng, ranged.size())];
  Op op;
  switch (pick(rng, 8)) {
    case 0:
    case 1: op = device_op(some_device_kind(rng), page_inside(from, rng)); break;
    case 2:
      op.kind = OpKind::Dirty;
      op.noclear = chance(rng, 25);
      break;
    case 3: op.kind = OpKind::Split; break;
    case 4: op.kind = OpKind::Merge; break;
    case 5: op.kind = chance(rng, 50) ? OpKind::Unmap : OpKind::UnmapDirty; break;
    case 6: op.kind = OpKind::Flush; break;
    default:
      op.kind = OpKind::Phys;
      op.iova = page_inside(from, rng);
      break;
  }
  if (has_range(op.kind)) {
    op.iova = from.iova;
    op.size = from.size;
  }
  s.ops.insert(s.ops.begin() + long(pick(rng, s.ops.size() + 1)), op);
  return true;
}

// `fail alloc N` before an op: its Nth table allocation fails, and it must return -ENOMEM with
// nothing changed.
bool add_fail_alloc(Script& s, MutationRng& rng, const FuzzLimits& lim) {
  if (s.ops.size() >= lim.max_statements) return false;
  std::vector<size_t> at;
  for (size_t i = 0; i < s.ops.size(); ++i)
    if (s.ops[i].kind == OpKind::Map || s.ops[i].kind == OpKind::Split) at.push_back(i);
  if (at.empty()) return false;
  Op f;
  f.kind = OpKind::FailAlloc;
  // The first allocation failing tests the clean error path; a later one (the next table of a map
  // that crosses a table boundary) tests the unwinding of what the op already wrote.
  const unsigned r = unsigned(pick(rng, 10));
  f.fail_index = r < 2 ? 1 : r < 8 ? 2 + pick(rng, 5) : 1 + pick(rng, 64);
  s.ops.insert(s.ops.begin() + long(at[pick(rng, at.size())]), f);
  return true;
}

bool change_kind(Script& s, MutationRng& rng) {
  std::vector<Op*> ops = target_ops(s);
  if (ops.empty()) return false;
  Op& op = *ops[pick(rng, ops.size())];
  switch (op.kind) {
    case OpKind::Split: op.kind = OpKind::Merge; return true;
    case OpKind::Merge: op.kind = OpKind::Split; return true;
    case OpKind::Unmap: op.kind = OpKind::UnmapDirty; return true;
    case OpKind::UnmapDirty: op.kind = chance(rng, 50) ? OpKind::Unmap : OpKind::Dirty; return true;
    case OpKind::Dirty:
      if (chance(rng, 50)) op.noclear = !op.noclear;
      else op.kind = OpKind::UnmapDirty, op.noclear = false;
      return true;
    case OpKind::Map:
      op.prot = op.prot == (PTC_PROT_READ | PTC_PROT_WRITE) ? unsigned(PTC_PROT_READ) : PTC_PROT_READ | PTC_PROT_WRITE;
      return true;
    default: return false;
  }
}

bool change_config(Script& s, MutationRng& rng) {
  Config& c = s.config;
  switch (pick(rng, 4)) {
    case 0: c.bbml = (c.bbml + 1 + unsigned(pick(rng, 2))) % 3; break;
    case 1: c.hw_dirty = !c.hw_dirty; break;
    case 2: c.lazy = !c.lazy; break;
    default: c.pgsizes ^= chance(rng, 50) ? kSize2M : kSize1G; break;
  }
  s.has_config = true;
  return true;
}

bool change_size(Script& s, MutationRng& rng) {
  std::vector<Op*> ops;
  for (Op& op : s.ops)
    if (has_range(op.kind)) ops.push_back(&op);
  if (ops.empty()) return false;
  Op& op = *ops[pick(rng, ops.size())];
  const uint64_t old = op.size;
  switch (pick(rng, 3)) {
    case 0: op.size = some_size(rng); break;
    case 1: op.size = old ? old * 2 : kSize4K; break;
    default: op.size = old > kSize4K ? old / 2 : kSize4K; break;
  }
  // An injected op must stay clear of the op it runs inside.
  for (const Injection& inj : op.inject)
    if (injection_breaks_contract(op, inj.op)) return false;
  return op.size != old;
}

// Moves the range one op family works on (every statement and device action at that IOVA) so it
// crosses a table boundary: a map then needs two last-level tables (an allocation can fail between
// them), a scan or unmap walks two tables, a block straddles the range of a smaller op.
bool straddle_boundary(Script& s, MutationRng& rng) {
  std::vector<Op*> ops;
  for (Op& op : s.ops)
    if (has_range(op.kind) && op.size) ops.push_back(&op);
  if (ops.empty()) return false;
  const Op& chosen = *ops[pick(rng, ops.size())];
  const uint64_t from = chosen.iova, chosen_size = chosen.size;
  const uint64_t size = std::max<uint64_t>(chosen_size, 2 * kSize4K);
  const uint64_t boundary = chance(rng, 70) ? kSize2M : kSize1G;
  const uint64_t half = std::max<uint64_t>((size / 2) & ~(kSize4K - 1), kSize4K);
  const uint64_t to = (from & ~(boundary - 1)) + boundary - half;
  if (to == from || to + size > (1ull << s.config.ias)) return false;
  const uint64_t delta = to - from;  // modulo 2^64: moves down as well as up
  const uint64_t oas_mask = (1ull << s.config.oas) - 1;
  auto relocate = [&](Op& op) {
    op.iova += delta;
    if (op.kind == OpKind::Map) op.paddr = (op.paddr + delta) & oas_mask;
  };
  for (Op& op : s.ops) {
    if (op.kind == OpKind::Dev && op.iova >= from && op.iova < from + size) op.iova += delta;
    if (!has_range(op.kind) || op.iova != from) continue;
    if (op.size == chosen_size) op.size = size;
    relocate(op);
    for (Injection& inj : op.inject) {
      if (inj.op.kind == OpKind::Dev && inj.op.iova >= from && inj.op.iova < from + size) inj.op.iova += delta;
      if (injection_breaks_contract(op, inj.op)) return false;
    }
  }
  return true;
}

constexpr std::array<const char*, 13> kNames = {
    "retarget-injection", "add-device-injection", "add-op-injection", "remove-injection",
    "duplicate-statement", "remove-statement",   "swap-statements",  "insert-statement",
    "change-kind",         "change-config",      "change-size",      "straddle-boundary",
    "add-fail-alloc"};

// Weights: moving `@N` and adding device actions inside ops find the races; the rest keep the
// corpus's programs varied.
constexpr std::array<unsigned, 13> kWeights = {6, 4, 2, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1};

bool apply(size_t which, Script& s, MutationRng& rng, const FuzzLimits& lim) {
  switch (which) {
    case 0: return retarget_injection(s, rng);
    case 1: return add_device_injection(s, rng, lim);
    case 2: return add_op_injection(s, rng, lim);
    case 3: return remove_injection(s, rng);
    case 4: return duplicate_statement(s, rng, lim);
    case 5: return remove_statement(s, rng);
    case 6: return swap_statements(s, rng);
    case 7: return insert_statement(s, rng, lim);
    case 8: return change_kind(s, rng);
    case 9: return change_config(s, rng);
    case 10: return change_size(s, rng);
    case 11: return straddle_boundary(s, rng);
    default: return add_fail_alloc(s, rng, lim);
  }
}

}  // namespace

const char* mutate_script(Script& s, MutationRng& rng, const FuzzLimits& limits) {
  unsigned total = 0;
  for (unsigned w : kWeights) total += w;
  unsigned r = unsigned(rng() % total);
  size_t which = 0;
  while (r >= kWeights[which]) r -= kWeights[which++];
  Script candidate = s;
  if (!apply(which, candidate, rng, limits) || !within_fuzz_limits(candidate, limits)) return nullptr;
  s = std::move(candidate);
  return kNames[which];
}

Script cross_over_scripts(const Script& a, const Script& b, MutationRng& rng, const FuzzLimits& limits) {
  Script child;
  child.config = a.config;
  child.has_config = true;
  child.file = a.file;
  const size_t keep = pick(rng, a.ops.size() + 1);
  const size_t from = pick(rng, b.ops.size() + 1);
  child.ops.assign(a.ops.begin(), a.ops.begin() + long(keep));
  for (size_t i = from; i < b.ops.size() && child.ops.size() < limits.max_statements; ++i) child.ops.push_back(b.ops[i]);
  if (child.ops.empty() || !within_fuzz_limits(child, limits)) return a;
  return child;
}

namespace {

// Slot (level, first IOVA) -> access number, for race_window_spans: open addressing over a table kept
// from call to call, emptied by what was used (a std::map node per access had been a fifth of a
// structural fuzzing run under ASan's allocator).
class SlotAccessMap {
 public:
  const uint64_t* find(int level, uint64_t iova) const {
    if (entries_.empty()) return nullptr;
    for (size_t i = home(level, iova);; i = (i + 1) & (entries_.size() - 1)) {
      const Entry& e = entries_[i];
      if (!e.used) return nullptr;
      if (e.level == level && e.iova == iova) return &e.access;
    }
  }
  void set(int level, uint64_t iova, uint64_t access) {
    if (2 * (used_.size() + 1) > entries_.size()) grow();
    for (size_t i = home(level, iova);; i = (i + 1) & (entries_.size() - 1)) {
      Entry& e = entries_[i];
      if (!e.used) {
        e = {iova, access, level, true};
        used_.push_back(i);
        return;
      }
      if (e.level == level && e.iova == iova) {
        e.access = access;
        return;
      }
    }
  }
  void clear() {
    for (size_t i : used_) entries_[i].used = false;
    used_.clear();
  }

 private:
  struct Entry {
    uint64_t iova = 0, access = 0;
    int level = 0;
    bool used = false;
  };
  size_t home(int level, uint64_t iova) const {
    return size_t(((iova >> 12) ^ (uint64_t(level) << 58)) * 0x9E3779B97F4A7C15ull >> 20) & (entries_.size() - 1);
  }
  void grow() {
    std::vector<Entry> old;
    old.swap(entries_);
    entries_.assign(std::max<size_t>(1024, 2 * old.size()), Entry{});
    used_.clear();
    for (const Entry& e : old)
      if (e.used) set(e.level, e.iova, e.access);
  }
  std::vector<Entry> entries_;  // a power of two long
  std::vector<size_t> used_;
};

}  // namespace

// The reads that open a read-modify-write window, each with the access that closes it: the first
// later store of the same statement to that slot, to a slot above it (a block or table replacing it)
// or to one below it (a table built under it). A leaf read before its clear, an empty slot read before
// its install, the pages a merge reads before it writes the block, a block a split reads before it
// links the table it built: what a racing device write or a second CPU must not fall into. Only the
// last read of a slot before its store opens one: an earlier read's race is seen by the next read.
std::vector<RaceWindow> race_window_spans(const std::vector<ObservedAccess>& accesses) {
  auto span = [](int level) { return kSize4K << (9 * (3 - level)); };
  std::vector<RaceWindow> out;
  // Walking backwards, the store recorded last for a slot is the earliest one after the read.
  static thread_local SlotAccessMap stored, below_stored;  // slot -> closing access
  static thread_local SlotAccessMap read_later;            // slot -> its next read
  stored.clear(), below_stored.clear(), read_later.clear();
  for (size_t i = accesses.size(); i-- > 0;) {
    const ObservedAccess& a = accesses[i];
    if (i + 1 < accesses.size() && accesses[i + 1].statement != a.statement)
      stored.clear(), below_stored.clear(), read_later.clear();
    if (a.level < 0 || a.level > 3) continue;
    if (!a.read) {
      stored.set(a.level, a.slot_iova, a.access);
      for (int l = 0; l < a.level; ++l) below_stored.set(l, a.slot_iova & ~(span(l) - 1), a.access);
      continue;
    }
    uint64_t close = UINT64_MAX;
    if (const uint64_t* below = below_stored.find(a.level, a.slot_iova)) close = *below;
    for (int l = 0; l <= a.level; ++l)
      if (const uint64_t* at = stored.find(l, a.slot_iova & ~(span(l) - 1))) close = std::min(close, *at);
    // The op reads this slot again before the store: a write racing this read is seen by that one
    // (a scan that walks three times is racy only after its last read).
    const uint64_t* again = read_later.find(a.level, a.slot_iova);
    const bool reread = again && *again < close;
    read_later.set(a.level, a.slot_iova, a.access);
    if (close != UINT64_MAX && !reread) out.push_back({i, close});
  }
  return out;
}

std::vector<size_t> race_windows(const std::vector<ObservedAccess>& accesses) {
  std::vector<size_t> out;
  for (const RaceWindow& w : race_window_spans(accesses)) out.push_back(w.open);
  return out;
}

namespace {

// A window to aim at: a statement first (a scan's hundreds of leaf windows must not drown a split's
// one), then one of its windows, then a point inside it: right after the read half the time, else
// anywhere before the closing store (a split's window spans the whole off-line build of its table).
std::pair<const ObservedAccess*, uint64_t> pick_window(const std::vector<ObservedAccess>& accesses,
                                                       const std::vector<RaceWindow>& windows, MutationRng& rng) {
  std::vector<size_t> statements;
  for (const RaceWindow& w : windows) statements.push_back(accesses[w.open].statement);
  std::sort(statements.begin(), statements.end());
  statements.erase(std::unique(statements.begin(), statements.end()), statements.end());
  const size_t statement = statements[pick(rng, statements.size())];
  std::vector<const RaceWindow*> mine;
  for (const RaceWindow& w : windows)
    if (accesses[w.open].statement == statement) mine.push_back(&w);
  const RaceWindow& w = *mine[pick(rng, mine.size())];
  const ObservedAccess& open = accesses[w.open];
  const uint64_t width = w.close_access > open.access ? w.close_access - open.access : 1;
  return {&open, chance(rng, 50) ? open.access : open.access + pick(rng, width)};
}

// A device write can only lose dirt that was clean before it and is looked at after it: half the
// time the aimed write gets a clearing `dirty` of the op's range just before its statement and one
// just after (unless the neighbours already are such reads, or the budget says no).
void bracket_with_dirty_reads(Script& s, size_t statement, const FuzzLimits& limits) {
  const Op& op = s.ops[statement];
  // A map's range holds nothing clean to lose before it runs: its races are installs, not dirt.
  if (!has_range(op.kind) || op.kind == OpKind::Map || !op.size || !s.config.hw_dirty) return;
  Op read;
  read.kind = OpKind::Dirty;
  read.iova = op.iova;
  read.size = op.size;
  auto covers = [&](size_t i) {
    return i < s.ops.size() && s.ops[i].kind == OpKind::Dirty && !s.ops[i].noclear && s.ops[i].iova <= op.iova &&
           s.ops[i].iova + s.ops[i].size >= op.iova + op.size;
  };
  Script candidate = s;
  const bool after = op.kind != OpKind::UnmapDirty && !covers(statement + 1);
  const bool before = statement == 0 || !covers(statement - 1);
  if (after) candidate.ops.insert(candidate.ops.begin() + long(statement + 1), read);
  if (before) candidate.ops.insert(candidate.ops.begin() + long(statement), read);
  if ((after || before) && within_fuzz_limits(candidate, limits)) s = std::move(candidate);
}

}  // namespace

const char* aim_injection(Script& s, const std::vector<ObservedAccess>& accesses, MutationRng& rng,
                          const FuzzLimits& limits) {
  if (accesses.empty()) return nullptr;
  const ObservedAccess* a = nullptr;
  uint64_t at = 0;
  const std::vector<RaceWindow> windows = race_window_spans(accesses);
  if (!windows.empty() && chance(rng, 70)) {
    std::tie(a, at) = pick_window(accesses, windows, rng);
  } else {
    a = &accesses[pick(rng, accesses.size())];
    for (int tries = 0; tries < 3 && !a->read; ++tries) a = &accesses[pick(rng, accesses.size())];
    at = a->access;
  }
  if (a->statement >= s.ops.size() || a->level > 3) return nullptr;
  Script candidate = s;
  Op& op = candidate.ops[a->statement];
  // A full op trades one of its injections for the aimed one (seeds often carry many blind ones).
  if (op.inject.size() >= limits.max_injections) {
    if (op.inject.empty()) return nullptr;
    op.inject.erase(op.inject.begin() + long(pick(rng, op.inject.size())));
  }
  Injection inj;
  inj.after_access = at;
  if (a->level < 0) {
    // A table not linked yet (a split or map building it off-line): the device acts on the op's
    // range meanwhile, through what the tables still say.
    if (!has_range(op.kind) || !op.size) return nullptr;
    inj.op = device_op(chance(rng, 75) ? DevKind::Write : DevKind::Read, page_inside(op, rng));
    op.inject.push_back(inj);
    if (!within_fuzz_limits(candidate, limits)) return nullptr;
    if (inj.op.dev == DevKind::Write && chance(rng, 50)) bracket_with_dirty_reads(candidate, a->statement, limits);
    s = std::move(candidate);
    return "aim-injection";
  }
  const uint64_t span = kSize4K << (9 * (3 - a->level));  // what the slot translates
  if (chance(rng, 75) || !has_range(op.kind)) {
    // A page the slot translates, inside the op's range where they meet.
    uint64_t lo = a->slot_iova, hi = a->slot_iova + span;
    if (has_range(op.kind) && op.size && overlaps(lo, span, op.iova, op.size)) {
      lo = std::max(lo, op.iova & ~(kSize4K - 1));
      hi = std::min(hi, op.iova + op.size);
    }
    const uint64_t pages = std::max<uint64_t>((hi - lo) / kSize4K, 1);
    const uint64_t page = chance(rng, 50) ? 0 : pick(rng, pages);
    static constexpr std::array<DevKind, 5> kKinds = {DevKind::Write, DevKind::Write, DevKind::Write, DevKind::Read,
                                                      DevKind::Fill};
    inj.op = device_op(kKinds[pick(rng, kKinds.size())], lo + page * kSize4K);
  } else {
    // Another op clear of this one that walks, installs or scans the same table: behind the same
    // slot (a table slot), or in the slot just before or after the op's range (a sibling).
    const uint64_t sub = std::max<uint64_t>(span / 512, kSize4K);
    const uint64_t after = (op.iova + op.size + span - 1) & ~(span - 1);
    struct Place {
      uint64_t iova, size;
    };
    const std::array<Place, 4> at = {Place{a->slot_iova + span / 2, std::min(sub, kSize2M)},
                                     Place{a->slot_iova + span - sub, std::min(sub, kSize2M)},
                                     Place{after, std::min(span, kSize2M)},
                                     Place{(op.iova & ~(span - 1)) - span, std::min(span, kSize2M)}};
    static constexpr std::array<OpKind, 5> kKinds = {OpKind::Map, OpKind::Map, OpKind::Unmap, OpKind::Split,
                                                     OpKind::Dirty};
    const Place& where = at[pick(rng, at.size())];
    Op inner;
    inner.kind = kKinds[pick(rng, kKinds.size())];
    inner.iova = where.iova;
    inner.size = where.size;
    if (injection_breaks_contract(op, inner)) return nullptr;
    if (inner.kind == OpKind::Map) {
      inner.paddr = (op.paddr + kSize1G + (inner.iova & (kSize2M - 1))) & ((1ull << s.config.oas) - 1);
      inner.prot = PTC_PROT_READ | PTC_PROT_WRITE;
    }
    inj.op = inner;
  }
  op.inject.push_back(inj);
  if (!within_fuzz_limits(candidate, limits)) return nullptr;
  if (inj.op.kind == OpKind::Dev && inj.op.dev == DevKind::Write && chance(rng, 50))
    bracket_with_dirty_reads(candidate, a->statement, limits);
  s = std::move(candidate);
  return "aim-injection";
}

const char* const* mutation_names(size_t* count) {
  *count = kNames.size();
  return kNames.data();
}

}  // namespace ptc
