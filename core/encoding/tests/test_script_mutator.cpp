// The structural mutator of fuzz_ops: deterministic from its seed, every mutation reachable, every
// result a valid program that decode_fuzz_input() takes back exactly from its printed text, and the
// caller contract kept (an injected op never overlaps the op it runs inside).
#include "core/ops/op_table.h"
#include "core/encoding/script_mutator.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <map>
#include <random>
#include <set>
#include <string>
#include <variant>

#include "core/script/script.h"
#include "core/script/testing/parse_for_test.h"

namespace ptc {
namespace {

Script parse(const std::string& text) { return parse_for_test(text); }

const char kProgram[] =
    "config bbml=2\n"
    "map 0x40000000 0x80000000 2M rw\n"
    "split 0x40000000 2M\n"
    "  @3 dev write 0x40001000\n"
    "dirty 0x40000000 2M\n"
    "unmap_dirty 0x40000000 64K\n"
    "  @13 dev write 0x40004000\n"
    "flush\n";

bool overlapping(const Op& a, const Op& b) {
  auto ranged = [](const Op& o) { return has_range(o.kind); };
  if (!ranged(a) || !ranged(b)) return false;
  const uint64_t as = std::max<uint64_t>(a.size, 1), bs = std::max<uint64_t>(b.size, 1);
  return a.iova < b.iova + bs && b.iova < a.iova + as;
}

void expect_valid(const Script& m, const std::string& what) {
  ASSERT_TRUE(within_fuzz_limits(m)) << what;
  const std::string text = print_script(m);
  const Script back = decode_fuzz_input(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  EXPECT_TRUE(same_script(back, m)) << what << " does not come back from its text:\n" << text;
  for (const Op& op : m.ops)
    for (const Injection& inj : op.inject)
      EXPECT_FALSE(overlapping(op, inj.op)) << what << " injected an overlapping op:\n" << text;
}

TEST(ScriptMutator, SameSeedSameMutation) {
  for (unsigned seed = 0; seed < 50; ++seed) {
    Script a = parse(kProgram), b = parse(kProgram);
    MutationRng ra(seed), rb(seed);
    const char* na = mutate_script(a, ra);
    const char* nb = mutate_script(b, rb);
    EXPECT_EQ(na == nullptr, nb == nullptr);
    if (na && nb) EXPECT_STREQ(na, nb);
    EXPECT_EQ(print_script(a), print_script(b)) << "seed " << seed;
  }
}

TEST(ScriptMutator, EveryMutationIsReachedAndStaysValid) {
  std::map<std::string, int> seen;
  for (unsigned seed = 0; seed < 3000; ++seed) {
    Script s = parse(kProgram);
    MutationRng rng(seed);
    // Chains of mutations, as libFuzzer applies them to corpus entries over time.
    for (int step = 0; step < 4; ++step) {
      const Script before = s;
      const char* name = mutate_script(s, rng);
      if (!name) {
        EXPECT_TRUE(same_script(s, before)) << "a mutation that did not apply changed the script";
        continue;
      }
      ++seen[name];
      expect_valid(s, std::string(name) + " (seed " + std::to_string(seed) + ")");
      if (HasFailure()) return;
    }
  }
  size_t n = 0;
  const char* const* names = mutation_names(&n);
  for (size_t i = 0; i < n; ++i) EXPECT_GT(seen[names[i]], 0) << names[i] << " never applied";
}

TEST(ScriptMutator, RetargetMovesInjectionsMostlyNearby) {
  int near = 0, total = 0;
  for (unsigned seed = 0; seed < 2000; ++seed) {
    Script s = parse("map 0x40000000 0x80000000 4K rw\n  @20 dev write 0x40000000\n");
    MutationRng rng(seed);
    const char* name = mutate_script(s, rng);
    if (!name || std::string(name) != "retarget-injection") continue;
    ++total;
    const uint64_t n = s.ops[0].inject[0].after_access;
    if (n >= 17 && n <= 23) ++near;
  }
  ASSERT_GT(total, 100);
  EXPECT_GT(near * 3, total) << near << " of " << total << " within 3 accesses";
}

TEST(ScriptMutator, AimedInjectionLandsRightAfterAnObservedAccess) {
  const Script program = parse(kProgram);
  // Accesses of `unmap_dirty 0x40000000 64K` (statement 3): the L3 slot of page 4 read at access 25.
  const std::vector<ObservedAccess> seen = {{3, 25, true, 3, 0x40004000}};
  int device = 0, op = 0;
  for (unsigned seed = 0; seed < 400; ++seed) {
    Script s = program;
    MutationRng rng(seed);
    const char* name = aim_injection(s, seen, rng);
    if (!name) continue;
    EXPECT_STREQ(name, "aim-injection");
    expect_valid(s, "aim-injection");
    const Injection& inj = s.ops[3].inject.back();
    EXPECT_EQ(inj.after_access, 25u);
    if (inj.op.kind == OpKind::Dev) {
      ++device;
      EXPECT_EQ(inj.op.iova, 0x40004000u) << "the slot translates one page";
    } else {
      ++op;
    }
  }
  EXPECT_GT(device, 100);
  EXPECT_GT(op, 10) << "ops racing behind the same slot";
}

TEST(ScriptMutator, AimedOpsShareTheSlotButNotTheRange) {
  // `map 0x40000000 4K` read the empty L1 slot of the 1G region: another map in that region installs
  // the same L2 table.
  const Script program = parse("map 0x40000000 0x80000000 4K rw\n");
  const std::vector<ObservedAccess> seen = {{0, 2, true, 1, 0x40000000}};
  int behind = 0, sibling = 0;
  for (unsigned seed = 0; seed < 400; ++seed) {
    Script s = program;
    MutationRng rng(seed);
    if (!aim_injection(s, seen, rng)) continue;
    const Op& inner = s.ops[0].inject.back().op;
    if (inner.kind == OpKind::Dev) continue;
    EXPECT_FALSE(overlapping(s.ops[0], inner));
    if (inner.iova >= 0x40000000u && inner.iova < 0x80000000u) ++behind;  // the same L2 table
    else if (inner.iova == 0 || inner.iova == 0x80000000u) ++sibling;   // the L1 slots either side
    else ADD_FAILURE() << "an op at " << print_addr(inner.iova) << " shares no table with the map";
  }
  EXPECT_GT(behind, 10);
  EXPECT_GT(sibling, 10);
}

TEST(ScriptMutator, AimedAtATableBuiltOffLineTheDeviceUsesTheOpsRange) {
  // `split 0x40000000 2M` writes its new table before linking it (level -1): the device writes the
  // block meanwhile (the race a plain-write install loses).
  const Script program = parse(kProgram);
  const std::vector<ObservedAccess> seen = {{1, 100, false, -1, 0}};
  int n = 0;
  for (unsigned seed = 0; seed < 100; ++seed) {
    Script s = program;
    MutationRng rng(seed);
    if (!aim_injection(s, seen, rng)) continue;
    ++n;
    // The split, whether or not the aimed write got dirty reads around it.
    const auto split = std::find_if(s.ops.begin(), s.ops.end(), [](const Op& op) { return op.kind == OpKind::Split; });
    ASSERT_NE(split, s.ops.end());
    const Injection& inj = split->inject.back();
    EXPECT_EQ(inj.after_access, 100u);
    EXPECT_EQ(inj.op.kind, OpKind::Dev);
    EXPECT_GE(inj.op.iova, 0x40000000u);
    EXPECT_LT(inj.op.iova, 0x40200000u);
  }
  EXPECT_GT(n, 90);
}

TEST(ScriptMutator, RaceWindowsAreReadsOfSlotsStoredLaterInTheSameStatement) {
  const std::vector<ObservedAccess> seen = {
      {0, 1, true, 1, 0x40000000},   // 0: L1 slot; a table is installed under it later (a store at L2)
      {0, 2, true, 3, 0x40001000},   // 1: a leaf read, cleared at access 4
      {0, 3, true, 3, 0x40002000},   // 2: read, never stored
      {0, 4, false, 3, 0x40001000},  // 3: the clear
      {0, 5, false, 2, 0x40000000},  // 4: a store at L2 over 0x40000000-0x401fffff
      {0, 6, true, 3, 0x40003000},   // 5: read after every store: no window
      {1, 1, true, 3, 0x40005000},   // 6: another statement; its store below is at L3 elsewhere
      {1, 2, false, 3, 0x40006000},
      {1, 3, true, -1, 0},           // 8: an unlinked table: never a window
  };
  std::vector<size_t> w = race_windows(seen);
  std::sort(w.begin(), w.end());
  // 2 lies under the L2 store at 4 (a block or table replacing its page), so it opens a window too.
  EXPECT_EQ(w, (std::vector<size_t>{0, 1, 2}));
}

TEST(ScriptMutator, RaceWindowsCloseAtTheFirstLaterStore) {
  const std::vector<ObservedAccess> seen = {
      {0, 1, true, 2, 0x40000000},    // 0: the block a split reads
      {0, 2, false, -1, 0},           // the table it builds off-line
      {0, 3, false, -1, 0},
      {0, 4, false, 2, 0x40000000},   // 3: the install that closes the window
      {0, 5, false, 2, 0x40000000},   // a later store to the same slot closes nothing earlier
      {1, 6, true, 3, 0x40001000},    // 5: a leaf read, its clear two accesses later
      {1, 7, true, 3, 0x40002000},
      {1, 8, false, 3, 0x40001000},
  };
  std::vector<RaceWindow> w = race_window_spans(seen);
  std::sort(w.begin(), w.end(), [](const RaceWindow& a, const RaceWindow& b) { return a.open < b.open; });
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].open, 0u);
  EXPECT_EQ(w[0].close_access, 4u);
  EXPECT_EQ(w[1].open, 5u);
  EXPECT_EQ(w[1].close_access, 8u);
}

TEST(ScriptMutator, OnlyTheLastReadBeforeTheStoreOpensAWindow) {
  // unmap_read_dirty walks its range three times and clears on the last: a device write after the
  // first or second read of the leaf is seen by the next read, so only the third opens a window.
  const std::vector<ObservedAccess> seen = {
      {0, 4, true, 3, 0x40000000}, {0, 8, true, 3, 0x40000000}, {0, 13, true, 3, 0x40000000},
      {0, 14, false, 3, 0x40000000},
  };
  const std::vector<RaceWindow> w = race_window_spans(seen);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].open, 2u);
  EXPECT_EQ(w[0].close_access, 14u);
}

