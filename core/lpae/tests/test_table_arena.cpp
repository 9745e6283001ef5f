// TableArena (table_arena.h): tables zeroed, aligned, packed in chunks and reused; and, with threads,
// each thread reuses its own freed tables (what lets threads on disjoint ranges run without slowing
// each other), tables move between threads without the arena growing, and the count of live tables
// stays exact.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "core/lpae/lpae_mem.h"
#include "core/lpae/lpae_table.h"
#include "core/lpae/table_arena.h"
#include "ptcheck/target.h"

using ptc::lpae::DirectMem;
using ptc::lpae::LpaeTable;
using ptc::lpae::TableArena;

namespace {

bool all_zero(const void* table) {
  const auto* bytes = static_cast<const unsigned char*>(table);
  return std::all_of(bytes, bytes + TableArena::kTableBytes, [](unsigned char b) { return b == 0; });
}

}  // namespace

TEST(TableArena, TablesAreZeroedAlignedDistinctAndPackedInChunks) {
  TableArena arena;
  constexpr size_t kPerChunk = TableArena::kChunkBytes / TableArena::kTableBytes;
  std::vector<void*> tables;
  std::set<void*> distinct;
  for (size_t i = 0; i < kPerChunk + 3; ++i) {
    void* t = arena.alloc();
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t) % 4096, 0u);
    const auto* bytes = static_cast<const unsigned char*>(t);
    EXPECT_TRUE(std::all_of(bytes, bytes + 4096, [](unsigned char b) { return b == 0; })) << "table " << i;
    std::memset(t, 0xa5, 4096);  // dirty it, as a table in use is
    tables.push_back(t);
    distinct.insert(t);
  }
  EXPECT_EQ(distinct.size(), tables.size());
  EXPECT_EQ(arena.live_tables(), kPerChunk + 3);
  EXPECT_EQ(arena.reserved_bytes(), 2 * TableArena::kChunkBytes);  // one chunk full, one begun
  // Consecutive tables of a chunk are adjacent.
  EXPECT_EQ(static_cast<char*>(tables[1]) - static_cast<char*>(tables[0]), 4096);
  for (void* t : tables) arena.free(t);
  EXPECT_EQ(arena.live_tables(), 0u);
  // A reused table comes back zeroed, and no new chunk is taken.
  for (size_t i = 0; i < 8; ++i) {
    void* t = arena.alloc();
    EXPECT_EQ(distinct.count(t), 1u);
    const auto* bytes = static_cast<const unsigned char*>(t);
    EXPECT_TRUE(std::all_of(bytes, bytes + 4096, [](unsigned char b) { return b == 0; }));
    arena.free(t);
  }
  EXPECT_EQ(arena.reserved_bytes(), 2 * TableArena::kChunkBytes);
}

TEST(TableArena, ASmallRootTakesAWholeTable) {
  TableArena arena;
  DirectMem mem;
  mem.arena = &arena;
  const ptc_cfg small{32, 32, 0x1000 | 0x200000, 1, PTC_CFG_HW_DIRTY};  // ias 32: a 4-entry L1 root
  std::unique_ptr<LpaeTable<DirectMem>> t(LpaeTable<DirectMem>::create(small, mem));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(arena.live_tables(), 1u);
  EXPECT_EQ(t->map(0x1000, 0x5000, 0x3000, PTC_PROT_READ | PTC_PROT_WRITE), 0);
  EXPECT_EQ(t->iova_to_phys(0x2000), 0x6000u);
  t.reset();
  EXPECT_EQ(arena.live_tables(), 0u);
}

