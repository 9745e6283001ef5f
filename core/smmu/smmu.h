// The simulated SMMU (SPEC.md section 4): it provides the target's ptc_hw services, walks the
// target's tables from root() as an SMMUv3 does (4K granule, start level from ias), keeps an IOTLB
// (leaf entries) and a walk cache (table entries), performs HTTU dirty updates by compare-and-swap
// with re-walk, and applies invalidations at tlb_sync. It raises oracles 4-8 of section 5 itself.
//
// Two views of the caches:
//  - the concrete IOTLB and walk cache, filled only by explicit device actions (script `dev` lines,
//    `@N` injections), which give device accesses their results;
//  - the "may-cache" ledger: the hardware may walk and fill at any moment, so every translation or
//    table that was reachable at any step may be cached until an invalidation covering it, issued
//    after it changed, has been synced. The ledger lets the oracles fire for a missing invalidation
//    or sync even when no script line happened to fill the cache.
//
// The walker decodes descriptors itself (SPEC section 2); it shares no code with the reference model
// or the optimized table.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/oracles.h"
#include "core/ops.h"
#include "core/smmu/access_site.h"
#include "core/smmu/event_log.h"
#include "core/smmu/timeline.h"
#include "ptcheck/target.h"

namespace ptc {

// A leaf as the hardware reads it from the current tables.
struct HwLeaf {
  uint64_t iova = 0, size = 0, pa = 0;
  bool writable = false;  // AP2=0, or DBM=1 with hw_dirty
  bool dirty = false;     // writable with AP2=0
  bool nt = false;
  bool af = true;  // AF=0: the hardware takes an access-flag fault
  int level = 0;
  ptc_pte_t desc = 0;
};

// `count` consecutive leaves of one level as the hardware reads them: first, then each next one leaf size
// further in input and output, with the same attributes.
struct HwRun {
  HwLeaf first;
  uint64_t count = 0;
  HwLeaf leaf(uint64_t k) const {
    HwLeaf l = first;
    l.iova += k * first.size;
    l.pa += k * first.size;
    l.desc += k * first.size;
    return l;
  }
};

// Result of a device access.
struct DeviceResult {
  bool fault = true;
  uint64_t pa = 0;
  std::string how;  // "IOTLB hit ...", "walk L0[0] L1[1] ...", "permission fault", ...
};

// The words an op is named by in reports ("`unmap 0x200000 0x1000`"). Made only when a report or an
// event needs them: most runs never print one, and formatting every op's was a tenth of a fuzz run.
class OpLabel {
 public:
  OpLabel() = default;
  OpLabel(std::string text) : text_(std::move(text)), made_(true) {}
  OpLabel(const char* text) : OpLabel(std::string(text)) {}
  // `make` must stay callable while the op runs and until check_returned_op() after it.
  explicit OpLabel(std::function<std::string()> make) : make_(std::move(make)) {}
  const std::string& str() const {
    if (!made_) text_ = make_ ? make_() : std::string(), made_ = true;
    return text_;
  }

 private:
  std::function<std::string()> make_;
  mutable std::string text_;
  mutable bool made_ = false;
};

class Smmu {
 public:
  explicit Smmu(const Config& cfg);
  ~Smmu();
  Smmu(const Smmu&) = delete;
  Smmu& operator=(const Smmu&) = delete;

  const ptc_hw* hw() const { return &hw_; }
  const Config& config() const { return cfg_; }

  // Attach the target's root table (after create) / detach it (before destroy: the STE is torn
  // down, the caches are invalidated, and the target may free everything).
  void attach(ptc_pte_t* root);
  void detach();
  int start_level() const { return start_level_; }