// race_window_spans as it was first written, a std::map per slot table: what the open-addressed tables
// of the real one must agree with.
std::vector<RaceWindow> race_window_spans_by_maps(const std::vector<ObservedAccess>& accesses) {
  auto span = [](int level) { return kSize4K << (9 * (3 - level)); };
  std::vector<RaceWindow> out;
  std::map<std::pair<int, uint64_t>, uint64_t> stored, below_stored, read_later;
  for (size_t i = accesses.size(); i-- > 0;) {
    const ObservedAccess& a = accesses[i];
    if (i + 1 < accesses.size() && accesses[i + 1].statement != a.statement)
      stored.clear(), below_stored.clear(), read_later.clear();
    if (a.level < 0 || a.level > 3) continue;
    if (!a.read) {
      stored[{a.level, a.slot_iova}] = a.access;
      for (int l = 0; l < a.level; ++l) below_stored[{l, a.slot_iova & ~(span(l) - 1)}] = a.access;
      continue;
    }
    uint64_t close = UINT64_MAX;
    if (auto it = below_stored.find({a.level, a.slot_iova}); it != below_stored.end()) close = it->second;
    for (int l = 0; l <= a.level; ++l)
      if (auto it = stored.find({l, a.slot_iova & ~(span(l) - 1)}); it != stored.end()) close = std::min(close, it->second);
    const auto again = read_later.find({a.level, a.slot_iova});
    const bool reread = again != read_later.end() && again->second < close;
    read_later[{a.level, a.slot_iova}] = a.access;
    if (close != UINT64_MAX && !reread) out.push_back({i, close});
  }
  return out;
}

