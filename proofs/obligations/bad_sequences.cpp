#include "proofs/obligations/bad_sequences.h"

#include <cerrno>
#include <chrono>

#include "core/descriptor_bits.h"
#include "proofs/obligations/target_obligations.h"
#include "proofs/trace/canonical.h"

namespace ptc::proofs {

namespace {

// Writes a step sequence the way a target would perform it, on synthetic tables: T0 (L0) -> T1 (L1) -> T2
// (L2, the slot's table) and, for the pages shape, T3 (L3).
class SequenceBuilder {
 public:
  SequenceBuilder(const char* what, unsigned bbml, bool lazy, Shape shape) {
    t_.what = what;
    t_.hand_written = true;
    t_.cfg = ptc_cfg{48, 48, 0x1000 | 0x200000 | 0x40000000, bbml, PTC_CFG_HW_DIRTY | (lazy ? PTC_CFG_LAZY : 0u)};
    t_.region_iova = kRegionIova;
    t_.region_pa = kRegionPa;
    for (int i = 0; i < 3; ++i) add_table(true);
    t_.path_tables = {0, 1};
    t_.path_indexes = {0, 1};
    t_.slot_table = 2;
    t_.slot_index = 0;
    if (shape == Shape::kBlock) {
      slot_ = block_clean();
    } else {
      const int t = add_table(true);
      for (unsigned k = 0; k < kPagesPerRegion; ++k) mem_[size_t(t)][k] = page(k, /*dirty=*/false);
      slot_ = table_desc(t);
    }
    t_.slot_at_start = slot_;
    mem_[2][0] = slot_;
    for (size_t id = 0; id < t_.tables.size(); ++id) t_.tables[id].entries_at_start = mem_[id];
  }

  static constexpr uint64_t block_clean() {
    return pte::kValid | pte::kAf | pte::kDbm | pte::kAp2 | kRegionPa;
  }
  static uint64_t page(unsigned k, bool dirty) {
    return pte::kValid | pte::kPage | pte::kAf | pte::kDbm | (dirty ? 0 : pte::kAp2) | (kRegionPa + k * 4096ull);
  }
  uint64_t table_desc(int t) const { return pte::kValid | pte::kTable | t_.tables[size_t(t)].addr; }

  // The slot is read as `seen` (a value the device may have produced first, e.g. dirty).
  void read_slot(uint64_t seen) { access(StepKind::kRead, 2, 0, seen, seen); }
  void write_slot(uint64_t v) { access(StepKind::kWrite, 2, 0, slot_, v); }
  void xchg_slot(uint64_t seen, uint64_t v) { access(StepKind::kXchg, 2, 0, seen, v); }
  void cas_slot(uint64_t expected, uint64_t v) { access(StepKind::kCmpxchg, 2, 0, expected, v, expected); }
  void fetch_or_slot(uint64_t seen, uint64_t bits) { access(StepKind::kFetchOr, 2, 0, seen, seen | bits, bits); }
  int alloc() {
    const int t = add_table(false);
    Step s{StepKind::kAlloc};
    s.table = t;
    t_.steps.push_back(s);
    return t;
  }
  // The 512 pages of the region written into table t, clean or dirty.
  void write_pages(int t, bool dirty) {
    for (unsigned k = 0; k < kPagesPerRegion; ++k) access(StepKind::kWrite, t, k, mem_[size_t(t)][k], page(k, dirty));
  }
  void read_pages(int t) {
    for (unsigned k = 0; k < kPagesPerRegion; ++k) access(StepKind::kRead, t, k, mem_[size_t(t)][k], mem_[size_t(t)][k]);
  }
  void inv(bool leaf_only) {
    Step s{StepKind::kInvRange};
    s.iova = kRegionIova, s.size = kRegionSize, s.granule = 4096, s.leaf_only = leaf_only;
    t_.steps.push_back(s);
  }
  void sync() { t_.steps.push_back(Step{StepKind::kSync}); }
  void free(int t) {
    Step s{StepKind::kFree};
    s.table = t;
    t_.steps.push_back(s);
  }
  void record() {
    Step s{StepKind::kRecord};
    s.iova = kRegionIova, s.size = kRegionSize;
    t_.steps.push_back(s);
  }
  void ret(const char* op, int64_t v) {
    Step s{StepKind::kReturn};
    s.op = op, s.ret = v;
    t_.steps.push_back(s);
  }
  void reuse() { t_.steps.push_back(Step{StepKind::kReuse}); }
  Trace take() { return std::move(t_); }