  // Operation bracketing: descriptor accesses are counted per operation, the access hook is called
  // after those it asks for (for `@N` injections), and end_op() runs the checks due when an op returns.
  void begin_op(OpKind kind, uint64_t iova, uint64_t size, OpLabel label);
  void end_op();
  // The checks due when the op that end_op() closed has returned: every translation it changed that
  // the IOTLB may still hold must have been invalidated and synced (lazy unmaps: by flush()).
  // Separate from end_op() so the runner can first compare the state (a lost mapping is reported as
  // a divergence, not as the stale translation it also causes).
  void check_returned_op();
  bool in_op() const { return op_active_; }
  uint64_t op_accesses() const { return op_accesses_; }
  // `hook(n)` runs after the op's nth counted access for each n of `at` (ascending; duplicates run it once),
  // or after every one when `at` is empty; nullptr: none. The counts are those of the op in progress: set
  // it after begin_op(). An op's injections sit at a few counts, and a call at every other access (to
  // look the count up) was a tenth of a fuzz run.
  void set_access_hook(std::function<void(uint64_t access_count)> hook, std::vector<uint64_t> at = {}) {
    on_access_ = std::move(hook);
    hook_at_ = std::move(at);
    next_hook_at_ = on_access_ ? next_hook_count(op_accesses_) : kNoHook;
  }
  // The descriptor access the hook follows: which slot, of which level, read or stored. Valid inside
  // the hook (the table it names is live then).
  AccessSite last_access() const {
    const Table& t = *last_access_table_;
    return AccessSite{last_access_read_, t.reachable ? t.level : -1,
                      t.level >= 0 ? t.iova_base + (uint64_t(last_access_index_) << level_shift(t.level)) : 0};
  }
  // While set, where each counted access of the op is appended to *sites (element i: access i + 1), up to
  // `limit` of them: what fuzz_ops aims its injections with, at a push per access (a hook per access
  // cost a third of a run).
  void record_access_sites(std::vector<AccessSite>* sites, size_t limit) {
    access_sites_ = sites;
    access_sites_limit_ = limit;
  }
  // Suspend the counting and the hook (an injected op runs as if on another CPU).
  void set_hook_enabled(bool on) {
    hook_enabled_ = on;
    update_access_flags();
  }
  // The harness's own calls into the target (iova_to_phys checks) are not the op's accesses: they
  // are neither counted, nor hooked, nor traced.
  void set_harness_call(bool on) {
    harness_call_ = on;
    update_access_flags();
  }

  // `fail alloc N`: the Nth table allocation of the next operation returns NULL.
  void fail_allocation(uint64_t n) { fail_at_ = n; }
  bool allocation_failed() const { return alloc_failed_; }

  // Device actions.
  DeviceResult device_access(uint64_t iova, bool write);
  DeviceResult device_fill(uint64_t iova);
  void device_evict(uint64_t iova);
  void device_evict_all();

  // The hardware's reading of the current tables over [iova, iova+size), no side effects.
  std::vector<HwLeaf> leaves_in(uint64_t iova, uint64_t size) const;
  // The same into *out (cleared first), whose capacity a caller reuses.
  void leaves_in(uint64_t iova, uint64_t size, std::vector<HwLeaf>* out) const;
  // The same leaves as runs (cleared first): a descriptor that is the last one plus a leaf size extends
  // its run without being decoded. The runner compares a split 1G block as one run, not 262,144 leaves.
  void leaf_runs_in(uint64_t iova, uint64_t size, std::vector<HwRun>* out) const;
  std::optional<HwLeaf> leaf_at(uint64_t iova) const;

  // Oracles raised here; the first one is kept.
  const std::optional<Violation>& violation() const { return violation_; }
  void raise(Oracle o, const std::string& message);
  void clear_violation() { violation_.reset(); }

  // Tables still allocated (after destroy: a leak).
  size_t live_tables() const { return tables_.size(); }
  void check_leaks();

