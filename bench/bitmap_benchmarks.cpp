// The dirty-bitmap writer (WindowedBitmapWriter, as Linux's iova_bitmap) in GB/s of bitmap, against a
// memset of the same bytes. Two record patterns over the bitmap of 64 GiB of 4K pages (2 MiB of bitmap):
// one record per 4K page (what a table scanning 4K leaves reports) and one per 2 MiB run (whole words).
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "bench/direct_table.h"
#include "bench/registration.h"
#include "core/bitmap/dirty_bitmap.h"

namespace ptc::bench {
namespace {

void writer_bench(benchmark::State& state, uint64_t bytes, uint64_t record_len) {
  const BitmapGeometry g{kIova, bytes, k4K};
  std::vector<uint8_t> buffer(g.nbytes());
  WindowedBitmapWriter w(g, buffer.data());
  for (auto _ : state) {
    for (uint64_t a = kIova; a < kIova + bytes; a += record_len) w.record(a, record_len);
    w.finish();
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(int64_t(state.iterations() * g.nbytes()));
  state.SetLabel(std::to_string(bytes / record_len) + " records into " + std::to_string(g.nbytes() >> 10) + " KiB");
}

void memset_bench(benchmark::State& state, uint64_t bytes) {
  const BitmapGeometry g{kIova, bytes, k4K};
  std::vector<uint8_t> buffer(g.nbytes());
  for (auto _ : state) {
    std::memset(buffer.data(), 0xff, buffer.size());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(int64_t(state.iterations() * g.nbytes()));
}

}  // namespace

void register_bitmap_benchmarks(const SuiteOptions& o) {
  const uint64_t bytes = o.quick ? 256ull << 20 : 64ull << 30;
  finish(benchmark::RegisterBenchmark("bitmap.pages", writer_bench, bytes, k4K), o, 2);
  finish(benchmark::RegisterBenchmark("bitmap.runs", writer_bench, bytes, k2M), o, 2);
  finish(benchmark::RegisterBenchmark("floor.memset", memset_bench, bytes), o, 2);
}

}  // namespace ptc::bench
