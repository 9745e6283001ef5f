// Map and unmap of 1 GiB as 4K pages, 2M blocks and 1G blocks; split of a 1 GiB block into 4K pages and
// merge back. Each operation is timed alone (manual time, the thread's CPU time); the operation that
// restores the state between iterations is not. Baselines: the memory work any table must do for the
// same result, with the same allocator (TableArena), timed the same way: taking the same number of
// zeroed tables and storing the same descriptors; zeroing them and freeing the tables; reading them and
// freeing the tables.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/direct_table.h"
#include "bench/registration.h"

namespace ptc::bench {
namespace {

struct Shape {
  const char* name;  // 4K, 2M, 1G
  uint64_t leaf;
};
constexpr Shape kShapes[] = {{"4K", k4K}, {"2M", k2M}, {"1G", k1G}};

// Tables a map of 1 GiB as `leaf`-sized leaves adds below an existing L1 table (the L1 table stays after
// unmap, so every iteration after the first allocates these only): none for a 1G block, the L2 table for
// 2M blocks, the L2 table and 512 L3 tables for pages.
uint64_t tables_for(uint64_t leaf) { return leaf == k1G ? 0 : leaf == k2M ? 1 : 513; }

}  // namespace

uint64_t ranges_per_timing(uint64_t leaf) { return leaf == k1G ? 256 : leaf == k2M ? 16 : 1; }

namespace {

uint64_t ranges_for(uint64_t leaf) { return ranges_per_timing(leaf); }

void map_bench(benchmark::State& state, uint64_t leaf, bool time_map) {
  const uint64_t k = ranges_for(leaf);
  TablePtr t = make_table(table_config(leaf | k4K));
  for (auto _ : state) {
    bool ok = true;
    const double t0 = now_seconds();
    for (uint64_t j = 0; j < k; ++j) ok &= t->map(kIova + j * k1G, kPaddr + j * k1G, k1G, PTC_PROT_READ | PTC_PROT_WRITE) == 0;
    const double t1 = now_seconds();
    for (uint64_t j = 0; j < k; ++j) ok &= t->unmap(kIova + j * k1G, k1G) == int64_t(k1G);
    const double t2 = now_seconds();
    if (!ok) return state.SkipWithError("map or unmap failed");
    state.SetIterationTime(time_map ? t1 - t0 : t2 - t1);  // k GiB: measures.cpp divides
  }
  state.SetLabel("1 GiB as " + std::to_string(k1G / leaf) + " leaves, " + std::to_string(k) + " GiB per timing");
}

// The floor of map: allocate and zero the tables, store the leaf descriptors (and the table descriptors).
// The floor of unmap: zero the descriptors, free the tables.
void floor_bench(benchmark::State& state, uint64_t leaf, bool time_map) {
  const uint64_t k = ranges_for(leaf);
  const uint64_t ntables = tables_for(leaf);
  std::vector<uint64_t*> tables(k * ntables);
  lpae::TableArena arena;  // the tables' own allocator (make_table gives each table one)
  std::vector<uint64_t> l1(k);  // where 1G leaves go
  for (auto _ : state) {
    const double t0 = now_seconds();
    for (auto& p : tables) p = static_cast<uint64_t*>(arena.alloc());
    for (uint64_t j = 0; j < k; ++j) {
      const uint64_t oa = kPaddr + j * k1G;
      if (leaf == k1G) {
        l1[j] = oa | 0x8000000000401ull;
        continue;
      }
      uint64_t** mine = &tables[j * ntables];
      if (leaf == k2M) {
        for (unsigned i = 0; i < 512; ++i) mine[0][i] = (oa + i * k2M) | 0x8000000000401ull;
        continue;
      }
      for (unsigned m = 1; m < 513; ++m) {
        mine[0][m - 1] = reinterpret_cast<uintptr_t>(mine[m]) | 3;
        const uint64_t table_oa = oa + (m - 1) * k2M;
        for (unsigned i = 0; i < 512; ++i) mine[m][i] = (table_oa + i * k4K) | 0x8000000000403ull;
      }
    }
    benchmark::ClobberMemory();
    const double t1 = now_seconds();
    for (uint64_t& e : l1) e = 0;
    for (uint64_t* p : tables) std::memset(p, 0, 4096);
    for (uint64_t* p : tables) arena.free(p);
    benchmark::ClobberMemory();
    const double t2 = now_seconds();
    benchmark::DoNotOptimize(l1.data());
    state.SetIterationTime(time_map ? t1 - t0 : t2 - t1);
  }
  state.SetLabel(std::to_string(ntables) + " tables, " + std::to_string(k1G / leaf) + " descriptors per GiB");
}

void split_bench(benchmark::State& state, bool time_split) {
  TablePtr t = make_table(table_config(k4K | k2M | k1G));
  if (t->map(kIova, kPaddr, k1G, PTC_PROT_READ | PTC_PROT_WRITE) != 0) return state.SkipWithError("map failed");
  for (auto _ : state) {
    const double t0 = now_seconds();
    const int s = t->split(kIova, k1G);
    const double t1 = now_seconds();
    const int m = t->merge(kIova, k1G);
    const double t2 = now_seconds();
    if (s != 0 || m != 0) return state.SkipWithError("split or merge failed");
    state.SetIterationTime(time_split ? t1 - t0 : t2 - t1);
  }
  state.SetLabel("1 GiB block <-> 262144 pages in 513 tables");
}

// The floor of split: 513 zeroed tables and 262144 page descriptors stored; of merge: read them, free them.
void split_floor_bench(benchmark::State& state, bool time_split) {
  std::vector<uint64_t*> tables(513);
  lpae::TableArena arena;
  for (auto _ : state) {
    const double t0 = now_seconds();
    for (auto& p : tables) p = static_cast<uint64_t*>(arena.alloc());
    for (unsigned j = 1; j < 513; ++j) {
      tables[0][j - 1] = reinterpret_cast<uintptr_t>(tables[j]) | 3;
      uint64_t* pages = tables[j];
      const uint64_t oa = kPaddr + (j - 1) * k2M + 0x8000000000403ull;
      for (unsigned i = 0; i < 512; ++i) pages[i] = oa + i * k4K;
    }
    benchmark::ClobberMemory();
    const double t1 = now_seconds();
    uint64_t sum = 0;
    for (unsigned j = 1; j < 513; ++j)
      for (unsigned i = 0; i < 512; ++i) sum += tables[j][i];
    benchmark::DoNotOptimize(sum);
    for (uint64_t* p : tables) arena.free(p);
    benchmark::ClobberMemory();
    const double t2 = now_seconds();
    state.SetIterationTime(time_split ? t1 - t0 : t2 - t1);
  }
}

}  // namespace

void register_table_benchmarks(const SuiteOptions& o) {
  // Quick runs keep the size (a few ms) and cut the iterations.
  for (const Shape& s : kShapes) {
    const std::string n = s.name;
    for (bool is_map : {true, false}) {
      const std::string op = is_map ? "map." : "unmap.";
      finish(benchmark::RegisterBenchmark((op + n).c_str(), map_bench, s.leaf, is_map), o, 3)->UseManualTime();
      finish(benchmark::RegisterBenchmark(("floor." + op + n).c_str(), floor_bench, s.leaf, is_map), o, 3)
          ->UseManualTime();
    }
  }
  finish(benchmark::RegisterBenchmark("split.1G", split_bench, true), o, 3)->UseManualTime();
  finish(benchmark::RegisterBenchmark("merge.1G", split_bench, false), o, 3)->UseManualTime();
  finish(benchmark::RegisterBenchmark("floor.split.1G", split_floor_bench, true), o, 3)->UseManualTime();
  finish(benchmark::RegisterBenchmark("floor.merge.1G", split_floor_bench, false), o, 3)->UseManualTime();
}

}  // namespace ptc::bench