 private:
  int add_table(bool live) {
    TableInfo info;
    info.addr = 0x10000000ull + 0x1000ull * t_.tables.size();
    info.bytes = 4096;
    info.live_at_start = live;
    t_.tables.push_back(info);
    mem_.emplace_back(kPagesPerRegion, 0);
    return int(t_.tables.size() - 1);
  }
  void access(StepKind k, int table, unsigned index, uint64_t before, uint64_t after, uint64_t arg = 0) {
    Step s{k};
    s.table = table, s.index = index, s.before = before, s.after = after, s.arg = arg;
    s.access_no = ++accesses_;
    t_.steps.push_back(s);
    mem_[size_t(table)][index] = after;
    if (table == 2 && index == 0) slot_ = after;
  }

  Trace t_;
  std::vector<std::vector<uint64_t>> mem_;
  uint64_t slot_ = 0;
  unsigned accesses_ = 0;
};

constexpr uint64_t kDirtyBlock = SequenceBuilder::block_clean() & ~pte::kAp2;

// Split that builds the pages from what it read and installs with `install`.
Trace split_sequence(const char* what, unsigned bbml, bool cas_install, bool pages_dirty = false, uint64_t seen = 0) {
  SequenceBuilder b(what, bbml, false, Shape::kBlock);
  const uint64_t block = seen ? seen : SequenceBuilder::block_clean();
  b.read_slot(block);
  const int t = b.alloc();
  b.write_pages(t, pages_dirty);
  if (cas_install)
    b.cas_slot(block, b.table_desc(t));
  else
    b.write_slot(b.table_desc(t));
  b.inv(true);
  b.sync();
  b.ret("split", 0);
  return b.take();
}

// Split by break-before-make: clear the block, invalidate, sync, then build and install the table. Correct at
// bbml 0; at bbml 1 and 2 the device faults while the block is gone.
Trace split_break_before_make(const char* what, unsigned bbml) {
  SequenceBuilder b(what, bbml, false, Shape::kBlock);
  b.xchg_slot(SequenceBuilder::block_clean(), 0);
  b.inv(true);
  b.sync();
  const int t = b.alloc();
  b.write_pages(t, false);
  b.write_slot(b.table_desc(t));
  b.ret("split", 0);
  return b.take();
}

struct BadSequence {
  const char* name;
  const char* statement;
  Property property;
  bool expect_refuted;
  Trace (*build)();
  ModelSpec (*spec)();
};

ModelSpec split_done(unsigned bbml) {
  ModelSpec m;
  m.bbml = bbml;
  m.final_spec = FinalSpec::kSplitDone;
  m.expected_returns = {0};
  return m;
}
ModelSpec unmapped(bool lazy) {
  ModelSpec m;
  m.final_spec = FinalSpec::kUnmapped;
  m.expected_returns = lazy ? std::vector<int64_t>{0x200000, 0} : std::vector<int64_t>{0x200000};
  return m;
}

const BadSequence kSequences[] = {
    {"bad.split-install-by-plain-write",
     "split (bbml 2) installing its table with a plain write is refuted by no-lost-dirty", Property::kNoLostDirty, true,
     [] { return split_sequence("hand-written split: install by plain write (bbml 2)", 2, false); },
     [] { return split_done(2); }},
    {"bad.split-bbml1-without-nt",
     "split at bbml 1 replacing the live block without nT/invalidate/sync is refuted by no-tlb-conflict",
     Property::kNoTlbConflict, true,
     [] { return split_sequence("hand-written split: bbml 1 without nT", 1, true); }, [] { return split_done(1); }},
    {"bad.split-bbml0-without-break-before-make",
     "split at bbml 0 without break-before-make is refuted by no-tlb-conflict", Property::kNoTlbConflict, true,
     [] { return split_sequence("hand-written split: bbml 0 without break-before-make", 0, true); },
     [] { return split_done(0); }},
    {"good.split-bbml0-break-before-make",
     "split at bbml 0 by break-before-make (clear, invalidate, sync, install) is proved by no-tlb-conflict",
     Property::kNoTlbConflict, false,
     [] { return split_break_before_make("hand-written split: bbml 0 break-before-make", 0); },
     [] { return split_done(0); }},
    {"bad.split-bbml1-break-before-make",
     "split at bbml 1 by break-before-make (the device faults meanwhile) is refuted by no-fault-same-output",
     Property::kNoFaultSameOutput, true,
     [] { return split_break_before_make("hand-written split: break-before-make at bbml 1", 1); },
     [] { return split_done(1); }},
    {"bad.split-clean-pages-from-dirty-block",
     "split making clean pages from a block it read dirty is refuted by final-state", Property::kFinalState, true,
     [] { return split_sequence("hand-written split: clean pages from a dirty block (bbml 2)", 2, true, false, kDirtyBlock); },
     [] { return split_done(2); }},
    {"bad.merge-without-dirty-recheck",
     "merge (bbml 2) that does not re-read the old pages after its sync is refuted by no-lost-dirty",
     Property::kNoLostDirty, true,
     [] {
       SequenceBuilder b("hand-written merge: no dirty re-check after the sync (bbml 2)", 2, false, Shape::kPages);
       b.read_slot(b.table_desc(3));
       b.read_pages(3);
       b.cas_slot(b.table_desc(3), SequenceBuilder::block_clean());
       b.inv(false);
       b.sync();
       b.free(3);
       b.ret("merge", 0);
       return b.take();
     },
     [] {
       ModelSpec m;
       m.bbml = 2;
       m.final_spec = FinalSpec::kMergeDone;
       m.expected_returns = {0};
       return m;
     }},
    {"bad.unmap-free-before-sync",
     "unmap freeing the removed table before its invalidation is synced is refuted by no-freed-table-walk",
     Property::kNoFreedTableWalk, true,
     [] {
       SequenceBuilder b("hand-written unmap: free before sync (strict)", 2, false, Shape::kPages);
       b.read_slot(b.table_desc(3));
       b.write_slot(0);
       b.free(3);
       b.inv(false);
       b.sync();
       b.ret("unmap", 0x200000);
       b.reuse();
       return b.take();
     },
     [] { return unmapped(false); }},
    {"bad.unmap-return-before-sync",
     "strict unmap returning before its sync is refuted by no-stale-access", Property::kNoStaleAccess, true,
     [] {
       SequenceBuilder b("hand-written unmap: return before sync (strict)", 2, false, Shape::kBlock);
       b.read_slot(SequenceBuilder::block_clean());
       b.write_slot(0);
       b.inv(true);
       b.ret("unmap", 0x200000);
       b.reuse();
       b.sync();
       return b.take();
     },
     [] { return unmapped(false); }},
    {"bad.unmap-clear-without-invalidation",
     "strict unmap clearing the block with no invalidation is refuted by no-stale-access", Property::kNoStaleAccess, true,
     [] {
       SequenceBuilder b("hand-written unmap: clear without invalidation (strict)", 2, false, Shape::kBlock);
       b.read_slot(SequenceBuilder::block_clean());
       b.write_slot(0);
       b.ret("unmap", 0x200000);
       b.reuse();
       return b.take();
     },
     [] { return unmapped(false); }},
    {"bad.lazy-reuse-before-flush",
     "lazy unmap whose caller reuses IOVA and memory before flush() is refuted by no-stale-access",
     Property::kNoStaleAccess, true,
     [] {
       SequenceBuilder b("hand-written lazy unmap: reuse before flush", 2, true, Shape::kBlock);
       b.read_slot(SequenceBuilder::block_clean());
       b.write_slot(0);
       b.ret("unmap", 0x200000);
       b.reuse();
       b.inv(true);
       b.sync();
       b.ret("flush", 0);
       return b.take();
     },
     [] { return unmapped(true); }},
    {"bad.dirty-clear-without-invalidation",
     "read_and_clear_dirty cleaning without invalidation is refuted by its no-lost-dirty", Property::kDirtyNotLost, true,
     [] {
       SequenceBuilder b("hand-written read_and_clear_dirty: clean without invalidation", 2, false, Shape::kBlock);
       b.read_slot(kDirtyBlock);
       b.record();
       b.fetch_or_slot(kDirtyBlock, pte::kAp2);
       b.ret("read_and_clear_dirty", 0);
       return b.take();
     },
     [] {
       ModelSpec m;
       m.expected_returns = {0};
       return m;
     }},
    {"bad.unmap-read-dirty-read-then-clear",
     "unmap_read_dirty reading the block, then clearing it with a plain write, is refuted by writes-recorded",
     Property::kWritesRecorded, true,
     [] {
       SequenceBuilder b("hand-written unmap_read_dirty: read, then plain write of 0", 2, false, Shape::kBlock);
       b.read_slot(SequenceBuilder::block_clean());
       b.write_slot(0);
       b.inv(true);
       b.sync();
       b.ret("unmap_read_dirty", 0x200000);
       b.reuse();
       return b.take();
     },
     [] { return unmapped(false); }},
};

}  // namespace

std::vector<Obligation> bad_sequence_obligations() {
  std::vector<Obligation> out;
  for (const BadSequence& s : kSequences) {
    out.push_back({s.name, s.statement, s.expect_refuted, 20000, [s](const ProveTarget&, unsigned ms) {
                     const auto t0 = std::chrono::steady_clock::now();
                     const Subject subj = hand_written_subject(s.build());
                     const ModelOutcome o = check_property(spec_for(subj, s.spec()), subj.groups, s.property, ms);
                     Result r = make_result(s.name, s.statement, subj, &o);
                     r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                     return r;
                   }});
  }
  return out;
}

}  // namespace ptc::proofs