  // The event log (event_log.h): recent events (descriptor accesses, TLB maintenance, device
  // actions, oracles), for a failure's trace. On unless switched off; off, events() is empty and
  // recording an event costs a branch.
  void set_event_log(bool on) { log_.set_enabled(on); }
  const EventLog& event_log() const { return log_; }
  // The log's events formatted for a trace (EventLog::lines()).
  std::vector<std::string> events() const { return log_.lines(); }
  void clear_events() { log_.clear(); }
  // An event of the harness's own (the runner: an op's result, a skipped statement) into the log and
  // the timeline; `text()` (the event in words, without who acted) runs only when one records.
  template <class MakeText>
  void note(EventKind kind, MakeText&& text) {
    if (recording()) add_event(kind, text());
  }
  uint64_t now() const { return seq_; }

  // Structured recording for the HTML timeline: every event from now on is appended to *out with the
  // caches after it (nullptr: off, the default). The runner tells which script line is running.
  void record_timeline(std::vector<TimelineEvent>* out) { timeline_ = out; }
  void set_statement_line(int line) { statement_line_ = line; }
  int statement_line() const { return statement_line_; }

 private:
  struct Table {
    size_t bytes = 0;
    int level = -1;        // known once linked below the root
    uint64_t iova_base = 0;
    int parents = 0;       // references from reachable tables
    bool reachable = false;
    bool exposed = false;  // may be in the walk cache: reachable since the last synced invalidation
    uint64_t unlinked_at = 0;
    // What ptc_hw accesses and the device's own updates left in each descriptor (smmu_shadow.cpp):
    // memory that differs was changed by a store the harness was not told of (SPEC 6).
    std::vector<ptc_pte_t> shadow;
  };
  enum class StaleCause : uint8_t { kDescriptorChanged, kTableUnlinked };
  // A slot of a table linked into the tree, as it was when a store hit it.
  struct Slot {
    int level = 0;
    unsigned index = 0;
    uint64_t iova = 0;  // the first IOVA it translates
  };
  static std::string slot_text(const Slot& at);  // "L3[5] (iova 0x5000)"
  // A translation the IOTLB may still hold although the tables changed (the may-cache ledger).
  struct Stale {
    uint64_t iova = 0, span = 0;  // the range it covers (coalesced run of leaves of one size)
    uint64_t leaf_size = 0, pa = 0;  // pa of iova
    bool writable = false, dirty = false;
    uint64_t created_at = 0;
    uint64_t op_id = 0;
    bool lazy_unmap = false;  // created by a lazy unmap: may stay until flush()
    // What made it (cause_text() puts it in words, only for a report): the slot whose store did.
    StaleCause cause = StaleCause::kDescriptorChanged;
    int cause_level = 0;
    unsigned cause_index = 0;
    uint64_t cause_slot = 0;
  };
  struct TlbEntry {
    uint64_t iova = 0, size = 0, pa = 0;
    bool writable = false, dirty = false;
    ptc_pte_t desc = 0;
    ptc_pte_t* ptep = nullptr;
    uint64_t filled_at = 0;
  };
  struct WalkEntry {
    int level = 0;  // level of the table it points to
    uint64_t iova_base = 0, span = 0;
    uintptr_t table = 0;
    uint64_t filled_at = 0;
  };
  struct PendingInv {
    uint64_t iova = 0, size = 0;
    bool leaf_only = false, all = false;
    uint64_t issued_at = 0;
  };
  struct WalkStep {
    int level;
    unsigned index;
    uintptr_t table;
  };
  struct Walk {
    bool fault = true;
    std::string why;
    HwLeaf leaf;
    ptc_pte_t* ptep = nullptr;
    std::vector<WalkStep> steps;
    // When the walk started from a walk-cache entry: that entry's fill time. What the walk caches is
    // as old as that (an invalidation pending against the entry covers what was derived from it).
    uint64_t age = ~0ull;
  };