// Two threads at once, each allocating and freeing one table over and over (a map/unmap loop on its
// own range): each keeps getting back the table it freed, so no table's lines move between the cores.
TEST(TableArena, EachThreadReusesTheTablesItFreed) {
  TableArena arena;
  constexpr int kRounds = 2000;
  std::set<void*> seen[2];
  std::barrier start(2);
  auto loop = [&](int who) {
    // Both hold a table before either frees one: a thread whose list is empty takes from the other's,
    // which is right, but would make which table each ends up with depend on timing.
    void* t = arena.alloc();
    start.arrive_and_wait();
    for (int i = 0; i < kRounds; ++i) {
      ASSERT_NE(t, nullptr);
      ASSERT_TRUE(all_zero(t));
      seen[who].insert(t);
      std::memset(t, 0x5a, TableArena::kTableBytes);
      arena.free(t);
      t = arena.alloc();
    }
    arena.free(t);
  };
  std::thread a(loop, 0), b(loop, 1);
  a.join();
  b.join();
  // Each thread took one table from fresh memory and reused it; with one shared free list the two
  // would trade tables (and, with the threads interleaving, see the other's).
  EXPECT_EQ(seen[0].size(), 1u);
  EXPECT_EQ(seen[1].size(), 1u);
  EXPECT_NE(*seen[0].begin(), *seen[1].begin());
  EXPECT_EQ(arena.live_tables(), 0u);
  EXPECT_EQ(arena.reserved_bytes(), TableArena::kChunkBytes);
}

// A thread that only allocates and one that only frees (tables handed over, as an unmap on one CPU of
// tables mapped on another): the allocating thread takes the tables the other freed instead of carving
// new memory, so the arena does not grow.
TEST(TableArena, TablesFreedByOneThreadServeAnother) {
  TableArena arena;
  constexpr size_t kTables = 300;
  std::vector<void*> handed;
  for (size_t i = 0; i < kTables; ++i) handed.push_back(arena.alloc());
  const size_t reserved = arena.reserved_bytes();
  std::thread freer([&] {
    for (void* t : handed) arena.free(t);
  });
  freer.join();
  EXPECT_EQ(arena.live_tables(), 0u);
  std::set<void*> again;
  for (size_t i = 0; i < kTables; ++i) {
    void* t = arena.alloc();
    ASSERT_TRUE(all_zero(t));
    again.insert(t);
  }
  EXPECT_EQ(again, std::set<void*>(handed.begin(), handed.end()));
  EXPECT_EQ(arena.reserved_bytes(), reserved);
  EXPECT_EQ(arena.live_tables(), kTables);
  for (void* t : again) arena.free(t);
  EXPECT_EQ(arena.live_tables(), 0u);
}

// More threads than free lists, each holding several tables at once: every table handed out is
// distinct and zeroed, and the live count is exact when they are done (run under TSan in CI).
TEST(TableArena, MoreThreadsThanListsShareThemSafely) {
  TableArena arena;
  const unsigned threads = TableArena::kShards + 4;
  constexpr int kRounds = 200, kHeld = 5;
  std::atomic<int> bad{0};
  std::vector<std::thread> pool;
  std::barrier start(static_cast<std::ptrdiff_t>(threads));
  for (unsigned w = 0; w < threads; ++w)
    pool.emplace_back([&, w] {
      start.arrive_and_wait();
      for (int r = 0; r < kRounds; ++r) {
        void* held[kHeld];
        for (void*& t : held) {
          t = arena.alloc();
          if (!t || !all_zero(t)) ++bad;
          if (t) std::memset(t, int(w + 1), TableArena::kTableBytes);
        }
        for (void* t : held) {
          const auto* bytes = static_cast<const unsigned char*>(t);
          // Another thread writing into a table this one holds would show here.
          if (std::any_of(bytes, bytes + TableArena::kTableBytes, [&](unsigned char b) { return b != w + 1; }))
            ++bad;
        }
        for (void* t : held) arena.free(t);
      }
    });
  for (std::thread& t : pool) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(arena.live_tables(), 0u);
  // At most every thread's tables at once: one chunk.
  EXPECT_EQ(arena.reserved_bytes(), TableArena::kChunkBytes);
}
