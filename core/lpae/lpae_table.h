// The optimized ARM LPAE (VMSAv8-64 stage-1, 4 KiB granule) IO page table that ptcheck checks.
//
// One source, two builds: LpaeTable<HwMem> reaches every descriptor through the harness's ptc_hw
// (the checked build), LpaeTable<DirectMem> uses inline atomics (benchmarks). `Bugs` turns on the
// deliberate bugs of lpae_bugs.h for test-only broken targets; the shipped build has Bugs = 0.
//
// Semantics: SPEC.md sections 2 (descriptors), 3 (operations) and 6 (ABI and concurrency). The level
// arithmetic follows Linux's io-pgtable-arm.c: a level-L table entry covers 1 << (12 + 9 * (3 - L))
// bytes; the walk starts at L0 when ias > 39, else at L1, and the root has 2^(ias - shift) entries.
//
// Concurrency (SPEC section 6): operations on disjoint ranges run at once; read_and_clear_dirty and
// flush run beside anything; the device (HTTU) sets dirty by CAS at any time. Everything is
// lock-free except the lazy flush queue. Because ranges are disjoint, a descriptor this operation
// changes is changed by nobody else except (a) a new table installed into an empty slot by a map of
// a neighbouring range, handled by installing with CAS, and (b) the device clearing AP[2] of a
// writable-clean leaf, handled by CAS loops wherever a leaf is replaced.
#pragma once
#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

#include "core/descriptor_bits.h"
#include "core/lpae/lpae_bits.h"
#include "core/lpae/lpae_bugs.h"
#include "core/lpae/lpae_mem.h"
#include "ptcheck/target.h"

namespace ptc::lpae {

using pte_t = ptc_pte_t;

// ---- Geometry (4 KiB granule) ----------------------------------------------------------------

inline constexpr unsigned kLastLevel = 3;
inline constexpr unsigned kPageShift = 12;
inline constexpr unsigned kBitsPerLevel = 9;
inline constexpr unsigned kTableEntries = 1u << kBitsPerLevel;  // every table below the root
inline constexpr size_t kTableBytes = kTableEntries * sizeof(pte_t);
inline constexpr uint64_t kPageSize = 1ull << kPageShift;
inline constexpr uint64_t kBlock2M = 1ull << 21;
inline constexpr uint64_t kBlock1G = 1ull << 30;

constexpr unsigned level_shift(unsigned level) { return kPageShift + kBitsPerLevel * (kLastLevel - level); }
constexpr uint64_t level_size(unsigned level) { return 1ull << level_shift(level); }
constexpr unsigned start_level_for_ias(unsigned ias) { return ias > level_shift(0) ? 0 : 1; }

// ---- Descriptors (SPEC section 2) ---------------------------------------------------------------
// The bit arithmetic is lpae_bits.h's templates (proved equal to independent definitions by proofs/).

constexpr bool pte_valid(pte_t d) { return lpae_bits::is_valid<pte_t>(d) != 0; }
constexpr bool pte_is_table(pte_t d, unsigned level) {
  return level < kLastLevel && lpae_bits::is_table_above_l3<pte_t>(d) != 0;
}
constexpr bool pte_is_leaf(pte_t d, unsigned level) { return pte_valid(d) && !pte_is_table(d, level); }
// A block's output address is bits 47:N; the bits below (nT among them) are not part of it.
constexpr uint64_t pte_output(pte_t d, unsigned level) { return lpae_bits::leaf_output<pte_t>(d, level_shift(level)); }
constexpr bool pte_writable_dirty(pte_t d) { return lpae_bits::is_writable_dirty<pte_t>(d) != 0; }
constexpr bool pte_read_only(pte_t d) { return lpae_bits::is_read_only<pte_t>(d) != 0; }

inline pte_t* pte_table(pte_t d) { return reinterpret_cast<pte_t*>(static_cast<uintptr_t>(d & pte::kAddrMask)); }
// Table descriptors hold the table's address as alloc returned it (identity "physical" address).
inline pte_t make_table_desc(const pte_t* table) {
  return lpae_bits::table_desc<pte_t>(reinterpret_cast<uintptr_t>(table));
}
inline bool table_address_fits(const void* table) {
  return (reinterpret_cast<uintptr_t>(table) & ~pte::kAddrMask) == 0;
}

// ---- Batched TLB invalidation ---------------------------------------------------------------

struct InvRun {
  uint64_t iova, size, granule;
  bool leaf_only;
};

// Collects the address runs an operation must invalidate, merging contiguous ones (operations walk
// in address order), so that a large unmap issues a few range invalidations, not one per leaf.
class InvGather {
 public:
  // With a limit, a gather that would hold more runs than `limit` keeps none and is overflowed(): the
  // caller invalidates everything instead, and a scan that cleans every hundredth page does not build
  // a list of thousands of runs only to drop it.
  explicit InvGather(size_t limit = SIZE_MAX) : limit_(limit) {}

  void add(uint64_t iova, uint64_t size, uint64_t granule, bool leaf_only) {
    if (overflowed_) return;
    if (!runs_.empty()) {
      InvRun& last = runs_.back();
      if (last.iova + last.size == iova) {
        last.size += size;
        last.granule = std::min(last.granule, granule);
        last.leaf_only = last.leaf_only && leaf_only;
        return;
      }
    }
    if (runs_.size() == limit_) {
      overflowed_ = true;
      runs_.clear();
      runs_.shrink_to_fit();
      return;
    }
    runs_.push_back({iova, size, granule, leaf_only});
  }
  bool overflowed() const { return overflowed_; }
  bool empty() const { return runs_.empty() && !overflowed_; }
  bool removes_tables() const {
    return std::any_of(runs_.begin(), runs_.end(), [](const InvRun& r) { return !r.leaf_only; });
  }
  const std::vector<InvRun>& runs() const { return runs_; }
  std::vector<InvRun>& runs() { return runs_; }

 private:
  size_t limit_;
  bool overflowed_ = false;
  std::vector<InvRun> runs_;
};

// ---- Table reservation ----------------------------------------------------------------------

// Tables allocated before an operation changes anything, so that -ENOMEM leaves the table as it
// was. Whatever is not used (or lost a CAS race and was never linked) is freed on destruction.
template <class Mem>
class TablePool {
 public:
  explicit TablePool(const Mem& mem) : mem_(mem) {}
  ~TablePool() { release(); }
  TablePool(const TablePool&) = delete;
  TablePool& operator=(const TablePool&) = delete;