  // ptc_hw thunks.
  static void* hw_alloc(void* ctx, size_t bytes);
  static void hw_free(void* ctx, void* table);
  static ptc_pte_t hw_read(void* ctx, ptc_pte_t* p);
  static void hw_write(void* ctx, ptc_pte_t* p, ptc_pte_t v);
  static ptc_pte_t hw_cmpxchg(void* ctx, ptc_pte_t* p, ptc_pte_t o, ptc_pte_t v);
  static ptc_pte_t hw_xchg(void* ctx, ptc_pte_t* p, ptc_pte_t v);
  static ptc_pte_t hw_fetch_or(void* ctx, ptc_pte_t* p, ptc_pte_t bits);
  static void hw_inv_range(void* ctx, uint64_t iova, uint64_t size, uint64_t granule, int leaf_only);
  static void hw_inv_all(void* ctx);
  static void hw_sync(void* ctx);

  void* alloc_table(size_t bytes);
  void free_table(void* table);
  Table* table_of(const ptc_pte_t* p, uintptr_t* base);
  Table* live_table(uintptr_t addr);
  // The table p lies in, counting the access as a step; nullptr (an oracle raised) outside every live table
  // or misaligned. The table found is table_of()'s cache from then on: its address is last_table_base_.
  // Inline for the table the last access hit: every descriptor access of every run.
  [[gnu::always_inline]] Table* check_access(EventKind kind, ptc_pte_t* p) {
    ++seq_;
    const uintptr_t off = reinterpret_cast<uintptr_t>(p) - last_table_base_;
    if (off < last_table_bytes_ && off % sizeof(ptc_pte_t) == 0) [[likely]]
      return last_table_;
    return find_accessed_table(kind, p);
  }
  Table* find_accessed_table(EventKind kind, ptc_pte_t* p);
  ptc_pte_t exchange(EventKind kind, ptc_pte_t* p, ptc_pte_t v);
  // Counts the op's access and calls the access hook when it asked for this count (for `@N` injections):
  // inline, it runs for every access.
  [[gnu::always_inline]] void after_access() {
    if (!counting_) return;
    ++op_accesses_;
    if (access_sites_ || op_accesses_ >= next_hook_at_) after_counted_access();
  }
  void after_counted_access();  // the access's site and the hook, when asked for
  // The first count after `n` the hook asked for (kNoHook: none).
  static constexpr uint64_t kNoHook = ~uint64_t{0};
  uint64_t next_hook_count(uint64_t n) const {
    if (hook_at_.empty()) return n + 1;
    const auto it = std::upper_bound(hook_at_.begin(), hook_at_.end(), n);
    return it == hook_at_.end() ? kNoHook : *it;
  }
  std::function<void(uint64_t access_count)> on_access_;
  std::vector<uint64_t> hook_at_;
  uint64_t next_hook_at_ = kNoHook;
  void on_store(Table& t, uintptr_t base, unsigned index, ptc_pte_t old_val, ptc_pte_t new_val);
  // The shadow (smmu_shadow.cpp): kept up to date by every access the harness sees; an access that
  // finds memory other than the shadow, or a scan at the end of an op or before a device action,
  // raises unseen-write.
  void shadow_store(Table& t, uintptr_t base, const ptc_pte_t* p, ptc_pte_t v);
  // check_seen() and seen_store() are for the table check_access() just found (table_of's cache): its
  // shadow is at hand without a look at the table's record.
  void check_seen(const ptc_pte_t* p, ptc_pte_t found, EventKind by) {
    const size_t index = (uintptr_t(p) - last_table_base_) / sizeof(ptc_pte_t);
    if (last_shadow_[index] != found) raise_found_unseen(*last_table_, last_table_base_, index, found, by);
  }
  void seen_store(const ptc_pte_t* p, ptc_pte_t v) { last_shadow_[(uintptr_t(p) - last_table_base_) / sizeof(ptc_pte_t)] = v; }
  void raise_found_unseen(Table& t, uintptr_t base, size_t index, ptc_pte_t found, EventKind by);
  void check_unseen_writes(const char* when);
  void raise_unseen(Table& t, uintptr_t base, unsigned index, ptc_pte_t found, const std::string& when);
  void tlb_inv(uint64_t iova, uint64_t size, bool leaf_only, bool all);
  void tlb_sync();

