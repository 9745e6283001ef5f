// The recording ptc_hw (and ptc_dirty): it owns the target's tables, performs every descriptor access the
// target asks for, and appends each access, TLB command, allocation, free and dirty record to a step list.
// Independent of core/smmu: it walks nothing and caches nothing; it only remembers.
//
// Injections stand in for the one thing the hardware may change behind the target's back, HTTU: before the
// target's j-th access to a location (the region's slot, or page k of any table below it) the recorder
// clears AP[2] of a writable-clean leaf there, as a device write would. Recording once per injection
// pattern gives the step sequences the target performs when the device dirties something it is about to
// look at; proofs/model checks each against every device interleaving consistent with it.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "proofs/trace/trace.h"
#include "ptcheck/target.h"

namespace ptc::proofs {

struct Injection {
  bool slot = true;     // the region's slot; else page `page` of a table below it
  unsigned page = 0;
  unsigned ordinal = 1; // before the location's ordinal-th access (1-based) during the recording
  bool operator==(const Injection&) const = default;
};

// Another CPU's map, for the race obligations: before the target's `ordinal`-th access to the region's slot
// the recorder does what another CPU's recorded map did there, all at once (as an `@N map` line of SPEC
// section 7 runs to completion): a table holding `entries` is linked into the slot, by a compare-and-swap
// against `expected` when the other map installs with one (it then does nothing if the slot holds something
// else), or by a plain write.
struct ForeignInstall {
  unsigned ordinal = 0;   // 0: none
  bool cas = true;
  uint64_t expected = 0;
  uint64_t desc_bits = 0; // the descriptor's bits other than the table address
  std::vector<uint64_t> entries;
};

class Recorder {
 public:
  Recorder();
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  const ptc_hw* hw() const { return &hw_; }
  const ptc_dirty* dirty() const { return &dirty_; }

  // The table holding `addr` (the id), or -1.
  int table_of(uint64_t addr) const;
  uint64_t peek(int table, unsigned index) const;

  // Starts recording: the tables alive now are the starting state. `slot` locates the region's slot;
  // `path` the tables above it (injections never target them).
  void begin(int slot_table, unsigned slot_index, const std::vector<int>& path, std::vector<Injection> injections);
  void stop() { recording_ = false; }
  // A new operation starts: `@N` counts restart.
  void next_op() { access_no_ = 0; }
  void note_return(const std::string& op, int64_t ret);
  void note_reuse();

  const std::vector<TableInfo>& tables() const { return tables_; }
  const std::vector<Step>& steps() const { return steps_; }
  // Whether every injection found a writable-clean leaf to dirty (and the foreign install, if any, happened).
  bool injections_applied() const;
  // A table entry that changed with no access the recorder saw (a plain store of the target, e.g. a kernel
  // file's into a table it did not allocate itself, such as the stand-in for another CPU's table, which
  // its access instrumentation does not know), described; "" when every change was recorded. A recording
  // that misses steps cannot judge the target.
  std::string unseen_change() const;
  void set_foreign_install(ForeignInstall f) { foreign_ = std::move(f); }

 private:
  static void* alloc_table(void* ctx, size_t bytes);
  static void free_table(void* ctx, void* table);
  static ptc_pte_t read(void* ctx, ptc_pte_t* p);
  static void write(void* ctx, ptc_pte_t* p, ptc_pte_t v);
  static ptc_pte_t cmpxchg(void* ctx, ptc_pte_t* p, ptc_pte_t old, ptc_pte_t v);
  static ptc_pte_t xchg(void* ctx, ptc_pte_t* p, ptc_pte_t v);
  static ptc_pte_t fetch_or(void* ctx, ptc_pte_t* p, ptc_pte_t bits);
  static void tlb_inv_range(void* ctx, uint64_t iova, uint64_t size, uint64_t granule, int leaf_only);
  static void tlb_inv_all(void* ctx);
  static void tlb_sync(void* ctx);
  static void record(void* ctx, uint64_t iova, uint64_t length);

  // Where `p` points: table id and index, or {-1, 0} when it is not inside a table the recorder handed out.
  std::pair<int, unsigned> locate(const void* p) const;
  // One access: injects if due, applies `op` to the entry and records before/after. Returns the old value.
  template <class Op>
  uint64_t access(StepKind kind, ptc_pte_t* p, uint64_t arg, Op op);
  void maybe_inject(int table, unsigned index);
  void foreign_install(int table, unsigned index);
  // A zeroed table of `bytes`, registered (its id), without recording an allocation step.
  int new_table(size_t bytes);
  void push(Step s);

  ptc_hw hw_{};
  ptc_dirty dirty_{};
  std::vector<TableInfo> tables_;
  std::vector<std::vector<uint64_t>> mirror_;  // each table as the recorder's own accesses left it
  std::string unseen_;                          // the first change an access found unrecorded
  void mirror(int table, unsigned index, uint64_t found, uint64_t now);
  std::vector<bool> freed_;
  std::vector<void*> memory_;     // kept until destruction: a freed table's address is never reused
  std::map<uint64_t, int> by_addr_;
  std::vector<Step> steps_;
  bool recording_ = false;
  unsigned access_no_ = 0;
  int slot_table_ = -1;
  unsigned slot_index_ = 0;
  std::vector<int> path_;
  std::vector<Injection> injections_;
  std::vector<bool> applied_;
  unsigned slot_accesses_ = 0;
  std::map<unsigned, unsigned> page_accesses_;
  ForeignInstall foreign_;
  bool foreign_applied_ = false;
};

}  // namespace ptc::proofs