  // All or nothing: false (and nothing held) when any allocation fails.
  bool reserve(size_t count) {
    tables_.reserve(tables_.size() + std::min<size_t>(count, kTableEntries));  // absurd counts fail below
    for (size_t i = 0; i < count; ++i) {
      pte_t* t = allocate(mem_);
      if (!t) {
        release();
        return false;
      }
      tables_.push_back(t);
    }
    return true;
  }
  // A zeroed table; nullptr when the pool is empty.
  pte_t* take() {
    if (tables_.empty()) return nullptr;
    pte_t* t = tables_.back();
    tables_.pop_back();
    return t;
  }
  // A table that was never linked (and never written) goes back for reuse or freeing.
  void put_back(pte_t* table) { tables_.push_back(table); }
  void release() {
    for (pte_t* t : tables_) mem_.free(t);
    tables_.clear();
  }

  // One 4 KiB table, or nullptr. A table whose address a descriptor cannot hold counts as no memory.
  static pte_t* allocate(const Mem& mem) {
    void* p = mem.alloc(kTableBytes);
    if (p && !table_address_fits(p)) {
      mem.free(p);
      p = nullptr;
    }
    return static_cast<pte_t*>(p);
  }

 private:
  const Mem& mem_;
  std::vector<pte_t*> tables_;
};

// ---- The table --------------------------------------------------------------------------------

template <class Mem, unsigned Bugs = 0>
class LpaeTable {
 public:
  // A new empty table for cfg, or nullptr when cfg is refused or the root cannot be allocated.
  static LpaeTable* create(const ptc_cfg& cfg, Mem mem) {
    if (!config_ok(cfg)) return nullptr;
    const unsigned start = start_level_for_ias(cfg.ias);
    const unsigned root_entries = 1u << (cfg.ias - level_shift(start));
    void* root = mem.alloc(root_entries * sizeof(pte_t));
    if (!root) return nullptr;
    auto* t = new (std::nothrow) LpaeTable(cfg, mem, static_cast<pte_t*>(root), start, root_entries);
    if (!t) mem.free(root);
    return t;
  }

  static bool config_ok(const ptc_cfg& cfg) {
    const bool ias_ok = cfg.ias == 32 || cfg.ias == 36 || cfg.ias == 39 || cfg.ias == 42 || cfg.ias == 48;
    const bool oas_ok = cfg.oas >= 32 && cfg.oas <= 48;
    const uint64_t sizes_allowed = kPageSize | kBlock2M | kBlock1G;
    const bool pgsizes_ok = (cfg.pgsize_bitmap & kPageSize) && !(cfg.pgsize_bitmap & ~sizes_allowed);
    const bool flags_ok = !(cfg.flags & ~unsigned(PTC_CFG_HW_DIRTY | PTC_CFG_LAZY));
    return ias_ok && oas_ok && pgsizes_ok && cfg.bbml <= 2 && flags_ok;
  }

  // Drains the flush queue, detaches everything from the root, invalidates, then frees every table.
  ~LpaeTable() {
    flush();
    std::vector<Detached> subtrees;
    bool any_valid = false;
    for (unsigned i = 0; i < root_entries_; ++i) {
      const pte_t d = mem_.read(&root_[i]);
      if (!pte_valid(d)) continue;
      any_valid = true;
      mem_.write(&root_[i], 0);
      if (pte_is_table(d, start_level_)) subtrees.push_back({pte_table(d), start_level_ + 1, 0});
    }
    if (any_valid) {
      mem_.inv_all();
      mem_.sync();
    }
    for (const Detached& s : subtrees) free_subtree(s.table, s.level);
    mem_.free(root_);
  }

  LpaeTable(const LpaeTable&) = delete;
  LpaeTable& operator=(const LpaeTable&) = delete;

  pte_t* root() const { return root_; }
  const Mem& mem() const { return mem_; }
  unsigned start_level() const { return start_level_; }
  unsigned root_entries() const { return root_entries_; }

  // ---- map ----

  int map(uint64_t iova, uint64_t paddr, uint64_t size, unsigned prot) {
    if (!(prot & PTC_PROT_READ) || !iova_range_ok(iova, size) || !output_range_ok(paddr, size)) return -EINVAL;
    const MapArgs args{iova + size, paddr - iova, (prot & PTC_PROT_WRITE) != 0};
    size_t tables_needed = 0;
    if (int rc = plan_map(start_level_, root_, iova, args.end, args, tables_needed)) return rc;
    TablePool<Mem> pool(mem_);
    if constexpr (!has_bug(kBugEnomemPartial)) {
      if (!pool.reserve(tables_needed)) return -ENOMEM;
    }
    std::vector<Replaced> replaced;
    const int rc = map_range(start_level_, root_, iova, args.end, args, pool, replaced);
    // Empty tables a leaf replaced leave the walk cache before they are freed.
    if (!replaced.empty()) {
      for (const Replaced& r : replaced) mem_.inv_range(r.base, level_size(r.level), kPageSize, /*leaf_only=*/0);
      mem_.sync();
      for (const Replaced& r : replaced) free_subtree(r.table, r.level + 1);
    }
    return rc;
  }

  // ---- unmap ----

  int64_t unmap(uint64_t iova, uint64_t size) {
    UnmapWork w;
    if (int rc = clear_range_checked(iova, size, w)) return rc;
    for (const Detached& d : w.detached) harvest(d.table, d.level, d.base, w, /*record_dirty=*/false);
    if constexpr (has_bug(kBugFreeBeforeSync)) {
      free_tables(w.to_free);
      w.to_free.clear();
    }
    // Lazy mode defers leaf invalidation only. A removed table must leave the walk cache before unmap
    // returns, as Linux's non-strict unmap flushes walks at once: otherwise a map into the same range
    // before flush() could be walked through the old table and fault. So an unmap that removed tables
    // invalidates, syncs and frees them now, in either mode.
    if (lazy_ && !w.gather.removes_tables()) {
      enqueue_flush(w.gather.runs(), w.to_free);
      return w.bytes;
    }
    bool invalidate = !w.gather.empty();
    if constexpr (has_bug(kBugUnmapNoInvalidate)) invalidate = invalidate && w.gather.removes_tables();
    if (invalidate) {
      issue_invalidations(w.gather.runs());
      mem_.sync();
    }
    free_tables(w.to_free);
    if constexpr (has_bug(kBugDoubleFree)) free_tables(w.to_free);
    return w.bytes;
  }