TEST(ScriptMutator, RaceWindowSpansAgreeWithTheMapVersionOnRandomAccesses) {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed) + "; replay: test_encoding --gtest_filter=ScriptMutator.RaceWindowSpansAgreeWithTheMapVersionOnRandomAccesses (seeds 1..300, fixed)");
    std::mt19937_64 rng(seed);
    std::vector<ObservedAccess> seen;
    const size_t n = rng() % 3000;
    size_t statement = 0;
    uint64_t access = 0;
    for (size_t i = 0; i < n; ++i) {
      if (rng() % 200 == 0) ++statement, access = 0;
      const int level = int(rng() % 5) - 1;
      // Few distinct slots, so that reads and stores meet: pages of the first 4 MiB, blocks and tables.
      const uint64_t span = level < 0 ? kSize4K : kSize4K << (9 * (3 - level));
      const uint64_t iova = (rng() % 1024) * kSize4K & ~(span - 1);
      seen.push_back({statement, ++access, rng() % 2 == 0, level, level < 0 ? 0 : iova});
    }
    const std::vector<RaceWindow> got = race_window_spans(seen), want = race_window_spans_by_maps(seen);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].open, want[i].open) << i;
      EXPECT_EQ(got[i].close_access, want[i].close_access) << i;
    }
  }
}

