// A thread-safe face of the simulated SMMU for real-thread runs.
//
// core/smmu's Smmu is single-threaded (its caches, table registry, may-cache ledger and event log are
// plain containers). Here one mutex serializes every ptc_hw call of every CPU thread and every device
// action of every device thread, in the order the SMMU's command queue would see them: each
// descriptor access, invalidation and sync is atomic with respect to the device, and CPU threads
// still interleave freely between accesses, which is the only place a target's races can be (it
// reaches descriptors through ptc_hw alone). Every oracle the SMMU raises by itself (table
// use-after-free, TLB conflict, leak) stays live. Operations are not bracketed (several run at once),
// so the per-op checks of the differential runner are replaced by the history checks of
// linearizability.h.
//
// To widen race windows, a CPU thread may pause after a descriptor access (more often after a read,
// which is where read-then-write windows open), with a probability drawn from its own seeded
// generator (set_thread_seed); the pause runs the thread's hook (a device action in its range) or
// yields.
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/smmu/smmu.h"
#include "properties/concurrent/spin_lock.h"

namespace ptc::conc {

class LockedSmmu {
 public:
  // yield_permille: the chance, per descriptor read of a CPU thread, that it pauses (a quarter of
  // that after other accesses).
  LockedSmmu(const Config& cfg, unsigned yield_permille);
  LockedSmmu(const LockedSmmu&) = delete;
  LockedSmmu& operator=(const LockedSmmu&) = delete;

  // The services a target gets: the SMMU's, each call under the lock.
  const ptc_hw* hw() const { return &hw_; }
  // What a CPU thread accessed just before it paused: the descriptor value a read returned (or the
  // old value an atomic replaced, or the value a write stored). The pause hook aims the device at
  // the page that descriptor maps.
  struct PauseSite {
    bool read = false;
    ptc_pte_t value = 0;
  };
  using PauseHook = void (*)(void* arg, const PauseSite& site);
  // Seeds the calling thread's pause generator (0: this thread never pauses); `pause`, when given,
  // runs at each pause instead of a plain yield.
  static void set_thread_seed(uint64_t seed, PauseHook pause = nullptr, void* arg = nullptr);

  void attach(ptc_pte_t* root);
  void detach();
  DeviceResult access(uint64_t iova, bool write);
  DeviceResult fill(uint64_t iova);
  void evict(uint64_t iova);
  void evict_all();
  std::vector<HwLeaf> leaves_in(uint64_t iova, uint64_t size);
  std::optional<Violation> violation();
  void check_leaks();

 private:
  static void maybe_yield(const LockedSmmu* s, bool after_read = false, ptc_pte_t value = 0);
  static void* alloc(void* ctx, size_t bytes);
  static void free_table(void* ctx, void* table);
  static ptc_pte_t read(void* ctx, ptc_pte_t* p);
  static void write(void* ctx, ptc_pte_t* p, ptc_pte_t v);
  static ptc_pte_t cmpxchg(void* ctx, ptc_pte_t* p, ptc_pte_t o, ptc_pte_t v);
  static ptc_pte_t xchg(void* ctx, ptc_pte_t* p, ptc_pte_t v);
  static ptc_pte_t fetch_or(void* ctx, ptc_pte_t* p, ptc_pte_t bits);
  static void inv_range(void* ctx, uint64_t iova, uint64_t size, uint64_t granule, int leaf_only);
  static void inv_all(void* ctx);
  static void sync(void* ctx);

  mutable SpinLock mu_;
  Smmu smmu_;
  const ptc_hw* inner_;
  ptc_hw hw_{};
  unsigned yield_permille_;
};

}  // namespace ptc::conc