  // As unmap, recording every removed writable-dirty leaf; always invalidates and syncs (lazy too).
  int64_t unmap_read_dirty(uint64_t iova, uint64_t size, const ptc_dirty* dirty) {
    UnmapWork w;
    w.read_dirty = true;
    w.dirty = RecordRun(dirty);
    if (int rc = clear_range_checked(iova, size, w)) return rc;
    if (!w.gather.empty()) {
      issue_invalidations(w.gather.runs());
      mem_.sync();
    }
    // After the sync no device can reach the detached tables: their leaves' dirty state is final.
    for (const Detached& d : w.detached) harvest(d.table, d.level, d.base, w, /*record_dirty=*/true);
    w.dirty.flush();
    free_tables(w.to_free);
    return w.bytes;
  }

  // Lazy mode: invalidate everything queued by unmap, sync, then free the queued tables.
  int flush() {
    if (!lazy_) return 0;
    // drain_mu_ is held through the sync so that a flush never returns while an earlier flush's
    // invalidation of entries it took off the queue is still in flight.
    std::lock_guard<std::mutex> drain(drain_mu_);
    std::vector<InvRun> runs;
    std::vector<pte_t*> tables;
    {
      std::lock_guard<std::mutex> queue(queue_mu_);
      runs.swap(queued_runs_);
      tables.swap(queued_tables_);
    }
    if (runs.empty() && tables.empty()) return 0;
    if constexpr (!has_bug(kBugLazyFlushNoop)) {
      issue_invalidations(runs);
      mem_.sync();
    }
    free_tables(tables);
    return 0;
  }

  // ---- split ----

  int split(uint64_t iova, uint64_t size) {
    if (bbml_ == 0) return -EOPNOTSUPP;
    if (!iova_range_ok(iova, size)) return -EINVAL;
    const uint64_t end = iova + size;
    if (range_cuts_leaf(iova, end)) return -EINVAL;  // only a block can stick out of a 4K-aligned range
    std::vector<SplitBlock> blocks;
    find_blocks(start_level_, root_, iova, end, blocks);
    if (blocks.empty()) return 0;
    if constexpr (has_bug(kBugSplitNullDeref)) {
      pte_t* volatile missing = nullptr;  // deliberate: the table a block should become was never found
      *missing = blocks.front().value;
    }
    TablePool<Mem> pool(mem_);
    if (!pool.reserve(tables_to_split(blocks))) return -ENOMEM;
    for (SplitBlock& b : blocks) prepare_replacement(b, pool);
    if constexpr (has_bug(kBugSplitBreakBeforeMake)) {
      split_break_before_make(blocks);
    } else {
      if (bbml_ == 1 && !has_bug(kBugBbml1NoNt))
        split_bbml1(blocks);
      else
        split_bbml2(blocks);
    }
    return 0;
  }

  // ---- merge ----

  int merge(uint64_t iova, uint64_t size) {
    if (bbml_ == 0) return -EOPNOTSUPP;
    if (!iova_range_ok(iova, size)) return -EINVAL;
    if (!(pgsizes_ & (kBlock2M | kBlock1G))) return 0;
    std::vector<Merged> merged;
    merge_range(start_level_, root_, iova, iova + size, merged);
    if (merged.empty()) return 0;
    if constexpr (has_bug(kBugMergeHeapOverflow)) {
      std::vector<pte_t> levels(merged.size());
      volatile pte_t past = levels.data()[levels.size()];  // deliberate: one element past the buffer
      (void)past;
    }
    // The old tables may sit in walk caches and their pages in the IOTLB: drop both before the
    // leaves are re-read for dirty state and the tables are freed.
    InvGather gather;
    for (const Merged& m : merged) gather.add(m.base, level_size(m.level), kPageSize, /*leaf_only=*/false);
    issue_invalidations(gather.runs());
    mem_.sync();
    std::vector<pte_t*> old_tables;
    for (const Merged& m : merged) finish_merge(m, old_tables);
    free_tables(old_tables);
    return 0;
  }

  // ---- dirty tracking ----

  int read_and_clear_dirty(uint64_t iova, uint64_t size, unsigned flags, const ptc_dirty* dirty) {
    if (!hw_dirty_) return -EOPNOTSUPP;
    if (!iova_range_ok(iova, size)) return -EINVAL;
    if constexpr (has_bug(kBugDirtyLoopsForever)) {
      for (volatile bool again = true; again;) {  // deliberate: a walk that never ends
      }
    }
    DirtyScan scan{RecordRun(dirty), !(flags & PTC_DIRTY_NO_CLEAR), InvGather(kMaxRangeInvalidations)};
    scan_dirty(start_level_, root_, iova, iova + size, scan);
    scan.dirty.flush();
    if constexpr (!has_bug(kBugClearNoInvalidate)) {
      // Cached writable-dirty entries would let the device write without marking the leaf again.
      if (!scan.cleaned.empty()) {
        if (scan.cleaned.overflowed())
          mem_.inv_all();
        else
          issue_invalidations(scan.cleaned.runs());
        mem_.sync();
      }
    }
    return 0;
  }

  // ---- lookup ----

  uint64_t iova_to_phys(uint64_t iova) const {
    if (iova >= (1ull << ias_)) return 0;
    unsigned level = 0;
    pte_t d = 0;
    if (!find_leaf(iova, level, d)) return 0;
    return pte_output(d, level) + (iova & (level_size(level) - 1));
  }

 private:
  static constexpr bool has_bug(unsigned bug) { return (Bugs & bug) != 0; }
  // Beyond this many runs one invalidate-all is cheaper than the range commands.
  static constexpr size_t kMaxRangeInvalidations = 64;

  // One table entry visited by for_each_slot: entry `idx` covers [base, base + size); the part of
  // the operation's range inside it is [start, end).
  struct Slot {
    unsigned idx;
    uint64_t base, size, start, end;
    bool whole() const { return start == base && end == base + size; }
  };
  // A table a map replaced with a leaf: the slot's level and base, and the table below it.
  struct Replaced {
    pte_t* table;
    unsigned level;
    uint64_t base;
  };

  struct MapArgs {
    uint64_t end;    // end of the whole map (the leaf choice depends on what is left)
    uint64_t delta;  // paddr - iova, modulo 2^64
    bool writable;
  };
  struct Detached {
    pte_t* table;
    unsigned level;  // level of `table`
    uint64_t base;   // iova its entry 0 maps
  };
  // Dirty records as a scan or an unmap meets them, merged while they are contiguous: one record() call
  // per run of dirty address space instead of one per leaf, so a bitmap writer sets a run's bits a word
  // at a time (the caller's bitmap is a set of pages: how records are cut is not observable). The owner
  // calls flush() before the operation returns.
  class RecordRun {
   public:
    explicit RecordRun(const ptc_dirty* dirty) : dirty_(dirty) {}
    void add(uint64_t iova, uint64_t length) {
      if (length_ && iova == start_ + length_) {
        length_ += length;
        return;
      }
      flush();
      start_ = iova;
      length_ = length;
    }
    void flush() {
      if (length_ && dirty_ && dirty_->record) dirty_->record(dirty_->ctx, start_, length_);
      length_ = 0;
    }

