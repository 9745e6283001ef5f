#include "proofs/model/projection.h"

#include <algorithm>

#include "core/descriptor_bits.h"

namespace ptc::proofs {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kBlockMask = pte::kAddrMask & ~uint64_t{0x1fffff};  // bits 47:21

int tracked_id(const std::vector<int>& tracked, int table) {
  auto it = std::find(tracked.begin(), tracked.end(), table);
  return it == tracked.end() ? -1 : int(it - tracked.begin());
}

bool on_path(const Trace& t, int table) {
  return std::find(t.path_tables.begin(), t.path_tables.end(), table) != t.path_tables.end();
}

bool covers(uint64_t iova, uint64_t size, uint64_t addr) { return addr >= iova && addr - iova < size; }

}  // namespace

AbsDesc abstract_slot(const Trace& t, const std::vector<int>& tracked, uint64_t v) {
  AbsDesc a;
  a.valid = v & pte::kValid;
  a.table = a.valid && (v & pte::kTable);
  a.ap2 = v & pte::kAp2;
  a.dbm = v & pte::kDbm;
  a.af = v & pte::kAf;
  a.nt = v & pte::kNt;
  a.oa_ok = a.valid && !a.table && (v & kBlockMask) == t.region_pa;
  if (a.table) {
    a.tid = kNotATable;
    for (size_t k = 0; k < tracked.size(); ++k)
      if (t.tables[size_t(tracked[k])].addr == (v & pte::kAddrMask)) a.tid = int(k);
  }
  return a;
}

AbsDesc abstract_page(const Trace& t, uint64_t v, unsigned i) {
  AbsDesc a;
  a.valid = (v & pte::kValid) && (v & pte::kPage);  // at L3 bit 1 clear is a fault
  a.ap2 = v & pte::kAp2;
  a.dbm = v & pte::kDbm;
  a.af = v & pte::kAf;
  a.oa_ok = a.valid && (v & pte::kAddrMask) == t.region_pa + i * kPage;
  return a;
}

std::vector<int> tracked_tables(const Trace& t, std::string* why) {
  std::vector<int> out;
  auto add = [&](int id) {
    if (id < 0 || id == t.slot_table || on_path(t, id)) return;
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  };
  if ((t.slot_at_start & (pte::kValid | pte::kTable)) == (pte::kValid | pte::kTable)) {
    for (size_t id = 0; id < t.tables.size(); ++id)
      if (t.tables[id].live_at_start && t.tables[id].addr == (t.slot_at_start & pte::kAddrMask)) add(int(id));
  }
  for (const Step& s : t.steps) {
    if (s.kind == StepKind::kAlloc) add(s.table);
    if (is_access(s.kind) && on_path(t, s.table) && s.before != s.after) {
      *why = "the operation changes an entry above the region's slot (the encoding models the slot and below)";
      return {};
    }
  }
  std::sort(out.begin(), out.end());
  if (out.size() > size_t(kMaxTrackedTables)) {
    *why = "the operation uses " + std::to_string(out.size()) + " tables below the slot (the encoding tracks " +
           std::to_string(kMaxTrackedTables) + ")";
    return {};
  }
  return out;
}

AddrTrace project(const Trace& t, const std::vector<int>& tracked, unsigned i) {
  AddrTrace a;
  const uint64_t addr = t.region_iova + i * kPage;
  a.slot_init = abstract_slot(t, tracked, t.slot_at_start);
  for (int id : tracked) {
    const TableInfo& info = t.tables[size_t(id)];
    a.live_init.push_back(info.live_at_start);
    a.page_init.push_back(info.live_at_start && i < info.entries_at_start.size()
                              ? abstract_page(t, info.entries_at_start[i], i)
                              : AbsDesc{});
  }
  for (size_t r = 0; r < t.steps.size(); ++r) {
    const Step& s = t.steps[r];
    AStep as{AKind::kSync};
    as.raw = r;
    switch (s.kind) {
      case StepKind::kRead:
      case StepKind::kWrite:
      case StepKind::kCmpxchg:
      case StepKind::kXchg:
      case StepKind::kFetchOr: {
        if (s.table < 0) {
          as.kind = AKind::kWild;
          break;
        }
        if (s.table == t.slot_table && s.index == t.slot_index) {
          as.kind = AKind::kSlot;
          as.before = abstract_slot(t, tracked, s.before);
          as.after = abstract_slot(t, tracked, s.after);
        } else {
          const int tid = tracked_id(tracked, s.table);
          if (tid < 0 || s.index != i) continue;  // another region, another page, or the walk path (read only)
          as.kind = AKind::kPage;
          as.tid = tid;
          as.before = abstract_page(t, s.before, i);
          as.after = abstract_page(t, s.after, i);
        }
        // A plain write sees nothing: whatever the device did to the entry first, the write replaces it.
        as.observes = s.kind != StepKind::kWrite;
        as.changed = s.before != s.after || !as.observes;
        break;
      }
      case StepKind::kInvRange:
        if (!covers(s.iova, s.size, addr)) continue;
        as.kind = AKind::kInv;
        as.leaf_only = s.leaf_only;
        break;
      case StepKind::kInvAll:
        as.kind = AKind::kInv;
        break;
      case StepKind::kSync:
        as.kind = AKind::kSync;
        break;
      case StepKind::kAlloc:
        if (tracked_id(tracked, s.table) < 0) continue;
        as.kind = AKind::kAlloc;
        as.tid = tracked_id(tracked, s.table);
        break;
      case StepKind::kFree: {
        const int tid = tracked_id(tracked, s.table);
        if (tid < 0 && s.table >= 0) continue;  // a table above or beside the region
        as.kind = AKind::kFree;
        as.tid = tid < 0 ? kNotATable : tid;
        break;
      }
      case StepKind::kRecord:
        if (!covers(s.iova, s.size, addr)) continue;
        as.kind = AKind::kRecord;
        break;
      case StepKind::kReturn:
        as.kind = AKind::kReturn;
        a.returns.push_back(s.ret);
        break;
      case StepKind::kReuse:
        as.kind = AKind::kReuse;
        break;
      case StepKind::kInjectDirty:
      case StepKind::kForeignInstall:
        continue;  // the model's device must do this itself
    }
    a.steps.push_back(as);
  }
  return a;
}

}  // namespace ptc::proofs
