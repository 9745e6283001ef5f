#include "bench/direct_table.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace ptc::bench {

using lpae::pte_t;

ptc_cfg table_config(uint64_t pgsizes, unsigned bbml) { return ptc_cfg{48, 48, pgsizes, bbml, PTC_CFG_HW_DIRTY}; }

TablePtr make_table(const ptc_cfg& cfg, lpae::DirectMem::Counters* counters) {
  auto arena = std::make_unique<lpae::TableArena>();
  lpae::DirectMem mem;
  mem.counters = counters;
  mem.arena = arena.get();
  DirectTable* t = DirectTable::create(cfg, mem);
  if (!t) {
    std::fprintf(stderr, "ptc_bench: cannot create a table (out of memory?)\n");
    std::abort();
  }
  return TablePtr(std::move(arena), t);
}

namespace {
// The leaf descriptor mapping iova, or nullptr.
pte_t* leaf_slot(DirectTable& t, uint64_t iova) {
  pte_t* table = t.root();
  for (unsigned level = t.start_level();; ++level) {
    const unsigned entries = level == t.start_level() ? t.root_entries() : lpae::kTableEntries;
    pte_t* p = &table[(iova >> lpae::level_shift(level)) & (entries - 1)];
    const pte_t d = __atomic_load_n(p, __ATOMIC_ACQUIRE);
    if (!lpae::pte_valid(d)) return nullptr;
    if (!lpae::pte_is_table(d, level)) return p;
    table = lpae::pte_table(d);
  }
}

// AP[2] clear by CAS on a writable (DBM) leaf, as HTTU does.
void httu_dirty(pte_t* p) {
  pte_t d = __atomic_load_n(p, __ATOMIC_ACQUIRE);
  while ((d & pte::kDbm) && (d & pte::kAp2)) {
    if (__atomic_compare_exchange_n(p, &d, d & ~pte::kAp2, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return;
  }
}
}  // namespace

bool device_write(DirectTable& t, uint64_t iova) {
  pte_t* p = leaf_slot(t, iova);
  if (!p) return false;
  httu_dirty(p);
  return true;
}

void dirty_pages(DirectTable& t, uint64_t iova, uint64_t size, uint64_t stride) {
  if (stride == 0) return;
  // One walk per L3 table, then the leaves in it (the walk is not what is measured).
  for (uint64_t a = iova; a < iova + size; a += k2M) {
    pte_t* first = leaf_slot(t, a);
    if (!first) continue;
    const uint64_t page0 = (a - iova) / k4K;
    for (uint64_t i = 0; i < 512 && a + i * k4K < iova + size; ++i)
      if ((page0 + i) % stride == 0) httu_dirty(first + i);
  }
}

uint64_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long long size = 0, resident = 0;
  const int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * uint64_t(sysconf(_SC_PAGESIZE)) : 0;
}

uint64_t peak_resident_bytes() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return uint64_t(ru.ru_maxrss) * 1024;
}

}  // namespace ptc::bench