   private:
    const ptc_dirty* dirty_;
    uint64_t start_ = 0, length_ = 0;
  };
  struct UnmapWork {
    bool read_dirty = false;
    RecordRun dirty{nullptr};
    int64_t bytes = 0;
    InvGather gather;
    std::vector<Detached> detached;  // tables whose parent entry was cleared
    std::vector<pte_t*> to_free;     // every table of the detached subtrees
  };
  struct SplitBlock {
    pte_t* ptep;
    unsigned level;
    uint64_t base;
    pte_t value = 0;                  // the block descriptor the replacement was built from
    pte_t* replacement = nullptr;     // the level+1 table that takes the block's place
    std::vector<pte_t*> page_tables;  // the L3 tables that get the pages, in address order
  };
  // A candidate region's summary as one output block: every piece mapped, output addresses
  // contiguous and aligned to the region, one permission.
  struct Piece {
    bool ok = false;
    uint64_t oa = 0;
    bool writable = false;
    bool dirty = false;
  };
  struct SubRegion {
    pte_t* ptep;
    pte_t desc;
    uint64_t base;
    Piece piece;
  };
  struct Merged {
    pte_t* ptep;
    unsigned level;
    uint64_t base;
    pte_t installed;  // the block (with nT at bbml 1) that replaced the table
    pte_t* old_table;
    bool writable;
    bool dirty;       // dirty state computed from the first read of the old leaves
  };
  struct DirtyScan {
    RecordRun dirty;
    bool clear;
    InvGather cleaned;
  };

  LpaeTable(const ptc_cfg& cfg, Mem mem, pte_t* root, unsigned start_level, unsigned root_entries)
      : mem_(mem),
        ias_(cfg.ias),
        oas_(cfg.oas),
        bbml_(cfg.bbml),
        pgsizes_(cfg.pgsize_bitmap),
        hw_dirty_(cfg.flags & PTC_CFG_HW_DIRTY),
        lazy_(cfg.flags & PTC_CFG_LAZY),
        start_level_(start_level),
        root_entries_(root_entries),
        root_(root) {}

  // ---- small helpers ----

  unsigned entries(unsigned level) const { return level == start_level_ ? root_entries_ : kTableEntries; }
  unsigned index(uint64_t iova, unsigned level) const {
    return static_cast<unsigned>(lpae_bits::level_index<uint64_t>(iova, level_shift(level), entries(level) - 1));
  }

  // Calls fn(Slot) for every entry of a level-`level` table that [start, end) touches; stops at
  // and returns the first nonzero result.
  template <class Fn>
  int for_each_slot(unsigned level, uint64_t start, uint64_t end, Fn&& fn) const {
    const uint64_t size = level_size(level);
    unsigned idx = index(start, level);
    for (uint64_t base = start & ~(size - 1); base < end; base += size, ++idx) {
      if (int rc = fn(Slot{idx, base, size, std::max(start, base), std::min(end, base + size)})) return rc;
    }
    return 0;
  }

  // Aligned, nonempty, inside the input address space (no overflow).
  bool iova_range_ok(uint64_t iova, uint64_t size) const {
    const uint64_t limit = 1ull << ias_;
    return size != 0 && !((iova | size) & (kPageSize - 1)) && iova < limit && size <= limit - iova;
  }
  bool output_range_ok(uint64_t paddr, uint64_t size) const {
    const uint64_t limit = 1ull << oas_;
    return !(paddr & (kPageSize - 1)) && paddr < limit && size <= limit - paddr;
  }


  pte_t make_leaf(unsigned level, uint64_t oa, bool writable, bool dirty) const {
    const uint64_t attrs = lpae_bits::leaf_attrs(level == kLastLevel, writable, hw_dirty_, dirty, has_bug(kBugMapNoAf));
    return lpae_bits::leaf_desc<pte_t>(oa, level_shift(level), attrs);
  }

  void issue_invalidations(const std::vector<InvRun>& runs) const {
    if (runs.size() > kMaxRangeInvalidations) {
      mem_.inv_all();
      return;
    }
    for (const InvRun& r : runs) mem_.inv_range(r.iova, r.size, r.granule, r.leaf_only);
  }

  void free_tables(const std::vector<pte_t*>& tables) const {
    for (pte_t* t : tables) mem_.free(t);
  }

  // Walks to the leaf mapping iova; false when it is unmapped.
  bool find_leaf(uint64_t iova, unsigned& level_out, pte_t& desc_out) const {
    pte_t* table = root_;
    for (unsigned level = start_level_;; ++level) {
      const pte_t d = mem_.read(&table[index(iova, level)]);
      if (!pte_valid(d)) return false;
      if (!pte_is_table(d, level)) {
        level_out = level;
        desc_out = d;
        return true;
      }
      table = pte_table(d);
    }
  }

  // True when the leaf mapping iova (if any) reaches outside [start, end).
  bool leaf_sticks_out(uint64_t iova, uint64_t start, uint64_t end) const {
    unsigned level = 0;
    pte_t d = 0;
    if (!find_leaf(iova, level, d)) return false;
    const uint64_t base = iova & ~(level_size(level) - 1);
    return base < start || base + level_size(level) > end;
  }
  // Only the leaves at the two edges can be cut by the range.
  bool range_cuts_leaf(uint64_t start, uint64_t end) const {
    return leaf_sticks_out(start, start, end) || leaf_sticks_out(end - 1, start, end);
  }

  // ---- map internals ----

  // Linux's iommu_pgsize: the largest allowed size to which both addresses are aligned and that
  // fits in what is left.
  uint64_t choose_leaf_size(uint64_t iova, uint64_t paddr, uint64_t remaining) const {
    // The bug ignores paddr's alignment: iova | iova is iova.
    return lpae_bits::choose_leaf_size<uint64_t>(iova, has_bug(kBugPgsizeNoAlign) ? iova : paddr, remaining, pgsizes_);
  }
  // Whether the greedy choice puts a leaf of this level's size at iova. Smaller leaves never cross
  // a slot boundary, so the decision per slot is exactly the greedy sequence.
  bool leaf_here(unsigned level, uint64_t iova, const MapArgs& a) const {
    return choose_leaf_size(iova, iova + a.delta, a.end - iova) == level_size(level);
  }

