#include "proofs/trace/recorder.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/descriptor_bits.h"

namespace ptc::proofs {

namespace {
Recorder* self(void* ctx) { return static_cast<Recorder*>(ctx); }

std::string hex_digits(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
  return b;
}

// A writable-clean leaf (SPEC section 2), decoded here on its own: at L3 a page has bit 1 set; above, a
// block has it clear.
bool writable_clean_leaf(uint64_t v, bool last_level) {
  const bool leaf = (v & pte::kValid) && (last_level ? (v & pte::kPage) != 0 : (v & pte::kTable) == 0);
  return leaf && (v & pte::kDbm) && (v & pte::kAp2);
}
}  // namespace

Recorder::Recorder() {
  hw_ = ptc_hw{this, &alloc_table, &free_table, &read, &write, &cmpxchg, &xchg, &fetch_or, &tlb_inv_range, &tlb_inv_all, &tlb_sync};
  dirty_ = ptc_dirty{this, &record};
}

Recorder::~Recorder() {
  for (void* m : memory_) std::free(m);
}

int Recorder::table_of(uint64_t addr) const {
  auto it = by_addr_.upper_bound(addr);
  if (it == by_addr_.begin()) return -1;
  --it;
  const TableInfo& t = tables_[size_t(it->second)];
  return addr < t.addr + t.bytes ? it->second : -1;
}

uint64_t Recorder::peek(int table, unsigned index) const {
  const TableInfo& t = tables_[size_t(table)];
  return reinterpret_cast<const uint64_t*>(t.addr)[index];
}

std::pair<int, unsigned> Recorder::locate(const void* p) const {
  const uint64_t a = reinterpret_cast<uintptr_t>(p);
  const int t = table_of(a);
  if (t < 0 || (a - tables_[size_t(t)].addr) % sizeof(uint64_t)) return {-1, 0};
  return {t, unsigned((a - tables_[size_t(t)].addr) / sizeof(uint64_t))};
}

void Recorder::begin(int slot_table, unsigned slot_index, const std::vector<int>& path, std::vector<Injection> injections) {
  for (size_t t = 0; t < tables_.size(); ++t) {
    TableInfo& info = tables_[t];
    info.live_at_start = !freed_[t];
    info.entries_at_start.clear();
    if (info.live_at_start) {
      const uint64_t* e = reinterpret_cast<const uint64_t*>(info.addr);
      info.entries_at_start.assign(e, e + info.bytes / sizeof(uint64_t));
    }
  }
  steps_.clear();
  slot_table_ = slot_table;
  slot_index_ = slot_index;
  path_ = path;
  injections_ = std::move(injections);
  applied_.assign(injections_.size(), false);
  slot_accesses_ = 0;
  page_accesses_.clear();
  foreign_applied_ = false;
  access_no_ = 0;
  recording_ = true;
}

bool Recorder::injections_applied() const {
  return std::all_of(applied_.begin(), applied_.end(), [](bool b) { return b; }) &&
         (foreign_.ordinal == 0 || foreign_applied_);
}

void Recorder::push(Step s) {
  if (recording_) steps_.push_back(std::move(s));
}

void Recorder::maybe_inject(int table, unsigned index) {
  if (!recording_ || table < 0) return;
  const bool is_slot = table == slot_table_ && index == slot_index_;
  const bool is_page = !is_slot && table != slot_table_ && std::find(path_.begin(), path_.end(), table) == path_.end();
  if (!is_slot && !is_page) return;
  const unsigned ordinal = is_slot ? ++slot_accesses_ : ++page_accesses_[index];
  if (is_slot && foreign_.ordinal == ordinal) foreign_install(table, index);
  for (size_t j = 0; j < injections_.size(); ++j) {
    const Injection& in = injections_[j];
    if (in.ordinal != ordinal || in.slot != is_slot || (is_page && in.page != index)) continue;
    uint64_t* e = reinterpret_cast<uint64_t*>(tables_[size_t(table)].addr) + index;
    if (!writable_clean_leaf(*e, is_page)) continue;
    Step s{StepKind::kInjectDirty};
    s.table = table;
    s.index = index;
    s.before = *e;
    *e &= ~pte::kAp2;
    s.after = *e;
    mirror(table, index, s.before, s.after);
    push(s);
    applied_[j] = true;
  }
}

void Recorder::foreign_install(int table, unsigned index) {
  uint64_t* e = reinterpret_cast<uint64_t*>(tables_[size_t(table)].addr) + index;
  if (foreign_.cas && *e != foreign_.expected) return;  // the other CPU's CAS fails: it retries (see race.h)
  const int id = new_table(foreign_.entries.size() * sizeof(uint64_t));
  if (id < 0) return;
  std::copy(foreign_.entries.begin(), foreign_.entries.end(), reinterpret_cast<uint64_t*>(tables_[size_t(id)].addr));
  std::copy(foreign_.entries.begin(), foreign_.entries.end(), mirror_[size_t(id)].begin());
  Step s{StepKind::kForeignInstall};
  s.table = table;
  s.index = index;
  s.before = *e;
  *e = foreign_.desc_bits | tables_[size_t(id)].addr;
  s.after = *e;
  mirror(table, index, s.before, s.after);
  s.arg = uint64_t(id);
  push(s);
  foreign_applied_ = true;
}

template <class Op>
uint64_t Recorder::access(StepKind kind, ptc_pte_t* p, uint64_t arg, Op op) {
  const auto [table, index] = locate(p);
  maybe_inject(table, index);
  Step s{kind};
  s.table = table;
  s.index = index;
  s.arg = arg;
  s.access_no = ++access_no_;
  if (table >= 0) {
    uint64_t* e = reinterpret_cast<uint64_t*>(tables_[size_t(table)].addr) + index;
    s.before = *e;
    *e = op(*e);
    s.after = *e;
    mirror(table, index, s.before, s.after);
  }  // else: a wild access; recorded, never performed
  push(s);
  return s.before;
}

int Recorder::new_table(size_t bytes) {
  if (bytes == 0 || bytes > (size_t{1} << 20)) return -1;
  const size_t align = std::max<size_t>(std::bit_ceil(bytes), 8);
  void* m = std::aligned_alloc(align, align);
  if (!m) return -1;
  std::memset(m, 0, align);
  const int id = int(tables_.size());
  TableInfo info;
  info.addr = reinterpret_cast<uintptr_t>(m);
  info.bytes = bytes;
  info.level = 9;
  tables_.push_back(info);
  mirror_.emplace_back((bytes + sizeof(uint64_t) - 1) / sizeof(uint64_t), 0);
  freed_.push_back(false);
  memory_.push_back(m);
  by_addr_[info.addr] = id;
  return id;
}

void* Recorder::alloc_table(void* ctx, size_t bytes) {
  Recorder* r = self(ctx);
  const int id = r->new_table(bytes);
  if (id < 0) return nullptr;
  Step s{StepKind::kAlloc};
  s.table = id;
  s.size = bytes;
  r->push(s);
  return reinterpret_cast<void*>(r->tables_[size_t(id)].addr);
}

void Recorder::free_table(void* ctx, void* table) {
  Recorder* r = self(ctx);
  Step s{StepKind::kFree};
  const auto [id, index] = r->locate(table);
  s.table = (id >= 0 && index == 0) ? id : -1;
  if (s.table >= 0) r->freed_[size_t(s.table)] = true;  // the memory stays: addresses are never reused
  r->push(s);
}

ptc_pte_t Recorder::read(void* ctx, ptc_pte_t* p) {
  return self(ctx)->access(StepKind::kRead, p, 0, [](uint64_t v) { return v; });
}
void Recorder::write(void* ctx, ptc_pte_t* p, ptc_pte_t v) {
  self(ctx)->access(StepKind::kWrite, p, v, [v](uint64_t) { return v; });
}
ptc_pte_t Recorder::cmpxchg(void* ctx, ptc_pte_t* p, ptc_pte_t old, ptc_pte_t v) {
  return self(ctx)->access(StepKind::kCmpxchg, p, old, [old, v](uint64_t cur) { return cur == old ? v : cur; });
}
ptc_pte_t Recorder::xchg(void* ctx, ptc_pte_t* p, ptc_pte_t v) {
  return self(ctx)->access(StepKind::kXchg, p, v, [v](uint64_t) { return v; });
}
ptc_pte_t Recorder::fetch_or(void* ctx, ptc_pte_t* p, ptc_pte_t bits) {
  return self(ctx)->access(StepKind::kFetchOr, p, bits, [bits](uint64_t cur) { return cur | bits; });
}
void Recorder::tlb_inv_range(void* ctx, uint64_t iova, uint64_t size, uint64_t granule, int leaf_only) {
  Step s{StepKind::kInvRange};
  s.iova = iova;
  s.size = size;
  s.granule = granule;
  s.leaf_only = leaf_only != 0;
  self(ctx)->push(s);
}
void Recorder::tlb_inv_all(void* ctx) { self(ctx)->push(Step{StepKind::kInvAll}); }
void Recorder::tlb_sync(void* ctx) { self(ctx)->push(Step{StepKind::kSync}); }
void Recorder::record(void* ctx, uint64_t iova, uint64_t length) {
  Step s{StepKind::kRecord};
  s.iova = iova;
  s.size = length;
  self(ctx)->push(s);
}

void Recorder::note_return(const std::string& op, int64_t ret) {
  Step s{StepKind::kReturn};
  s.op = op;
  s.ret = ret;
  push(s);
}
void Recorder::note_reuse() { push(Step{StepKind::kReuse}); }

void Recorder::mirror(int table, unsigned index, uint64_t found, uint64_t now) {
  std::vector<uint64_t>& m = mirror_[size_t(table)];
  if (index >= m.size()) return;
  if (m[index] != found && unseen_.empty())
    unseen_ = "entry " + std::to_string(index) + " of table " + std::to_string(table) + " held 0x" +
              hex_digits(found) + " where the recorded accesses left 0x" + hex_digits(m[index]);
  m[index] = now;
}

std::string Recorder::unseen_change() const {
  if (!unseen_.empty()) return unseen_;
  for (size_t t = 0; t < tables_.size(); ++t) {
    if (freed_[t]) continue;
    const uint64_t* e = reinterpret_cast<const uint64_t*>(tables_[t].addr);
    for (size_t i = 0; i < mirror_[t].size(); ++i)
      if (e[i] != mirror_[t][i])
        return "entry " + std::to_string(i) + " of table " + std::to_string(t) + " holds 0x" + hex_digits(e[i]) +
               " where the recorded accesses left 0x" + hex_digits(mirror_[t][i]);
  }
  return "";
}

}  // namespace ptc::proofs