  // Table descriptors and leaves as the hardware decodes them.
  unsigned level_shift(int level) const { return 39u - 9u * unsigned(level); }
  unsigned entries_at(int level) const;
  bool is_table_desc(int level, ptc_pte_t d) const { return level < 3 && (d & 3) == 3; }
  std::optional<HwLeaf> decode_leaf(int level, uint64_t iova, ptc_pte_t d) const;

  // Where a store happened, as text: built only when a report or a stale entry needs it (every
  // descriptor store goes through on_store, and formatting each was a tenth of a fuzz run).
  using Describe = std::function<std::string()>;
  void link(uintptr_t child, int level, uint64_t base, const Slot& at);
  void unlink(uintptr_t child, const Slot& at);
  void mark_reachable(Table& t, uintptr_t base, int level, uint64_t iova_base);
  void mark_unreachable(Table& t, uintptr_t base);
  void collect_leaves(uintptr_t table, int level, uint64_t base, std::vector<HwLeaf>& out, uint64_t lo,
                      uint64_t hi) const;
  template <class OnLeaf>
  void for_each_leaf_descriptor(uintptr_t table, int level, uint64_t base, uint64_t lo, uint64_t hi,
                                OnLeaf& on_leaf) const;
  // leaf_runs_in() below `table` (runs appended to *out, the last one extended where it goes on).
  void runs_below(uintptr_t table, int level, uint64_t base, uint64_t lo, uint64_t hi, std::vector<HwRun>* out) const;
  // The slots [*first, *last] of a live table at `level` for `base` that intersect [lo, hi); false: none.
  bool slots_in(uintptr_t table, int level, uint64_t base, uint64_t lo, uint64_t hi, uint64_t* first,
                uint64_t* last) const;
  void add_stale(const HwLeaf* leaves, size_t n, StaleCause cause, const Slot& at);
  void add_stale_leaf(const HwLeaf& l, StaleCause cause, const Slot& at);  // add_stale(&l, 1, ...)
  void add_stale_run(const HwLeaf& first, uint64_t span, StaleCause cause, const Slot& at);
  std::string cause_text(const Stale& s) const;
  void check_new_translations(const HwLeaf* leaves, size_t n, const Describe& where);
  // The leaves of the table at `level` translating from `base` (the whole span of its 512 slots), into
  // *out, cleared first.
  void leaves_below(uintptr_t table, int level, uint64_t base, std::vector<HwLeaf>* out) const;
  // link(), unlink() and the return check: leaves read for one use, capacity kept. Every use fills it
  // afresh (leaves_below, leaves_in clear it first).
  std::vector<HwLeaf> scratch_leaves_;
  void check_stale_at_return(uint64_t op_id, const OpLabel& label, uint64_t flush_began_at, const char* when);

  Walk walk(uint64_t iova, bool use_walk_cache, bool fill_walk_cache);
  void fill_tlb(const Walk& w);
  std::string where(uintptr_t base, const Table& t, unsigned index) const;

  Config cfg_;
  ptc_hw hw_{};
  int start_level_ = 0;
  uintptr_t root_ = 0;
  bool attached_ = false;
  std::map<uintptr_t, Table> tables_;
  // table_of()'s cache (map nodes stay put until erased); none: no_table_, which holds no address. Its
  // size and shadow are copied here, beside its address: every descriptor access reads them.
  Table no_table_;
  Table* last_table_ = &no_table_;
  uintptr_t last_table_base_ = 0;
  size_t last_table_bytes_ = 0;
  ptc_pte_t* last_shadow_ = nullptr;  // last_table_->shadow.data(), which covers its bytes
  void cache_table(uintptr_t base, Table* t) {
    last_table_ = t;
    last_table_base_ = base;
    last_table_bytes_ = t->bytes;
    last_shadow_ = t->shadow.data();
  }
  void forget_table() { cache_table(0, &no_table_); }
  std::vector<Stale> stale_;
  std::vector<TlbEntry> tlb_;
  std::vector<WalkEntry> walk_cache_;
  std::vector<PendingInv> pending_;