  // Read-only pass: -EEXIST if any page of [start, end) is mapped; counts the tables the map will
  // create. `table` is nullptr for a table that does not exist yet (everything below is empty).
  int plan_map(unsigned level, pte_t* table, uint64_t start, uint64_t end, const MapArgs& a, size_t& tables) const {
    return for_each_slot(level, start, end, [&](const Slot& s) -> int {
      const pte_t d = table ? mem_.read(&table[s.idx]) : 0;
      // A leaf may replace a table that maps nothing (left behind by unmaps of all its pages).
      if (leaf_here(level, s.start, a))
        return !pte_valid(d) || (pte_is_table(d, level) && subtree_empty(level + 1, pte_table(d))) ? 0 : -EEXIST;
      if (!pte_valid(d)) {
        ++tables;
        return level + 1 < kLastLevel ? plan_map(level + 1, nullptr, s.start, s.end, a, tables) : 0;
      }
      if (!pte_is_table(d, level)) return -EEXIST;  // a block maps part of the range
      return plan_map(level + 1, pte_table(d), s.start, s.end, a, tables);
    });
  }

  // Writing pass: installs tables from the pool and writes the leaves.
  int map_range(unsigned level, pte_t* table, uint64_t start, uint64_t end, const MapArgs& a, TablePool<Mem>& pool,
                std::vector<Replaced>& replaced) {
    if (level == kLastLevel) {
      map_pages(table, start, end, a);
      return 0;
    }
    bool wrote_leaf = false;
    const int rc = for_each_slot(level, start, end, [&](const Slot& s) -> int {
      pte_t* ptep = &table[s.idx];
      if (leaf_here(level, s.start, a)) {
        const pte_t leaf = make_leaf(level, s.start + a.delta, a.writable, /*dirty=*/true);
        const pte_t seen = mem_.read(ptep);
        if (pte_is_table(seen, level)) {
          // An empty table (the plan checked): swap it for the leaf, free it after invalidation.
          if (mem_.cmpxchg(ptep, seen, leaf) == seen) replaced.push_back({pte_table(seen), level, s.base});
        } else {
          mem_.write(ptep, leaf);
        }
        wrote_leaf = true;
        return 0;
      }
      pte_t* child = table_for_map(ptep, level, pool);
      if (!child) return -ENOMEM;
      return map_range(level + 1, child, s.start, s.end, a, pool, replaced);
    });
    if constexpr (has_bug(kBugDirectOob)) {
      if (wrote_leaf) table[entries(level)] = 0;  // deliberate: a plain store one past the table's end
    }
    (void)wrote_leaf;
    return rc;
  }

  // A last-level table: every leaf is a 4K page (a larger leaf at any of these addresses would have been
  // chosen one level up), so no size choice per page; the same read and write per page as the general
  // loop (the read finds no table at the last level).
  void map_pages(pte_t* table, uint64_t start, uint64_t end, const MapArgs& a) {
    const unsigned first = index(start, kLastLevel);
    const unsigned last = first + static_cast<unsigned>((end - start) >> kPageShift);
    const pte_t leaf0 = make_leaf(kLastLevel, start + a.delta, a.writable, /*dirty=*/true);
#pragma GCC unroll 8
    for (unsigned i = first; i < last; ++i) {
      pte_t* ptep = &table[i];
      (void)mem_.read(ptep);
      if constexpr (has_bug(kBugLeafPlainStore))
        *ptep = leaf0 + (pte_t(i - first) << kPageShift);  // deliberate: a store the harness is not told of
      else
        mem_.write(ptep, leaf0 + (pte_t(i - first) << kPageShift));
    }
    if constexpr (has_bug(kBugDirectOob)) {
      if (last > first) table[kTableEntries] = 0;  // deliberate: a plain store one past the table's end
    }
  }

  // Whether the subtree of `table` (at `level`) holds no valid leaf.
  bool subtree_empty(unsigned level, pte_t* table) const {
    for (unsigned i = 0; i < entries(level); ++i) {
      const pte_t d = mem_.read(&table[i]);
      if (!pte_valid(d)) continue;
      if (!pte_is_table(d, level) || !subtree_empty(level + 1, pte_table(d))) return false;
    }
    return true;
  }

  // Frees `table` (at `level`) and every table below it; the device can no longer reach them.
  void free_subtree(pte_t* table, unsigned level) const {
    if (level < kLastLevel)
      for (unsigned i = 0; i < entries(level); ++i) {
        const pte_t d = mem_.read(&table[i]);
        if (pte_is_table(d, level)) free_subtree(pte_table(d), level + 1);
      }
    mem_.free(table);
  }

  // The table below *ptep, installing a reserved one if the slot is empty. A map of a neighbouring
  // range may install one at the same time: the CAS decides, and the loser's table (never linked,
  // never written) goes back to the pool.
  pte_t* table_for_map(pte_t* ptep, unsigned level, TablePool<Mem>& pool) {
    const pte_t seen = mem_.read(ptep);
    if (pte_is_table(seen, level)) return pte_table(seen);
    pte_t* fresh = pool.take();
    if (!fresh) fresh = TablePool<Mem>::allocate(mem_);  // only when the plan reserved none (kBugEnomemPartial)
    if (!fresh) return nullptr;
    const pte_t desc = make_table_desc(fresh);
    if constexpr (has_bug(kBugMapPlainInstall)) {
      mem_.write(ptep, desc);
      return fresh;
    }
    const pte_t prev = mem_.cmpxchg(ptep, seen, desc);
    if (prev == seen) return fresh;
    pool.put_back(fresh);
    return pte_table(prev);
  }

  // ---- unmap internals ----

  int clear_range_checked(uint64_t iova, uint64_t size, UnmapWork& w) {
    if (!iova_range_ok(iova, size)) return -EINVAL;
    if constexpr (!has_bug(kBugUnmapWholeLeaf)) {
      if (range_cuts_leaf(iova, iova + size)) return -EINVAL;
    }
    clear_range(start_level_, root_, iova, iova + size, w);
    return 0;
  }

  // Clears every leaf inside [start, end) and the parent entry of every table wholly inside it.
  void clear_range(unsigned level, pte_t* table, uint64_t start, uint64_t end, UnmapWork& w) {
    for_each_slot(level, start, end, [&](const Slot& s) -> int {
      pte_t* ptep = &table[s.idx];
      const pte_t seen = mem_.read(ptep);
      if (!pte_valid(seen)) return 0;
      if (pte_is_table(seen, level) && !s.whole()) {
        clear_range(level + 1, pte_table(seen), s.start, s.end, w);
        return 0;
      }
      // A leaf inside the range (or one it cuts, with kBugUnmapWholeLeaf) or a table wholly inside.
      const pte_t old = clear_entry(ptep, seen, w.read_dirty);
      if (pte_is_table(old, level)) {
        w.gather.add(s.base, s.size, kPageSize, /*leaf_only=*/false);
        w.detached.push_back({pte_table(old), level + 1, s.base});
        return 0;
      }
      w.bytes += static_cast<int64_t>(s.size);
      w.gather.add(s.base, s.size, s.size, /*leaf_only=*/true);
      if (w.read_dirty && pte_writable_dirty(old)) w.dirty.add(s.base, s.size);
      return 0;
    });
  }

