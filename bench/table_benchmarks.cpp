// Map and unmap of 1 GiB as 4K pages, 2M blocks and 1G blocks; split of a 1 GiB block into 4K pages and
// merge back. Each operation is timed alone (manual time), the operation that restores the state between
// iterations is not. Baselines: the memory work any table must do for the same result, timed the same way
// (allocating and zeroing the same number of tables and storing the same descriptors; zeroing them and
// freeing the tables; reading them and freeing the tables).
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

void check(bool ok, benchmark::State& state, const char* what) {
  if (!ok) state.SkipWithError(what);
}

void map_bench(benchmark::State& state, uint64_t leaf, bool time_map) {
  const uint64_t bytes = k1G;
  TablePtr t = make_table(table_config(leaf | k4K));
  for (auto _ : state) {
    const double t0 = now_seconds();
    const int rc = t->map(kIova, kPaddr, bytes, PTC_PROT_READ | PTC_PROT_WRITE);
    const double t1 = now_seconds();
    const int64_t unmapped = t->unmap(kIova, bytes);
    const double t2 = now_seconds();
    check(rc == 0 && unmapped == int64_t(bytes), state, "map or unmap failed");
    state.SetIterationTime(time_map ? t1 - t0 : t2 - t1);
  }
  state.SetLabel(std::to_string(bytes >> 20) + " MiB as " + std::to_string(bytes / leaf) + " leaves");
}

// The floor of map: allocate and zero the tables, store the leaf descriptors (and the table descriptors).
// The floor of unmap: zero the descriptors, free the tables.
void floor_bench(benchmark::State& state, uint64_t leaf, bool time_map) {
  const uint64_t ntables = tables_for(leaf);
  std::vector<uint64_t*> tables(ntables);
  uint64_t l1_entry = 0;  // where a 1G leaf goes
  for (auto _ : state) {
    const double t0 = now_seconds();
    for (auto& p : tables) {
      p = static_cast<uint64_t*>(std::aligned_alloc(4096, 4096));
      std::memset(p, 0, 4096);
    }
    if (leaf == k1G) {
      l1_entry = kPaddr | 0x8000000000401ull;
    } else if (leaf == k2M) {
      for (unsigned i = 0; i < 512; ++i) tables[0][i] = (kPaddr + i * k2M) | 0x8000000000401ull;
    } else {
      for (unsigned j = 1; j < 513; ++j) {
        tables[0][j - 1] = reinterpret_cast<uintptr_t>(tables[j]) | 3;
        const uint64_t oa = kPaddr + (j - 1) * k2M;
        for (unsigned i = 0; i < 512; ++i) tables[j][i] = (oa + i * k4K) | 0x8000000000403ull;
      }
    }
    benchmark::ClobberMemory();
    const double t1 = now_seconds();
    if (leaf == k1G) l1_entry = 0;
    for (uint64_t* p : tables) std::memset(p, 0, 4096);
    for (uint64_t* p : tables) std::free(p);
    benchmark::ClobberMemory();
    const double t2 = now_seconds();
    benchmark::DoNotOptimize(l1_entry);
    state.SetIterationTime(time_map ? t1 - t0 : t2 - t1);
  }
  state.SetLabel(std::to_string(ntables) + " tables, " + std::to_string(k1G / leaf) + " descriptors");
}

void split_bench(benchmark::State& state, bool time_split) {
  TablePtr t = make_table(table_config(k4K | k2M | k1G));
  check(t->map(kIova, kPaddr, k1G, PTC_PROT_READ | PTC_PROT_WRITE) == 0, state, "map failed");
  for (auto _ : state) {
    const double t0 = now_seconds();
    const int s = t->split(kIova, k1G);
    const double t1 = now_seconds();
    const int m = t->merge(kIova, k1G);
    const double t2 = now_seconds();
    check(s == 0 && m == 0, state, "split or merge failed");
    state.SetIterationTime(time_split ? t1 - t0 : t2 - t1);
  }
  state.SetLabel("1 GiB block <-> 262144 pages in 513 tables");
}

// The floor of split: 513 zeroed tables and 262144 page descriptors stored; of merge: read them, free them.
void split_floor_bench(benchmark::State& state, bool time_split) {
  std::vector<uint64_t*> tables(513);
  for (auto _ : state) {
    const double t0 = now_seconds();
    for (auto& p : tables) {
      p = static_cast<uint64_t*>(std::aligned_alloc(4096, 4096));
      std::memset(p, 0, 4096);
    }
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
    for (uint64_t* p : tables) std::free(p);
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
