// read_and_clear_dirty and unmap_read_dirty over 64 GiB of 4K leaves (16 Mi pages, 128 MiB of
// descriptors) with 0%, 1% and 100% of the pages dirty, recording into the dirty bitmap through the
// windowed writer (as Linux's iova_bitmap); against a plain sequential read of the same number of
// descriptor bytes. The device's dirty updates (HTTU) are applied with the timer paused. The memory
// figures (resident bytes per mapped page, resident MiB) come from the same mapping.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/direct_table.h"
#include "bench/registration.h"
#include "core/bitmap/dirty_bitmap.h"

namespace ptc::bench {
namespace {

struct Pattern {
  const char* name;
  uint64_t stride;  // every stride-th page dirty; 0: none
};
constexpr Pattern kPatterns[] = {{"0pct", 0}, {"1pct", 100}, {"100pct", 1}};

constexpr double kMiB = 1024.0 * 1024.0;

struct Bitmap {
  explicit Bitmap(uint64_t bytes)
      : geometry{kIova, bytes, k4K}, buffer(geometry.nbytes()), writer(geometry, buffer.data()),
        sink(as_ptc_dirty(writer)) {}
  BitmapGeometry geometry;
  std::vector<uint8_t> buffer;
  WindowedBitmapWriter writer;
  ptc_dirty sink;
};

// bytes_per_page: the bytes allocated for the mapping per mapped page (tables, or the plain array);
// rss_mib: the resident memory the mapping added to the process (resident after it was built minus
// before: the process's whole resident size depends on which benchmarks ran before, and the full run
// orders them at random); peak_rss_mib: the process's peak so far.
void set_memory_counters(benchmark::State& state, uint64_t allocated, uint64_t rss, uint64_t pages) {
  state.counters["bytes_per_page"] = double(allocated) / double(pages);
  state.counters["rss_mib"] = double(rss) / kMiB;
  state.counters["peak_rss_mib"] = double(peak_resident_bytes()) / kMiB;
}

void dirty_bench(benchmark::State& state, uint64_t bytes, uint64_t stride) {
  const uint64_t pages = bytes / k4K;
  lpae::DirectMem::Counters allocs;
  const uint64_t rss_before = resident_bytes();
  TablePtr t = make_table(table_config(k4K), &allocs);
  if (t->map(kIova, kPaddr, bytes, PTC_PROT_READ | PTC_PROT_WRITE) != 0) return state.SkipWithError("map failed");
  const uint64_t rss = resident_growth_since(rss_before);
  const uint64_t table_bytes = (allocs.allocs.load() - 1) * lpae::kTableBytes;  // the root is there before any map
  Bitmap bm(bytes);
  t->read_and_clear_dirty(kIova, bytes, 0, &bm.sink);  // a new writable mapping starts dirty
  bm.writer.finish();
  for (auto _ : state) {
    state.PauseTiming();
    dirty_pages(*t, kIova, bytes, stride);
    state.ResumeTiming();
    const int rc = t->read_and_clear_dirty(kIova, bytes, 0, &bm.sink);
    bm.writer.finish();
    if (rc != 0) return state.SkipWithError("read_and_clear_dirty failed");
  }
  set_memory_counters(state, table_bytes, rss, pages);
  state.SetLabel(std::to_string(bytes >> 30 ? bytes >> 30 : bytes >> 20) + (bytes >> 30 ? " GiB" : " MiB") + " of 4K pages");
}

void unmap_dirty_bench(benchmark::State& state, uint64_t bytes, uint64_t stride) {
  TablePtr t = make_table(table_config(k4K));
  Bitmap bm(bytes);
  for (auto _ : state) {
    state.PauseTiming();
    if (t->map(kIova, kPaddr, bytes, PTC_PROT_READ | PTC_PROT_WRITE) != 0) return state.SkipWithError("map failed");
    t->read_and_clear_dirty(kIova, bytes, 0, &bm.sink);
    bm.writer.finish();
    dirty_pages(*t, kIova, bytes, stride);
    state.ResumeTiming();
    const int64_t n = t->unmap_read_dirty(kIova, bytes, &bm.sink);
    bm.writer.finish();
    if (n != int64_t(bytes)) return state.SkipWithError("unmap_read_dirty failed");
  }
}

// A plain sequential read of as many descriptor bytes as the table holds leaves.
void read_descriptors_bench(benchmark::State& state, uint64_t bytes) {
  const uint64_t pages = bytes / k4K;
  const uint64_t rss_before = resident_bytes();
  std::vector<uint64_t> descriptors(pages);
  for (uint64_t i = 0; i < pages; ++i) descriptors[i] = (kPaddr + i * k4K) | 0x8000000000483ull;
  const uint64_t rss = resident_growth_since(rss_before);
  for (auto _ : state) {
    uint64_t acc = 0;
    for (uint64_t d : descriptors) acc |= d;
    benchmark::DoNotOptimize(acc);
  }
  set_memory_counters(state, pages * sizeof(uint64_t), rss, pages);
  state.SetBytesProcessed(int64_t(state.iterations() * pages * 8));
}

}  // namespace

void register_dirty_benchmarks(const SuiteOptions& o) {
  const uint64_t bytes = o.quick ? 256ull << 20 : 64ull << 30;
  for (const Pattern& p : kPatterns) {
    finish(benchmark::RegisterBenchmark((std::string("dirty.") + p.name).c_str(), dirty_bench, bytes, p.stride), o, 2, 10);
    finish(benchmark::RegisterBenchmark((std::string("unmap_dirty.") + p.name).c_str(), unmap_dirty_bench, bytes,
                                        p.stride),
           o, 1, 2);
  }
  finish(benchmark::RegisterBenchmark("read.descriptors", read_descriptors_bench, bytes), o, 2, 10);
}

}  // namespace ptc::bench