  // Clears one entry and returns the value it held when cleared. When the dirty state matters the
  // clear is one xchg: a device dirty update cannot land between reading and clearing.
  pte_t clear_entry(pte_t* ptep, pte_t seen, bool keep_dirty_state) {
    if (!keep_dirty_state) {
      mem_.write(ptep, 0);
      return seen;
    }
    if constexpr (has_bug(kBugUnmapDirtyNonatomic)) {
      const pte_t old = mem_.read(ptep);
      mem_.write(ptep, 0);
      return old;
    }
    return mem_.xchg(ptep, 0);
  }

  // Walks a detached subtree: counts its leaves' bytes, optionally records its dirty leaves, and
  // collects its tables for freeing.
  void harvest(pte_t* table, unsigned level, uint64_t base, UnmapWork& w, bool record_dirty) {
    if (level == kLastLevel) return harvest_pages(table, base, w, record_dirty);
    const uint64_t size = level_size(level);
    for (unsigned i = 0; i < kTableEntries; ++i) {
      const pte_t d = mem_.read(&table[i]);
      if (!pte_valid(d)) continue;
      const uint64_t iova = base + i * size;
      if (pte_is_table(d, level)) {
        harvest(pte_table(d), level + 1, iova, w, record_dirty);
        continue;
      }
      w.bytes += static_cast<int64_t>(size);
      if (record_dirty && pte_writable_dirty(d)) w.dirty.add(iova, size);
    }
    w.to_free.push_back(table);
  }

  // A detached last-level table: only pages, so a count of the valid entries gives the bytes. The same
  // reads, and records in the same order, as the general loop.
  void harvest_pages(pte_t* table, uint64_t base, UnmapWork& w, bool record_dirty) {
    uint64_t pages = 0;
#pragma GCC unroll 8
    for (unsigned i = 0; i < kTableEntries; ++i) {
      const pte_t d = mem_.read(&table[i]);
      pages += pte_valid(d) ? 1 : 0;
      if (record_dirty && pte_valid(d) && pte_writable_dirty(d)) w.dirty.add(base + i * kPageSize, kPageSize);
    }
    w.bytes += static_cast<int64_t>(pages * kPageSize);
    w.to_free.push_back(table);
  }

  void enqueue_flush(const std::vector<InvRun>& runs, const std::vector<pte_t*>& tables) {
    if (runs.empty() && tables.empty()) return;
    std::lock_guard<std::mutex> queue(queue_mu_);
    queued_runs_.insert(queued_runs_.end(), runs.begin(), runs.end());
    queued_tables_.insert(queued_tables_.end(), tables.begin(), tables.end());
  }

  // Frees a subtree that nothing can reach any more (destroy).
  void free_subtree(pte_t* table, unsigned level) {
    if (level < kLastLevel) {
      for (unsigned i = 0; i < kTableEntries; ++i) {
        const pte_t d = mem_.read(&table[i]);
        if (pte_is_table(d, level)) free_subtree(pte_table(d), level + 1);
      }
    }
    if constexpr (has_bug(kBugLeakTable)) {
      if (level == kLastLevel) return;
    }
    mem_.free(table);
  }

  // ---- split internals ----

  // Blocks inside [start, end) (the caller checked that none sticks out). L3 tables hold only pages.
  void find_blocks(unsigned level, pte_t* table, uint64_t start, uint64_t end, std::vector<SplitBlock>& out) const {
    for_each_slot(level, start, end, [&](const Slot& s) -> int {
      pte_t* ptep = &table[s.idx];
      const pte_t d = mem_.read(ptep);
      if (!pte_valid(d)) return 0;
      if (pte_is_table(d, level)) {
        if (level + 1 < kLastLevel) find_blocks(level + 1, pte_table(d), s.start, s.end, out);
        return 0;
      }
      if (level < kLastLevel) out.push_back(SplitBlock{ptep, level, s.base, 0, nullptr, {}});
      return 0;
    });
  }

  static size_t tables_to_split(const std::vector<SplitBlock>& blocks) {
    size_t n = 0;
    for (const SplitBlock& b : blocks) n += (b.level + 1 == kLastLevel) ? 1 : 1 + kTableEntries;
    return n;
  }

  // Takes the replacement tables from the pool; a 1G block's L2 table is linked to its 512 L3 tables
  // here, off-line. The pages themselves depend on the block's value and are written by write_pages.
  void prepare_replacement(SplitBlock& b, TablePool<Mem>& pool) {
    b.replacement = pool.take();
    if (b.level + 1 == kLastLevel) {
      b.page_tables.push_back(b.replacement);
      return;
    }
    b.page_tables.reserve(kTableEntries);
    for (unsigned i = 0; i < kTableEntries; ++i) {
      pte_t* pages = pool.take();
      mem_.write(&b.replacement[i], make_table_desc(pages));
      b.page_tables.push_back(pages);
    }
  }

  // Fills the replacement with 4K pages equivalent to `block`: same output addresses, permission
  // and dirty state (nT, part of the block's address field, is dropped).
  void write_pages(const SplitBlock& b, pte_t block) {
    pte_t attrs = (block & ~(pte::kAddrMask | pte::kTable)) | pte::kPage;
    if constexpr (has_bug(kBugSplitDropsDirty)) {
      if (attrs & pte::kDbm) attrs |= pte::kAp2;
    }
    const uint64_t oa = pte_output(block, b.level);
    for (size_t t = 0; t < b.page_tables.size(); ++t) {
      pte_t* pages = b.page_tables[t];
      const uint64_t table_oa = oa + t * kBlock2M;
      for (unsigned i = 0; i < kTableEntries; ++i) mem_.write(&pages[i], attrs | (table_oa + i * kPageSize));
    }
  }

  // Replaces `expected` (the block as last seen) by the prepared table with one CAS. If the CAS
  // fails the device dirtied the block in between: rebuild the pages from the new value and retry.
  void install_split(SplitBlock& b, pte_t expected) {
    write_pages(b, expected);
    const pte_t desc = make_table_desc(b.replacement);
    if constexpr (has_bug(kBugSplitPlainWrite)) {
      mem_.write(b.ptep, desc);
      return;
    }
    for (;;) {
      const pte_t prev = mem_.cmpxchg(b.ptep, expected, desc);
      if (prev == expected) return;
      expected = prev;
      write_pages(b, expected);
    }
  }

