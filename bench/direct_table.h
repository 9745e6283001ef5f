// The optimized table as the benchmarks run it: LpaeTable<DirectMem>, the same source the harness checks
// through ptc_hw (LpaeTable<HwMem>), with inline atomics and no per-access indirection. Plus the helpers
// the benchmarks share: configs, the device's dirty update, clocks and memory figures.
#pragma once
#include <time.h>

#include <cstdint>
#include <memory>

#include "core/lpae/lpae_mem.h"
#include "core/lpae/lpae_table.h"
#include "core/lpae/table_arena.h"
#include "ptcheck/target.h"

namespace ptc::bench {

using DirectTable = lpae::LpaeTable<lpae::DirectMem>;

// A table with its own TableArena (destroyed after the table): tables packed in 2 MiB chunks.
class TablePtr {
 public:
  TablePtr() = default;
  TablePtr(std::unique_ptr<lpae::TableArena> arena, DirectTable* table) : arena_(std::move(arena)), table_(table) {}
  DirectTable* get() const { return table_.get(); }
  DirectTable* operator->() const { return table_.get(); }
  DirectTable& operator*() const { return *table_; }
  const lpae::TableArena& arena() const { return *arena_; }

 private:
  std::unique_ptr<lpae::TableArena> arena_;  // declared first: destroyed last
  std::unique_ptr<DirectTable> table_;
};

inline constexpr uint64_t k4K = 1ull << 12, k2M = 1ull << 21, k1G = 1ull << 30;
inline constexpr uint64_t kIova = 1ull << 39;  // where the benchmarks map: 512 GiB, an L0 boundary
inline constexpr uint64_t kPaddr = 1ull << 40;

// ias/oas 48, hw_dirty on, strict; `pgsizes` the allowed leaf sizes.
ptc_cfg table_config(uint64_t pgsizes, unsigned bbml = 2);

// A new empty table with its own arena; aborts when it cannot be created (the benchmarks have no
// failure path).
TablePtr make_table(const ptc_cfg& cfg, lpae::DirectMem::Counters* counters = nullptr);

// The SMMU's HTTU update of a device write to `iova`: walk to the leaf and clear AP[2] of a writable-clean
// leaf (by CAS, as the hardware). Returns false when nothing is mapped there.
bool device_write(DirectTable& t, uint64_t iova);

// Makes every `stride`-th 4K page of [iova, iova + size) dirty as device writes would (stride 0: none).
void dirty_pages(DirectTable& t, uint64_t iova, uint64_t size, uint64_t stride);

// The calling thread's CPU time in seconds (user + system): the manual timings use it, so that other
// jobs on a shared machine do not inflate the figures (a page fault the operation takes still counts).
inline double now_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// Resident set size now, and the peak so far (bytes).
uint64_t resident_bytes();
// Bytes the resident set grew by since it was `before` (0 if it shrank).
inline uint64_t resident_growth_since(uint64_t before) {
  const uint64_t now = resident_bytes();
  return now > before ? now - before : 0;
}
uint64_t peak_resident_bytes();

}  // namespace ptc::bench
