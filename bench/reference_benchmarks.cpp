// The optimized table against the reference model on one workload: map 1 Mi 4K pages (4 GiB, one call),
// read_and_clear_dirty of the whole range (a new writable mapping starts dirty: every page is reported
// and cleaned), device writes to every 64th page, read_and_clear_dirty again, unmap. Records are
// collected in a vector on both sides. The reference model is the executable spec (an ordered map of leaves),
// slow on purpose; the ratio says how much the optimized table buys.
#include <benchmark/benchmark.h>

#include <utility>
#include <vector>

#include "bench/direct_table.h"
#include "bench/registration.h"
#include "core/reference/reference_model.h"

namespace ptc::bench {
namespace {

constexpr uint64_t kWriteStride = 64;
constexpr int kFullRepetitions = 3;

void table_workload(benchmark::State& state, uint64_t pages) {
  const uint64_t bytes = pages * k4K;
  TablePtr t = make_table(table_config(k4K));
  std::vector<std::pair<uint64_t, uint64_t>> records;
  const ptc_dirty sink{&records, [](void* ctx, uint64_t iova, uint64_t len) {
                         static_cast<std::vector<std::pair<uint64_t, uint64_t>>*>(ctx)->emplace_back(iova, len);
                       }};
  for (auto _ : state) {
    records.clear();
    bool ok = t->map(kIova, kPaddr, bytes, PTC_PROT_READ | PTC_PROT_WRITE) == 0;
    ok = ok && t->read_and_clear_dirty(kIova, bytes, 0, &sink) == 0;  // a new writable mapping starts dirty
    records.clear();
    for (uint64_t p = 0; p < pages; p += kWriteStride) ok = ok && device_write(*t, kIova + p * k4K);
    ok = ok && t->read_and_clear_dirty(kIova, bytes, 0, &sink) == 0;
    ok = ok && t->unmap(kIova, bytes) == int64_t(bytes);
    if (!ok || records.size() != (pages + kWriteStride - 1) / kWriteStride) return state.SkipWithError("workload failed");
  }
  state.SetItemsProcessed(int64_t(state.iterations() * pages));
}

void reference_workload(benchmark::State& state, uint64_t pages) {
  const uint64_t bytes = pages * k4K;
  Config cfg;
  cfg.pgsizes = kSize4K;
  cfg.bbml = 2;
  std::vector<RefRecord> records;
  for (auto _ : state) {
    ReferenceModel m(cfg);
    records.clear();
    bool ok = m.map(kIova, kPaddr, bytes, PTC_PROT_READ | PTC_PROT_WRITE) == 0;
    ok = ok && m.read_and_clear_dirty(kIova, bytes, 0, &records) == 0;
    records.clear();
    for (uint64_t p = 0; p < pages; p += kWriteStride) m.device_write(kIova + p * k4K);
    ok = ok && m.read_and_clear_dirty(kIova, bytes, 0, &records) == 0;
    ok = ok && m.unmap(kIova, bytes) == int64_t(bytes);
    if (!ok || records.size() != (pages + kWriteStride - 1) / kWriteStride) return state.SkipWithError("workload failed");
  }
  state.SetItemsProcessed(int64_t(state.iterations() * pages));
}

}  // namespace

void register_reference_benchmarks(const SuiteOptions& o) {
  const uint64_t pages = o.quick ? 16384 : 1ull << 20;
  // The ratio is of two medians: the reference's 3 iterations moved by 15 % from one run to the next on
  // a small VM.
  repeated(finish(benchmark::RegisterBenchmark("workload.table", table_workload, pages), o, 2), o, kFullRepetitions);
  repeated(finish(benchmark::RegisterBenchmark("workload.reference", reference_workload, pages), o, 1, 3), o,
           kFullRepetitions);
}

}  // namespace ptc::bench
