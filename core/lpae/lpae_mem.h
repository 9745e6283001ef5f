// Memory/descriptor/TLB accessor policies for LpaeTable (lpae_table.h).
//
// LpaeTable<Mem> touches descriptors and tables only through a Mem:
//   void*     alloc(size_t bytes)                 zeroed, aligned to bytes; nullptr when out of memory
//   void      free(void* table)
//   ptc_pte_t read(ptc_pte_t* p)                  atomic load
//   void      write(ptc_pte_t* p, ptc_pte_t v)     atomic store
//   ptc_pte_t cmpxchg(ptc_pte_t* p, old, new)     returns the previous value (== old on success)
//   ptc_pte_t xchg(ptc_pte_t* p, ptc_pte_t v)      returns the previous value
//   ptc_pte_t fetch_or(ptc_pte_t* p, bits)        returns the previous value
//   void      inv_range(iova, size, granule, leaf_only), inv_all(), sync()
//
// HwMem is the checked build: it forwards every call to the harness's ptc_hw, so the simulated
// SMMU sees (and may act between) every descriptor access. DirectMem is the fast build for
// benchmarks: inline atomics, tables from a TableArena (table_arena.h) when given one, else
// aligned_alloc, and TLB maintenance reduced to optional counters.
#pragma once
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "core/lpae/table_arena.h"
#include "ptcheck/target.h"

namespace ptc::lpae {

// Forwards to the harness's services (SPEC section 6).
struct HwMem {
  const ptc_hw* hw = nullptr;

  // True when every service a table needs is present.
  static bool usable(const ptc_hw* hw) {
    return hw && hw->alloc_table && hw->free_table && hw->read && hw->write && hw->cmpxchg && hw->xchg &&
           hw->fetch_or && hw->tlb_inv_range && hw->tlb_inv_all && hw->tlb_sync;
  }

  void* alloc(size_t bytes) const { return hw->alloc_table(hw->ctx, bytes); }
  void free(void* table) const { hw->free_table(hw->ctx, table); }
  ptc_pte_t read(ptc_pte_t* p) const { return hw->read(hw->ctx, p); }
  void write(ptc_pte_t* p, ptc_pte_t v) const { hw->write(hw->ctx, p, v); }
  ptc_pte_t cmpxchg(ptc_pte_t* p, ptc_pte_t old, ptc_pte_t v) const { return hw->cmpxchg(hw->ctx, p, old, v); }
  ptc_pte_t xchg(ptc_pte_t* p, ptc_pte_t v) const { return hw->xchg(hw->ctx, p, v); }
  ptc_pte_t fetch_or(ptc_pte_t* p, ptc_pte_t bits) const { return hw->fetch_or(hw->ctx, p, bits); }
  void inv_range(uint64_t iova, uint64_t size, uint64_t granule, bool leaf_only) const {
    hw->tlb_inv_range(hw->ctx, iova, size, granule, leaf_only ? 1 : 0);
  }
  void inv_all() const { hw->tlb_inv_all(hw->ctx); }
  void sync() const { hw->tlb_sync(hw->ctx); }
};

// Plain memory and compiler atomics. Table publication is a release CAS and walks use acquire
// loads, so a thread that sees a new table descriptor also sees the zeroed table behind it.
struct DirectMem {
  // Optional statistics (tests and benchmarks); counted only when `counters` is set.
  struct Counters {
    std::atomic<uint64_t> allocs{0}, frees{0}, inv_ranges{0}, inv_alls{0}, syncs{0};
  };
  Counters* counters = nullptr;
  // Where every table comes from when set (a smaller root, of a small IAS, takes a whole 4 KiB table,
  // which is aligned enough). Outlives every table using it.
  TableArena* arena = nullptr;

  void* alloc(size_t bytes) const {
    void* p = nullptr;
    if (arena) {
      p = bytes <= TableArena::kTableBytes ? arena->alloc() : nullptr;
    } else {
      p = std::aligned_alloc(bytes, bytes);
      if (p) std::memset(p, 0, bytes);
    }
    if (!p) return nullptr;
    count(&Counters::allocs);
    return p;
  }
  void free(void* table) const {
    count(&Counters::frees);
    if (arena)
      arena->free(table);
    else
      std::free(table);
  }
  ptc_pte_t read(ptc_pte_t* p) const { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
  void write(ptc_pte_t* p, ptc_pte_t v) const { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
  ptc_pte_t cmpxchg(ptc_pte_t* p, ptc_pte_t old, ptc_pte_t v) const {
    __atomic_compare_exchange_n(p, &old, v, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    return old;  // on failure the builtin stored the current value here
  }
  ptc_pte_t xchg(ptc_pte_t* p, ptc_pte_t v) const { return __atomic_exchange_n(p, v, __ATOMIC_ACQ_REL); }
  ptc_pte_t fetch_or(ptc_pte_t* p, ptc_pte_t bits) const { return __atomic_fetch_or(p, bits, __ATOMIC_ACQ_REL); }
  void inv_range(uint64_t, uint64_t, uint64_t, bool) const { count(&Counters::inv_ranges); }
  void inv_all() const { count(&Counters::inv_alls); }
  void sync() const { count(&Counters::syncs); }

 private:
  void count(std::atomic<uint64_t> Counters::*field) const {
    if (counters) (counters->*field).fetch_add(1, std::memory_order_relaxed);
  }
};

}  // namespace ptc::lpae