  // BBML1: an nT block is never cached and never faults. Mark each block nT, invalidate the cached
  // block entries, then swap the tables in: no moment with two translations in the IOTLB.
  void split_bbml1(std::vector<SplitBlock>& blocks) {
    InvGather gather;
    for (SplitBlock& b : blocks) {
      b.value = set_nt(b.ptep);
      gather.add(b.base, level_size(b.level), level_size(b.level), /*leaf_only=*/true);
    }
    issue_invalidations(gather.runs());
    mem_.sync();
    for (SplitBlock& b : blocks) install_split(b, b.value);
  }

  // Sets nT on a block, retrying when the device dirtied it meanwhile; returns the new value.
  pte_t set_nt(pte_t* ptep) {
    pte_t v = mem_.read(ptep);
    for (;;) {
      const pte_t prev = mem_.cmpxchg(ptep, v, v | pte::kNt);
      if (prev == v) return v | pte::kNt;
      v = prev;
    }
  }

  // BBML2: the IOTLB may hold the old block and the new pages at once; swap first, then invalidate
  // the block entries.
  void split_bbml2(std::vector<SplitBlock>& blocks) {
    InvGather gather;
    for (SplitBlock& b : blocks) {
      install_split(b, mem_.read(b.ptep));
      gather.add(b.base, level_size(b.level), level_size(b.level), /*leaf_only=*/true);
    }
    issue_invalidations(gather.runs());
    mem_.sync();
  }

  // kBugSplitBreakBeforeMake: the BBML0 sequence, where the device faults while the block is gone.
  void split_break_before_make(std::vector<SplitBlock>& blocks) {
    InvGather gather;
    for (SplitBlock& b : blocks) {
      b.value = mem_.xchg(b.ptep, 0);
      gather.add(b.base, level_size(b.level), level_size(b.level), /*leaf_only=*/true);
    }
    issue_invalidations(gather.runs());
    mem_.sync();
    for (SplitBlock& b : blocks) {
      write_pages(b, b.value);
      mem_.write(b.ptep, make_table_desc(b.replacement));
    }
  }

  // ---- merge internals ----

  bool allows(uint64_t size) const { return (pgsizes_ & size) != 0; }

  static Piece leaf_piece(pte_t d, unsigned level) {
    if (!pte_is_leaf(d, level)) return {};
    return Piece{true, pte_output(d, level), !pte_read_only(d), pte_writable_dirty(d)};
  }

  // Folds the pieces of a region (in address order) into the region's summary.
  class RegionFold {
   public:
    RegionFold(uint64_t region_size, uint64_t piece_size) : region_size_(region_size), piece_size_(piece_size) {}
    void add(const Piece& p) {
      if (!result_.ok) return;
      if (!p.ok) return fail();
      if (first_) {
        first_ = false;
        if (p.oa & (region_size_ - 1)) return fail();
        result_.oa = p.oa;
        result_.writable = p.writable;
        next_oa_ = p.oa;
      } else if (p.oa != next_oa_ || p.writable != result_.writable) {
        return fail();
      }
      next_oa_ += piece_size_;
      result_.dirty = result_.dirty || p.dirty;
    }
    bool ok() const { return result_.ok; }
    Piece result() const { return result_; }

   private:
    void fail() { result_.ok = false; }
    uint64_t region_size_, piece_size_, next_oa_ = 0;
    bool first_ = true;
    Piece result_{true, 0, false, false};
  };

  // The 2M region of an L3 table as one block.
  Piece scan_page_table(pte_t* table) const {
    RegionFold fold(kBlock2M, kPageSize);
    for (unsigned i = 0; i < kTableEntries && fold.ok(); ++i) fold.add(leaf_piece(mem_.read(&table[i]), kLastLevel));
    return fold.result();
  }

  // The 1G region of an L2 table as one block. With `subs` every 2M piece is summarized (for the 2M
  // fallback); without, the scan stops at the first piece that rules the 1G block out.
  Piece scan_l2_table(pte_t* table, uint64_t base, std::vector<SubRegion>* subs) const {
    RegionFold fold(kBlock1G, kBlock2M);
    for (unsigned i = 0; i < kTableEntries; ++i) {
      if (!subs && !fold.ok()) break;
      const pte_t d = mem_.read(&table[i]);
      const Piece p = pte_is_table(d, 2) ? scan_page_table(pte_table(d)) : leaf_piece(d, 2);
      if (subs) subs->push_back({&table[i], d, base + i * kBlock2M, p});
      fold.add(p);
    }
    return fold.result();
  }

  // Finds the mergeable regions in [start, end) and swaps each table for its block (nT at bbml 1).
  void merge_range(unsigned level, pte_t* table, uint64_t start, uint64_t end, std::vector<Merged>& out) {
    for_each_slot(level, start, end, [&](const Slot& s) -> int {
      pte_t* ptep = &table[s.idx];
      const pte_t d = mem_.read(ptep);
      if (!pte_is_table(d, level)) return 0;  // a hole or already a block
      pte_t* child = pte_table(d);
      if (s.whole() && level == 1 && allows(kBlock1G)) {
        merge_1g_region(ptep, d, s.base, child, out);
        return 0;
      }
      if (s.whole() && level == 2) {
        if (allows(kBlock2M)) {
          const Piece p = scan_page_table(child);
          if (p.ok) install_merge(ptep, level, s.base, d, p, out);
        }
        return 0;
      }
      if (level < 2) merge_range(level + 1, child, s.start, s.end, out);
      return 0;
    });
  }

  // A whole 1G region: one 1G block if possible, else each mergeable 2M region.
  void merge_1g_region(pte_t* ptep, pte_t desc, uint64_t base, pte_t* l2, std::vector<Merged>& out) {
    std::vector<SubRegion> subs;
    if (allows(kBlock2M)) subs.reserve(kTableEntries);
    const Piece whole = scan_l2_table(l2, base, allows(kBlock2M) ? &subs : nullptr);
    if (whole.ok) {
      install_merge(ptep, 1, base, desc, whole, out);
      return;
    }
    for (const SubRegion& sub : subs)
      if (sub.piece.ok && pte_is_table(sub.desc, 2)) install_merge(sub.ptep, 2, sub.base, sub.desc, sub.piece, out);
  }