TEST(ScriptMutator, AFullOpTradesAnInjectionForTheAimedOne) {
  Script s = parse("map 0x40000000 0x80000000 4K rw\nunmap_dirty 0x40000000 4K\n  @1 dev read 0x40000000\n"
                   "  @2 dev read 0x40000000\n  @3 dev read 0x40000000\n  @4 dev read 0x40000000\n"
                   "  @5 dev read 0x40000000\n  @6 dev read 0x40000000\n");
  const std::vector<ObservedAccess> seen = {{1, 13, true, 3, 0x40000000}, {1, 14, false, 3, 0x40000000}};
  int aimed = 0;
  for (unsigned seed = 0; seed < 50; ++seed) {
    Script m = s;
    MutationRng rng(seed);
    if (!aim_injection(m, seen, rng)) continue;
    ++aimed;
    expect_valid(m, "aim-injection");
    const Op& op = m.ops[m.ops.size() == 3 ? 2 : 1];
    EXPECT_EQ(op.kind, OpKind::UnmapDirty);
    EXPECT_EQ(op.inject.size(), 6u);
    EXPECT_TRUE(std::any_of(op.inject.begin(), op.inject.end(), [](const Injection& i) { return i.after_access == 13 || i.after_access == 14; }));
  }
  EXPECT_GT(aimed, 40);
}

TEST(ScriptMutator, AimedInjectionsLandInsideTheWindowAndEveryStatementGetsItsTurn) {
  // Statement 1 (the split) has one window, from its read of the block (access 1) to its install
  // (access 600); statement 2 (a scan) has 512. The split must still be aimed at often, and
  // anywhere in its window, not only right after the read.
  const Script program = parse("config bbml=2\nmap 0x40000000 0x80000000 2M rw\nsplit 0x40000000 2M\n"
                               "dirty 0x40000000 2M\n");
  std::vector<ObservedAccess> seen = {{1, 1, true, 2, 0x40000000}};
  for (uint64_t i = 2; i < 600; ++i) seen.push_back({1, i, false, -1, 0});
  seen.push_back({1, 600, false, 2, 0x40000000});
  for (uint64_t page = 0; page < 512; ++page) {
    seen.push_back({2, 1000 + 2 * page, true, 3, 0x40000000 + page * 0x1000});
    seen.push_back({2, 1001 + 2 * page, false, 3, 0x40000000 + page * 0x1000});
  }
  int in_split = 0, deep_in_split = 0, in_scan = 0;
  for (unsigned seed = 0; seed < 600; ++seed) {
    Script s = program;
    MutationRng rng(seed);
    if (!aim_injection(s, seen, rng)) continue;
    expect_valid(s, "aim-injection");
    for (const Op& op : s.ops) {
      if (op.inject.empty()) continue;
      const uint64_t n = op.inject.back().after_access;
      if (op.kind == OpKind::Split) {
        ++in_split;
        EXPECT_LT(n, 600u) << "after the install is outside the window";
        if (n > 1) ++deep_in_split;
      } else if (op.kind == OpKind::Dirty) {
        ++in_scan;
      }
    }
  }
  EXPECT_GT(in_split, 120) << "one window in one statement still gets aimed at";
  EXPECT_GT(deep_in_split, 40) << "points inside the window, not only right after the read";
  EXPECT_GT(in_scan, 120);
}