  uint64_t seq_ = 0;
  uint64_t last_inv_at_ = 0;  // when the last invalidation was issued
  bool op_active_ = false;
  // What every descriptor access looks at, kept from the three flags above and below that make them:
  // counting_ (count the access, call the hook) and noting_ (where it was, the trace).
  bool counting_ = false, noting_ = false;
  void update_access_flags() {
    counting_ = op_active_ && hook_enabled_ && !harness_call_;
    noting_ = op_active_ && !harness_call_;
  }
  OpKind op_kind_ = OpKind::Map;
  uint64_t op_id_ = 0, op_iova_ = 0, op_size_ = 0, op_counter_ = 0;
  OpLabel op_label_;
  uint64_t op_accesses_ = 0;
  bool hook_enabled_ = true;
  bool harness_call_ = false;
  bool in_hook_ = false;
  std::vector<AccessSite>* access_sites_ = nullptr;
  size_t access_sites_limit_ = 0;
  uint64_t fail_at_ = 0, op_allocs_ = 0;
  bool alloc_failed_ = false;
  // An op injected with `@N` runs inside another: the outer op's bracket is saved here.
  struct OpFrame {
    OpKind kind;
    uint64_t id, iova, size;
    OpLabel label;
    uint64_t accesses, allocs, fail_at;
    bool alloc_failed;
    uint64_t began_at;
  };
  std::vector<OpFrame> op_stack_;
  struct Returned {
    uint64_t id = 0;
    OpKind kind = OpKind::Map;
    OpLabel label;
    uint64_t began_at = 0;
  } returned_;
  uint64_t op_began_at_ = 0;
  std::map<uint64_t, uint64_t> op_returned_at_;  // op id -> step at which it returned

  std::optional<Violation> violation_;
  EventLog log_;
  // Whether an event goes anywhere (the log, the timeline): its text is built only then.
  bool recording() const { return log_.enabled() || timeline_; }
  void add_event(EventKind kind, std::string text);
  // After every descriptor access of an op: where it was (last_access()), and into the log and the
  // timeline when they record. `access` holds the values; record_access fills in where. Inline, and the
  // values are only gathered when something records: it runs for every access of every fuzz execution.
  template <class Values>
  [[gnu::always_inline]] void note_access(EventKind kind, uintptr_t base, const Table& t, unsigned index,
                                          Values&& values) {
    if (!noting_) return;  // the harness's own iova_to_phys checks stay out of traces
    // Where, as raw facts: last_access() puts them together only when a hook asks.
    last_access_table_ = &t;
    last_access_index_ = index;
    last_access_read_ = kind == EventKind::kRead;
    if (recording()) record_access(kind, base, t, index, values());
  }
  void record_access(EventKind kind, uintptr_t base, const Table& t, unsigned index, EventLog::Access access);
  const Table* last_access_table_ = nullptr;
  unsigned last_access_index_ = 0;
  bool last_access_read_ = false;
  // Whether an IOTLB entry translates through a leaf a lazy unmap removed (allowed until flush).
  bool removed_by_lazy_unmap(const TlbEntry& e) const;

  // The structured timeline (timeline.h), when recording.
  std::vector<TimelineEvent>* timeline_ = nullptr;
  int statement_line_ = 0;
  void record(TimelineEvent e);
  void refresh_snapshot();  // the last recorded event's caches, after the action it names completed
  void record_walk(uint64_t iova, const Walk& w);
  void record_httu(ptc_pte_t* p, ptc_pte_t old_desc, ptc_pte_t new_desc);
};

}  // namespace ptc
