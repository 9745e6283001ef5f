#include "properties/concurrent/locked_smmu.h"

#include <chrono>
#include <thread>

#include "properties/concurrent/rng.h"

namespace ptc::conc {

namespace {

thread_local uint64_t t_yield_state = 0;
thread_local LockedSmmu::PauseHook t_pause = nullptr;
thread_local void* t_pause_arg = nullptr;

LockedSmmu* self(void* ctx) { return static_cast<LockedSmmu*>(ctx); }

}  // namespace

LockedSmmu::LockedSmmu(const Config& cfg, unsigned yield_permille)
    : smmu_(cfg), inner_(smmu_.hw()), yield_permille_(yield_permille) {
  hw_ = ptc_hw{this,   &alloc, &free_table, &read,     &write, &cmpxchg,
               &xchg, &fetch_or, &inv_range, &inv_all, &sync};
  // Events are read only in the report of a history that failed, and formatting one per device action
  // was a tenth of a history's time (issue 17): real threads run without the log, and a failing
  // history's deterministic schedule (history_reproducer.h) replays with it.
  smmu_.set_event_log(false);
}

void LockedSmmu::set_thread_seed(uint64_t seed, PauseHook pause, void* arg) {
  t_yield_state = seed;
  t_pause = pause;
  t_pause_arg = arg;
}

void LockedSmmu::maybe_yield(const LockedSmmu* s, bool after_read, ptc_pte_t value) {
  if (!t_yield_state || !s->yield_permille_) return;
  const uint64_t r = splitmix64(t_yield_state);
  if (r % 1000 >= (after_read ? s->yield_permille_ : s->yield_permille_ / 4)) return;
  if (t_pause)
    t_pause(t_pause_arg, PauseSite{after_read, value});
  else if ((r >> 20) % 8 == 0)
    std::this_thread::sleep_for(std::chrono::microseconds(5 + (r >> 32) % 40));
  else
    std::this_thread::yield();
}

// Each thunk: the SMMU's service under the lock, then perhaps a pause outside it.
#define PTC_LOCKED(after_read, call)              \
  LockedSmmu* s = self(ctx);                      \
  auto r = [&] {                                  \
    std::lock_guard<SpinLock> lock(s->mu_);     \
    return s->inner_->call;                       \
  }();                                            \
  maybe_yield(s, after_read, ptc_pte_t(r));       \
  return r

void* LockedSmmu::alloc(void* ctx, size_t bytes) {
  LockedSmmu* s = self(ctx);
  void* r = [&] {
    std::lock_guard<SpinLock> lock(s->mu_);
    return s->inner_->alloc_table(s->inner_->ctx, bytes);
  }();
  maybe_yield(s);
  return r;
}
ptc_pte_t LockedSmmu::read(void* ctx, ptc_pte_t* p) { PTC_LOCKED(true, read(s->inner_->ctx, p)); }
ptc_pte_t LockedSmmu::cmpxchg(void* ctx, ptc_pte_t* p, ptc_pte_t o, ptc_pte_t v) {
  PTC_LOCKED(false, cmpxchg(s->inner_->ctx, p, o, v));
}
ptc_pte_t LockedSmmu::xchg(void* ctx, ptc_pte_t* p, ptc_pte_t v) { PTC_LOCKED(false, xchg(s->inner_->ctx, p, v)); }
ptc_pte_t LockedSmmu::fetch_or(void* ctx, ptc_pte_t* p, ptc_pte_t bits) {
  PTC_LOCKED(false, fetch_or(s->inner_->ctx, p, bits));
}
#undef PTC_LOCKED

// The void services.
#define PTC_LOCKED_VOID(call, value)              \
  LockedSmmu* s = self(ctx);                      \
  {                                               \
    std::lock_guard<SpinLock> lock(s->mu_);     \
    s->inner_->call;                              \
  }                                               \
  maybe_yield(s, false, value)

void LockedSmmu::free_table(void* ctx, void* table) { PTC_LOCKED_VOID(free_table(s->inner_->ctx, table), 0); }
void LockedSmmu::write(void* ctx, ptc_pte_t* p, ptc_pte_t v) { PTC_LOCKED_VOID(write(s->inner_->ctx, p, v), v); }
void LockedSmmu::inv_range(void* ctx, uint64_t iova, uint64_t size, uint64_t granule, int leaf_only) {
  PTC_LOCKED_VOID(tlb_inv_range(s->inner_->ctx, iova, size, granule, leaf_only), 0);
}
void LockedSmmu::inv_all(void* ctx) { PTC_LOCKED_VOID(tlb_inv_all(s->inner_->ctx), 0); }
void LockedSmmu::sync(void* ctx) { PTC_LOCKED_VOID(tlb_sync(s->inner_->ctx), 0); }
#undef PTC_LOCKED_VOID

void LockedSmmu::attach(ptc_pte_t* root) {
  std::lock_guard<SpinLock> lock(mu_);
  smmu_.attach(root);
}
void LockedSmmu::detach() {
  std::lock_guard<SpinLock> lock(mu_);
  smmu_.detach();
}
DeviceResult LockedSmmu::access(uint64_t iova, bool write) {
  std::lock_guard<SpinLock> lock(mu_);
  return smmu_.device_access(iova, write);
}
DeviceResult LockedSmmu::fill(uint64_t iova) {
  std::lock_guard<SpinLock> lock(mu_);
  return smmu_.device_fill(iova);
}
void LockedSmmu::evict(uint64_t iova) {
  std::lock_guard<SpinLock> lock(mu_);
  smmu_.device_evict(iova);
}
void LockedSmmu::evict_all() {
  std::lock_guard<SpinLock> lock(mu_);
  smmu_.device_evict_all();
}
std::vector<HwLeaf> LockedSmmu::leaves_in(uint64_t iova, uint64_t size) {
  std::lock_guard<SpinLock> lock(mu_);
  return smmu_.leaves_in(iova, size);
}
std::optional<Violation> LockedSmmu::violation() {
  std::lock_guard<SpinLock> lock(mu_);
  return smmu_.violation();
}
void LockedSmmu::check_leaks() {
  std::lock_guard<SpinLock> lock(mu_);
  smmu_.check_leaks();
}
}  // namespace ptc::conc
