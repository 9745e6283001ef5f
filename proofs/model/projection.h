// A recorded trace as seen from one address: page `i` of the region. Each step becomes its effect on what
// the device can see for that address -- the region's slot, entry i of each table below it, the TLB
// commands that cover it, the records that cover it -- and steps with no such effect disappear (writes to
// other entries, other regions). Device actions in the gaps around a dropped step merge into one gap, so
// nothing is lost: the device acts between any two remaining steps.
//
// Descriptors are abstracted to the fields the device model reads, relative to the address: valid, table,
// AP[2], DBM, AF, nT, "output is this page's" and, for a table descriptor, which tracked table.
#pragma once
#include <string>
#include <vector>

#include "proofs/trace/trace.h"

namespace ptc::proofs {

inline constexpr int kMaxTrackedTables = 4;
inline constexpr int kNotATable = 15;  // a table descriptor pointing at no live table from alloc_table

struct AbsDesc {
  bool valid = false, table = false, ap2 = false, dbm = false, af = false, nt = false, oa_ok = false;
  int tid = -1;  // table descriptors: the tracked table (0..), or kNotATable
  bool operator==(const AbsDesc&) const = default;
  bool writable_dirty() const { return valid && !table && dbm && !ap2; }
  bool writable_clean() const { return valid && !table && dbm && ap2; }
};

enum class AKind { kSlot, kPage, kInv, kSync, kAlloc, kFree, kRecord, kReturn, kReuse, kWild };

struct AStep {
  explicit AStep(AKind k = AKind::kSync) : kind(k) {}
  AKind kind;
  int tid = -1;            // kPage, kAlloc, kFree (kNotATable for a free of something else)
  AbsDesc before, after;   // kSlot, kPage
  bool changed = false;    // kSlot, kPage: the concrete value changed (a device CAS against it then fails)
  bool observes = false;   // kSlot, kPage: the CPU sees the old value (read, cmpxchg, xchg, fetch_or; not write)
  bool leaf_only = false;  // kInv
  size_t raw = 0;          // index of the recorded step this comes from
  bool operator==(const AStep& o) const {
    return kind == o.kind && tid == o.tid && (before == o.before || !observes) && after == o.after &&
           changed == o.changed && observes == o.observes && leaf_only == o.leaf_only;
  }
};

struct AddrTrace {
  AbsDesc slot_init;
  std::vector<AbsDesc> page_init;  // per tracked table: entry i at the start
  std::vector<bool> live_init;     // per tracked table
  std::vector<AStep> steps;
  std::vector<int64_t> returns;    // return values, in order
  bool operator==(const AddrTrace& o) const {
    return slot_init == o.slot_init && page_init == o.page_init && live_init == o.live_init && steps == o.steps &&
           returns == o.returns;
  }
};

// The tables below the slot the model tracks: those the slot points to at the start and those allocated
// during the recording (in id order). Empty with *why when there are more than kMaxTrackedTables, or the
// trace changes an entry above the slot (outside what the encoding covers).
std::vector<int> tracked_tables(const Trace& t, std::string* why);

// The trace projected onto page i (0..511).
AddrTrace project(const Trace& t, const std::vector<int>& tracked, unsigned i);

AbsDesc abstract_slot(const Trace& t, const std::vector<int>& tracked, uint64_t v);
AbsDesc abstract_page(const Trace& t, uint64_t v, unsigned i);

}  // namespace ptc::proofs
