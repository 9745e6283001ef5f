// Concurrent map/unmap on disjoint ranges of one table, 1 to N threads (N = the machine's hardware
// threads, at least 2): each thread maps 2 MiB as 512 4K pages in its own 1 GiB region and unmaps it,
// over and over. Throughput is pages mapped and unmapped per second of wall time, summed over the
// threads; the baseline of each thread count is the single thread. The control, 2 to N threads each
// with a table (and table arena) of its own, is what the machine gives threads that share nothing: the
// shared table against it says what sharing the table costs, whatever the machine's own scaling.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "bench/direct_table.h"
#include "bench/registration.h"

namespace ptc::bench {
namespace {

constexpr uint64_t kChunk = k2M;
constexpr int kFullRepetitions = 7;
DirectTable* g_shared = nullptr;  // set by thread 0 before the start barrier, deleted after the end barrier

void map_unmap_bench(benchmark::State& state, bool private_tables) {
  TablePtr owner, mine;
  if (private_tables) mine = make_table(table_config(k4K));
  if (!private_tables && state.thread_index() == 0) {
    owner = make_table(table_config(k4K));
    g_shared = owner.get();
  }
  const uint64_t region = kIova + uint64_t(state.thread_index()) * k1G;
  uint64_t pages = 0;
  bool ok = true;
  const double cpu0 = now_seconds();
  for (auto _ : state) {
    DirectTable* t = private_tables ? mine.get() : g_shared;
    ok = ok && t->map(region, kPaddr + (region - kIova), kChunk, PTC_PROT_READ | PTC_PROT_WRITE) == 0;
    ok = ok && t->unmap(region, kChunk) == int64_t(kChunk);
    pages += kChunk / k4K;
  }
  if (!ok) state.SkipWithError("map or unmap failed");
  const double cpu = now_seconds() - cpu0;
  state.counters["pages"] = benchmark::Counter(double(pages), benchmark::Counter::kIsRate);
  // Pages per second of each thread's own CPU time, averaged over the threads: equal at 1 and N threads
  // when the threads do not slow each other down, whatever else runs on the machine (the wall-time rate
  // above also depends on getting N cores).
  state.counters["pages_per_cpu_second"] =
      benchmark::Counter(cpu > 0 ? double(pages) / cpu : 0, benchmark::Counter::kAvgThreads);
  if (!private_tables && state.thread_index() == 0) g_shared = nullptr;  // `owner` frees the table
}

}  // namespace

unsigned concurrent_max_threads() { return std::max(2u, std::thread::hardware_concurrency()); }

void register_concurrent_benchmarks(const SuiteOptions& o) {
  // Each thread count's figure is the median of several runs, interleaved with the others': one run
  // lasts half a second, and one run moved by 15 % between runs on an idle 2-vCPU VM.
  repeated(finish(benchmark::RegisterBenchmark("concurrent.map_unmap", map_unmap_bench, false), o, 20), o,
           kFullRepetitions)
      ->UseRealTime()
      ->DenseThreadRange(1, int(concurrent_max_threads()));
  repeated(finish(benchmark::RegisterBenchmark("concurrent.map_unmap_private", map_unmap_bench, true), o, 20), o,
           kFullRepetitions)
      ->UseRealTime()
      ->DenseThreadRange(2, int(concurrent_max_threads()));
}

}  // namespace ptc::bench