  void install_merge(pte_t* ptep, unsigned level, uint64_t base, pte_t table_desc, const Piece& p,
                     std::vector<Merged>& out) {
    pte_t block = make_leaf(level, p.oa, p.writable, p.dirty);
    if (bbml_ == 1) block |= pte::kNt;  // never cached while the old pages may still be
    // Nobody else changes a table descriptor inside our range; a failed CAS leaves the region alone.
    if (mem_.cmpxchg(ptep, table_desc, block) != table_desc) return;
    out.push_back({ptep, level, base, block, pte_table(table_desc), p.writable, p.dirty});
  }

  // After the sync: re-read the old leaves (the device may have written through cached pages until
  // then), make the block dirty if one of them became dirty, clear nT, and collect the old tables.
  void finish_merge(const Merged& m, std::vector<pte_t*>& old_tables) {
    bool check_dirty = hw_dirty_ && m.writable && !m.dirty;
    if constexpr (has_bug(kBugMergeLosesDirty)) check_dirty = false;
    bool became_dirty = false;
    collect_old_tables(m.old_table, m.level + 1, check_dirty, old_tables, became_dirty);
    settle_block(m.ptep, m.installed, became_dirty);
  }

  void collect_old_tables(pte_t* table, unsigned level, bool check_dirty, std::vector<pte_t*>& tables,
                          bool& dirty) const {
    if (level < kLastLevel || check_dirty) {
      for (unsigned i = 0; i < kTableEntries; ++i) {
        const pte_t d = mem_.read(&table[i]);
        if (pte_is_table(d, level))
          collect_old_tables(pte_table(d), level + 1, check_dirty, tables, dirty);
        else if (check_dirty && pte_writable_dirty(d))
          dirty = true;
      }
    }
    tables.push_back(table);
  }

  // Turns the installed block into its final form (no nT; dirty if asked) with a CAS loop: the
  // device may dirty the block at any moment.
  void settle_block(pte_t* ptep, pte_t installed, bool make_dirty) {
    pte_t cur = installed;
    for (;;) {
      pte_t want = cur & ~pte::kNt;
      if (make_dirty) want &= ~pte::kAp2;
      if (want == cur) return;
      const pte_t prev = mem_.cmpxchg(ptep, cur, want);
      if (prev == cur) return;
      cur = prev;
    }
  }

  // ---- read_and_clear_dirty internals ----

  void scan_dirty(unsigned level, pte_t* table, uint64_t start, uint64_t end, DirtyScan& scan) {
    if (level == kLastLevel) return scan_dirty_pages(table, start, end, scan);
    for_each_slot(level, start, end, [&](const Slot& s) -> int {
      pte_t* ptep = &table[s.idx];
      const pte_t d = mem_.read(ptep);
      if (!pte_valid(d)) return 0;
      if (pte_is_table(d, level)) {
        scan_dirty(level + 1, pte_table(d), s.start, s.end, scan);
        return 0;
      }
      // read-only, clean or untracked (the bug: any writable leaf with DBM, clean ones too)
      const bool reported = has_bug(kBugDirtyRecordsClean) ? (d & pte::kDbm) != 0 : pte_writable_dirty(d);
      if (!reported) return 0;
      scan.dirty.add(s.start, s.end - s.start);
      if (!scan.clear || has_bug(kBugDirtyNeverClears)) return 0;
      // A leaf sticking out of the range stays dirty, so its pages outside are not lost.
      if (!s.whole() && !has_bug(kBugDirtyCleansStraddling)) return 0;
      mem_.fetch_or(ptep, pte::kAp2);  // atomic: never loses a concurrent device update
      scan.cleaned.add(s.base, s.size, s.size, /*leaf_only=*/true);
      return 0;
    });
  }

  // A last-level table: every entry is a 4K page wholly inside [start, end) (both 4K-aligned), so the
  // loop needs no slot arithmetic. The same accesses in the same order as the general loop above: one
  // read per entry, a fetch_or for each page it cleans. This loop is the scan's whole cost.
  void scan_dirty_pages(pte_t* table, uint64_t start, uint64_t end, DirtyScan& scan) {
    const unsigned first = index(start, kLastLevel);
    const unsigned last = first + static_cast<unsigned>((end - start) >> kPageShift);
    const bool clean = scan.clear && !has_bug(kBugDirtyNeverClears);
    // Cleaned pages are gathered a contiguous run at a time (the gather would merge them anyway).
    uint64_t run_start = 0, run_end = 0;
    // The record run lives in registers for the loop (its fields stored before each atomic clean would
    // wait in the store buffer that the clean's lock drains).
    RecordRun records = scan.dirty;
    // Reported: valid, DBM and not AP[2] (writable-dirty), tested as one masked compare so that the
    // common case, a leaf to skip, is a load, an and, a compare and a branch (the bug: any valid leaf
    // with DBM, clean ones too).
    constexpr pte_t kMask = has_bug(kBugDirtyRecordsClean) ? pte::kValid | pte::kDbm : pte::kValid | pte::kDbm | pte::kAp2;
    constexpr pte_t kReported = pte::kValid | pte::kDbm;
    // Unrolled: the loop's own increments and branch cost as much as the test (0 % dirty: 1.3x a
    // sequential read of the same bytes rolled, 1.0x unrolled).
#pragma GCC unroll 8
    for (unsigned i = first; i < last; ++i) {
      const pte_t d = mem_.read(&table[i]);
      if (__builtin_expect((d & kMask) != kReported, 1)) continue;
      const uint64_t iova = start + (uint64_t(i - first) << kPageShift);
      records.add(iova, kPageSize);
      if (!clean) continue;
      mem_.fetch_or(&table[i], pte::kAp2);  // atomic: never loses a concurrent device update
      if (iova != run_end) {
        if (run_end != run_start) scan.cleaned.add(run_start, run_end - run_start, kPageSize, /*leaf_only=*/true);
        run_start = iova;
      }
      run_end = iova + kPageSize;
    }
    scan.dirty = records;
    if (run_end != run_start) scan.cleaned.add(run_start, run_end - run_start, kPageSize, /*leaf_only=*/true);
  }

  // ---- state ----

  Mem mem_;
  const unsigned ias_, oas_, bbml_;
  const uint64_t pgsizes_;
  const bool hw_dirty_, lazy_;
  const unsigned start_level_, root_entries_;
  pte_t* const root_;

  // Lazy flush queue: invalidations and tables that unmap deferred to flush().
  std::mutex queue_mu_;  // guards the two vectors; held only to push or take
  std::mutex drain_mu_;  // serializes flush()
  std::vector<InvRun> queued_runs_;
  std::vector<pte_t*> queued_tables_;
};

}  // namespace ptc::lpae