TEST(ScriptMutator, AimedDeviceWritesAreSometimesBracketedByDirtyReads) {
  // A lost dirty bit shows only on a page clean before the race and read after it.
  const Script program = parse("config bbml=2\nmap 0x40000000 0x80000000 2M rw\nsplit 0x40000000 2M\n");
  const std::vector<ObservedAccess> seen = {{1, 1, true, 2, 0x40000000}, {1, 2, false, 2, 0x40000000}};
  int bracketed = 0, plain = 0;
  for (unsigned seed = 0; seed < 400; ++seed) {
    Script s = program;
    MutationRng rng(seed);
    if (!aim_injection(s, seen, rng)) continue;
    expect_valid(s, "aim-injection");
    if (s.ops.size() == 4) {  // map, dirty, split, dirty
      ++bracketed;
      EXPECT_EQ(s.ops[1].kind, OpKind::Dirty);
      EXPECT_EQ(s.ops[2].kind, OpKind::Split);
      EXPECT_EQ(s.ops[2].inject.back().op.dev, DevKind::Write);
      EXPECT_EQ(s.ops[3].kind, OpKind::Dirty);
      EXPECT_EQ(s.ops[3].iova, 0x40000000u);
      EXPECT_EQ(s.ops[3].size, 0x200000u);
    } else {
      EXPECT_EQ(s.ops.size(), 2u);
      ++plain;
    }
  }
  EXPECT_GT(bracketed, 30);
  EXPECT_GT(plain, 100);
}

TEST(ScriptMutator, StraddleBoundaryMovesAnOpFamilyAcrossATableBoundary) {
  const Script program = parse("map 0x40000000 0x80000000 16K rw\ndirty 0x40000000 16K\n"
                               "unmap 0x40000000 16K\n  @3 dev write 0x40001000\nmap 0x50000000 0x90000000 4K rw\n");
  int moved = 0;
  for (unsigned seed = 0; seed < 3000 && moved < 20; ++seed) {
    Script s = program;
    MutationRng rng(seed);
    const char* name = mutate_script(s, rng);
    if (!name || std::string(name) != "straddle-boundary" || s.ops[0].iova == 0x40000000u) continue;
    ++moved;
    expect_valid(s, "straddle-boundary");
    const Op& map = s.ops[0];
    const uint64_t boundary = (map.iova + map.size - 1) & ~uint64_t(0x1fffff);
    EXPECT_GT(boundary, map.iova) << "the range crosses a 2M (or 1G) boundary";
    EXPECT_EQ(map.paddr - map.iova, 0x40000000u) << "the output keeps its offset from the input";
    EXPECT_EQ(s.ops[1].iova, map.iova) << "the family moves together";
    EXPECT_EQ(s.ops[2].iova, map.iova);
    EXPECT_EQ(s.ops[2].inject[0].op.iova, map.iova + 0x1000) << "and its device actions with it";
  }
  EXPECT_GE(moved, 5);
}

TEST(ScriptMutator, AimingWithoutObservationsDoesNothing) {
  Script s = parse(kProgram);
  MutationRng rng(1);
  EXPECT_EQ(aim_injection(s, {}, rng), nullptr);
  EXPECT_EQ(aim_injection(s, {{99, 1, true, 3, 0}}, rng), nullptr) << "a statement the script does not have";
  EXPECT_TRUE(same_script(s, parse(kProgram)));
}

TEST(ScriptMutator, CrossOverKeepsTheFirstConfigAndTheLimits) {
  const Script a = parse(kProgram);
  const Script b = parse("config bbml=0 flush=lazy\nmap 0x1000 0x2000 4K rw\nunmap 0x1000 4K\nflush\n");
  std::set<size_t> sizes;
  for (unsigned seed = 0; seed < 200; ++seed) {
    MutationRng rng(seed);
    const Script c = cross_over_scripts(a, b, rng);
    EXPECT_EQ(c.config, a.config);
    EXPECT_FALSE(c.ops.empty());
    expect_valid(c, "cross-over");
    sizes.insert(c.ops.size());
  }
  EXPECT_GT(sizes.size(), 4u) << "children of different lengths";
}

TEST(ScriptMutator, MutationsRespectTheStatementLimit) {
  FuzzLimits lim;
  lim.max_statements = 5;
  Script s = parse(kProgram);  // 5 statements already
  for (unsigned seed = 0; seed < 500; ++seed) {
    MutationRng rng(seed);
    Script m = s;
    mutate_script(m, rng, lim);
    EXPECT_LE(m.ops.size(), 5u);
  }
}

}  // namespace
}  // namespace ptc
